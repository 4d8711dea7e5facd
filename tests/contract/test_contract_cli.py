"""The kit's CLI surface, report and building blocks, without a real server where none is needed."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from tests.contract.gallery import miso_server
from tests.support import ROOT, serving
from wfmock.contract.cli import main
from wfmock.contract.client import Pacer, to_curl
from wfmock.openapi import sse
from wfmock.openapi.document import read
from wfmock.openapi.profiles import STRICT_COMPONENTS, Contract, documented_view

KEY = "cli-key"


@pytest.mark.parametrize("argv", [
    [],
    ["--api", "nope", "--base-url", "http://127.0.0.1:1", "--api-key", "k"],
    ["--api", "miso", "--base-url", "ftp://x", "--api-key", "k"],
    ["--api", "miso", "--base-url", "http://127.0.0.1:1", "--api-key", ""],
    ["--api", "miso", "--base-url", "http://127.0.0.1:1", "--api-key", "k", "--include", "bogus"],
    ["--api", "miso", "--base-url", "http://127.0.0.1:1", "--api-key", "k", "--max-examples", "0"],
    ["--api", "miso", "--base-url", "http://127.0.0.1:1", "--api-key", "k", "--phases", "examples,warp"],
    ["--api", "miso", "--base-url", "http://127.0.0.1:1", "--api-key", "k", "--spec", "/nonexistent.yaml"],
])
def test_usage_errors_exit_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_unreachable_server_exits_2(capsys) -> None:
    assert main(["--api", "miso", "--base-url", "http://127.0.0.1:9", "--api-key", "k", "-q"]) == 2
    assert "cannot reach" in capsys.readouterr().err


def test_junit_and_curl_in_the_summary(tmp_path: Path, capsys) -> None:
    junit = tmp_path / "report.xml"
    with serving(miso_server.build_app(KEY, frozenset({"readback_differs"}))) as url:
        code = main(["--api", "miso", "--base-url", url, "--api-key", KEY, "--only", "lifecycle", "--rate", "0",
                     "--junit", str(junit), "-q"])
    out = capsys.readouterr().out
    assert code == 1
    assert "reproduce: curl -sS -X GET -H \"Authorization: Bearer $WFMOCK_API_KEY\"" in out
    assert KEY not in out  # the key itself never appears in a report
    suite = ElementTree.parse(junit).getroot()
    failed = [case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed == ["run_readback"]


def test_pytest_plugin_runs_the_suites(tmp_path: Path) -> None:
    with serving(miso_server.build_app(KEY, frozenset({"logs_oldest_first"}))) as url:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "wfmock.contract", "-p", "no:cacheprovider", "-q",
             "--rootdir", str(tmp_path), str(tmp_path), "--wfmock-api", "miso", "--wfmock-base-url", url,
             "--wfmock-api-key", KEY, "--wfmock-only", "logs,auth", "--wfmock-rate", "0"],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "logs_order" in result.stdout


def test_documented_view_relaxes_only_inferred_nodes() -> None:
    document = {
        "openapi": "3.2.0", "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"operationId": "a", "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["x", "y"],
                    "properties": {"x": {"type": "string"},
                                   "y": {"type": "integer", "x-wfmock-inferred": True}}}}},
                        "links": {"b": {"operationId": "b"}}},
                "404": {"description": "nf", "x-wfmock-inferred": True,
                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/b": {"get": {"operationId": "b", "x-wfmock-inferred": True, "responses": {}}},
        },
    }
    view = documented_view(document)
    schema = view["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["x"] and schema["properties"]["x"] == {"type": "string"}
    assert "type" not in schema["properties"]["y"]
    assert view["paths"]["/a"]["get"]["responses"]["404"]["content"] == {"application/json": {}}
    assert "/b" not in view["paths"] and view["paths"]["/a"]["get"]["responses"]["200"]["links"] == {}
    assert document["paths"]["/b"]  # the original is untouched


def test_sse_parser_reads_frames_and_reports_framing() -> None:
    good = sse.parse(b'data: {"event": "a"}\n\nevent: ping\n\ndata: {"event": "b"}\r\n\r\n')
    assert [e.name for e in good.events] == ["message", "ping", "message"] and not good.problems
    assert good.events[2].payload == {"event": "b"}
    cut = sse.parse(b'data: {"event": "a"}\n\ndata: {"ev')
    assert any("ends in the middle" in p for p in cut.problems)
    junk = sse.parse(b'data: {"event": "a"}\nnonsense here\n\n\xff\n\n')
    assert any("not an SSE field" in p for p in junk.problems)
    assert any("UTF-8" in p for p in junk.problems)


def test_pacer_keeps_under_the_rate() -> None:
    import time

    pacer = Pacer(20)
    started = time.monotonic()
    for _ in range(30):
        pacer.wait()
    assert time.monotonic() - started >= 0.95


def test_curl_hides_the_credential() -> None:
    curl = to_curl("POST", "http://x/v2/workflows", {"X-API-Key": "secret", "Content-Type": "application/json"},
                   b'{"a": "it\'s"}', secret=("x-api-key",))
    assert "secret" not in curl and '"X-API-Key: $WFMOCK_API_KEY"' in curl
    assert curl.endswith("http://x/v2/workflows")


def test_importing_the_plugin_is_cheap() -> None:
    code = "import sys, wfmock.contract; print(sorted(m for m in ('schemathesis', 'httpx', 'hypothesis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.strip()
    assert out == "[]"


def test_documented_view_generates_strict_requests_and_refuses_only_documented_breaks() -> None:
    parameter = {"name": "limit", "in": "query", "schema": {
        "type": "integer", "allOf": [{"maximum": 100, "x-wfmock-inferred": True}]}}
    document = {
        "openapi": "3.2.0", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"post": {"operationId": "a", "parameters": [parameter],
                                  "requestBody": {"required": True, "content": {"application/json": {
                                      "schema": {"$ref": "#/components/schemas/Body"}}}},
                                  "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {"Body": {"type": "object", "required": ["user"], "properties": {
            "user": {"type": "string"}, "mode": {"enum": ["a", "b"], "x-wfmock-inferred": True}}}}},
    }
    contract = Contract(name="t", document=documented_view(document), profile="documented", raw=document)
    operation = contract.document["paths"]["/a"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/{STRICT_COMPONENTS}/schemas/Body"}  # generated from the strict request side
    assert contract.pointer(f"#/{STRICT_COMPONENTS}/schemas/Body/properties/mode")["enum"] == ["a", "b"]
    assert operation["parameters"][0]["schema"]["allOf"][0]["maximum"] == 100

    def problems(query: dict, body: object) -> list[str] | None:
        return contract.documented_request_problems(operation, query=query, body=body, media_type="application/json")

    assert problems({"limit": "500"}, {"user": "u", "mode": "zzz"}) == []  # breaks decisions only
    assert problems({"limit": "x"}, {"user": "u"})  # not an integer: the seed's own type
    assert problems({}, {"mode": "a"})  # `user` is documented as required
    assert problems({}, None) == ["the request body is missing"]
    strict = Contract(name="t", document=document, profile="strict", raw=document)
    assert strict.documented_request_problems(document["paths"]["/a"]["post"]) is None


def test_reference_hook_puts_real_ids_in_positive_cases_only(monkeypatch) -> None:
    import schemathesis

    from wfmock.contract import hooks, references

    document = read("miso")
    assert references.reference_targets(document) == {("uploadFile", "id")}
    assert references.env_name("uploadFile", "id") == "WFMOCK_UPLOAD_FILE_ID"
    operation = schemathesis.openapi.from_dict(document)["/ext/v1/workflows/run"]["POST"]
    body = {"inputs": {"doc": {"transfer_method": "local_file", "type": "document", "upload_file_id": "nope"},
                       "query": "upload_file_id"},
            "files": [{"transfer_method": "local_file", "type": "image", "upload_file_id": "nope"}],
            "mode": "blocking", "user": "u"}
    context = SimpleNamespace(operation=operation)
    monkeypatch.delenv("WFMOCK_UPLOAD_FILE_ID", raising=False)
    untouched = hooks.map_case(context, operation.Case(body=copy.deepcopy(body)))
    assert untouched.body == body  # no id known: left as generated
    known = {("uploadFile", "id"): "file-1"}.get
    case = references.with_real_references(context, operation.Case(body=copy.deepcopy(body)), lambda *ref: known(ref))
    negative = SimpleNamespace(body=copy.deepcopy(body), operation=operation, meta=SimpleNamespace(
        generation=SimpleNamespace(mode=schemathesis.GenerationMode.NEGATIVE)))
    assert references.with_real_references(context, negative, lambda *ref: known(ref)).body == body
    assert case.body["inputs"]["doc"]["upload_file_id"] == "file-1"
    assert case.body["files"][0]["upload_file_id"] == "file-1"
    assert case.body["inputs"]["query"] == "upload_file_id"  # only the referencing property's values
    monkeypatch.setenv("WFMOCK_UPLOAD_FILE_ID", "file-from-env")  # plain `schemathesis run` users
    assert hooks.map_case(context, operation.Case(body=copy.deepcopy(body))).body["files"][0]["upload_file_id"] \
        == "file-from-env"


def test_the_kits_reference_hooks_belong_to_its_own_schema_only(monkeypatch) -> None:
    """`references.install` registers on one loaded schema: another schema in the same process is not touched."""
    import schemathesis

    from wfmock.contract import references

    document = read("miso")
    mine, other = schemathesis.openapi.from_dict(document), schemathesis.openapi.from_dict(document)
    references.install(mine, {("uploadFile", "id"): "file-1"})
    assert {"filter_case", "map_case", "before_add_examples"} <= set(mine.hooks.get_all())
    assert not other.hooks.get_all().get("map_case")
    operation = mine["/ext/v1/workflows/run"]["POST"]
    body = {"inputs": {"doc": {"transfer_method": "local_file", "type": "document", "upload_file_id": "nope"}},
            "mode": "blocking", "user": "u"}
    [map_case] = mine.hooks.get_all_by_name("map_case")
    mapped = map_case(SimpleNamespace(operation=operation), operation.Case(body=copy.deepcopy(body)))
    assert mapped.body["inputs"]["doc"]["upload_file_id"] == "file-1"


def test_form_cases_a_server_cannot_tell_apart_are_not_sent_as_negative() -> None:
    """On the wire a form field is text: `user=false` is a valid string, so a negative case that made `user` a
    boolean cannot be refused by any server; a repeated `user` (a list) still can, and stays."""
    import schemathesis

    from wfmock.contract import references

    document = read("miso")
    upload = schemathesis.openapi.from_dict(document)["/ext/v1/files/upload"]["POST"]
    run = schemathesis.openapi.from_dict(document)["/ext/v1/workflows/run"]["POST"]
    assert references.unsendable_as_form(upload, "multipart/form-data", {"file": b"x", "user": False})
    assert references.unsendable_as_form(upload, "multipart/form-data", {"file": b"x", "user": 12})
    assert not references.unsendable_as_form(upload, "multipart/form-data", {"file": b"x", "user": ["a", "b"]})
    assert not references.unsendable_as_form(upload, "multipart/form-data", {"file": b"x", "user": "u"})
    assert not references.unsendable_as_form(run, "application/json", {"inputs": {}, "user": False})


def test_pytest_plugin_skips_what_it_could_not_verify_or_fails_it_when_strict(tmp_path: Path) -> None:
    """A stream too fast to judge is a skipped item with the reason; `--wfmock-strict-inconclusive` fails it."""
    outputs = []
    with serving(miso_server.build_app(KEY)) as url:
        for extra in ([], ["--wfmock-strict-inconclusive"]):
            outputs.append(subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "wfmock.contract", "-p", "no:cacheprovider", "-q", "-rs",
                 "--rootdir", str(tmp_path), str(tmp_path), "--wfmock-api", "miso", "--wfmock-base-url", url,
                 "--wfmock-api-key", KEY, "--wfmock-only", "sse", "--wfmock-rate", "0", *extra],
                capture_output=True, text=True, timeout=120, cwd=tmp_path,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")}))
    lenient, strict = outputs
    assert lenient.returncode == 0 and "1 skipped" in lenient.stdout, lenient.stdout
    assert "[sse_progressive]" in lenient.stdout and "elapsed_time" in lenient.stdout, lenient.stdout
    assert strict.returncode == 1 and "1 failed" in strict.stdout, strict.stdout
    assert "inconclusive" in strict.stdout, strict.stdout


def test_summary_keeps_violations_inconclusive_and_passes_apart(tmp_path: Path) -> None:
    from wfmock.contract.findings import Finding, Outcome, Report
    from wfmock.contract.report import summary, write_junit

    def report(strict: bool) -> Report:
        made = Report(api="miso", base_url="http://x", profile="documented", strict_inconclusive=strict)
        quiet, unsure, broken = Outcome("auth"), Outcome("stream_stop"), Outcome("logs_paging")
        unsure.not_verified("the run ended before the stop was sent")
        broken.findings.append(Finding("logs_count", "GET /logs", "the new run is not counted"))
        for outcome in (quiet, unsure, broken):
            made.add(outcome)
        return made

    text = summary(report(False))
    assert "[logs_count] 1 violation(s)" in text
    assert "Not verified (not a violation):\n  [stream_stop] inconclusive: the run ended before the stop was sent" in text
    assert "Verified: auth\n" in text  # not logs_paging: it reported a violation under logs_count
    lenient, strict = report(False), report(True)
    assert not lenient.conforms and not strict.conforms
    clean = Report(api="miso", base_url="http://x", profile="documented", strict_inconclusive=True)
    clean.add(Outcome("stream_stop", inconclusive=list(report(False).outcomes[1].inconclusive)))
    assert not clean.conforms and "DOES NOT CONFORM: 0 violation(s) in 0 check(s), 1 not verified" in summary(clean)
    clean.strict_inconclusive = False
    assert clean.conforms and "CONFORMS (1 thing(s) not verified)" in summary(clean)
    junit = tmp_path / "r.xml"
    write_junit(report(True), junit)
    cases = {case.get("name"): case for case in ElementTree.parse(junit).getroot().iter("testcase")}
    assert cases["stream_stop"].find("failure").get("type") == "inconclusive"
    assert cases["logs_count"].find("failure").get("type") == "contract-violation"
    assert cases["auth"].find("failure") is None and cases["auth"].find("skipped") is None


def test_incremental_parser_times_each_event_as_its_last_byte_arrives() -> None:
    body = '\ufeffdata: {"event": "a"}\r\n\r\n: a comment only\n\nevent: ping\n\ndata: {"event": "b"}\n\n'.encode()
    cuts = [5, 22, 23, 40, len(body) - 1, len(body)]  # a CRLF split across chunks, a block split mid-line
    parser, start = sse.Incremental(), 0
    for moment, end in enumerate(cuts):
        parser.feed(body[start:end], float(moment))
        start = end
    whole = sse.parse(body)
    assert [(e.name, e.payload) for e in parser.events] == [(e.name, e.payload) for e in whole.events]
    assert len(parser.arrivals) == len(whole.events) == 3
    assert parser.arrivals == sorted(parser.arrivals) and parser.arrivals[-1] == len(cuts) - 1


def test_operations_the_profile_skips_are_reported_not_verified() -> None:
    from wfmock.contract import runner
    from wfmock.openapi.document import openapi_dir

    documented = Contract.load("imprun", openapi_dir() / "imprun.yaml", "documented")
    scope = runner.profile_scope(documented)
    assert scope is not None and scope.passed and not scope.verified
    assert any("GET /v2/workflows/{id} is not checked" in item.reason for item in scope.inconclusive)
    assert runner.profile_scope(Contract.load("imprun", openapi_dir() / "imprun.yaml", "strict")) is None
