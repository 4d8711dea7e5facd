"""Bounded fuzzing (issue 10): raw HTTP, JSON, multipart, the admin API, the scenario loader, schemathesis.

Every case must end in an answer below 500, every error in the API's envelope, no traceback in the
server's log, and the health endpoint answering right after. `make test` runs a few hundred cases;
`make fuzz` runs the same tests with `WFMOCK_FUZZ_EXAMPLES=100000` and prints the counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzzing
from tests.fuzzing import COUNTS, check_answer, examples, logged_server, probe_health, raw_exchange
from wfmock.openapi.document import openapi_dir
from wfmock.scenario import Scenario, ScenarioError, load_text
from wfmock.scenario.regex import RegexError, compile_pattern

KEY = "fuzz-key"
AUTH_HEADERS = {"imprun": {"X-API-Key": KEY}, "miso": {"Authorization": f"Bearer {KEY}"}}


def fuzz_settings(kind: str) -> settings:
    return settings(max_examples=examples(kind), deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "server.log"


@pytest.fixture(scope="module")
def base(server_log: Path) -> Iterator[str]:
    with logged_server(server_log, "--pace", "0", "--run-duration", "0", "--no-rate-limit", "--seed", "1") as url:
        yield url
    log = server_log.read_text(errors="replace")
    print(f"\nfuzz counts: {fuzzing.report()}")
    assert "Traceback" not in log and "unexpected error" not in log, log[-5000:]


def assert_clean() -> None:
    print(f"\n  after {os.environ.get('PYTEST_CURRENT_TEST', '?').split(' ')[0]}: {fuzzing.report()}", flush=True)
    assert COUNTS["server_errors"] == 0 and COUNTS["not_envelope"] == 0, fuzzing.report()
    assert COUNTS["health_failures"] == 0 and COUNTS["no_response"] == 0, fuzzing.report()


# -- raw HTTP: bytes in the method, path, headers and body ------------------------------------------------

PATHS = [b"/v2/workflows", b"/v2/workflows/", b"/ext/v1/workflows/run", b"/ext/v1/workflows/run/",
         b"/ext/v1/files/upload", b"/ext/v1/workflows/tasks/t/stop", b"/ext/v1/workflows/logs",
         b"/console/workflows/", b"/_wfmock/requests", b"/_wfmock/scenarios", b"/", b""]
METHODS = [b"GET", b"POST", b"PUT", b"DELETE", b"HEAD", b"OPTIONS", b"PATCH", b"FOO", b"G\x00T", b"get"]
CONTENT_TYPES = [b"application/json", b"multipart/form-data; boundary=zz", b"multipart/form-data",
                 b"application/x-www-form-urlencoded", b"text/plain", b"application/json; charset=\xff"]


def deep_json(levels: int) -> bytes:
    return b'{"inputs": {"a": ' + b"[" * levels + b"]" * levels + b'}, "user": "u", "params": {}}'


bodies = st.one_of(
    st.binary(max_size=300),
    st.integers(1, 200_000).map(deep_json),
    st.integers(0, 3 * 1024 * 1024).map(lambda n: b'{"inputs": {"q": "' + b"x" * n + b'"}, "user": "u"}'),
    st.sampled_from([b'{"inputs": {}, "user": "u"}', b'{"type": "scraping", "params": {}}', b"\xff\xfe{}", b"\x00"]),
)


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[bytes, str, str]:
    method = draw(st.sampled_from(METHODS) | st.binary(min_size=1, max_size=8))
    path = draw(st.sampled_from(PATHS)) + draw(st.binary(max_size=40))
    if draw(st.booleans()):
        path += b"?" + draw(st.binary(max_size=60))
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: fuzz", b"Connection: close"]
    lines.append(draw(st.sampled_from([b"X-API-Key: " + KEY.encode(), b"Authorization: Bearer " + KEY.encode(),
                                       b"Authorization: Bearer", b"X-Wfmock-Scenario: /etc/passwd", b"X-A: b"])))
    lines.append(b"Content-Type: " + draw(st.sampled_from(CONTENT_TYPES)))
    for name, value in draw(st.lists(st.tuples(st.binary(max_size=12), st.binary(max_size=60)), max_size=4)):
        lines.append(name + b": " + value)
    body = draw(bodies)
    if draw(st.integers(0, 9)):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    request = b"\r\n".join(lines) + b"\r\n\r\n" + body
    return request, path.split(b"?")[0].decode("latin-1"), method.decode("latin-1")


def test_raw_http(base: str) -> None:
    @fuzz_settings("raw_http")
    @given(raw_requests())
    def case(request: tuple[bytes, str, str]) -> None:
        data, path, method = request
        status, headers, body = raw_exchange(base, data)
        check_answer(status, headers.get(b"content-type", b"").decode("latin-1"), body, path, method)
        probe_health(base)

    case()
    assert_clean()


# -- JSON bodies on the operations that take them ---------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)


@st.composite
def json_requests(draw: st.DrawFn) -> tuple[str, str, object]:
    api = draw(st.sampled_from(["imprun", "miso"]))
    value = draw(json_values)
    if api == "imprun":
        body = draw(st.sampled_from([{"type": "scraping", "params": value}, {"type": value, "params": {}}, value]))
        return api, "/v2/workflows", body
    shape = draw(st.sampled_from(["inputs", "files", "whole", "stop"]))
    if shape == "stop":
        task = draw(st.text(alphabet="abcdef0123456789-%_~.", max_size=40))
        return api, "/ext/v1/workflows/tasks/" + task + "/stop", value
    mode = draw(st.sampled_from(["blocking", "streaming", None]))
    body = {"inputs": value, "user": "u", "mode": mode} if shape == "inputs" else \
        {"inputs": {}, "files": value, "user": "u"} if shape == "files" else value
    return api, "/ext/v1/workflows/run", body


def test_json_bodies(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        @fuzz_settings("json")
        @given(json_requests())
        def case(request: tuple[str, str, object]) -> None:
            api, path, body = request
            response = client.post(path, json=body, headers=AUTH_HEADERS[api])
            check_answer(response.status_code, response.headers.get("content-type", ""), response.content, path, "POST")
            probe_health(base)

        case()
    assert_clean()


# -- multipart: names, file names (NUL, quotes, line breaks, length) and contents ------------------------

names = st.text(max_size=40) | st.text(min_size=250, max_size=400)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> bytes:
    boundary = b"fuzzboundary"
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        field = draw(names).encode("utf-8", "surrogatepass")
        filename = draw(st.none() | names)
        disposition = b'form-data; name="' + field + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename.encode("utf-8", "surrogatepass") + b'"'
        parts.append(b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n" +
                     draw(st.binary(max_size=100)) + b"\r\n")
    if draw(st.booleans()):
        parts.insert(0, b"--" + boundary + b'\r\nContent-Disposition: form-data; name="user"\r\n\r\nu\r\n')
    return b"".join(parts) + (b"--" + boundary + b"--\r\n" if draw(st.integers(0, 5)) else b"")


def test_multipart(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        @fuzz_settings("multipart")
        @given(multipart_bodies())
        def case(body: bytes) -> None:
            response = client.post("/ext/v1/files/upload", content=body, headers={
                **AUTH_HEADERS["miso"], "content-type": "multipart/form-data; boundary=fuzzboundary"})
            check_answer(response.status_code, response.headers.get("content-type", ""), response.content,
                         "/ext/v1/files/upload", "POST")
            probe_health(base)

        case()
    assert_clean()


# -- the admin API ----------------------------------------------------------------------------------------

yaml_texts = st.one_of(
    st.text(max_size=200),
    json_values.map(lambda value: yaml.safe_dump({"name": "f", "description": "d", "rules": value})),
    st.integers(1, 12).map(lambda n: "name: f\ndescription: d\na: &a [x, x]\n" + "".join(
        f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n" for i in range(n))
        + "rules: []\n"),
)
admin_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"name": st.text(max_size=60) | st.sampled_from(["/etc/passwd", "../../etc/shadow",
                                                                           "/dev/zero", "flaky"])}),
    st.fixed_dictionaries({"scenario": yaml_texts | json_values}),
)


@st.composite
def admin_requests(draw: st.DrawFn) -> tuple[str, str, dict]:
    kind = draw(st.sampled_from(["scenario", "requests", "anywhere"]))
    if kind == "scenario":
        return "PUT", "/_wfmock/scenario", {"json": draw(admin_bodies)}
    if kind == "requests":
        query = draw(st.dictionaries(st.sampled_from(["api", "operation", "status", "since", "limit", "x"]),
                                     st.text(max_size=30), max_size=4))
        return "GET", "/_wfmock/requests", {"params": query}
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
    return method, "/_wfmock/" + draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz/._-%", max_size=30)), {}


def test_admin_api(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        @fuzz_settings("admin")
        @given(admin_requests())
        def case(request: tuple[str, str, dict]) -> None:
            method, path, options = request
            response = client.request(method, path, **options)
            check_answer(response.status_code, response.headers.get("content-type", ""), response.content, path, method)
            if method != "GET":
                client.delete("/_wfmock/scenario")  # a fuzzed scenario must not shape the other fuzz tests
                client.post("/_wfmock/reset")
            probe_health(base)

        case()
    assert_clean()


# -- the scenario loader, in-process ---------------------------------------------------------------------

regexes = st.text(alphabet="ab()+*?[]{}|\\^$.,0123456789=!<:", max_size=30)


def test_scenario_loader() -> None:
    @fuzz_settings("loader")
    @given(yaml_texts, regexes, st.text(max_size=40))
    def case(text: str, pattern: str, subject: str) -> None:
        COUNTS["cases"] += 1
        try:
            assert isinstance(load_text(text, "fuzz.yaml"), Scenario)
        except ScenarioError as error:
            assert error.problems and all(str(p).startswith("fuzz.yaml") for p in error.problems)
        try:
            compiled = compile_pattern(pattern)
        except RegexError:
            return
        compiled.search(subject * 50)
        rule = yaml.safe_dump({"name": "f", "description": "d",
                               "rules": [{"name": "r", "match": {"query": {"q": {"regex": pattern}}}}]})
        assert isinstance(load_text(rule, "regex.yaml"), Scenario)

    case()
    assert_clean()


# -- schemathesis, negative mode: invalid requests by the contract's own schemas ---------------------------


@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_schemathesis_negative(api: str, base: str, tmp_path: Path) -> None:
    auth = {"imprun": f'[auth.openapi.ApiKeyAuth]\napi_key = "{KEY}"\n',
            "miso": f'[auth.openapi.BearerAuth]\nbearer = "{KEY}"\n'}[api]
    config = tmp_path / "schemathesis.toml"
    config.write_text(auth)
    per_operation = min(300, max(5, examples("json") // 25))
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
               str(openapi_dir() / f"{api}.yaml"), "--url", base, "--mode", "negative",
               "--checks", "not_a_server_error", "--phases", "fuzzing", "--max-examples", str(per_operation),
               "--seed", "3", "--no-color", "--generation-database", "none"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                            env={**os.environ, "NO_COLOR": "1"})
    COUNTS["schemathesis_runs"] += 1
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    probe_health(base)
    assert_clean()
