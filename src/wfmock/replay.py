"""Answers a scenario rule's `replay`: a response recorded by `wfmock proxy --record`, as it was recorded.

A whole body is answered as is; a stream sends each recorded event at its recorded offset from the start (through
the mock's clock, so `--pace`-free: the deployment's own pacing, and a fake clock in tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from wfmock.clock import Clock
from wfmock.pipeline.replies import JSON, Reply, StreamReply
from wfmock.scenario.plan import Replay

NOT_REPLAYED = frozenset({"content-length", "content-type", "content-encoding", "transfer-encoding", "connection",
                          "date", "server", "keep-alive"})


def replay_reply(replay: Replay, clock: Clock) -> Reply | StreamReply:
    headers = {name: value for name, value in replay.headers if name.lower() not in NOT_REPLAYED}
    media = next((value for name, value in replay.headers if name.lower() == "content-type"), JSON)
    if replay.events is None:
        return Reply(replay.status, replay.body, headers, media_type=JSON if "json" in media else media)
    return StreamReply(frames=_frames(replay, clock), status=replay.status, headers=headers, media_type=media)


async def _frames(replay: Replay, clock: Clock) -> AsyncIterator[bytes]:
    sent_at = 0.0
    for at, event, data in replay.events or ():
        if at > sent_at:
            await clock.sleep(at - sent_at)
            sent_at = at
        lines = [f"event: {event}"] if event else []
        if data is not None:
            lines += [f"data: {line}" for line in data.split("\n")]
        yield ("\n".join(lines) + "\n\n").encode("utf-8")
