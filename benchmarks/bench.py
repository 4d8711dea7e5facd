"""`make bench`: wfmock against bare Starlette, WireMock and Prism, all in one run, as ratios to the same run's baselines.

    .venv/bin/python benchmarks/bench.py [--seconds 10] [--workers 2] [--streams 1000,5000,10000]
                                         [--json benchmarks/results.json] [--quick]

Installs what is missing (wrk from Debian; WireMock's standalone jar and Prism from npm, into
benchmarks/.tools), starts every server on 127.0.0.1 (free ports), warms each up, drives it with
`wrk -t2 -c50` for `--seconds`, and prints a table (and writes JSON): requests/s, p99, RSS of the
server's processes, ratio to the row's baseline. Then: logs paging at 100 vs 10,000 stored runs;
concurrent SSE streams (one event per second) against a bare Starlette streaming app; the contract
kit's wall time for both APIs; start-up time. Everything is bounded in time and stops by itself.
The load generator shares the 2 cores with the servers: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "benchmarks" / ".tools"
PY = sys.executable
WFMOCK = [PY, "-m", "wfmock"]
HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}
IMPRUN_HEADERS = {"X-API-Key": "bench-key", "Content-Type": "application/json"}
MISO_HEADERS = {"Authorization": "Bearer app-demo-key", "Content-Type": "application/json"}
MISO_RUN = {"inputs": {"query": "요약해줘"}, "mode": "blocking", "user": "bench"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- tools ------------------------------------------------------------------------------------------

def ensure_tools(need_peers: bool) -> dict[str, str]:
    """wrk (apt), and for the peers WireMock's jar and Prism (npm, into benchmarks/.tools); installed once."""
    found: dict[str, str] = {}
    if shutil.which("wrk") is None:
        log("installing wrk (apt-get)")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if shutil.which("wrk") is None:
            subprocess.run(["apt-get", "update", "-q"], check=False, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found["wrk"] = shutil.which("wrk") or "wrk"
    found["redis"] = shutil.which("redis-server") or ""
    if need_peers:
        prism = TOOLS / "node_modules" / ".bin" / "prism"
        jars = glob.glob(str(TOOLS / "node_modules" / "wiremock" / "**" / "wiremock-standalone*.jar"), recursive=True)
        if not prism.exists() or not jars:
            log("installing WireMock and Prism from npm into benchmarks/.tools")
            TOOLS.mkdir(parents=True, exist_ok=True)
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS),
                            "wiremock@3", "@stoplight/prism-cli@5"], check=True, stdout=subprocess.DEVNULL)
            jars = glob.glob(str(TOOLS / "node_modules" / "wiremock" / "**" / "wiremock-standalone*.jar"),
                             recursive=True)
        found["prism"], found["wiremock"] = str(prism), jars[0]
    return found


# -- processes ----------------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 90, process: subprocess.Popen[bytes] | None = None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return time.monotonic() - started
        except OSError as error:
            if getattr(error, "code", 0) and error.code < 500:  # type: ignore[attr-defined]
                return time.monotonic() - started
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def server(command: list[str], ready: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        process.startup = wait_http(ready, process=process)  # type: ignore[attr-defined]
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait()


def rss_mib(pid: int) -> float:
    """Resident memory of `pid` and all its descendants (workers), MiB."""
    parents: dict[int, int] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
            parents[int(stat.split("/")[2])] = int(text.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    family, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in family]
        family.update(children)
        frontier.extend(children)
    total = 0
    for member in family:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


# -- wrk ----------------------------------------------------------------------------------------------

@dataclass
class Row:
    group: str
    target: str
    rate: float = 0.0
    p99_ms: float = 0.0
    rss_mib: float = 0.0
    errors: int = 0
    baseline: str = ""
    ratio: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def wrk(tool: str, url: str, seconds: float, method: str = "GET", body: Any = None,
        headers: dict[str, str] | None = None, connections: int = 50) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx + socket errors) from `wrk -t2 -cN --latency`."""
    script = "wrk.method = %s\n" % json.dumps(method)
    if body is not None:
        # raw UTF-8 inside the Lua string: LuaJIT knows no \u escapes
        script += "wrk.body = %s\n" % json.dumps(json.dumps(body, ensure_ascii=False), ensure_ascii=False)
    for name, value in (headers or {}).items():
        script += f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as handle:
        handle.write(script)
    try:
        done = subprocess.run([tool, "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "--latency",
                               "-s", handle.name, url], capture_output=True, text=True,
                              timeout=seconds + 60)
    finally:
        os.unlink(handle.name)
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)) if "Requests/sec" in out else 0.0
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else float("nan")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rate, p99_ms, errors


def measure(rows: list[Row], group: str, target: str, process: subprocess.Popen[bytes], tool: str, url: str,
            seconds: float, warmup: float, **request: Any) -> Row:
    log(f"{group}: {target}")
    wrk(tool, url, warmup, **request)
    rate, p99, errors = wrk(tool, url, seconds, **request)
    row = Row(group, target, rate, p99, rss_mib(process.pid), errors)
    rows.append(row)
    return row


# -- SSE streams ----------------------------------------------------------------------------------------

async def hold_streams(port: int, request: bytes, count: int, seconds: float) -> dict[str, float]:
    """Opens `count` streams, then for `seconds` counts the events that arrive and how late each is
    (beyond the 1 s interval since that stream's previous event)."""
    events = 0
    late: list[float] = []
    connected = 0
    ready = asyncio.Event()
    measuring = False

    async def one() -> None:
        nonlocal events, connected
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        except OSError:
            return
        try:
            writer.write(request)
            await writer.drain()
            await reader.readuntil(b"\r\n\r\n")
            connected += 1
            if connected == count:
                ready.set()
            previous = None
            while True:
                chunk = await reader.readuntil(b"\n\n")
                now = time.monotonic()
                if b"ping" not in chunk:
                    continue
                if measuring:
                    events += 1
                    if previous is not None:
                        late.append(max(0.0, now - previous - 1.0))
                previous = now
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            writer.close()

    tasks = []
    for index in range(count):
        tasks.append(asyncio.ensure_future(one()))
        if index % 200 == 199:
            await asyncio.sleep(0.05)  # a ramp, not a SYN flood
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(ready.wait(), 60)
    await asyncio.sleep(1.5)
    measuring = True
    await asyncio.sleep(seconds)
    measuring = False
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    late.sort()
    pick = (lambda q: late[min(len(late) - 1, int(q * len(late)))] * 1000 if late else float("nan"))
    return {"connected": connected, "events": events, "late_p50_ms": pick(0.5), "late_p99_ms": pick(0.99)}


def run_streams(port: int, request: bytes, count: int, seconds: float, pid: int) -> dict[str, float]:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 2 + 1000)), hard))
    peak = 0.0

    async def main() -> dict[str, float]:
        nonlocal peak

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, rss_mib(pid))
                await asyncio.sleep(2)

        sampler = asyncio.ensure_future(sample())
        try:
            return await hold_streams(port, request, count, seconds)
        finally:
            sampler.cancel()

    try:
        import uvloop

        result = uvloop.run(main())
    except ImportError:
        result = asyncio.run(main())
    result["rss_mib"] = peak
    return result


def http(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- helpers over HTTP ----------------------------------------------------------------------------------

def post_json(url: str, body: Any, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


async def fill_runs(port: int, count: int) -> None:
    """`count` blocking MISO runs over 20 keep-alive connections (the logs then hold them)."""
    body = json.dumps(MISO_RUN).encode()
    request = http("POST", "/ext/v1/workflows/run", MISO_HEADERS, body)
    per = [count // 20 + (1 if i < count % 20 else 0) for i in range(20)]

    async def connection(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(n):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
            await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(connection(n) for n in per if n))


# -- the run ---------------------------------------------------------------------------------------------

def wfmock_serve(port: int, *extra: str) -> list[str]:
    return [*WFMOCK, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *extra]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--wiremock-warmup", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--streams", default="1000,5000,10000")
    parser.add_argument("--stream-seconds", type=float, default=20)
    parser.add_argument("--no-peers", action="store_true", help="skip WireMock and Prism")
    parser.add_argument("--only", choices=("all", "http", "streams"), default="all",
                        help="re-run just the HTTP rows or just the streams (e.g. when the machine is quieter)")
    parser.add_argument("--quick", action="store_true", help="2 s per target, 1,000 streams: a smoke run")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"))
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warmup, args.wiremock_warmup, args.streams, args.stream_seconds = 2, 1, 3, "1000", 5
    tools = ensure_tools(not args.no_peers)
    rows: list[Row] = []
    extra: dict[str, Any] = {}
    started = time.monotonic()

    # start-up: a wfmock process until its health check answers, vs the bare app (3 each, the median)
    startup: dict[str, list[float]] = {"wfmock": [], "bare Starlette": []}
    for _ in range(3 if args.only != "streams" else 0):
        port = free_port()
        with server(wfmock_serve(port), f"http://127.0.0.1:{port}/_wfmock/health") as process:
            startup["wfmock"].append(process.startup)  # type: ignore[attr-defined]
        port = free_port()
        with server([PY, str(ROOT / "benchmarks" / "bare_app.py"), str(port)],
                    f"http://127.0.0.1:{port}/v2/workflows/x") as process:
            startup["bare Starlette"].append(process.startup)  # type: ignore[attr-defined]
    extra["startup_s"] = {name: sorted(values)[1] for name, values in startup.items() if values}

    bare_port = free_port()
    with server([PY, str(ROOT / "benchmarks" / "bare_app.py"), str(bare_port)],
                f"http://127.0.0.1:{bare_port}/v2/workflows/x") as bare:
        bare_url = f"http://127.0.0.1:{bare_port}"
        create = dict(method="POST", body=HOMETAX, headers=IMPRUN_HEADERS)
        if args.only != "streams":
            http_rows(rows, args, tools, bare, bare_url, create)
        streams = [] if args.only == "http" else stream_rows(args, bare, bare_port)
        extra["streams"] = streams

    if args.only != "streams":
        extra["contract_s"] = contract_times()
    report(rows, extra, args, time.monotonic() - started)
    return 0


def http_rows(rows: list[Row], args: argparse.Namespace, tools: dict[str, str], bare: Any, bare_url: str,
              create: dict[str, Any]) -> None:
    tool, secs, warm = tools["wrk"], args.seconds, args.warmup
    base_create = measure(rows, "POST /v2/workflows", "bare Starlette (baseline)", bare, tool,
                          f"{bare_url}/v2/workflows", secs, warm, **create)
    base_get = measure(rows, "GET /v2/workflows/{id}", "bare Starlette (baseline)", bare, tool,
                       f"{bare_url}/v2/workflows/wf_x", secs, warm, headers=IMPRUN_HEADERS)

    # wfmock, one process, memory
    port = free_port()
    with server(wfmock_serve(port, "--no-rate-limit", "--pace", "0"),
                f"http://127.0.0.1:{port}/_wfmock/health") as one:
        url = f"http://127.0.0.1:{port}"
        measure(rows, "POST /v2/workflows", "wfmock, 1 process, memory", one, tool, f"{url}/v2/workflows",
                secs, warm, **create)
        run_id = post_json(f"{url}/v2/workflows", HOMETAX, IMPRUN_HEADERS)["id"]
        measure(rows, "GET /v2/workflows/{id}", "wfmock, 1 process, memory", one, tool,
                f"{url}/v2/workflows/{run_id}", secs, warm, headers=IMPRUN_HEADERS)
        measure(rows, "POST /ext/v1/workflows/run (blocking)", "wfmock, 1 process, memory", one, tool,
                f"{url}/ext/v1/workflows/run", secs, warm, method="POST", body=MISO_RUN, headers=MISO_HEADERS)
    # logs paging: a fresh process with 100, then 10,000 stored runs
    port = free_port()
    with server(wfmock_serve(port, "--no-rate-limit", "--pace", "0"),
                f"http://127.0.0.1:{port}/_wfmock/health") as logs:
        url = f"http://127.0.0.1:{port}"
        logs_url = f"{url}/ext/v1/workflows/logs?page=2&limit=20"
        asyncio.run(fill_runs(port, 100))
        small = measure(rows, "GET /ext/v1/workflows/logs", "wfmock, 100 stored runs (baseline)", logs, tool,
                        logs_url, secs, warm, headers=MISO_HEADERS)
        asyncio.run(fill_runs(port, 9_900))
        big = measure(rows, "GET /ext/v1/workflows/logs", "wfmock, 10,000 stored runs", logs, tool,
                      logs_url, secs, warm, headers=MISO_HEADERS)
        big.baseline, big.ratio = small.target, big.rate / small.rate if small.rate else None

    # wfmock, N workers on Redis
    if tools["redis"]:
        redis_port = free_port()
        redis_process = subprocess.Popen([tools["redis"], "--port", str(redis_port), "--bind", "127.0.0.1",
                                          "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            port = free_port()
            store = f"redis://127.0.0.1:{redis_port}/0"
            label = f"wfmock, {args.workers} workers, Redis"
            with server(wfmock_serve(port, "--no-rate-limit", "--pace", "0", "--workers", str(args.workers),
                                     "--store", store), f"http://127.0.0.1:{port}/_wfmock/health") as many:
                url = f"http://127.0.0.1:{port}"
                row = measure(rows, "POST /v2/workflows", label, many, tool, f"{url}/v2/workflows", secs,
                              warm, **create)
                row.rss_mib += rss_mib(redis_process.pid)
                row.note = "RSS includes redis-server"
                run_id = post_json(f"{url}/v2/workflows", HOMETAX, IMPRUN_HEADERS)["id"]
                measure(rows, "GET /v2/workflows/{id}", label, many, tool, f"{url}/v2/workflows/{run_id}",
                        secs, warm, headers=IMPRUN_HEADERS)
                measure(rows, "POST /ext/v1/workflows/run (blocking)", label, many, tool,
                        f"{url}/ext/v1/workflows/run", secs, warm, method="POST", body=MISO_RUN,
                        headers=MISO_HEADERS)
        finally:
            redis_process.terminate()
            redis_process.wait(timeout=10)

    # peers
    if not args.no_peers:
        port = free_port()
        with server(["java", "-Xmx512m", "-jar", tools["wiremock"], "--port", str(port), "--bind-address",
                     "127.0.0.1", "--disable-banner", "--no-request-journal", "--async-response-enabled=false"],
                    f"http://127.0.0.1:{port}/__admin/mappings") as wiremock:
            post_json(f"http://127.0.0.1:{port}/__admin/mappings", {
                "request": {"method": "POST", "url": "/v2/workflows"},
                "response": {"status": 200, "jsonBody": {"id": "wf_0123456789ab", "status": "RUNNING",
                                                        "createdAt": "2026-01-01T00:00:00Z"},
                             "headers": {"Content-Type": "application/json"}}}, {"Content-Type": "application/json"})
            log(f"WireMock warm-up {args.wiremock_warmup:.0f} s (the JIT)")
            wrk(tool, f"http://127.0.0.1:{port}/v2/workflows", args.wiremock_warmup, **create)
            measure(rows, "POST /v2/workflows", "WireMock 3 standalone, 1 stub", wiremock, tool,
                    f"http://127.0.0.1:{port}/v2/workflows", secs, warm, **create)
        document = Path(tempfile.mkdtemp()) / "imprun-3.1.yaml"
        subprocess.run([*WFMOCK, "openapi", "export", "--api", "imprun", "--oas", "3.1", "-o", str(document)],
                       check=True)
        port = free_port()
        with server([tools["prism"], "mock", "-h", "127.0.0.1", "-p", str(port), str(document)],
                    f"http://127.0.0.1:{port}/v2/workflows/wf_x") as prism:
            measure(rows, "POST /v2/workflows", "Prism 5 mock, the same document", prism, tool,
                    f"http://127.0.0.1:{port}/v2/workflows", secs, warm, **create)

    for row in rows:
        if row.ratio is None and not row.target.endswith("(baseline)"):
            base = base_create if row.group.startswith("POST") else base_get
            row.baseline, row.ratio = base.target, row.rate / base.rate if base.rate else None


def stream_rows(args: argparse.Namespace, bare: Any, bare_port: int) -> list[dict[str, Any]]:
    """Concurrent SSE streams, one event per second each: wfmock (stalled-stream: a ping a second) vs bare."""
    streams: list[dict[str, Any]] = []
    port = free_port()
    with server(wfmock_serve(port, "--no-rate-limit", "--scenario", "stalled-stream"),
                f"http://127.0.0.1:{port}/_wfmock/health") as streamer:
        body = json.dumps({"inputs": {"query": "hi"}, "mode": "streaming", "user": "sse"}).encode()
        mock_request = http("POST", "/ext/v1/workflows/run", MISO_HEADERS, body)
        bare_request = http("GET", f"/stream?seconds={int(args.stream_seconds + 90)}", {})
        for count in (int(n) for n in args.streams.split(",")):
            log(f"{count:,} streams: bare Starlette")
            base = run_streams(bare_port, bare_request, count, args.stream_seconds, bare.pid)
            log(f"{count:,} streams: wfmock")
            mock = run_streams(port, mock_request, count, args.stream_seconds, streamer.pid)
            streams.append({"streams": count, "bare": base, "wfmock": mock,
                            "events_ratio": mock["events"] / base["events"] if base["events"] else None})
    return streams


def contract_times() -> dict[str, float]:
    """The contract kit's wall time against the mock, both APIs (default phases)."""
    contract: dict[str, float] = {}
    port = free_port()
    with server(wfmock_serve(port, "--no-rate-limit", "--pace", "0"), f"http://127.0.0.1:{port}/_wfmock/health"):
        for api, key in (("imprun", "bench-key"), ("miso", "app-demo-key")):
            began = time.monotonic()
            subprocess.run([*WFMOCK, "contract", "--api", api, "--base-url", f"http://127.0.0.1:{port}",
                            "--api-key", key], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=600)
            contract[api] = time.monotonic() - began
    return contract


def report(rows: list[Row], extra: dict[str, Any], args: argparse.Namespace, wall: float) -> None:
    print(f"\nwfmock bench — {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"wrk -t2 -c50 -d{args.seconds:g}s after {args.warmup:g}s warm-up; total {wall:.0f} s\n")
    print(f"| {'request':38} | {'server':38} | {'req/s':>8} | {'p99 ms':>7} | {'RSS MiB':>7} | {'errors':>6} | ratio |")
    print(f"|{'-' * 40}|{'-' * 40}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 8}|-------|")
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "1×"
        print(f"| {row.group:38} | {row.target:38} | {row.rate:8.0f} | {row.p99_ms:7.1f} | {row.rss_mib:7.0f} | "
              f"{row.errors:6d} | {ratio:>5} |")
    if extra.get("streams"):
        print("\n| streams | server | connected | events | events vs bare | lateness p50 / p99 ms | RSS MiB |")
        print("|---|---|---|---|---|---|---|")
        for level in extra["streams"]:
            for name in ("bare", "wfmock"):
                figures = level[name]
                ratio = f"{level['events_ratio']:.3f}" if name == "wfmock" and level["events_ratio"] else "1"
                print(f"| {level['streams']:,} | {name} | {figures['connected']:,} | {figures['events']:,} | {ratio} | "
                      f"{figures['late_p50_ms']:.0f} / {figures['late_p99_ms']:.0f} | {figures['rss_mib']:.0f} |")
    if extra.get("startup_s"):
        print(f"\nstart-up (median of 3, until the first answer): {json.dumps(extra['startup_s'])}")
    if extra.get("contract_s"):
        print(f"contract kit wall time (s): {json.dumps({k: round(v, 1) for k, v in extra['contract_s'].items()})}")
    data = {"machine": {"node": platform.node(), "cores": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "command": " ".join(sys.argv), "seconds": args.seconds, "rows": [row.__dict__ for row in rows], **extra}
    Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    sys.exit(main())
