"""The argparse pieces every `wfmock` command shares: `type=` checks that turn a bad value into one clear line and
exit 2, the parser that says it so, and the `--api` choices (the registered APIs, or `all`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import NoReturn

MAX_SECONDS = 86_400.0
MAX_MEBIBYTES = 1024 * 1024  # 1 TiB: anything above is a typo


def _fail(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


def _integer(text: str) -> int:
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise _fail(f"{text[:40]!r} is not a whole number") from None


def port_number(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise _fail(f"port {value} is out of range (1..65535)")
    return value


def positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise _fail(f"{value} must be at least 1")
    return value


MAX_JSON_DEPTH = 128  # deeper bodies would reach recursion limits in validation and encoding


def json_depth(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= MAX_JSON_DEPTH:
        raise _fail(f"{value} is out of range (1..{MAX_JSON_DEPTH})")
    return value


def seed_number(text: str) -> int:
    value = _integer(text)
    if not 0 <= value < 2**63:
        raise _fail(f"seed {value} is out of range (0..2^63-1)")
    return value


def _number(text: str, what: str = "a number") -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(f"{text[:40]!r} is not {what}") from None
    if not math.isfinite(value):
        raise _fail(f"{text[:40]} is not {what}")
    return value


def finite_seconds(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= MAX_SECONDS:
        raise _fail(f"{text[:40]} is out of range (0..{MAX_SECONDS:g})")
    return value


def mebibytes(text: str) -> int:
    """A size in MiB (fractions allowed, e.g. 0.5), returned in bytes."""
    value = _number(text, "a number of MiB")
    if not 0 < value <= MAX_MEBIBYTES:
        raise _fail(f"{text[:40]} MiB is out of range (more than 0, at most {MAX_MEBIBYTES})")
    return max(1, int(value * 1024 * 1024))


def host_name(text: str) -> str:
    if not text or len(text) > 253 or any(c.isspace() or c == "\x00" for c in text):
        raise _fail(f"{text[:40]!r} is not a host name or address")
    return text


def key_text(text: str) -> str:
    if not text.strip() or len(text) > 1024 or any(ord(c) < 33 or ord(c) == 127 for c in text):
        raise _fail("an API key must be 1..1024 visible characters, without spaces")
    return text


def token_text(text: str) -> str:
    if len(text) < 8 or len(text) > 1024 or any(ord(c) < 33 or ord(c) == 127 for c in text):
        raise _fail("an admin token must be 8..1024 visible characters, without spaces")
    return text


def directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise _fail(f"{text[:200]} is not a directory")
    return path


def cors_origin(text: str) -> str:
    """`*`, or an origin as a browser sends it: scheme://host[:port], no path."""
    if text == "*":
        return text
    scheme, separator, rest = text.partition("://")
    host, _, port = rest.partition(":")
    if (scheme not in ("http", "https") or not separator or not host or "/" in rest
            or any(c.isspace() or c == "\x00" for c in rest) or (port and not (port.isdigit() and 1 <= int(port) <= 65535))):
        raise _fail(f"{text[:80]!r} is not an origin (scheme://host[:port], e.g. http://localhost:3000, or '*')")
    return text.rstrip("/")


def base_url(text: str) -> str:
    """An http(s) URL for a document's `servers` entry."""
    scheme, separator, rest = text.partition("://")
    if scheme not in ("http", "https") or not separator or not rest or any(c.isspace() or c == "\x00" for c in text):
        raise _fail(f"{text[:80]!r} is not an http(s) URL")
    return text


def store_url(text: str) -> str:
    """`--store`: a Redis URL (redis://HOST:PORT/DB, rediss://…, unix://…)."""
    if not text.startswith(("redis://", "rediss://", "unix://")) or len(text) > 1000:
        raise _fail(f"{text[:60]!r} is not a Redis URL (redis://HOST:PORT/DB)")
    return text


def store_prefix(text: str) -> str:
    """`--store-prefix`: letters, digits and `_.-`, so keys of different mocks never overlap by pattern."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", text):
        raise _fail(f"{text[:40]!r}: a store prefix is 1-64 letters, digits, '_', '.' or '-'")
    return text


def api_choices() -> tuple[str, ...]:
    """`--api`: one registered API, or `all`."""
    from wfmock.apis import registry

    return (*registry.names(), "all")


def chosen_apis(choice: str) -> tuple[str, ...]:
    from wfmock.apis import registry

    return registry.names() if choice == "all" else (choice,)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr (`wfmock serve: error: …`) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")
