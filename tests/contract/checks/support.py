"""Hand-built exchanges for the checks' unit tests: no server, only the contracts and the registry."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from wfmock.contract import apis
from wfmock.contract.checks import registry
from wfmock.openapi.profiles import Contract
from wfmock.contract.exchange import Exchange
from wfmock.openapi.document import openapi_dir

KEY = "unit-key"


@cache
def contract(api: str, profile: str = "documented") -> Contract:
    return Contract.load(api, openapi_dir() / f"{api}.yaml", profile)


def judging(api: str, operation_id: str | None, profile: str = "documented", light: bool = False,
            **params: str) -> registry.Judging:
    found = contract(api, profile)
    op = found.operation(operation_id) if operation_id else None
    return registry.Judging(api, found, operation_id, params, op.label if op else "", light,
                            apis.load(api).envelope_problems)


def answer(method: str, path: str, status: int, body: Any = None, *, query: str = "", request: Any = None,
           headers: dict[str, str] | None = None, key: str | None = KEY, started: float = 0.0,
           auth: str = "x-api-key") -> Exchange:
    """A JSON exchange as a producer would hand it over."""
    sent = [(auth, f"Bearer {key}" if auth == "authorization" else key)] if key else []
    return Exchange(method=method, path=path, query=query, headers=sent,
                    body=json.dumps(request).encode() if request is not None else b"", status=status,
                    response_headers={"content-type": "application/json", **(headers or {})},
                    content=json.dumps(body).encode() if body is not None else b"", curl="curl ...",
                    started=started, answered=started + 0.01, finished=started + 0.01)


def stream(events: list[dict[str, Any]], arrivals: list[float] | None = None, *, raw: bytes | None = None,
           request: Any = None, status: int = 200) -> Exchange:
    """A streamed answer: each payload one `data:` event, arriving at `arrivals` (monotonic seconds)."""
    content = raw if raw is not None else b"".join(
        b"data: " + json.dumps(event).encode() + b"\n\n" for event in events)
    arrivals = arrivals if arrivals is not None else [0.0] * len(events)
    return Exchange(method="POST", path="/ext/v1/workflows/run", headers=[("authorization", f"Bearer {KEY}")],
                    body=json.dumps(request or {"inputs": {"query": "x"}, "response_mode": "streaming",
                                                "user": "u"}).encode(),
                    status=status, response_headers={"content-type": "text/event-stream"}, content=content,
                    arrivals=arrivals, started=0.0, answered=0.0, finished=arrivals[-1] if arrivals else 0.0)


def problems(verdict: registry.Verdict, check: str) -> list[str]:
    return [message for name, message in verdict.problems if name == check]
