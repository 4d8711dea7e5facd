"""Each deliberately broken server in tests/gallery/ is caught by the kit, by the named check;
the correct reference servers they derive from pass."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from tests.contract.gallery import imprun_server, miso_server
from tests.support import serving
from wfmock.contract.cli import main

KEY = "gallery-key"
SERVERS = {"imprun": imprun_server, "miso": miso_server}
FAST = ["--rate", "0", "--max-examples", "3", "--seed", "1", "-q"]
# Without the coverage phase: it is deterministic and the same for a server with a bug as without, and on imprun's
# contract it costs about 15 s a run (its negative `format: uri` draws for imageUrl). The strict reference runs keep it.
NO_COVERAGE = ["--phases", "examples,fuzzing,stateful"]

# (api, bug, the check that must name it, families to run, profile, server options)
GALLERY = [
    ("imprun", "status_casing", "response_schema_conformance", "schemathesis", "documented", {}),
    ("imprun", "missing_field", "response_schema_conformance", "schemathesis", "documented", {}),
    ("imprun", "missing_field", "response_schema_conformance", "schemathesis", "strict", {}),
    ("imprun", "created_at_renamed", "response_schema_conformance", "schemathesis", "documented", {}),
    ("imprun", "created_at_renamed", "response_schema_conformance", "schemathesis", "strict", {}),
    ("imprun", "auth_code_wrong", "auth", "auth", "documented", {}),
    ("imprun", "auth_code_wrong", "auth", "auth", "strict", {}),
    ("imprun", "validation_code_wrong", "error_envelope", "error-envelope", "documented", {}),
    ("imprun", "validation_code_wrong", "error_envelope", "error-envelope", "strict", {}),
    ("imprun", "credit_code_wrong", "error_envelope", "lifecycle", "documented", {"credits": 1}),
    ("imprun", "credit_code_wrong", "error_envelope", "lifecycle", "strict", {"credits": 1}),
    ("imprun", "wrong_type", "response_schema_conformance", "schemathesis", "documented", {}),
    ("imprun", "bad_envelope", "error_envelope", "error-envelope", "documented", {}),
    ("imprun", "no_auth", "auth", "auth", "documented", {}),
    ("imprun", "no_auth", "ignored_auth", "schemathesis", "documented", {}),
    ("imprun", "result_while_running", "lifecycle", "lifecycle", "strict", {}),
    ("imprun", "backwards", "lifecycle", "lifecycle", "strict", {}),
    ("imprun", "failed_without_error", "lifecycle", "lifecycle", "strict", {}),
    ("imprun", "status_casing", "lifecycle", "lifecycle", "documented", {}),
    ("imprun", "no_429", "rate_limit", "rate-limit", "documented", {"rate_limit": True}),
    ("imprun", "early_429", "rate_limit", "rate-limit", "documented", {"rate_limit": True}),
    ("imprun", "429_without_retry_after", "rate_limit", "rate-limit", "strict", {"rate_limit": True}),
    ("imprun", "error_code_unknown", "error_envelope", "error-envelope", "strict", {}),
    ("imprun", "progress_url_stale", "lifecycle", "lifecycle", "documented", {}),
    ("imprun", "progress_url_stale", "lifecycle", "lifecycle", "strict", {}),
    ("imprun", "readback_newest", "lifecycle", "lifecycle", "strict", {}),
    ("imprun", "limit_never_lifts", "rate_limit", "rate-limit", "documented", {"rate_limit": True}),
    ("imprun", "limit_never_lifts", "rate_limit", "rate-limit", "strict", {"rate_limit": True}),
    ("miso", "sse_framing", "sse_framing", "sse", "documented", {}),
    ("miso", "no_terminal", "sse_grammar", "sse", "documented", {}),
    ("miso", "task_id_changes", "sse_ids", "sse", "documented", {}),
    ("miso", "event_wrong_type", "sse_event_schema", "sse", "documented", {}),
    ("miso", "paging_ignores_limit", "logs_paging", "logs", "documented", {}),
    ("miso", "logs_oldest_first", "logs_order", "logs", "documented", {}),
    ("miso", "status_filter_ignored", "logs_filter", "logs", "documented", {}),
    ("miso", "keyword_ignored", "logs_filter", "logs", "documented", {}),
    ("miso", "envelope_status_mismatch", "error_envelope", "error-envelope", "documented", {}),
    ("miso", "stop_ignored", "stream_stop", "lifecycle", "documented", {"event_delay": 0.4}),
    ("miso", "readback_differs", "run_readback", "lifecycle", "documented", {}),
    ("miso", "no_auth", "auth", "auth", "documented", {}),
    ("miso", "upload_200", "upload_as_input", "lifecycle", "documented", {}),
    ("miso", "upload_200", "status_code_conformance", "schemathesis", "documented", {}),
    ("miso", "unpaired_nodes", "sse_grammar", "sse", "documented", {}),
    ("miso", "events_after_terminal", "sse_grammar", "sse", "documented", {}),
    ("miso", "error_event_with_task_id", "sse_event_schema", "sse", "strict", {}),
    ("miso", "has_more_wrong", "logs_paging", "logs", "documented", {}),
    ("miso", "stop_other_user", "stream_stop", "lifecycle", "documented", {"event_delay": 0.4}),
    ("miso", "readback_wrong_run", "run_readback", "lifecycle", "documented", {}),
    ("miso", "readback_wrong_run", "run_readback", "lifecycle", "strict", {}),
    ("miso", "upload_replaces_previous", "upload_as_input", "lifecycle", "documented", {}),
    ("miso", "upload_replaces_previous", "upload_as_input", "lifecycle", "strict", {}),
    ("miso", "logs_total_stale", "logs_count", "logs", "documented", {}),
    ("miso", "logs_total_stale", "logs_count", "logs", "strict", {}),
    ("miso", "logs_missing_new_run", "logs_count", "logs", "documented", {}),
    ("miso", "logs_missing_new_run", "logs_count", "logs", "strict", {}),
    ("miso", "buffered_stream", "sse_progressive", "sse", "documented", {"event_delay": 0.15}),
    ("miso", "buffered_stream", "sse_progressive", "sse", "strict", {"event_delay": 0.15}),
    ("miso", "stop_ignored", "stream_stop", "lifecycle", "strict", {"event_delay": 0.2}),
    ("miso", "stop_wrong_task", "stream_stop", "lifecycle", "documented", {"event_delay": 0.2}),
    ("miso", "stop_wrong_task", "stream_stop", "lifecycle", "strict", {"event_delay": 0.2}),
    ("miso", "run_drops_workflow_run_id", "response_schema_conformance", "schemathesis", "documented", {}),
    ("miso", "run_drops_workflow_run_id", "response_schema_conformance", "schemathesis", "strict", {}),
    ("miso", "upload_drops_mime_type", "upload_as_input", "lifecycle", "documented", {}),
    ("miso", "upload_drops_mime_type", "upload_as_input", "lifecycle", "strict", {}),
    ("miso", "file_too_large_code", "upload_errors", "error-envelope", "documented", {}),
    ("miso", "file_too_large_code", "upload_errors", "error-envelope", "strict", {}),
    ("miso", "unsupported_type_code", "upload_errors", "error-envelope", "documented", {}),
    ("miso", "unsupported_type_code", "upload_errors", "error-envelope", "strict", {}),
    ("miso", "two_files_accepted", "upload_errors", "error-envelope", "documented", {}),
    ("miso", "two_files_accepted", "upload_errors", "error-envelope", "strict", {}),
    ("miso", "logs_end_user_without_created_at", "logs_paging", "logs", "documented", {}),
    ("miso", "logs_end_user_without_created_at", "logs_paging", "logs", "strict", {}),
    ("miso", "stop_refused_for_other_user", "stream_stop", "lifecycle", "documented", {"event_delay": 0.2}),
    ("miso", "logs_status_filter_refused", "logs_paging", "logs", "documented", {}),
]


def run_kit(api: str, url: str, *args: str, phases: list[str] = NO_COVERAGE) -> int:
    return main(["--api", api, "--base-url", url, "--api-key", KEY, *FAST, *phases, *args])


@pytest.mark.parametrize(("api", "bug", "check", "families", "profile", "options"), GALLERY,
                         ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in GALLERY])
def test_broken_server_is_caught_by_the_named_check(api, bug, check, families, profile, options, capsys) -> None:
    assert bug in SERVERS[api].BUGS
    with serving(SERVERS[api].build_app(KEY, frozenset({bug}), **options)) as url:
        code = run_kit(api, url, "--only", families, "--profile", profile)
    out = capsys.readouterr().out
    assert code == 1, out
    assert f"[{check}]" in out, out


def test_every_gallery_bug_has_a_case() -> None:
    covered = {(api, bug) for api, bug, *_ in GALLERY}
    assert covered == {(api, bug) for api, module in SERVERS.items() for bug in module.BUGS}


@pytest.mark.parametrize("profile", ["documented", "strict"])
@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_reference_servers_conform(api: str, profile: str, capsys) -> None:
    """Every check passes on the correct servers (the strict profile with all four schemathesis phases)."""
    with serving(SERVERS[api].build_app(KEY)) as url:
        code = run_kit(api, url, "--profile", profile, phases=[] if profile == "strict" else NO_COVERAGE)
    out = capsys.readouterr().out
    assert code == 0, out


def test_reference_server_passes_rate_limit_and_paced_run(capsys) -> None:
    """With the limit enforced, the paced default run meets no 429 it cannot wait out, and the burst is judged.
    (Two schemathesis phases, not four: at 9 requests/s the coverage phase alone takes most of a minute.)"""
    with serving(imprun_server.build_app(KEY, rate_limit=True)) as url:
        code = main(["--api", "imprun", "--base-url", url, "--api-key", KEY, "--max-examples", "3", "-q",
                     "--phases", "examples,fuzzing", "--only", "schemathesis,auth,error-envelope,rate-limit"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "at most 9 requests/s" not in out  # progress goes to stderr, the summary to stdout


@pytest.mark.parametrize("profile", ["documented", "strict"])
def test_stop_and_streaming_are_judged_on_a_slow_correct_server(profile: str, capsys) -> None:
    """Model-like pace: the stop takes effect and the events arrive spread over the run; both verified."""
    with serving(miso_server.build_app(KEY, event_delay=0.15)) as url:
        code = run_kit("miso", url, "--only", "sse,lifecycle", "--profile", profile, "--strict-inconclusive")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "inconclusive" not in out, out
    assert "stream_stop" in out and "sse_progressive" not in out.split("Verified:")[0], out


def test_stop_and_streaming_on_a_fast_correct_server_are_inconclusive_not_violations(tmp_path, capsys) -> None:
    """Runs that finish within milliseconds: no false alarm, and no silent skip either: both say why."""
    junit = tmp_path / "report.xml"
    with serving(miso_server.build_app(KEY)) as url:
        code = run_kit("miso", url, "--only", "sse,lifecycle", "--junit", str(junit))
        strict = run_kit("miso", url, "--only", "sse,lifecycle", "--strict-inconclusive")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "[stream_stop] inconclusive: the run ended" in out, out
    assert "[sse_progressive] inconclusive: the run's own elapsed_time" in out, out
    assert "CONFORMS (2 thing(s) not verified)" in out, out
    skipped = {case.get("name"): case.find("skipped").get("message")
               for case in ElementTree.parse(junit).getroot().iter("testcase") if case.find("skipped") is not None}
    assert set(skipped) == {"stream_stop", "sse_progressive"}, skipped
    assert "before the stop was sent" in skipped["stream_stop"] or "in flight" in skipped["stream_stop"]
    assert strict == 1, out


def test_documented_profile_accepts_the_older_dify_generation(capsys) -> None:
    """Run details with RFC-822 timestamps and JSON-string inputs/outputs (Dify <= 0.15) are documented shapes."""
    with serving(miso_server.build_app(KEY, dify_015=True)) as url:
        code = run_kit("miso", url, "--only", "schemathesis,lifecycle", "--profile", "documented")
    out = capsys.readouterr().out
    assert code == 0, out


@pytest.mark.parametrize(("profile", "expected"), [("documented", 0), ("strict", 1)])
def test_a_decision_is_asserted_by_the_strict_profile_only(profile: str, expected: int, capsys) -> None:
    """Logs that clamp `limit` (the seed's words) instead of refusing it (the contract's inferred 1..100, Dify's code)
    conform to what is documented, and break the decision."""
    with serving(miso_server.build_app(KEY, clamp_limit=True)) as url:
        code = run_kit("miso", url, "--only", "schemathesis,logs", "--profile", profile, phases=[])  # coverage: 101
    out = capsys.readouterr().out
    assert code == expected, out
    if expected:
        assert "[negative_data_rejection]" in out and "limit" in out, out


@pytest.mark.parametrize("profile", ["documented", "strict"])
def test_exhausted_credit_with_the_seed_code_is_no_envelope_violation(profile: str, capsys) -> None:
    """The reference server out of credit answers 402 INSUFFICIENT_CREDIT (크레딧 부족): the lifecycle check meets a
    refused create, but the envelope and its seed-paired code are right (the counterpart of `credit_code_wrong`)."""
    with serving(imprun_server.build_app(KEY, credits=1)) as url:
        run_kit("imprun", url, "--only", "lifecycle", "--profile", profile)
    out = capsys.readouterr().out
    assert "[lifecycle]" in out and "402" in out, out
    assert "[error_envelope]" not in out, out
