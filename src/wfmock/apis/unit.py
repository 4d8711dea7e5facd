"""What a simulated API declares to the core (`ApiUnit`), and the parts it is made of."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wfmock.scenario.plan import RunOutcome

if TYPE_CHECKING:
    from wfmock.openapi.spec import ApiSpec
    from wfmock.store import Store


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What a unit's factory may use to build its `Api`: the server's settings that shape behaviour, its store and
    its fixtures folder."""

    store: "Store"
    fixtures: Path
    run_duration: float
    pace: float
    retain: int
    retain_bytes: int


@dataclass(frozen=True, slots=True)
class RunVocabulary:
    """How a scenario's `run:` block reads for one API: the statuses it sends and the outcome type it takes.

    `statuses` are spelled as the API sends them; a scenario may write them in either case (normalised here).
    """

    statuses: tuple[str, ...]
    outcome: type[RunOutcome] = RunOutcome

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(f.name for f in fields(self.outcome))

    def status(self, written: str) -> str | None:
        """The API's spelling of `written`, or None when the API has no such status."""
        return next((status for status in self.statuses if status.lower() == written.lower()), None)

    def parse(self, run: Mapping[str, Any]) -> RunOutcome | None:
        """The outcome of a (schema-checked) `run:` block, or None when its status is not one of this API's."""
        status = run.get("status")
        spelled = None if status is None else self.status(str(status))
        if status is not None and spelled is None:
            return None
        known = {name: value for name, value in run.items() if name in self.fields}
        return self.outcome(**{**known, "status": spelled})


@dataclass(frozen=True, slots=True)
class ApiUnit:
    """Everything wfmock knows about one API, declared in one place.

    - `label`: how messages name it ("imprun", "MISO"); `title`: its documentation title.
    - `prefixes`: the paths it serves; `document`: its OpenAPI document's name (`openapi/<document>.yaml`, or
      inside `document_dir`).
    - `build`: its behaviour's factory by import path (`"package.module:function"`, called with the spec and the
      server's `BuildContext`, returning an `apis.base.Api`): named, not imported, so that reading a unit (the
      scenario loader, the contract kit, the CLI) never loads the serving stack, and the serving stack can
      depend on the units without a loop back.
    - `generic_codes`: its code for each of wfmock's generic errors (`wfmock.errors`); `error_body(status, code,
      message)`: an error in its envelope, for answers made outside it (the HTTP protocol layer, the proxy).
    - `credit_exhausted`: (code, status) when a scenario's credits run out.
    - `run`: its scenario outcome vocabulary; `actions`: the other rule actions that apply to it
      (`stream`, `fixture`).
    - `checks`: the module of its contract checks (loaded by the contract kit only).
    - `record`: the module whose `HOOKS` (`RecordHooks`) the proxy recorder uses for its traffic (None: recorded
      generically).
    """

    name: str
    label: str
    title: str
    prefixes: tuple[str, ...]
    document: str
    build: str
    generic_codes: Mapping[str, str]
    error_body: Callable[[int, str, str], dict[str, Any]]
    credit_exhausted: tuple[str, int]
    run: RunVocabulary
    checks: str
    actions: frozenset[str] = frozenset()
    record: str | None = None
    document_dir: Path | None = None

    def document_path(self) -> Path:
        from wfmock.openapi.document import openapi_dir

        return (self.document_dir or openapi_dir()) / f"{self.document}.yaml"

    def load_spec(self) -> "ApiSpec":
        from wfmock.openapi.spec import ApiSpec

        return ApiSpec.load(self.name, self.document_path())

    def build_api(self, spec: "ApiSpec", context: BuildContext) -> Any:
        """The unit's behaviour (an `apis.base.Api`), from the factory `build` names."""
        module, _, factory = self.build.partition(":")
        return getattr(importlib.import_module(module), factory)(spec, context)

    def generic_code(self, generic: str) -> str:
        return self.generic_codes.get(generic, generic)

    def takes(self, action: str) -> bool:
        """Whether a rule action applies to this API: `stream`, `fixture`, or a `run.<field>`."""
        if action.startswith("run."):
            return action.removeprefix("run.") in self.run.fields
        return action in self.actions
