"""`wfmock proxy --record DIR`: what went through, as a scenario that replays it (`DIR/recorded.yaml`).

- Answers: `replay` rules (`./replay/…json`; streams with each event's offset from the start), matched by what
  tells the requests apart; each API's unit may match and record its own way (`RecordHooks`; imprun records
  runs as `run` rules with fixtures, `wfmock.apis.imprun.record`).
- Error answers: `error` rules when the code is in the API's catalogue, a `replay` otherwise.

Answers the mock gives the same way on its own (401, 429, an unknown path) are not recorded. Requests that look
alike are replayed in the order they were recorded (a chain of `when: {first: 1}` rules; the last one repeats).
Secrets and personal data are replaced by generated values of the same shape (`wfmock.proxy.anonymize`).
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections import defaultdict
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import yaml

from wfmock.apis import registry
from wfmock.openapi import sse
from wfmock.openapi.profiles import Contract
from wfmock.proxy.anonymize import Anonymizer
from wfmock.proxy.checks import Verdict
from wfmock.proxy.exchange import Recorded
from wfmock.proxy.routes import Router
from wfmock.scenario.catalogue import catalogue

REPLAY = "replay"  # a hook's answer: record this exchange as a replay, like any other


@dataclass(frozen=True, slots=True)
class Draft:
    """One exchange about to become a rule: its name and match so far, and what the recording has seen."""

    name: str
    match: dict[str, Any]
    exchange: Recorded
    seen: list[tuple[Recorded, Verdict]]   # every exchange recorded, in order
    anonymize: Anonymizer
    files: dict[str, Any]                  # files written next to the scenario (relative path -> JSON)


class RecordHooks:
    """How one API's traffic becomes rules; an API's unit may refine it (`ApiUnit.record`).

    The defaults match a request by its path parameters and replay its answer as recorded.
    """

    def conditions(self, operation: str, exchange: Recorded, path_params: dict[str, str]) -> dict[str, Any]:
        """What tells requests to `operation` apart: the rule's match conditions besides api and operation."""
        return {"path_params": dict(path_params)} if path_params else {}

    def rule(self, draft: Draft) -> dict[str, Any] | None | str:
        """The rule for an answer not recorded as an `error` rule: a rule, None (not recorded), or `REPLAY`."""
        return REPLAY


NATIVE = (401, 403, 405, 429)  # the mock answers these itself, the same way
KEPT_HEADERS = ("content-type",)
MAX_RECORDED = 5000


class Recorder:
    def __init__(self, directory: Path, contracts: dict[str, Contract]) -> None:
        self.directory = Path(directory)
        self.contracts = contracts
        self.seen: list[tuple[Recorded, Verdict]] = []
        self.router = Router(contracts)
        self.hooks: dict[str, RecordHooks] = {}  # each API's, from its registry unit
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
        for index, (ex, verdict) in enumerate(seen, start=1):
            made = self._rule(index, ex, verdict, seen, anonymize, files)
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

    def _rule(self, index: int, ex: Recorded, verdict: Verdict, seen: list[tuple[Recorded, Verdict]],
              anonymize: Anonymizer, files: dict[str, Any]) -> dict[str, Any] | None:
        api, operation = verdict.api, verdict.operation_id
        assert api is not None and operation is not None
        hooks = self._hooks(api)
        _, _, params = self.router.match(ex.method, ex.path)
        match: dict[str, Any] = {"api": api, "operation": operation, **hooks.conditions(operation, ex, params)}
        name = f"{operation}-{index}"
        if ex.status >= 400:
            error = self._error(api, ex)
            if error is not None:
                return {"name": name, "match": match, "error": error}
        made = hooks.rule(Draft(name, match, ex, seen, anonymize, files))
        if made != REPLAY:
            return made
        relative = f"./replay/{index:04d}-{operation}.json"
        files[relative[2:]] = self._replay(ex, anonymize)
        return {"name": name, "match": match, "replay": relative}

    def _hooks(self, api: str) -> RecordHooks:
        if api not in self.hooks:
            unit = registry.get(api)
            self.hooks[api] = importlib.import_module(unit.record).HOOKS if unit.record is not None else RecordHooks()
        return self.hooks[api]

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
