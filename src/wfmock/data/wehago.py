"""WEHAGO payloads per group/endpoint, read off the company's books (`ledger`).

- financial: `balance-sheet` (재무상태표), `income-statement` (손익계산서), `trial-balance` (합계잔액시산표)
- transactions: `sales-report` (매출장), `purchase-report` (매입장), `journal` (분개장)

`period` is `YYYY-MM`, `YYYY`, `YYYY-Qn` or a range `YYYY-MM~YYYY-MM`. Statements are cumulative from
the start of the fiscal year (January) to the period's last month, the way Douzone prints them, unless
a range gives an explicit first month; listings cover exactly the period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from wfmock.data import ledger
from wfmock.data.ledger import ACCOUNTS, PL_KINDS, Company, Voucher, Year
from wfmock.data.seeding import month_end

DEFAULT_YEAR = 2025
ENDPOINTS = {
    "balance-sheet": "financial",
    "income-statement": "financial",
    "trial-balance": "financial",
    "sales-report": "transactions",
    "purchase-report": "transactions",
    "journal": "transactions",
}
DEFAULT_ENDPOINT = {"financial": "balance-sheet", "transactions": "journal"}
UNIT = "원"


@dataclass(frozen=True, slots=True)
class Period:
    """A span of months inside one fiscal year."""

    year: int
    first: int
    last: int

    @property
    def start(self) -> date:
        return date(self.year, self.first, 1)

    @property
    def end(self) -> date:
        return month_end(self.year, self.last)

    def as_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4})-?(\d{2})\s*[~/:]\s*(\d{4})-?(\d{2})$")


def parse_period(text: Any) -> tuple[Period, bool]:
    """The period and whether it named an explicit first month (a range or a quarter)."""
    value = str(text).strip() if text is not None else ""
    if match := _RANGE.match(value):
        y1, m1, y2, m2 = map(int, match.groups())
        if 1 <= m1 <= 12 and 1 <= m2 <= 12 and (y1, m1) <= (y2, m2):
            return Period(y2, m1 if y1 == y2 else 1, m2), True
    if match := _QUARTER.match(value):
        quarter = int(match.group(2))
        return Period(int(match.group(1)), quarter * 3 - 2, quarter * 3), True
    if (match := _MONTH.match(value)) and 1 <= int(match.group(2)) <= 12:
        return Period(int(match.group(1)), int(match.group(2)), int(match.group(2))), False
    if match := _YEAR.match(value):
        return Period(int(match.group(1)), 1, 12), False
    return Period(DEFAULT_YEAR, 1, 12), False


# --- shared pieces ---------------------------------------------------------------------------


def _company(c: Company) -> dict[str, Any]:
    return {
        "businessNumber": c.number,
        "companyName": c.name,
        "representativeName": c.representative,
        "corporateRegistrationNumber": c.corporate_number,
        "businessSector": "도매 및 소매업",
        "businessItem": c.industry,
        "address": c.address,
    }


def _fiscal(c: Company, year: int) -> dict[str, Any]:
    number = c.fiscal_number(year)
    return {"number": number, "label": f"제 {number}(당)기", "from": f"{year}-01-01", "to": f"{year}-12-31"}


def _head(c: Company, endpoint: str) -> dict[str, Any]:
    return {"siteCode": "WEHAGO", "group": ENDPOINTS[endpoint], "endpoint": endpoint, "company": _company(c), "unit": UNIT}


def _line(code: str | None, name: str, level: int, current: int, previous: int) -> dict[str, Any]:
    return {"code": code, "name": name, "level": level, "current": current, "previous": previous}


def _pl_movement(year: Year, first: int, last: int) -> dict[str, int]:
    """P&L account movements (debit positive) over months first..last."""
    before, after = year.balances(first - 1), year.balances(last)
    codes = {c for c in (*before, *after) if ACCOUNTS[c].kind in PL_KINDS}
    if first == 1:
        before = {}
    return {c: after.get(c, 0) - before.get(c, 0) for c in codes}


# --- balance sheet ---------------------------------------------------------------------------

BALANCE_LAYOUT: tuple[tuple[str, str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    ("자산", "자산총계", (
        ("Ⅰ. 유동자산", "currentAssets", ()),
        ("(1) 당좌자산", "quickAssets", ("10100", "10300", "10800", "12000", "13100", "13300", "13500", "13600")),
        ("(2) 재고자산", "inventories", ("14600",)),
        ("Ⅱ. 비유동자산", "nonCurrentAssets", ()),
        ("(1) 투자자산", "investments", ()),
        ("(2) 유형자산", "tangibleAssets", ("20800", "20900", "21200", "21300")),
        ("(3) 무형자산", "intangibleAssets", ()),
        ("(4) 기타비유동자산", "otherNonCurrentAssets", ("96200",)),
    )),
    ("부채", "부채총계", (
        ("Ⅰ. 유동부채", "currentLiabilities", ("25100", "25300", "25400", "25500", "26000", "26100", "26200")),
        ("Ⅱ. 비유동부채", "nonCurrentLiabilities", ("29300", "29500")),
    )),
    ("자본", "자본총계", (
        ("Ⅰ. 자본금", "capitalStock", ("33100",)),
        ("Ⅱ. 자본잉여금", "capitalSurplus", ("34100",)),
        ("Ⅲ. 자본조정", "capitalAdjustments", ()),
        ("Ⅳ. 기타포괄손익누계액", "accumulatedOtherComprehensiveIncome", ()),
        ("Ⅴ. 이익잉여금", "retainedEarnings", ("37700",)),
    )),
)


def _bs_amounts(balances: Mapping[str, int]) -> dict[str, int]:
    """Presentation amounts per account: assets positive, contra accounts negative, credits positive."""
    out: dict[str, int] = {}
    net_income = -sum(a for c, a in balances.items() if ACCOUNTS[c].kind in PL_KINDS)
    for code, amount in balances.items():
        kind = ACCOUNTS[code].kind
        if kind in ("asset", "contra"):
            out[code] = amount
        elif kind in ("liability", "equity") and code != "37500":
            out[code] = -amount
    out["37700"] = -balances.get("37500", 0) + net_income  # 미처분이익잉여금 includes the year's net income
    out["__net_income__"] = net_income
    return out


def _bs_totals(amounts: Mapping[str, int]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for _, _, groups in BALANCE_LAYOUT:
        for _, key, codes in groups:
            totals[key] = sum(amounts.get(code, 0) for code in codes)
    totals["currentAssets"] = totals["quickAssets"] + totals["inventories"]
    totals["nonCurrentAssets"] = (totals["investments"] + totals["tangibleAssets"] + totals["intangibleAssets"]
                                  + totals["otherNonCurrentAssets"])
    totals["totalAssets"] = totals["currentAssets"] + totals["nonCurrentAssets"]
    totals["totalLiabilities"] = totals["currentLiabilities"] + totals["nonCurrentLiabilities"]
    totals["totalEquity"] = (totals["capitalStock"] + totals["capitalSurplus"] + totals["capitalAdjustments"]
                             + totals["accumulatedOtherComprehensiveIncome"] + totals["retainedEarnings"])
    totals["totalLiabilitiesAndEquity"] = totals["totalLiabilities"] + totals["totalEquity"]
    totals["netIncome"] = amounts.get("__net_income__", 0)
    order = ("totalAssets", "currentAssets", "quickAssets", "inventories", "nonCurrentAssets", "investments",
             "tangibleAssets", "intangibleAssets", "otherNonCurrentAssets", "totalLiabilities", "currentLiabilities",
             "nonCurrentLiabilities", "totalEquity", "capitalStock", "capitalSurplus", "capitalAdjustments",
             "accumulatedOtherComprehensiveIncome", "retainedEarnings", "netIncome", "totalLiabilitiesAndEquity")
    return {key: totals[key] for key in order}


def _account_name(code: str, amount: int) -> str:
    if code == "37700":
        return "미처분이익잉여금" if amount >= 0 else "미처리결손금"
    return ACCOUNTS[code].name


def balance_sheet(c: Company, period: Period) -> dict[str, Any]:
    """재무상태표 as of the end of the period, against the previous fiscal year end."""
    _, year = ledger.books_for(c, period.year, period.last)
    current, previous = _bs_amounts(year.balances(period.last)), _bs_amounts(year.opening)
    totals_now, totals_before = _bs_totals(current), _bs_totals(previous)
    lines = []
    for section, total_name, groups in BALANCE_LAYOUT:
        for title, key, codes in groups:
            level = 3 if title.startswith("(") else 2
            lines.append(_line(None, title, level, totals_now[key], totals_before[key]))
            for code in codes:
                now, before = current.get(code, 0), previous.get(code, 0)
                if now or before:
                    lines.append(_line(code, _account_name(code, now), level + 1, now, before))
        key = {"자산": "totalAssets", "부채": "totalLiabilities", "자본": "totalEquity"}[section]
        lines.append(_line(None, total_name, 1, totals_now[key], totals_before[key]))
    lines.append(_line(None, "부채와자본총계", 1, totals_now["totalLiabilitiesAndEquity"],
                       totals_before["totalLiabilitiesAndEquity"]))
    return {
        **_head(c, "balance-sheet"),
        "fiscalYear": _fiscal(c, period.year),
        "asOf": period.end.isoformat(),
        "previousAsOf": f"{period.year - 1}-12-31",
        "lines": lines,
        "summary": {"current": totals_now, "previous": totals_before},
    }


# --- income statement ------------------------------------------------------------------------

SGA_CODES = tuple(code for code, a in ACCOUNTS.items() if a.kind == "expense")


def _purchases_of_goods(vouchers: Iterable[Voucher]) -> int:
    return sum(p.debit for v in vouchers for p in v.postings if p.code == "14600")


def _is_figures(year: Year, first: int, last: int) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(summary, per-account amounts, inventory lines) for months first..last."""
    move = _pl_movement(year, first, last)
    amount = {code: (-a if ACCOUNTS[code].kind in ("revenue", "other_income") else a) for code, a in move.items()}
    revenue = sum(a for c, a in amount.items() if ACCOUNTS[c].kind == "revenue")
    cogs = sum(a for c, a in amount.items() if ACCOUNTS[c].kind == "cogs")
    sga = sum(a for c, a in amount.items() if ACCOUNTS[c].kind == "expense")
    other_income = sum(a for c, a in amount.items() if ACCOUNTS[c].kind == "other_income")
    other_expense = sum(a for c, a in amount.items() if ACCOUNTS[c].kind == "other_expense")
    tax = sum(a for c, a in amount.items() if ACCOUNTS[c].kind == "tax")
    gross = revenue - cogs
    operating = gross - sga
    before_tax = operating + other_income - other_expense
    summary = {
        "revenue": revenue, "costOfSales": cogs, "grossProfit": gross, "sellingAndAdministrativeExpenses": sga,
        "operatingIncome": operating, "nonOperatingIncome": other_income, "nonOperatingExpenses": other_expense,
        "incomeBeforeIncomeTaxes": before_tax, "incomeTaxExpense": tax, "netIncome": before_tax - tax,
    }
    inventory = {
        "opening": year.balances(first - 1).get("14600", 0),
        "purchases": _purchases_of_goods(year.vouchers(first, last)),
        "closing": year.balances(last).get("14600", 0),
    }
    return summary, amount, inventory


def income_statement(c: Company, period: Period, explicit_first: bool) -> dict[str, Any]:
    """손익계산서 for the period (cumulative from January unless a range says otherwise) against the same months a year earlier."""
    previous_year, year = ledger.books_for(c, period.year, period.last)
    first = period.first if explicit_first else 1
    now, now_accounts, now_inv = _is_figures(year, first, period.last)
    before, before_accounts, before_inv = _is_figures(previous_year, first, period.last)
    lines: list[dict[str, Any]] = []

    def add(code: str | None, name: str, level: int, key: str | None = None) -> None:
        if key:
            lines.append(_line(code, name, level, now[key], before[key]))
        else:
            lines.append(_line(code, name, level, now_accounts.get(code or "", 0), before_accounts.get(code or "", 0)))

    def accounts(kind: str, level: int) -> None:
        for code, account in ACCOUNTS.items():
            if account.kind == kind and (now_accounts.get(code) or before_accounts.get(code)):
                add(code, account.name, level)

    add(None, "Ⅰ. 매출액", 1, "revenue")
    accounts("revenue", 2)
    add(None, "Ⅱ. 매출원가", 1, "costOfSales")
    add("45100", "상품매출원가", 2)
    for key, name in (("opening", "기초상품재고액"), ("purchases", "당기상품매입액"), ("closing", "기말상품재고액")):
        lines.append(_line(None, name, 3, now_inv[key], before_inv[key]))
    add(None, "Ⅲ. 매출총이익", 1, "grossProfit")
    add(None, "Ⅳ. 판매비와관리비", 1, "sellingAndAdministrativeExpenses")
    accounts("expense", 2)
    add(None, "Ⅴ. 영업이익", 1, "operatingIncome")
    add(None, "Ⅵ. 영업외수익", 1, "nonOperatingIncome")
    accounts("other_income", 2)
    add(None, "Ⅶ. 영업외비용", 1, "nonOperatingExpenses")
    accounts("other_expense", 2)
    add(None, "Ⅷ. 법인세차감전이익", 1, "incomeBeforeIncomeTaxes")
    add(None, "Ⅸ. 법인세등", 1, "incomeTaxExpense")
    accounts("tax", 2)
    add(None, "Ⅹ. 당기순이익", 1, "netIncome")
    current_period = Period(period.year, first, period.last)
    previous_period = Period(period.year - 1, first, period.last)
    return {
        **_head(c, "income-statement"),
        "fiscalYear": _fiscal(c, period.year),
        "period": current_period.as_json(),
        "previousPeriod": previous_period.as_json(),
        "lines": lines,
        "summary": {"current": now, "previous": before},
    }


# --- trial balance ---------------------------------------------------------------------------


def trial_balance(c: Company, period: Period) -> dict[str, Any]:
    """합계잔액시산표 from the start of the fiscal year (전기이월 included) to the end of the period."""
    _, year = ledger.books_for(c, period.year, period.last)
    debit: dict[str, int] = {}
    credit: dict[str, int] = {}
    for code, amount in year.opening.items():
        side = debit if amount > 0 else credit
        side[code] = side.get(code, 0) + abs(amount)
    for voucher in year.vouchers(1, period.last):
        for p in voucher.postings:
            debit[p.code] = debit.get(p.code, 0) + p.debit
            credit[p.code] = credit.get(p.code, 0) + p.credit
    rows = []
    for code, account in ACCOUNTS.items():
        dt, ct = debit.get(code, 0), credit.get(code, 0)
        if dt or ct:
            rows.append({"code": code, "name": account.name, "debitBalance": max(dt - ct, 0), "debitTotal": dt,
                         "creditTotal": ct, "creditBalance": max(ct - dt, 0)})
    totals = {key: sum(row[key] for row in rows) for key in ("debitBalance", "debitTotal", "creditTotal", "creditBalance")}
    return {
        **_head(c, "trial-balance"),
        "fiscalYear": _fiscal(c, period.year),
        "period": Period(period.year, 1, period.last).as_json(),
        "rows": rows,
        "totals": totals,
    }


# --- listings --------------------------------------------------------------------------------


def _voucher_row(v: Voucher) -> dict[str, Any]:
    vat = v.vat
    assert vat is not None
    main, counter = ACCOUNTS[vat.main_code], ACCOUNTS[vat.counter_code]
    debit, credit = (counter, main) if vat.is_sale else (main, counter)
    return {
        "date": v.day.isoformat(),
        "voucherNumber": v.number,
        "typeCode": vat.type_code,
        "typeName": vat.type_name,
        "partnerCode": vat.partner.code,
        "partnerName": vat.partner.name,
        "partnerBusinessNumber": vat.partner.number,
        "itemName": vat.item,
        "supplyAmount": vat.supply,
        "vatAmount": vat.vat,
        "totalAmount": vat.supply + vat.vat,
        "electronic": vat.electronic,
        "journalType": vat.journal_type,
        "debitAccountCode": debit.code,
        "debitAccountName": debit.name,
        "creditAccountCode": credit.code,
        "creditAccountName": credit.name,
    }


def _amounts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {"count": len(rows), "supplyAmount": sum(r["supplyAmount"] for r in rows),
            "vatAmount": sum(r["vatAmount"] for r in rows), "totalAmount": sum(r["totalAmount"] for r in rows)}


def vat_report(c: Company, period: Period, endpoint: str) -> dict[str, Any]:
    """매출장 / 매입장: the 매입매출 vouchers of the period with totals per type."""
    _, year = ledger.books_for(c, period.year, period.last)
    sales = endpoint == "sales-report"
    rows = [_voucher_row(v) for v in year.vouchers(period.first, period.last) if v.vat and v.vat.is_sale == sales]
    types = ledger.SALES_TYPES if sales else ledger.PURCHASE_TYPES
    by_type = []
    for code, name in types.items():
        group = [r for r in rows if r["typeCode"] == code]
        if group:
            by_type.append({"typeCode": code, "typeName": name, **_amounts(group)})
    return {**_head(c, endpoint), "period": period.as_json(), "rows": rows, "summary": _amounts(rows), "byType": by_type}


def journal(c: Company, period: Period) -> dict[str, Any]:
    """분개장: every voucher of the period with its debit and credit lines."""
    _, year = ledger.books_for(c, period.year, period.last)
    entries = []
    for v in year.vouchers(period.first, period.last):
        lines = []
        for index, p in enumerate(v.postings, start=1):
            lines.append({
                "lineNumber": index,
                "side": "차변" if p.debit else "대변",
                "accountCode": p.code,
                "accountName": ACCOUNTS[p.code].name,
                "partnerCode": p.partner.code if p.partner else None,
                "partnerName": p.partner.name if p.partner else None,
                "debit": p.debit,
                "credit": p.credit,
                "description": v.description,
            })
        entries.append({"date": v.day.isoformat(), "voucherNumber": v.number, "voucherKind": v.kind,
                        "description": v.description, "lines": lines})
    debit = sum(line["debit"] for e in entries for line in e["lines"])
    credit = sum(line["credit"] for e in entries for line in e["lines"])
    summary = {"entryCount": len(entries), "lineCount": sum(len(e["lines"]) for e in entries),
               "debitTotal": debit, "creditTotal": credit}
    return {**_head(c, "journal"), "period": period.as_json(), "entries": entries, "summary": summary}


# --- dispatch --------------------------------------------------------------------------------


def resolve_endpoint(params: Mapping[str, Any]) -> str:
    """The endpoint to answer: the requested one, else the group's default, else the balance sheet."""
    endpoint = str(params.get("endpoint") or "").strip().lower()
    if endpoint in ENDPOINTS:
        return endpoint
    return DEFAULT_ENDPOINT.get(str(params.get("group") or "").strip().lower(), "balance-sheet")


def result(params: Mapping[str, Any], world: str) -> dict[str, Any]:
    """The WEHAGO payload for the request params."""
    key = str(params.get("credentialId") or params.get("sessionToken") or "anonymous")
    c = ledger.company(world, key)
    period, explicit = parse_period(params.get("period"))
    endpoint = resolve_endpoint(params)
    if endpoint == "balance-sheet":
        return balance_sheet(c, period)
    if endpoint == "income-statement":
        return income_statement(c, period, explicit)
    if endpoint == "trial-balance":
        return trial_balance(c, period)
    if endpoint == "journal":
        return journal(c, period)
    return vat_report(c, period, endpoint)
