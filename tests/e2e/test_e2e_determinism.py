"""`--seed N`: two servers given the same requests answer with the same ids and payloads."""

from __future__ import annotations


import httpx

from tests.support import running_server

IMPRUN = [
    {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_sales_stats",
                                    "credentialId": "cred_abc123", "year": 2025, "month": 3}},
    {"type": "scraping", "params": {"siteCode": "WEHAGO", "credentialId": "cred_abc123", "group": "financial",
                                    "endpoint": "balance-sheet", "period": "2025-03"}},
    {"type": "document_parsing", "params": {"documentType": "building", "imageUrl": "https://example.com/b.png"}},
]
TIMESTAMPS = {"createdAt", "updatedAt", "finishedAt", "created_at", "finished_at", "progressUrl"}


def without_clock(value):
    """Drops wall-clock fields (and URLs that carry the port); everything else must match."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k not in TIMESTAMPS}
    if isinstance(value, list):
        return [without_clock(item) for item in value]
    return value


def session(seed: str) -> list:
    answers = []
    with running_server("--seed", seed, "--pace", "0", "--run-duration", "0", "--no-rate-limit") as url:
        imprun = {"X-API-Key": "det"}
        ids = [httpx.post(f"{url}/v2/workflows", json=body, headers=imprun).json()["id"] for body in IMPRUN]
        answers += [httpx.get(f"{url}/v2/workflows/{i}", headers=imprun).json() for i in ids]
        miso = {"Authorization": "Bearer det"}
        upload = httpx.post(f"{url}/ext/v1/files/upload", headers=miso, data={"user": "u"},
                            files={"file": ("보고서.txt", "내용".encode())}).json()
        run = httpx.post(f"{url}/ext/v1/workflows/run", headers=miso, json={
            "inputs": {"query": "요약해 줘", "doc": {"type": "document", "transfer_method": "local_file",
                                                    "upload_file_id": upload["id"]}},
            "mode": "blocking", "user": "u"}).json()
        answers += [upload, run]
    return without_clock(answers)


def test_same_seed_same_answers_other_seed_other_answers() -> None:
    first, second, other = session("3"), session("3"), session("4")
    assert first == second
    assert first[0]["id"] != other[0]["id"] and first[0]["result"] != other[0]["result"]
