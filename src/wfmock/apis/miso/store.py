"""What a MISO app remembers: end users, uploaded files, workflow runs and their log entries."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import orjson

from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES
from wfmock.store import Codec, LogStore, MemoryStore, RecordStore, Store

TERMINAL = ("succeeded", "failed", "stopped", "partial-succeeded")
HOLDER_GRACE = 2.0  # seconds past a run's planned end its holder has to write the end before readers settle it


@dataclass(slots=True)
class WorkflowRun:
    """One run of an app's workflow, as `GET workflows/run/{id}` and the logs report it."""

    id: str
    task_id: str
    app: str
    workflow_id: str
    version: str
    user: str
    end_user_id: str
    inputs: dict[str, Any]
    created_at: float
    status: str = "running"
    outputs: dict[str, Any] | None = None
    error: str | None = None
    total_tokens: int = 0
    total_steps: int = 0
    elapsed_time: float = 0.0
    finished_at: float | None = None
    log_id: str | None = None
    logged_at: float | None = None
    search_text: str = ""
    # how the run will end (`finish`'s arguments), stored when it starts: any process reading it after the
    # planned end reports that ending, even when the process holding its stream died before writing it
    planned: dict[str, Any] | None = None

    def finish(self, status: str, outputs: dict[str, Any] | None, error: str | None, *,
               tokens: int, steps: int, elapsed: float, log_id: str) -> None:
        self.status, self.outputs, self.error = status, outputs, error
        self.total_tokens, self.total_steps, self.elapsed_time = tokens, steps, round(elapsed, 6)
        self.finished_at = self.created_at + elapsed
        self.log_id, self.logged_at = log_id, self.finished_at
        self.search_text = (
            orjson.dumps(self.inputs).decode() + orjson.dumps(self.outputs or {}).decode() + self.user
        ).lower()

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def as_of(self, now: float) -> WorkflowRun:
        """The run as a read at `now` sees it: still running well past its planned end means the holder never
        wrote the end (its process died), so a copy with the planned ending is reported; else the run itself."""
        if self.finished or self.planned is None or now < self.created_at + self.planned["elapsed"] + HOLDER_GRACE:
            return self
        settled = replace(self)
        settled.finish(**self.planned)
        return settled

    def detail(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "status": self.status,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "error": self.error,
            "total_steps": self.total_steps,
            "total_tokens": self.total_tokens,
            "created_at": int(self.created_at),
            "finished_at": int(self.finished_at) if self.finished_at is not None else None,
            "elapsed_time": self.elapsed_time,
        }

    def log_entry(self) -> dict[str, Any]:
        return {
            "id": self.log_id,
            "workflow_run": {
                "id": self.id,
                "version": self.version,
                "status": self.status,
                "error": self.error,
                "elapsed_time": self.elapsed_time,
                "total_tokens": self.total_tokens,
                "total_steps": self.total_steps,
                "created_at": int(self.created_at),
                "finished_at": int(self.finished_at) if self.finished_at is not None else None,
                "exceptions_count": 0,
            },
            "created_from": "service-api",
            "created_by_role": "end_user",
            "created_by_account": None,
            "created_by_end_user": {
                "id": self.end_user_id,
                "type": "service_api",
                "is_anonymous": False,
                "session_id": self.user,
                "created_at": int(self.created_at),  # the seed lists it; the end user exists since its run at least
            },
            "created_at": int(self.logged_at or self.created_at),
        }


_RUN_FIELDS = tuple(f.name for f in fields(WorkflowRun))
RUN_CODEC: Codec[WorkflowRun] = Codec(
    dump=lambda run: {name: getattr(run, name) for name in _RUN_FIELDS},
    load=lambda data: WorkflowRun(**data),
)
PLAIN: Codec[Any] = Codec(dump=lambda value: {"v": value}, load=lambda data: data["v"])
BYTES: Codec[bytes] = Codec(dump=lambda content: {"b64": base64.b64encode(content).decode()},
                            load=lambda data: base64.b64decode(data["b64"]))


@dataclass(slots=True)
class AppStore:
    """One app's state; apps never see each other's runs or files (a key belongs to one app)."""

    app: str = "app"
    retain: int = DEFAULT_RETAIN
    retain_bytes: int = DEFAULT_RETAIN_BYTES
    store: Store = field(default_factory=MemoryStore)
    end_users: RecordStore[str] = field(init=False)
    files: RecordStore[dict[str, Any]] = field(init=False)
    contents: RecordStore[bytes] = field(init=False)  # uploaded bytes, bounded like the rest (--retain-bytes)
    runs: RecordStore[WorkflowRun] = field(init=False)
    logged: LogStore[WorkflowRun] = field(init=False)
    enders: RecordStore[str] = field(init=False)  # run id → who wrote its end (shared stores: one writer wins)

    def __post_init__(self) -> None:
        name = f"miso:{self.app}"
        self.end_users = self.store.records(f"{name}:users", PLAIN, self.retain, self.retain_bytes)
        self.files = self.store.records(f"{name}:files", PLAIN, self.retain, self.retain_bytes)
        self.contents = self.store.records(f"{name}:contents", BYTES, self.retain, self.retain_bytes)
        self.runs = self.store.records(f"{name}:runs", RUN_CODEC, self.retain, self.retain_bytes)
        self.logged = self.store.log(f"{name}:logs", RUN_CODEC, self.retain, self.retain_bytes)
        self.enders = self.store.records(f"{name}:enders", PLAIN, self.retain, self.retain_bytes)

    def release(self) -> None:
        """The app's state is dropped (reset): the memory store stops tracking it."""
        if isinstance(self.store, MemoryStore):
            self.store.forget(self.end_users, self.files, self.contents, self.runs, self.logged, self.enders)

    async def end_user(self, user: str, new_id: str) -> str:
        """The end user's id (remembered, bounded like everything else; the first id given wins everywhere)."""
        return await self.end_users.put_new(user, new_id, 2 * len(user))

    async def remember_run(self, run: WorkflowRun, size: int = 0) -> None:
        """Stores `run`; `size` estimates its bytes (inputs, outputs and the search text built from both)."""
        await self.runs.put(run.id, run, size)

    async def run(self, run_id: str, now: float) -> WorkflowRun | None:
        """The run as a read at `now` reports it. On a shared store, a run whose holder died ends as planned:
        the first reader past that point writes and logs the ending (in this process's memory the holder is
        this process, so the stored run is always the truth)."""
        run = await self.runs.fetch(run_id)
        if run is None or not self.store.shared:
            return run
        settled = run.as_of(now)
        if settled is not run:
            await self.end_run(settled, 0)  # a rewrite: the store counted the run's bytes when it was new
        return settled

    async def end_run(self, run: WorkflowRun, size: int) -> bool:
        """Stores the finished `run` and writes its log entry, once: on a shared store the run's holder and a
        reader settling it after the holder died may race, and exactly one of them writes both, together (a
        writer that dies midway leaves the run to be settled again). False when another writer ended it first.
        In this process's memory the stored run is `run` itself, so only its log entry is written."""
        await self._date_log_entry(run)
        entry_size = 2 * len(run.search_text)  # its inputs and outputs, and their search text (about as large)
        if not self.store.shared:
            await self.logged.add(run, entry_size)
            return True
        return await self.store.write_once(self.enders, run.id, [(self.runs, run.id, run, size)],
                                           [(self.logged, run, entry_size)])

    async def newest_runs(self, limit: int, now: float) -> list[WorkflowRun]:
        """The `limit` runs stored last, newest first, as a read at `now` reports them."""
        runs = await self.runs.newest(limit)
        return [run.as_of(now) for run in runs] if self.store.shared else runs

    async def remember_file(self, meta: dict[str, Any], content: bytes | None = None) -> None:
        """Stores an upload's metadata, and its bytes when given (a file too large to keep has none)."""
        if content is not None:
            await self.contents.put(meta["id"], content, len(content))
        await self.files.put(meta["id"], meta, 2 * len(str(meta.get("name", ""))))

    async def file_content(self, file_id: str) -> bytes | None:
        """The bytes uploaded as `file_id`, from any process sharing the store; None when not kept or forgotten."""
        return await self.contents.fetch(file_id)

    async def _date_log_entry(self, run: WorkflowRun) -> None:
        """Never dated before the log entry written ahead of it, so "newest first" holds."""
        newest = await self.logged.newest()
        if newest is not None:
            run.logged_at = max(run.logged_at or run.created_at, newest.logged_at or run.created_at)

    async def logs(self, *, status: str | None, keyword: str | None, created_after: float | None = None,
                   created_before: float | None = None, session_id: str | None = None, offset: int = 0,
                   limit: int = 20) -> tuple[int, list[WorkflowRun]]:
        """(how many logged runs match, the page from `offset`), newest first, filtered as Dify filters them."""
        return await self.logged.page(
            log_filter(status, keyword, created_after, created_before, session_id), offset, limit)


def log_filter(status: str | None, keyword: str | None, created_after: float | None,
               created_before: float | None, session_id: str | None) -> Callable[[WorkflowRun], bool] | None:
    """The test a logged run must pass, or None when nothing filters (a page is then a slice)."""
    if not (status or keyword or session_id) and created_after is None and created_before is None:
        return None
    needle = keyword.lower()[:30] if keyword else None

    def accepts(run: WorkflowRun) -> bool:
        if status and run.status != status:
            return False
        if needle and needle not in run.search_text and keyword != run.id:
            return False
        if session_id and run.user != session_id:
            return False
        if created_after is not None and run.created_at < created_after:
            return False
        if created_before is not None and run.created_at > created_before:
            return False
        return True

    return accepts
