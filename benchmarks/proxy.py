"""What the validating proxy costs: added latency on a JSON exchange, and whether it keeps pace with 1,000
concurrent SSE streams. Every figure is measured against the same upstream, directly, in the same run.

    .venv/bin/python benchmarks/proxy.py [--requests 1000] [--rounds 3] [--streams 1000] [--event-delay 0.25]
    .venv/bin/python benchmarks/proxy.py --requests 0 --profile proxy.prof     # the streams alone, proxy profiled

Starts `wfmock serve` (the upstream, rate limits off, `--pace 0` and a scenario that spaces every streamed event
`--event-delay` seconds apart, pings off) and `wfmock proxy` in front of it on free loopback ports.

JSON: `--rounds` x `--requests` keep-alive GETs of a logs page, alternating direct and proxied; p50/p95 of each and
the p50 the proxy adds, per round.

Streams: `--streams` concurrent streaming runs, first all direct, then all through the proxy. The load client is
one asyncio protocol per connection reading raw bytes: it counts `\\n\\n`-terminated events and stamps each with
its arrival (no HTTP library, no parsing: the client is not the bottleneck; its own CPU time is printed). The
upstream sends event i of a stream `i x --event-delay` after its first, so an event's *lateness* is its arrival
minus (anchor + i x delay), the anchor being the stream's least late event's arrival minus its own i x delay: what
the path added beyond the stream's own pacing, >= 0. The load is chosen so the direct path keeps pace (its
lateness is the machine's: upstream and client on 2 cores).

"Without falling behind", at a given load, means all three:
  1. every stream completes with every event (as many as a lone calibration stream has, ending in
     `workflow_finished`);
  2. proxied per-event lateness p99 is within `LATE_MARGIN_MS` of the direct p99 in the same run (the relay adds
     at most that at the tail, instead of accumulating delay over the stream);
  3. the judge has judged every exchange within `JUDGE_CATCH_UP_S` of the last stream ending (it may trail the
     traffic, never lose it).
Also printed: the same lateness for "steady" events only (those after every stream had its first event: the
opening burst of `--streams` requests at once is request handling, not relaying), time to each stream's first
event, the proxy's CPU seconds over the phase (and until the judge caught up) and its peak RSS, the upstream's
and the client's CPU seconds. Bounded: every phase has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key-000000000000"
MISO = {"Authorization": f"Bearer {KEY}"}
LATE_MARGIN_MS = 50.0
JUDGE_CATCH_UP_S = 30.0
TICKS = os.sysconf("SC_CLK_TCK")
SCENARIO = """name: bench-paced-stream
description: every streamed event {delay} s after the one before, the answer in one chunk (so every stream has
  as many events), no pings (benchmarks/proxy.py)
rules:
  - name: paced
    match: {{operation: runWorkflow}}
    stream: {{event_delay: {delay}, ping_interval: 3600, chunk_size: 1000000}}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- processes -----------------------------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], ready_path: str, profile: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`wfmock ARGS --port P` from this checkout's src/, once it answers `ready_path`."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runner = ["-m", "cProfile", "-o", str(profile), "-m", "wfmock"] if profile else ["-m", "wfmock"]
    process = subprocess.Popen([sys.executable, *runner, *args, "--port", str(port), "--log-level", "error"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(base + ready_path, timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"wfmock {args[0]} did not start")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class Usage:
    """A process's CPU seconds so far and its peak RSS (from /proc)."""

    cpu: float
    peak_rss_mib: float

    @classmethod
    def of(cls, pid: int) -> Usage:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if ":" in line)
        return cls(cpu, int(status.get("VmHWM", "0 kB").split()[0]) / 1024)

    @classmethod
    def self(cls) -> Usage:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return cls(own.ru_utime + own.ru_stime, own.ru_maxrss / 1024)


# -- JSON ----------------------------------------------------------------------------------------------------------

def json_latency(direct: str, proxy: str, requests: int) -> dict[str, float]:
    timings: dict[str, list[float]] = {"direct": [], "proxy": []}
    with httpx.Client(timeout=30) as client:
        for base in (direct, proxy):  # warm-up: connections, validators
            for _ in range(50):
                client.get(base + "/ext/v1/workflows/logs", headers=MISO, params={"limit": 1})
        for index in range(requests * 2):
            name, base = ("direct", direct) if index % 2 == 0 else ("proxy", proxy)
            started = time.perf_counter()
            answer = client.get(base + "/ext/v1/workflows/logs", headers=MISO, params={"limit": 1})
            timings[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
    figures = {f"{name} p{int(q * 100)} ms": percentile(values, q) for name, values in timings.items()
               for q in (0.5, 0.95)}
    figures["proxy adds p50 ms"] = figures["proxy p50 ms"] - figures["direct p50 ms"]
    return figures


# -- streams -------------------------------------------------------------------------------------------------------

@dataclass
class Stream:
    """One streamed run as the load client saw it: when it was sent, when each event (a `\\n\\n`) arrived."""

    sent: float = 0.0
    status: bytes = b""
    arrivals: list[float] = field(default_factory=list)
    finished: bool = False     # `workflow_finished` seen
    error: str | None = None


class Reader(asyncio.Protocol):
    """Sends one request on its own connection (`Connection: close`) and stamps every event as it arrives."""

    def __init__(self, request: bytes, stream: Stream, done: asyncio.Future[None]) -> None:
        self.request, self.stream, self.done = request, stream, done
        self.last = b""  # the previous read's last byte when it is a lone `\n`: a `\n\n` split across reads

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.stream.sent = time.monotonic()
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if not self.stream.status:
            self.stream.status = data[9:12]
        joined = self.last + data
        self.stream.arrivals += [now] * joined.count(b"\n\n")
        self.last = b"\n" if data.endswith(b"\n") and not joined.endswith(b"\n\n") else b""
        if b"workflow_finished" in data:
            self.stream.finished = True

    def connection_lost(self, error: Exception | None) -> None:
        if error is not None:
            self.stream.error = str(error)
        if not self.done.done():
            self.done.set_result(None)


def stream_request(base: str, index: int) -> bytes:
    body = json.dumps({"inputs": {"query": "benchmark"}, "response_mode": "streaming",
                       "user": f"bench-{index}"}).encode()
    host = base.removeprefix("http://")
    return (f"POST /ext/v1/workflows/run HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode() + body


async def run_streams(base: str, count: int, timeout: float) -> list[Stream]:
    loop = asyncio.get_running_loop()
    host, port = base.removeprefix("http://").split(":")
    streams = [Stream() for _ in range(count)]

    async def one(index: int) -> None:
        done: asyncio.Future[None] = loop.create_future()
        try:
            transport, _ = await loop.create_connection(
                lambda: Reader(stream_request(base, index), streams[index], done), host, int(port))
        except OSError as error:
            streams[index].error = str(error)
            return
        try:
            await done
        finally:
            transport.close()

    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), timeout)
    except TimeoutError:
        pass
    return streams


def stream_lateness(arrivals: list[float], delay: float) -> list[float]:
    """Each event's ms behind the stream's own schedule (event i at `anchor + i x delay`, the anchor being its least
    late event): a late first event counts, and so does an event late only next to its neighbours."""
    if not arrivals:
        return []
    anchor = min(at - i * delay for i, at in enumerate(arrivals))
    return [(at - i * delay - anchor) * 1000 for i, at in enumerate(arrivals)]


def stream_figures(streams: list[Stream], expected: int, delay: float) -> dict[str, float]:
    whole = [s for s in streams if s.status == b"200" and s.finished and len(s.arrivals) == expected]
    timed = [(at, lateness) for s in streams for at, lateness in zip(s.arrivals, stream_lateness(s.arrivals, delay))]
    late = [lateness for _, lateness in timed]
    first = [(s.arrivals[0] - s.sent) * 1000 for s in streams if s.arrivals]
    all_open = max((s.arrivals[0] for s in streams if s.arrivals), default=0.0)
    steady = [lateness for at, lateness in timed if at > all_open]
    return {"complete streams": len(whole), "events": sum(len(s.arrivals) for s in streams),
            "lateness p50 ms": percentile(late, 0.5), "lateness p99 ms": percentile(late, 0.99),
            "lateness max ms": max(late, default=float("nan")),
            "steady events": len(steady), "steady late p50 ms": percentile(steady, 0.5),
            "steady late p99 ms": percentile(steady, 0.99), "steady late max ms": max(steady, default=float("nan")),
            "first event p50 ms": percentile(first, 0.5), "first event p99 ms": percentile(first, 0.99)}


def phase(base: str, count: int, expected: int, delay: float, pids: dict[str, int]) -> dict[str, float]:
    before = {name: Usage.of(pid) for name, pid in pids.items()} | {"client": Usage.self()}
    started = time.monotonic()
    streams = asyncio.run(run_streams(base, count, timeout=expected * delay * 4 + 60))
    figures = stream_figures(streams, expected, delay)
    figures["wall s"] = time.monotonic() - started
    after = {name: Usage.of(pid) for name, pid in pids.items()} | {"client": Usage.self()}
    for name in after:
        figures[f"{name} CPU s"] = after[name].cpu - before[name].cpu
    if "proxy" in pids:
        figures["proxy peak RSS MiB"] = after["proxy"].peak_rss_mib
    return figures


def judged_within(proxy: str, exchanges: int, limit: float) -> tuple[float, dict]:
    """Seconds until the proxy's report counts `exchanges` judged (or `limit`), and the report."""
    started = time.monotonic()
    while True:
        report = httpx.get(proxy + "/_wfmock/violations", timeout=30).json()
        if report["exchanges"] + report["not_judged"] >= exchanges or time.monotonic() - started > limit:
            return time.monotonic() - started, report
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="JSON requests each way per round (0: none)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, default=1000, help="concurrent streams (0: none)")
    parser.add_argument("--event-delay", type=float, default=0.25, help="seconds between a stream's events")
    parser.add_argument("--profile", type=Path, default=None, help="run the proxy under cProfile, write it here")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder, "paced.yaml")
        scenario.write_text(SCENARIO.format(delay=args.event_delay))
        upstream_process, upstream = start(["serve", "--no-rate-limit", "--api-key", KEY, "--pace", "0",
                                            "--scenario", str(scenario), "--host", "127.0.0.1"], "/_wfmock/health")
        try:
            proxy_process, proxy = start(["proxy", "--upstream", upstream], "/_wfmock/violations", args.profile)
            try:
                judged = 0
                for round_ in range(1, args.rounds + 1 if args.requests else 1):
                    print(f"JSON exchange, round {round_}: {args.requests} each way (GET /ext/v1/workflows/logs, "
                          f"keep-alive)")
                    for name, value in json_latency(upstream, proxy, args.requests).items():
                        print(f"  {name:<22} {value:8.3f}")
                    judged += args.requests + 50
                if args.streams:
                    calibration = asyncio.run(run_streams(upstream, 1, timeout=120))[0]
                    expected = len(calibration.arrivals)
                    print(f"{args.streams} concurrent SSE streams, {expected} events each, "
                          f"{args.event_delay} s apart:")
                    pids = {"upstream": upstream_process.pid}
                    direct = phase(upstream, args.streams, expected, args.event_delay, pids)
                    proxy_cpu_before = Usage.of(proxy_process.pid).cpu
                    proxied = phase(proxy, args.streams, expected, args.event_delay,
                                    pids | {"proxy": proxy_process.pid})
                    judged += args.streams
                    caught_up, report = judged_within(proxy, judged, limit=120)
                    proxied["proxy CPU s, judged"] = Usage.of(proxy_process.pid).cpu - proxy_cpu_before
                    for name in proxied:
                        shown = f"{direct[name]:10.1f}" if name in direct else " " * 10
                        print(f"  {name:<20} direct {shown}   proxy {proxied[name]:10.1f}")
                    print(f"  judge caught up {caught_up:.1f} s after the last stream; report: "
                          f"{report['exchanges']} judged, {report['not_judged']} not judged, "
                          f"{report['total']} violations")
                    kept = (proxied["complete streams"] == args.streams
                            and proxied["lateness p99 ms"] - direct["lateness p99 ms"] <= LATE_MARGIN_MS
                            and caught_up <= JUDGE_CATCH_UP_S)
                    print(f"  direct kept pace: {direct['complete streams'] == args.streams}; proxy kept pace "
                          f"(all complete, p99 lateness within {LATE_MARGIN_MS:.0f} ms of direct, judged within "
                          f"{JUDGE_CATCH_UP_S:.0f} s): {kept}")
            finally:
                stop(proxy_process)
        finally:
            stop(upstream_process)
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if args.profile:
        print(f"proxy profile: {args.profile} (python -m pstats {args.profile})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
