"""Replaces secrets and personal data in recorded payloads with generated values of the same shape.

Keys, tokens and credential ids become random text of the same length and alphabet; business numbers valid new
ones (same dashes, same corporate/individual kind); phone numbers other numbers of the same shape; people's names
and addresses generated ones (`wfmock.data`). The same original always maps to the same stand-in within one
recording, so a run's id or a business number stays consistent across files.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

from wfmock.data import bizno, korea
from wfmock.data.seeding import faker

SECRET_KEYS = ("apikey", "api_key", "token", "password", "secret", "credentialid", "credential_id", "sessiontoken",
               "authorization", "imagebase64")
NAME_KEYS = ("name", "owner", "representative", "ceo", "대표", "성명", "이름")
NOT_PERSONAL_NAMES = ("filename", "file_name", "nodename", "node_name", "title", "workflowname", "sitename",
                      "functionname", "app_name", "appname", "company", "itemname", "item_name", "typename")
ADDRESS_KEYS = ("address", "addr", "주소", "소재지", "location")
PHONE = re.compile(r"^(0\d{1,2})([- ]?)(\d{3,4})([- ]?)(\d{4})$")
BUSINESS_NUMBER = re.compile(r"^\d{3}-?\d{2}-?\d{5}$")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Anonymizer:
    def __init__(self, seed: int = 0) -> None:
        self.random = random.Random(seed)
        self.fake = faker("wfmock-record", seed)
        self.replaced: dict[tuple[str, str], str] = {}

    def __call__(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self(item, key) for item in value]
        if isinstance(value, str) and value:
            return self.text(value, key)
        return value

    def text(self, value: str, key: str) -> str:
        kind = self._kind(value, key.lower().replace("-", ""))
        if kind is None:
            return value
        known = self.replaced.get((kind, value))
        if known is None:
            known = self.replaced[(kind, value)] = getattr(self, f"_{kind}")(value)
        return known

    def _kind(self, value: str, key: str) -> str | None:
        if any(secret in key for secret in SECRET_KEYS):
            return "secret"
        if BUSINESS_NUMBER.match(value) and bizno.is_valid(value.replace("-", "")):
            return "business_number"
        if PHONE.match(value):
            return "phone"
        if any(word in key for word in ADDRESS_KEYS) and HANGUL.search(value):
            return "address"
        if (any(word in key for word in NAME_KEYS) and not any(word in key for word in NOT_PERSONAL_NAMES)
                and HANGUL.search(value) and len(value) <= 10):
            return "person"
        return None

    def _secret(self, value: str) -> str:
        prefix = re.match(r"^[A-Za-z]+[_-]", value)
        head = prefix.group(0) if prefix else ""
        return head + "".join(self._like(c) for c in value[len(head):])

    def _like(self, char: str) -> str:
        if char.isdigit():
            return self.random.choice(string.digits)
        if char.isupper():
            return self.random.choice(string.ascii_uppercase)
        if char.islower():
            return self.random.choice(string.ascii_lowercase)
        return char

    def _business_number(self, value: str) -> str:
        entity = bizno.parse(value.replace("-", "")).entity
        made = bizno.make(self.random, corporate=entity in bizno.CORPORATE_HEAD_OFFICE, exempt=90 <= entity <= 99)
        return made if "-" in value else made.replace("-", "")

    def _phone(self, value: str) -> str:
        match = PHONE.match(value)
        assert match is not None
        area, first, middle, second, last = match.groups()
        return (area + first + "".join(self.random.choice(string.digits) for _ in middle) + second
                + "".join(self.random.choice(string.digits) for _ in last))

    def _address(self, value: str) -> str:
        dong = self.random.choice(korea.dongs())
        return korea.road_address(self.random, dong)

    def _person(self, value: str) -> str:
        return self.fake.name()
