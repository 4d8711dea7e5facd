"""Identifiers (UUIDs, imprun `wf_…` ids) drawn from one seeded generator, so `--seed` reproduces them."""

from __future__ import annotations

import os
import random
import string
import uuid

_BASE36 = string.ascii_lowercase + string.digits


class IdFactory:
    """Makes ids from a `random.Random`: seeded for reproducible runs, seeded from the OS otherwise.

    (Not `SystemRandom`: one system call per character made id generation a third of a create.
    Ids of a mock need to be unique, not secret; each process seeds its own generator.)
    """

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed if seed is not None else int.from_bytes(os.urandom(32), "big"))

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, prefix: str, length: int = 12) -> str:
        return prefix + "".join(self._random.choice(_BASE36) for _ in range(length))
