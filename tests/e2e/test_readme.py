"""README.md runs as written, so it cannot drift from the product again.

The convention every editor of README.md follows: a ```sh block is executed, a ```text block (or
any other) is not. The ```sh blocks run in order, one command at a time, with bash from the
repository folder (where a reader who ran `make serve` is), against the quick-start server: `wfmock
serve` with default flags on a free port (`127.0.0.1:8080` and `localhost:8080` are rewritten to it).
Lines the test itself stands in for are skipped: `make serve` (the server above), `make test` (this
run) and `. .venv/bin/activate` (this interpreter's folder is first on PATH). Placeholders are filled
from what earlier commands printed: `wf_XXXXXXXXXXXX` becomes the newest imprun run id.

The Python example of the `wfmock_server` fixture runs as a user's test file would, outside this repo.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT, running_server

README = ROOT / "README.md"
QUICK_START = "Quick start"
SETUP_LINES = {"make serve", "make test", ". .venv/bin/activate", "source .venv/bin/activate"}
QUICK_START_ADDRESS = re.compile(r"\b(?:127\.0\.0\.1|localhost):8080\b")
COMMAND_TIMEOUT = 180.0
# placeholder in README -> what an earlier command printed that fills it
PLACEHOLDERS = {"wf_XXXXXXXXXXXX": re.compile(r"\bwf_(?!X{12})[a-z0-9]{12}\b")}


@dataclass(frozen=True)
class Command:
    text: str
    line: int      # README line where the command starts
    block: int     # 1-based number of the ```sh block
    section: str   # the heading above the block


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int      # README line of the first line inside the fence
    section: str


def fenced_blocks(markdown: str) -> list[Block]:
    blocks: list[Block] = []
    section = ""
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        if line.startswith("```"):
            language = line[3:].strip()
            start = index + 1
            end = start
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            blocks.append(Block(language, "\n".join(lines[start:end]), start + 1, section))
            index = end
        index += 1
    return blocks


def shell_commands(markdown: str) -> list[Command]:
    """Every command of every ```sh block, a command ending where its quotes close and no `\\` continues it."""
    commands: list[Command] = []
    sh_blocks = [block for block in fenced_blocks(markdown) if block.language == "sh"]
    for number, block in enumerate(sh_blocks, start=1):
        pending: list[str] = []
        first_line = block.line
        for offset, line in enumerate(block.text.splitlines()):
            if not pending:
                first_line = block.line + offset
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
            pending.append(line)
            text = "\n".join(pending)
            if text.endswith("\\") or not _quotes_closed(text):
                continue
            commands.append(Command(text, first_line, number, block.section))
            pending = []
        assert not pending, f"README.md ```sh block {number} (line {block.line}): unclosed quote or trailing \\"
    return commands


def _quotes_closed(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def is_setup(command: Command) -> bool:
    return command.text.split("#", 1)[0].strip() in SETUP_LINES


def error_envelope(output: str) -> str | None:
    """The first error envelope (imprun or MISO, body or SSE `data:`) in a command's output, if any."""
    for line in output.splitlines():
        line = line.removeprefix("data:").strip()
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        imprun_error = {"error", "message", "code"} <= value.keys() and isinstance(value["error"], str)
        miso_error = isinstance(value.get("status"), int) and value["status"] >= 400
        if imprun_error or miso_error:
            return line
    return None


def run_commands(commands: list[Command], base_url: str, *, refuse_errors_in: tuple[str, ...] = ()) -> None:
    """Runs the commands in order; fails naming the block, its line and the command."""
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    address = base_url.removeprefix("http://")
    learned: dict[str, str] = {}
    for command in commands:
        if is_setup(command):
            continue
        text = QUICK_START_ADDRESS.sub(address, command.text)
        for placeholder, value in learned.items():
            text = text.replace(placeholder, value)
        where = (f"README.md ```sh block {command.block} (section '{command.section}'), "
                 f"command at line {command.line}:\n{command.text}\n")
        unfilled = [placeholder for placeholder in PLACEHOLDERS if placeholder in text]
        assert not unfilled, where + f"no earlier command printed a value for {unfilled}"
        try:
            result = subprocess.run(["bash", "-c", "set -o pipefail\n" + text], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(where + f"did not finish within {COMMAND_TIMEOUT:.0f} s", pytrace=False)
        report = f"{where}exit {result.returncode}\nstdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        if result.returncode != 0:
            pytest.fail(report, pytrace=False)
        if command.section in refuse_errors_in and (found := error_envelope(result.stdout)):
            pytest.fail(f"{report}\nanswered an error: {found}", pytrace=False)
        for placeholder, pattern in PLACEHOLDERS.items():
            found_values = pattern.findall(result.stdout)
            if found_values:
                learned[placeholder] = found_values[-1]


def test_the_sh_blocks_run_in_order_against_the_quick_start_server() -> None:
    commands = shell_commands(README.read_text(encoding="utf-8"))
    assert any(command.section == QUICK_START for command in commands), "README.md lost its Quick start"
    with running_server() as base_url:
        run_commands(commands, base_url, refuse_errors_in=(QUICK_START,))


def test_the_quick_start_calls_work_against_a_server_with_api_keys() -> None:
    """The README says its keys also work with `wfmock serve --api-key your-api-key` (app-demo is declared)."""
    commands = [c for c in shell_commands(README.read_text(encoding="utf-8"))
                if c.section == QUICK_START and c.text.startswith("curl ")]
    with running_server("--api-key", "your-api-key") as base_url:
        run_commands(commands, base_url, refuse_errors_in=(QUICK_START,))


def test_the_fixture_example_passes_as_a_users_test(tmp_path: Path) -> None:
    examples = [block for block in fenced_blocks(README.read_text(encoding="utf-8"))
                if block.language == "python" and "wfmock_server" in block.text]
    assert examples, "README.md has no ```python example using the wfmock_server fixture"
    for number, example in enumerate(examples, start=1):
        test_file = tmp_path / f"test_readme_example_{number}.py"
        test_file.write_text(example.text + "\n", encoding="utf-8")
        env = {name: value for name, value in os.environ.items() if name not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file.name],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (f"README.md ```python example at line {example.line} failed:\n"
                                        f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
        assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout


def test_commands_are_split_where_the_shell_would_split_them() -> None:
    markdown = "\n".join([
        "## Here", "```sh", "# a comment", "curl -s -X POST http://127.0.0.1:8080/x \\", "  -d '{\"a\":",
        "  1}'", "", "wfmock --version   # trailing comment", "```", "```text", "not run", "```"])
    commands = shell_commands(markdown)
    assert [(c.line, c.block, c.section) for c in commands] == [(4, 1, "Here"), (8, 1, "Here")]
    assert commands[0].text.endswith("1}'")


def test_error_envelopes_are_recognised() -> None:
    assert error_envelope('{"error": "UNAUTHORIZED", "message": "m", "code": 401}')
    assert error_envelope('data: {"code": "unauthorized", "message": "m", "status": 401}')
    assert error_envelope('{"id": "wf_1", "status": "RUNNING"}') is None
    assert error_envelope('{"id": "wf_1", "status": "FAILED", "error": {"code": "X", "message": "m"}}') is None
