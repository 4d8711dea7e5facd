"""Scenario regexes run on RE2 (linear time), so no pattern can stall the server by backtracking.

Python's `re` takes seconds for `^(a+)+$` against 28 characters; RE2 answers in microseconds for
any pattern and input. RE2 has no backreferences or lookaround; such a pattern is refused when
the scenario loads, with RE2's own reason.
"""

from __future__ import annotations

from typing import Any

import re2

from wfmock.scenario.limits import MAX_REGEX_CHARS

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False       # the reason goes into the scenario problem, not to stderr
_OPTIONS.max_mem = 8 << 20        # a pattern whose automaton needs more is refused, not built


class RegexError(ValueError):
    """A pattern RE2 cannot compile, or one over the length limit."""


def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern (`.search(text)` as with `re`), or `RegexError` saying why not."""
    if len(pattern) > MAX_REGEX_CHARS:
        raise RegexError(f"longer than {MAX_REGEX_CHARS} characters")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(f"{reason} (RE2 syntax: no backreferences or lookaround)") from None
