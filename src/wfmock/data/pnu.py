"""PNU, the 19-digit 필지고유번호: 법정동코드(10) + 대장구분(1: 1 토지/일반, 2 임야/산) + 본번(4) + 부번(4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PNU = re.compile(r"^(\d{10})([12])(\d{4})(\d{4})$")
GENERAL, MOUNTAIN = "1", "2"


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel's identity: where it is and its lot number."""

    legal_dong_code: str
    mountain: bool
    main_number: int
    sub_number: int

    @property
    def pnu(self) -> str:
        """The 19-digit PNU."""
        return f"{self.legal_dong_code}{MOUNTAIN if self.mountain else GENERAL}{self.main_number:04d}{self.sub_number:04d}"

    @property
    def lot_number(self) -> str:
        """지번 as printed: '123-4', '87', '산 12-3'."""
        text = str(self.main_number) + (f"-{self.sub_number}" if self.sub_number else "")
        return f"산 {text}" if self.mountain else text

    @property
    def unique_number(self) -> str:
        """토지대장 고유번호 as printed: '1168010100-10123-0004'."""
        flag = MOUNTAIN if self.mountain else GENERAL
        return f"{self.legal_dong_code}-{flag}{self.main_number:04d}-{self.sub_number:04d}"


def build(legal_dong_code: str, *, mountain: bool, main_number: int, sub_number: int = 0) -> str:
    """The PNU for the parts; raises ValueError on parts that do not fit."""
    if not re.fullmatch(r"\d{10}", legal_dong_code):
        raise ValueError("법정동코드 must be 10 digits")
    if not (1 <= main_number <= 9999 and 0 <= sub_number <= 9999):
        raise ValueError("본번 must be 1..9999 and 부번 0..9999")
    return Parcel(legal_dong_code, mountain, main_number, sub_number).pnu


def parse(pnu: str) -> Parcel:
    """The parts of a 19-digit PNU; raises ValueError otherwise."""
    match = _PNU.match(pnu)
    if not match:
        raise ValueError(f"not a PNU: {pnu!r}")
    code, flag, main, sub = match.groups()
    return Parcel(code, flag == MOUNTAIN, int(main), int(sub))
