"""The kit recognises a wfmock mock in open mode (any key accepted) and leaves authentication unchecked, saying so."""

from __future__ import annotations

from tests.support import free_port
from wfmock.contract import apis, engine, runner
from wfmock.contract.settings import Settings
from wfmock.contract.target import accepts_any_key, wfmock_health
from wfmock.openapi.profiles import Contract


def settings_for(base_url: str, api: str = "miso") -> Settings:
    return Settings(api=api, base_url=base_url, api_key="some-key", timeout=10)


def open_mode(base_url: str, api: str) -> bool:
    settings = settings_for(base_url, api)
    return accepts_any_key(settings, wfmock_health(settings))


def test_an_open_mode_mock_is_recognised_per_api(server: str, strict_server: str) -> None:
    assert open_mode(server, "miso") and open_mode(server, "imprun")
    assert not open_mode(strict_server, "miso") and not open_mode(strict_server, "imprun")


def test_a_server_that_is_not_a_wfmock_is_assumed_to_enforce_auth() -> None:
    settings = settings_for(f"http://127.0.0.1:{free_port()}")  # nothing listening
    assert wfmock_health(settings) is None and not accepts_any_key(settings, None)
    assert runner.learn_target(settings) is None and settings.auth_enforced and not settings.wfmock_target


def test_against_an_open_mock_the_auth_checks_are_off_and_the_reason_is_reported(server: str) -> None:
    settings = settings_for(server)
    outcome = runner.learn_target(settings)
    assert outcome is not None and outcome.check == "auth" and outcome.passed and not outcome.verified
    [reason] = [item.reason for item in outcome.inconclusive]
    assert "open mode" in reason and "--api-key" in reason
    assert not settings.auth_enforced
    assert all(check.family != "auth" for check in runner.selected_checks(settings, apis.load("miso")))
    contract = Contract.load("miso", settings.spec, settings.profile)
    assert engine.build_config(contract, settings)["checks"]["ignored_auth"] == {"enabled": False}


def test_against_a_strict_mock_everything_is_checked(strict_server: str) -> None:
    settings = settings_for(strict_server)
    assert runner.learn_target(settings) is None and settings.auth_enforced and settings.wfmock_target
    assert any(check.family == "auth" for check in runner.selected_checks(settings, apis.load("miso")))
    contract = Contract.load("miso", settings.spec, settings.profile)
    assert "ignored_auth" not in engine.build_config(contract, settings)["checks"]
