"""The API-specific checks across calls, fed a hand-built history: imprun's lifecycle; MISO's read-back, logs
paging/order/filter/count and uploaded files as inputs. Each judges the exchange against what earlier ones left."""

from __future__ import annotations

from wfmock.contract.checks import registry

from tests.contract.checks.support import answer, judging, problems

RUN = {"id": "wf_1", "status": "RUNNING", "progressUrl": "https://console.example/console/workflows/wf_1",
       "createdAt": "2026-01-01T00:00:00Z"}


def feed(api: str, profile: str, *steps) -> list[registry.Verdict]:
    """Judges each (operation_id, exchange, path params) in turn over one history."""
    history = registry.History()
    return [registry.judge(judging(api, operation_id, profile, **params), exchange, history)
            for operation_id, exchange, params in steps]


def read(body, status: int = 200) -> tuple:
    return "getWorkflow", answer("GET", "/v2/workflows/wf_1", status, body), {"id": "wf_1"}


def test_imprun_a_run_read_back_after_its_create() -> None:
    create = ("createWorkflow", answer("POST", "/v2/workflows", 200, RUN), {})
    done = {**RUN, "status": "SUCCEEDED", "result": {"ok": True}}
    verdicts = feed("imprun", "strict", create, read(done), read({**RUN, "status": "RUNNING"}))
    assert [problems(v, "lifecycle") for v in verdicts[:2]] == [[], []]
    assert problems(verdicts[2], "lifecycle") == ["read wf_1: the run moved from terminal 'SUCCEEDED' to 'RUNNING'"]


def test_imprun_the_fields_a_status_allows_and_a_lost_run() -> None:
    create = ("createWorkflow", answer("POST", "/v2/workflows", 200, RUN), {})
    verdicts = feed("imprun", "strict", create, read({**RUN, "result": {"ok": True}}),
                    read({"error": "Not Found", "message": "no", "code": "NOT_FOUND"}, 404))
    assert problems(verdicts[1], "lifecycle") == ["read wf_1: `result` present while RUNNING"]
    assert problems(verdicts[2], "lifecycle") == ["read wf_1: 404 for a run seen created"]


def test_imprun_a_second_create_with_the_same_id_and_a_stale_progress_url() -> None:
    stale = {**RUN, "progressUrl": "https://console.example/console/workflows/wf_0"}
    verdicts = feed("imprun", "documented", ("createWorkflow", answer("POST", "/v2/workflows", 200, RUN), {}),
                    ("createWorkflow", answer("POST", "/v2/workflows", 200, stale), {}))
    assert [p.split(":")[0] for p in problems(verdicts[1], "lifecycle")] == ["create", "create"]


def test_imprun_a_read_of_a_run_never_seen_is_not_judged_by_lifecycle() -> None:
    [verdict] = feed("imprun", "strict", read(RUN))
    assert "lifecycle" not in verdict.ran


def miso(method: str, path: str, status: int, body, **kwargs):
    return answer(method, path, status, body, auth="authorization", **kwargs)


def blocking(run_id: str, status: str = "succeeded", outputs=None, query: str = "x") -> tuple:
    body = {"workflow_run_id": run_id, "task_id": f"t-{run_id}",
            "data": {"id": run_id, "status": status, "outputs": outputs or {"text": "ok"}}}
    return "runWorkflow", miso("POST", "/ext/v1/workflows/run", 200, body,
                               request={"inputs": {"query": query}, "response_mode": "blocking", "user": "u"}), {}


def detail(run_id: str, status: str = "succeeded", outputs=None) -> tuple:
    body = {"id": run_id, "status": status, "outputs": outputs or {"text": "ok"}}
    return "getWorkflowRun", miso("GET", f"/ext/v1/workflows/run/{run_id}", 200, body), {"workflow_run_id": run_id}


def logs(items: list[tuple[str, str, int]], query: str = "", total: int | None = None, page: int = 1,
         has_more: bool = False) -> tuple:
    data = [{"id": f"log-{run_id}", "workflow_run": {"id": run_id, "status": status}, "created_at": created}
            for run_id, status, created in items]
    body = {"page": page, "limit": 20, "total": len(data) if total is None else total, "has_more": has_more,
            "data": data}
    return "listWorkflowLogs", miso("GET", "/ext/v1/workflows/logs", 200, body, query=query), {}


def test_miso_a_run_read_back_as_it_answered() -> None:
    verdicts = feed("miso", "documented", blocking("r1"), detail("r1"), detail("r1", "failed", {"text": "other"}))
    assert problems(verdicts[1], "run_readback") == []
    assert len(problems(verdicts[2], "run_readback")) == 2


def test_miso_logs_paging_and_order() -> None:
    [paged] = feed("miso", "documented", logs([("a", "succeeded", 3), ("b", "succeeded", 2)], "page=1&limit=1",
                                              total=2, has_more=True))
    assert problems(paged, "logs_paging")[0] == "page 1 with limit 1 returned 2 items"
    [oldest_first] = feed("miso", "documented", logs([("a", "succeeded", 1), ("b", "succeeded", 2)]))
    assert problems(oldest_first, "logs_order") == ["logs are not newest first: created_at 1 is followed by 2"]


def test_miso_logs_filters_by_status_and_by_the_inputs_seen() -> None:
    [status] = feed("miso", "documented", logs([("a", "failed", 1)], "status=succeeded"))
    assert problems(status, "logs_filter") == ["status=succeeded: items with status ['failed']"]
    verdicts = feed("miso", "documented", blocking("r1", query="apple"), logs([("r1", "succeeded", 1)],
                                                                              "keyword=banana"))
    assert problems(verdicts[1], "logs_filter")


def test_miso_logs_count_every_run_seen_before() -> None:
    verdicts = feed("miso", "documented", blocking("r1"), blocking("r2"), logs([("r2", "succeeded", 2)], total=1))
    found = problems(verdicts[2], "logs_count")
    assert any("total is 1" in p for p in found) and any("r1" in p for p in found)


def test_miso_every_uploaded_file_is_a_valid_input() -> None:
    upload = ("uploadFile", miso("POST", "/ext/v1/files/upload", 201, {"id": "file-1", "name": "a.txt"}), {})
    request = {"inputs": {"doc": {"transfer_method": "local_file", "upload_file_id": "file-1", "type": "document"}},
               "response_mode": "blocking", "user": "u"}
    refused = ("runWorkflow", miso("POST", "/ext/v1/workflows/run", 400,
                                   {"code": "invalid_param", "message": "no", "status": 400}, request=request), {})
    verdicts = feed("miso", "documented", upload, refused)
    assert "upload_as_input" in verdicts[1].ran and problems(verdicts[1], "upload_as_input")
