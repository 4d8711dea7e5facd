"""Seeds for the faithful payloads: stable integers, private RNGs and seeded Faker instances.

Nothing here touches global state. Every generator asks for its own `random.Random` built from a
tuple of parts (the session's world, the entity, the month...), so one payload never shifts the
numbers of another and the same parts always give the same bytes. Inside a payload, `Streams`
gives each field its own stream keyed by the field's path, so adding a field shifts no other.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from typing import Any

from faker import Faker

SEPARATOR = "\x1f"


def seed_int(*parts: object) -> int:
    """A stable 64-bit integer for the parts (sha256; never Python's salted `hash()`)."""
    text = SEPARATOR.join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8], "big")


def rng(*parts: object) -> random.Random:
    """A private `random.Random` seeded from the parts."""
    return random.Random(seed_int(*parts))


def faker(*parts: object) -> Faker:
    """A `Faker('ko_KR')` instance seeded from the parts (instance seed, not the class-wide one)."""
    fake = Faker("ko_KR")
    fake.seed_instance(seed_int(*parts))
    return fake


class Streams:
    """One random stream per field of a document, derived from (the document's parts, the field's path).

    A field's value depends only on its own stream (and on the values it is conditioned on), so adding
    a field, or drawing more for one, never shifts any other field; the same parts give the same bytes.
    """

    __slots__ = ("parts", "_fakers")

    def __init__(self, *parts: object) -> None:
        self.parts = parts
        self._fakers: list[Faker] = []  # at most one, shared with the children

    def __call__(self, *field: object) -> random.Random:
        """The private stream of the field at this path."""
        return rng(*self.parts, *field)

    def child(self, *path: object) -> "Streams":
        """The streams of a nested part (a list row, a sub-document), below `path`."""
        nested = Streams(*self.parts, *path)
        nested._fakers = self._fakers
        return nested

    def fake(self, *field: object) -> Any:
        """A `Faker('ko_KR')` reseeded for the field (one instance per document: building one costs ~8 ms)."""
        if not self._fakers:
            self._fakers.append(Faker("ko_KR"))
        fake = self._fakers[0]
        fake.seed_instance(seed_int(*self.parts, *field))
        return fake


def world_of(seed: str) -> str:
    """The session part of a run seed `"<session>:<run id>"`.

    Results are a function of the session and the request, not of the run id: the same credential
    is the same business in every run of a session, and the same image parses the same way.
    A seed without ':' is its own world.
    """
    return seed.rsplit(":", 1)[0] if ":" in seed else seed


def round_to(value: float, unit: int) -> int:
    """`value` rounded half-up to a multiple of `unit`."""
    return int((value + unit / 2) // unit) * unit


def weighted(r: random.Random, table: dict[str, float]) -> str:
    """One key of `table`, drawn with its value as weight (insertion order is the tie-break)."""
    return r.choices(list(table), weights=list(table.values()))[0]


def random_date(r: random.Random, start: date, end: date) -> date:
    """A date in [start, end]."""
    return start + timedelta(days=r.randint(0, max(0, (end - start).days)))


def month_end(year: int, month: int) -> date:
    """The last day of the month."""
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)
