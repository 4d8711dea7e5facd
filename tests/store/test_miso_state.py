"""What a MISO app keeps behind the store interface: uploaded bytes, runs that settle as planned, newest first.

In-process, on the default in-memory store, through `httpx.ASGITransport` and the fake clock.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from wfmock.apis.miso import uploads
from wfmock.apis.miso.api import planned_status
from wfmock.apis.miso.runner import RunScript, StreamOptions
from wfmock.apis.miso.store import HOLDER_GRACE, AppStore, WorkflowRun
from wfmock.app import Config, build_app
from wfmock.clock import FakeClock
from wfmock.store import MemoryStore

MISO = {"Authorization": "Bearer app-demo-key"}
PLANNED = {"status": "succeeded", "outputs": {"text": "done"}, "error": None, "tokens": 7, "steps": 3,
           "elapsed": 1.5, "log_id": "log-1"}


def a_run(planned: dict | None = PLANNED) -> WorkflowRun:
    return WorkflowRun(id="run-1", task_id="task-1", app="demo", workflow_id="wf", version="1", user="u",
                       end_user_id="eu", inputs={"query": "q"}, created_at=100.0, planned=planned)


def upload(content: bytes) -> tuple[dict, AppStore]:
    app = build_app(Config(clock=FakeClock(), pace=0))
    miso = next(api for api in app.apis if api.name == "miso")

    async def go() -> dict:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as client:
            response = await client.post("/ext/v1/files/upload", headers=MISO, data={"user": "u1"},
                                         files={"file": ("memo.txt", content)})
            assert response.status_code == 201, response.text
            return response.json()

    meta = asyncio.run(go())
    return meta, miso.store(miso.apps.for_key("app-demo-key"))


def test_an_upload_keeps_its_bytes_in_the_store() -> None:
    meta, store = upload(b"hello, store")
    assert asyncio.run(store.file_content(meta["id"])) == b"hello, store"
    assert asyncio.run(store.file_content("no-such-file")) is None


def test_a_file_over_the_kept_limit_keeps_its_metadata_not_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "KEPT_BYTES_LIMIT", 8)
    meta, store = upload(b"more than eight bytes")
    assert meta["size"] == 21
    assert asyncio.run(store.files.fetch(meta["id"])) == meta
    assert asyncio.run(store.file_content(meta["id"])) is None


def test_kept_bytes_are_bounded_by_the_app_s_retained_bytes() -> None:
    store = AppStore("demo", retain=100, retain_bytes=3_200, store=MemoryStore())

    async def go() -> list[bytes | None]:
        for index in range(3):
            await store.remember_file({"id": f"f{index}", "name": "a.txt"}, bytes([65 + index]) * 1_000)
        return [await store.file_content(f"f{index}") for index in range(3)]

    first, second, third = asyncio.run(go())  # room for two files of 1,000 bytes and their overhead
    assert first is None and second == b"B" * 1_000 and third == b"C" * 1_000  # the oldest bytes went first


def test_a_run_still_running_past_its_planned_end_reports_the_planned_ending() -> None:
    run = a_run()
    assert run.as_of(100.0 + 1.5) is run  # the holder still has the grace period to write the end
    settled = run.as_of(100.0 + 1.5 + HOLDER_GRACE)
    assert (settled.status, settled.outputs, settled.total_tokens, settled.total_steps) == (
        "succeeded", {"text": "done"}, 7, 3)
    assert settled.finished_at == 101.5 and settled.log_id == "log-1"
    assert run.status == "running" and run.outputs is None  # the stored run itself is untouched


def test_a_finished_or_unplanned_run_is_reported_as_it_is() -> None:
    unplanned = a_run(planned=None)
    assert unplanned.as_of(10_000.0) is unplanned
    stopped = a_run()
    stopped.finish("stopped", None, "Stopped by user.", tokens=0, steps=3, elapsed=0.5, log_id="log-1")
    assert stopped.as_of(10_000.0).status == "stopped"


def test_in_memory_the_stored_run_is_the_truth() -> None:
    store = AppStore("demo", store=MemoryStore())

    async def go() -> WorkflowRun | None:
        await store.remember_run(a_run())
        return await store.run("run-1", 10_000.0)

    run = asyncio.run(go())
    assert run is not None and run.status == "running"  # its holder is this process: alive while we read


def test_newest_runs_come_newest_first_and_limited() -> None:
    store = AppStore("demo", store=MemoryStore())

    async def go() -> list[str]:
        for index in range(5):
            run = a_run()
            run.id = f"run-{index}"
            await store.remember_run(run)
        return [run.id for run in await store.newest_runs(3, 0.0)]

    assert asyncio.run(go()) == ["run-4", "run-3", "run-2"]


@pytest.mark.parametrize(("error_after", "disconnect_after", "expected"), [
    (None, None, "succeeded"),   # the plan's own ending
    (2, None, "failed"),         # the scenario's error event comes first
    (9, None, "succeeded"),      # an error after the last event never comes
    (2, 1, "succeeded"),         # the connection is cut first: the run ends as planned
    (2, 2, "failed"),            # on the same event the error is sent before the cut
])
def test_the_planned_ending_follows_the_stream_s_shaping(error_after: int | None, disconnect_after: int | None,
                                                         expected: str) -> None:
    plan = RunScript(steps=[], status="succeeded", outputs={"text": "t"}, error=None, total_tokens=1, total_steps=3,
                   elapsed=1.0)
    options = StreamOptions(error_after=error_after, disconnect_after=disconnect_after)
    assert planned_status(plan, options, events=5) == expected
