"""Shared round trips (`wfmock.store.batching`): each caller gets what it would have got alone.

`JoinedRead` is tested over a counting coroutine (its rule is about the event loop, not Redis); the script
batch and the Redis store's use of both against a real `redis-server`.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from tests.redis_support import RedisProcess
from wfmock.store.batching import JoinedRead, ScriptBatch
from wfmock.store.redis import RedisStore


def test_callers_in_one_loop_step_share_a_read_and_later_ones_get_a_new_one() -> None:
    async def go() -> tuple[list[int], list[int], int]:
        value = 0
        reads = 0

        async def read() -> int:
            nonlocal reads
            reads += 1
            seen = value  # what the store holds when the read reaches it
            await asyncio.sleep(0.01)
            return seen

        joined = JoinedRead(read)
        first = [asyncio.ensure_future(joined()) for _ in range(5)]
        await asyncio.sleep(0.001)  # the shared read has been sent
        value = 1  # a change after that read was sent ...
        second = [asyncio.ensure_future(joined()) for _ in range(3)]  # ... is seen by everyone who asks now
        return list(await asyncio.gather(*first)), list(await asyncio.gather(*second)), reads

    first, second, reads = asyncio.run(go())
    assert first == [0] * 5 and second == [1] * 3 and reads == 2


def test_a_failed_read_reaches_every_caller_and_a_cancelled_caller_does_not_cancel_the_others() -> None:
    async def go() -> tuple[list[object], list[object]]:
        async def failing() -> int:
            await asyncio.sleep(0.01)
            raise ConnectionError("down")

        failed = JoinedRead(failing)
        errors = await asyncio.gather(*(failed() for _ in range(3)), return_exceptions=True)

        async def slow() -> int:
            await asyncio.sleep(0.02)
            return 7

        shared = JoinedRead(slow)
        leaving, staying = asyncio.ensure_future(shared()), asyncio.ensure_future(shared())
        await asyncio.sleep(0.005)
        leaving.cancel()  # its client went away
        return errors, list(await asyncio.gather(leaving, staying, return_exceptions=True))

    errors, outcomes = asyncio.run(go())
    assert [type(error) for error in errors] == [ConnectionError] * 3
    assert isinstance(outcomes[0], asyncio.CancelledError) and outcomes[1] == 7


ECHO = "return {KEYS[1], ARGV[1]}"
FAIL_ON_BAD = "if ARGV[1] == 'bad' then return redis.error_reply('bad argument') end return ARGV[1]"


def _batch(client: aioredis.Redis) -> tuple[ScriptBatch, list[int]]:
    sizes: list[int] = []
    scripts = {"echo": client.register_script(ECHO), "fail": client.register_script(FAIL_ON_BAD)}

    def pipeline() -> object:
        pipe = client.pipeline(transaction=False)
        execute = pipe.execute

        async def counted(raise_on_error: bool = True) -> list[object]:
            replies = await execute(raise_on_error=raise_on_error)
            sizes.append(len(replies))
            return replies

        pipe.execute = counted  # type: ignore[method-assign]
        return pipe

    return ScriptBatch(pipeline, lambda: scripts), sizes


def test_scripts_asked_for_in_one_loop_step_go_in_one_pipeline_each_caller_with_its_own_reply(
        redis: RedisProcess) -> None:
    async def go() -> tuple[list[object], list[object], list[int]]:
        client = aioredis.Redis.from_url(redis.url)
        try:
            await client.script_flush()  # the first batch finds the scripts unknown: loaded, then run
            batch, sizes = _batch(client)
            echoes = await asyncio.gather(*(batch.run("echo", [f"k{i}"], [i]) for i in range(20)))
            mixed = await asyncio.gather(batch.run("fail", [], ["ok"]), batch.run("fail", [], ["bad"]),
                                         batch.run("echo", ["k"], ["x"]), return_exceptions=True)
            return list(echoes), list(mixed), sizes
        finally:
            await client.aclose()

    echoes, mixed, sizes = asyncio.run(go())
    assert echoes == [[f"k{i}".encode(), str(i).encode()] for i in range(20)]
    assert mixed[0] == b"ok" and isinstance(mixed[1], ResponseError) and "bad argument" in str(mixed[1])
    assert mixed[2] == [b"k", b"x"]
    # 20 calls of an unknown script, then the same 20 after loading it (1 load + 20); the second batch's 3,
    # then its 2 calls of the other script, unknown so far (1 load + 2); the echo that ran is not run again
    assert sizes == [20, 21, 3, 3]


def test_a_batch_on_a_stopped_redis_fails_every_caller_then_works_once_it_is_back(redis: RedisProcess) -> None:
    async def go() -> tuple[list[object], list[object]]:
        client = aioredis.Redis.from_url(redis.url, socket_timeout=2, socket_connect_timeout=2)
        try:
            batch, _ = _batch(client)
            redis.stop()
            try:
                down = await asyncio.gather(*(batch.run("echo", ["k"], [i]) for i in range(3)),
                                            return_exceptions=True)
            finally:
                redis.start()
            back = await asyncio.gather(*(batch.run("echo", ["k"], [i]) for i in range(3)))
            return list(down), list(back)
        finally:
            await client.aclose()

    down, back = asyncio.run(go())
    assert all(isinstance(error, Exception) for error in down)
    assert back == [[b"k", str(i).encode()] for i in range(3)]


def test_the_store_reads_the_scenario_once_for_requests_arriving_together(redis: RedisProcess) -> None:
    async def go() -> tuple[list[object], list[object], str, int]:
        store = RedisStore(redis.url, prefix="wfmock-batching")
        reads = 0
        original = store._read_scenario

        async def counting() -> object:
            nonlocal reads
            reads += 1
            return await original()

        store._scenario_read = JoinedRead(counting)
        try:
            before = await asyncio.gather(*(store.scenario() for _ in range(10)))
            version = await store.publish_scenario({"name": "flaky"})
            after = await asyncio.gather(*(store.scenario() for _ in range(10)))
            return list(before), [item[0] for item in after if item is not None], version, reads
        finally:
            await store.reset()
            await store.client.delete(store.key("scenario"))
            await store.close()

    before, after, version, reads = asyncio.run(go())
    assert before == [None] * 10 and after == [version] * 10 and reads == 2
