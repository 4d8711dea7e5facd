"""Executes an app's node graph as a timeline of Dify events; blocking runs read its end, streams pace it.

`script_run` decides everything up front (events, outputs, tokens, simulated durations) from the app,
the inputs, the answer and the scenario's outcome. `stream_run` then sends that script as SSE
frames, paced, with pings, stop requests and the scenario's stream shaping applied.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from wfmock.apis.miso.apps import App, Node
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
class RunScript:
    """A run decided in advance: the events it will send (`steps`) and how it ends."""

    steps: list[Step]
    status: str
    outputs: dict[str, Any] | None
    error: str | None
    total_tokens: int
    total_steps: int
    elapsed: float

    def without_steps(self) -> RunScript:
        """What the run's end needs (its status, outputs, error, totals and time): the events stay with the stream."""
        return RunScript([], self.status, self.outputs, self.error, self.total_tokens, self.total_steps, self.elapsed)


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


@dataclass(frozen=True, slots=True)
class EventIds:
    """The ids every event of a stream carries."""

    workflow_run_id: str
    task_id: str


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What a run's events say about it beyond its nodes: its ids, inputs, start and who started it."""

    run_id: str
    inputs: dict[str, Any]
    system: dict[str, Any]
    created_at: float
    created_by: dict[str, Any]


def script_run(app: App, facts: RunFacts, answer: Answer, ids: IdFactory, options: StreamOptions, *,
               failed_node: str | int | None = None, failure_message: str | None = None,
               timeline: bool = True) -> RunScript:
    """The whole timeline of a run of `app`, ending succeeded, or failed at `failed_node`.

    `timeline=False` (a blocking run, which never streams) decides the same outcome, totals, ids and clock
    without building the events: only the final `workflow_finished` step is kept.
    """
    failing_index = _failing_index(app, failed_node)
    pieces = split_chunks(answer.text, options.chunk_size) if timeline else None
    chunk_count = len(pieces) if pieces is not None else -(-len(answer.text) // max(1, options.chunk_size))
    steps = [_workflow_started(app, facts)] if timeline else []
    clock, status, error, node_count, predecessor = 0.0, "succeeded", None, 0, None
    for index, node in enumerate(app.nodes, start=1):
        execution_id = ids.uuid4()  # drawn in both modes, so seeded ids stay the same
        node_count += 1
        failed = index == failing_index
        node_error = (failure_message or f"Node {node.title} run failed: simulated failure") if failed else None
        chunks = chunk_count if node is app.text_node and not failed else 0
        ended = _advance(clock, chunks, options.chunk_interval, NODE_SECONDS.get(node.type, 0.05))
        if pieces is not None:
            node_run = NodeRun(node, index, execution_id, predecessor, facts.created_at + clock,
                               facts.created_at + ended, node_error)
            steps += _node_steps(node_run, facts.inputs, answer, pieces if chunks else [], options.chunk_interval)
        clock, predecessor = ended, node.id
        if failed:
            status, error = "failed", node_error
            break
    outputs = {app.output_name: answer.text} if status == "succeeded" else None
    tokens = answer.total_tokens if status == "succeeded" else 0
    steps.append(Step(0.0, "workflow_finished", {
        "id": facts.run_id, "workflow_id": app.workflow_id, "sequence_number": 1,
        "status": status, "outputs": outputs, "error": error,
        "elapsed_time": round(clock, 6), "total_tokens": tokens, "total_steps": node_count,
        "created_by": facts.created_by, "created_at": int(facts.created_at),
        "finished_at": int(facts.created_at + clock), "exceptions_count": 0, "files": [],
    }))
    return RunScript(steps, status, outputs, error, tokens, node_count, clock)


@dataclass(frozen=True, slots=True)
class NodeRun:
    """One node's execution in a timeline: where it sits, when it ran, and its error when it is the failing one."""

    node: Node
    index: int
    execution_id: str
    predecessor: str | None
    started_at: float
    finished_at: float
    error: str | None


def _advance(clock: float, chunks: int, chunk_interval: float, seconds: float) -> float:
    """The clock after a node that streams `chunks` text chunks and then takes `seconds` (added one by one, as
    the events' delays are)."""
    for _ in range(chunks):
        clock += chunk_interval
    return clock + seconds


def _workflow_started(app: App, facts: RunFacts) -> Step:
    return Step(0.0, "workflow_started", {
        "id": facts.run_id, "workflow_id": app.workflow_id, "sequence_number": 1,
        "inputs": {**facts.inputs, **facts.system}, "created_at": int(facts.created_at),
    })


NO_PARALLEL = {"parallel_id": None, "parallel_start_node_id": None, "parent_parallel_id": None,
               "parent_parallel_start_node_id": None, "iteration_id": None}


def _node_steps(run: NodeRun, inputs: dict[str, Any], answer: Answer, pieces: list[str],
                chunk_interval: float) -> list[Step]:
    """`node_started`, the node's text chunks (the text node's, unless it fails), `node_finished`."""
    node, failed = run.node, run.error is not None
    seconds = NODE_SECONDS.get(node.type, 0.05)
    steps = [Step(0.0, "node_started", {
        "id": run.execution_id, "node_id": node.id, "node_type": node.type, "title": node.title,
        "index": run.index, "predecessor_node_id": run.predecessor, "inputs": None,
        "created_at": int(run.started_at), "extras": {}, **NO_PARALLEL, "parallel_run_id": None,
    })]
    steps += [Step(chunk_interval, "text_chunk", {"text": piece, "from_variable_selector": [node.id, "text"]})
              for piece in pieces]
    steps.append(Step(seconds, "node_finished", {
        "id": run.execution_id, "node_id": node.id, "node_type": node.type, "title": node.title,
        "index": run.index, "predecessor_node_id": run.predecessor,
        "inputs": dict(inputs) if node.type != "start" else None,
        "process_data": None, "outputs": None if failed else _node_outputs(node.type, inputs, answer),
        "status": "failed" if failed else "succeeded", "error": run.error,
        "elapsed_time": round(seconds, 6),
        "execution_metadata": None if failed else _usage(node.type, answer),
        "created_at": int(run.started_at), "finished_at": int(run.finished_at), "files": [], **NO_PARALLEL,
    }))
    return steps


def pace_script(script: RunScript, options: StreamOptions) -> None:
    """A streamed run reports the time its stream really takes (the script's time scaled by the pace, plus any
    per-event delay), not the simulated time: a run that claims seconds but arrives at once is what a buffering
    proxy looks like to a client that compares the two. At `--pace 0` a stream reports (about) 0 s."""
    for step in script.steps:
        if step.event == "node_finished" and isinstance(step.data.get("elapsed_time"), (int, float)):
            step.data["elapsed_time"] = round(step.data["elapsed_time"] * options.pace, 6)
    seconds = sum(step.delay for step in script.steps) * options.pace + options.event_delay * len(script.steps)
    if options.stall_after is not None and options.stall_after < len(script.steps):
        seconds += options.stall_seconds
    script.elapsed = round(seconds, 6)
    script.steps[-1].data["elapsed_time"] = script.elapsed


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
    script: RunScript,
    event_ids: EventIds,
    options: StreamOptions,
    stop: asyncio.Event,
    on_end: Callable[[str], Awaitable[None] | None],
) -> AsyncIterator[bytes]:
    """Yields the script as SSE frames, paced; ends with `workflow_finished` (or an `error` event).

    `on_end(status)` is called exactly once with the status the run ends in: the script's own, or
    "stopped" when a stop request arrived first. A client that goes away does not stop the run.
    """
    loop = asyncio.get_running_loop()
    last_ping = began_run = loop.time()
    sent = 0
    ended = False
    # Every event framed once, up front, and the script let go: a held stream keeps bytes, not each event's dicts,
    # so a full collection walks about half as many objects per held stream (`benchmarks/held_streams.py`).
    timeline = [(step.delay, step.event, sse.frame(_event(step.event, event_ids, step.data))) for step in script.steps]
    finished, status = script.steps[-1].data, script.status
    del script
    try:
        for delay, event, frame in timeline:
            wait = delay * options.pace + options.event_delay
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
                yield sse.frame(_event("workflow_finished", event_ids, _stopped(finished, reason,
                                                                                   loop.time() - began_run)))
                return
            if options.error_after is not None and sent >= options.error_after:
                ended = True
                await _call(on_end, "failed")
                yield sse.frame({
                    "event": "error", "workflow_run_id": event_ids.workflow_run_id,
                    "code": options.error_code, "message": options.error_message, "status": options.error_status,
                })
                return
            if options.disconnect_after is not None and sent >= options.disconnect_after:
                raise DropConnection()
            if event == "workflow_finished":
                ended = True
                await _call(on_end, status)
            yield frame
            sent += 1
    finally:
        if not ended:
            await _call(on_end, status)


async def _call(on_end: Callable[[str], Awaitable[None] | None], status: str) -> None:
    """`on_end` may be a plain function (tests) or a coroutine function (the API writing to its store)."""
    result = on_end(status)
    if inspect.isawaitable(result):
        await result


def _event(name: str, event_ids: EventIds, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": name, "workflow_run_id": event_ids.workflow_run_id, "task_id": event_ids.task_id, "data": data}


def _stopped(finished: dict[str, Any], reason: str, elapsed: float) -> dict[str, Any]:
    """The planned `workflow_finished`, as a stop leaves it: no outputs, and the time the run really took."""
    return {**finished, "status": "stopped", "outputs": None, "error": reason, "total_tokens": 0,
            "elapsed_time": round(elapsed, 6)}
