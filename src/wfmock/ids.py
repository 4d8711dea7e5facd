"""Identifiers (UUIDs, imprun `wf_…` ids) drawn from one seeded generator, so `--seed` reproduces them."""

from __future__ import annotations

import os
import random
import string
import uuid

_BASE36 = string.ascii_lowercase + string.digits
# a random byte -> one of the 36 characters, in one C-level `bytes.translate` (256 = 7 x 36 + 4: the first four
# characters come up 8/256 of the time rather than 7/256; ids must be unique, and 12 characters keep ~61 bits)
_BYTE_TO_BASE36 = "".join(_BASE36[value % 36] for value in range(256)).encode("ascii")


class IdFactory:
    """Makes ids from a `random.Random`: seeded for reproducible runs, seeded from the OS otherwise.

    (Not `SystemRandom`: one system call per character made id generation a third of a create.
    Ids of a mock need to be unique, not secret; each process seeds its own generator.)
    """

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed if seed is not None else int.from_bytes(os.urandom(32), "big"))
        self._seeded = seed is not None

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, prefix: str, length: int = 12) -> str:
        if self._seeded:  # the same characters as every earlier version for the same seed
            return prefix + "".join(self._random.choice(_BASE36) for _ in range(length))
        # not seeded: no sequence to keep, so one draw of random bytes, each mapped to a character
        return prefix + self._random.randbytes(length).translate(_BYTE_TO_BASE36).decode("ascii")
