"""`wfmock proxy --record DIR`: what went through, as a scenario that replays it (`DIR/recorded.yaml`).

- imprun runs, by site / function / document type: a `run` rule (the status it ended in, after how long) and,
  for a SUCCEEDED run, its result as a fixture next to the scenario (`fixture: ./fixtures/…`).
- MISO answers (runs, streams with each event's offset from the start, run details, logs pages, uploads, stops):
  `replay` rules (`./replay/…json`), matched by what tells the requests apart (mode, ids, paging).
- Error answers: `error` rules when the code is in the API's catalogue, a `replay` otherwise.

Answers the mock gives the same way on its own (401, 429, an unknown path) are not recorded. Requests that look
alike are replayed in the order they were recorded (a chain of `when: {first: 1}` rules; the last one repeats).
Secrets and personal data are replaced by generated values of the same shape (`wfmock.proxy.anonymize`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from wfmock.openapi import sse
from wfmock.openapi.profiles import Contract
from wfmock.proxy.anonymize import Anonymizer
from wfmock.proxy.checks import Verdict
from wfmock.proxy.exchange import Recorded
from wfmock.proxy.routes import Router
from wfmock.scenario.catalogue import catalogue

NATIVE = (401, 403, 405, 429)  # the mock answers these itself, the same way
KEPT_HEADERS = ("content-type",)
MAX_RECORDED = 5000


class Recorder:
    def __init__(self, directory: Path, contracts: dict[str, Contract]) -> None:
        self.directory = Path(directory)
        self.contracts = contracts
        self.seen: list[tuple[Recorded, Verdict]] = []
        self.router = Router(contracts)
        self._lock = threading.Lock()

    def observe(self, exchange: Recorded, verdict: Verdict) -> None:
        if verdict.api is None or verdict.operation_id is None or exchange.status in NATIVE or exchange.status == 0:
            return
        if exchange.truncated or exchange.error:
            return
        with self._lock:
            if len(self.seen) < MAX_RECORDED:
                self.seen.append((exchange, verdict))

    def write(self) -> str:
        """Writes the scenario and its files; says what it wrote."""
        with self._lock:
            seen = sorted(self.seen, key=lambda item: item[0].started)
        anonymize = Anonymizer()
        files: dict[str, Any] = {}
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        order: list[str] = []
        reads = [(ex, v) for ex, v in seen if v.operation_id == "getWorkflow" and ex.status == 200]
        for index, (ex, verdict) in enumerate(seen, start=1):
            made = self._rule(index, ex, verdict, reads, anonymize, files)
            if made is None:
                continue
            group = json.dumps(made.get("match"), sort_keys=True, ensure_ascii=False)
            if group not in groups:
                order.append(group)
            groups[group].append(made)
        rules = []
        for group in order:
            chain = groups[group]
            for position, rule in enumerate(chain):
                if position < len(chain) - 1:
                    rule["when"] = {"first": 1}
                rules.append(rule)
        scenario = {"name": "recorded",
                    "description": f"Recorded by wfmock proxy from {seen[0][0].upstream if seen else 'nothing'} on "
                                   f"{time.strftime('%Y-%m-%d %H:%M:%S')}: {len(seen)} exchanges, {len(rules)} rules",
                    "rules": rules}
        self.directory.mkdir(parents=True, exist_ok=True)
        for relative, content in files.items():
            target = self.directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (self.directory / "recorded.yaml").write_text(
            "# Replay with: wfmock serve --scenario " + str(self.directory / "recorded.yaml") + "\n"
            + yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        return f"recorded.yaml ({len(rules)} rules) and {len(files)} file(s)"

    # -- one exchange -> one rule ------------------------------------------------------------------------------

    def _rule(self, index: int, ex: Recorded, verdict: Verdict, reads: list[tuple[Recorded, Verdict]],
              anonymize: Anonymizer, files: dict[str, Any]) -> dict[str, Any] | None:
        api, operation = verdict.api, verdict.operation_id
        assert api is not None and operation is not None
        match: dict[str, Any] = {"api": api, "operation": operation, **self._conditions(api, operation, ex)}
        name = f"{operation}-{index}"
        if ex.status >= 400:
            error = self._error(api, ex)
            if error is not None:
                return {"name": name, "match": match, "error": error}
        if api == "imprun":
            if operation == "createWorkflow" and ex.status == 200:
                return self._imprun_run(name, match, ex, reads, anonymize, files)
            if ex.status < 400:
                return None  # reads of runs the mock makes itself
        relative = f"./replay/{index:04d}-{operation}.json"
        files[relative[2:]] = self._replay(ex, anonymize)
        return {"name": name, "match": match, "replay": relative}

    def _conditions(self, api: str, operation: str, ex: Recorded) -> dict[str, Any]:
        body = ex.request_json()
        if api == "imprun" and operation == "createWorkflow" and isinstance(body, dict):
            params = body.get("params") if isinstance(body.get("params"), dict) else {}
            found = {f"/params/{key}": params[key] for key in ("siteCode", "function", "documentType", "group",
                                                                 "endpoint") if isinstance(params.get(key), str)}
            return {"body": found} if found else {}
        if operation == "runWorkflow" and isinstance(body, dict):
            mode = body.get("response_mode") or body.get("mode")
            return {"body": {"/response_mode": mode}} if isinstance(mode, str) else {}
        _, _, params = self.router.match(ex.method, ex.path)
        found: dict[str, Any] = {}
        if params:
            found["path_params"] = dict(params)
        if operation == "listWorkflowLogs":
            query = ex.query_params()
            found["query"] = {name: query.get(name, {"present": False}) for name in ("page", "limit", "status",
                                                                                   "keyword")}
        return found

    def _error(self, api: str, ex: Recorded) -> dict[str, Any] | None:
        try:
            body = ex.json()
        except ValueError:
            return None
        known = catalogue(api)
        code = body.get("code") if isinstance(body, dict) else None
        if known is None or not isinstance(code, str) or code not in known.errors:
            return None
        error: dict[str, Any] = {"code": code, "status": ex.status}
        if isinstance(body.get("message"), str):
            error["message"] = body["message"]
        return error

    def _imprun_run(self, name: str, match: dict[str, Any], ex: Recorded, reads: list[tuple[Recorded, Verdict]],
                    anonymize: Anonymizer, files: dict[str, Any]) -> dict[str, Any] | None:
        try:
            created = ex.json()
        except ValueError:
            return None
        run_id = created.get("id") if isinstance(created, dict) else None
        final = None
        for read, _ in reads:
            if read.path.rstrip("/").endswith(f"/{run_id}"):
                try:
                    body = read.json()
                except ValueError:
                    continue
                if isinstance(body, dict) and body.get("status") in ("SUCCEEDED", "FAILED", "TIMED_OUT"):
                    final = (read, body)
                    break
        if final is None:
            return None  # never seen finished: the mock's own run
        read, body = final
        run: dict[str, Any] = {"status": body["status"], "after": round(max(read.started - ex.started, 0.0), 2)}
        rule: dict[str, Any] = {"name": name, "match": match, "run": run}
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        known = catalogue("imprun")
        if body["status"] != "SUCCEEDED":
            if isinstance(error.get("code"), str) and known is not None and error["code"] in known.errors:
                run["error_code"] = error["code"]
            if isinstance(error.get("message"), str):
                run["error_message"] = error["message"]
        elif body.get("result") is not None:
            params = match.get("body") or {}
            label = "-".join(str(v) for v in params.values()) or "run"
            relative = f"./fixtures/imprun/{name}-{_slug(label)}.json"
            files[relative[2:]] = anonymize(body["result"])
            rule["fixture"] = relative
        return rule

    def _replay(self, ex: Recorded, anonymize: Anonymizer) -> dict[str, Any]:
        headers = {name: value for name, value in ex.response_headers.items() if name in KEPT_HEADERS}
        if ex.is_stream:
            parsed = sse.parse(ex.decoded())
            arrivals = ex.arrivals + [ex.finished] * (len(parsed.events) - len(ex.arrivals))
            events = []
            for event, arrived in zip(parsed.events, arrivals):
                item: dict[str, Any] = {"at": round(max(arrived - ex.started, 0.0), 4)}
                if event.name != "message":
                    item["event"] = event.name
                if event.data is not None:
                    item["data"] = (json.dumps(anonymize(event.payload), ensure_ascii=False, separators=(",", ":"))
                                    if event.json_error is None else event.data)
                events.append(item)
            return {"status": ex.status, "headers": headers, "events": events}
        try:
            body: Any = anonymize(ex.json())
        except ValueError:
            body = ex.decoded().decode("utf-8", errors="replace")
        return {"status": ex.status, "headers": headers, "body": body}


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60]
