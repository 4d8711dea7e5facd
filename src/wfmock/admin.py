"""The admin API under `/_wfmock/`: health, scenario selection, state reset and the request journal.

On by default (the mock binds to loopback); `--admin-token` protects it with a bearer token.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wfmock import scenario as scenarios
from wfmock.console import console_routes
from wfmock.docs import docs_routes
from wfmock.scenario import ScenarioError

if TYPE_CHECKING:
    from wfmock.pipeline import Pipeline

PREFIX = "/_wfmock"


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "status": status, **extra}, status_code=status)


def build_admin(pipeline: "Pipeline", token: str | None = None) -> Starlette:
    session = pipeline.session
    journal = pipeline.journal

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            if token is not None:
                offered = request.headers.get("authorization", "").partition(" ")[2].strip()
                if not hmac.compare_digest(offered.encode(), token.encode()):
                    return _error(401, "unauthorized", "admin API needs `Authorization: Bearer <admin token>`")
            return await handler(request)
        return endpoint

    async def health(request: Request) -> Response:
        # "open" (any non-empty key) or "keys" (only --api-key keys): the contract kit reads it, see contract/target.py
        auth = {name: "keys" if checker.strict else "open" for name, checker in pipeline.authenticators.items()}
        return JSONResponse({"status": "ok", "apis": [api.name for api in pipeline.apis], "auth": auth})

    async def list_scenarios(request: Request) -> Response:
        return JSONResponse({
            "active": _describe(session.scenario),
            "bundled": [{"name": name, "description": description} for name, description in scenarios.bundled()],
        })

    async def get_scenario(request: Request) -> Response:
        return JSONResponse({"active": _describe(session.scenario)})

    async def set_scenario(request: Request) -> Response:
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, "invalid_request", "body must be JSON: {\"name\": ...} or {\"scenario\": {...}}")
        try:
            if isinstance(payload, dict) and "name" in payload:
                chosen = scenarios.resolve(str(payload["name"]))
            elif isinstance(payload, dict) and "scenario" in payload:
                document = payload["scenario"]
                text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
                chosen = scenarios.load_text(text, source="<admin>")
            else:
                return _error(400, "invalid_request", "give {\"name\": NAME|PATH} or {\"scenario\": {...}}")
        except ScenarioError as error:
            return _error(400, "invalid_scenario", str(error), problems=[str(p) for p in error.problems])
        session.use_scenario(chosen)  # streams already running keep the plan they started with
        return JSONResponse({"active": _describe(chosen)})

    async def clear_scenario(request: Request) -> Response:
        session.use_scenario(None)
        return JSONResponse({"active": None})

    async def reset(request: Request) -> Response:
        session.reset()
        journal.clear()
        return JSONResponse({"reset": True})

    async def requests(request: Request) -> Response:
        query = request.query_params
        try:
            entries = journal.find(
                api=query.get("api"),
                operation=query.get("operation"),
                status=int(query["status"]) if "status" in query else None,
                since=float(query["since"]) if "since" in query else None,
                limit=int(query.get("limit", 100)),
            )
        except ValueError as error:
            return _error(400, "invalid_request", f"bad filter: {error}")
        return JSONResponse({"requests": entries, "total": len(entries)})

    async def clear_requests(request: Request) -> Response:
        journal.clear()
        return JSONResponse({"cleared": True})

    routes = [
        Route(PREFIX + "/health", health, methods=["GET"]),
        Route(PREFIX + "/scenarios", guarded(list_scenarios), methods=["GET"]),
        Route(PREFIX + "/scenario", guarded(get_scenario), methods=["GET"]),
        Route(PREFIX + "/scenario", guarded(set_scenario), methods=["PUT", "POST"]),
        Route(PREFIX + "/scenario", guarded(clear_scenario), methods=["DELETE"]),
        Route(PREFIX + "/reset", guarded(reset), methods=["POST"]),
        Route(PREFIX + "/requests", guarded(requests), methods=["GET"]),
        Route(PREFIX + "/requests", guarded(clear_requests), methods=["DELETE"]),
    ]
    routes += docs_routes(pipeline) + console_routes(pipeline, token)  # the browser side: docs.py, console/
    return Starlette(routes=routes)


def _describe(chosen: Any) -> dict[str, Any] | None:
    if chosen is None:
        return None
    return {"name": getattr(chosen, "name", None), "description": getattr(chosen, "description", "")}
