"""The request pipeline: route → authenticate → rate limit → scenario → validate → behaviour → render.

One request flows one way through `Pipeline.__call__`; each stage is a call into its own module,
and any stage may stop the flow by raising `ApiError`, which the API renders in its own envelope.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request

from wfmock import errors
from wfmock.apis.base import Api, Call
from wfmock.auth import Authenticator
from wfmock.cors import CorsPolicy
from wfmock.errors import ApiError
from wfmock.journal import Journal
from wfmock.limits import Limits, json_depth_ok, longest_string
from wfmock.openapi.operations import Operation
from wfmock.openapi.pointer import MISSING
from wfmock.render import Reply, StreamReply, send_reply, send_stream
from wfmock.replay import replay_reply
from wfmock.routing import Router
from wfmock.scenario.plan import Plan, RequestInfo
from wfmock.state import Session
from wfmock.transport import apply_fault
from wfmock.types import ASGIApp, Receive, Scope, Send
from wfmock.validate import Incoming, decode_json, validate

logger = logging.getLogger("wfmock")
MULTIPART_MARGIN = 1024 * 1024  # form fields and part headers around the largest allowed file
SCENARIO_HEADER = "x-wfmock-scenario"


class Pipeline:
    """The ASGI application serving the simulated APIs (and the admin API, when mounted)."""

    def __init__(
        self,
        apis: Sequence[Api],
        session: Session,
        authenticators: Mapping[str, Authenticator],
        journal: Journal,
        admin: ASGIApp | None = None,
        admin_prefix: str = "/_wfmock",
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.apis = list(apis)
        self.session = session
        self.authenticators = dict(authenticators)
        self.journal = journal
        self.admin = admin
        self.admin_prefix = admin_prefix
        self.cors: CorsPolicy | None = None  # set by `build_app`; answers preflights before anything else
        self.routers = {api.name: Router(api.spec.operations.values()) for api in self.apis}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        is_admin = self.admin is not None and (path == self.admin_prefix or path.startswith(self.admin_prefix + "/"))
        if is_admin and not path.startswith(self.admin_prefix + "/openapi/"):
            await self.admin(scope, receive, send)  # same-origin only: no CORS, so no other site can drive it
            return
        if self.cors is not None:
            cors_send = await self.cors.handle(scope, send)
            if cors_send is None:  # a preflight, answered: not authenticated, rate limited or journaled
                return
            send = cors_send
        if is_admin:  # the served contracts: public, so browser-based tools on other origins may read them
            await self.admin(scope, receive, send)
            return
        await self.serve(scope, receive, send)

    def close_streams(self) -> None:
        """Ends every open stream with its final event (called when the server shuts down)."""
        for api in self.apis:
            api.close_streams()

    def api_for(self, path: str) -> Api:
        for api in self.apis:
            if path.startswith(api.prefixes):
                return api
        return self.apis[0]

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        api = self.api_for(scope["path"])
        method: str = scope["method"]
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        plan = Plan()
        engine = None
        operation_id: str | None = None
        api_key: str | None = None
        rate_headers: dict[str, str] = {}
        reply: Reply | StreamReply
        try:
            match = self.routers[api.name].match(method, scope["path"])                     # route
            operation_id = match.operation.operation_id
            api_key = self.authenticators[api.name].authenticate(match.operation, headers)  # authenticate
            await self.session.follow_scenario()
            engine = self.session.engine_for(headers.get(SCENARIO_HEADER))
            decision = await self.session.admit(api.name, engine, api_key)                      # rate limit
            if decision is not None:
                rate_headers = decision.headers()
                if not decision.allowed:
                    raise ApiError(errors.RATE_LIMITED, _rate_message(decision), status=429, headers=rate_headers)
            incoming = await read_incoming(scope, receive, headers, self.limits, match.operation)
            plan = await engine.decide(RequestInfo(                                               # scenario
                api=api.name, operation_id=operation_id, method=method, path=scope["path"],
                path_params=match.path_params, query=incoming.query, headers=headers,
                body=incoming.parsed_body(), api_key=api_key,
            ))
            await self.session.clock.sleep(plan.latency)
            if plan.error is not None:
                raise ApiError(plan.error.code, plan.error.message, status=plan.error.status)
            valid = validate(match.operation, incoming, match.path_params)                  # validate
            reply = replay_reply(plan.replay, self.session.clock) if plan.replay is not None else \
                await api.handle(Call(                                                      # behaviour (or a recording)
                operation=match.operation, request=valid, incoming=incoming, api_key=api_key,
                plan=plan, session=self.session, engine=engine, base_url=_base_url(scope, headers),
            ))
        except ApiError as error:
            reply = api.error_reply(error)
        except ClientDisconnect:
            return  # the client left while sending its body: there is no one to answer
        except Exception:
            logger.exception("unexpected error while serving %s %s", method, scope["path"])
            reply = api.error_reply(ApiError(errors.INTERNAL, "The server encountered an internal error.", status=500))
        reply.headers.update({k: v for k, v in rate_headers.items() if k not in reply.headers})
        await self.render(reply, plan, scope, receive, send, head=method == "HEAD")           # render
        self.journal.record(
            api=api.name, operation_id=operation_id, method=method, path=scope["path"],
            status=reply.status, duration_ms=(time.perf_counter() - started) * 1000, api_key=api_key,
            scenario=getattr(getattr(engine, "scenario", None), "name", None), rule=plan.rule,
            fault=getattr(plan.fault, "kind", None),
        )

    async def render(self, reply: Reply | StreamReply, plan: Plan, scope: Scope, receive: Receive, send: Send,
                     *, head: bool = False) -> None:
        if plan.fault is not None:
            await apply_fault(plan.fault, scope, receive, send, reply)
        elif isinstance(reply, StreamReply):
            await send_stream(reply, scope, receive, send)
        else:
            await send_reply(reply, send, head=head)


async def read_incoming(scope: Scope, receive: Receive, headers: Mapping[str, str],
                        limits: Limits | None = None, operation: Operation | None = None) -> Incoming:
    """Reads the body once, within the limits: JSON is parsed later by validation, multipart forms here.

    JSON depth and string sizes are checked here, once, before any recursive code sees the body.
    """
    limits = limits or Limits()
    content_type = headers.get("content-type", "")
    multipart = content_type.lower().startswith("multipart/form-data")
    body_limit = _multipart_limit(operation, limits) if multipart else limits.body_bytes
    request = Request(scope, _bounded(receive, body_limit))
    try:
        query = dict(request.query_params) if scope.get("query_string") else {}
    except (UnicodeDecodeError, ValueError):
        raise ApiError(errors.INVALID_REQUEST, "The query string is not valid UTF-8", status=400) from None
    incoming = Incoming(
        method=scope["method"], path=scope["path"], headers=headers,
        query=query, content_type=content_type, raw_body=b"",
    )
    if multipart:
        try:
            incoming.form = await request.form(max_files=16, max_fields=64)
        except (MultiPartException, ValueError, KeyError) as error:
            raise ApiError(errors.INVALID_REQUEST, f"Malformed multipart body: {error}", status=400) from None
        _check_form_names(incoming.form, limits)
        return incoming
    incoming.raw_body = await _read_body(receive, limits.body_bytes)
    if incoming.raw_body and incoming.media_type.endswith("json"):
        if not json_depth_ok(incoming.raw_body, limits.json_depth):
            raise ApiError(errors.INVALID_REQUEST, f"JSON body is nested more than {limits.json_depth} levels deep",
                           status=400)
        try:
            incoming.json = decode_json(incoming.raw_body)
        except ApiError:
            incoming.json = MISSING  # validation reports it, after the scenario had its say
        if incoming.json is not MISSING and len(incoming.raw_body) > limits.field_bytes:
            too_long = longest_string(incoming.json, limits.field_bytes)
            if too_long is not None:
                raise ApiError(errors.PAYLOAD_TOO_LARGE, f"{too_long[0]} is {too_long[1]} bytes; one field may "
                               f"hold at most {limits.field_bytes} bytes", status=413)
    return incoming


def _multipart_limit(operation: Operation | None, limits: Limits) -> int:
    """A multipart body may carry the operation's largest allowed file, plus room for its fields."""
    sizes = operation.extension("x-wfmock-file-size-limits", {}) if operation is not None else {}
    largest = max((int(v) for v in sizes.values() if isinstance(v, int) and not isinstance(v, bool)), default=0)
    return max(limits.body_bytes, largest + MULTIPART_MARGIN)


def _bounded(receive: Receive, limit: int) -> Receive:
    """`receive` that answers 413 once the body passes `limit` bytes (before it is all in memory or on disk)."""
    seen = 0

    async def bounded_receive() -> Any:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(errors.PAYLOAD_TOO_LARGE, f"Request body exceeds {limit} bytes", status=413)
        return message

    return bounded_receive


def _check_form_names(form: Any, limits: Limits) -> None:
    """Multipart field names and file names: bounded length, no NUL or line breaks."""
    from starlette.datastructures import UploadFile

    for name, value in form.multi_items():
        labels = [("field name", name)]
        if isinstance(value, UploadFile) and value.filename is not None:
            labels.append(("file name", value.filename))
        for what, text in labels:
            if len(text) > limits.form_name_chars:
                raise ApiError(errors.INVALID_REQUEST, f"A multipart {what} is {len(text)} characters; "
                               f"the limit is {limits.form_name_chars}", status=400)
            if any(c in text for c in "\x00\r\n"):
                raise ApiError(errors.INVALID_REQUEST, f"A multipart {what} contains a NUL or line break",
                               status=400)


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, read from the ASGI messages directly (no Starlette stream machinery per request)."""
    parts: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(errors.PAYLOAD_TOO_LARGE, f"Request body exceeds {limit} bytes", status=413)
        parts.append(chunk)
        more = message.get("more_body", False)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _base_url(scope: Scope, headers: Mapping[str, str]) -> str:
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def _rate_message(decision: Any) -> str:
    return f"Rate limit exceeded: {decision.limit} requests per window; retry after {decision.headers()['Retry-After']} s"


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
