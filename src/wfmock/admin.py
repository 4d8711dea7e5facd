"""The admin API under `/_wfmock/`: health, scenario selection, state reset and the request journal.

On by default (the mock binds to loopback); `--admin-token` protects it with a bearer token, and a
server listening beyond loopback always has one (see `needs_token`). A scenario is chosen by name
from the server's `ScenarioLibrary` or sent inline; a request never names a file.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wfmock import scenario as scenarios
from wfmock.console import console_routes
from wfmock.docs import docs_routes
from wfmock.limits import LimitError, clip, json_depth_ok
from wfmock.scenario import ScenarioError, ScenarioLibrary
from wfmock.store import StoreUnavailable
from wfmock.scenario.limits import MAX_NESTING, MAX_SCENARIO_BYTES

if TYPE_CHECKING:
    from wfmock.pipeline import Pipeline

PREFIX = "/_wfmock"
logger = logging.getLogger("wfmock")
MAX_ADMIN_BODY = 2 * MAX_SCENARIO_BYTES
HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
              413: "payload_too_large"}


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def sent_by_another_site(request: Request) -> bool:
    """A browser names the page that made a request (`Origin`, `Sec-Fetch-Site`); a form or `fetch` of another site
    can send a state-changing call without a preflight, so the admin API refuses it (clients without a browser send
    neither header and are unaffected)."""
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site") == "cross-site"
    return origin != f"{request.url.scheme}://{request.headers.get('host', '')}"


def needs_token(host: str) -> bool:
    """Whether a server on `host` can be reached from beyond this machine (then the admin API needs a token)."""
    if host.lower() in ("localhost", "localhost."):
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True  # a host name may resolve to anything


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": clip(message), "status": status, **extra}, status_code=status)


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own 404/405 (unknown admin path or method), in the admin envelope."""
    status = getattr(error, "status_code", 500)
    headers = getattr(error, "headers", None) or {}
    detail = "no such admin endpoint" if status == 404 else str(getattr(error, "detail", "") or "error")
    if status == 405:
        detail = f"method {request.method[:20]} is not allowed on {clip(request.url.path, 200)}"
    response = _error(status, HTTP_CODES.get(status, "error"), detail)
    response.headers.update(headers)
    return response


async def _read_json(request: Request) -> Any:
    """The body as JSON: bounded in bytes and in nesting, or `LimitError`/`ValueError`."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_ADMIN_BODY:
            raise LimitError(413, f"admin request bodies are limited to {MAX_ADMIN_BODY} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not json_depth_ok(raw, MAX_NESTING):
        raise LimitError(400, f"JSON nested more than {MAX_NESTING} levels deep")
    return orjson.loads(raw)


def _refusal(request: Request, token: str | None) -> Response | None:
    """Why a guarded call may not proceed (another site changing state, a missing or wrong token), or None."""
    if request.method not in SAFE_METHODS and sent_by_another_site(request):
        return _error(403, "forbidden", "a page of another site may not change the mock's state (its "
                                        "Origin is not this server); use the console or a non-browser client")
    if token is not None:
        offered = request.headers.get("authorization", "").partition(" ")[2].strip()
        if not hmac.compare_digest(offered.encode(), token.encode()):
            return _error(401, "unauthorized", "admin API needs `Authorization: Bearer <admin token>`")
    return None


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler, token: str | None) -> Handler:
    """The handler behind the origin and token checks, answering every failure in the admin envelope."""
    async def endpoint(request: Request) -> Response:
        if (refused := _refusal(request, token)) is not None:
            return refused
        try:
            return await handler(request)
        except ClientDisconnect:
            return Response(status_code=400)  # the client left mid-body: no one reads this
        except StoreUnavailable as error:  # Redis is away: say so, and answer again once it is back
            return _error(503, "store_unavailable", error.message or "store unavailable")
        except Exception:  # a bug must still answer in the envelope (and is logged, so tests see it)
            logger.exception("unexpected error in the admin API: %s %s", request.method, request.url.path)
            return _error(500, "internal_error", "The admin API hit an internal error.")
    return endpoint


def _chosen_scenario(payload: Any, library: ScenarioLibrary) -> tuple[Any, dict[str, str]] | Response:
    """The scenario a PUT names ({"name": ...} from the library) or sends inline ({"scenario": ...}), with its source."""
    try:
        if isinstance(payload, dict) and isinstance(payload.get("name"), str):
            return library.load(payload["name"]), {"name": payload["name"]}
        if isinstance(payload, dict) and "scenario" in payload:
            document = payload["scenario"]
            text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
            return scenarios.load_text(text, source="<admin>", fixtures_dir=library.fixtures_dir), {"text": text}
    except ScenarioError as error:
        return _error(400, "invalid_scenario", str(error), problems=[clip(str(p)) for p in error.problems[:50]])
    return _error(400, "invalid_request", "give {\"name\": NAME} (a scenario in the library) or {\"scenario\": {...}}")


class AdminHandlers:
    """The admin endpoints over one pipeline's session and journal, and a scenario library."""

    def __init__(self, pipeline: "Pipeline", library: ScenarioLibrary) -> None:
        self.pipeline, self.library = pipeline, library
        self.session, self.journal = pipeline.session, pipeline.journal

    async def health(self, request: Request) -> Response:
        # "open" (any non-empty key) or "keys" (only --api-key keys): the contract kit reads it, see contract/target.py
        auth = {name: "keys" if checker.strict else "open" for name, checker in self.pipeline.authenticators.items()}
        return JSONResponse({"status": "ok", "apis": [api.name for api in self.pipeline.apis], "auth": auth})

    async def list_scenarios(self, request: Request) -> Response:
        await self.session.follow_scenario()
        return JSONResponse({
            "active": _describe(self.session.scenario),
            "bundled": [{"name": name, "description": description} for name, description in scenarios.bundled()],
            "available": [{"name": name, "description": description} for name, description in self.library.listing()],
        })

    async def get_scenario(self, request: Request) -> Response:
        await self.session.follow_scenario()
        return JSONResponse({"active": _describe(self.session.scenario)})

    async def set_scenario(self, request: Request) -> Response:
        try:
            payload = await _read_json(request)
        except LimitError as error:
            return _error(error.status, HTTP_CODES[error.status], str(error))
        except ValueError:
            return _error(400, "invalid_request", "body must be JSON: {\"name\": ...} or {\"scenario\": {...}}")
        chosen = _chosen_scenario(payload, self.library)
        if isinstance(chosen, Response):
            return chosen
        # streams already running keep the plan they started with; a shared store tells every process
        await self.session.switch_scenario(*chosen)
        return JSONResponse({"active": _describe(chosen[0])})

    async def clear_scenario(self, request: Request) -> Response:
        await self.session.switch_scenario(None, None)
        return JSONResponse({"active": None})

    async def reset(self, request: Request) -> Response:
        await self.session.reset_all()
        await self.journal.clear_all()
        return JSONResponse({"reset": True})

    async def requests(self, request: Request) -> Response:
        query = request.query_params
        try:
            entries = await self.journal.search(
                api=query.get("api"),
                operation=query.get("operation"),
                status=int(query["status"]) if "status" in query else None,
                since=float(query["since"]) if "since" in query else None,
                limit=int(query.get("limit", 100)),
            )
        except ValueError as error:
            return _error(400, "invalid_request", f"bad filter: {error}")
        except OverflowError:
            return _error(400, "invalid_request", "bad filter: number out of range")
        return JSONResponse({"requests": entries, "total": len(entries)})

    async def clear_requests(self, request: Request) -> Response:
        await self.journal.clear_all()
        return JSONResponse({"cleared": True})

    def routes(self, token: str | None) -> list[Route]:
        """The admin API's routes; all but health behind `_guarded`."""
        def guarded(handler: Handler) -> Handler:
            return _guarded(handler, token)

        return [
            Route(PREFIX + "/health", self.health, methods=["GET"]),
            Route(PREFIX + "/scenarios", guarded(self.list_scenarios), methods=["GET"]),
            Route(PREFIX + "/scenario", guarded(self.get_scenario), methods=["GET"]),
            Route(PREFIX + "/scenario", guarded(self.set_scenario), methods=["PUT", "POST"]),
            Route(PREFIX + "/scenario", guarded(self.clear_scenario), methods=["DELETE"]),
            Route(PREFIX + "/reset", guarded(self.reset), methods=["POST"]),
            Route(PREFIX + "/requests", guarded(self.requests), methods=["GET"]),
            Route(PREFIX + "/requests", guarded(self.clear_requests), methods=["DELETE"]),
        ]


def build_admin(pipeline: "Pipeline", token: str | None = None, library: ScenarioLibrary | None = None) -> Starlette:
    """The admin app: its API, then the browser side (docs.py, console/) under the same prefix and token."""
    handlers = AdminHandlers(pipeline, library or ScenarioLibrary())
    routes = handlers.routes(token) + docs_routes(pipeline) + console_routes(pipeline, token)
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})


def _describe(chosen: Any) -> dict[str, Any] | None:
    if chosen is None:
        return None
    return {"name": getattr(chosen, "name", None), "description": getattr(chosen, "description", "")}
