"""The judgements the kit's flows used to make as they went, now registered checks over one exchange and the history
before it (so the proxy makes them too): each fed hand-built exchanges, the situation read from the request itself
(a made-up key, a body to refuse, the file uploaded, the stop that arrived)."""

from __future__ import annotations

import httpx

from tests.contract.checks.support import answer, judging, problems, stream
from tests.contract.checks.test_api_checks import RUN, blocking, detail, feed, logs, miso, read
from wfmock.contract.checks import registry
from wfmock.contract.checks.form import form_parts
from wfmock.contract.checks.http import INVALID_KEY
from wfmock.contract.exchange import Exchange

HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}
ENVELOPE = {"error": "Payment Required", "message": "크레딧 부족", "code": "INSUFFICIENT_CREDIT"}


def create(status: int, body, request=HOMETAX) -> tuple:
    return "createWorkflow", answer("POST", "/v2/workflows", status, body, request=request), {}


# --- imprun lifecycle -----------------------------------------------------------------------------------------------

def test_a_create_of_the_contracts_own_example_must_be_accepted() -> None:
    [refused] = feed("imprun", "documented", create(402, ENVELOPE))
    assert problems(refused, "lifecycle") == ["create: expected 200, got 402"]
    [other] = feed("imprun", "documented", create(400, ENVELOPE, request={"type": "scraping", "params": {}}))
    assert "lifecycle" not in other.ran  # not the example: a refusal may be right
    [gate] = feed("imprun", "documented", create(401, ENVELOPE))
    assert "lifecycle" not in gate.ran  # auth's to judge


def test_a_create_answers_a_new_running_run_with_an_id() -> None:
    [done] = feed("imprun", "documented", create(200, {**RUN, "status": "SUCCEEDED"}))
    assert problems(done, "lifecycle") == ["create: a new run is 'RUNNING' (the seed's example), got 'SUCCEEDED'"]
    [no_id] = feed("imprun", "documented", create(200, {"status": "RUNNING"}))
    assert problems(no_id, "lifecycle")[0].startswith("create: the response carries no run id")


def test_a_run_seen_created_reads_back_and_its_page_is_a_page() -> None:
    verdicts = feed("imprun", "strict", create(200, RUN), read({"error": "x"}, status=500),
                    ("getWorkflowProgressPage", answer("GET", "/console/workflows/wf_1", 200, {"a": 1}),
                     {"id": "wf_1"}))
    assert problems(verdicts[1], "lifecycle") == ["read wf_1: expected 200, got 500"]
    assert problems(verdicts[2], "lifecycle")[0].endswith("expected 200 text/html, got 200 'application/json'")


# --- auth and refusals the API lists ----------------------------------------------------------------------------------

def test_a_key_that_says_it_is_made_up_must_be_refused() -> None:
    made_up = answer("POST", "/v2/workflows", 200, RUN, key=f"{INVALID_KEY}42")
    verdict = registry.judge(judging("imprun", "createWorkflow"), made_up, registry.History())
    assert problems(verdict, "auth") == [f"answered 200 to a request with an invalid key (X-API-Key: {INVALID_KEY}...):"
                                         " expected 401"]
    refused = answer("POST", "/v2/workflows", 401, {**ENVELOPE, "code": "INVALID_API_KEY"}, key=f"{INVALID_KEY}42")
    assert problems(registry.judge(judging("imprun", "createWorkflow"), refused, registry.History()), "auth") == []


def test_a_request_the_api_lists_to_refuse_gets_a_4xx_with_the_seeds_code() -> None:
    malformed = answer("POST", "/v2/workflows", 200, RUN)
    malformed.body = b'{"type": "scraping", "params": '
    verdict = registry.judge(judging("imprun", "createWorkflow"), malformed, registry.History())
    assert problems(verdict, "error_envelope") == ["POST /v2/workflows: expected a 4xx (malformed JSON), got 200"]
    wrong_code = answer("POST", "/v2/workflows", 400, {**ENVELOPE, "error": "Bad Request", "code": "BAD"},
                        request={"type": "scraping", "params": {"siteCode": "HOMETAX"}})
    found = problems(registry.judge(judging("imprun", "createWorkflow"), wrong_code, registry.History()),
                     "error_envelope")
    assert any("the seed's code is 'VALIDATION_ERROR', got code 'BAD'" in problem for problem in found), found


# --- MISO: uploads ------------------------------------------------------------------------------------------------------

def upload_exchange(files: list, status: int, body) -> Exchange:
    """An upload as the kit's client sends it: the multipart body and its content type, as sent."""
    request = httpx.Request("POST", "http://x/ext/v1/files/upload", files=files, data={"user": "u"})
    exchange = miso("POST", "/ext/v1/files/upload", status, body)
    exchange.headers = [*exchange.headers, ("content-type", request.headers["content-type"])]
    exchange.body = request.read()
    return exchange


def upload(files: list, status: int, body) -> tuple:
    return "uploadFile", upload_exchange(files, status, body), {}


TXT = ("file", ("a.txt", b"hello", "text/plain"))
UPLOADED = {"id": "file-1", "name": "a.txt", "size": 5, "extension": "txt", "mime_type": "text/plain"}


def test_form_parts_reads_the_parts_as_sent() -> None:
    parts = form_parts(upload_exchange([TXT, ("file", ("b.PNG", b"", "image/png"))], 201, {}))
    assert [(p.name, p.filename, p.size, p.extension) for p in parts] == [
        ("user", None, 1, ""), ("file", "a.txt", 5, "txt"), ("file", "b.PNG", 0, "png")]
    cut = upload_exchange([TXT], 201, {})
    cut.body = cut.body[:-10]
    assert form_parts(cut) is None and form_parts(miso("GET", "/x", 200, {})) is None


def test_an_upload_is_a_new_file_of_the_size_and_type_sent() -> None:
    verdicts = feed("miso", "documented", upload([TXT], 200, UPLOADED),
                    upload([TXT], 201, {**UPLOADED, "size": 6, "extension": "md"}))
    assert problems(verdicts[0], "upload_as_input") == ["upload a.txt: expected 201, got 200"]
    assert problems(verdicts[1], "upload_as_input") == [
        "upload a.txt: the same id 'file-1' as a previous upload: every upload is a new file",
        "upload a.txt: size 6, the file has 5 bytes", "upload a.txt: extension 'md', the file is a.txt"]


def test_a_run_naming_an_uploaded_file_must_be_answered() -> None:
    request = {"inputs": {"doc": {"transfer_method": "local_file", "upload_file_id": "file-1", "type": "document"}},
               "response_mode": "blocking", "user": "u"}
    failed = ("runWorkflow", miso("POST", "/ext/v1/workflows/run", 500,
                                  {"code": "internal", "message": "no", "status": 500}, request=request), {})
    verdicts = feed("miso", "documented", upload([TXT], 201, UPLOADED), failed)
    assert problems(verdicts[1], "upload_as_input") == [
        "a run with uploaded file file-1 (a.txt) as input: expected 200, got 500"]


def refusal(status: int, code: str) -> dict:
    return {"code": code, "message": "no", "status": status}


def test_the_seeds_upload_situations_get_the_seeds_codes() -> None:
    two = [TXT, ("file", ("b.txt", b"x", "text/plain"))]
    [accepted_two] = feed("miso", "documented", upload(two, 201, UPLOADED))
    assert problems(accepted_two, "upload_errors") == ["an upload of two files: expected 400 too_many_files, got 201"]
    no_file_part = [("note", (None, b"no file", "text/plain"))]  # multipart, without a file part
    [no_file] = feed("miso", "documented", upload(no_file_part, 400, refusal(400, "invalid_param")))
    assert problems(no_file, "upload_errors") == [
        "an upload without a file part: the seed's code is 'no_file_uploaded', got code 'invalid_param'"]
    odd = [("file", ("a.wfmockbin", b"x", "application/octet-stream"))]
    assert problems(feed("miso", "documented", upload(odd, 201, UPLOADED))[0], "upload_errors") == []
    assert problems(feed("miso", "strict", upload(odd, 201, UPLOADED))[0], "upload_errors") == [
        "an upload of a file type not allowed: expected 415 unsupported_file_type, got 201"]
    big = [("file", ("a.png", b"0" * (10485760 + 1), "image/png"))]
    [too_large] = feed("miso", "documented", upload(big, 413, refusal(413, "payload_too_large")))
    assert problems(too_large, "upload_errors") == [
        "an upload of 10485761 bytes (png, limit 10485760): the seed's code is 'file_too_large', got code "
        "'payload_too_large'"]
    assert "upload_errors" not in feed("miso", "strict", upload([TXT], 201, UPLOADED))[0].ran


# --- MISO: runs read back -----------------------------------------------------------------------------------------------

def test_a_blocking_run_is_a_new_resource() -> None:
    operation, exchange, params = blocking("r1")
    renamed = exchange.json()
    renamed["workflow_run_id"] = "r9"
    exchange.content = __import__("json").dumps(renamed).encode()
    verdicts = feed("miso", "documented", blocking("r1"), (operation, exchange, params), blocking("r1"))
    assert problems(verdicts[1], "run_readback") == ["blocking run: workflow_run_id 'r9' is not data.id 'r1'",
                                                     "two runs answered the same task_id 't-r1': every run is a new "
                                                     "resource"]
    assert "two runs answered the same workflow_run_id 'r1': every run is a new resource" in \
        problems(verdicts[2], "run_readback")


def test_a_run_reads_back_with_its_status_and_its_own_inputs() -> None:
    operation, failed, params = detail("r1")
    failed.status = 500
    other = detail("r1")
    other[1].content = b'{"id": "r1", "status": "succeeded", "outputs": {"text": "ok"}, "inputs": {"query": "y"}}'
    verdicts = feed("miso", "documented", blocking("r1", query="x"), (operation, failed, params), other)
    assert problems(verdicts[1], "run_readback") == ["read back r1: expected 200, got 500"]
    assert problems(verdicts[2], "run_readback") == [
        "read back r1: its inputs {'query': 'y'} are not the ones that run was made with (query 'x'): the id leads "
        "to another run"]


# --- MISO: stop ---------------------------------------------------------------------------------------------------------

TASK = "t-1"
EVENTS = [{"event": "workflow_started", "task_id": TASK, "workflow_run_id": "r1", "data": {"id": "r1"}},
          {"event": "workflow_finished", "task_id": TASK, "workflow_run_id": "r1",
           "data": {"id": "r1", "status": "succeeded", "outputs": {}, "elapsed_time": 1.0}}]


def stop(history: registry.History, started: float, answered: float, body=None) -> registry.Verdict:
    sent = answer("POST", f"/ext/v1/workflows/tasks/{TASK}/stop", 200, body or {"result": "success"},
                  request={"user": "u"}, auth="authorization", started=started)
    sent.answered = answered
    history.arrived(sent, "stopWorkflowTask", {"task_id": TASK}, sent.header("authorization"))
    return registry.judge(judging("miso", "stopWorkflowTask", task_id=TASK), sent, history)


def test_a_stop_answers_success() -> None:
    verdict = stop(registry.History(), 0.0, 0.1, {"result": "ok"})
    assert problems(verdict, "stream_stop") == ["stop: expected {'result': 'success'}, got {\"result\": \"ok\"}"]


def test_a_stream_that_ended_before_its_stop_could_act_is_not_judged() -> None:
    for started, answered, said in ((0.6, 0.7, "before the stop was sent"), (0.4, 0.45, "while the stop was in flight")):
        history = registry.History()
        stop(history, started, answered)
        verdict = registry.judge(judging("miso", "runWorkflow"), stream(EVENTS, [0.0, 0.5]), history)
        assert problems(verdict, "stream_stop") == [] and said in dict(verdict.unjudged)["stream_stop"]


# --- MISO: logs -----------------------------------------------------------------------------------------------------

def test_a_page_past_the_end_and_pages_that_share_items() -> None:
    [beyond] = feed("miso", "documented", logs([("a", "succeeded", 1)], "page=3&limit=2", total=3, page=3))
    assert problems(beyond, "logs_paging") == [
        "page 3 of 3 items at limit 2: expected no items and has_more false, got 1 items, has_more False"]
    verdicts = feed("miso", "documented",
                    logs([("a", "succeeded", 3), ("b", "succeeded", 2)], "page=1&limit=2", total=4, has_more=True),
                    logs([("b", "succeeded", 2), ("c", "succeeded", 1)], "page=2&limit=2", total=4, page=2))
    assert problems(verdicts[1], "logs_paging") == [
        "pages 1 and 2 (limit 2) share items: ['log-a', 'log-b', 'log-b', 'log-c']"]


def test_the_newest_log_is_the_latest_run_and_a_keyword_lists_its_run() -> None:
    verdicts = feed("miso", "documented", blocking("r1"), blocking("r2", query="kw-1"),
                    logs([("r1", "succeeded", 2), ("r2", "succeeded", 1)], "page=1&limit=20"),
                    logs([], "keyword=kw-1&limit=20"))
    assert "the newest log is run 'r1', but the run just made was 'r2' (logs are newest first)" in \
        problems(verdicts[2], "logs_order")
    assert problems(verdicts[3], "logs_filter") == ["keyword=kw-1: the run made with that input (r2) is not listed"]


def test_a_stopped_stream_that_ended_without_a_terminal_event() -> None:
    history = registry.History()
    stop(history, 0.1, 0.2)
    verdict = registry.judge(judging("miso", "runWorkflow"), stream(EVENTS[:1], [0.0]), history)
    assert problems(verdict, "stream_stop") == ["the stopped stream ended without 'workflow_finished'"]
    unstopped = registry.judge(judging("miso", "runWorkflow"), stream(EVENTS[:1], [0.0]), registry.History())
    assert "stream_stop" not in unstopped.ran


# --- MISO: the kit's own well-formed requests, refused (the proxy judges live traffic by the same checks) -------------

def test_a_run_of_the_contracts_example_is_accepted_unless_the_seed_documents_the_refusal() -> None:
    example = {"inputs": {"query": "anything"}, "mode": "blocking", "user": "u"}

    def run(status: int, body, request=example) -> tuple:
        return "runWorkflow", miso("POST", "/ext/v1/workflows/run", status, body, request=request), {}

    [failed] = feed("miso", "documented", run(500, refusal(500, "internal_server_error")))
    assert problems(failed, "run_accepted") == [
        "a blocking run of the contract's example: expected 200, got 500 (code 'internal_server_error')"]
    [quota] = feed("miso", "documented", run(400, refusal(400, "provider_quota_exceeded")))
    assert "run_accepted" not in quota.ran  # the provider's state, not the request: a refusal may be right
    [invalid] = feed("miso", "documented", run(400, refusal(400, "invalid_param")))
    assert problems(invalid, "run_accepted")[0].endswith("got 400 (code 'invalid_param')")
    other_inputs = {**example, "inputs": {"question": "x"}}
    assert "run_accepted" not in feed("miso", "documented", run(400, refusal(400, "invalid_param"),
                                                                other_inputs))[0].ran  # not the example
    no_inputs = {**example, "inputs": {}}
    assert "run_accepted" not in feed("miso", "documented", run(400, refusal(400, "invalid_param"),
                                                                no_inputs))[0].ran  # the seed refuses empty inputs
    assert "run_accepted" not in feed("miso", "documented", run(401, refusal(401, "unauthorized")))[0].ran


def test_a_well_formed_stop_always_succeeds() -> None:
    def stop_answer(status: int, request) -> registry.Verdict:
        sent = miso("POST", f"/ext/v1/workflows/tasks/{TASK}/stop", status, refusal(status, "not_found"),
                    request=request)
        return registry.judge(judging("miso", "stopWorkflowTask", task_id=TASK), sent, registry.History())

    assert problems(stop_answer(404, {"user": "u"}), "stream_stop") == [
        f"stop of {TASK} by user 'u': expected 200 {{'result': 'success'}} (a stop always succeeds), got 404 "
        "(code 'not_found')"]
    assert "stream_stop" not in stop_answer(400, {}).ran  # no user: a refusal is right
    assert "stream_stop" not in stop_answer(429, {"user": "u"}).ran


def test_an_allowed_upload_is_accepted() -> None:
    [refused] = feed("miso", "documented", upload([TXT], 415, refusal(415, "unsupported_file_type")))
    assert problems(refused, "upload_as_input") == ["upload a.txt: expected 201, got 415 (code 'unsupported_file_type')"]
    odd = [("file", ("a.wfmockbin", b"x", "application/octet-stream"))]
    assert "upload_as_input" not in feed("miso", "documented", upload(odd, 415, refusal(415, "x")))[0].ran


def test_a_valid_logs_query_is_answered_a_page() -> None:
    def page(status: int, query: str) -> registry.Verdict:
        return feed("miso", "documented", ("listWorkflowLogs", miso("GET", "/ext/v1/workflows/logs", status,
                                                                     refusal(status, "x"), query=query), {}))[0]

    assert problems(page(500, "page=2&limit=2&status=failed"), "logs_paging") == [
        "logs {'limit': '2', 'page': '2', 'status': 'failed'}: expected 200, got 500 (code 'x')"]
    for invalid in ("limit=0", "limit=101", "page=0", "status=running", "page=x", "other=1"):
        assert "logs_paging" not in page(400, invalid).ran, invalid
