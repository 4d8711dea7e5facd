"""`wfmock contract`: check a server against a contract; exit 0 conforms, 1 violations (or, with
`--strict-inconclusive`, anything not verified), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wfmock.apis import registry
from wfmock.contract.settings import (
    DEFAULT_MAX_EXAMPLES,
    FAMILIES,
    PHASES,
    Settings,
    UsageError,
    parse_families,
    parse_phases,
)

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; raise so `main` returns instead of exiting
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wfmock contract", description=__doc__)
    parser.add_argument("--api", required=True, choices=registry.names(), help="which contract to check")
    parser.add_argument("--base-url", required=True, help="the server under test, e.g. http://127.0.0.1:8080")
    parser.add_argument("--api-key", required=True, help="a valid key (sent per the contract's security scheme)")
    parser.add_argument("--profile", default="documented", choices=("documented", "strict"),
                        help="documented: only what the seed documents state; strict: also every inferred decision")
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES,
                        help="schemathesis examples per operation and phase (default %(default)s)")
    parser.add_argument("--include", default="", metavar="FAMILY,...",
                        help="opt-in check families to add (rate-limit spends quota); families: " + ", ".join(FAMILIES))
    parser.add_argument("--only", default="", metavar="FAMILY,...", help="run only these check families")
    parser.add_argument("--phases", default=",".join(PHASES), metavar="PHASE,...",
                        help="schemathesis phases to run (default: all of %(default)s)")
    parser.add_argument("--junit", type=Path, default=None, metavar="PATH", help="write a JUnit XML report")
    parser.add_argument("--seed", type=int, default=0, help="seed for generated data (default %(default)s)")
    parser.add_argument("--rate", type=float, default=None, metavar="N",
                        help="at most N requests/s (0: unpaced; default: under the contract's documented limit)")
    parser.add_argument("--spec", type=Path, default=None, help="the OpenAPI document (default openapi/<api>.yaml)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request or stream")
    parser.add_argument("--workers", type=int, default=1,
                        help="schemathesis worker threads (default %(default)s; more give no gain on a small machine, "
                             "and CPython 3.11 before 3.11.8 can fail with 'AST constructor recursion depth mismatch' "
                             "when hypothesis parses source in two threads at once, gh-106905)")
    parser.add_argument("--strict-inconclusive", action="store_true",
                        help="what could not be verified (a run too fast to stop, a limit not reached, an operation "
                             "the profile skips) fails the run instead of being listed as not verified")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines, only the summary")
    return parser


def settings_from_args(argv: Sequence[str]) -> tuple[Settings, argparse.Namespace]:
    args = build_parser().parse_args(list(argv))
    settings = Settings(api=args.api, base_url=args.base_url, api_key=args.api_key, profile=args.profile,
                        max_examples=args.max_examples, families=parse_families(args.include, args.only),
                        junit=args.junit, seed=args.seed, rate=args.rate, spec=args.spec, timeout=args.timeout,
                        workers=max(args.workers, 1), phases=parse_phases(args.phases),
                        strict_inconclusive=args.strict_inconclusive)
    return settings, args


def main(argv: Sequence[str]) -> int:
    try:
        settings, args = settings_from_args(argv)
    except UsageError as error:
        print(f"wfmock contract: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    from wfmock.contract import report as reporting
    from wfmock.contract import runner

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    try:
        result = runner.run(settings, progress)
    except UsageError as error:
        print(f"wfmock contract: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("wfmock contract: interrupted", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(reporting.summary(result), flush=True)
    if settings.junit is not None:
        reporting.write_junit(result, settings.junit)
    return EXIT_CONFORMS if result.conforms else EXIT_VIOLATIONS


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
