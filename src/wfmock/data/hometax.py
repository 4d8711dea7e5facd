"""HOMETAX payloads: business registration, monthly sales/purchase statistics and VAT returns.

One credential is one business. Its profile, every month's statistics and every VAT return are
functions of (world, credential, month), so `get_vat_info` adds up exactly the months that
`get_sales_stats` / `get_purchase_stats` report, and a closed business stops trading on its
closure date.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from wfmock.data import bizno, korea
from wfmock.data.seeding import Streams, month_end, random_date, rng, round_to, weighted

DEFAULT_YEAR = 2025
FUNCTIONS = ("get_business_info", "get_sales_stats", "get_purchase_stats", "get_vat_info")

# Category key, label, taxation (None: follows the business).
CATEGORIES = (
    ("TAX_INVOICE", "전자세금계산서"),
    ("INVOICE", "전자계산서"),
    ("CREDIT_CARD", "신용카드"),
    ("CASH_RECEIPT", "현금영수증"),
)
TAXABLE, EXEMPT = "과세", "면세"

TAX_TYPES = {
    "01": "부가가치세 일반과세자",
    "02": "부가가치세 간이과세자",
    "04": "부가가치세 면세사업자",
    "07": "부가가치세 간이과세자(세금계산서 발급사업자)",
}
STATUSES = {"01": "계속사업자", "02": "휴업자", "03": "폐업자"}


@dataclass(frozen=True, slots=True)
class Partner:
    """A counterparty on tax invoices."""

    number: str
    name: str


@dataclass(frozen=True, slots=True)
class Business:
    """The business behind a HOMETAX credential."""

    world: str
    key: str
    number: str
    corporate: bool
    name: str
    representative: str
    opening: date
    corporate_number: str | None
    dong: korea.Dong
    address: str
    phone: str
    industry: korea.Industry
    tax_type_code: str
    status_code: str
    closure: date | None
    suspension: date | None
    monthly_sales: int
    joint: bool
    customers: tuple[Partner, ...]
    suppliers: tuple[Partner, ...]

    @property
    def office(self) -> str:
        return self.number[:3]

    @property
    def exempt(self) -> bool:
        return self.tax_type_code == "04"

    @property
    def simplified(self) -> bool:
        return self.tax_type_code in ("02", "07")

    @property
    def issues_tax_invoices(self) -> bool:
        return self.tax_type_code in ("01", "07")

    def trading(self, day: date) -> bool:
        """True if the business was open (not yet closed or suspended) on the day."""
        stop = min((d for d in (self.closure, self.suspension) if d), default=None)
        return self.opening <= day and (stop is None or day <= stop)


# --- the business -----------------------------------------------------------------------------


def _log_uniform(r: random.Random, low: float, high: float, unit: int) -> int:
    return round_to(math.exp(r.uniform(math.log(low), math.log(high))), unit)


def _company_name(r: random.Random, word: str, industry: korea.Industry, corporate: bool) -> str:
    stem = word + r.choice(industry.name_suffixes)
    if not corporate:
        return stem
    return weighted(r, {f"주식회사 {stem}": 0.45, f"(주){stem}": 0.45, f"{stem} 주식회사": 0.1})


def _partner(f: Streams, region: korea.District) -> Partner:
    """A corporate counterparty; four in ten registered with the business's own tax offices."""
    industry = f("industry").choice(korea.CORPORATE_INDUSTRIES)
    r = f("name")
    name = _company_name(r, korea.company_word(r, f.fake("name").company_name_word()), industry, True)
    r = f("businessNumber")
    office = r.choice(region.tax_office_prefixes) if r.random() < 0.4 else None
    return Partner(bizno.make(r, corporate=True, office=office), name)


def _partners(f: Streams, low: int, high: int, region: korea.District) -> tuple[Partner, ...]:
    return tuple(_partner(f.child(index), region) for index in range(f("count").randint(low, high)))


def _tax_type(r: random.Random, corporate: bool, industry: korea.Industry) -> str:
    """면세 for exempt trades; companies and B2B traders mostly 일반; shops sometimes 간이."""
    if industry.exempt:
        return "04"
    if corporate:
        return "01"
    if industry.b2b > 0.5:
        return weighted(r, {"01": 0.9, "07": 0.1})
    return weighted(r, {"01": 0.6, "02": 0.25, "07": 0.15})


def _monthly_sales(r: random.Random, tax_type: str, corporate: bool) -> int:
    """Typical monthly revenue: 간이 stays under the threshold; companies span small to large."""
    if tax_type in ("02", "07"):
        return _log_uniform(r, 2_000_000, 8_500_000, 10_000)
    if corporate:
        return _log_uniform(r, 30_000_000, 1_500_000_000, 10_000)
    return _log_uniform(r, 9_000_000, 150_000_000, 10_000)


def _stop_date(r: random.Random, opening: date, happened: bool) -> date | None:
    """A closure or suspension date, at least 400 days after opening, if it happened."""
    return random_date(r, opening + timedelta(days=400), date(2025, 12, 31)) if happened else None


def _address(r: random.Random, dong: korea.Dong, corporate: bool) -> str:
    floor = r.randint(1, 15 if corporate else 3)
    detail = f"{floor}층" + (f" {floor}{r.randint(1, 12):02d}호" if r.random() < 0.5 else "")
    return korea.road_address(r, dong, detail=detail)


def business(world: str, key: str) -> Business:
    """The business for a credential in a world (the session); every field from its own stream."""
    f = Streams(world, "hometax", key, "profile")
    corporate = f("corporate").random() < 0.55
    industry = f("industry").choice(korea.CORPORATE_INDUSTRIES if corporate else korea.INDIVIDUAL_INDUSTRIES)
    dong = korea.pick_dong(f("dong"), urban=f("urban").random() < 0.9)
    district = dong.district
    r = f("businessNumber")
    number = bizno.make(r, corporate=corporate, exempt=industry.exempt and not corporate,
                        office=r.choice(district.tax_office_prefixes))
    tax_type = _tax_type(f("taxType"), corporate, industry)
    opening = random_date(f("openingDate"), date(2004, 1, 1), date(2023, 6, 30))
    status = weighted(f("status"), {"01": 0.8, "02": 0.05, "03": 0.15})
    r = f("companyName")
    corporate_number = None
    if corporate:
        office = korea.REGISTRY_OFFICES.get(district.sido, "1101")
        corporate_number = bizno.corporate_registration_number(f("corporateRegistrationNumber"), office, kind="11")
    return Business(
        world=world,
        key=key,
        number=number,
        corporate=corporate,
        name=_company_name(r, korea.company_word(r, f.fake("companyName").company_name_word()), industry, corporate),
        representative=f.fake("representativeName").name(),
        opening=opening,
        corporate_number=corporate_number,
        dong=dong,
        address=_address(f("address"), dong, corporate),
        phone=korea.phone_number(f("phoneNumber"), district),
        industry=industry,
        tax_type_code=tax_type,
        status_code=status,
        closure=_stop_date(f("closureDate"), opening, status == "03"),
        suspension=_stop_date(f("suspensionDate"), opening, status == "02"),
        monthly_sales=_monthly_sales(f("monthlySales"), tax_type, corporate),
        joint=not corporate and f("jointBusiness").random() < 0.08,
        customers=_partners(f.child("customers"), 3, 9, district),
        suppliers=_partners(f.child("suppliers"), 3, 8, district),
    )


def business_info(b: Business) -> dict[str, Any]:
    """`get_business_info`: what Hometax shows under 사업자등록 정보."""
    annual = b.monthly_sales * 12
    return {
        "siteCode": "HOMETAX",
        "function": "get_business_info",
        "businessNumber": b.number,
        "businessType": "법인" if b.corporate else "개인",
        "entityCode": b.number[4:6],
        "entityKind": bizno.entity_kind(int(b.number[4:6])),
        "companyName": b.name,
        "representativeName": b.representative,
        "corporateRegistrationNumber": b.corporate_number,
        "openingDate": b.opening.isoformat(),
        "address": b.address,
        "legalDongCode": b.dong.code,
        "phoneNumber": b.phone,
        "businessSector": b.industry.sector,
        "businessItem": b.industry.item,
        "taxType": TAX_TYPES[b.tax_type_code],
        "taxTypeCode": b.tax_type_code,
        "status": STATUSES[b.status_code],
        "statusCode": b.status_code,
        "closureDate": b.closure.isoformat() if b.closure else None,
        "suspensionDate": b.suspension.isoformat() if b.suspension else None,
        "jointBusiness": b.joint,
        "electronicInvoiceRequired": b.issues_tax_invoices and (b.corporate or annual >= 80_000_000),
    }


# --- monthly statistics -----------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    """One category of one month: count and amounts; `partners` splits tax invoices by counterparty."""

    category: str
    taxation: str
    count: int = 0
    supply: int = 0
    partners: dict[str, tuple[Partner, int, int]] | None = None  # number -> (partner, count, supply)

    @property
    def tax(self) -> int:
        return self.supply // 10 if self.taxation == TAXABLE else 0


def _days_trading(b: Business, year: int, month: int) -> float:
    """The share of the month the business traded (0 before opening, after closure or suspension)."""
    last = month_end(year, month)
    days = sum(1 for d in range(1, last.day + 1) if b.trading(date(year, month, d)))
    return days / last.day


def _amount_and_count(r: random.Random, amount: float, ticket: tuple[int, int]) -> tuple[int, int]:
    supply = round_to(amount, 10)
    if supply <= 0:
        return 0, 0
    average = r.uniform(*ticket)
    return max(1, round(supply / average)), supply


def _split_partners(r: random.Random, pool: tuple[Partner, ...], count: int, supply: int) -> dict[str, tuple[Partner, int, int]]:
    """Splits `count` invoices worth `supply` (a multiple of 10) over partners; each gets at least one invoice and 10 won."""
    units = supply // 10
    k = min(len(pool), count, units, r.randint(1, len(pool)))
    if k <= 0:
        return {}
    chosen = r.sample(pool, k)
    weights = [r.paretovariate(1.6) for _ in chosen]
    total = sum(weights)
    shares = [1 + int((units - k) * w / total) for w in weights]
    big = weights.index(max(weights))
    shares[big] += units - sum(shares)
    counts = [1] * k
    for _ in range(count - k):
        counts[r.choices(range(k), weights=weights)[0]] += 1
    return {p.number: (p, n, share * 10) for p, n, share in zip(chosen, counts, shares)}


Amounts = dict[str, float]
Tickets = dict[str, tuple[float, float]]
PURCHASE_TICKETS: Tickets = {"TAX_INVOICE": (300_000, 8_000_000), "INVOICE": (50_000, 3_000_000),
                             "CREDIT_CARD": (8_000, 120_000), "CASH_RECEIPT": (5_000, 80_000)}
EXEMPT_PURCHASE_SHARE = {"한식 일반 음식점업": 0.3, "과실 및 채소 도매업": 0.85, "커피 전문점": 0.12}


def _sales_amounts(f: Streams, b: Business, revenue: float) -> tuple[Amounts, Tickets]:
    """The month's revenue split over categories: B2B on invoices, the rest on cards and cash receipts."""
    b2b = b.industry.b2b
    if b.exempt:
        amounts = {"TAX_INVOICE": 0.0, "INVOICE": revenue * b2b}
    else:
        invoice_share = b2b if b.issues_tax_invoices else 0.0
        r = f("INVOICE")
        small_exempt = revenue * r.uniform(0.005, 0.02) if r.random() < 0.12 else 0.0
        amounts = {"TAX_INVOICE": revenue * invoice_share, "INVOICE": small_exempt}
    rest = revenue - amounts["TAX_INVOICE"] - (amounts["INVOICE"] if b.exempt else 0.0)
    card = rest * f("CREDIT_CARD").uniform(0.7, 0.88)
    amounts |= {"CREDIT_CARD": card, "CASH_RECEIPT": max(0.0, rest - card)}
    low, high = b.industry.ticket
    tickets = {"TAX_INVOICE": (high / 3, high), "INVOICE": (low, high), "CREDIT_CARD": (low, max(low, high / 2)),
               "CASH_RECEIPT": (low, max(low, high / 2))}
    return amounts, tickets


def _purchase_amounts(f: Streams, b: Business, revenue: float) -> tuple[Amounts, Tickets]:
    """The month's purchases (cost ratio of revenue): exempt goods on 계산서, shops buying more by card."""
    purchases = revenue * b.industry.cost_ratio * f("purchases").uniform(0.85, 1.15)
    invoices = purchases * EXEMPT_PURCHASE_SHARE.get(b.industry.item, 0.03)
    retail = b.industry.b2b < 0.5
    r = f("CREDIT_CARD")
    card = (purchases - invoices) * (r.uniform(0.12, 0.25) if retail else r.uniform(0.03, 0.08))
    r = f("CASH_RECEIPT")
    cash = (purchases - invoices) * (r.uniform(0.02, 0.07) if retail else r.uniform(0.005, 0.02))
    amounts = {"TAX_INVOICE": purchases - invoices - card - cash, "INVOICE": invoices, "CREDIT_CARD": card,
               "CASH_RECEIPT": cash}
    return amounts, PURCHASE_TICKETS


def _taxation(b: Business, side: str, category: str) -> str:
    """Tax invoices are taxable and 계산서 exempt; a 면세 business's own card and cash sales are exempt too."""
    if category == "TAX_INVOICE":
        return TAXABLE
    if category == "INVOICE":
        return EXEMPT
    return EXEMPT if side == "sales" and b.exempt else TAXABLE


def month_lines(b: Business, side: str, year: int, month: int) -> list[Line]:
    """The four category lines of one month, for 'sales' or 'purchases'."""
    f = Streams(b.world, "hometax", b.key, side, year, month)
    season = rng(b.world, "hometax", b.key, "season", year, month).uniform(0.78, 1.22)
    if month == 12 and b.industry.b2b < 0.5:
        season *= 1.12
    revenue = b.monthly_sales * season * _days_trading(b, year, month)
    amounts, tickets = (_sales_amounts if side == "sales" else _purchase_amounts)(f, b, revenue)
    lines = []
    for key, _ in CATEGORIES:
        line = Line(key, _taxation(b, side, key))
        line.count, line.supply = _amount_and_count(f(key, "count"), amounts[key], tickets[key])
        lines.append(line)
    pool = b.customers if side == "sales" else b.suppliers
    lines[0].partners = _split_partners(f("partners"), pool, lines[0].count, lines[0].supply)
    return lines


def _amounts(count: int, supply: int, tax: int) -> dict[str, int]:
    return {"count": count, "supplyAmount": supply, "taxAmount": tax, "totalAmount": supply + tax}


def _months(year: int, month: int | None) -> list[int]:
    return [month] if month else list(range(1, 13))


def trade_stats(b: Business, function: str, year: int, month: int | None) -> dict[str, Any]:
    """`get_sales_stats` / `get_purchase_stats`: per-category totals for the month (or the year)."""
    side = "sales" if function == "get_sales_stats" else "purchases"
    months = _months(year, month)
    per_month = {m: month_lines(b, side, year, m) for m in months}
    categories = []
    for index, (key, label) in enumerate(CATEGORIES):
        lines = [per_month[m][index] for m in months]
        count, supply, tax = sum(x.count for x in lines), sum(x.supply for x in lines), sum(x.tax for x in lines)
        categories.append({"category": key, "name": label, "taxation": lines[0].taxation, **_amounts(count, supply, tax)})
    partners: dict[str, list[Any]] = {}
    for m in months:
        for number, (partner, count, supply) in (per_month[m][0].partners or {}).items():
            entry = partners.setdefault(number, [partner, 0, 0])
            entry[1] += count
            entry[2] += supply
    partner_rows = [
        {"businessNumber": p.number, "name": p.name, **_amounts(count, supply, supply // 10)}
        for p, count, supply in sorted(partners.values(), key=lambda e: (-e[2], e[0].number))
    ]
    monthly = []
    for m in months:
        lines = per_month[m]
        monthly.append({"month": f"{year}-{m:02d}", **_amounts(sum(x.count for x in lines), sum(x.supply for x in lines),
                                                              sum(x.tax for x in lines))})
    summary = _amounts(sum(c["count"] for c in categories), sum(c["supplyAmount"] for c in categories),
                       sum(c["taxAmount"] for c in categories))
    return {
        "siteCode": "HOMETAX",
        "function": function,
        "businessNumber": b.number,
        "companyName": b.name,
        "tradeType": "매출" if side == "sales" else "매입",
        "year": year,
        "month": month,
        "period": {"from": date(year, months[0], 1).isoformat(), "to": month_end(year, months[-1]).isoformat()},
        "summary": summary,
        "categories": categories,
        "monthly": monthly,
        "partners": partner_rows,
    }


# --- VAT returns ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnSpec:
    """Which months one VAT return covers."""

    period: str  # 1기, 2기, 연간
    kind: str  # 예정, 확정
    tax_from: date
    tax_to: date
    months: tuple[int, ...]
    year: int

    @property
    def due(self) -> date:
        last = self.months[-1]
        return date(self.year + (last == 12), last % 12 + 1, 25)


def return_specs(b: Business, year: int) -> list[ReturnSpec]:
    """The VAT returns a business files for a year: companies four, individuals two, 간이 one, 면세 none."""
    if b.exempt:
        return []
    if b.simplified:
        return [ReturnSpec("연간", "확정", date(year, 1, 1), date(year, 12, 31), tuple(range(1, 13)), year)]
    first, second = (date(year, 1, 1), date(year, 6, 30)), (date(year, 7, 1), date(year, 12, 31))
    if b.corporate:
        return [ReturnSpec("1기", "예정", *first, (1, 2, 3), year), ReturnSpec("1기", "확정", *first, (4, 5, 6), year),
                ReturnSpec("2기", "예정", *second, (7, 8, 9), year), ReturnSpec("2기", "확정", *second, (10, 11, 12), year)]
    return [ReturnSpec("1기", "확정", *first, (1, 2, 3, 4, 5, 6), year),
            ReturnSpec("2기", "확정", *second, (7, 8, 9, 10, 11, 12), year)]


def _totals(b: Business, side: str, year: int, months: tuple[int, ...]) -> dict[str, int]:
    """Taxable supply, tax, exempt supply and card+cash totals over the months."""
    out = {"taxable": 0, "tax": 0, "exempt": 0, "card_cash_total": 0, "total": 0}
    for m in months:
        for line in month_lines(b, side, year, m):
            if line.taxation == TAXABLE:
                out["taxable"] += line.supply
                out["tax"] += line.tax
            else:
                out["exempt"] += line.supply
            out["total"] += line.supply + line.tax
            if line.category in ("CREDIT_CARD", "CASH_RECEIPT"):
                out["card_cash_total"] += line.supply + line.tax
    return out


def _previous_payable(b: Business, spec: ReturnSpec) -> int:
    """납부세액 of the previous half-year, for an individual's 예정고지."""
    months = (7, 8, 9, 10, 11, 12) if spec.period == "1기" else (1, 2, 3, 4, 5, 6)
    year = spec.year - 1 if spec.period == "1기" else spec.year
    sales, purchases = _totals(b, "sales", year, months), _totals(b, "purchases", year, months)
    return sales["tax"] - purchases["tax"]


def _tax_figures(r: random.Random, b: Business, sales: Mapping[str, int], purchases: Mapping[str, int]) -> dict[str, int]:
    """과세표준, 매출세액 and 매입세액 (with what is not deductible), by 일반 or 간이 rules."""
    if b.simplified:  # 간이: 공급대가 x 업종별 부가가치율 x 10%, 매입 공급대가 x 0.5% 공제
        tax_base = sales["taxable"] + sales["tax"]
        output_tax = int(tax_base * b.industry.value_added_rate * 0.1) // 10 * 10
        input_tax = int((purchases["taxable"] + purchases["tax"]) * 0.005) // 10 * 10
        non_deductible, deductible = 0, min(input_tax, output_tax)
    else:
        tax_base = sales["taxable"]
        output_tax, input_tax = sales["tax"], purchases["tax"]
        non_deductible = round_to(input_tax * r.uniform(0.0, 0.05), 10)
        deductible = input_tax - non_deductible
    return {"salesTaxBase": tax_base, "outputTax": output_tax, "exemptSales": sales["exempt"],
            "purchaseSupplyAmount": purchases["taxable"], "inputTax": input_tax,
            "nonDeductibleInputTax": non_deductible, "deductibleInputTax": deductible,
            "payableTax": output_tax - deductible}


def _credits(b: Business, spec: ReturnSpec, sales: Mapping[str, int], payable: int, self_filed: bool) -> dict[str, int]:
    """An individual's 신용카드매출전표 발행공제, 전자신고세액공제 and 예정고지세액 (half the last half-year's tax)."""
    card_credit = 0
    if not b.corporate:
        card_credit = min(int(sales["card_cash_total"] * 0.013) // 10 * 10, 10_000_000, max(0, payable))
    e_filing = 10_000 if spec.kind == "확정" and self_filed else 0
    e_filing = min(e_filing, max(0, payable - card_credit))
    notice = 0
    if not b.corporate and not b.simplified:
        notice = max(0, _previous_payable(b, spec)) // 2 // 10 * 10
        notice = notice if notice >= 500_000 else 0
    return {"creditCardIssuanceCredit": card_credit, "electronicFilingCredit": e_filing, "prelimNoticeTax": notice}


def _filed_day(r: random.Random, spec: ReturnSpec, late: bool) -> date:
    """Filed up to two weeks before the due date, or 3–40 days after it when late."""
    return spec.due + timedelta(days=r.randint(3, 40)) if late else spec.due - timedelta(days=r.randint(0, 14))


def _vat_return(b: Business, spec: ReturnSpec) -> dict[str, Any]:
    f = Streams(b.world, "hometax", b.key, "vat", spec.year, spec.period, spec.kind)
    sales = _totals(b, "sales", spec.year, spec.months)
    figures = _tax_figures(f("nonDeductibleInputTax"), b, sales, _totals(b, "purchases", spec.year, spec.months))
    payable = figures["payableTax"]
    self_filed = not b.corporate and f("filingMethod").random() < 0.7
    credits = _credits(b, spec, sales, payable, self_filed)
    late = f("filingType").random() < 0.04
    penalty = round_to(max(0, payable) * 0.1, 10) if late else 0
    payment_exempt = b.simplified and sales["total"] < 48_000_000
    final = 0 if payment_exempt else payable - sum(credits.values()) + penalty
    filed_day = _filed_day(f("filedAt", "day"), spec, late)
    r = f("filedAt", "time")
    filed_at = f"{filed_day.isoformat()}T{r.randint(9, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}+09:00"
    receipt = f"5{f('receiptNumber').randint(0, 10**11 - 1):011d}"
    return {
        "taxItem": "부가가치세",
        "period": spec.period,
        "returnKind": spec.kind,
        "filingType": "기한후신고" if late else "정기신고",
        "returnForm": "간이과세자 부가가치세 신고서" if b.simplified else "일반과세자 부가가치세 신고서",
        "taxPeriod": {"from": spec.tax_from.isoformat(), "to": spec.tax_to.isoformat()},
        "reportingPeriod": {"from": date(spec.year, spec.months[0], 1).isoformat(),
                            "to": month_end(spec.year, spec.months[-1]).isoformat()},
        "dueDate": spec.due.isoformat(),
        "filedAt": filed_at,
        "filingMethod": "인터넷(작성)" if self_filed else "인터넷(변환)",
        "receiptNumber": f"{b.office}-{filed_day.year}-{1 if spec.kind == '예정' else 2}-{receipt}",
        **figures,
        **credits,
        "penaltyTax": penalty,
        "paymentExempt": payment_exempt,
        "finalTax": final,
        "refund": final < 0,
    }


def vat_info(b: Business, year: int, month: int | None) -> dict[str, Any]:
    """`get_vat_info`: the VAT returns of the year (or the one covering `month`)."""
    returns = []
    for spec in return_specs(b, year):
        if month is not None and month not in spec.months:
            continue
        start, end = date(year, spec.months[0], 1), month_end(year, spec.months[-1])
        if end < b.opening or (b.closure and start > b.closure):
            continue
        returns.append(_vat_return(b, spec))
    remarks = "면세사업자는 부가가치세 신고 대상이 아닙니다(사업장현황신고 대상)." if b.exempt else None
    return {
        "siteCode": "HOMETAX",
        "function": "get_vat_info",
        "businessNumber": b.number,
        "companyName": b.name,
        "taxType": TAX_TYPES[b.tax_type_code],
        "year": year,
        "month": month,
        "returns": returns,
        "remarks": remarks,
    }


# --- dispatch ---------------------------------------------------------------------------------


def _int_param(params: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = params.get(name)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def result(params: Mapping[str, Any], world: str) -> dict[str, Any]:
    """The HOMETAX payload for the request params."""
    key = str(params.get("credentialId") or params.get("sessionToken") or "anonymous")
    b = business(world, key)
    function = params.get("function")
    year = _int_param(params, "year", 1900, 2200) or DEFAULT_YEAR
    month = _int_param(params, "month", 1, 12)
    if function in ("get_sales_stats", "get_purchase_stats"):
        return trade_stats(b, str(function), year, month)
    if function == "get_vat_info":
        return vat_info(b, year, month)
    return business_info(b)
