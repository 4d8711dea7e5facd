"""`wfmock proxy`: a validating proxy in front of a real deployment (see `wfmock proxy --help`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from wfmock.flags import OneLineParser, api_choices, base_url, chosen_apis, finite_seconds, host_name, port_number

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


def upstream_timeout(text: str) -> float:
    value = finite_seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text[:40]} must be more than 0 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="wfmock proxy", description=
                           "Forward traffic to UPSTREAM unchanged, stream answers back as they arrive, and check every "
                           "exchange against the contracts. Exit 0 when nothing broke the contract, 1 otherwise.")
    parser.add_argument("--api", choices=api_choices(), default="all", help="which contract(s) to check")
    parser.add_argument("--upstream", type=base_url, required=True, metavar="URL",
                        help="the deployment to forward to, e.g. https://api.example.com")
    parser.add_argument("--host", type=host_name, default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_number, default=8081, help="1..65535 (default %(default)s)")
    parser.add_argument("--profile", default="documented", choices=("documented", "strict"),
                        help="documented: only what the seed documents state; strict: also every inferred decision")
    parser.add_argument("--report-header", action="store_true",
                        help="add X-Wfmock-Violations to each JSON answer (a JSON answer is then read whole first)")
    parser.add_argument("--fail-on-violation", action="store_true",
                        help="answer 502 with the findings instead of an answer that breaks the contract (every "
                             "answer, streams too, is then read whole and judged before it is sent)")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE", help="on exit, write a JUnit XML report")
    parser.add_argument("--record", type=Path, default=None, metavar="DIR",
                        help="write what went through as fixtures and a replaying scenario (DIR/recorded.yaml)")
    parser.add_argument("--timeout", type=upstream_timeout, default=300.0, help="seconds an upstream answer may take")
    parser.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    return parser


def build(args: argparse.Namespace):
    """The ASGI app and its report for parsed arguments (tests build it in-process)."""
    from wfmock.openapi.profiles import Contract
    from wfmock.proxy.app import ProxyApp, ProxyOptions
    from wfmock.proxy.checks import Judge
    from wfmock.proxy.violations import Violations

    from wfmock.apis import registry

    contracts = {}
    for name in chosen_apis(args.api):
        contract = Contract.load(name, registry.get(name).document_path(), args.profile)
        from wfmock.contract import apis

        overrides = getattr(apis.load(name), f"{args.profile}_overrides", None)
        if overrides is not None:
            overrides(contract)
        contracts[name] = contract
    violations = Violations(args.api, args.upstream, args.profile)
    observers = ()
    recorder = None
    if args.record is not None:
        from wfmock.proxy.record import Recorder

        recorder = Recorder(args.record, contracts)
        observers = (recorder.observe,)
    options = ProxyOptions(upstream=args.upstream, report_header=args.report_header,
                           fail_on_violation=args.fail_on_violation, timeout=args.timeout)
    return ProxyApp(options, Judge(contracts), violations, observers), violations, recorder


def finish(app, violations, recorder, junit: Path | None, out=sys.stdout) -> int:
    """At exit: judge what is queued, print the summary, write JUnit and the recording."""
    from wfmock.contract import report as reporting

    app.drain()
    app.stop()
    report = violations.report()
    print(reporting.summary(report).replace("== wfmock contract:", "== wfmock proxy:", 1), file=out, flush=True)
    if junit is not None:
        reporting.write_junit(report, junit)
    if recorder is not None:
        written = recorder.write()
        print(f"wfmock proxy: recorded {written} into {recorder.directory}", file=out, flush=True)
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    import uvicorn

    logging.basicConfig(level=getattr(logging, args.log_level.upper()), format="%(name)s: %(message)s",
                        stream=sys.stderr)
    app, violations, recorder = build(args)
    print(f"wfmock proxy: http://{args.host}:{args.port} -> {args.upstream} ({args.api}, {args.profile} profile); "
          f"violations at /_wfmock/violations", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                           lifespan="on", access_log=False))
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on: the normal way to end a proxy run
        pass
    except OSError as error:
        print(f"wfmock proxy: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    if not server.started:
        print(f"wfmock proxy: cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return EXIT_USAGE
    return finish(app, violations, recorder, args.junit)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
