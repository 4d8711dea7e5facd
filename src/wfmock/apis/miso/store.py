"""What a MISO app remembers: end users, uploaded files, workflow runs and their log entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES, BoundedLog, BoundedStore

TERMINAL = ("succeeded", "failed", "stopped", "partial-succeeded")


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
            },
            "created_at": int(self.logged_at or self.created_at),
        }


@dataclass(slots=True)
class AppStore:
    """One app's state; apps never see each other's runs or files (a key belongs to one app)."""

    retain: int = DEFAULT_RETAIN
    retain_bytes: int = DEFAULT_RETAIN_BYTES
    end_users: BoundedStore[str, str] = field(init=False)
    files: BoundedStore[str, dict[str, Any]] = field(init=False)
    runs: BoundedStore[str, WorkflowRun] = field(init=False)
    logged: BoundedLog[WorkflowRun] = field(init=False)

    def __post_init__(self) -> None:
        self.end_users = BoundedStore(self.retain, self.retain_bytes)
        self.files = BoundedStore(self.retain, self.retain_bytes)
        self.runs = BoundedStore(self.retain, self.retain_bytes)
        self.logged = BoundedLog(self.retain, self.retain_bytes)

    def end_user(self, user: str, new_id: str) -> str:
        """The end user's id (remembered, bounded like everything else)."""
        known = self.end_users.get(user)
        if known is None:
            known = new_id
            self.end_users.remember(user, known, 2 * len(user))
        return known

    def remember_run(self, run: WorkflowRun, size: int = 0) -> None:
        """Stores `run`; `size` estimates its bytes (inputs, outputs and the search text built from both)."""
        self.runs.remember(run.id, run, size)

    def remember_file(self, meta: dict[str, Any]) -> None:
        self.files.remember(meta["id"], meta, 2 * len(str(meta.get("name", ""))))

    def log(self, run: WorkflowRun) -> None:
        if self.logged:  # never dated before the log written ahead of it, so "newest first" holds by created_at
            run.logged_at = max(run.logged_at or run.created_at, self.logged[-1].logged_at or run.created_at)
        # the entry keeps the whole run alive: its inputs and outputs, and their search text (about as large)
        self.logged.append(run, 2 * len(run.search_text))

    def logs(self, *, status: str | None, keyword: str | None, created_after: float | None = None,
             created_before: float | None = None, session_id: str | None = None) -> list[WorkflowRun]:
        """Logged runs, newest first, filtered the way Dify's logs endpoint filters them."""
        needle = keyword.lower()[:30] if keyword else None
        chosen = []
        for run in reversed(self.logged):
            if status and run.status != status:
                continue
            if needle and needle not in run.search_text and keyword != run.id:
                continue
            if session_id and run.user != session_id:
                continue
            if created_after is not None and run.created_at < created_after:
                continue
            if created_before is not None and run.created_at > created_before:
                continue
            chosen.append(run)
        return chosen
