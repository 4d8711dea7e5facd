"""The generic checks of one exchange, fed hand-built exchanges: documented status, content type, required headers,
response schema, error envelope, auth and the per-second rate limit."""

from __future__ import annotations

from wfmock.contract.checks import registry

from tests.contract.checks.support import answer, judging, problems

RUN_ID = "wf_abc123xyz"
CREATED = {"id": RUN_ID, "status": "RUNNING",
           "progressUrl": f"https://console.imprun.example/console/workflows/{RUN_ID}",
           "createdAt": "2026-01-01T00:00:00Z"}
ENVELOPE = {"error": "Bad Request", "message": "params.credentialId is required", "code": "VALIDATION_ERROR"}


def judge(exchange, operation_id="createWorkflow", history=None, **kwargs) -> registry.Verdict:
    return registry.judge(judging("imprun", operation_id, **kwargs), exchange, history or registry.History())


def test_a_documented_answer_passes_every_generic_check() -> None:
    verdict = judge(answer("POST", "/v2/workflows", 200, CREATED))
    assert verdict.problems == []
    assert {"status_code_conformance", "content_type_conformance", "response_schema_conformance", "auth",
            "rate_limit"} <= set(verdict.ran)


def test_an_undocumented_status_is_named() -> None:
    verdict = judge(answer("POST", "/v2/workflows", 418, ENVELOPE))
    assert problems(verdict, "status_code_conformance") == ["status 418 is not documented for POST /v2/workflows"]


def test_a_wrong_content_type_stops_the_schema_and_header_checks() -> None:
    exchange = answer("POST", "/v2/workflows", 200, CREATED, headers={"content-type": "text/plain"})
    verdict = judge(exchange)
    assert problems(verdict, "content_type_conformance")
    assert "response_schema_conformance" not in verdict.ran and "response_headers_conformance" not in verdict.ran


def test_the_response_schema_is_judged() -> None:
    verdict = judge(answer("POST", "/v2/workflows", 200, {**CREATED, "status": "running"}))
    assert problems(verdict, "response_schema_conformance")


def test_a_body_kept_only_in_part_is_said_as_not_judged() -> None:
    exchange = answer("POST", "/v2/workflows", 200, CREATED)
    exchange.truncated = True
    verdict = judge(exchange)
    assert [check for check, _ in verdict.unjudged] == ["response_schema_conformance"]


def test_the_error_envelope_of_a_refusal_and_of_an_unknown_path() -> None:
    assert judge(answer("POST", "/v2/workflows", 400, ENVELOPE)).problems == []
    broken = judge(answer("POST", "/v2/workflows", 400, {"message": "no"}))
    assert any("envelope" in p for p in problems(broken, "error_envelope"))
    unknown = registry.judge(judging("imprun", None), answer("GET", "/v2/nowhere", 404, {"detail": "x"}),
                             registry.History())
    assert unknown.ran == ["error_envelope"] and problems(unknown, "error_envelope")


def test_an_operation_the_profile_skips_is_said_as_not_checked() -> None:
    verdict = judge(answer("GET", f"/v2/workflows/{RUN_ID}", 200, CREATED), "getWorkflow", id=RUN_ID)
    assert verdict.ran == [] and [check for check, _ in verdict.unjudged] == ["profile_scope"]


def test_no_answer_is_not_judged() -> None:
    exchange = answer("POST", "/v2/workflows", 0)
    exchange.error = "connection refused"
    assert judge(exchange).unjudged == [("upstream", "connection refused")]


def test_a_request_without_credentials_must_not_be_served() -> None:
    verdict = judge(answer("POST", "/v2/workflows", 200, CREATED, key=None))
    assert problems(verdict, "auth") == ["answered 200 to a request without credentials (X-API-Key absent): "
                                         "expected 401"]
    assert problems(judge(answer("POST", "/v2/workflows", 401, {**ENVELOPE, "code": "UNAUTHORIZED"},
                                 key=None)), "auth") == []


def burst(count: int, history: registry.History, status: int = 200, start: float = 100.0) -> list:
    """`count` requests of one key, 10 ms apart, each recorded as it arrived."""
    sent = []
    for index in range(count):
        exchange = answer("POST", "/v2/workflows", status, CREATED, started=start + index * 0.01)
        history.arrived(exchange, "createWorkflow", {}, exchange.header("x-api-key"))
        sent.append(exchange)
    return sent


def test_more_than_the_limit_served_within_a_second_is_one_finding_per_burst() -> None:
    history = registry.History()
    sent = burst(15, history)  # the contract: 10 per second
    found = [problems(judge(exchange, history=history), "rate_limit") for exchange in sent]
    assert sum(1 for f in found if f) == 1 and "served within one second" in next(f for f in found if f)[0]


def test_a_burst_whose_answers_spread_over_more_than_a_second_is_not_judged_too_generous() -> None:
    """Fifteen requests sent together but each answered 1.5 s later (a slow link, a busy machine): the server may
    have seen them spread over 1.5 s, so serving all of them proves nothing."""
    history = registry.History()
    sent = burst(15, history)
    for exchange in sent:
        exchange.answered = exchange.finished = exchange.started + 1.5
    assert not any(problems(judge(exchange, history=history), "rate_limit") for exchange in sent)


def test_a_429_after_requests_that_reached_the_server_late_is_not_an_early_limit() -> None:
    """Ten requests started 1.2 s before the 429 but answered just before it: the server may have counted all ten
    in the second before the 429, which is then the documented limit at work."""
    history = registry.History()
    for exchange in burst(10, history, start=98.8):
        exchange.answered = exchange.finished = 99.9
    limited = answer("POST", "/v2/workflows", 429, {**ENVELOPE, "code": "RATE_LIMITED"}, started=100.0,
                     headers={"retry-after": "1"})
    history.arrived(limited, "createWorkflow", {}, limited.header("x-api-key"))
    assert problems(judge(limited, history=history), "rate_limit") == []


def test_a_429_well_under_the_limit_is_an_early_limit() -> None:
    history = registry.History()
    burst(2, history)
    limited = answer("POST", "/v2/workflows", 429, {**ENVELOPE, "code": "RATE_LIMITED"}, started=100.05)
    history.arrived(limited, "createWorkflow", {}, limited.header("x-api-key"))
    assert "an early limit" in problems(judge(limited, history=history), "rate_limit")[0]


def test_a_429_after_the_limit_was_reached_is_not_a_finding() -> None:
    history = registry.History()
    burst(10, history)
    limited = answer("POST", "/v2/workflows", 429, {**ENVELOPE, "code": "RATE_LIMITED"}, started=100.2,
                     headers={"retry-after": "1"})
    history.arrived(limited, "createWorkflow", {}, limited.header("x-api-key"))
    assert problems(judge(limited, history=history), "rate_limit") == []


def test_every_name_the_reports_use_is_registered() -> None:
    assert {"status_code_conformance", "content_type_conformance", "response_schema_conformance",
            "response_headers_conformance", "error_envelope", "auth", "rate_limit", "lifecycle"} \
        <= set(registry.names("imprun"))
    assert {"sse_framing", "sse_grammar", "sse_event_schema", "sse_ids", "sse_progressive", "stream_stop",
            "run_readback", "upload_as_input", "logs_paging", "logs_order", "logs_filter", "logs_count"} \
        <= set(registry.names("miso"))
