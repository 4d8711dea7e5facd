"""A real third-party Dify client (dify-client-python), pointed at /ext/v1, used without modification."""

from __future__ import annotations

import io
import threading

import pytest

dify_client = pytest.importorskip("dify_client")
from dify_client import models  # noqa: E402
from dify_client.errors import DifyAPIError  # noqa: E402


@pytest.fixture()
def client(paced_server: str):
    return dify_client.Client(api_key="app-third-party", api_base=f"{paced_server}/ext/v1")


def test_blocking_run_and_read_back(client) -> None:
    request = models.WorkflowsRunRequest(inputs={"query": "세금계산서 발행 현황"}, response_mode="blocking",
                                         user="sdk-user")
    response = client.run_workflows(request)
    assert response.data.status == "succeeded" and response.data.outputs["text"]
    detail = client.request(client._prepare_url(f"/workflows/run/{response.workflow_run_id}"), "GET").json()
    assert detail["outputs"] == response.data.outputs


def test_streaming_run_parses_every_event(client) -> None:
    request = models.WorkflowsRunRequest(inputs={"query": "hello"}, response_mode="streaming", user="sdk-user")
    events = list(client.run_workflows(request))
    kinds = [str(event.event) for event in events]
    assert kinds[0] == "workflow_started" and kinds[-1] == "workflow_finished"
    assert event_data(events[-1])["status"] == "succeeded"
    assert "text_chunk" in kinds and kinds.count("node_started") == kinds.count("node_finished")


def test_upload_and_use_the_file(client) -> None:
    uploaded = client.upload_files(("report.pdf", io.BytesIO(b"%PDF-1.7 test"), "application/pdf"),
                                   models.UploadFileRequest(user="sdk-user"))
    assert uploaded.extension == "pdf" and uploaded.size == 13
    document = {"type": "document", "transfer_method": "local_file", "upload_file_id": uploaded.id}
    request = models.WorkflowsRunRequest(inputs={"document": document}, response_mode="blocking", user="sdk-user",
                                         files=[models.File(**document)])
    assert "report.pdf" in client.run_workflows(request).data.outputs["text"]


def test_stop_a_streaming_task(client) -> None:
    request = models.WorkflowsRunRequest(inputs={"query": "천천히"}, response_mode="streaming", user="sdk-user")
    events = []
    stopped = threading.Event()
    for event in client.run_workflows(request):
        events.append(event)
        if str(event.event) == "text_chunk" and not stopped.is_set():
            stopped.set()
            result = client.stop_workflows(event.task_id, models.StopRequest(user="sdk-user"))
            assert result.result == "success"
    assert str(events[-1].event) == "workflow_finished" and event_data(events[-1])["status"] == "stopped"


def test_errors_raise_the_clients_typed_exceptions(client) -> None:
    request = models.WorkflowsRunRequest(inputs={}, response_mode="blocking", user="sdk-user")
    with pytest.raises(DifyAPIError) as caught:
        client.run_workflows(request)
    assert caught.value.status == 400 and caught.value.code == "invalid_param"


def event_data(event) -> dict:
    """The client's stream model types `data` as a union ending in `Dict[str, Any]`; pydantic's smart
    union picks the dict for JSON input, so read it either way."""
    data = event.data
    return data if isinstance(data, dict) else data.model_dump(mode="json")
