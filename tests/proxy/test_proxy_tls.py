"""The proxy in front of an HTTPS upstream (real deployments are HTTPS): a request and a stream are relayed over
TLS, the upstream's certificate is verified (against SSL_CERT_FILE, as httpx does, else the public CA bundle),
and an upstream whose certificate is not trusted is a 502 in the API's envelope, never a relayed answer.

`tls/` holds a test CA and a certificate it signed for 127.0.0.1 (valid for a century; test data only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract.gallery import imprun_server, miso_server
from tests.support import serving
from wfmock.openapi import sse
from wfmock.proxy.cli import build, build_parser

TLS = Path(__file__).parent / "tls"
CERTIFICATE = (TLS / "server.pem", TLS / "server.key")
KEY = "gallery-key-0123456789abcdef"


@pytest.fixture(scope="module")
def upstreams() -> Iterator[dict[str, str]]:
    with serving(imprun_server.build_app(KEY), tls=CERTIFICATE) as imprun, \
            serving(miso_server.build_app(KEY, event_delay=0.02), tls=CERTIFICATE) as miso:
        yield {"imprun": imprun, "miso": miso}


def proxied(upstream: str, api: str) -> Iterator[str]:
    app, _, _ = build(build_parser().parse_args(["--upstream", upstream, "--api", api]))
    app.start()
    try:
        with serving(app) as proxy:
            yield proxy
    finally:
        app.stop()


def test_a_json_answer_and_a_stream_are_relayed_from_a_trusted_https_upstream(
        upstreams: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    assert upstreams["imprun"].startswith("https://")
    for proxy in proxied(upstreams["imprun"], "imprun"):
        created = httpx.post(proxy + "/v2/workflows", headers={"X-API-Key": KEY},
                             json={"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                                                  "credentialId": "cred_abc123", "year": 2025}})
        assert created.status_code == 200 and created.json()["status"] == "RUNNING"
    for proxy in proxied(upstreams["miso"], "miso"):
        with httpx.stream("POST", proxy + "/ext/v1/workflows/run", headers={"Authorization": f"Bearer {KEY}"},
                          json={"inputs": {"query": "요약"}, "response_mode": "streaming", "user": "u"},
                          timeout=30) as answer:
            events = sse.parse(answer.read()).events
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        assert [e.payload["event"] for e in events if e.payload][-1] == "workflow_finished"


def test_an_upstream_whose_certificate_is_not_trusted_is_a_502_in_the_envelope(
        upstreams: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    for proxy in proxied(upstreams["imprun"], "imprun"):
        answer = httpx.post(proxy + "/v2/workflows", headers={"X-API-Key": KEY}, json={"type": "scraping"})
        assert answer.status_code == 502
        body = answer.json()
        assert set(body) == {"error", "message", "code"} and "certificate" in body["message"].lower(), body
