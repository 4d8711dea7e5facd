"""Real calls of every operation of both APIs against a running mock, successes and documented errors.

Shared by the tools tests: openapi-core checks each exchange against the contract, and models generated from
the 3.1 export parse each answer. Every call goes to a real server over loopback.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import httpx

IMPRUN_KEY = {"X-API-Key": "tools-key"}
MISO_KEY = {"Authorization": "Bearer app-tools-key"}
HOMETAX = {"siteCode": "HOMETAX", "function": "get_business_info", "credentialId": "cred_abc123", "year": 2025}
WEHAGO = {"siteCode": "WEHAGO", "sessionToken": "session-token", "group": "financial", "endpoint": "balance-sheet",
          "period": "2025-03"}
DOCUMENT = {"documentType": "land", "imageBase64": base64.b64encode(b"a land register image").decode()}


def imprun_calls(client: httpx.Client, wait: Callable[[float], None] = time.sleep) -> list[httpx.Response]:
    """createWorkflow (each kind), getWorkflow while RUNNING and once finished, the progress page, and errors."""
    calls = []
    ids = []
    for body in ({"type": "scraping", "params": HOMETAX}, {"type": "scraping", "params": WEHAGO},
                 {"type": "document_parsing", "params": DOCUMENT}):
        created = client.post("/v2/workflows", json=body, headers=IMPRUN_KEY)
        calls.append(created)
        ids.append(created.json()["id"])
    calls.append(client.get(f"/v2/workflows/{ids[0]}", headers=IMPRUN_KEY))
    calls.append(client.get(f"/console/workflows/{ids[0]}"))
    deadline = time.monotonic() + 30
    while client.get(f"/v2/workflows/{ids[-1]}", headers=IMPRUN_KEY).json()["status"] == "RUNNING":
        assert time.monotonic() < deadline, "a run never finished"
        wait(0.1)
    calls += [client.get(f"/v2/workflows/{run_id}", headers=IMPRUN_KEY) for run_id in ids]
    calls.append(client.post("/v2/workflows", json={"type": "scraping", "params": {**HOMETAX, "year": "x"}},
                             headers=IMPRUN_KEY))                                      # 400
    calls.append(client.post("/v2/workflows", json={"type": "scraping", "params": HOMETAX}))  # 401
    calls.append(client.get("/v2/workflows/wf_missing", headers=IMPRUN_KEY))           # 404
    calls.append(client.get("/console/workflows/wf_missing"))                          # 404
    return calls


def miso_calls(client: httpx.Client) -> list[httpx.Response]:
    """uploadFile, runWorkflow blocking and streaming (with the upload as a file input), getWorkflowRun,
    stopWorkflowTask, listWorkflowLogs, and errors."""
    calls = []
    uploaded = client.post("/ext/v1/files/upload", headers=MISO_KEY,
                           files={"file": ("report.txt", "분기 보고서".encode())}, data={"user": "tools"})
    calls.append(uploaded)
    file_input = {"type": "document", "transfer_method": "local_file", "upload_file_id": uploaded.json()["id"]}
    blocking = client.post("/ext/v1/workflows/run", headers=MISO_KEY, json={
        "inputs": {"query": "요약해줘"}, "files": [file_input], "response_mode": "blocking", "user": "tools"})
    calls.append(blocking)
    streaming = client.post("/ext/v1/workflows/run", headers=MISO_KEY, json={
        "inputs": {"query": "안녕"}, "mode": "streaming", "user": "tools"})
    calls.append(streaming)
    run_id = blocking.json()["workflow_run_id"]
    calls.append(client.get(f"/ext/v1/workflows/run/{run_id}", headers=MISO_KEY))
    calls.append(client.post(f"/ext/v1/workflows/tasks/{blocking.json()['task_id']}/stop", headers=MISO_KEY,
                             json={"user": "tools"}))
    calls.append(client.get("/ext/v1/workflows/logs", headers=MISO_KEY, params={"page": 1, "limit": 5}))
    calls.append(client.post("/ext/v1/files/upload", headers=MISO_KEY, files={"user": (None, "tools")}))   # 400
    calls.append(client.post("/ext/v1/workflows/run", json={"inputs": {}, "user": "tools"}))             # 401
    calls.append(client.get("/ext/v1/workflows/run/00000000-0000-4000-8000-000000000000", headers=MISO_KEY))
    return calls
