"""The built wheel works anywhere: installed into a fresh venv, run from an empty directory.

Builds the sdist and, from it, the wheel (`python -m build`), installs the wheel into a new venv
(with this venv's pip, `--python`, to skip bootstrapping pip; the venv itself starts empty), and
runs every entry point from an empty temporary directory with no PYTHONPATH, so nothing can come
from this checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, free_port, stop_process, wait_until_up

VERSION_LINE = "wfmock 0.1.0"


class Installed:
    """A fresh venv with the wheel installed, and an empty directory to run it from."""

    def __init__(self, venv: Path, workdir: Path) -> None:
        self.venv = venv
        self.bin = venv / "bin"
        self.workdir = workdir
        path = os.pathsep.join([str(self.bin), os.environ.get("PATH", "")])
        self.env = {name: value for name, value in os.environ.items()
                    if name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        self.env.update(PATH=path, VIRTUAL_ENV=str(venv), PYTHONDONTWRITEBYTECODE="1")

    # generous: a child pytest or server in a loaded 2-core box has taken over 120 s; the bound only catches a hang
    def run(self, *command: str, timeout: float = 600, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=cwd or self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("packaging")
    dist = base / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = sorted(dist.glob("wfmock-*.whl"))
    assert len(wheels) == 1 and sorted(dist.glob("wfmock-*.tar.gz")), sorted(dist.iterdir())
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
         "--no-compile", "--disable-pip-version-check", str(wheels[0])],
        capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    workdir = base / "empty"
    workdir.mkdir()
    return Installed(venv, workdir)


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    """`wfmock serve` from the venv, default flags but a free port (the README's quick-start server)."""
    port = free_port()
    log = installed.workdir.parent / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(installed.bin / "wfmock"), "serve", "--port", str(port), "--log-level",
                                    "warning"], cwd=installed.workdir, env=installed.env, stdout=output,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, url + "/_wfmock/health", log=log)
        yield url
    finally:
        stop_process(process)


def test_the_package_comes_from_the_venv_with_its_data(installed: Installed) -> None:
    probe = installed.run("python", "-c", "import wfmock, wfmock.bundle as b; print(wfmock.__file__); print(b.root())")
    assert probe.returncode == 0, probe.stderr
    module, data = probe.stdout.split()
    site = str(installed.venv)
    assert module.startswith(site) and data.startswith(site), probe.stdout
    assert (Path(data) / "openapi" / "miso.yaml").is_file()
    assert (Path(data) / "fixtures" / "apps" / "demo.yaml").is_file()
    assert (Path(data) / "scenarios" / "hometax-login-fails.yaml").is_file()


def test_version_from_the_command_and_the_module(installed: Installed) -> None:
    for command in (("wfmock", "--version"), ("python", "-m", "wfmock", "--version")):
        result = installed.run(*command)
        assert result.returncode == 0 and result.stdout.strip() == VERSION_LINE, (command, result)


def test_scenarios_list(installed: Installed) -> None:
    result = installed.run("wfmock", "scenarios", "list")
    assert result.returncode == 0, result.stderr
    assert "hometax-login-fails" in result.stdout and "stream-dies-midway" in result.stdout


def test_serve_answers_both_apis(served: str) -> None:
    created = httpx.post(served + "/v2/workflows", headers={"X-API-Key": "your-api-key"}, timeout=30, json={
        "type": "scraping",
        "params": {"siteCode": "HOMETAX", "function": "get_business_info", "credentialId": "cred_abc123",
                   "year": 2025}})
    assert created.status_code == 200 and created.json()["status"] == "RUNNING", created.text
    run = httpx.post(served + "/ext/v1/workflows/run", headers={"Authorization": "Bearer app-demo"}, timeout=30,
                     json={"inputs": {"query": "요약해 주세요"}, "response_mode": "blocking", "user": "abc-123"})
    assert run.status_code == 200 and run.json()["data"]["status"] == "succeeded", run.text


def test_served_pages_and_documents_come_from_the_wheel(served: str) -> None:
    """The console, the docs page with its Swagger UI files and the served contracts are package data."""
    for path, expected in (("/_wfmock/", "<html"), ("/_wfmock/docs", "swagger-ui"),
                           ("/_wfmock/docs/swagger-ui/swagger-ui-bundle.js", "SwaggerUI")):
        answer = httpx.get(served + path, timeout=30)
        assert answer.status_code == 200 and expected in answer.text, (path, answer.status_code, answer.text[:200])
    document = httpx.get(served + "/_wfmock/openapi/miso.json?oas=3.1", timeout=30)
    assert document.status_code == 200 and document.json()["openapi"].startswith("3.1"), document.text[:200]


def test_contract_against_the_served_mock(installed: Installed, served: str) -> None:
    result = installed.run("wfmock", "contract", "--api", "miso", "--base-url", served, "--api-key", "app-demo",
                           "--phases", "examples", "--max-examples", "1", "--only", "schemathesis,error-envelope,auth",
                           "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CONFORMS" in result.stdout and "open mode" in result.stdout


def test_the_contract_pytest_plugin_line(installed: Installed, served: str) -> None:
    result = installed.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-p", "wfmock.contract",
                           "--wfmock-api", "imprun", "--wfmock-base-url", served, "--wfmock-api-key", "your-api-key",
                           "--wfmock-only", "schemathesis,error-envelope", "--wfmock-phases", "examples",
                           "--wfmock-max-examples", "1", "-q")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout, result.stdout


def test_the_wfmock_server_fixture_loads_from_the_entry_point(installed: Installed) -> None:
    project = installed.workdir.parent / "user-project"
    project.mkdir()
    (project / "test_client.py").write_text(
        "import httpx, pytest\n\n"
        "@pytest.mark.wfmock(api='miso', pace=0)\n"
        "def test_run(wfmock_server):\n"
        "    answer = httpx.post(wfmock_server.url + '/ext/v1/workflows/run', headers={'Authorization': 'Bearer k'},\n"
        "                        json={'inputs': {'query': 'hi'}, 'response_mode': 'blocking', 'user': 'u'})\n"
        "    assert answer.status_code == 200\n"
        "    assert [e['operation_id'] for e in wfmock_server.requests()] == ['runWorkflow']\n",
        encoding="utf-8")
    result = installed.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", cwd=project)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]


def test_nothing_was_written_to_the_working_directory(installed: Installed) -> None:
    """Runs last (pytest keeps file order): the commands above left the directory they ran in empty, but for
    hypothesis' own character-table cache (`.hypothesis/unicode_data`, wherever hypothesis runs)."""
    left = sorted(path.relative_to(installed.workdir).as_posix() for path in installed.workdir.rglob("*")
                  if path.is_file())
    assert [name for name in left if not name.startswith(".hypothesis/unicode_data/")
            and name != ".hypothesis/.gitignore"] == []
