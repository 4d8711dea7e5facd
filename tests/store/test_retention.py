"""A long-running mock keeps the newest N runs, files and log entries; older ones read as unknown."""

from __future__ import annotations

import httpx

from tests.support import running_server
from wfmock.retention import BoundedStore

IMPRUN = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                         "credentialId": "cred_abc123", "year": 2025}}


def test_a_bounded_store_drops_the_oldest_first() -> None:
    items: BoundedStore[int, int] = BoundedStore(count=3)
    for n in range(5):
        items.remember(n, n, size=1)
    assert list(items) == [2, 3, 4]
    items.count = 10
    items.remember(4, 4, size=1)  # storing a key again makes it the newest, forgets nothing
    assert list(items) == [2, 3, 4]


def test_a_server_with_retain_2_forgets_the_oldest_runs_and_logs() -> None:
    with running_server("--retain", "2", "--pace", "0", "--run-duration", "0", "--no-rate-limit") as url:
        imprun = {"X-API-Key": "retention"}
        ids = [httpx.post(f"{url}/v2/workflows", json=IMPRUN, headers=imprun).json()["id"] for _ in range(3)]
        assert httpx.get(f"{url}/v2/workflows/{ids[0]}", headers=imprun).status_code == 404
        assert [httpx.get(f"{url}/v2/workflows/{i}", headers=imprun).status_code for i in ids[1:]] == [200, 200]

        miso = {"Authorization": "Bearer retention"}
        runs = [httpx.post(f"{url}/ext/v1/workflows/run", headers=miso,
                           json={"inputs": {"n": n}, "mode": "blocking", "user": "r"}).json()["workflow_run_id"]
                for n in range(3)]
        assert httpx.get(f"{url}/ext/v1/workflows/run/{runs[0]}", headers=miso).status_code == 404
        logs = httpx.get(f"{url}/ext/v1/workflows/logs", headers=miso).json()
        assert logs["total"] == 2 and [entry["workflow_run"]["id"] for entry in logs["data"]] == runs[:0:-1]
