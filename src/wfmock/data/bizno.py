"""사업자등록번호 (business registration number): check digit, entity codes, formatting, parsing.

Layout (국세청): `XXX-YY-ZZZZC` — 3-digit office code, 2-digit entity code, 4-digit serial and a check
digit. The check digit uses weights 1,3,7,1,3,7,1,3,5 plus the tens digit of (9th digit × 5).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_DIGITS = re.compile(r"^\d{3}-?\d{2}-?\d{5}$")

# Middle two digits -> entity type (사업자 구분).
INDIVIDUAL_TAXABLE = tuple(range(1, 80))  # 01-79 개인 과세사업자
CORPORATE_HEAD_OFFICE = (81, 86, 87, 88)  # 영리법인 본점
NON_PROFIT = (82,)  # 비영리법인
CORPORATE_BRANCH = (85,)  # 영리법인 지점
INDIVIDUAL_EXEMPT = tuple(range(90, 100))  # 90-99 개인 면세사업자


def check_digit(first9: str) -> int:
    """The 10th digit for the first nine."""
    digits = [int(c) for c in first9]
    total = sum(d * w for d, w in zip(digits, WEIGHTS)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid(number: str) -> bool:
    """True if the number (dashed or not) has 10 digits and a correct check digit."""
    if not _DIGITS.match(number):
        return False
    digits = number.replace("-", "")
    return digits != "0000000000" and check_digit(digits[:9]) == int(digits[9])


def format_number(digits: str) -> str:
    """'1208147521' -> '120-81-47521'."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


@dataclass(frozen=True, slots=True)
class BusinessNumber:
    """The parts of a business number."""

    office: str
    entity: int
    serial: str
    check: int

    @property
    def entity_kind(self) -> str:
        """The entity type the middle digits stand for."""
        return entity_kind(self.entity)


def parse(number: str) -> BusinessNumber:
    """Splits a valid number into its parts; raises ValueError otherwise."""
    if not is_valid(number):
        raise ValueError(f"not a valid 사업자등록번호: {number!r}")
    digits = number.replace("-", "")
    return BusinessNumber(digits[:3], int(digits[3:5]), digits[5:9], int(digits[9]))


def entity_kind(code: int) -> str:
    """Korean name of the entity type for the middle two digits."""
    if 1 <= code <= 79:
        return "개인 과세사업자"
    if code in CORPORATE_HEAD_OFFICE:
        return "영리법인 본점"
    if code in CORPORATE_BRANCH:
        return "영리법인 지점"
    if code in NON_PROFIT:
        return "비영리법인"
    if code == 83:
        return "국가·지방자치단체"
    if code == 84:
        return "외국법인"
    if code == 89:
        return "법인 아닌 종교단체"
    if 90 <= code <= 99:
        return "개인 면세사업자"
    return "기타"


def make(r: random.Random, *, corporate: bool, exempt: bool = False, office: str | None = None) -> str:
    """A dashed number with a valid check digit and middle digits matching the entity type."""
    if corporate:
        entity = r.choice(CORPORATE_HEAD_OFFICE)
    elif exempt:
        entity = r.choice(INDIVIDUAL_EXEMPT)
    else:
        entity = r.choice(INDIVIDUAL_TAXABLE)
    office = office or f"{r.randint(101, 899):03d}"
    first9 = f"{office}{entity:02d}{r.randint(1, 9999):04d}"
    return format_number(first9 + str(check_digit(first9)))


def corporate_registration_number(r: random.Random, office: str, *, kind: str = "11") -> str:
    """법인등록번호 '110111-1234567': registry office, kind (11 주식회사, 14 유한회사), serial, check digit.

    The check digit uses weights 1,2,1,2,... over the first twelve digits.
    """
    first12 = f"{office}{kind}{r.randint(0, 999999):06d}"
    total = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(first12))
    return f"{first12[:6]}-{first12[6:]}{(10 - total % 10) % 10}"
