"""The in-memory store through its interface: record lists newest first, logs appended in batches, one reset."""

from __future__ import annotations

import asyncio

import pytest

from wfmock.journal import Journal
from wfmock.store import Codec, MemoryStore

SAME: Codec[str] = Codec(dump=lambda value: {"v": value}, load=lambda data: data["v"])


def test_records_list_the_newest_first_within_the_limit() -> None:
    records = MemoryStore().records("things", SAME, retain=3, retain_bytes=10_000)

    async def go() -> tuple[list[str], list[str]]:
        for index in range(5):
            await records.put(f"k{index}", f"v{index}", 1)
        await records.put("k2", "v2 again", 1)  # a rewrite makes it the newest
        return await records.newest(2), await records.newest(0)

    assert asyncio.run(go()) == (["v2 again", "v4"], [])


def test_a_log_takes_a_batch_in_order_and_forgets_it_all() -> None:
    log = MemoryStore().log("lines", SAME, retain=3, retain_bytes=10_000)

    async def go() -> tuple[tuple[int, list[str]], tuple[int, list[str]]]:
        await log.add_many([(f"line {index}", 1) for index in range(5)])
        kept = await log.page(None, 0, 10)
        await log.forget_all()
        return kept, await log.page(None, 0, 10)

    kept, forgotten = asyncio.run(go())
    assert kept == (3, ["line 4", "line 3", "line 2"]) and forgotten == (0, [])


def test_reset_forgets_what_every_record_store_and_log_holds() -> None:
    store = MemoryStore()
    records = store.records("things", SAME, retain=10, retain_bytes=10_000)
    log = store.log("lines", SAME, retain=10, retain_bytes=10_000)

    async def go() -> tuple[str | None, str | None, bool, int]:
        await records.put("k", "v", 1)
        await log.add("line", 1)
        await store.charge("credits", 3, 1)
        await store.count("rule")
        await store.reset()
        return await records.fetch("k"), await log.newest(), await store.balance("credits") is None, \
            await store.count("rule")

    assert asyncio.run(go()) == (None, None, True, 1)


def test_the_journal_on_the_memory_store_searches_its_own_entries() -> None:
    journal = Journal(capacity=3, store=MemoryStore())

    async def go() -> list[dict]:
        for status in (200, 404, 200, 404, 200):
            journal.record(api="imprun", operation_id="getWorkflow", status=status, path="/v2/workflows/x")
        return await journal.search(status=404, limit=5)

    assert [entry["seq"] for entry in asyncio.run(go())] == [4]  # capacity 3: only seq 3..5 are kept
    with pytest.raises(ValueError):
        journal.find(limit=0)
