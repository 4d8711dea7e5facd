"""YAML → validated `Scenario`: structure by the shipped JSON Schema, meaning by the API catalogues.

Every problem is collected (with its line) before anything is built, so a scenario with one
problem is rejected whole: `load_text` returns a complete `Scenario` or raises `ScenarioError`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from wfmock.apis import registry
from wfmock.openapi.operations import HTTP_METHODS
from wfmock.scenario.catalogue import api_of_operation, catalogue
from wfmock.scenario.errors import Problem, ScenarioError
from wfmock.scenario.limits import MAX_FIXTURE_BYTES, check_text, decode_text, read_bounded
from wfmock.scenario.regex import RegexError, compile_pattern
from wfmock.scenario.model import (
    Condition, CreditPolicy, Latency, Match, Rule, Scenario, When,
)
from wfmock.scenario.plan import Fault, ForcedError, Replay, RunOutcome, StreamShape
from wfmock.scenario.source import Document, Path, parse

RULE_METHODS = tuple(method.upper() for method in HTTP_METHODS)  # a rule may match any method a document can have
WINDOWS = {"per_second": 1.0, "per_minute": 60.0, "per_hour": 3600.0}
Intact = Callable[[Path], bool]
TYPE_NAMES = {"string": "text", "number": "a number", "integer": "a whole number", "object": "a mapping",
              "array": "a list", "boolean": "true or false", "null": "null"}


def _validator() -> Draft7Validator:
    return _validator_for(registry.names())


@lru_cache(maxsize=4)
def _validator_for(apis: tuple[str, ...]) -> Draft7Validator:
    """The shipped schema, its API names (`match.api`, `rate_limits`, `credits`) those of the registry."""
    schema = json.loads(FilePath(__file__).with_name("schema.json").read_text(encoding="utf-8"))
    properties = schema["properties"]
    for part in ("rate_limits", "credits"):
        reference = next(iter(properties[part]["properties"].values()))
        properties[part]["properties"] = {api: reference for api in apis}
    schema["definitions"]["match"]["properties"]["api"]["enum"] = list(apis)
    return Draft7Validator(schema)


def load_bytes(data: bytes, source: str = "<scenario>", fixtures_dir: FilePath | None = None,
               base_dir: FilePath | None = None) -> Scenario:
    """The scenario in `data` (UTF-8 without NUL bytes, within the size limit); see `load_text`."""
    return load_text(decode_text(data, source), source, fixtures_dir, base_dir)


def load_text(text: str, source: str = "<scenario>", fixtures_dir: FilePath | None = None,
              base_dir: FilePath | None = None) -> Scenario:
    """The scenario in `text`, or `ScenarioError` listing every problem (sorted by line).

    With `fixtures_dir`, every `fixture` a rule names must be a readable JSON file inside it. `base_dir` is the
    scenario file's folder: `./` fixtures and `replay` files are read from inside it (a recording's own files);
    a scenario without a folder (text from elsewhere) cannot name them.
    """
    check_text(text, source)
    document, problems = parse(text, source)
    if document is not None:
        problems += check(document)
    replays: dict[str, Replay] = {}
    if document is not None and not problems:
        local, problems_local = check_local_files(document, base_dir)
        problems += problems_local
        replays = local
    if document is not None and not problems and fixtures_dir is not None:
        problems += check_fixtures(document, fixtures_dir)
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line or 0, p.message)))
    assert document is not None
    return build(document, replays, base_dir)


def check(document: Document) -> list[Problem]:
    """Schema problems, then (for the parts the schema accepted) catalogue and consistency problems."""
    if not isinstance(document.data, dict):
        return [document.problem((), "a scenario is a mapping with `name`, `description` and `rules`")]
    problems: list[Problem] = []
    broken: set[Path] = set()
    for error in _validator().iter_errors(document.data):
        for path, message in in_plain_words(error):
            problems.append(document.problem(path, message))
            broken.add(tuple(path))
    rules = document.data.get("rules")
    if isinstance(rules, list):
        names: dict[str, int] = {}
        for index, rule in enumerate(rules):
            path: Path = ("rules", index)
            if not isinstance(rule, dict):
                continue
            problems += _check_rule(document, path, rule, lambda part, path=path: _intact(path + part, broken))
            name = rule.get("name")
            if isinstance(name, str):
                if name in names:
                    problems.append(document.problem(path + ("name",),
                                                     f"rule name `{name}` already used by rules[{names[name]}]"))
                names.setdefault(name, index)
    return problems


def _intact(path: Path, broken: set[Path]) -> bool:
    """No schema problem at, above or below `path` (so its value has the shape the schema promises)."""
    return not any(b[: len(path)] == path or path[: len(b)] == b for b in broken)


# -- schema errors in plain words ------------------------------------------------------------------


def in_plain_words(error: ValidationError) -> list[tuple[Path, str]]:
    """One or more (path, message) pairs that say what is wrong in the user's terms."""
    path: Path = tuple(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind in ("oneOf", "anyOf"):
        return _explain_choice(error, path)
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extras = [key for key in instance if key not in allowed]
        if not allowed:
            return [(path + (key,), f"unknown key `{key}`") for key in extras]
        return [(path + (key,), f"unknown key `{key}`{_did_you_mean(key, allowed)} "
                 f"(allowed: {', '.join(allowed)})") for key in extras]
    if kind == "required":
        missing = [key for key in value if key not in instance]
        return [(path, f"missing required key `{key}`") for key in missing]
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return [(path, f"expected {' or '.join(TYPE_NAMES.get(w, w) for w in wanted)}, got {_show(instance)}")]
    if kind == "enum":
        return [(path, f"{_show(instance)} is not one of: {', '.join(_show(v) for v in value)}"
                 f"{_did_you_mean(str(instance), [str(v) for v in value])}")]
    if kind == "const":
        return [(path, f"must be {_show(value)}, got {_show(instance)}")]
    if kind == "minimum":
        return [(path, f"must be at least {value}, got {_show(instance)}")]
    if kind == "exclusiveMinimum":
        return [(path, f"must be more than {value}, got {_show(instance)}")]
    if kind == "maximum":
        return [(path, f"must be at most {value}, got {_show(instance)}")]
    if kind in ("minLength", "minItems", "minProperties"):
        return [(path, "must not be empty")]
    if kind == "maxProperties" and value == 1:
        return [(path, f"give exactly one of: {', '.join(error.schema.get('properties', {}))}; "
                 f"got {', '.join(instance)}")]
    if "propertyNames" in error.relative_schema_path:
        return [(path + (str(instance),), f"`{instance}` is not a JSON pointer (write it as /field/sub-field)")]
    if kind == "pattern":
        if path and path[-1] == "name":
            return [(path, f"{_show(instance)}: use letters, digits, `.`, `_` and `-` only")]
        if path and path[-1] == "fixture":
            return [(path, f"{_show(instance)}: give a .json file relative to fixtures/, e.g. hometax/business-closed.json")]
        return [(path, f"{_show(instance)} does not match {value}")]
    if kind == "dependencies":
        needs = [key for key in value if key in instance and any(dep not in instance for dep in value[key])]
        return [(path + (key,), f"`{key}` needs {', '.join('`' + d + '`' for d in value[key])} too") for key in needs]
    if kind == "not" and path and path[-1] == "fault":
        return [(path, "give either `fraction` or `bytes`, not both")]
    if kind == "not" and "fraction" in str(value):
        return [(path, "give either `fraction` or `bytes`, not both")]
    return [(path, error.message)]


def _explain_choice(error: ValidationError, path: Path) -> list[tuple[Path, str]]:
    """For oneOf/anyOf: explain the one branch the value was evidently meant for, else summarise."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    if error.validator == "oneOf" and len(branches) < len(error.validator_value):
        # several branches matched: only possible for ambiguous shorthands
        return [(path, f"{_show(error.instance)} is ambiguous here; expected {_description(error)}")]
    viable = [subs for subs in branches.values() if not _wrong_shape(subs)]
    if len(viable) == 1:
        found: list[tuple[Path, str]] = []
        for sub in viable[0]:
            found += in_plain_words(sub)
        return found
    return [(path, f"{_show(error.instance)} is not valid here; expected {_description(error)}")]


def _wrong_shape(errors: list[ValidationError]) -> bool:
    """The branch's errors show the value is not of its kind at all: wrong type, or wrong keys."""
    top = {error.validator for error in errors if not error.relative_path}
    return bool(top & {"type", "enum", "const"}) or {"required", "additionalProperties"} <= top


def _description(error: ValidationError) -> str:
    text = error.schema.get("description") or "see the scenario schema"
    return text[0].lower() + text[1:]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _did_you_mean(word: str, options: list[str]) -> str:
    folded = {option.lower(): option for option in options}
    close = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    return f" (did you mean `{folded[close[0]]}`?)" if close else ""


# -- meaning: the API catalogues and consistency -----------------------------------------------------


def _rule_apis(document: Document, path: Path, match: dict[str, Any], ok: Intact,
               problems: list[Problem]) -> tuple[str, ...]:
    """The APIs this rule can apply to (and problems with its api/operation)."""
    api = match.get("api") if ok(("match", "api")) else None
    operations = _as_list(match.get("operation")) if ok(("match", "operation")) else []
    apis: set[str] = set()
    for operation in operations:
        owner = api_of_operation(operation)
        if owner is None:
            # which operations could it have meant? (an unreadable spec's operations are unknown)
            scope = [api] if api is not None else list(registry.names())
            catalogues = [catalogue(name) for name in scope]
            if all(c is not None for c in catalogues):
                known = sorted(op for c in catalogues if c is not None for op in c.operations)
                problems.append(document.problem(path + ("match", "operation"),
                                                 f"unknown operation `{operation}`{_did_you_mean(operation, known)}"
                                                 f" (known: {', '.join(known)})"))
            continue
        if api is not None and owner != api:
            problems.append(document.problem(path + ("match", "operation"),
                                             f"operation `{operation}` belongs to {owner}, not {api}"))
        apis.add(owner)
    if api is not None:
        return (api,)
    if apis:
        return tuple(sorted(apis))
    return registry.names()


def _check_code(document: Document, at: Path, code: str, apis: tuple[str, ...], what: str) -> list[Problem]:
    problems = []
    for api in apis:
        known = catalogue(api)
        if known is None or code in known.errors:
            continue
        hint = _did_you_mean(code, list(known.errors))
        scope = "" if len(apis) == 1 else f"; this rule can match {' and '.join(apis)} requests: narrow it with `match.api`"
        problems.append(document.problem(at, f"`{code}` is not a documented {api} {what}{hint}{scope} "
                                             f"(documented: {', '.join(known.errors)})"))
    return problems


def _check_rule(document: Document, path: Path, rule: dict[str, Any], ok: Intact) -> list[Problem]:
    """Catalogue and consistency problems in the parts of one rule that the schema accepted."""
    problems: list[Problem] = []
    match = rule.get("match") if isinstance(rule.get("match"), dict) else {}
    apis = _rule_apis(document, path, match, ok, problems)
    if ok(("match", "method")):
        for method in _as_list(match.get("method")):
            if method.upper() not in RULE_METHODS:
                problems.append(document.problem(path + ("match", "method"),
                                                 f"`{method}` is not an HTTP method ({', '.join(RULE_METHODS)})"))
    for part in ("path_params", "query", "headers", "body"):
        if not ok(("match", part)):
            continue
        for name, condition in (match.get(part) or {}).items():
            if isinstance(condition, dict) and isinstance(condition.get("regex"), str):
                try:
                    compile_pattern(condition["regex"])
                except RegexError as error:
                    problems.append(document.problem(path + ("match", part, name, "regex"),
                                                     f"invalid regular expression: {error}"))
    latency = rule.get("latency")
    if ok(("latency",)) and isinstance(latency, dict) and isinstance(latency.get("uniform"), dict):
        low, high = latency["uniform"]["min"], latency["uniform"]["max"]
        if low > high:
            problems.append(document.problem(path + ("latency", "uniform"), f"min ({low}) is above max ({high})"))
    error = rule.get("error")
    if error is not None and ok(("error",)):
        at = path + ("error",) if isinstance(error, str) else path + ("error", "code")
        problems += _check_code(document, at, error if isinstance(error, str) else error["code"], apis, "error code")
    run = rule.get("run")
    if isinstance(run, dict) and ok(("run",)):
        problems += _check_run(document, path, run, apis)
    stream = rule.get("stream")
    if isinstance(stream, dict) and ok(("stream",)):
        streaming = _taking("stream", apis, document, path + ("stream",), problems, "stream shaping", "streams")
        if streaming and "error_code" in stream:
            problems += _check_code(document, path + ("stream", "error_code"), stream["error_code"], streaming,
                                    "error code")
    if "fixture" in rule and ok(("fixture",)):
        pinning = _taking("fixture", apis, document, path + ("fixture",), problems, "`fixture`", "runs")
        if pinning and ".." in FilePath(rule["fixture"]).parts:
            problems.append(document.problem(path + ("fixture",), "the fixture path must stay inside fixtures/"))
    return problems


def _taking(action: str, apis: tuple[str, ...], document: Document, at: Path, problems: list[Problem],
            what: str, things: str) -> tuple[str, ...]:
    """The rule's APIs that `action` applies to (see `ApiUnit.takes`); a problem when it applies to none."""
    taking = tuple(api for api in apis if registry.get(api).takes(action))
    if not taking:
        owners = " or ".join(unit.label for unit in registry.units() if unit.takes(action)) or "no"
        problems.append(document.problem(at, f"{what} applies to {owners} {things} only"))
    return taking


def _check_run(document: Document, path: Path, run: dict[str, Any], apis: tuple[str, ...]) -> list[Problem]:
    """A `run:` block means something to each API whose unit has its status and its fields."""
    problems: list[Problem] = []
    status = run.get("status")
    if status is not None:
        units = registry.units(apis)
        if not any(unit.run.status(status) for unit in units):
            allowed = sorted({s for unit in units for s in unit.run.statuses})
            problems.append(document.problem(path + ("run", "status"), f"`{status}` is not a run status for "
                                             f"{' or '.join(apis)} ({', '.join(allowed)})"))
    for name in run:
        if name in ("status", "error_message"):
            continue
        taking = _taking(f"run.{name}", apis, document, path + ("run", name), problems, f"`{name}`", "runs")
        if name == "error_code" and taking:
            problems += _check_code(document, path + ("run", "error_code"), run["error_code"], taking, "error code")
    return problems


def check_fixtures(document: Document, fixtures_dir: FilePath) -> list[Problem]:
    """Each rule's `fixture`: a regular file inside `fixtures_dir`, bounded in size, holding JSON."""
    problems: list[Problem] = []
    root = fixtures_dir.resolve()
    for index, rule in enumerate(document.data.get("rules") or []):
        relative = rule.get("fixture") if isinstance(rule, dict) else None
        if not isinstance(relative, str) or relative.startswith("./"):
            continue  # a scenario-local fixture: `check_local_files`
        at: Path = ("rules", index, "fixture")
        target = (root / relative).resolve()
        if not target.is_relative_to(root):
            problems.append(document.problem(at, "the fixture path must stay inside fixtures/"))
            continue
        try:
            json.loads(read_bounded(target, MAX_FIXTURE_BYTES).decode("utf-8"))
        except ScenarioError as error:
            reason = error.problems[0].message if error.problems else "cannot read"
            problems.append(document.problem(at, f"fixture {relative}: {reason}"))
        except (UnicodeDecodeError, ValueError) as error:
            problems.append(document.problem(at, f"fixture {relative} is not JSON: {str(error)[:200]}"))
    return problems


REPLAY_SCHEMA = {
    "type": "object", "required": ["status"], "additionalProperties": False,
    "properties": {
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "body": {},
        "events": {"type": "array", "items": {
            "type": "object", "required": ["at"], "additionalProperties": False,
            "properties": {"at": {"type": "number", "minimum": 0, "maximum": 3600},
                           "event": {"type": "string", "pattern": "^[^\\r\\n]*$"},
                           "data": {"type": "string", "pattern": "^[^\\r]*$"}}}},
    },
}


def check_local_files(document: Document, base_dir: FilePath | None) -> tuple[dict[str, Replay], list[Problem]]:
    """`./` fixtures and `replay` files: inside the scenario's folder, bounded, JSON (replays: of their shape)."""
    problems: list[Problem] = []
    replays: dict[str, Replay] = {}
    for index, rule in enumerate(document.data.get("rules") or []):
        if not isinstance(rule, dict):
            continue
        for key in ("fixture", "replay"):
            relative = rule.get(key)
            if not isinstance(relative, str) or not relative.startswith("./"):
                continue
            at: Path = ("rules", index, key)
            if base_dir is None:
                problems.append(document.problem(at, f"{relative}: a file next to the scenario needs the scenario "
                                                     "loaded from its file"))
                continue
            root = FilePath(base_dir).resolve()
            target = (root / relative).resolve()
            if not target.is_relative_to(root):
                problems.append(document.problem(at, f"{relative} must stay inside the scenario's folder"))
                continue
            try:
                data = json.loads(read_bounded(target, MAX_FIXTURE_BYTES).decode("utf-8"))
            except ScenarioError as error:
                reason = error.problems[0].message if error.problems else "cannot read"
                problems.append(document.problem(at, f"{relative}: {reason}"))
                continue
            except (UnicodeDecodeError, ValueError) as error:
                problems.append(document.problem(at, f"{relative} is not JSON: {str(error)[:200]}"))
                continue
            if key == "replay":
                errors = sorted(Draft7Validator(REPLAY_SCHEMA).iter_errors(data), key=lambda e: list(e.path))
                if errors:
                    where = "/".join(map(str, errors[0].path)) or "(root)"
                    problems.append(document.problem(at, f"{relative}: {where}: {errors[0].message[:200]}"))
                    continue
                replays[relative] = Replay(
                    status=data["status"], headers=tuple((data.get("headers") or {}).items()), body=data.get("body"),
                    events=None if "events" not in data else tuple(
                        (float(e["at"]), e.get("event"), e.get("data")) for e in data["events"]))
    return replays, problems


# -- building the model ------------------------------------------------------------------------------


def build(document: Document, replays: dict[str, Replay] | None = None, base_dir: FilePath | None = None) -> Scenario:
    data = document.data
    rules = tuple(_rule(document, ("rules", index), raw, replays or {}, base_dir)
                  for index, raw in enumerate(data.get("rules") or []))
    credentials = data.get("credentials") or {}
    return Scenario(
        name=data["name"],
        description=data["description"].strip(),
        rules=rules,
        rate_limits={api: _windows(value) for api, value in (data.get("rate_limits") or {}).items()},
        credits={api: CreditPolicy(int(value["initial"]), int(value.get("cost", 1)))
                 for api, value in (data.get("credits") or {}).items()},
        credentials=dict(credentials.get("ids") or {}),
        default_credential=credentials.get("default", "valid"),
        source=document.source,
    )


def _windows(value: Any) -> tuple[tuple[float, int], ...]:
    if value is False or value == "off":
        return ()
    if isinstance(value, dict):
        return tuple((WINDOWS[key], int(limit)) for key, limit in value.items())
    return tuple((float(item["window"]), int(item["limit"])) for item in value)


def _rule(document: Document, path: Path, raw: dict[str, Any], replays: dict[str, Replay],
          base_dir: FilePath | None) -> Rule:
    error = raw.get("error")
    fault = raw.get("fault")
    run = raw.get("run")
    stream = raw.get("stream")
    return Rule(
        name=raw.get("name") or f"rule-{path[-1] + 1}",
        match=_match(raw.get("match") or {}),
        when=_when(raw.get("when")),
        latency=_latency(raw.get("latency")),
        error=None if error is None else ForcedError(error) if isinstance(error, str) else
        ForcedError(error["code"], error.get("message"), error.get("status")),
        fault=None if fault is None else Fault(fault) if isinstance(fault, str) else Fault(
            fault["kind"], fault.get("fraction"), fault.get("bytes"), fault.get("bytes_per_second")),
        run={} if run is None else _outcomes(run, _rule_apis(document, path, raw.get("match") or {},
                                                               lambda part: True, [])),
        stream=None if stream is None else StreamShape(**stream),
        fixture=str((FilePath(base_dir) / raw["fixture"]).resolve()) if base_dir is not None
        and str(raw.get("fixture", "")).startswith("./") else raw.get("fixture"),
        line=document.line(path),
        replay=replays.get(raw.get("replay") or ""),
    )


def _outcomes(run: dict[str, Any], apis: tuple[str, ...]) -> dict[str, RunOutcome]:
    """Each API's own reading of the `run:` block (APIs without its status take none)."""
    parsed = {unit.name: unit.run.parse(run) for unit in registry.units(apis)}
    return {api: outcome for api, outcome in parsed.items() if outcome is not None}


def _match(raw: dict[str, Any]) -> Match:
    return Match(
        api=raw.get("api"),
        operations=tuple(_as_list(raw.get("operation"))),
        methods=tuple(method.upper() for method in _as_list(raw.get("method"))),
        path_params={name: _condition(value) for name, value in (raw.get("path_params") or {}).items()},
        query={name: _condition(value) for name, value in (raw.get("query") or {}).items()},
        headers={name.lower(): _condition(value) for name, value in (raw.get("headers") or {}).items()},
        body={pointer: _condition(value) for pointer, value in (raw.get("body") or {}).items()},
    )


def _condition(raw: Any) -> Condition:
    if not isinstance(raw, dict):
        return Condition("equals", raw)
    (kind, value), = raw.items()
    if kind == "regex":
        return Condition("regex", value, compile_pattern(value))
    return Condition(kind, tuple(value) if kind == "one_of" else value)


def _when(raw: Any) -> When:
    if raw is None or raw == "always":
        return When()
    return When(first=raw.get("first"), every=raw.get("every"), probability=raw.get("probability"))


def _latency(raw: Any) -> Latency | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return Latency("fixed", value=float(raw))
    if "fixed" in raw:
        return Latency("fixed", value=float(raw["fixed"]))
    if "uniform" in raw:
        return Latency("uniform", low=float(raw["uniform"]["min"]), high=float(raw["uniform"]["max"]))
    shape = raw["lognormal"]
    cap = shape.get("cap")
    return Latency("lognormal", median=float(shape["median"]), sigma=float(shape["sigma"]),
                   cap=None if cap is None else float(cap))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
