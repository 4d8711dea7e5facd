"""MISO demo-app answers: text that echoes and transforms the run's inputs, with token and time costs.

Deterministic for a given seed string, each sentence from its own stream (the opener does not move
when a topic sentence is added). Token counts and elapsed time grow with the answer, the way a
model's usage does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfmock.data.seeding import Streams

_OPENERS = (
    "요청하신 내용을 정리했습니다.",
    "입력을 분석한 결과입니다.",
    "다음과 같이 요약합니다.",
)
_CLOSERS = (
    "추가로 확인이 필요한 항목이 있으면 알려 주세요.",
    "세부 수치는 원문 자료와 함께 검토해 주세요.",
    "이 결과는 워크플로우 실행 시점의 입력을 기준으로 합니다.",
)
_TOPIC_SENTENCES = (
    "핵심 내용은 {topic}에 관한 것입니다.",
    "{topic} 관련 요청으로 판단됩니다.",
    "주요 키워드는 '{topic}'입니다.",
)


@dataclass(frozen=True, slots=True)
class Answer:
    """The text a demo app produces for one run, and what producing it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def describe_value(name: str, value: Any, files: Mapping[str, Mapping[str, Any]]) -> str:
    """One line describing an input; uploaded files by name and size, never by fetching anything."""
    if isinstance(value, Mapping) and "transfer_method" in value:
        if value.get("transfer_method") == "local_file":
            meta = files.get(str(value.get("upload_file_id")), {})
            size_kb = max(1, round(int(meta.get("size", 0)) / 1024))
            return f"- {name}: 파일 '{meta.get('name', '알 수 없음')}' ({meta.get('extension', '?')}, 약 {size_kb:,} KB)"
        return f"- {name}: 원격 파일 {value.get('url', '')} (가져오지 않음)"
    if isinstance(value, list):
        return f"- {name}: {len(value)}개 항목"
    text = str(value)
    return f"- {name}: {text[:60]}{'…' if len(text) > 60 else ''}"


def demo_answer(inputs: Mapping[str, Any], files: Mapping[str, Mapping[str, Any]], seed: str) -> Answer:
    """An answer that restates the inputs and adds a short summary; the same seed gives the same text."""
    f = Streams("miso-demo", seed)
    lines = [f("opener").choice(_OPENERS), ""]
    lines.extend(describe_value(name, value, files) for name, value in inputs.items())
    topic = next((str(v) for v in inputs.values() if isinstance(v, str) and v.strip()), None)
    if topic:
        lines += ["", f("topic").choice(_TOPIC_SENTENCES).format(topic=topic.strip()[:30])]
    lines += ["", f("closer").choice(_CLOSERS)]
    text = "\n".join(lines)
    prompt_tokens = 40 + sum(len(str(v)) for v in inputs.values()) // 2
    completion_tokens = max(1, round(len(text) / 1.6))
    return Answer(text=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def split_chunks(text: str, size: int) -> list[str]:
    """The text cut into pieces of `size` characters, the way a model streams tokens."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]
