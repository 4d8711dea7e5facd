"""The generic checks of a JSON event stream (`text/event-stream` whose events carry JSON naming the event in its
`event` field): its framing, and each event against the per-event schema the operation documents (OAS 3.2
`itemSchema`). What events must come in which order is the API's (`wfmock.apis.<api>.checks`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfmock.openapi import sse
from wfmock.contract.checks.registry import History, Judging, Result, register
from wfmock.openapi.profiles import Contract
from wfmock.contract.exchange import Exchange

PING = "ping"  # a keep-alive: no `data:` needed, judged by no schema


def streamed(exchange: Exchange) -> bool:
    """A stream answered: what the stream checks judge (a refused streaming request is an ordinary error)."""
    return exchange.status == 200 and exchange.is_stream


def event_name(event: sse.Event) -> str:
    """The event's name: its payload's `event` field, else the SSE `event:` field."""
    if isinstance(event.payload, dict) and isinstance(event.payload.get("event"), str):
        return event.payload["event"]
    return event.name


def meaningful(exchange: Exchange) -> list[sse.Event]:
    """The stream's events that carry a payload, keep-alives left out."""
    return [e for e in exchange.events if e.payload is not None and event_name(e) != PING]


def framing_problems(exchange: Exchange) -> list[str]:
    problems = []
    if "text/event-stream" not in exchange.content_type:
        problems.append(f"Content-Type is {exchange.content_type!r}, expected text/event-stream")
    if exchange.error:
        problems.append(f"the stream broke while being read: {exchange.error}")
    problems += exchange.stream.problems
    for event in exchange.events:
        if event.data is None:
            if event.name != PING:
                problems.append(f"event #{event.index} ({event.name!r}) has no `data:` line")
            continue
        if event.json_error:
            problems.append(f"event #{event.index}: `data:` is not JSON ({event.json_error}): {event.data[:120]!r}")
        elif not isinstance(event.payload, dict) or not isinstance(event.payload.get("event"), str):
            problems.append(f"event #{event.index}: the payload has no `event` name: {event.data[:120]!r}")
    return problems


def _is_event_stream_operation(judging: Judging) -> bool:
    op = judging.operation
    response = judging.contract.resolve(op.response(200)) if op is not None and op.response(200) else {}
    return "text/event-stream" in (response.get("content") or {})


@register("sse_framing")
def sse_framing(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    if not _is_event_stream_operation(judging) or exchange.status != 200:
        return None
    if not exchange.is_stream and "json" in exchange.content_type:
        return None  # the blocking answer of an operation that also streams
    return Result(framing_problems(exchange))


@register("sse_event_schema")
def sse_event_schema(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    if not streamed(exchange) or not _is_event_stream_operation(judging):
        return None
    if judging.light:  # the costly part: skipped when the proxy's judging falls behind the traffic
        return Result(unjudged=["some streams' events were not checked against their schemas: judging fell behind "
                                "the traffic"])
    return Result(event_schema_problems(judging.contract, judging.operation, meaningful(exchange)))


def _event_schemas(contract: Contract, op: Any) -> list[Mapping[str, Any]]:
    """The per-event schemas of the operation's streaming response: OAS 3.2 `itemSchema`, split into its
    alternatives."""
    response = contract.resolve(op.response(200)) if op else None
    media = ((response or {}).get("content") or {}).get("text/event-stream") or {}
    item = media.get("itemSchema")
    if item is None:
        return []
    resolved = contract.resolve(item)
    branches = resolved.get("oneOf") or resolved.get("anyOf") or [item]
    return [contract.resolve(branch) for branch in branches]


def _payload_schema(contract: Contract, branch: Mapping[str, Any]) -> Mapping[str, Any] | None:
    data = contract.resolve((branch.get("properties") or {}).get("data") or {})
    return data.get("contentSchema")


def _names(contract: Contract, node: Any) -> set[str] | None:
    node = contract.resolve(node) if node else None
    if isinstance(node, Mapping):
        if "const" in node:
            return {node["const"]}
        if "enum" in node:
            return set(node["enum"])
    return None


def _branch_matches(contract: Contract, branch: Mapping[str, Any], event: sse.Event) -> bool:
    """A branch covers an event when its SSE `event` field and its payload's `event` name both allow it."""
    wire = _names(contract, (branch.get("properties") or {}).get("event"))
    if wire is not None and event.name not in wire:
        return False
    payload_schema = contract.resolve(_payload_schema(contract, branch) or {})
    alternatives = payload_schema.get("oneOf") or payload_schema.get("anyOf") or [payload_schema]
    name = event.payload.get("event") if isinstance(event.payload, dict) else None
    for alternative in alternatives:
        inner = _names(contract, (contract.resolve(alternative).get("properties") or {}).get("event"))
        if inner is None or name in inner:
            return True
    return False


def _narrow(contract: Contract, schema: Mapping[str, Any], name: Any) -> Mapping[str, Any]:
    """The one alternative of a payload `oneOf`/`anyOf` whose `event` names this event, if exactly one does: its
    errors name the field at fault, where the whole union's only say "not valid under any of the given schemas"."""
    resolved = contract.resolve(schema)
    alternatives = resolved.get("oneOf") or resolved.get("anyOf") or []
    named = [a for a in alternatives
             if name in (_names(contract, (contract.resolve(a).get("properties") or {}).get("event")) or ())]
    return named[0] if len(named) == 1 else schema


def _candidates(contract: Contract, branches: list[Mapping[str, Any]], event: sse.Event) -> list[tuple[Any, Any]]:
    """(branch, the payload schema narrowed to this event's name) for each branch that covers the event; the same
    for every event of one wire name and payload name, so worked out once per contract (streams repeat a few)."""
    name = event.payload.get("event") if isinstance(event.payload, dict) else None
    key = ("event-candidates", event.name, name if isinstance(name, str) else repr(name))
    found = contract.memo.get(key)
    if found is None:
        found = []
        for branch in branches:
            if _branch_matches(contract, branch, event):
                schema = _payload_schema(contract, branch)
                found.append((branch, None if schema is None else _narrow(contract, schema, name)))
        if len(contract.memo) < 1000:
            contract.memo[key] = found
    return found


def event_schema_problems(contract: Contract, op: Any, events: list[sse.Event]) -> list[str]:
    branches = _event_schemas(contract, op)
    if not branches:
        return []
    problems = []
    for event in events:
        if not isinstance(event.payload, dict):
            continue
        name = event.payload.get("event")
        candidates = _candidates(contract, branches, event)
        if not candidates:
            problems.append(f"event #{event.index}: {name!r} is not an event the contract documents")
            continue
        errors: list[str] = []
        for branch, narrowed in candidates:
            wire = {"event": event.name, "data": event.data}
            errs = contract.schema_errors(branch, wire) if narrowed is None else (
                contract.schema_errors(narrowed, event.payload))
            if not errs:
                errors = []
                break
            errors = errs
        problems += [f"event #{event.index} ({name}): {error}" for error in errors[:3]]
    return problems
