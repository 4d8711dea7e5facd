"""The request pipeline: route → authenticate → scenario (rate limit, body, plan) → validate → behaviour → reply.

One `Request` flows one way through `Pipeline.serve`, each stage filling in its part (`request.py`,
`routing.py`, `scenario_stage.py`, `wfmock.validate`); any stage may stop the flow by raising `ApiError`, which
the API answers in its own envelope. The reply sends itself (`replies.py`), through the plan's fault if any
(`faults.py`); `connection.py` is the one place a connection is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from starlette.requests import ClientDisconnect

from wfmock import errors
from wfmock.auth import Authenticator
from wfmock.cors import CorsPolicy
from wfmock.errors import ApiError
from wfmock.journal import Journal
from wfmock.limits import Limits
from wfmock.pipeline.connection import DropConnection, drop
from wfmock.pipeline.faults import with_fault
from wfmock.pipeline.replies import Reply, StreamReply
from wfmock.pipeline.request import Request, read_body
from wfmock.pipeline.routing import Router
from wfmock.pipeline.scenario_stage import ScenarioStage
from wfmock.replay import replay_reply
from wfmock.scenario.plan import Fault
from wfmock.types import ASGIApp, Receive, Scope, Send
from wfmock.validate import validate

if TYPE_CHECKING:
    from wfmock.apis.base import Api
    from wfmock.state import Session

logger = logging.getLogger("wfmock")


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
        self.scenario = ScenarioStage(session)

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
        request = Request.of(scope, api.name)
        reply: Reply | StreamReply
        try:
            route = self.routers[api.name].match(request.method, request.path)                   # route
            request.operation, request.path_params = route.operation, route.path_params
            request.operation_id = route.operation.operation_id
            request.api_key = self.authenticators[api.name].authenticate(route.operation, request.headers)
            await self.scenario.plan(request, lambda: read_body(request, receive, self.limits))  # scenario
            plan = request.plan
            await self.session.clock.sleep(plan.latency)
            if plan.error is not None:
                raise ApiError(plan.error.code, plan.error.message, status=plan.error.status)
            validate(route.operation, request)                                                    # validate
            reply = replay_reply(plan.replay, self.session.clock) if plan.replay is not None else \
                await api.handle(request, self.session)                         # behaviour (or a recording)
        except ApiError as error:
            reply = api.error_reply(error)
        except ClientDisconnect:
            return  # the client left while sending its body: there is no one to answer
        except Exception:
            logger.exception("unexpected error while serving %s %s", request.method, request.path)
            reply = api.error_reply(ApiError(errors.INTERNAL, "The server encountered an internal error.", status=500))
        plan = request.plan
        if plan.rate_limit is not None:
            reply.headers.update({k: v for k, v in plan.rate_limit.headers().items() if k not in reply.headers})
        await self.send_reply(reply, plan.fault, scope, receive, send)                          # reply
        self.journal.record(
            api=api.name, operation_id=request.operation_id, method=request.method, path=request.path,
            status=reply.status, duration_ms=(time.perf_counter() - started) * 1000, api_key=request.api_key,
            scenario=plan.scenario, rule=plan.rule, fault=plan.fault.kind if plan.fault is not None else None,
        )

    @staticmethod
    async def send_reply(reply: Reply | StreamReply, fault: Fault | None, scope: Scope, receive: Receive,
                         send: Send) -> None:
        """The reply sends itself, through `fault`; a `DropConnection` on the way drops the connection."""
        try:
            await reply(scope, receive, send if fault is None else with_fault(fault, send))
        except DropConnection as how:
            await drop(scope, send, how)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
