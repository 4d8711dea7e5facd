"""How `wfmock proxy --record` records imprun: a run as a `run` rule (the status it ended in, after how long)
and, for a SUCCEEDED run, its result as a fixture next to the scenario; runs are told apart by site, function
and document type."""

from __future__ import annotations

from typing import Any

from wfmock.proxy.exchange import Recorded
from wfmock.proxy.record import REPLAY, Draft, RecordHooks
from wfmock.scenario.catalogue import catalogue

CREATE, READ = "createWorkflow", "getWorkflow"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT")
TELLING_PARAMS = ("siteCode", "function", "documentType", "group", "endpoint")


class ImprunRecording(RecordHooks):
    def conditions(self, operation: str, exchange: Recorded, path_params: dict[str, str]) -> dict[str, Any]:
        body = exchange.request_json()
        if operation != CREATE or not isinstance(body, dict):
            return super().conditions(operation, exchange, path_params)
        params = body.get("params") if isinstance(body.get("params"), dict) else {}
        found = {f"/params/{key}": params[key] for key in TELLING_PARAMS if isinstance(params.get(key), str)}
        return {"body": found} if found else {}

    def rule(self, draft: Draft) -> dict[str, Any] | None | str:
        """A created run that was seen finished becomes a `run` rule; other answers the mock gives on its own
        (reads of its own runs) are not recorded; errors are replayed."""
        status = draft.exchange.status
        if status >= 400:
            return REPLAY
        if draft.match["operation"] == CREATE and status == 200:
            return _run_rule(draft)
        return None


HOOKS = ImprunRecording()


def _run_rule(draft: Draft) -> dict[str, Any] | None:
    try:
        created = draft.exchange.json()
    except ValueError:
        return None
    run_id = created.get("id") if isinstance(created, dict) else None
    final = _final_read(draft, run_id)
    if final is None:
        return None  # never seen finished: the mock's own run
    read, body = final
    run: dict[str, Any] = {"status": body["status"], "after": round(max(read.started - draft.exchange.started, 0.0), 2)}
    rule: dict[str, Any] = {"name": draft.name, "match": draft.match, "run": run}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    known = catalogue("imprun")
    if body["status"] != "SUCCEEDED":
        if isinstance(error.get("code"), str) and known is not None and error["code"] in known.errors:
            run["error_code"] = error["code"]
        if isinstance(error.get("message"), str):
            run["error_message"] = error["message"]
    elif body.get("result") is not None:
        params = draft.match.get("body") or {}
        label = "-".join(str(v) for v in params.values()) or "run"
        relative = f"./fixtures/imprun/{draft.name}-{_slug(label)}.json"
        draft.files[relative[2:]] = draft.anonymize(body["result"])
        rule["fixture"] = relative
    return rule


def _final_read(draft: Draft, run_id: Any) -> tuple[Recorded, dict[str, Any]] | None:
    """The first successful read of run `run_id` that found it finished."""
    for read, verdict in draft.seen:
        if verdict.operation_id != READ or read.status != 200 or not read.path.rstrip("/").endswith(f"/{run_id}"):
            continue
        try:
            body = read.json()
        except ValueError:
            continue
        if isinstance(body, dict) and body.get("status") in TERMINAL:
            return read, body
    return None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60]
