"""SSE: Dify's `data:` frames and `event: ping` keep-alives round-trip through the one parser, in any chunking."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfmock.openapi import sse


def test_frame_is_one_data_line_and_a_blank_line() -> None:
    frame = sse.frame({"event": "text_chunk", "data": {"text": "안녕\n하세요"}})
    assert frame.startswith(b"data: {") and frame.endswith(b"\n\n")
    assert frame.count(b"\n") == 2  # a newline inside the text is escaped, never a new line


def test_ping_has_no_data_line() -> None:
    assert sse.PING == b"event: ping\n\n"
    [ping] = sse.parse(sse.PING).events
    assert (ping.name, ping.data, ping.payload) == ("ping", None, None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
events = st.lists(st.dictionaries(st.text(max_size=10), json_values, max_size=5), max_size=8)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(events)
def test_frames_round_trip(sent: list[dict]) -> None:
    parsed = sse.parse(b"".join(sse.frame(event) for event in sent) + sse.PING)
    assert [e.payload for e in parsed.events[:-1]] == sent
    assert parsed.events[-1].name == "ping" and not parsed.problems


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine
@given(events, st.lists(st.integers(0, 10_000), max_size=12), st.booleans())
def test_any_chunking_reads_the_same_events_each_stamped_when_its_last_byte_came(
        sent: list[dict], cuts: list[int], crlf: bool) -> None:
    body = b"".join(sse.frame(event) for event in sent) + sse.PING
    if crlf:
        body = body.replace(b"\n", b"\r\n")
    bounds = sorted({0, len(body), *(cut % (len(body) + 1) for cut in cuts)})
    parser = sse.Incremental()
    for moment, (start, end) in enumerate(zip(bounds, bounds[1:])):
        completed = parser.feed(body[start:end], float(moment))
        assert all(body[:end].count(b"\n\n" if not crlf else b"\r\n\r\n") > e.index for e in completed)
    whole = sse.parse(body)
    assert [(e.name, e.payload) for e in parser.events] == [(e.name, e.payload) for e in whole.events]
    assert len(parser.arrivals) == len(parser.events) and parser.arrivals == sorted(parser.arrivals)
    assert parser.finish().problems == [] == whole.problems


def test_framing_problems_are_reported() -> None:
    cut = sse.parse(b'data: {"event": "a"}\n\ndata: {"ev')
    assert [e.json_error is not None for e in cut.events] == [False, True]
    assert cut.problems == ["the stream ends in the middle of an event (no blank line after the last one)"]
    junk = sse.parse(b'data: {"event": "a"}\nnonsense here\n\n\xff\n\n')
    assert any("not an SSE field" in p for p in junk.problems) and any("UTF-8" in p for p in junk.problems)
    assert sse.parse(b"").problems == [] and sse.parse(b"\n").problems
    assert sse.parse(b'data: 1\n\n\n').problems == []


def test_a_multibyte_character_split_across_chunks_is_not_a_problem() -> None:
    body = sse.frame({"text": "안녕"})
    parser = sse.Incremental()
    for index in range(len(body)):
        parser.feed(body[index:index + 1], float(index))
    stream = parser.finish()
    assert [e.payload for e in stream.events] == [{"text": "안녕"}] and stream.problems == []
    assert parser.arrivals == [float(len(body) - 1)]
