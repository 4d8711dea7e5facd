"""MISO demo-app outputs: they restate their inputs (files by name and size), are reproducible per
seed, and cost tokens and time that grow with the answer."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wfmock.apis.miso.apps import AppRegistry
from wfmock.apis.miso.runner import RunFacts, StreamOptions, script_run
from wfmock.data.miso_outputs import demo_answer, split_chunks
from wfmock.ids import IdFactory

APPS = AppRegistry.load(Path(__file__).resolve().parents[3] / "fixtures" / "apps")
DEMO = next(app for app in APPS.apps if app.name == "demo")
names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
values = st.one_of(st.text(min_size=1, max_size=80), st.integers(), st.lists(st.integers(), max_size=5))
inputs_strategy = st.dictionaries(names, values, min_size=1, max_size=5)


def elapsed_of(inputs: dict, seed: str) -> float:
    answer = demo_answer(inputs, {}, seed)
    script = script_run(DEMO, RunFacts("r", inputs, {}, 0, {"id": "e", "user": "u"}), answer, IdFactory(1),
                        StreamOptions())
    return script.elapsed


@settings(max_examples=60, deadline=None)
@given(inputs=inputs_strategy, seed=st.text(max_size=10))
def test_every_input_is_restated_and_the_same_seed_gives_the_same_answer(inputs: dict, seed: str) -> None:
    answer = demo_answer(inputs, {}, seed)
    assert answer == demo_answer(inputs, {}, seed)
    for name in inputs:
        assert f"- {name}: " in answer.text
    assert answer.total_tokens == answer.prompt_tokens + answer.completion_tokens > 0


def test_an_uploaded_file_is_described_by_name_and_size_never_fetched() -> None:
    files = {"f1": {"name": "2025년_사업계획서.pdf", "size": 250_000, "extension": "pdf"}}
    text = demo_answer({"document": {"transfer_method": "local_file", "upload_file_id": "f1"},
                        "remote": {"transfer_method": "remote_url", "url": "https://example.com/a.png"}},
                       files, "s").text
    assert "2025년_사업계획서.pdf" in text and "244 KB" in text
    assert "가져오지 않음" in text  # a remote_url is named, not fetched


@settings(max_examples=40, deadline=None)
@given(inputs=inputs_strategy, extra=st.text("가나다라마바사", min_size=40, max_size=400))
def test_tokens_and_elapsed_time_grow_with_the_output(inputs: dict, extra: str) -> None:
    longer = {**inputs, "zz_more": extra}
    short, long = demo_answer(inputs, {}, "s"), demo_answer(longer, {}, "s")
    assert len(long.text) > len(short.text)
    assert long.completion_tokens > short.completion_tokens
    assert long.total_tokens > short.total_tokens
    assert elapsed_of(longer, "s") > elapsed_of(inputs, "s")


@given(text=st.text(max_size=300), size=st.integers(min_value=1, max_value=50))
def test_chunks_rebuild_the_text(text: str, size: int) -> None:
    chunks = split_chunks(text, size)
    assert "".join(chunks) == text and all(0 < len(chunk) <= size for chunk in chunks)


def test_a_topic_sentence_moves_neither_the_opener_nor_the_closer() -> None:
    with_topic = demo_answer({"question": "부가세 신고"}, {}, "s").text.split("\n")
    without = demo_answer({"count": 3}, {}, "s").text.split("\n")
    assert len(with_topic) == len(without) + 2  # the topic sentence and its blank line
    assert with_topic[0] == without[0] and with_topic[-1] == without[-1]
