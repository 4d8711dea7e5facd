"""The mock serves its contracts: `/_wfmock/openapi/{api}.yaml|.json` (3.2, or `?oas=3.1`) with the mock itself
as the first server, and an API reference page at `/_wfmock/docs` (Swagger UI from the `swagger-ui-py` package:
no CDN, works offline) whose "Try it out" calls this mock.

Public like `/_wfmock/health`: the documents hold no state and no secret.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from wfmock.apis import registry
from wfmock.export import VERSIONS, export, render

if TYPE_CHECKING:
    from wfmock.pipeline import Pipeline

PREFIX = "/_wfmock"
FORMATS = {"yaml": "application/yaml; charset=utf-8", "json": "application/json"}
SWAGGER_ASSETS = {  # the files of swagger-ui-py's Swagger UI that the page loads
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain; charset=utf-8",
}


def swagger_ui_dir() -> Path:
    import swagger_ui

    return Path(swagger_ui.__file__).parent / "static"


def static_file(name: str) -> Path:
    """One of the console's own files (HTML, CSS, JS) shipped in `wfmock/console/static`."""
    return Path(str(resources.files("wfmock.console") / "static" / name))


def base_url(request: Request) -> str:
    """The mock as this client reached it (the Host header), for `servers` and links."""
    return f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}"


@lru_cache(maxsize=32)
def _rendered(api: str, oas: str, fmt: str, server: str) -> str:
    return render(export(api, oas, server), fmt)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "status": status}, status_code=status)


def docs_routes(pipeline: "Pipeline") -> list[Route]:
    served = [api.name for api in pipeline.apis]

    async def openapi_document(request: Request) -> Response:
        api, _, fmt = request.path_params["document"].rpartition(".")
        if api not in served or fmt not in FORMATS:
            names = ", ".join(f"{name}.yaml|.json" for name in served)
            return _error(404, "not_found", f"no such document; this mock serves {names}")
        oas = request.query_params.get("oas", "3.2")
        if oas not in VERSIONS:
            return _error(400, "invalid_request", f"oas must be one of {', '.join(VERSIONS)}")
        text = _rendered(api, oas, fmt, base_url(request))
        return Response(text, media_type=FORMATS[fmt])

    async def docs_page(request: Request) -> Response:
        titles = {unit.name: unit.title for unit in registry.units(served)}
        urls = [{"url": f"{PREFIX}/openapi/{name}.json?oas=3.1", "name": titles.get(name, name)} for name in served]
        chosen = request.query_params.get("api")
        config = {"urls": urls, "primaryName": titles.get(chosen or "", urls[0]["name"] if urls else "")}
        page = static_file("docs.html").read_text(encoding="utf-8").replace(
            "{{config}}", html.escape(json.dumps(config), quote=True))
        return Response(page, media_type="text/html; charset=utf-8")

    async def swagger_asset(request: Request) -> Response:
        name = request.path_params["asset"]
        if name not in SWAGGER_ASSETS:
            return _error(404, "not_found", f"no such asset: {name}")
        return FileResponse(swagger_ui_dir() / name, media_type=SWAGGER_ASSETS[name],
                            headers={"Cache-Control": "public, max-age=86400"})

    return [
        Route(PREFIX + "/openapi/{document}", openapi_document, methods=["GET"]),
        Route(PREFIX + "/docs", docs_page, methods=["GET"]),
        Route(PREFIX + "/docs/swagger-ui/{asset}", swagger_asset, methods=["GET"]),
    ]
