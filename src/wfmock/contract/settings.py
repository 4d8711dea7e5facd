"""The options of one contract run, checked once, shared by the CLI and the pytest plugin."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wfmock.openapi.profiles import PROFILES

FAMILIES = ("schemathesis", "error-envelope", "auth", "sse", "lifecycle", "logs", "rate-limit")
DEFAULT_FAMILIES = ("schemathesis", "error-envelope", "auth", "sse", "lifecycle", "logs")
DEFAULT_MAX_EXAMPLES = 20
PHASES = ("examples", "coverage", "fuzzing", "stateful")


class UsageError(ValueError):
    """A bad option or configuration: the run cannot start (exit code 2)."""


@dataclass
class Settings:
    api: str
    base_url: str
    api_key: str
    profile: str = "documented"
    max_examples: int = DEFAULT_MAX_EXAMPLES
    families: tuple[str, ...] = DEFAULT_FAMILIES
    junit: Path | None = None
    seed: int = 0
    rate: float | None = None          # requests/s; None: what the contract documents (no limit: unpaced)
    spec: Path | None = None           # the OpenAPI document; default: openapi/<api>.yaml
    timeout: float = 30.0
    workers: int = 1  # see `--workers` in cli.py
    phases: tuple[str, ...] = PHASES  # schemathesis phases
    strict_inconclusive: bool = False  # what could not be verified is a failure (exit 1)
    # False when the server is known to accept any key (a wfmock mock in open mode, see target.py): no auth checks
    auth_enforced: bool = True
    # True when the server is a wfmock mock (see target.py): the stop check may hold a stream open with a scenario
    wfmock_target: bool = False

    def __post_init__(self) -> None:
        from wfmock.apis import registry

        if self.api not in registry.names():
            raise UsageError(f"--api must be one of {', '.join(registry.names())}, not {self.api!r}")
        if not self.base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must be an http(s) URL, not {self.base_url!r}")
        self.base_url = self.base_url.rstrip("/")
        if not self.api_key:
            raise UsageError("--api-key must not be empty")
        if self.profile not in PROFILES:
            raise UsageError(f"--profile must be one of {', '.join(PROFILES)}, not {self.profile!r}")
        if self.max_examples < 1:
            raise UsageError("--max-examples must be at least 1")
        if self.rate is not None and self.rate < 0:
            raise UsageError("--rate must be 0 (unpaced) or more")
        if not self.phases or any(phase not in PHASES for phase in self.phases):
            raise UsageError(f"--phases must name some of {', '.join(PHASES)}, not {','.join(self.phases)!r}")
        unknown = [name for name in self.families if name not in FAMILIES]
        if unknown:
            raise UsageError(f"unknown check families {', '.join(unknown)}; known: {', '.join(FAMILIES)}")
        if self.spec is None:
            try:
                self.spec = registry.get(self.api).document_path()
            except FileNotFoundError as error:
                raise UsageError(str(error)) from None
        if not Path(self.spec).is_file():
            raise UsageError(f"the contract {self.spec} does not exist")


def parse_families(include: str | None, only: str | None = None) -> tuple[str, ...]:
    """`--include a,b` adds opt-in families to the defaults; `--only a,b` replaces them."""
    if only:
        return tuple(name.strip() for name in only.split(",") if name.strip())
    extra = tuple(name.strip() for name in (include or "").split(",") if name.strip())
    return DEFAULT_FAMILIES + tuple(name for name in extra if name not in DEFAULT_FAMILIES)


def parse_phases(value: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip()) if value else PHASES
