"""SSE framing: Dify's `data:` frames and bare `event: ping` keep-alives round-trip through the parser."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wfmock import sse


def test_frame_is_one_data_line_and_a_blank_line() -> None:
    frame = sse.frame({"event": "text_chunk", "data": {"text": "안녕\n하세요"}})
    assert frame.startswith(b"data: {") and frame.endswith(b"\n\n")
    assert frame.count(b"\n") == 2  # a newline inside the text is escaped, never a new line


def test_ping_has_no_data_line() -> None:
    assert sse.PING == b"event: ping\n\n"
    assert sse.parse(sse.PING) == [{"event": "ping", "data": None}]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(st.dictionaries(st.text(max_size=10), json_values, max_size=5), max_size=8))
def test_frames_round_trip(events: list[dict]) -> None:
    body = b"".join(sse.frame(event) for event in events) + sse.PING
    parsed = sse.parse(body)
    assert [p["data"] for p in parsed[:-1]] == events
    assert parsed[-1]["event"] == "ping"
