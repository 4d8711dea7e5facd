"""Scenario sources cannot exhaust or hang the host: bounded reads, safe YAML, RE2 regexes, checked fixtures.

Regression tests for issue 10's findings: a 700-byte alias bomb, deep nesting, NUL bytes and bad
UTF-8, `^(a+)+$`, device paths, and admin scenario names that used to be paths.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.inprocess import app, call, is_miso_envelope
from wfmock.scenario import ScenarioError, ScenarioLibrary, load_bytes, load_file, load_text
from wfmock.scenario.errors import UnreadableScenario
from wfmock.scenario.limits import MAX_SCENARIO_BYTES, read_bounded

HEAD = "name: s\ndescription: d\n"
ALIAS_BOMB = HEAD + "x: &a [1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi")
) + "rules: []\n"


def problems(error: pytest.ExceptionInfo[ScenarioError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    assert len(ALIAS_BOMB.encode()) < 800  # 9^9 values if expanded
    with pytest.raises(ScenarioError) as error:
        load_text(ALIAS_BOMB, "bomb.yaml")
    assert "values once aliases are expanded" in str(error.value)
    many_aliases = HEAD + "x: &a 1\ny: [" + ", ".join(["*a"] * 150) + "]\nrules: []\n"
    with pytest.raises(ScenarioError, match="more than 100 aliases"):
        load_text(many_aliases, "aliases.yaml")


@pytest.mark.parametrize("text", [
    HEAD + "rules: " + "[" * 100_000 + "]" * 100_000 + "\n",
    HEAD + "rules:\n" + "".join("  " * i + "- \n" for i in range(200)),
    HEAD + "rules: &r [*r]\n",
], ids=["flow-100000", "block-200", "recursive-alias"])
def test_deep_or_recursive_yaml_is_a_problem_not_a_recursion_error(text: str) -> None:
    with pytest.raises(ScenarioError) as error:
        load_text(text, "deep.yaml")
    assert any("nested more than" in p or "YAML" in p for p in problems(error))


@pytest.mark.parametrize(("data", "line", "words"), [
    (HEAD.encode() + b"rules: []\n# \x00\n", 4, "NUL byte"),
    (HEAD.encode() + b"rules:\n  - name: \xff\xfe\n", 4, "invalid UTF-8"),
], ids=["nul", "utf8"])
def test_nul_and_invalid_utf8_name_their_line(data: bytes, line: int, words: str) -> None:
    with pytest.raises(UnreadableScenario) as error:
        load_bytes(data, "bad.yaml")
    assert len(problems(error)) == 1 and problems(error)[0].startswith(f"bad.yaml:{line}: {words}")


def test_values_pyyaml_cannot_build_are_problems() -> None:
    with pytest.raises(ScenarioError, match="cannot read the value"):
        load_text(HEAD + "rules: []\nx: " + "9" * 6000 + "\n", "big-int.yaml")


def test_regexes_run_on_re2_so_catastrophic_patterns_cannot_stall() -> None:
    scenario = load_text(HEAD + "rules:\n  - match: {api: imprun, query: {q: {regex: '^(a+)+$'}}}\n    error: NOT_FOUND\n"
                         "    name: r\n", "re.yaml")
    condition = scenario.rules[0].match.query["q"]
    started = time.perf_counter()
    assert condition.test(True, "a" * 28 + "!") is False and condition.test(True, "a" * 28) is True
    assert condition.test(True, "a" * 100_000 + "!") is False
    assert time.perf_counter() - started < 5  # backtracking would take longer than the universe
    with pytest.raises(ScenarioError) as error:
        load_text(HEAD + "rules:\n  - name: r\n    match: {query: {q: {regex: '(a)\\1'}}}\n", "backref.yaml")
    assert problems(error)[0].startswith("backref.yaml:5:") and "RE2" in problems(error)[0]


def test_every_fixture_a_scenario_names_is_checked_when_it_loads(tmp_path: Path) -> None:
    (tmp_path / "ok.json").write_text('{"a": 1}')
    (tmp_path / "broken.json").write_text("{nope")
    rules = "".join(f"  - name: r{i}\n    match: {{api: imprun}}\n    fixture: {name}\n"
                    for i, name in enumerate(["ok.json", "missing.json", "broken.json"]))
    with pytest.raises(ScenarioError) as error:
        load_text(HEAD + "rules:\n" + rules, "fx.yaml", fixtures_dir=tmp_path)
    found = problems(error)
    assert len(found) == 2
    assert found[0].startswith("fx.yaml:9:") and "missing.json" in found[0]
    assert found[1].startswith("fx.yaml:12:") and "not JSON" in found[1]


def test_reads_are_bounded_and_only_regular_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableScenario, match="not a regular file"):
        read_bounded(Path("/dev/zero"))
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableScenario, match="not a regular file"):  # opening it does not wait for a writer
        load_file(fifo)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_SCENARIO_BYTES + 1))
    with pytest.raises(UnreadableScenario, match="the limit is"):
        load_file(big)


def test_the_library_resolves_names_only(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(HEAD + "rules: []\n")
    library = ScenarioLibrary([tmp_path])
    assert library.load("mine").name == "s" and library.load("flaky").name == "flaky"
    answers = set()
    for name in ("/etc/passwd", "../../../../etc/passwd", str(tmp_path / "mine.yaml"), "/no/such/file", "..",
                 "mine.yaml", "x" * 10_000, ""):
        with pytest.raises(ScenarioError) as error:
            library.load(name)
        message = str(error.value)
        assert "root:" not in message and len(message) < 2000
        answers.add(message.split(": ", 1)[1])
    assert len(answers) == 1  # the same answer whether or not a file of that name exists


def test_admin_chooses_scenarios_by_name_and_never_reads_a_path(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(HEAD + "rules: []\n")
    pipeline = app(scenario_dirs=(tmp_path,))
    for name in ("/etc/shadow", "/etc/passwd", "/dev/zero", str(tmp_path / "mine.yaml")):
        response = call(pipeline, "PUT", "/_wfmock/scenario", json={"name": name})
        assert response.status_code == 400 and is_miso_envelope(response.json())
        assert "root:" not in response.text and "no scenario of this name" in response.json()["message"]
    assert call(pipeline, "PUT", "/_wfmock/scenario", json={"name": "mine"}).json()["active"]["name"] == "s"
    assert call(pipeline, "PUT", "/_wfmock/scenario", json={"name": "flaky"}).json()["active"]["name"] == "flaky"
    listed = call(pipeline, "GET", "/_wfmock/scenarios").json()
    assert "mine" in [entry["name"] for entry in listed["available"]]
    header = call(pipeline, "GET", "/v2/workflows/x", headers={"X-API-Key": "k", "X-Wfmock-Scenario": "/etc/passwd"})
    assert header.status_code == 400 and "root:" not in header.text


@pytest.mark.parametrize("body", [
    {"scenario": ALIAS_BOMB},
    {"scenario": HEAD + "rules: []\n\x00"},
    {"scenario": HEAD + "rules: " + "[" * 50_000},
    {"scenario": {"name": "s", "description": "d", "rules": [], "x": __import__("functools").reduce(
        lambda inner, _: [inner], range(200), [])}},
    {"scenario": HEAD + "rules:\n  - name: r\n    match: {query: {q: {regex: '(?=x)'}}}\n"},
    {"name": 5},
    [1, 2],
], ids=["alias-bomb", "nul", "deep-yaml", "deep-json", "lookahead", "name-not-text", "not-a-mapping"])
def test_admin_refuses_bad_inline_scenarios_in_its_envelope(body: object) -> None:
    pipeline = app()
    started = time.perf_counter()
    response = call(pipeline, "PUT", "/_wfmock/scenario", json=body)
    assert response.status_code == 400 and is_miso_envelope(response.json()), response.text[:300]
    assert time.perf_counter() - started < 20  # "fast": no expansion, no backtracking (generous for CI)


def test_admin_refuses_a_deep_json_body_before_parsing() -> None:
    raw = b'{"scenario": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = call(app(), "PUT", "/_wfmock/scenario", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400 and "nested more than" in response.json()["message"]


def _wfmock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wfmock", *args], capture_output=True, text=True, timeout=60)


def test_cli_unreadable_scenarios_exit_2_with_one_line(tmp_path: Path) -> None:
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(HEAD.encode() + b"\x00")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(HEAD.encode() + b"rules: [\xff]\n")
    result = _wfmock("scenarios", "validate", str(nul), str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert f"{nul}:3: NUL byte" in result.stdout and f"{bad}:3: invalid UTF-8" in result.stdout
    for target in ("/dev/zero", str(nul), str(tmp_path / "missing.yaml")):
        served = _wfmock("serve", "--port", "1", "--scenario", target)
        assert served.returncode == 2 and served.stderr.count("\n") == 1, served.stderr
        assert "Traceback" not in served.stderr and served.stderr.startswith("wfmock: ")
