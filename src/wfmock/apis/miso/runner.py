"""Executes an app's node graph as a timeline of Dify events; blocking runs read its end, streams pace it.

`plan_run` decides everything up front (events, outputs, tokens, simulated durations) from the app,
the inputs, the answer and the scenario's outcome. `stream_run` then sends that timeline as SSE
frames, paced, with pings, stop requests and the scenario's stream shaping applied.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from wfmock.apis.miso.apps import App
from wfmock.data.miso_outputs import Answer, split_chunks
from wfmock.ids import IdFactory
from wfmock.pipeline.connection import DropConnection
from wfmock.openapi import sse

NODE_SECONDS = {"start": 0.02, "end": 0.02, "llm": 0.25, "document-extractor": 0.15, "code": 0.05}
DEFAULT_CHUNK_SIZE = 4
DEFAULT_CHUNK_SECONDS = 0.025
DEFAULT_PING_SECONDS = 10.0
STOPPED_BY_USER = "Stopped by user."
SHUTTING_DOWN = "The server is shutting down."


class StopSignal(asyncio.Event):
    """A stop request for one streaming run, with the reason its final event reports.

    `pause` waits for a stop or a timeout with one future and one timer: `asyncio.wait_for` would
    add a task per wait, which at 10,000 streams pinging every second is most of the server's time.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reason = STOPPED_BY_USER
        self._sleepers: set[asyncio.Future[None]] = set()

    def stop(self, reason: str = STOPPED_BY_USER) -> None:
        if not self.is_set():
            self.reason = reason
        self.set()

    def set(self) -> None:
        super().set()
        for sleeper in self._sleepers:
            if not sleeper.done():
                sleeper.set_result(None)

    async def pause(self, seconds: float) -> None:
        """Returns after `seconds`, or as soon as the signal is set."""
        if self.is_set():
            return
        loop = asyncio.get_running_loop()
        sleeper: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(seconds, _wake, sleeper)
        self._sleepers.add(sleeper)
        try:
            await sleeper
        finally:
            timer.cancel()
            self._sleepers.discard(sleeper)


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    if isinstance(stop, StopSignal):
        await stop.pause(seconds)
        return
    try:  # a plain Event (tests): the general, costlier way
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


@dataclass(slots=True)
class Step:
    """One event of the timeline: wait `delay` simulated seconds, then send `data` as `event`."""

    delay: float
    event: str
    data: dict[str, Any]


@dataclass(slots=True)
class RunPlan:
    """A run decided in advance: its timeline and how it ends."""

    steps: list[Step]
    status: str
    outputs: dict[str, Any] | None
    error: str | None
    total_tokens: int
    total_steps: int
    elapsed: float
    node_steps: int = 0


@dataclass(slots=True)
class StreamOptions:
    """How the stream is paced and shaped (from `--pace` and the scenario's stream shaping)."""

    pace: float = 1.0
    event_delay: float = 0.0
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_interval: float = DEFAULT_CHUNK_SECONDS
    ping_interval: float = DEFAULT_PING_SECONDS
    error_after: int | None = None
    error_code: str = "internal_server_error"
    error_status: int = 500
    error_message: str = "Internal Server Error, please contact support."
    disconnect_after: int | None = None
    stall_after: int | None = None
    stall_seconds: float = 0.0


@dataclass(slots=True)
class Envelope:
    """The ids every event carries."""

    workflow_run_id: str
    task_id: str
    extras: dict[str, Any] = field(default_factory=dict)


def plan_run(
    app: App,
    *,
    run_id: str,
    inputs: dict[str, Any],
    system: dict[str, Any],
    answer: Answer,
    created_at: float,
    ids: IdFactory,
    options: StreamOptions,
    created_by: dict[str, Any],
    failed_node: str | int | None = None,
    failure_message: str | None = None,
    timeline: bool = True,
) -> RunPlan:
    """The whole timeline of a run of `app`, ending succeeded, or failed at `failed_node`.

    `timeline=False` (a blocking run, which never streams) decides the same outcome, totals and ids
    without building the events: only the final `workflow_finished` step is kept.
    """
    if not timeline:
        return _outcome_only(app, run_id, answer, created_at, ids, options, created_by, failed_node,
                             failure_message)
    steps: list[Step] = [Step(0.0, "workflow_started", {
        "id": run_id,
        "workflow_id": app.workflow_id,
        "sequence_number": 1,
        "inputs": {**inputs, **system},
        "created_at": int(created_at),
    })]
    clock = 0.0
    predecessor: str | None = None
    failing_index = _failing_index(app, failed_node)
    status, error, node_steps = "succeeded", None, 0
    text_node = app.text_node
    for index, node in enumerate(app.nodes, start=1):
        execution_id = ids.uuid4()
        started_at = created_at + clock
        steps.append(Step(0.0, "node_started", {
            "id": execution_id, "node_id": node.id, "node_type": node.type, "title": node.title,
            "index": index, "predecessor_node_id": predecessor, "inputs": None,
            "created_at": int(started_at), "extras": {},
            "parallel_id": None, "parallel_start_node_id": None, "parent_parallel_id": None,
            "parent_parallel_start_node_id": None, "iteration_id": None, "parallel_run_id": None,
        }))
        node_steps += 1
        seconds = NODE_SECONDS.get(node.type, 0.05)
        outputs: dict[str, Any] | None = _node_outputs(node.type, inputs, answer)
        failed = index == failing_index
        if node is text_node and not failed:
            for piece in split_chunks(answer.text, options.chunk_size):
                steps.append(Step(options.chunk_interval, "text_chunk", {
                    "text": piece, "from_variable_selector": [node.id, "text"],
                }))
                clock += options.chunk_interval
        clock += seconds
        node_error = None
        if failed:
            node_error = failure_message or f"Node {node.title} run failed: simulated failure"
            outputs, status, error = None, "failed", node_error
        steps.append(Step(seconds, "node_finished", {
            "id": execution_id, "node_id": node.id, "node_type": node.type, "title": node.title,
            "index": index, "predecessor_node_id": predecessor,
            "inputs": dict(inputs) if node.type != "start" else None,
            "process_data": None, "outputs": outputs,
            "status": "failed" if failed else "succeeded", "error": node_error,
            "elapsed_time": round(seconds, 6),
            "execution_metadata": _usage(node.type, answer) if not failed else None,
            "created_at": int(started_at), "finished_at": int(created_at + clock), "files": [],
            "parallel_id": None, "parallel_start_node_id": None, "parent_parallel_id": None,
            "parent_parallel_start_node_id": None, "iteration_id": None,
        }))
        predecessor = node.id
        if failed:
            break
    final_outputs = {app.output_name: answer.text} if status == "succeeded" else None
    tokens = answer.total_tokens if status == "succeeded" else 0
    steps.append(Step(0.0, "workflow_finished", {
        "id": run_id, "workflow_id": app.workflow_id, "sequence_number": 1,
        "status": status, "outputs": final_outputs, "error": error,
        "elapsed_time": round(clock, 6), "total_tokens": tokens, "total_steps": node_steps,
        "created_by": created_by, "created_at": int(created_at), "finished_at": int(created_at + clock),
        "exceptions_count": 0, "files": [],
    }))
    return RunPlan(steps, status, final_outputs, error, tokens, node_steps, clock, node_steps)


def _outcome_only(app: App, run_id: str, answer: Answer, created_at: float, ids: IdFactory,
                  options: StreamOptions, created_by: dict[str, Any], failed_node: str | int | None,
                  failure_message: str | None) -> RunPlan:
    """`plan_run`'s result without its events: same ids drawn, same clock arithmetic, same ending."""
    clock = 0.0
    failing_index = _failing_index(app, failed_node)
    status, error, node_steps = "succeeded", None, 0
    chunk_count = -(-len(answer.text) // max(1, options.chunk_size))
    for index, node in enumerate(app.nodes, start=1):
        ids.uuid4()  # the node execution's id: drawn as a stream would, so seeded ids stay the same
        node_steps += 1
        failed = index == failing_index
        if node is app.text_node and not failed:
            for _ in range(chunk_count):
                clock += options.chunk_interval
        clock += NODE_SECONDS.get(node.type, 0.05)
        if failed:
            status = "failed"
            error = failure_message or f"Node {node.title} run failed: simulated failure"
            break
    final_outputs = {app.output_name: answer.text} if status == "succeeded" else None
    tokens = answer.total_tokens if status == "succeeded" else 0
    finished = Step(0.0, "workflow_finished", {
        "id": run_id, "workflow_id": app.workflow_id, "sequence_number": 1,
        "status": status, "outputs": final_outputs, "error": error,
        "elapsed_time": round(clock, 6), "total_tokens": tokens, "total_steps": node_steps,
        "created_by": created_by, "created_at": int(created_at), "finished_at": int(created_at + clock),
        "exceptions_count": 0, "files": [],
    })
    return RunPlan([finished], status, final_outputs, error, tokens, node_steps, clock, node_steps)


def pace_plan(plan: RunPlan, options: StreamOptions) -> None:
    """A streamed run reports the time its stream really takes (the plan's time scaled by the pace, plus any
    per-event delay), not the simulated time: a run that claims seconds but arrives at once is what a buffering
    proxy looks like to a client that compares the two. At `--pace 0` a stream reports (about) 0 s."""
    for step in plan.steps:
        if step.event == "node_finished" and isinstance(step.data.get("elapsed_time"), (int, float)):
            step.data["elapsed_time"] = round(step.data["elapsed_time"] * options.pace, 6)
    seconds = sum(step.delay for step in plan.steps) * options.pace + options.event_delay * len(plan.steps)
    if options.stall_after is not None and options.stall_after < len(plan.steps):
        seconds += options.stall_seconds
    plan.elapsed = round(seconds, 6)
    plan.steps[-1].data["elapsed_time"] = plan.elapsed


def _failing_index(app: App, failed_node: str | int | None) -> int | None:
    if failed_node is None:
        return None
    if isinstance(failed_node, int):
        return min(max(failed_node, 1), len(app.nodes))
    for index, node in enumerate(app.nodes, start=1):
        if failed_node in (node.id, node.title, node.type):
            return index
    return None


def _node_outputs(node_type: str, inputs: dict[str, Any], answer: Answer) -> dict[str, Any]:
    if node_type == "start":
        return dict(inputs)
    if node_type in ("llm", "agent"):
        return {"text": answer.text, "usage": {"prompt_tokens": answer.prompt_tokens,
                                               "completion_tokens": answer.completion_tokens,
                                               "total_tokens": answer.total_tokens}}
    if node_type == "end":
        return {"text": answer.text}
    return {"text": "", "result": "ok"}


def _usage(node_type: str, answer: Answer) -> dict[str, Any] | None:
    if node_type not in ("llm", "agent"):
        return None
    return {"total_tokens": answer.total_tokens, "total_price": round(answer.total_tokens * 0.000002, 7),
            "currency": "USD"}


async def stream_run(
    plan: RunPlan,
    envelope: Envelope,
    options: StreamOptions,
    stop: asyncio.Event,
    on_end: Callable[[str], Awaitable[None] | None],
) -> AsyncIterator[bytes]:
    """Yields the plan as SSE frames, paced; ends with `workflow_finished` (or an `error` event).

    `on_end(status)` is called exactly once with the status the run ends in: the plan's own, or
    "stopped" when a stop request arrived first. A client that goes away does not stop the run.
    """
    loop = asyncio.get_running_loop()
    last_ping = began_run = loop.time()
    sent = 0
    ended = False
    try:
        for step in plan.steps:
            wait = step.delay * options.pace + options.event_delay
            if options.stall_after is not None and sent == options.stall_after:
                wait += options.stall_seconds
            while wait > 0:
                slice_ = min(wait, max(options.ping_interval - (loop.time() - last_ping), 0.001))
                began = loop.time()
                await _pause(stop, slice_)
                wait -= loop.time() - began
                if stop.is_set():
                    break
                if loop.time() - last_ping >= options.ping_interval:
                    last_ping = loop.time()
                    yield sse.PING
            if stop.is_set():
                ended = True
                await _call(on_end, "stopped")
                reason = stop.reason if isinstance(stop, StopSignal) else STOPPED_BY_USER
                yield sse.frame(_event("workflow_finished", envelope, _stopped(plan.steps[-1].data, reason,
                                                                                   loop.time() - began_run)))
                return
            if options.error_after is not None and sent >= options.error_after:
                ended = True
                await _call(on_end, "failed")
                yield sse.frame({
                    "event": "error", "workflow_run_id": envelope.workflow_run_id,
                    "code": options.error_code, "message": options.error_message, "status": options.error_status,
                })
                return
            if options.disconnect_after is not None and sent >= options.disconnect_after:
                raise DropConnection()
            if step.event == "workflow_finished":
                ended = True
                await _call(on_end, plan.status)
            yield sse.frame(_event(step.event, envelope, step.data))
            sent += 1
    finally:
        if not ended:
            await _call(on_end, plan.status)


async def _call(on_end: Callable[[str], Awaitable[None] | None], status: str) -> None:
    """`on_end` may be a plain function (tests) or a coroutine function (the API writing to its store)."""
    result = on_end(status)
    if inspect.isawaitable(result):
        await result


def _event(name: str, envelope: Envelope, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": name, "workflow_run_id": envelope.workflow_run_id, "task_id": envelope.task_id, "data": data}


def _stopped(finished: dict[str, Any], reason: str, elapsed: float) -> dict[str, Any]:
    """The planned `workflow_finished`, as a stop leaves it: no outputs, and the time the run really took."""
    return {**finished, "status": "stopped", "outputs": None, "error": reason, "total_tokens": 0,
            "elapsed_time": round(elapsed, 6)}
