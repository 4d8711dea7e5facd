"""The generic checks of one exchange: documented status, content type, required headers, response schema, the
error envelope, refused credentials, and the per-second rate limit (over the credential's recent requests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfmock.contract import apis
from wfmock.contract.checks.registry import History, Judging, Note, Result, register
from wfmock.contract.envelope import situation_code_problems
from wfmock.contract.exchange import Exchange
from wfmock.openapi.profiles import Contract
from wfmock.openapi.security import credential_header

GATE_STATUSES = (401, 403, 429)  # refusals before the operation ran: the auth and rate-limit checks' to judge
RATE_SLACK = 2  # requests of a concurrent burst may finish (and be judged) in another order than they started
LIMITED_SINCE = "rate-limited-since"  # history: credential -> when a too-generous second was last reported


def _documented(judging: Judging, exchange: Exchange) -> Mapping[str, Any] | None:
    """The operation's documented response for this status, resolved; None when there is none."""
    op = judging.operation
    documented = op.response(exchange.status) if op is not None and exchange.status else None
    return judging.contract.resolve(documented) if documented is not None else None


def _media(exchange: Exchange) -> str:
    return exchange.content_type.split(";")[0].strip().lower()


def _media_matches(media: str, documented: str) -> bool:
    major, _, minor = documented.partition("/")
    return minor == "*" and media.startswith(major + "/") or documented == "*/*"


def _content_type_fits(exchange: Exchange, content: Mapping[str, Any]) -> bool:
    media = _media(exchange)
    return not content or media in content or any(_media_matches(media, documented) for documented in content)


@register("status_code_conformance")
def status_code_conformance(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    op = judging.operation
    if op is None or not exchange.status:
        return None
    if op.response(exchange.status) is None:
        return Result([f"status {exchange.status} is not documented for {op.label}"])
    return Result()


@register("content_type_conformance")
def content_type_conformance(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    documented = _documented(judging, exchange)
    content = (documented or {}).get("content") or {}
    if not content:
        return None
    if _content_type_fits(exchange, content):
        return Result()
    return Result([f"{exchange.status} answered Content-Type {exchange.content_type!r}; documented: {sorted(content)}"])


@register("response_headers_conformance")
def response_headers_conformance(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    documented = _documented(judging, exchange)
    if documented is None or not _content_type_fits(exchange, documented.get("content") or {}):
        return None
    return Result([f"{exchange.status} response lacks the required header {name}"
                   for name, header in (documented.get("headers") or {}).items()
                   if judging.contract.resolve(header).get("required")
                   and name.lower() not in exchange.response_headers])


@register("response_schema_conformance")
def response_schema_conformance(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    documented = _documented(judging, exchange)
    if documented is None:
        return None
    if exchange.truncated:
        return Result(unjudged=[f"{judging.label}: a body over the proxy's judging limit"])
    content = documented.get("content") or {}
    media = _media(exchange)
    schema = (content.get(media) or {}).get("schema") if "json" in media else None
    if schema is None or not _content_type_fits(exchange, content):
        return None
    try:
        body = exchange.json()
    except ValueError:
        return Result([f"the body is not JSON: {exchange.content[:120]!r}"])
    return Result([f"{exchange.status} response: {error}" for error in judging.contract.schema_errors(schema, body)])


@register("error_envelope")
def error_envelope(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A refusal answers in the API's envelope: every error to a known operation that says it is JSON, and every
    error to a path the contract does not have. A request the API lists as one to refuse (its `error_probes`:
    malformed JSON, a body the seed pairs with a code, ...) is refused with a 4xx, with the seed's code where it
    names one, in the envelope whatever its content type."""
    provoked = provoked_refusal(judging, exchange)
    if provoked is not None:
        return Result(provoked)
    if exchange.status < 400 or judging.operation_id is not None and judging.operation is None:
        return None
    if judging.operation is not None and "json" not in exchange.content_type:
        return None
    return Result(envelope_findings(judging, exchange))


@dataclass(frozen=True)
class ProbeScope:
    """What an API's probe lists read (`error_probes(scope)`): the contract and whether its profile is strict. The
    kit's `Context` offers the same two."""

    contract: Contract

    @property
    def strict(self) -> bool:
        return self.contract.strict


def provoked_refusal(judging: Judging, exchange: Exchange) -> list[str] | None:
    """What is wrong with the answer to a request the API says must be refused; None when it is none of those."""
    module = apis.load(judging.api)
    for probe, situation in getattr(module, "error_probes", lambda scope: [])(ProbeScope(judging.contract)):
        path, _, query = probe.path.partition("?")
        sent = probe.json_body if isinstance(probe.json_body, bytes) or probe.json_body is None else None
        if (probe.method.upper(), path, query) != (exchange.method.upper(), exchange.path, exchange.query) or \
                (exchange.body != sent if sent is not None else exchange.request_json() != probe.json_body):
            continue
        said = f"{probe.method} {probe.path}"
        if not 400 <= exchange.status < 500:
            return [f"{said}: expected a 4xx ({situation}), got {exchange.status}"]
        problems = envelope_findings(judging, exchange)
        if probe.code:
            problems += [f"{said}: {problem}" for problem in
                         situation_code_problems(situation, probe.code, exchange.json_or_none())]
        return problems
    return None


def envelope_findings(judging: Judging, exchange: Exchange) -> list[str]:
    """What is wrong with an error answer's envelope, whatever its content type (the kit's own refusals, and
    schemathesis' responses, are judged by this directly)."""
    return [f"{exchange.status} response: {problem}" for problem in judging.envelope_problems(exchange)]


def credential(exchange: Any, contract: Contract) -> str | None:
    """The credential a request carried (whichever of the contract's schemes), for the checks that count per key."""
    return next((value for name in contract.secret_header_names() if (value := exchange.header(name))), None)


INVALID_KEY = "wfmock-invalid-"  # a key that says it is made up to be refused (the contract kit's auth probe)


@register("auth")
def auth(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """A request that carried none of the operation's credentials, or a key that says it is made up
    (`INVALID_KEY`...), must be refused 401; where the seed names the code for that (`auth_code`), its refusal
    carries that code."""
    op = judging.operation
    if op is None:
        return None
    headers = [h for h in (credential_header(judging.contract.security_scheme(name)) for name in op.security_schemes)
               if h]
    if not headers or exchange.status == 429:
        return None  # a 429 is the rate limit's to judge
    sent = [exchange.header(name).strip() for name in headers]
    if any(INVALID_KEY in value for value in sent):
        refused = f"a request with an invalid key ({', '.join(headers)}: {INVALID_KEY}...)"
    elif any(sent):
        return Result()
    else:
        refused = f"a request without credentials ({', '.join(headers)} absent)"
    if exchange.status != 401:
        return Result([f"answered {exchange.status} to {refused}: expected 401"])
    if judging.auth_code and "json" in exchange.content_type:
        return Result(situation_code_problems(refused, judging.auth_code, exchange.json_or_none()))
    return Result()


def per_second_limit(judging: Judging) -> int | None:
    limits = [entry for entry in judging.contract.extension("x-wfmock-rate-limits") or [] if entry.get("window") == 1]
    return int(limits[0]["limit"]) if limits else None


@register("rate_limit")
def rate_limit(judging: Judging, exchange: Exchange, history: History) -> Result | None:
    """From the credential's own requests, against the documented per-second limit: more than the limit served
    within one second (no 429), or a 429 while the second before it held well under the limit (an early limit,
    or one that did not lift).

    The server saw each request at some moment between its start and its answer here, unknown to the judge; a
    finding holds for every such moment, so a slow network or a busy machine between the two never makes one.
    Too many served: requests whose whole spans fit in one second. A 429 too early: every request whose span
    meets the second before it could have been counted, and still too few were."""
    limit, key = per_second_limit(judging), credential(exchange, judging.contract)
    if judging.operation is None or limit is None or key is None or exchange.status in (0, 401, 403):
        return None
    recent = [r for r in history.requests_of(key) if r.started != exchange.started]
    if exchange.status == 429:
        could_count = [r for r in recent if r.started <= exchange.answered
                       and (not r.status or r.answered >= exchange.started - 1.0)]  # still in flight: maybe served
        served = [r for r in could_count if r.status not in (401, 403, 429)]
        if len(served) < limit - RATE_SLACK:
            return Result([f"429 while only {len(served)} request(s) of this key were served in the second before "
                           f"it; the contract allows {limit} per second (an early limit, or one that did not lift)"])
        return Result()
    since = exchange.answered - 1.0  # the second up to this answer: the requests started and answered within it
    served = [r for r in recent if r.status and r.status not in (401, 403, 429)
              and since <= r.started and r.answered <= exchange.answered]
    count = len(served) + (exchange.started >= since)
    reported = history.recall(LIMITED_SINCE, key, -1e9)
    if count > limit + RATE_SLACK and exchange.answered - reported > 1.0:
        return Result([f"{count} requests of one key served within one second; the contract limits a key to "
                       f"{limit} per second (expected 429 beyond it)"],
                      notes=[Note(LIMITED_SINCE, key, exchange.answered)])  # the rest of the burst: the same finding
    return Result()
