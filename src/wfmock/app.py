"""Builds the ASGI application from a `Config`: specs, APIs, session, pipeline (and the admin API)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wfmock.apis import registry
from wfmock.apis.unit import BuildContext
from wfmock.auth import Authenticator
from wfmock.clock import Clock
from wfmock.cors import CorsPolicy
from wfmock.journal import Journal
from wfmock.limits import Limits
from wfmock.openapi.document import repo_dir
from wfmock.pipeline import Pipeline
from wfmock.retention import DEFAULT_RETAIN, DEFAULT_RETAIN_BYTES
from wfmock.state import ServerSettings, Session
from wfmock.store import Store, open_store

@dataclass(slots=True)
class Config:
    """What `wfmock serve` was asked for."""

    apis: Sequence[str] = field(default_factory=registry.names)  # every registered API
    api_keys: Sequence[str] = ()
    seed: int | None = None
    pace: float = 1.0
    run_duration: float = 2.0
    retain: int = DEFAULT_RETAIN
    retain_bytes: int = DEFAULT_RETAIN_BYTES
    rate_limits: bool = True
    scenario: str | None = None
    admin: bool = True
    admin_token: str | None = None
    fixtures_dir: Path | None = None
    host: str = "127.0.0.1"              # where the server listens: decides the default CORS origins
    cors_origins: Sequence[str] = ()     # `--cors-origin`; empty: the default of `CorsPolicy.for_server`
    clock: Clock = field(default_factory=Clock)
    scenario_dirs: Sequence[Path] = ()
    limits: Limits = field(default_factory=Limits)
    store_url: str | None = None         # `--store redis://HOST:PORT/DB`; None keeps state in this process
    store_prefix: str = "wfmock"         # `--store-prefix`: several mocks can share one Redis
    store: Store | None = None           # a ready store (tests); wins over `store_url`


def fixtures_dir() -> Path:
    """The bundled fixtures: MISO apps under `apps/`, pinnable payloads under `hometax/`, `wehago/`, `registers/`."""
    return repo_dir() / "fixtures"


def build_app(config: Config | None = None) -> Pipeline:
    config = config or Config()
    fixtures = config.fixtures_dir or fixtures_dir()
    settings = ServerSettings(seed=config.seed, rate_limits=config.rate_limits, fixtures_dir=fixtures)
    units = registry.units(config.apis)
    specs = {unit.name: unit.load_spec() for unit in units}
    from wfmock.scenario import ScenarioLibrary, load_text, resolve
    from wfmock.scenario.model import Scenario

    library = ScenarioLibrary(config.scenario_dirs, fixtures_dir=fixtures)
    startup = None
    if config.scenario:  # the operator's own command line may name a file; a request never can
        startup = library.load(config.scenario) if config.scenario in library.files() else \
            resolve(config.scenario, fixtures_dir=fixtures)
    store = config.store or open_store(config.store_url, prefix=config.store_prefix)

    def load_source(source: dict[str, str]) -> Scenario | None:
        """A scenario switched on through another process: by library name, or the document's text."""
        if "name" in source:
            return library.load(source["name"])
        if "text" in source:
            return load_text(source["text"], source="<admin>", fixtures_dir=library.fixtures_dir)
        return None

    session = Session(
        settings=settings,
        clock=config.clock,
        scenario=startup,
        resolve_scenario=library.load,  # X-Wfmock-Scenario: a name from the library, never a path
        default_rate_limits={name: spec.rate_limits for name, spec in specs.items()},
        store=store,
        load_source=load_source,
    )
    context = BuildContext(store=store, fixtures=fixtures, run_duration=config.run_duration, pace=config.pace,
                           retain=config.retain, retain_bytes=config.retain_bytes)
    apis = [unit.build_api(specs[unit.name], context) for unit in units]
    authenticators = {api.name: Authenticator(api.spec.security_schemes, api.accepted_keys(config.api_keys))
                      for api in apis}
    for api in apis:
        session.on_reset.append(api.reset)
    journal = Journal(max_bytes=config.retain_bytes, store=store)
    pipeline = Pipeline(apis, session, authenticators, journal, limits=config.limits)
    pipeline.cors = CorsPolicy.for_server(config.host, config.cors_origins)
    if config.admin:
        from wfmock.admin import build_admin

        pipeline.admin = build_admin(pipeline, token=config.admin_token, library=library)
    return pipeline
