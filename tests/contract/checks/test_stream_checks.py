"""The stream checks, fed hand-built streams with arrival times: framing, grammar, per-event schema, ids, arrival
over the run, and a stop's effect (with the stop's arrival in the history)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests import inprocess
from tests.contract.checks.support import answer, judging, problems, stream
from wfmock.contract.checks import registry


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    """A correct stream's payloads, as the mock answers them."""
    response = inprocess.call(inprocess.app(), "POST", "/ext/v1/workflows/run", headers={"Authorization": "Bearer k"},
                              json={"inputs": {"query": "x"}, "response_mode": "streaming", "user": "u"})
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


def judge(exchange, history=None, **kwargs) -> registry.Verdict:
    return registry.judge(judging("miso", "runWorkflow", **kwargs), exchange, history or registry.History())


def spread(events: list[dict[str, Any]], seconds: float) -> list[float]:
    return [index * seconds / (len(events) - 1) for index in range(len(events))]


def with_elapsed(events: list[dict[str, Any]], elapsed: float) -> list[dict[str, Any]]:
    events = copy.deepcopy(events)
    events[-1]["data"]["elapsed_time"] = elapsed
    return events


def test_a_correct_stream_passes_and_is_judged_by_every_stream_check(events) -> None:
    timed = with_elapsed(events, 1.0)
    verdict = judge(stream(timed, spread(timed, 1.0)))
    assert verdict.problems == [] and verdict.unjudged == []
    assert {"sse_framing", "sse_grammar", "sse_event_schema", "sse_ids", "sse_progressive"} <= set(verdict.ran)


def test_a_stream_cut_mid_event_is_a_framing_problem(events) -> None:
    raw = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)[:-1]
    assert any("ends in the middle of an event" in p for p in problems(judge(stream(events, raw=raw)), "sse_framing"))


def test_a_payload_that_is_not_json_is_a_framing_problem(events) -> None:
    raw = b"data: {not json\n\n" + b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
    assert any("is not JSON" in p for p in problems(judge(stream(events, raw=raw)), "sse_framing"))


def test_no_terminal_event_and_events_after_it_break_the_grammar(events) -> None:
    assert any("without a terminal" in p for p in problems(judge(stream(events[:-1])), "sse_grammar"))
    late = [*events, events[1]]
    assert any("events after the terminal" in p for p in problems(judge(stream(late)), "sse_grammar"))


def test_a_task_id_that_changes_breaks_the_ids(events) -> None:
    changed = copy.deepcopy(events)
    changed[-1]["task_id"] = "another-task"
    assert any("task_id" in p for p in problems(judge(stream(changed)), "sse_ids"))


def test_an_event_against_its_schema_and_the_light_mode(events) -> None:
    wrong = copy.deepcopy(events)
    wrong[0]["data"]["created_at"] = "yesterday"
    assert problems(judge(stream(wrong)), "sse_event_schema")
    light = judge(stream(wrong), light=True)
    assert not problems(light, "sse_event_schema") and "sse_event_schema" in {c for c, _ in light.unjudged}


def test_events_in_one_burst_of_a_long_run_were_not_streamed(events) -> None:
    slow = with_elapsed(events, 2.0)
    found = problems(judge(stream(slow, [5.0 + i * 0.001 for i in range(len(slow))])), "sse_progressive")
    assert found and "in one burst" in found[0]


def test_a_run_too_short_to_tell_is_not_judged(events) -> None:
    quick = with_elapsed(events, 0.01)
    verdict = judge(stream(quick, [0.0] * len(quick)))
    assert ("sse_progressive", ) == tuple({c for c, _ in verdict.unjudged}) and not verdict.problems


def stop_arrived(history: registry.History, task_id: str, user: str, answered: float, status: int = 200) -> None:
    stop = answer("POST", f"/ext/v1/workflows/tasks/{task_id}/stop", status, {"result": "success"},
                  request={"user": user}, auth="authorization")
    stop.answered = answered
    history.arrived(stop, "stopWorkflowTask", {"task_id": task_id}, stop.header("authorization"))


def test_a_stream_that_ran_on_long_after_its_stop_was_answered(events) -> None:
    history = registry.History()
    timed = with_elapsed(events, 2.0)
    stop_arrived(history, events[0]["task_id"], "u", answered=0.1)
    found = problems(judge(stream(timed, spread(timed, 2.0)), history), "stream_stop")
    assert found and "ran on" in found[0]


def test_a_stream_stopped_by_another_user_or_without_a_stop(events) -> None:
    stopped = copy.deepcopy(events)
    stopped[-1]["data"]["status"] = "stopped"
    assert "no stop for it was seen" in problems(judge(stream(stopped)), "stream_stop")[0]
    history = registry.History()
    stop_arrived(history, events[0]["task_id"], "someone-else", answered=0.1)
    assert "was stopped by user 'someone-else'" in problems(judge(stream(stopped), history), "stream_stop")[0]
    history = registry.History()
    stop_arrived(history, events[0]["task_id"], "u", answered=0.1)
    assert judge(stream(stopped, spread(stopped, 1.0)), history).problems == []
