"""The shared store on Redis (`--store redis://HOST:PORT/DB`): several processes behave as one mock.

Only Redis' own primitives coordinate the processes: Lua scripts for the sliding-window rate limit,
credit balances and bounded records (each atomic), INCR for rule counters, capped lists for the
journal and logs, pub/sub for stopping a stream held by another process, and a TTL on every key.
All keys start with `PREFIX:`, so several mocks share one Redis and `reset` (SCAN + UNLINK) clears
only its own. Any Redis error becomes `StoreUnavailable` (a 503 in the API's envelope); the client
reconnects on the next request once Redis is back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError, WatchError

from wfmock.ratelimit import Decision
from wfmock.store.batching import Combined, JoinedRead, ScriptBatch
from wfmock.store.base import Codec, LogStore, RecordStore, Store, StoreUnavailable, TaskRegistry

logger = logging.getLogger("wfmock")
V = TypeVar("V")
T = TypeVar("T")
DEFAULT_TTL = 24 * 3600.0       # seconds any key lives after its last write
SOCKET_TIMEOUT = 2.0            # a Redis that stops answering is reported within this, not waited on

# Puts records of one store, in order (as that many puts one after the other would, then one trim).
# KEYS: index, bytes, then each record's key. ARGV: ttl, retain, max_bytes, record key prefix, then each record's
# value, size, index member and nx ('1': only if new). Returns, per record, the value it already had under nx, else 0.
PUT_RECORDS = """
local bytes = tonumber(redis.call('GET', KEYS[2]) or '0')
local replies = {}
for i = 3, #KEYS do
  local at = 5 + (i - 3) * 4
  local existed = redis.call('EXISTS', KEYS[i])
  if existed == 1 and ARGV[at + 3] == '1' then
    replies[#replies + 1] = redis.call('GET', KEYS[i])
  else
    redis.call('SET', KEYS[i], ARGV[at], 'EX', ARGV[1])
    if existed == 0 then
      redis.call('RPUSH', KEYS[1], ARGV[at + 2])
      bytes = bytes + tonumber(ARGV[at + 1])
    end
    replies[#replies + 1] = 0
  end
end
local count = redis.call('LLEN', KEYS[1])
while count > 1 and (count > tonumber(ARGV[2]) or bytes > tonumber(ARGV[3])) do
  local member = redis.call('LPOP', KEYS[1])
  local sep = string.find(member, ':', 1, true)
  bytes = bytes - tonumber(string.sub(member, 1, sep - 1))
  redis.call('UNLINK', ARGV[4] .. string.sub(member, sep + 1))
  count = count - 1
end
redis.call('SET', KEYS[2], bytes, 'EX', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return replies
"""

# KEYS: log, bytes. ARGV: ttl, retain, max_bytes, then size|json and size of each item (oldest first).
ADD_LOG = """
local bytes = tonumber(redis.call('GET', KEYS[2]) or '0')
for i = 4, #ARGV, 2 do
  redis.call('RPUSH', KEYS[1], ARGV[i])
  bytes = bytes + tonumber(ARGV[i + 1])
end
local count = redis.call('LLEN', KEYS[1])
while count > 1 and (count > tonumber(ARGV[2]) or bytes > tonumber(ARGV[3])) do
  local item = redis.call('LPOP', KEYS[1])
  bytes = bytes - tonumber(string.sub(item, 1, string.find(item, '|', 1, true) - 1))
  count = count - 1
end
redis.call('SET', KEYS[2], bytes, 'EX', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
"""

# Sliding log per window (a sorted set of admission times): admits only if every window has room.
# KEYS: one set per window. ARGV: now, unique member, then seconds and limit of each window.
# Returns: allowed (1/0), seconds to wait, then each window's count and oldest time after the decision.
ADMIT = """
local now = tonumber(ARGV[1])
local wait = 0
local counts, oldest = {}, {}
for i = 1, #KEYS do
  local seconds, limit = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - seconds)
  counts[i] = redis.call('ZCARD', KEYS[i])
  local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  oldest[i] = first[2] or ''
  if counts[i] >= limit then
    local w = tonumber(first[2]) + seconds - now
    if w > wait then wait = w end
  end
end
local allowed = 0
if wait <= 0 then
  allowed = 1
  for i = 1, #KEYS do
    local seconds = tonumber(ARGV[1 + 2 * i])
    redis.call('ZADD', KEYS[i], now, ARGV[2])
    redis.call('PEXPIRE', KEYS[i], math.ceil(seconds * 1000) + 1000)
    counts[i] = counts[i] + 1
    if oldest[i] == '' then oldest[i] = ARGV[1] end
  end
end
local reply = {allowed, tostring(wait)}
for i = 1, #KEYS do
  reply[#reply + 1] = counts[i]
  reply[#reply + 1] = oldest[i]
end
return reply
"""

# KEYS: balance. ARGV: initial, cost, ttl. Returns 1 when charged, 0 when the balance cannot cover it.
CHARGE = """
local balance = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
local cost = tonumber(ARGV[2])
if balance < cost then
  redis.call('SET', KEYS[1], balance, 'EX', ARGV[3])
  return 0
end
redis.call('SET', KEYS[1], balance - cost, 'EX', ARGV[3])
return 1
"""


def guarded(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Turns a Redis failure into `StoreUnavailable` (a clear 503), never a 500 or a hang."""

    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return await method(*args, **kwargs)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis: {type(error).__name__}: {error}"[:200]) from None

    return wrapper


def _dumps(codec: Codec[Any], value: Any) -> bytes:
    return orjson.dumps(codec.dump(value))


class RedisRecords(RecordStore[V]):
    def __init__(self, store: RedisStore, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> None:
        self.store, self.codec, self.retain, self.retain_bytes = store, codec, retain, retain_bytes
        self.base = store.key(f"rec:{name}:")
        self.index, self.bytes_key = store.key(f"idx:{name}"), store.key(f"bytes:{name}")
        self._puts: Combined[tuple[str, list[Any]], Any] = Combined(self._put_all)

    def _put_item(self, key: str, value: V, size: int, only_new: bool) -> tuple[str, list[Any]]:
        """One record's key and its four arguments of the put script."""
        payload = _dumps(self.codec, value)
        size = size + len(payload)
        return self.base + key, [payload, size, f"{size}:{key}", "1" if only_new else "0"]

    async def _put_all(self, items: list[tuple[str, list[Any]]]) -> list[Any]:
        """This loop step's puts to this store: one script call, one reply each."""
        keys = [self.index, self.bytes_key, *(key for key, _ in items)]
        args = [self.store.ttl, self.retain, self.retain_bytes, self.base, *(arg for _, four in items for arg in four)]
        return list(await self.store.run_script("put", keys, args))

    async def _put(self, key: str, value: V, size: int, only_new: bool, client: Any = None) -> Any:
        """Puts one record (its reply: the value it had under `only_new`, else 0), or queues it on `client`
        (a pipeline)."""
        item = self._put_item(key, value, size, only_new)
        if client is None:
            return await self._puts(item)
        record_key, four = item
        return await self.store.run_script("put", [self.index, self.bytes_key, record_key],
                                           [self.store.ttl, self.retain, self.retain_bytes, self.base, *four],
                                           client=client)

    @guarded
    async def put(self, key: str, value: V, size: int) -> None:
        await self._put(key, value, size, False)

    @guarded
    async def put_new(self, key: str, value: V, size: int) -> V:
        known = await self._put(key, value, size, True)
        return value if not known else self.codec.load(orjson.loads(known))

    @guarded
    async def fetch(self, key: str) -> V | None:
        raw = await self.store.client.get(self.base + key)
        return None if raw is None else self.codec.load(orjson.loads(raw))

    @guarded
    async def fetch_many(self, keys: Iterable[str]) -> dict[str, V]:
        keys = list(keys)
        if not keys:
            return {}
        raws = await self.store.client.mget([self.base + key for key in keys])
        return {key: self.codec.load(orjson.loads(raw)) for key, raw in zip(keys, raws) if raw is not None}

    @guarded
    async def newest(self, limit: int) -> list[V]:
        if limit < 1:
            return []
        members = await self.store.client.lrange(self.index, -limit, -1)
        keys = [member[member.index(b":") + 1:].decode() for member in reversed(members)]
        found = await self.fetch_many(keys)
        return [found[key] for key in keys if key in found]  # a key past its TTL is left out


class RedisLog(LogStore[V]):
    def __init__(self, store: RedisStore, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> None:
        self.store, self.codec, self.retain, self.retain_bytes = store, codec, retain, retain_bytes
        self.list_key, self.bytes_key = store.key(f"log:{name}"), store.key(f"logbytes:{name}")

    def _load(self, item: bytes) -> V:
        return self.codec.load(orjson.loads(item[item.index(b"|") + 1:]))

    def _add_args(self, items: Iterable[tuple[V, int]]) -> list[Any]:
        args: list[Any] = [self.store.ttl, self.retain, self.retain_bytes]
        for item, size in items:
            payload = _dumps(self.codec, item)
            size = size + len(payload)
            args += [b"%d|" % size + payload, size]
        return args

    @guarded
    async def add(self, item: V, size: int) -> None:
        await self.store.run_script("log", [self.list_key, self.bytes_key], self._add_args([(item, size)]))

    async def queue_add(self, pipe: Any, item: V, size: int) -> None:
        await self.store.run_script("log", [self.list_key, self.bytes_key], self._add_args([(item, size)]),
                                    client=pipe)

    @guarded
    async def add_many(self, items: Sequence[tuple[V, int]]) -> None:
        """One script for all of them (atomic, as one add is): one command to encode, not one per item."""
        if items:
            await self.store.run_script("log", [self.list_key, self.bytes_key], self._add_args(items))

    @guarded
    async def forget_all(self) -> None:
        await self.store.client.unlink(self.list_key, self.bytes_key)

    @guarded
    async def newest(self) -> V | None:
        raw = await self.store.client.lindex(self.list_key, -1)
        return None if raw is None else self._load(raw)

    @guarded
    async def page(self, accepts: Callable[[V], bool] | None, offset: int, limit: int) -> tuple[int, list[V]]:
        client = self.store.client
        if accepts is None:  # a slice from the newest end: two commands, whatever the log's length
            async with client.pipeline(transaction=True) as pipe:
                pipe.llen(self.list_key)
                pipe.lrange(self.list_key, -(offset + limit), -(offset + 1))
                total, raws = await pipe.execute()
            return total, [self._load(raw) for raw in reversed(raws)] if offset < total else []
        chosen = [item for item in map(self._load, reversed(await client.lrange(self.list_key, 0, -1)))
                  if accepts(item)]
        return len(chosen), chosen[offset: offset + limit]


class RedisTasks(TaskRegistry):
    """Streams held here, plus a registry in Redis and a pub/sub channel: a stop through any process reaches
    the one holding the stream."""

    def __init__(self, store: RedisStore) -> None:
        super().__init__()
        self.store = store
        self.channel = store.key("stop")
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    def _task_key(self, task_id: str) -> str:
        return self.store.key(f"task:{task_id}")

    async def register(self, task_id: str, app: str, user: str, signal: asyncio.Event) -> None:
        await super().register(task_id, app, user, signal)
        try:
            await self._listen()
            await self.store.client.set(self._task_key(task_id), orjson.dumps([app, user]), ex=int(self.store.ttl))
        except (RedisError, OSError) as error:
            await super().discard(task_id)
            raise StoreUnavailable(f"Redis: {type(error).__name__}: {error}"[:200]) from None

    async def discard(self, task_id: str) -> None:
        await super().discard(task_id)
        try:  # best effort: the key has a TTL, and the run's end must not fail on it
            await self.store.client.unlink(self._task_key(task_id))
        except (RedisError, OSError) as error:
            logger.warning("could not remove task %s from Redis: %s", task_id, error)

    @guarded
    async def stop(self, task_id: str, app: str, user: str) -> None:
        if self.stop_local(task_id, app, user):
            return
        raw = await self.store.client.get(self._task_key(task_id))
        if raw is not None and orjson.loads(raw) == [app, user]:
            await self.store.client.publish(self.channel, task_id)

    async def _listen(self) -> None:
        if self._listener is None or self._listener.done():
            self._subscribed.clear()
            self._listener = asyncio.get_running_loop().create_task(self._receive())
        await asyncio.wait_for(self._subscribed.wait(), SOCKET_TIMEOUT * 2)

    async def _receive(self) -> None:
        """Stops local streams named on the channel; resubscribes after a Redis outage."""
        while True:
            pubsub = self.store.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self.stop_local(message["data"].decode(), None, None)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis away: try again shortly, streams run on meanwhile
                self._subscribed.clear()
                logger.warning("stop channel: %s; resubscribing", error)
                await asyncio.sleep(0.5)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:  # noqa: BLE001 - a broken connection cannot be closed cleanly
                    pass


class RedisStore(Store):
    shared = True

    def __init__(self, url: str, *, prefix: str = "wfmock", ttl: float = DEFAULT_TTL) -> None:
        super().__init__()
        self.url, self.prefix, self.ttl = url, prefix, int(max(ttl, 1))
        self._client: aioredis.Redis | None = None
        self._client_pid = 0
        self._scripts: dict[str, Any] = {}
        self.tasks = RedisTasks(self)
        # concurrent requests share round trips (see `batching`): one scenario read, one pipeline of scripts
        self._scenario_read = JoinedRead(self._read_scenario)
        self._script_batch = ScriptBatch(lambda: self.client.pipeline(transaction=False), self._process_scripts)

    @property
    def client(self) -> aioredis.Redis:
        """One client per process (a worker started by fork or spawn makes its own on first use)."""
        if self._client is None or self._client_pid != os.getpid():
            self._client = aioredis.Redis.from_url(
                self.url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
                health_check_interval=30)
            self._client_pid = os.getpid()
            self._scripts = {name: self._client.register_script(text) for name, text in
                             (("put", PUT_RECORDS), ("log", ADD_LOG), ("admit", ADMIT), ("charge", CHARGE))}
        return self._client

    def key(self, suffix: str) -> str:
        return f"{self.prefix}:{suffix}"

    async def run_script(self, name: str, keys: Sequence[Any], args: Sequence[Any], client: Any = None) -> Any:
        """Runs a registered script: queued on `client` (a pipeline), else in this loop step's batch."""
        if client is not None:
            return await self._process_scripts()[name](keys=list(keys), args=list(args), client=client)
        return await self._script_batch.run(name, keys, args)

    def _process_scripts(self) -> dict[str, Any]:
        """The scripts registered with this process's client (made on first use, and again after a fork)."""
        _ = self.client
        return self._scripts

    def records(self, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> RedisRecords[V]:
        return RedisRecords(self, name, codec, retain, retain_bytes)

    def log(self, name: str, codec: Codec[V], retain: int, retain_bytes: int) -> RedisLog[V]:
        return RedisLog(self, name, codec, retain, retain_bytes)

    @guarded
    async def admit(self, signature: str, windows: Sequence[tuple[float, int]], key: str, now: float) -> Decision:
        keys = [self.key(f"rate:{signature}:{index}:{key}") for index in range(len(windows))]
        args: list[Any] = [repr(now), f"{now!r}:{uuid.uuid4().hex}"]
        for seconds, limit in windows:
            args += [repr(float(seconds)), int(limit)]
        reply = await self.run_script("admit", keys, args)
        allowed, wait = bool(int(reply[0])), float(reply[1])
        counts = [int(reply[2 + 2 * i]) for i in range(len(windows))]
        oldest = [float(reply[3 + 2 * i]) if reply[3 + 2 * i] not in (b"", "") else None
                  for i in range(len(windows))]
        best = min(range(len(windows)), key=lambda i: windows[i][1] - counts[i])
        seconds, limit = windows[best]
        first = oldest[best]
        reset = (first + seconds - now) if counts[best] and first is not None else seconds
        return Decision(allowed, int(limit), max(0, int(limit) - counts[best]), max(reset, 0.0),
                        wait if not allowed else 0.0)

    @guarded
    async def write_once(self, claims: RecordStore[str], key: str,
                         records: Sequence[tuple[RecordStore[Any], str, Any, int]],
                         logs: Sequence[tuple[LogStore[Any], Any, int]]) -> bool:
        """One MULTI/EXEC under WATCH of the claim: Redis runs the claim and every write together or none of
        them, and refuses the transaction when another process claimed `key` in between."""
        async with self.client.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(claims.base + key)
                if await pipe.exists(claims.base + key):
                    return False
                pipe.multi()
                await claims._put(key, uuid.uuid4().hex, 0, True, pipe)
                for store, record_key, value, size in records:
                    await store._put(record_key, value, size, False, pipe)
                for log, item, size in logs:
                    await log.queue_add(pipe, item, size)
                await pipe.execute()
            except WatchError:
                return False
        return True

    @guarded
    async def charge(self, name: str, initial: int, cost: int) -> bool:
        return bool(await self.run_script("charge", [self.key(f"credit:{name}")], [initial, cost, self.ttl]))

    @guarded
    async def balance(self, name: str) -> int | None:
        raw = await self.client.get(self.key(f"credit:{name}"))
        return None if raw is None else int(raw)

    @guarded
    async def count(self, name: str) -> int:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(self.key(f"count:{name}"))
            pipe.expire(self.key(f"count:{name}"), self.ttl)
            value, _ = await pipe.execute()
        return int(value)

    @guarded
    async def scenario(self) -> tuple[str, Any] | None:
        return await self._scenario_read()

    async def _read_scenario(self) -> tuple[str, Any] | None:
        raw = await self.client.get(self.key("scenario"))
        if raw is None:
            return None
        data = orjson.loads(raw)
        return data["version"], data["source"]

    @guarded
    async def publish_scenario(self, source: Any) -> str:
        version = uuid.uuid4().hex
        await self.client.set(self.key("scenario"), orjson.dumps({"version": version, "source": source}))
        return version

    @guarded
    async def reset(self) -> None:
        """Forgets every key under this prefix but the active scenario (other prefixes are untouched)."""
        keep = self.key("scenario").encode()
        batch: list[bytes] = []
        async for name in self.client.scan_iter(match=self.key("*"), count=1000):
            if name != keep:
                batch.append(name)
            if len(batch) >= 1000:
                await self.client.unlink(*batch)
                batch = []
        if batch:
            await self.client.unlink(*batch)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def describe(self) -> dict[str, Any]:
        return {"kind": "redis", "prefix": self.prefix}
