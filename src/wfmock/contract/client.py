"""The kit's own HTTP client: paced, patient with 429s, and able to say every request as curl.

The target's rate limit is respected on the way out (a sliding one-second window) and a 429 met
anyway is waited out (`Retry-After`) and retried; the 429 itself is handed to an observer, so a
check can still judge its shape. Streams are read to the end, whatever their length.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from wfmock.contract.exchange import Exchange

MAX_RETRY_WAIT = 30.0
MAX_RETRIES = 5
CREDENTIAL_PLACEHOLDER = "$WFMOCK_API_KEY"


class Pacer:
    """At most `rate` requests in any one-second window (0 or less: no pacing). Thread-safe."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if self.rate <= 0:
            return
        limit = max(int(self.rate), 1)
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= 1.0:
                    self._sent.popleft()
                if len(self._sent) < limit:
                    self._sent.append(now)
                    return
                delay = 1.0 - (now - self._sent[0]) + 0.005
            time.sleep(delay)


def to_curl(method: str, url: str, headers: Mapping[str, str], body: bytes | None = None,
            files: list | None = None, form: Mapping[str, str] | None = None, secret: tuple[str, ...] = ()) -> str:
    parts = ["curl", "-sS", "-X", method.upper()]
    for name, value in headers.items():
        if name.lower() in secret:
            value = value.split(" ", 1)[0] + " " + CREDENTIAL_PLACEHOLDER if " " in value else CREDENTIAL_PLACEHOLDER
            parts.append(f'-H "{name}: {value}"')
        else:
            parts.append("-H " + shlex.quote(f"{name}: {value}"))
    for name, value in (form or {}).items():
        parts.append("-F " + shlex.quote(f"{name}={value}"))
    for name, (filename, content, mime) in files or []:
        if filename is None:  # a plain field sent as a multipart part
            parts.append("-F " + shlex.quote(f"{name}={content.decode('utf-8', errors='replace')}"))
        else:
            parts.append("-F " + shlex.quote(f"{name}=@{filename};type={mime}"))
    if body is not None:
        parts.append("--data-raw " + shlex.quote(body.decode("utf-8", errors="replace")))
    parts.append(shlex.quote(url))
    return " ".join(parts)


class Client:
    """Sends requests to the target: paced, retrying 429s, reading bodies (and streams) whole."""

    def __init__(self, base_url: str, *, pacer: Pacer, timeout: float = 30.0,
                 secret_headers: tuple[str, ...] = (), retry_rate_limited: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.pacer = pacer
        self.secret_headers = tuple(h.lower() for h in secret_headers)
        self.retry_rate_limited = retry_rate_limited
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, headers: Mapping[str, str] | None = None, json_body: Any = None,
                content: bytes | None = None, params: Mapping[str, Any] | None = None,
                files: list | None = None, form: Mapping[str, str] | None = None,
                retry_rate_limited: bool | None = None, pace: bool = True) -> Exchange:
        retry = self.retry_rate_limited if retry_rate_limited is None else retry_rate_limited
        headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        url = self.base_url + path
        if params:
            url = str(httpx.URL(url).copy_merge_params({k: v for k, v in params.items() if v is not None}))
        for attempt in range(MAX_RETRIES + 1):
            exchange = self._send_once(method, url, headers, content, files, form, pace)
            if exchange.status != 429 or not retry or attempt == MAX_RETRIES:
                return exchange
            time.sleep(retry_after(exchange.response_headers.get("retry-after")))
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def stream(self, method: str, path: str, *, headers: Mapping[str, str] | None = None,
               json_body: Any = None) -> Iterator[tuple[httpx.Response, str]]:
        """The response as it arrives (read it with `iter_raw()`), and the curl that reproduces it."""
        headers = dict(headers or {})
        content = json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else None
        if content is not None:
            headers.setdefault("Content-Type", "application/json")
        url = self.base_url + path
        self.pacer.wait()
        with self._http.stream(method, url, headers=headers, content=content) as response:
            yield response, to_curl(method, url, headers, content, secret=self.secret_headers).replace("-sS", "-sSN", 1)

    def _send_once(self, method: str, url: str, headers: dict[str, str], content: bytes | None,
                   files: list | None, form: Mapping[str, str] | None, pace: bool = True) -> Exchange:
        if pace:
            self.pacer.wait()
        request = self._http.build_request(method, url, headers=headers, content=content, files=files, data=form)
        sent = {**headers, "Content-Type": request.headers["content-type"]} if "content-type" in request.headers \
            else headers  # a form's, with its boundary: the checks read the parts as sent
        started = time.monotonic()
        response = self._http.send(request)
        path, _, query = url[len(self.base_url):].partition("?")
        return Exchange(method=method, path=path, query=query,
                        headers=list(sent.items()), body=request.read(), status=response.status_code,
                        response_headers=response.headers, content=response.content, base_url=self.base_url,
                        curl=to_curl(method, url, headers, content, files, form, self.secret_headers),
                        started=started, answered=time.monotonic(), finished=time.monotonic())


def retry_after(value: str | None) -> float:
    """Seconds to wait for a `Retry-After` value (seconds or an HTTP date); 1 s when absent or unreadable."""
    if not value:
        return 1.0
    try:
        return max(0.0, min(float(value), MAX_RETRY_WAIT))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, min(parsedate_to_datetime(value).timestamp() - time.time(), MAX_RETRY_WAIT))
    except (TypeError, ValueError):
        return 1.0
