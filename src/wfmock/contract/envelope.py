"""Helpers the API modules share: reading JSON bodies, the spec's request examples, the error catalogue."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wfmock.openapi.profiles import Contract


def json_body(content: bytes) -> tuple[Any, str | None]:
    try:
        return json.loads(content), None
    except ValueError:
        return None, f"the body is not JSON: {content[:120]!r}"


def request_examples(contract: Contract, operation_id: str, media: str = "application/json") -> list[Any]:
    """The request-body examples the contract embeds for an operation (the seed's own examples)."""
    op = contract.operation(operation_id)
    if op is None:
        return []
    body = contract.resolve(op.node.get("requestBody") or {})
    content = (body.get("content") or {}).get(media) or {}
    found = []
    if "example" in content:
        found.append(content["example"])
    for example in (content.get("examples") or {}).values():
        example = contract.resolve(example)
        if isinstance(example, Mapping) and "value" in example:
            found.append(example["value"])
    return found


def catalogue(contract: Contract) -> Mapping[str, Mapping[str, Any]]:
    return contract.extension("x-wfmock-errors") or {}


def envelope_schema_problems(contract: Contract, status: int, content: bytes, headers: Any) -> tuple[Any, list[str]]:
    """The body parsed, and what is wrong with it against the profile's envelope schema (`Contract.error_schema`)."""
    problems = []
    content_type = headers.get("content-type", "") if headers is not None else ""
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if content_type and "json" not in content_type:
        problems.append(f"Content-Type is {content_type!r}, the envelope is application/json")
    body, error = json_body(content)
    if error:
        return None, [*problems, error]
    if not isinstance(body, dict):
        return body, [*problems, f"the envelope must be a JSON object, got {type(body).__name__}"]
    schema = contract.error_schema
    if schema is not None:
        problems += [f"envelope {p}" for p in contract.schema_errors(schema, body)]
    return body, problems


def catalogue_problems(contract: Contract, status: int, code: Any) -> list[str]:
    """Strict profile: the code is in the catalogue (`x-wfmock-errors`) and its status is the HTTP status.

    A status for which the catalogue lists no code at all (e.g. a 405 in a catalogue without one) leaves the
    code open; any non-empty code is accepted there.
    """
    entries = catalogue(contract)
    if not entries or not isinstance(code, str):
        return []
    if code not in entries:
        if not any(entry.get("status") == status for entry in entries.values()):
            return []  # the catalogue names no code for this status: the contract leaves the code open
        return [f"code {code!r} is not in the contract's error catalogue (x-wfmock-errors)"]
    expected = entries[code].get("status")
    if isinstance(expected, int) and expected != status:
        return [f"code {code!r} is catalogued with HTTP {expected}, sent with {status}"]
    return []


def _seed_stated(entry: Mapping[str, Any]) -> bool:
    """A catalogue entry whose status the seed states with its code (documented, and not an inferred decision)."""
    return entry.get("documented") is True and entry.get("x-wfmock-inferred") is not True


def seed_catalogue_problems(contract: Contract, status: int, code: Any, message: Any = None) -> list[str]:
    """Both profiles: the (situation, code) pairs the seeds state, read from the catalogue (`x-wfmock-errors`).

    - a code the seed gives a status for is sent with that status (MISO's tables: `413, file_too_large`);
    - a status the seed reserves for its own codes (every catalogue entry with it is seed-stated) carries one of
      them: a `413` is `file_too_large`, whatever else a server may add at `400`;
    - a message the seed's error table pairs with a code (an entry carrying the table's `resolution`, imprun's
      메시지/해결 columns: `크레딧 부족` is INSUFFICIENT_CREDIT) comes with that code.
    Anything the seeds leave open (an imprun status, a code at a status the mock shares with inferred codes) is left
    to `catalogue_problems` (strict).
    """
    entries = catalogue(contract)
    if not entries or not isinstance(code, str):
        return []
    problems = []
    entry = entries.get(code)
    if entry is not None and _seed_stated(entry) and isinstance(entry.get("status"), int) and entry["status"] != status:
        problems.append(f"code {code!r} is the seed's code for HTTP {entry['status']}, sent with {status}")
    at_status = {name: e for name, e in entries.items() if e.get("status") == status}
    if at_status and all(_seed_stated(e) for e in at_status.values()) and code not in at_status:
        problems.append(f"HTTP {status} is the seed's status for {sorted(at_status)}, sent with code {code!r}")
    paired = {e["message"]: name for name, e in entries.items()
              if e.get("documented") is True and e.get("resolution") and isinstance(e.get("message"), str)}
    if isinstance(message, str) and paired.get(message.strip(), code) != code:
        problems.append(f"message {message!r} is the seed's message for code {paired[message.strip()]!r}, sent with "
                        f"code {code!r}")
    return problems


def situation_code_problems(situation: str, expected: str, body: Any) -> list[str]:
    """A seed-paired situation answered with another code than the seed's (e.g. a bad key not INVALID_API_KEY)."""
    code = body.get("code") if isinstance(body, Mapping) else None
    if code == expected:
        return []
    return [f"{situation}: the seed's code is {expected!r}, got code {code!r}"]
