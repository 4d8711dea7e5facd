"""Scenario files: YAML → validated model, every problem with its line, never half-applied."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from wfmock.scenario import ScenarioError, bundled, bundled_dir, load_text, resolve, schema_path
from wfmock.scenario import cli as scenario_cli
from wfmock.scenario.catalogue import catalogue
from wfmock.scenario.model import Scenario
from wfmock.state import ServerSettings, Session

ROOT = Path(__file__).resolve().parents[2]

FULL = """\
# yaml-language-server: $schema=../src/wfmock/scenario/schema.json
name: full-example
description: Every feature once
rate_limits:
  imprun: {per_second: 3, per_hour: 100}
  miso: [{window: 60, limit: 5}]
credits:
  imprun: {initial: 2}
  miso: {initial: 10, cost: 2}
credentials:
  default: expired
  ids: {cred_ok: valid, cred_bad: wrong_password}
rules:
  - name: slow-logs
    match:
      operation: listWorkflowLogs
      method: get
      query: {status: {one_of: [failed, stopped]}}
      headers: {X-Tenant: acme}
    when: {first: 2}
    latency: {uniform: {min: 0.1, max: 0.2}}
  - match:
      api: miso
      operation: [runWorkflow]
      body:
        /inputs/query: {regex: "^보고서"}
        /user: {present: true}
    when: {every: 3, probability: 0.5}
    stream: {event_delay: 0.1, chunk_size: 2, error_after: 4, error_code: app_unavailable}
    run: {status: failed, failed_node: llm}
  - name: stop
    match: {path_params: {task_id: t-1}}
    fault: {kind: truncate, bytes: 10}
    latency: 0.25
  - name: uploads
    match: {operation: uploadFile}
    when: always
    error: {code: s3_connection_failed, message: storage down}
    fault: reset
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(textwrap.dedent(text), source="s.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_full_example_loads_into_the_model() -> None:
    scenario = load_text(FULL, source="full.yaml")
    assert scenario.name == "full-example"
    assert scenario.rate_limits == {"imprun": ((1.0, 3), (3600.0, 100)), "miso": ((60.0, 5),)}
    assert scenario.credits["imprun"].initial == 2 and scenario.credits["imprun"].cost == 1
    assert scenario.credits["miso"].cost == 2
    assert scenario.default_credential == "expired" and scenario.credentials["cred_bad"] == "wrong_password"
    slow, second, stop, uploads = scenario.rules
    assert slow.match.methods == ("GET",) and "x-tenant" in slow.match.headers
    assert slow.when.first == 2 and slow.latency.kind == "uniform" and slow.line == 14
    assert second.name == "rule-2" and second.match.api == "miso" and second.match.operations == ("runWorkflow",)
    assert second.stream.error_after == 4 and second.run["miso"].failed_node == "llm"
    assert stop.fault.kind == "truncate" and stop.fault.bytes == 10 and stop.latency.value == 0.25
    assert uploads.error.code == "s3_connection_failed" and uploads.error.status is None
    assert uploads.fault.kind == "reset" and uploads.when.first is None


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("name: x\n", 1, "missing required key `description`"),
    ("name: x\ndescription: d\nrulez: []\n", 3, "unknown key `rulez` (did you mean `rules`?)"),
    ("name: two words\ndescription: d\n", 1, "use letters, digits"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: misoo}\n", 4, "'misoo' is not one of"),
    ("name: x\ndescription: d\nrules:\n  - match:\n      api: miso\n      operation: runWorkflo\n", 6,
     "unknown operation `runWorkflo` (did you mean `runWorkflow`?)"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: imprun, operation: runWorkflow}\n", 4,
     "belongs to miso, not imprun"),
    ("name: x\ndescription: d\nrules:\n  - match: {method: FETCH}\n", 4, "not an HTTP method"),
    ("name: x\ndescription: d\nrules:\n  - match:\n      body:\n        params/x: 1\n", 6, "not a JSON pointer"),
    ("name: x\ndescription: d\nrules:\n  - match:\n      query: {a: {equals: 1, regex: b}}\n", 5,
     "give exactly one of: equals, one_of, regex, present"),
    ("name: x\ndescription: d\nrules:\n  - match:\n      headers:\n        x-a: {regex: '('}\n", 6,
     "invalid regular expression"),
    ("name: x\ndescription: d\nrules:\n  - when: sometimes\n", 4, "'sometimes' is not valid here"),
    ("name: x\ndescription: d\nrules:\n  - when: {firts: 2}\n", 4, "unknown key `firts` (did you mean `first`?)"),
    ("name: x\ndescription: d\nrules:\n  - when: {probability: 1.5}\n", 4, "must be at most 1"),
    ("name: x\ndescription: d\nrules:\n  - when: {every: 0}\n", 4, "must be at least 1"),
    ("name: x\ndescription: d\nrules:\n  - latency: 2s\n", 4, "'2s' is not valid here"),
    ("name: x\ndescription: d\nrules:\n  - latency:\n      uniform: {min: 3}\n", 5, "missing required key `max`"),
    ("name: x\ndescription: d\nrules:\n  - latency:\n      uniform: {min: 3, max: 1}\n", 5, "min (3) is above max (1)"),
    ("name: x\ndescription: d\nrules:\n  - latency:\n      lognormal: {median: 0, sigma: 1}\n", 5,
     "must be more than 0"),
    ("name: x\ndescription: d\nrules:\n  - fault: {kind: drip}\n", 4, "missing required key `bytes_per_second`"),
    ("name: x\ndescription: d\nrules:\n  - fault: {kind: truncate, fraction: 0.5, bytes: 3}\n", 4,
     "either `fraction` or `bytes`"),
    ("name: x\ndescription: d\nrules:\n  - fault: explode\n", 4, "'explode' is not valid here"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: miso}\n    error: not_a_code\n", 5,
     "`not_a_code` is not a documented miso error code"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: miso}\n    error: {code: invalid_param, status: 200}\n", 5,
     "must be at least 400"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: miso}\n    stream: {error_after: 1, error_code: nope}\n", 5,
     "`nope` is not a documented miso error code"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: miso}\n    stream: {stall_after: 2}\n", 5,
     "`stall_after` needs `stall_seconds` too"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: imprun}\n    stream: {event_delay: 1}\n", 5,
     "stream shaping applies to MISO streams only"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: miso}\n    run: {status: TIMED_OUT}\n", 5,
     "not a run status for miso"),
    ("name: x\ndescription: d\nrules:\n  - match: {api: miso}\n    fixture: a.json\n", 5,
     "`fixture` applies to imprun runs only"),
    ("name: x\ndescription: d\nrules:\n  - fixture: /etc/passwd\n", 4, "give a .json file relative to fixtures/"),
    ("name: x\ndescription: d\nrules:\n  - name: a\n  - name: a\n", 5, "rule name `a` already used by rules[0]"),
    ("name: x\ndescription: d\nrate_limits:\n  imprun: {per_day: 3}\n", 4, "unknown key `per_day`"),
    ("name: x\ndescription: d\ncredits:\n  miso: {initial: -1}\n", 4, "must be at least 0"),
    ("name: x\ndescription: d\ncredentials:\n  default: wrong\n", 4, "'wrong' is not one of"),
    ("name: x\ndescription: d\nname: y\n", 3, "duplicate key (first given on line 1)"),
    ("name: x\ndescription: [\n", 3, "YAML syntax error"),
    ("", 1, "the file is empty"),
    ("- a\n- b\n", 1, "a scenario is a mapping"),
])
def test_each_problem_is_reported_with_its_line(text: str, line: int, fragment: str) -> None:
    found = problems_of(text)
    assert any(p.startswith(f"s.yaml:{line}: ") and fragment in p for p in found), found


@pytest.mark.skipif(catalogue("imprun") is None, reason="openapi/imprun.yaml not available")
def test_imprun_error_codes_are_checked_against_the_imprun_catalogue() -> None:
    found = problems_of("name: x\ndescription: d\nrules:\n  - match: {api: imprun}\n    error: INTERNAL_EROR\n"
                        "  - match: {api: imprun}\n    run: {status: FAILED, error_code: NOPE}\n")
    assert any(p.startswith("s.yaml:5: ") and "did you mean `INTERNAL_ERROR`" in p for p in found), found
    assert any(p.startswith("s.yaml:7: ") and "`NOPE` is not a documented imprun error code" in p for p in found)


@pytest.mark.skipif(catalogue("imprun") is None, reason="openapi/imprun.yaml not available")
def test_a_code_of_one_api_in_a_rule_for_both_is_rejected() -> None:
    found = problems_of("name: x\ndescription: d\nrules:\n  - error: app_unavailable\n")
    assert any("s.yaml:4: " in p and "not a documented imprun error code" in p and "match.api" in p for p in found)


def test_every_problem_is_reported_in_line_order() -> None:
    found = problems_of("""\
        name: x
        description: d
        rules:
          - match: {api: misoo}
            latency: -1
          - when: {first: 0}
            fault: {kind: drip}
        bogus: 1
        """)
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines)
    assert set(lines) == {4, 5, 6, 7, 8}


def test_an_invalid_file_is_never_half_applied(tmp_path: Path) -> None:
    good = load_text("name: good\ndescription: d\nrules:\n  - {match: {api: miso}, error: app_unavailable}\n")
    session = Session(ServerSettings(), scenario=good)
    broken = "name: broken\ndescription: d\nrules:\n  - {match: {api: miso}, error: app_unavailable}\n  - latency: x\n"
    with pytest.raises(ScenarioError):
        session.use_scenario(load_text(broken))
    assert session.scenario is good and session.engine.scenario is good


def test_problems_carry_their_line_and_source() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text("name: x\ndescription: d\nrules:\n  - latency: x\n", source="here.yaml")
    problem = caught.value.problems[0]
    assert problem.line == 4 and problem.source == "here.yaml"
    assert str(caught.value).startswith("here.yaml:4: rules[0].latency:")


# -- schema, bundled library, resolve and the CLI ----------------------------------------------------


def test_schema_is_shipped_and_valid() -> None:
    path = schema_path()
    assert path.is_file() and path.parent.name == "scenario"
    Draft7Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
    assert '"**/*.json"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_bundled_library_is_complete_and_valid() -> None:
    files = sorted(bundled_dir().glob("*.yaml"))
    assert len(files) >= 12
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == "# yaml-language-server: $schema=../src/wfmock/scenario/schema.json", path
        assert (path.parent / "../src/wfmock/scenario/schema.json").resolve() == schema_path().resolve()
        scenario = resolve(path.stem)
        assert scenario.name == path.stem
        assert scenario.description and "\n" not in scenario.description
    assert [name for name, _ in bundled()] == [path.stem for path in files]


def test_resolve_by_name_and_by_path(tmp_path: Path) -> None:
    assert isinstance(resolve("flaky"), Scenario)
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\ndescription: mine\n", encoding="utf-8")
    assert resolve(str(own)).name == "mine"
    with pytest.raises(ScenarioError, match="no such scenario"):
        resolve("no-such-scenario")
    with pytest.raises(ScenarioError, match="cannot read"):
        resolve(str(tmp_path / "missing.yaml"))
    with pytest.raises(ScenarioError, match="only bundled scenario names"):
        resolve(str(own), bundled_only=True)
    assert resolve("flaky", bundled_only=True).name == "flaky"


def test_cli_validate_prints_file_line_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: d\nrules:\n  - latency: fast\n  - when: {every: 0}\n", encoding="utf-8")
    out = io.StringIO()
    assert scenario_cli.validate([str(bad), str(bundled_dir() / "flaky.yaml")], out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{bad}:4: rules[0].latency:")
    assert lines[1].startswith(f"{bad}:5: rules[1].when.every: must be at least 1")
    assert any(line.endswith("flaky.yaml: ok (flaky, 2 rules)") for line in lines)
    out = io.StringIO()
    assert scenario_cli.validate([str(bundled_dir() / "flaky.yaml")], out=out) == 0


def test_cli_list_shows_name_and_description() -> None:
    out = io.StringIO()
    assert scenario_cli.list_bundled(out=out) == 0
    text = out.getvalue()
    for name, description in bundled():
        assert any(line.startswith(name) and line.endswith(description) for line in text.splitlines())


def test_the_readme_example_is_valid() -> None:
    text = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8").split("```yaml\n")[1].split("```")[0]
    scenario = load_text(text, source="README.md")
    assert [rule.name for rule in scenario.rules] == ["slow-hometax", "stream-trouble"]
