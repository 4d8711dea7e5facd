"""The MISO run timeline: Dify's event grammar, failures, stops, and the stream shaping knobs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wfmock.apis.miso.apps import AppRegistry
from wfmock.apis.miso.runner import EventIds, RunFacts, StreamOptions, script_run, stream_run
from wfmock.data.miso_outputs import demo_answer
from wfmock.ids import IdFactory
from wfmock.pipeline.connection import DropConnection
from wfmock.openapi import sse

APPS = AppRegistry.load(Path(__file__).resolve().parents[3] / "fixtures" / "apps")


def make_plan(options: StreamOptions, failed_node=None, app_name: str = "demo"):
    app = next(a for a in APPS.apps if a.name == app_name)
    inputs = {"query": "부가세 신고 기간 알려줘"}
    facts = RunFacts("run-1", inputs, {"sys.user_id": "u"}, 1_767_225_600, {"id": "eu", "user": "u"})
    return script_run(app, facts, demo_answer(inputs, {}, "seed"), IdFactory(1), options, failed_node=failed_node)


async def collect(plan, options, stop=None, stop_after=None):
    stop = stop or asyncio.Event()
    ended: list[str] = []
    frames: list[bytes] = []
    async for frame in stream_run(plan, EventIds("run-1", "task-1"), options, stop, ended.append):
        frames.append(frame)
        if stop_after is not None and len(frames) == stop_after:
            stop.set()
    return sse.parse(b"".join(frames)).events, ended


def names(events):
    return [e.payload["event"] if e.payload else e.name for e in events]


def test_grammar_of_a_successful_stream() -> None:
    options = StreamOptions(pace=0)
    events, ended = asyncio.run(collect(make_plan(options), options))
    kinds = names(events)
    assert kinds[0] == "workflow_started" and kinds[-1] == "workflow_finished"
    assert kinds.count("node_started") == kinds.count("node_finished") == 3
    assert "text_chunk" in kinds
    assert {e.payload["task_id"] for e in events} == {"task-1"}
    finished = events[-1].payload["data"]
    text = "".join(e.payload["data"]["text"] for e in events if e.payload["event"] == "text_chunk")
    assert finished["status"] == "succeeded" and finished["outputs"] == {"text": text}
    assert ended == ["succeeded"]


def test_failed_node_ends_the_run_failed() -> None:
    options = StreamOptions(pace=0)
    events, ended = asyncio.run(collect(make_plan(options, failed_node=2), options))
    kinds = names(events)
    assert kinds[-2:] == ["node_finished", "workflow_finished"]
    assert events[-2].payload["data"]["status"] == "failed"
    assert events[-1].payload["data"]["status"] == "failed" and events[-1].payload["data"]["outputs"] is None
    assert "text_chunk" not in kinds and ended == ["failed"]


def test_stop_ends_with_workflow_finished_stopped() -> None:
    options = StreamOptions(pace=1.0)
    events, ended = asyncio.run(collect(make_plan(options), options, stop_after=4))
    assert names(events)[-1] == "workflow_finished"
    assert events[-1].payload["data"]["status"] == "stopped"
    assert events[-1].payload["data"]["error"] == "Stopped by user."
    assert ended == ["stopped"]
    planned = make_plan(options).steps[-1].data["elapsed_time"]
    assert 0 <= events[-1].payload["data"]["elapsed_time"] < planned, "a stopped run reports the time it really ran"


def test_error_event_after_n_events_has_no_task_id() -> None:
    options = StreamOptions(pace=0, error_after=3)
    events, ended = asyncio.run(collect(make_plan(options), options))
    assert len(events) == 4 and events[-1].payload["event"] == "error"
    assert "task_id" not in events[-1].payload and events[-1].payload["status"] == 500
    assert ended == ["failed"]


def test_disconnect_after_n_events_raises_abort() -> None:
    options = StreamOptions(pace=0, disconnect_after=2)
    with pytest.raises(DropConnection):
        asyncio.run(collect(make_plan(options), options))


def test_pings_arrive_while_a_slow_stream_waits() -> None:
    slow = StreamOptions(pace=0, ping_interval=0.02, event_delay=0.03)
    events, _ = asyncio.run(collect(make_plan(slow), slow))
    assert "ping" in names(events)
    assert names(events)[-1] == "workflow_finished"


def test_chunk_size_shapes_text_chunks() -> None:
    options = StreamOptions(pace=0, chunk_size=1)
    events, _ = asyncio.run(collect(make_plan(options), options))
    chunks = [e.payload["data"]["text"] for e in events if e.payload and e.payload["event"] == "text_chunk"]
    assert chunks and all(len(c) == 1 for c in chunks)


@pytest.mark.parametrize("app_name", [a.name for a in APPS.apps])
@pytest.mark.parametrize("failed_node", [None, 1, 2, "llm", 99])
@pytest.mark.parametrize("chunk_size", [1, 4, 7])
def test_a_blocking_plan_without_events_ends_exactly_like_the_full_timeline(app_name, failed_node,
                                                                             chunk_size) -> None:
    """A blocking run skips building its events (it never streams them); nothing it reports may change."""
    app = next(a for a in APPS.apps if a.name == app_name)
    inputs = {"query": "부가세 신고 기간 알려줘"}
    plans, next_ids = [], []
    for timeline in (True, False):
        ids = IdFactory(7)
        facts = RunFacts("run-1", inputs, {}, 1_767_225_600, {"id": "eu", "user": "u"})
        plans.append(script_run(app, facts, demo_answer(inputs, {}, "seed"), ids, StreamOptions(chunk_size=chunk_size),
                                failed_node=failed_node, timeline=timeline))
        next_ids.append(ids.uuid4())  # the ids drawn after the plan (the log entry's) stay the same
    full, outcome = plans
    assert (outcome.status, outcome.outputs, outcome.error, outcome.total_tokens, outcome.total_steps,
            outcome.elapsed) == (full.status, full.outputs, full.error, full.total_tokens, full.total_steps,
                                 full.elapsed)
    assert outcome.steps[-1].data == full.steps[-1].data and next_ids[0] == next_ids[1]
