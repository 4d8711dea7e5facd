"""How long both APIs' default contract runs take against the mock (the target: under 90 s together).

Starts `wfmock serve` as it starts by default (rate limits on, model-like stream pace) with one key,
runs `wfmock contract --api imprun` and `--api miso` with every other option at its default, and, as
a same-run baseline, a bare `schemathesis run` of the same spec with the same `--max-examples`
(credentials per security scheme, nothing else). Prints seconds per API, the total, and the ratio.
Every subprocess has a deadline, so the script stops by itself.

    /tmp/probe/bin/python benchmarks/contract_runtime.py [--max-examples N] [--timeout S]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import running_server  # noqa: E402
from wfmock.contract.settings import DEFAULT_MAX_EXAMPLES  # noqa: E402

KEY = "benchmark-key"
APIS = ("imprun", "miso")
SCHEMATHESIS_TOML = f"""
[auth.openapi.ApiKeyAuth]
api_key = "{KEY}"

[auth.openapi.BearerAuth]
bearer = "{KEY}"
"""


def timed(command: list[str], timeout: float, cwd: Path = ROOT) -> tuple[float, int | str]:
    """Wall seconds of one command and its exit code ("timeout" when it had to be stopped)."""
    started = time.monotonic()
    try:
        code: int | str = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    return time.monotonic() - started, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES,
                        help="only for the baseline; the contract runs use their default (%(default)s)")
    parser.add_argument("--timeout", type=float, default=300.0, help="deadline per run, seconds")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare schemathesis runs")
    args = parser.parse_args()
    schemathesis = str(Path(sys.executable).parent / "schemathesis")
    kit: dict[str, tuple[float, int | str]] = {}
    bare: dict[str, tuple[float, int | str]] = {}
    with running_server("--api-key", KEY, "--seed", "1") as url, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "schemathesis.toml"
        config.write_text(SCHEMATHESIS_TOML)
        for api in APIS:
            kit[api] = timed([sys.executable, "-m", "wfmock", "contract", "--api", api, "--base-url", url,
                              "--api-key", KEY, "-q"], args.timeout)
            print(f"wfmock contract --api {api:<6} {kit[api][0]:6.1f} s  (exit {kit[api][1]})", flush=True)
        if not args.no_baseline:
            for api in APIS:
                spec = str(ROOT / "openapi" / f"{api}.yaml")
                bare[api] = timed([schemathesis, "--config-file", str(config), "run", spec, "--url", url,
                                   "--max-examples", str(args.max_examples), "--seed", "1", "--no-color"],
                                  args.timeout, cwd=Path(tmp))
                print(f"schemathesis run {api:<6}        {bare[api][0]:6.1f} s  (exit {bare[api][1]}, baseline)",
                      flush=True)
    total = sum(seconds for seconds, _ in kit.values())
    print(f"total (both default contract runs): {total:.1f} s  (target: under 90 s)")
    if bare:
        baseline = sum(seconds for seconds, _ in bare.values())
        print(f"baseline (bare schemathesis run, --max-examples {args.max_examples}): {baseline:.1f} s; "
              f"ratio kit / bare: {total / baseline:.2f}")
        for api in APIS:
            print(f"  {api}: {kit[api][0] / bare[api][0]:.2f}")
    return 0 if total < 90 and all(code == 0 for _, code in kit.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
