"""Record and replay: traffic recorded through `wfmock proxy --record` against a `wfmock serve` upstream running a
scenario with errors and a paced stream, replayed by `wfmock serve --scenario DIR/recorded.yaml`: the same statuses,
the same events, each within 10% (or 50 ms) of its recorded time; the recording validates, conforms to the
contracts, and carries no secret or personal value of the original traffic."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import running_server, serving, serving_mock
from wfmock.app import Config
from wfmock.clock import Clock
from wfmock.openapi import sse
from wfmock.proxy.cli import build, build_parser, finish
from wfmock.scenario import load_file

KEY = "wfmock-record-test-key-0001"
UPSTREAM_SCENARIO = """\
name: proxy-fidelity-upstream
description: Errors and a paced stream, for the record-and-replay fidelity test
rules:
  - name: first-blocking-run-fails
    match: {api: miso, operation: runWorkflow, body: {/response_mode: blocking}}
    when: {first: 1}
    error: {code: internal_server_error, message: "model quota exceeded"}
  - name: paced-stream
    match: {api: miso, operation: runWorkflow, body: {/response_mode: streaming}}
    stream: {event_delay: 0.12}
  - name: wehago-fails
    match: {api: imprun, operation: createWorkflow, body: {/params/siteCode: WEHAGO}}
    run: {status: FAILED, after: 0.3, error_code: AUTHENTICATION_FAILED}
  - name: hometax-quick
    match: {api: imprun, operation: createWorkflow, body: {/params/siteCode: HOMETAX}}
    run: {status: SUCCEEDED, after: 0.3}
"""
CREDENTIAL = "cred_9f8e7d6c5b"
BUSINESS_NUMBER = "124-81-00998"
HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": CREDENTIAL, "year": 2025}}
WEHAGO = {"type": "scraping", "params": {"siteCode": "WEHAGO", "credentialId": CREDENTIAL, "group": "financial",
                                         "endpoint": "balance-sheet"}}


def traffic(base: str) -> list[dict[str, Any]]:
    """A fixed sequence of calls; what each answered (and, for a stream, each event with its offset)."""
    seen: list[dict[str, Any]] = []
    miso, imprun = {"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}
    with httpx.Client(base_url=base, timeout=30) as client:
        for query in ("첫 요약", "둘째 요약"):
            answer = client.post("/ext/v1/workflows/run", headers=miso,
                                 json={"inputs": {"query": query}, "response_mode": "blocking", "user": "u1"})
            seen.append({"call": "blocking run", "status": answer.status_code})
        started = time.monotonic()
        events, run_id = [], None
        stream_body = {"inputs": {"query": "스트림"}, "response_mode": "streaming", "user": "u1"}
        with client.stream("POST", "/ext/v1/workflows/run", headers=miso, json=stream_body) as answer:
            reader = sse.Incremental()
            for chunk in answer.iter_raw():
                for event in reader.feed(chunk, time.monotonic()):
                    name = event.payload.get("event") if isinstance(event.payload, dict) else event.name
                    events.append((name, time.monotonic() - started))
                    run_id = run_id or (event.payload or {}).get("workflow_run_id")
        seen.append({"call": "streaming run", "status": answer.status_code, "events": events})
        seen.append({"call": "read the streamed run",
                     "status": client.get(f"/ext/v1/workflows/run/{run_id}", headers=miso).status_code})
        seen.append({"call": "logs", "status": client.get("/ext/v1/workflows/logs", headers=miso,
                                                          params={"page": 1, "limit": 5}).status_code})
        for body in (HOMETAX, WEHAGO):
            created = client.post("/v2/workflows", headers=imprun, json=body)
            final = None
            deadline = time.monotonic() + 10
            while created.status_code == 200 and time.monotonic() < deadline:
                final = client.get(f"/v2/workflows/{created.json()['id']}", headers=imprun).json()
                if final.get("status") != "RUNNING":
                    break
                time.sleep(0.2)  # polling a run of a real upstream: no event to wait on
            seen.append({"call": f"imprun {body['params']['siteCode']}", "status": created.status_code,
                         "final": (final or {}).get("status"), "error": ((final or {}).get("error") or {}).get("code")})
        unknown = client.get("/v2/workflows/wf_unknown", headers=imprun)
        seen.append({"call": "unknown run", "status": unknown.status_code})
    return seen


def proxied(upstream: str, *flags: str) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    app, violations, recorder = build(build_parser().parse_args(["--upstream", upstream, *flags]))
    app.start()
    with serving(app) as proxy:
        seen = traffic(proxy)
        report = httpx.get(proxy + "/_wfmock/violations").json()
    finish(app, violations, recorder, None, out=open("/dev/null", "w"))
    return seen, report, recorder


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[Path, list[dict[str, Any]], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("record")
    scenario = folder / "upstream.yaml"
    scenario.write_text(UPSTREAM_SCENARIO, encoding="utf-8")
    with running_server("--scenario", str(scenario), "--run-duration", "0.5") as upstream:
        seen, report, _ = proxied(upstream, "--record", str(folder / "rec"))
    return folder / "rec", seen, report


def test_the_recorded_traffic_conformed(recording) -> None:
    _, seen, report = recording
    assert report["total"] == 0, report["violations"][:3]
    assert [s["status"] for s in seen] == [500, 200, 200, 200, 200, 200, 200, 404]


def test_the_recording_validates_and_replays_with_fidelity(recording) -> None:
    folder, recorded, _ = recording
    scenario = load_file(folder / "recorded.yaml")
    assert any(rule.replay and rule.replay.events for rule in scenario.rules)
    assert any(rule.error and rule.error.code == "internal_server_error" for rule in scenario.rules)
    assert any(rule.fixture and rule.fixture.endswith(".json") for rule in scenario.rules)
    clock = SleepLog()  # what the replay asked of its clock does not depend on how busy the machine is
    with serving_mock(Config(scenario=str(folder / "recorded.yaml"), clock=clock)) as replaying:
        replayed, report, _ = proxied(replaying)  # through a proxy again: the replay keeps the contract too
    assert report["total"] == 0, report["violations"][:3]
    assert [(s["call"], s["status"], s.get("final"), s.get("error")) for s in replayed] == \
        [(s["call"], s["status"], s.get("final"), s.get("error")) for s in recorded]
    stream = next(s for s in recorded if "events" in s)["events"]
    again = next(s for s in replayed if "events" in s)["events"]
    assert [name for name, _ in again] == [name for name, _ in stream]
    assert stream[-1][1] > 0.5  # paced: the fidelity is about timing, not an instant burst
    [events] = [rule.replay.events for rule in scenario.rules if rule.replay and rule.replay.events]
    offsets = [at for at, _, _ in events]
    assert list(itertools.accumulate(clock.asked)) == pytest.approx(sorted(set(offsets) - {0.0})), \
        "the replay sends each event at its recorded time"
    first = stream[0][1]  # the recording: what the proxy stamped, against what its client saw (from the first event)
    for (name, seen_at), at in zip(stream, offsets):
        assert abs((seen_at - first) - (at - offsets[0])) <= max(0.1 * (seen_at - first), 0.05), (name, seen_at, at)


class SleepLog(Clock):
    """The wall clock, noting each wait the app asks of it (a late wake-up on a busy machine is not the app's)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.asked.append(seconds)
        await super().sleep(seconds)


def test_the_recording_holds_no_secret_or_personal_value(recording) -> None:
    folder, _, _ = recording
    text = "\n".join(path.read_text(encoding="utf-8") for path in folder.rglob("*") if path.is_file())
    assert KEY not in text and KEY[-8:] not in text
    fixtures = [json.loads(p.read_text(encoding="utf-8")) for p in (folder / "fixtures").rglob("*.json")]
    assert fixtures, "the SUCCEEDED run's result is recorded as a fixture"
    assert CREDENTIAL not in text


def test_personal_fields_get_generated_values_of_the_same_shape() -> None:
    from wfmock.data import bizno
    from wfmock.proxy.anonymize import Anonymizer

    anonymize = Anonymizer()
    original = {"credentialId": CREDENTIAL, "businessNumber": BUSINESS_NUMBER, "representativeName": "홍길동",
                "address": "서울특별시 강남구 테헤란로 152", "phoneNumber": "02-1234-5678",
                "sessionToken": "abcDEF123",
                "title": "요약 LLM", "partners": [{"businessNumber": BUSINESS_NUMBER}]}
    made = anonymize(original)
    assert made["credentialId"].startswith("cred_") and len(made["credentialId"]) == len(CREDENTIAL)
    assert made["credentialId"] != CREDENTIAL and made["sessionToken"] != "abcDEF123"
    assert made["businessNumber"] != BUSINESS_NUMBER and bizno.is_valid(made["businessNumber"].replace("-", ""))
    assert made["businessNumber"].count("-") == 2
    assert made["partners"][0]["businessNumber"] == made["businessNumber"]  # one original, one stand-in
    assert made["representativeName"] != "홍길동" and made["address"] != original["address"]
    assert made["phoneNumber"].startswith("02-") and len(made["phoneNumber"]) == len("02-1234-5678")
    assert made["title"] == "요약 LLM"  # not personal: kept
