"""The validating proxy in front of the gallery of broken servers: each breakage shows up as a violation of the
named check from ordinary client traffic alone (tests/proxy_traffic.py: no probing), and the correct reference
servers yield none. The cases run concurrently (they mostly wait on paced streams), once per module."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests import proxy_traffic
from tests.contract.gallery import imprun_server, miso_server
from tests.support import serving
from wfmock.proxy.cli import build, build_parser

KEY = "gallery-key"
SERVERS = {"imprun": imprun_server, "miso": miso_server}
RATE = {"rate_limit": True}        # imprun servers enforce the documented limit, so a burst is judged
BURST = {"burst": True}
STREAM = {"event_delay": 0.05}     # paced enough to be a stream, short enough to keep the run brief
# Long enough for a stop sent after the first event to land mid-stream, well before the stream would end, on a
# machine busy enough that a stop takes a second or more through proxy and server (stop_wrong_task also needs the
# first stream still running when the second one's stop lands; the second can start a second or more later).
STOPPABLE = {"event_delay": 0.5}

# (api, bug, the check that must name it, profile, server options, traffic options)
GALLERY = [
    ("imprun", "status_casing", "response_schema_conformance", "documented", RATE, {}),
    ("imprun", "missing_field", "response_schema_conformance", "documented", RATE, {}),
    ("imprun", "wrong_type", "response_schema_conformance", "documented", RATE, {}),
    ("imprun", "bad_envelope", "error_envelope", "documented", RATE, {}),
    ("imprun", "no_auth", "auth", "documented", RATE, {}),
    ("imprun", "no_429", "rate_limit", "documented", RATE, BURST),
    ("imprun", "early_429", "rate_limit", "documented", RATE, BURST),
    # runs stay RUNNING for 2 s, so the read after a create sees one running however busy the machine is
    ("imprun", "result_while_running", "lifecycle", "strict", {**RATE, "run_duration": 2.0}, {}),
    ("imprun", "backwards", "lifecycle", "strict", RATE, {}),
    ("imprun", "failed_without_error", "lifecycle", "strict", RATE, {}),
    ("imprun", "429_without_retry_after", "response_headers_conformance", "strict", RATE, BURST),
    ("imprun", "error_code_unknown", "error_envelope", "strict", RATE, {}),
    ("imprun", "progress_url_stale", "lifecycle", "documented", RATE, {}),
    ("imprun", "readback_newest", "lifecycle", "strict", RATE, {}),
    ("imprun", "limit_never_lifts", "rate_limit", "documented", RATE, BURST),
    ("imprun", "created_at_renamed", "response_schema_conformance", "documented", RATE, {}),
    ("imprun", "auth_code_wrong", "auth", "documented", RATE, {}),
    ("imprun", "validation_code_wrong", "error_envelope", "strict", RATE, {}),  # traffic: a malformed body
    ("imprun", "credit_code_wrong", "error_envelope", "documented", {**RATE, "credits": 1}, {}),
    ("miso", "sse_framing", "sse_framing", "documented", STREAM, {}),
    ("miso", "no_terminal", "sse_grammar", "documented", STREAM, {}),
    ("miso", "task_id_changes", "sse_ids", "documented", STREAM, {}),
    ("miso", "event_wrong_type", "sse_event_schema", "documented", STREAM, {}),
    ("miso", "paging_ignores_limit", "logs_paging", "documented", STREAM, {}),
    ("miso", "logs_oldest_first", "logs_order", "documented", STREAM, {}),
    ("miso", "status_filter_ignored", "logs_filter", "documented", STREAM, {}),
    ("miso", "keyword_ignored", "logs_filter", "documented", STREAM, {}),
    ("miso", "envelope_status_mismatch", "error_envelope", "documented", STREAM, {}),
    ("miso", "stop_ignored", "stream_stop", "documented", STOPPABLE, {}),
    ("miso", "readback_differs", "run_readback", "documented", STREAM, {}),
    ("miso", "no_auth", "auth", "documented", STREAM, {}),
    ("miso", "upload_200", "status_code_conformance", "documented", STREAM, {}),
    ("miso", "unpaired_nodes", "sse_grammar", "documented", STREAM, {}),
    ("miso", "events_after_terminal", "sse_grammar", "documented", STREAM, {}),
    ("miso", "error_event_with_task_id", "sse_event_schema", "strict", STREAM, {}),
    ("miso", "has_more_wrong", "logs_paging", "documented", STREAM, {}),
    ("miso", "stop_other_user", "stream_stop", "documented", STOPPABLE, {}),
    ("miso", "buffered_stream", "sse_progressive", "documented", {"event_delay": 0.1}, {}),
    ("miso", "stop_wrong_task", "stream_stop", "documented", STOPPABLE, {}),
    ("miso", "readback_wrong_run", "run_readback", "documented", STREAM, {}),
    ("miso", "upload_replaces_previous", "upload_as_input", "documented", STREAM, {}),
    ("miso", "logs_total_stale", "logs_count", "documented", STREAM, {}),
    ("miso", "logs_missing_new_run", "logs_count", "documented", STREAM, {}),
    ("miso", "run_drops_workflow_run_id", "response_schema_conformance", "documented", STREAM, {}),
    ("miso", "upload_drops_mime_type", "response_schema_conformance", "documented", STREAM, {}),
    ("miso", "logs_end_user_without_created_at", "response_schema_conformance", "documented", STREAM, {}),
    ("miso", "file_too_large_code", "error_envelope", "documented", {**STREAM, "upload_limit": 4}, {}),
    ("miso", "logs_status_filter_refused", "logs_paging", "documented", STREAM, {}),
    ("miso", "stop_refused_for_other_user", "stream_stop", "documented", STOPPABLE, {}),
]
# Breakages ordinary traffic never provokes (a client does not send two files, or a file type nobody allows), and a
# proxy cannot tell from the answer alone: the kit's probes catch them (tests/contract/test_contract_gallery.py).
NOT_FROM_TRAFFIC = {("miso", "unsupported_type_code"), ("miso", "two_files_accepted")}
CORRECT = [
    ("imprun", "documented", RATE, BURST), ("imprun", "strict", RATE, BURST),
    ("miso", "documented", STOPPABLE, {}), ("miso", "strict", STOPPABLE, {}),
]


def proxied_traffic(api: str, bugs: frozenset[str], profile: str, server: dict[str, Any],
                    traffic: dict[str, Any]) -> dict[str, Any]:
    """Upstream server with `bugs`, the proxy in front, the API's ordinary traffic through it: the proxy's report."""
    with serving(SERVERS[api].build_app(KEY, bugs, **server)) as upstream:
        app, _, _ = build(build_parser().parse_args(["--upstream", upstream, "--api", api, "--profile", profile]))
        app.start()
        try:
            with serving(app) as proxy:
                getattr(proxy_traffic, api)(proxy, KEY, **traffic)
                return httpx.get(proxy + "/_wfmock/violations", timeout=30).json()
        finally:
            app.stop()


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str, str, str], dict[str, Any]]:
    jobs = {(api, bug, profile): (api, frozenset({bug}), profile, server, traffic)
            for api, bug, _, profile, server, traffic in GALLERY}
    jobs |= {(api, "", profile): (api, frozenset(), profile, server, traffic)
             for api, profile, server, traffic in CORRECT}
    # The cases mostly wait on paced streams, so they run side by side; but servers, proxies and clients all share
    # this interpreter, and a burst sent while seven other cases stream is spread over seconds. The bursting
    # cases run after the rest, among themselves only (their bursts one at a time: proxy_traffic.BURSTING).
    bursting = {key: job for key, job in jobs.items() if job[-1].get("burst")}
    reports = {}
    for phase in ({key: job for key, job in jobs.items() if key not in bursting}, bursting):
        with ThreadPoolExecutor(8) as pool:
            futures = {key: pool.submit(proxied_traffic, *job) for key, job in phase.items()}
            reports |= {key: future.result() for key, future in futures.items()}
    return reports


@pytest.mark.parametrize(("api", "bug", "check", "profile", "server", "traffic"), GALLERY,
                         ids=[f"{case[0]}-{case[1]}" for case in GALLERY])
def test_each_breakage_is_a_violation_from_live_traffic(reports, api, bug, check, profile, server, traffic) -> None:
    report = reports[(api, bug, profile)]
    assert report["by_check"].get(check), (bug, report["exchanges"], report["by_check"], report["violations"][:5])
    assert all(v["curl"].startswith("curl ") and KEY not in v["curl"] for v in report["violations"])


def test_every_gallery_bug_is_judged_from_traffic() -> None:
    judged = {(api, bug) for api, bug, *_ in GALLERY}
    assert judged | NOT_FROM_TRAFFIC == {(api, bug) for api, m in SERVERS.items() for bug in m.BUGS}
    assert not judged & NOT_FROM_TRAFFIC


@pytest.mark.parametrize(("api", "profile", "server", "traffic"), CORRECT, ids=[f"{c[0]}-{c[1]}" for c in CORRECT])
def test_the_correct_servers_yield_no_violation(reports, api, profile, server, traffic) -> None:
    report = reports[(api, "", profile)]
    assert report["total"] == 0, report["violations"][:5]
    assert report["exchanges"] >= 15
    expected = {"status_code_conformance", "error_envelope", "auth"} | (
        {"sse_grammar", "sse_ids", "stream_stop", "run_readback", "logs_paging", "upload_as_input"} if api == "miso"
        else {"rate_limit", "response_schema_conformance"})
    assert expected <= set(report["checks_run"]), report["checks_run"]
