"""How `wfmock proxy --record` tells MISO requests apart: a run by its response mode, a logs page by its paging
and filters (every answer is replayed as recorded)."""

from __future__ import annotations

from typing import Any

from wfmock.proxy.exchange import Recorded
from wfmock.proxy.record import RecordHooks

RUN, LOGS = "runWorkflow", "listWorkflowLogs"
LOGS_QUERY = ("page", "limit", "status", "keyword")


class MisoRecording(RecordHooks):
    def conditions(self, operation: str, exchange: Recorded, path_params: dict[str, str]) -> dict[str, Any]:
        body = exchange.request_json()
        if operation == RUN and isinstance(body, dict):
            mode = body.get("response_mode") or body.get("mode")
            return {"body": {"/response_mode": mode}} if isinstance(mode, str) else {}
        found = super().conditions(operation, exchange, path_params)
        if operation == LOGS:
            query = exchange.query_params()
            found["query"] = {name: query.get(name, {"present": False}) for name in LOGS_QUERY}
        return found


HOOKS = MisoRecording()
