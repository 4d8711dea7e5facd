"""What a product's own use of each API looks like, sent through the validating proxy: the traffic the proxy judges.

It calls every operation the way a client does (no probing for bugs): creates and polls runs, streams, stops a
task it started, reads runs back, uploads and uses files, pages the logs with filters, and meets the usual errors
(a forgotten key, a typo in a path, a malformed body, an unknown run).
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

# One burst at a time in this process: cases run side by side reach their bursts at the same moment, and several
# bursts through in-process proxies and servers share one interpreter, spreading each over more than a second (which
# the proxy's per-second rate-limit judgement then misreads, both ways).
BURSTING = threading.Lock()
IMPRUN_BODY = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                             "credentialId": "cred_abc123", "year": 2025}}
IMPRUN_BODIES = [IMPRUN_BODY, {"type": "scraping", "params": {"siteCode": "WEHAGO", "credentialId": "cred_abc123",
                                                              "group": "financial", "endpoint": "balance-sheet"}}]


# uvicorn closes a connection idle for 5 s; on a busy machine a pooled one can sit idle that long between the
# steps below, and a request sent on it as the server closes it is reset. Idle connections are dropped sooner.
POOL = httpx.Limits(keepalive_expiry=2.0)


# A burst is three times the limit. The judge counts only requests whose whole spans (sent to answered) fit in one
# second, so a burst the machine spread out proves nothing and is sent again (bounded): the client's spans hold
# the proxy's, so this many of them within one second is a burst the judge sees (more than 10 + its slack of 2).
BURST_TRIES = 4
TIGHT = 13


def _burst(base: str, headers: dict[str, str]) -> list[tuple[float, float]]:
    """Thirty creates at once, on a pool of their own (a connection each, none idle long enough to expire while
    another thread uses the pool); each one's (sent, answered) on this client's clock."""
    def timed(_: int) -> tuple[float, float]:
        sent = time.monotonic()
        client.post("/v2/workflows", headers=headers, json=IMPRUN_BODY)
        return sent, time.monotonic()

    with httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=30)) as client, \
            ThreadPoolExecutor(30) as pool:
        return list(pool.map(timed, range(30)))


def _within_one_second(spans: list[tuple[float, float]]) -> int:
    """The most spans that lie wholly inside one second."""
    return max((sum(1 for sent, answered in spans if end - 1.0 <= sent and answered <= end) for _, end in spans),
               default=0)


def imprun(base: str, key: str, *, burst: bool = False, poll_for: float = 3.0) -> None:
    headers = {"X-API-Key": key}
    with httpx.Client(base_url=base, timeout=30, limits=POOL) as client:
        ids = []
        for body in IMPRUN_BODIES:
            created = client.post("/v2/workflows", headers=headers, json=body)
            if created.status_code == 200 and isinstance(created.json(), dict) and created.json().get("id"):
                ids.append(created.json()["id"])
        deadline = time.monotonic() + poll_for
        pending = set(ids)
        while pending and time.monotonic() < deadline:
            for run_id in sorted(pending):
                read = client.get(f"/v2/workflows/{run_id}", headers=headers)
                status = read.json().get("status") if read.status_code == 200 else None
                if read.status_code != 200 or status not in ("RUNNING", "running"):
                    pending.discard(run_id)
            time.sleep(0.25)
        for run_id in ids:  # a finished run read once more: it stays as it was
            client.get(f"/v2/workflows/{run_id}", headers=headers)
        time.sleep(1.05)  # a client well within the per-second limit: the errors below are answered, not 429
        client.post("/v2/workflows", json=IMPRUN_BODY)                                  # the key forgotten
        client.post("/v2/workflows", headers={**headers, "Content-Type": "application/json"}, content=b"{oops")
        client.get("/v2/workflows/wf_does_not_exist", headers=headers)
        client.get("/v2/workflow", headers=headers)                                    # a typo in the path
        if burst:
            with BURSTING:
                for _ in range(BURST_TRIES):
                    time.sleep(1.1)
                    if _within_one_second(_burst(base, headers)) >= TIGHT:
                        break
            time.sleep(1.3)  # the 429s said Retry-After: 1
            client.post("/v2/workflows", headers=headers, json=IMPRUN_BODY)


def miso(base: str, key: str, *, stop_pause: float = 0.05) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    user = "proxy-user"
    with httpx.Client(base_url=base, timeout=30, limits=POOL) as client:
        def run(mode: str, query: str, who: str = user, **extra) -> httpx.Response:
            return client.post("/ext/v1/workflows/run", headers=headers,
                               json={"inputs": {"query": query, **extra}, "response_mode": mode, "user": who})

        client.get("/ext/v1/workflows/logs", headers=headers, params={"page": 1, "limit": 5})  # history first
        marker = f"kw-{uuid.uuid4().hex[:8]}"
        blocking = [run("blocking", text) for text in ("첫 번째 요약", f"두 번째 {marker}")]
        for answer in blocking:
            if answer.status_code == 200:
                client.get(f"/ext/v1/workflows/run/{answer.json().get('workflow_run_id')}", headers=headers)
        streamed = run("streaming", "스트림 요약")
        for line in streamed.text.splitlines():
            if '"workflow_finished"' in line:
                import json

                run_id = json.loads(line.removeprefix("data: ")).get("workflow_run_id")
                client.get(f"/ext/v1/workflows/run/{run_id}", headers=headers)
        _stop_streams(base, headers, user, stop_pause)
        uploaded = []
        for name in ("a.txt", "b.txt"):
            answer = client.post("/ext/v1/files/upload", headers=headers, data={"user": user},
                                 files={"file": (name, "계약 문서\n".encode(), "text/plain")})
            if answer.status_code in (200, 201):
                uploaded.append(answer.json().get("id"))
        if uploaded:
            run("blocking", "파일 요약", document={"transfer_method": "local_file", "upload_file_id": uploaded[0],
                                                   "type": "document"})
        for params in ({"page": 1, "limit": 2}, {"page": 2, "limit": 2}, {"page": 1, "limit": 20},
                       {"status": "succeeded"}, {"status": "stopped"}, {"keyword": marker}):
            client.get("/ext/v1/workflows/logs", headers=headers, params=params)
        client.post("/ext/v1/workflows/run", json={"inputs": {"query": "x"}, "response_mode": "blocking",
                                                   "user": user})                        # the key forgotten
        client.post("/ext/v1/workflows/run", headers={**headers, "Content-Type": "application/json"}, content=b"{")
        client.get("/ext/v1/workflows/run/00000000-0000-0000-0000-000000000000", headers=headers)


def _stop_streams(base: str, headers: dict[str, str], user: str, pause: float) -> None:
    """Two streams of one user: the second is stopped by its user after its first event, the first is asked to stop
    by another user (who may not); both are read to the end."""

    def stream(who: str, started: threading.Event, task: list[str], stop_as: str | None) -> None:
        with httpx.Client(base_url=base, timeout=30, limits=POOL) as client, client.stream(
                "POST", "/ext/v1/workflows/run", headers=headers,
                json={"inputs": {"query": "멈출 요약"}, "response_mode": "streaming", "user": who}) as answer:
            for line in answer.iter_lines():
                if line.startswith("data:") and not task:
                    import json

                    task.append(json.loads(line[5:]).get("task_id"))
                    started.set()
                    if stop_as is not None:
                        time.sleep(pause)
                        client.post(f"/ext/v1/workflows/tasks/{task[0]}/stop", headers=headers, json={"user": stop_as})
            started.set()

    first, second = threading.Event(), threading.Event()
    tasks: tuple[list[str], list[str]] = ([], [])
    threads = [threading.Thread(target=stream, args=(user, first, tasks[0], "someone-else"))]
    threads[0].start()
    first.wait(10)
    threads.append(threading.Thread(target=stream, args=(user, second, tasks[1], user)))
    threads[1].start()
    for thread in threads:
        thread.join(30)
