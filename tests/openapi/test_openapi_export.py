"""The OAS 3.1 export (`wfmock openapi export --oas 3.1`) for tools that refuse 3.2, and models generated from it.

datamodel-code-generator turns each export into pydantic models; the models build the request bodies and parse
every real answer of the mock (successes, errors and each streamed event), as a generated client would.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, OpenAPIV32SpecValidator

from tests import openapi_lint
from tests.real_calls import imprun_calls, miso_calls
from wfmock.cli import main
from wfmock.export import export, render
from wfmock.openapi import sse

APIS = ("imprun", "miso")


@pytest.mark.parametrize("api", APIS)
def test_the_export_is_valid_openapi_3_1_and_passes_the_lint_gates(api: str) -> None:
    exported = export(api, "3.1")
    assert exported["openapi"] == "3.1.1"
    assert list(OpenAPIV31SpecValidator(exported).iter_errors()) == []
    for check in (openapi_lint.stray_keys, openapi_lint.arrays_without_items, openapi_lint.undiscriminable_oneofs,
                  openapi_lint.bare_null_properties):
        assert check(exported) == [], check.__name__
    assert '"itemSchema"' not in json.dumps(exported)


def test_the_stream_item_schema_survives_as_an_extension() -> None:
    written = export("miso", "3.2")
    assert list(OpenAPIV32SpecValidator(written).iter_errors()) == []
    relabelled = {**written, "openapi": "3.1.1"}
    assert list(OpenAPIV31SpecValidator(relabelled).iter_errors()), "3.1 has no itemSchema: a relabel is not enough"
    stream = export("miso", "3.1")["paths"]["/ext/v1/workflows/run"]["post"]["responses"]["200"]["content"][
        "text/event-stream"]
    assert stream["schema"]["type"] == "string"
    assert stream["x-wfmock-item-schema"] == {"$ref": "#/components/schemas/SseFrame"}


def test_cli_export_puts_the_server_first(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["openapi", "export", "--api", "miso", "--oas", "3.1", "--server", "http://127.0.0.1:9/"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["openapi"] == "3.1.1"
    assert printed["servers"][0] == {"url": "http://127.0.0.1:9", "description": "this wfmock server"}
    assert [s["url"] for s in printed["servers"][1:]] == ["https://api.holdings.miso.gs", "http://{host}:{port}"]
    target = tmp_path / "imprun.json"
    assert main(["openapi", "export", "--api", "imprun", "--format", "json", "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == export("imprun")
    with pytest.raises(SystemExit):
        main(["openapi", "export", "--api", "miso", "--oas", "3.0"])


def generate_models(api: str, folder: Path) -> ModuleType:
    source = folder / f"{api}.yaml"
    source.write_text(render(export(api, "3.1")), encoding="utf-8")
    target = folder / f"{api}_models.py"
    command = [str(Path(sys.executable).parent / "datamodel-codegen"), "--input", str(source),
               "--input-file-type", "openapi", "--output", str(target), "--output-model-type",
               "pydantic_v2.BaseModel", "--target-python-version", "3.11", "--formatters", "builtin"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    spec = importlib.util.spec_from_file_location(f"generated_{api}_models", target)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def response_model(exported: dict[str, Any], models: ModuleType, response: httpx.Response) -> Any:
    """The generated model of the schema the export names for this answer (`None` for a text body)."""
    path = path_template(exported, response.request.url.path)
    operation = exported["paths"][path][response.request.method.lower()]
    documented = openapi_lint.resolve(exported, operation["responses"][str(response.status_code)])
    media_type = response.headers["content-type"].split(";")[0]
    schema = documented["content"][media_type]["schema"]
    return getattr(models, schema["$ref"].rsplit("/", 1)[-1]) if "$ref" in schema else None


def body_model(exported: dict[str, Any], models: ModuleType, request: httpx.Request) -> Any:
    """The generated model of a JSON request body, when the operation has one."""
    operation = exported["paths"][path_template(exported, request.url.path)][request.method.lower()]
    body = openapi_lint.resolve(exported, operation.get("requestBody", {}))
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" not in schema or not request.headers.get("content-type", "").startswith("application/json"):
        return None
    return getattr(models, schema["$ref"].rsplit("/", 1)[-1])


def path_template(exported: dict[str, Any], path: str) -> str:
    import re

    return next(template for template in exported["paths"]
                if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path))


@pytest.mark.parametrize("api", APIS)
def test_models_generated_from_the_export_parse_every_answer(api: str, server: str, tmp_path: Path) -> None:
    models = generate_models(api, tmp_path)
    exported = export(api, "3.1")
    with httpx.Client(base_url=server, timeout=30) as client:
        exchanges = imprun_calls(client) if api == "imprun" else miso_calls(client)
    parsed = []
    for response in exchanges:
        request_model = body_model(exported, models, response.request)
        if request_model is not None and response.status_code < 400:  # what the mock accepted, a model can say
            sent = json.loads(response.request.content)
            rebuilt = request_model.model_validate(sent).model_dump(mode="json", exclude_unset=True, by_alias=True)
            assert rebuilt == sent, response.request.url.path
            parsed.append(rebuilt)
        model = response_model(exported, models, response)
        if model is not None:
            parsed.append(model.model_validate(response.json()))
        elif response.headers["content-type"].startswith("text/event-stream"):
            events = [e.payload for e in sse.parse(response.content).events if e.data is not None]
            parsed += [models.WorkflowStreamEvent.model_validate(event) for event in events]
            assert len(events) >= 3
        else:
            assert response.headers["content-type"].startswith("text/html"), response.headers
    assert len(parsed) >= len(exchanges)
    if api == "imprun":
        body = models.CreateWorkflowRequest.model_validate({"type": "scraping", "params": {
            "siteCode": "WEHAGO", "sessionToken": "t", "group": "financial", "endpoint": "journal"}})
        sent = httpx.post(f"{server}/v2/workflows", headers={"X-API-Key": "k", "Content-Type": "application/json"},
                          content=body.model_dump_json(exclude_none=True, by_alias=True))
        assert sent.status_code == 200, sent.text
        assert models.WorkflowCreated.model_validate(sent.json()).status == "RUNNING"
