"""The proxy's judging backlog (wfmock.proxy.backlog): a stream's event arrivals read back from the relay's chunk
marks, exchanges judged on the loop once it is quiet, in arrival order, the rest by `drain`, and the shedding of
per-event schemas past the backlog limit."""

from __future__ import annotations

import asyncio
import threading

from wfmock.proxy import backlog
from wfmock.proxy.backlog import Backlog, arrivals
from wfmock.proxy.checks import SHED_BACKLOG, Verdict
from wfmock.proxy.exchange import Recorded


def test_arrivals_are_read_from_the_chunk_marks() -> None:
    """Events complete in the chunk that brings their blank line, a CRLF split across chunks included; a comment
    is no event."""
    chunks = [(b"data: 1\n", 1.0), (b"\ndata: 2\r", 2.0), (b"\n\r\n: ping\n\ndata: 3\n\n", 3.0), (b"data: 4", 4.0)]
    content, marks = b"", []
    for chunk, at in chunks:
        content += chunk
        marks.append((len(content), at))
    assert arrivals(content, marks) == [2.0, 3.0, 3.0]


class RecordingJudge:
    def __init__(self) -> None:
        self.judged: list[tuple[str, bool, list[float]]] = []
        self.threads: list[str] = []

    def judge(self, exchange: Recorded, light: bool = False) -> Verdict:
        self.judged.append((exchange.path, light, exchange.arrivals))
        self.threads.append(threading.current_thread().name)
        return Verdict(None, None, (), ())


def exchange(index: int) -> Recorded:
    return Recorded(method="GET", path=f"/{index}", query="", headers=[], body=b"", upstream="http://up",
                    content=b"data: x\n\n")


def test_the_loop_judges_in_order_once_quiet_and_drain_judges_the_rest() -> None:
    judge, settled = RecordingJudge(), []
    queue = Backlog(judge, lambda e, v: settled.append(e.path), lambda: None)  # type: ignore[arg-type]

    async def traffic() -> None:
        for index in range(3):
            queue.add(exchange(index), [(9, float(index))])
        while queue.unfinished:
            await asyncio.sleep(0.01)  # quiet: the backlog's probe comes back on time
        queue.add(exchange(3))  # left when the loop ends

    asyncio.run(traffic())
    assert settled == ["/0", "/1", "/2"] and queue.unfinished == 1
    queue.drain()
    assert settled == ["/0", "/1", "/2", "/3"] and queue.unfinished == 0
    assert [arrived for _, _, arrived in judge.judged[:3]] == [[0.0], [1.0], [2.0]]


def test_a_long_backlog_sheds_per_event_schemas_and_a_full_one_counts_what_it_drops(monkeypatch) -> None:
    judge, dropped = RecordingJudge(), []
    monkeypatch.setattr(backlog, "MAX_WAITING", SHED_BACKLOG + 5)
    queue = Backlog(judge, lambda e, v: None, lambda: dropped.append(1))  # type: ignore[arg-type]

    async def burst() -> None:
        for index in range(SHED_BACKLOG + 10):
            queue.add(exchange(index))

    asyncio.run(burst())
    queue.drain()
    lights = [light for _, light, _ in judge.judged]
    assert len(lights) == SHED_BACKLOG + 5 and len(dropped) == 5
    assert lights[0] and not lights[-1]


def test_an_exchange_with_a_large_body_is_judged_on_a_thread_the_rest_on_the_loop() -> None:
    judge, settled = RecordingJudge(), []
    queue = Backlog(judge, lambda e, v: settled.append(e.path), lambda: None)  # type: ignore[arg-type]
    large = exchange(1)
    large.content = b"x" * backlog.LARGE

    async def traffic() -> str:
        for item in (exchange(0), large, exchange(2)):
            queue.add(item)
        while queue.unfinished:
            await asyncio.sleep(0.01)
        return threading.current_thread().name

    loop_thread = asyncio.run(traffic())
    assert settled == ["/0", "/1", "/2"]
    assert judge.threads[0] == judge.threads[2] == loop_thread and judge.threads[1] != loop_thread
