"""Against a real `wfmock serve` on loopback: protocol-level errors in the envelope, flags, the admin token."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fuzzing import logged_process
from tests.support import running_server
from wfmock import cli
from wfmock.admin import needs_token


@pytest.fixture(scope="module")
def base() -> str:
    with running_server("--pace", "0", "--no-rate-limit") as url:
        yield url


def raw_request(base: str, data: bytes) -> tuple[int, bytes, bytes]:
    """Sends raw bytes; returns (status, headers, body) of the one response (the server closes after it)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(next((line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                          b"0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(head.split(b" ")[1]), head, body


CASES = [
    (b"GET /ext/v1/" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "miso"),
    (b"GET /v2/workflows/" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "imprun"),
    (b"GET /v2/workflows/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n", 431, "imprun"),
    (b"GET /ext/v1/workflows/logs HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431, "miso"),
    (b"FOO /ext/v1/workflows/run HTTP/1.1\r\nHost: x\r\n\r\n", 400, "miso"),
    (b"GET /ext/v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 400, "miso"),
    (b"GET /v2/workflows/x HTTP/1.1\r\nHo st: x\r\n\r\n", 400, "imprun"),
    (b"\x00\x01\x02garbage\r\n\r\n", 400, "imprun"),
    (b"PROPFIND /ext/v1/workflows/run HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, "miso"),
    (b"GET /_wfmock/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "miso"),
]


@pytest.mark.parametrize(("data", "status", "envelope"), CASES, ids=[
    "long-url-miso", "long-url-imprun", "big-header", "many-headers", "unknown-method", "non-ascii-path",
    "bad-header-name", "garbage", "propfind", "admin-404"])
def test_protocol_errors_come_back_in_the_api_envelope(base: str, data: bytes, status: int, envelope: str) -> None:
    got, head, body = raw_request(base, data)
    assert got == status, head
    parsed = httpx.Response(200, content=body).json()
    keys = {"error", "message", "code"} if envelope == "imprun" else {"code", "message", "status"}
    assert set(parsed) == keys, parsed
    assert httpx.get(f"{base}/_wfmock/health", timeout=5).status_code == 200


def test_a_server_beyond_loopback_gets_a_token(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert not needs_token("127.0.0.1") and not needs_token("::1") and not needs_token("localhost")
    assert needs_token("0.0.0.0") and needs_token("::") and needs_token("192.168.0.10") and needs_token("mock.internal")
    seen = {}
    monkeypatch.setattr("wfmock.server.serve", lambda config, host, port, level, **_: seen.update(config=config))
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8080"]) == 0
    token = seen["config"].admin_token
    assert token and len(token) >= 24 and token in capsys.readouterr().err
    assert cli.main(["serve", "--host", "0.0.0.0", "--admin-token", "my-own-token"]) == 0
    assert seen["config"].admin_token == "my-own-token"
    assert cli.main(["serve"]) == 0 and seen["config"].admin_token is None  # loopback: open by default


@pytest.mark.parametrize("flags", [
    ["--port", "0"], ["--port", "65536"], ["--port", "-1"], ["--port", "http"], ["--pace", "-1"], ["--pace", "nan"],
    ["--pace", "inf"], ["--run-duration", "-0.5"], ["--retain", "0"], ["--retain", "-5"], ["--retain", "1e3"],
    ["--retain-bytes", "0"], ["--retain-bytes", "-1"], ["--max-json-depth", "0"], ["--max-json-depth", "500"], ["--max-body-bytes", "abc"],
    ["--seed", "-1"], ["--seed", "x"], ["--api", "soap"], ["--api-key", ""], ["--api-key", "a b"],
    ["--admin-token", "short"], ["--scenario-dir", "/no/such/dir"], ["--host", ""], ["--log-level", "loud"],
])
def test_bad_flags_exit_2_with_one_line(flags: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "wfmock", "serve", *flags], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_ends_open_streams_with_a_final_event_and_exits(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with logged_process(log, "--scenario", "stalled-stream") as (url, process):
        body = {"inputs": {"query": "x"}, "mode": "streaming", "user": "u"}
        with httpx.Client(timeout=30) as client, client.stream(
                "POST", f"{url}/ext/v1/workflows/run", json=body, headers={"Authorization": "Bearer k"}) as response:
            lines = response.iter_lines()
            for line in lines:
                if '"node_started"' in line:
                    break  # three events sent: the stream now stalls for 60 s
            process.send_signal(signal.SIGTERM)
            rest = [line for line in lines if line.startswith("data:")]
        assert process.wait(timeout=30) is not None  # well before the 60 s stall would end
    final = httpx.Response(200, content=rest[-1].removeprefix("data:").strip()).json()
    assert final["event"] == "workflow_finished" and final["data"]["status"] == "stopped"
    assert final["data"]["error"] == "The server is shutting down."
    assert "Traceback" not in log.read_text(errors="replace")


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    """`wfmock openapi export … | head -1`: the pipe closes under the command, which ends quietly with 0."""
    process = subprocess.Popen([sys.executable, "-m", "wfmock", "openapi", "export", "--api", "imprun"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command writes its first line
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


def test_pipelined_requests_on_one_connection_are_answered_in_order_and_it_stays_open(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    body = b'{"inputs": {"query": "q"}, "response_mode": "blocking", "user": "u"}'
    requests = [
        b"GET /_wfmock/health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /ext/v1/workflows/run HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer app-demo-key\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body),
        b"GET /v2/workflows/wf_missing HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\n\r\n",
    ]
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"".join(requests))  # all at once: answers must come back one after another, in order
        received = b""
        statuses: list[int] = []
        while len(statuses) < 3:
            chunk = sock.recv(65536)
            assert chunk, f"the connection closed after {statuses}"
            received += chunk
            while b"\r\n\r\n" in received:
                head, _, rest = received.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                if len(rest) < length:
                    break
                statuses.append(int(head.split(b" ")[1]))
                received = rest[length:]
        sock.sendall(b"GET /_wfmock/health HTTP/1.1\r\nHost: x\r\n\r\n")  # still open for the next one
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    assert statuses == [200, 200, 404]
