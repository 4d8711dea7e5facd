"""Each field of a payload draws from its own random stream: drawing an extra field anywhere leaves every
other field's value as it was, and the same seed still gives the same payload."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from wfmock.data import imprun_result, ledger
from wfmock.data.seeding import Streams, rng

REGISTERS = [{"documentType": kind, "imageUrl": f"https://example.com/registers/{kind}-{n}.png"}
             for kind in ("land", "building", "aggregate_building") for n in range(6)]
HOMETAX = [{"siteCode": "HOMETAX", "function": function, "credentialId": f"cred_{n:04d}", "year": 2025, "month": 3}
           for function in ("get_business_info", "get_sales_stats", "get_purchase_stats", "get_vat_info")
           for n in range(3)]
WEHAGO = [{"siteCode": "WEHAGO", "credentialId": f"cred_{n:04d}", "group": group, "endpoint": endpoint,
           "period": "2025-03"}
          for group, endpoint in (("financial", "balance-sheet"), ("transactions", "journal")) for n in range(2)]
ALL = REGISTERS + HOMETAX + WEHAGO


@pytest.fixture
def extra_fields(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every field stream handed out is followed by a test-only field that draws numbers and a fake name.

    That is what adding a field between any two existing ones does; the list counts the extra draws.
    """
    drawn: list[int] = []
    counter = itertools.count()
    original = Streams.__call__

    def with_an_extra_field(self: Streams, *field: object) -> object:
        stream = original(self, *field)
        extra = next(counter)
        drawn.append(rng(*self.parts, "test-only field", extra).randint(0, 10**9))
        self.fake("test-only field", extra).name()
        return stream

    monkeypatch.setattr(Streams, "__call__", with_an_extra_field)
    yield drawn


def payloads(params_list: list[dict]) -> list[dict]:
    return [imprun_result(params, "fields:wf_1") for params in params_list]


def _name(params: dict) -> str:
    if "imageUrl" in params:
        return params["imageUrl"].rsplit("/", 1)[1]
    return f"{params.get('function') or params['endpoint']}-{params['credentialId']}"


@pytest.mark.parametrize("params", ALL, ids=_name)
def test_an_extra_field_changes_no_other_field(params: dict, request: pytest.FixtureRequest) -> None:
    plain = imprun_result(params, "fields:wf_1")
    ledger._books_for.cache_clear()  # the books are rebuilt with the extra fields drawn
    drawn = request.getfixturevalue("extra_fields")
    with_extra = imprun_result(params, "fields:wf_1")
    assert drawn, "the extra field was drawn"
    assert with_extra == plain


def test_the_same_seed_gives_the_same_payload_and_another_seed_another() -> None:
    assert payloads(ALL) == payloads(ALL)
    other = [imprun_result(params, "other:wf_1") for params in ALL]
    assert all(a != b for a, b in zip(payloads(ALL), other))


def test_a_field_stream_depends_on_its_path_only() -> None:
    streams = Streams("w", "register", "land", "img")
    first = streams("owners", 0, "name").random()
    streams("area").random(), streams.fake("owners", 0, "name").name()  # other fields drawn in between
    assert streams("owners", 0, "name").random() == first == streams.child("owners", 0)("name").random()
    assert streams("owners", 1, "name").random() != first
    assert streams.fake("a").name() == Streams("w", "register", "land", "img").fake("a").name()
