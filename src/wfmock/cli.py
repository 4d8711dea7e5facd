"""The `wfmock` command: `serve`, `scenarios validate|list`, `openapi export`, `contract` and `proxy`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from wfmock import __version__
from wfmock.flags import (
    OneLineParser, api_choices, base_url, chosen_apis, cors_origin, directory, finite_seconds, host_name, json_depth,
    key_text, mebibytes, port_number, positive, seed_number, store_prefix, store_url, token_text,
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="wfmock", description=__doc__)
    parser.add_argument("--version", action="version", version=f"wfmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    serve = commands.add_parser("serve", help="run the mock server")
    serve.add_argument("--host", type=host_name, default="127.0.0.1",
                       help="address to listen on; beyond loopback the admin API always needs a token")
    serve.add_argument("--port", type=port_number, default=8080, help="1..65535")
    serve.add_argument("--api", choices=api_choices(), default="all", help="which API(s) to serve")
    serve.add_argument("--api-key", type=key_text, action="append", default=[], metavar="KEY",
                       help="accept only these keys (repeatable); without it any non-empty key is accepted")
    serve.add_argument("--seed", type=seed_number, default=None, help="make every id and payload reproducible")
    serve.add_argument("--scenario", default=None, metavar="NAME|PATH", help="start in this scenario")
    serve.add_argument("--scenario-dir", type=directory, action="append", default=[], metavar="DIR",
                       help="also offer the scenarios in DIR by name (admin API, X-Wfmock-Scenario); repeatable")
    serve.add_argument("--pace", type=finite_seconds, default=1.0,
                       help="stream pace multiplier: 1 is model-like (a second or two), 0 is instant")
    serve.add_argument("--run-duration", type=finite_seconds, default=2.0,
                       help="seconds an imprun run stays RUNNING before it finishes")
    serve.add_argument("--retain", type=positive, default=None, metavar="N",
                       help="runs, files and log entries kept per API and app, oldest forgotten first "
                            "(default 100000)")
    serve.add_argument("--retain-bytes", type=mebibytes, default=None, metavar="MiB",
                       help="also forget the oldest once a store holds this much (default 32 MiB each)")
    serve.add_argument("--max-body-bytes", type=mebibytes, default=None, metavar="MiB",
                       help="largest JSON request body (default 20 MiB)")
    serve.add_argument("--max-field-bytes", type=mebibytes, default=None, metavar="MiB",
                       help="largest string in a JSON body (default 4 MiB)")
    serve.add_argument("--max-json-depth", type=json_depth, default=None, metavar="N",
                       help="deepest nesting of arrays and objects in a JSON body (default 64, at most 128)")
    serve.add_argument("--no-rate-limit", action="store_true",
                       help="turn the documented rate limits off (for contract runs against the mock)")
    serve.add_argument("--no-admin", action="store_true", help="do not serve the /_wfmock admin API")
    serve.add_argument("--admin-token", type=token_text, default=None,
                       help="require this bearer token on the admin API (generated and printed when "
                            "listening beyond loopback without one)")
    serve.add_argument("--cors-origin", type=cors_origin, action="append", default=[], metavar="ORIGIN",
                       help="let browser apps from this origin call the mock (repeatable; '*' for any). Default: "
                            "any origin on a loopback --host, loopback origins otherwise")
    serve.add_argument("--store", type=store_url, default=None, metavar="redis://HOST:PORT/DB",
                       help="keep state in Redis, so several processes (--workers, or instances behind a balancer) "
                            "act as one mock; default: in this process's memory")
    serve.add_argument("--store-prefix", type=store_prefix, default="wfmock", metavar="NAME",
                       help="namespace of this mock's Redis keys (reset clears only these); default wfmock")
    serve.add_argument("--workers", type=positive, default=1, metavar="N",
                       help="serve with N processes; more than one needs --store (they must share state)")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))

    scenarios = commands.add_parser("scenarios", help="check and list scenario files")
    scenario_commands = scenarios.add_subparsers(dest="scenario_command", required=True)
    validate = scenario_commands.add_parser("validate", help="report every problem in scenario files")
    validate.add_argument("files", nargs="+")
    scenario_commands.add_parser("list", help="list the bundled scenarios")

    openapi = commands.add_parser("openapi", help="the contracts as tools want them")
    openapi_commands = openapi.add_subparsers(dest="openapi_command", required=True)
    export = openapi_commands.add_parser("export", help="print an OpenAPI document (3.2 as written, or a 3.1 export)")
    export.add_argument("--api", choices=chosen_apis("all"), required=True)
    export.add_argument("--oas", choices=("3.2", "3.1"), default="3.2",
                        help="3.1 for tools that refuse 3.2 (MISO's stream itemSchema moves to x-wfmock-item-schema)")
    export.add_argument("--server", type=base_url, default=None, metavar="URL", help="put this base URL first in `servers`")
    export.add_argument("--format", choices=("yaml", "json"), default="yaml")
    export.add_argument("--output", "-o", default=None, metavar="FILE", help="write here instead of stdout")

    commands.add_parser("contract", help="check a server against the contracts (see `wfmock contract --help`)",
                        add_help=False)
    commands.add_parser("proxy", help="a validating (and recording) proxy in front of a real deployment "
                                      "(see `wfmock proxy --help`)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:  # `wfmock scenarios list | head`: the reader left; no traceback, no second error at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(argv: list[str]) -> int:
    if argv[:1] == ["contract"]:
        from wfmock.contract.cli import main as contract_main

        return contract_main(argv[1:])
    if argv[:1] == ["proxy"]:
        from wfmock.proxy.cli import main as proxy_main

        return proxy_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "openapi":
        return _export(args)
    from wfmock.scenario import cli as scenario_cli

    if args.scenario_command == "validate":
        return scenario_cli.validate(args.files)
    return scenario_cli.list_bundled()


def _serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from wfmock.admin import needs_token, new_token
    from wfmock.app import Config
    from wfmock.limits import Limits
    from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES
    from wfmock.scenario import ScenarioError
    from wfmock.server import serve

    if args.workers > 1 and not args.store:
        print(f"wfmock: --workers {args.workers} needs --store redis://HOST:PORT/DB: each worker would otherwise "
              "keep its own runs, limits and scenario", file=sys.stderr)
        return 2
    token = args.admin_token
    if token is None and not args.no_admin and needs_token(args.host):
        token = new_token()
        print(f"wfmock: listening on {args.host}, beyond loopback: the admin API needs "
              f"`Authorization: Bearer {token}` (set your own with --admin-token)", file=sys.stderr, flush=True)
    limits = Limits()
    for flag, name in (("max_body_bytes", "body_bytes"), ("max_field_bytes", "field_bytes"),
                       ("max_json_depth", "json_depth")):
        if getattr(args, flag) is not None:
            limits = replace(limits, **{name: getattr(args, flag)})
    config = Config(
        apis=chosen_apis(args.api),
        api_keys=tuple(args.api_key),
        seed=args.seed,
        pace=args.pace,
        run_duration=args.run_duration,
        retain=args.retain if args.retain is not None else DEFAULT_RETAIN,
        retain_bytes=args.retain_bytes if args.retain_bytes is not None else DEFAULT_RETAIN_BYTES,
        rate_limits=not args.no_rate_limit,
        scenario=args.scenario,
        admin=not args.no_admin,
        admin_token=token,
        scenario_dirs=tuple(args.scenario_dir),
        limits=limits,
        host=args.host,
        cors_origins=tuple(args.cors_origin),
        store_url=args.store,
        store_prefix=args.store_prefix,
    )
    try:
        serve(config, args.host, args.port, args.log_level, workers=args.workers)
    except ScenarioError as error:
        print(f"wfmock: {str(error).splitlines()[0]}" if len(error.problems) == 1 else f"wfmock: {error}",
              file=sys.stderr)
        return 2
    except OSError as error:  # the port is taken, or the host cannot be bound
        print(f"wfmock: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0


def _export(args: argparse.Namespace) -> int:
    from wfmock.export import export, render

    text = render(export(args.api, args.oas, args.server), args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            print(f"wfmock: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0
