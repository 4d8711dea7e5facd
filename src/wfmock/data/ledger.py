"""A small double-entry ledger behind the WEHAGO payloads.

A WEHAGO credential is one company (주식회사, K-GAAP). Its books start from a generated balance sheet
at the end of `BASE_YEAR - 1` and every month then posts balanced vouchers: sales and purchases with
VAT (매입매출전표), collections and payments, payroll and withholding, rent, utilities, card bills,
depreciation, interest, quarterly VAT settlement, the corporate-tax accrual and its payment. Every
statement is read off these books, so the balance sheet balances, the income statement feeds 이익잉여금,
and the sales report adds up to 매출액.

Account codes follow Douzone's 5-digit form (3-digit standard code + 2 sub-account digits).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date

from wfmock.data import bizno, korea
from wfmock.data.seeding import Streams, month_end, random_date, rng, round_to, weighted

BASE_YEAR = 2023  # books are simulated from here on, so the years after it agree with each other
HORIZON = 6  # years further out start from a fresh opening balance (cheap, but not chained)


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    kind: str  # asset, contra, liability, equity, revenue, cogs, expense, other_income, other_expense, tax


_ACCOUNT_ROWS = (
    ("10100", "현금", "asset"), ("10300", "보통예금", "asset"), ("10800", "외상매출금", "asset"),
    ("12000", "미수금", "asset"), ("13100", "선급금", "asset"), ("13300", "선급비용", "asset"),
    ("13500", "부가세대급금", "asset"), ("13600", "선납세금", "asset"), ("14600", "상품", "asset"),
    ("20800", "차량운반구", "asset"), ("20900", "감가상각누계액", "contra"), ("21200", "비품", "asset"),
    ("21300", "감가상각누계액", "contra"), ("96200", "임차보증금", "asset"),
    ("25100", "외상매입금", "liability"), ("25300", "미지급금", "liability"), ("25400", "예수금", "liability"),
    ("25500", "부가세예수금", "liability"), ("26000", "단기차입금", "liability"), ("26100", "미지급세금", "liability"),
    ("26200", "미지급비용", "liability"), ("29300", "장기차입금", "liability"), ("29500", "퇴직급여충당부채", "liability"),
    ("33100", "자본금", "equity"), ("34100", "주식발행초과금", "equity"), ("37500", "이월이익잉여금", "equity"),
    ("40100", "상품매출", "revenue"), ("45100", "상품매출원가", "cogs"),
    ("80100", "급여", "expense"), ("80600", "퇴직급여", "expense"), ("81100", "복리후생비", "expense"),
    ("81200", "여비교통비", "expense"), ("81300", "기업업무추진비", "expense"), ("81400", "통신비", "expense"),
    ("81500", "수도광열비", "expense"), ("81700", "세금과공과", "expense"), ("81800", "감가상각비", "expense"),
    ("81900", "지급임차료", "expense"), ("82100", "보험료", "expense"), ("82200", "차량유지비", "expense"),
    ("82600", "도서인쇄비", "expense"), ("83000", "소모품비", "expense"), ("83100", "지급수수료", "expense"),
    ("83300", "광고선전비", "expense"),
    ("90100", "이자수익", "other_income"), ("93000", "잡이익", "other_income"),
    ("95100", "이자비용", "other_expense"), ("98000", "잡손실", "other_expense"),
    ("99800", "법인세등", "tax"),
)
ACCOUNTS: dict[str, Account] = {code: Account(code, name, kind) for code, name, kind in _ACCOUNT_ROWS}
EXPENSE_BY_NAME = {a.name: a.code for a in ACCOUNTS.values() if a.kind == "expense"}
DEBIT_NATURE = {"asset", "cogs", "expense", "other_expense", "tax"}
PL_KINDS = {"revenue", "cogs", "expense", "other_income", "other_expense", "tax"}

# 매입매출 유형 (Douzone voucher type codes).
SALES_TYPES = {"11": "과세", "12": "영세", "13": "면세", "17": "카과", "22": "현과"}
PURCHASE_TYPES = {"51": "과세", "53": "면세", "54": "불공", "57": "카과", "58": "카면", "61": "현과"}

FLAVOURS = {
    "wholesale": {
        "industry": "컴퓨터 및 주변장치, 소프트웨어 도매업",
        "sales_items": ("노트북 외", "모니터 외", "SSD 외", "서버 부품 외", "네트워크 스위치 외", "프린터 소모품 외", "데스크톱 PC 외"),
        "purchase_items": ("노트북", "모니터", "SSD 1TB", "서버용 메모리", "네트워크 장비", "프린터 토너", "데스크톱 PC"),
        "margin": (0.12, 0.24),
    },
    "retail": {
        "industry": "전자상거래 소매업",
        "sales_items": ("온라인 판매", "카드매출", "현금영수증 매출", "스마트스토어 정산"),
        "purchase_items": ("생활용품 외", "주방용품 외", "포장재", "수납용품 외", "욕실용품 외"),
        "margin": (0.25, 0.42),
    },
}


@dataclass(frozen=True, slots=True)
class Partner:
    """거래처: Douzone code, name and business number (None for card companies' own cards etc.)."""

    code: str
    name: str
    number: str | None = None


@dataclass(slots=True)
class Posting:
    """One line of a voucher."""

    code: str
    debit: int = 0
    credit: int = 0
    partner: Partner | None = None
    memo: str = ""


@dataclass(slots=True)
class Vat:
    """The 매입매출 part of a voucher."""

    type_code: str
    partner: Partner
    item: str
    supply: int
    vat: int
    journal_type: str  # 외상, 현금, 카드, 혼합
    electronic: bool
    main_code: str  # the revenue/expense/stock account
    counter_code: str  # the receivable/payable/cash account

    @property
    def type_name(self) -> str:
        return SALES_TYPES.get(self.type_code) or PURCHASE_TYPES[self.type_code]

    @property
    def is_sale(self) -> bool:
        return self.type_code in SALES_TYPES


@dataclass(slots=True)
class Voucher:
    """전표: a balanced set of postings on one day."""

    day: date
    description: str
    postings: list[Posting]
    vat: Vat | None = None
    number: str = ""

    @property
    def kind(self) -> str:
        return "매입매출" if self.vat else "일반"


@dataclass(frozen=True, slots=True)
class Company:
    """The company behind a WEHAGO credential."""

    world: str
    key: str
    name: str
    representative: str
    number: str
    corporate_number: str
    dong: korea.Dong
    address: str
    founded: date
    flavour: str
    monthly_sales: int
    margin: float
    headcount: int
    salary: int
    rent: int
    deposit: int
    vehicle_cost: int
    equipment_cost: int
    loan: int
    loan_rate: float
    capital: int
    share_premium: int
    customers: tuple[Partner, ...]
    suppliers: tuple[Partner, ...]
    landlord: Partner | None
    tax_agent: Partner
    card: Partner
    bank: Partner
    utilities: tuple[tuple[Partner, str], ...]
    merchants: tuple[tuple[Partner, str, str], ...]  # (merchant, expense account name, item)
    bookstore: Partner

    @property
    def industry(self) -> str:
        return FLAVOURS[self.flavour]["industry"]

    def fiscal_number(self, year: int) -> int:
        return max(1, year - self.founded.year + 1)


def _partner_pool(f: Streams, prefix: int, count: int) -> tuple[Partner, ...]:
    """Corporate customers or suppliers with account codes from `prefix`; each from its own streams."""
    pool = []
    for index in range(count):
        row = f.child(index)
        industry = row("industry").choice(korea.CORPORATE_INDUSTRIES)
        r = row("name")
        stem = korea.company_word(r, row.fake("name").company_name_word()) + r.choice(industry.name_suffixes)
        name = weighted(r, {f"(주){stem}": 0.6, f"주식회사 {stem}": 0.3, f"{stem}(주)": 0.1})
        pool.append(Partner(f"{prefix + index:05d}", name, bizno.make(row("businessNumber"), corporate=True)))
    return tuple(pool)


def _company_name(f: Streams, flavour: str) -> str:
    r = f("name")
    word = korea.company_word(r, f.fake("name").company_name_word())
    suffix = r.choice(("유통", "상사", "트레이딩", "코리아") if flavour == "wholesale" else ("몰", "리빙", "스토어", "마켓"))
    return weighted(r, {f"주식회사 {word}{suffix}": 0.5, f"(주){word}{suffix}": 0.5})


def _sometimes(r: random.Random, chance: float, amount: int) -> int:
    """`amount` with probability `chance`, else 0 (drawn from the field's own stream)."""
    return amount if r.random() < chance else 0


def company(world: str, key: str) -> Company:
    """The company for a credential in a world (the session); every field from its own stream."""
    f = Streams(world, "wehago", key, "company")
    flavour = weighted(f("flavour"), {"wholesale": 0.6, "retail": 0.4})
    dong = korea.pick_dong(f("dong"), urban=True)
    district = dong.district
    monthly = round_to(math.exp(f("monthlySales").uniform(math.log(40_000_000), math.log(900_000_000))), 10_000)
    headcount = max(2, min(60, round(monthly / f("headcount").uniform(25_000_000, 60_000_000))))
    renting = f("renting").random() < 0.85
    r = f("businessNumber")
    tax_agent = f.child("taxAgent")
    return Company(
        world=world,
        key=key,
        name=_company_name(f, flavour),
        representative=f.fake("representativeName").name(),
        number=bizno.make(r, corporate=True, office=r.choice(district.tax_office_prefixes)),
        corporate_number=bizno.corporate_registration_number(f("corporateRegistrationNumber"),
                                                             korea.REGISTRY_OFFICES.get(district.sido, "1101")),
        dong=dong,
        address=korea.road_address(f("address"), dong, detail=f"{f('address', 'floor').randint(2, 15)}층"),
        founded=random_date(f("founded"), date(2005, 1, 1), date(2019, 12, 31)),
        flavour=flavour,
        monthly_sales=monthly,
        margin=f("margin").uniform(*FLAVOURS[flavour]["margin"]),
        headcount=headcount,
        salary=round_to(f("salary").uniform(3_100_000, 5_200_000), 10_000),
        rent=round_to(monthly * f("rent").uniform(0.01, 0.03), 10_000) if renting else 0,
        deposit=round_to(monthly * f("deposit").uniform(0.2, 0.5), 1_000_000) if renting else 0,
        vehicle_cost=_sometimes(f("vehicle"), 0.7, round_to(f("vehicleCost").uniform(25_000_000, 70_000_000), 100_000)),
        equipment_cost=round_to(f("equipmentCost").uniform(8_000_000, 40_000_000) + headcount * 1_500_000, 10_000),
        loan=_sometimes(f("loan"), 0.6, round_to(monthly * f("loanAmount").uniform(0.5, 3.0), 10_000_000)),
        loan_rate=round(f("loanRate").uniform(0.042, 0.065), 4),
        capital=f("capital").choice((10_000_000, 50_000_000, 100_000_000, 300_000_000, 500_000_000)),
        share_premium=_sometimes(f("sharePremium"), 0.25, round_to(f("sharePremiumAmount").uniform(0, 300_000_000), 1_000_000)),
        customers=_partner_pool(f.child("customers"), 101, f("customers").randint(5, 12)),
        suppliers=_partner_pool(f.child("suppliers"), 201, f("suppliers").randint(4, 9)),
        landlord=(_partner_pool(f.child("landlord"), 301, 1)[0] if renting else None),
        tax_agent=Partner("00351", f"{tax_agent.fake('name').last_name()}{tax_agent.fake('name', 'first').first_name()} 세무회계",
                          bizno.make(tax_agent("businessNumber"), corporate=False)),
        card=Partner("99601", f"{f('card').choice(korea.CARD_COMPANIES)}/{f('card', 'number').randint(1000, 9999)}"),
        bank=Partner("98001", f("bank").choice(("신한은행", "국민은행", "우리은행", "하나은행", "IBK기업은행", "농협은행"))),
        utilities=tuple((Partner(f"{401 + i:05d}", n), acct) for i, (n, acct) in enumerate(korea.UTILITIES[:3])),
        merchants=tuple((Partner(f"{501 + i:05d}", n), acct, item) for i, (n, acct, item) in enumerate(korea.CARD_MERCHANTS)),
        bookstore=Partner("00601", f("bookstore").choice(korea.BOOKSTORES)),
    )


# --- books -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Books:
    """Running balances (debit positive) plus what the simulation needs to remember."""

    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    receivables: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # customer code -> balance
    payables: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # supplier code -> balance
    employer_share: int = 0
    last_tax: int = 0

    def post(self, voucher: Voucher) -> None:
        for line in voucher.postings:
            self.balances[line.code] += line.debit - line.credit
            if line.partner and line.code == "10800":
                self.receivables[line.partner.code] += line.debit - line.credit
            if line.partner and line.code == "25100":
                self.payables[line.partner.code] += line.credit - line.debit

    def credit_balance(self, code: str) -> int:
        return -self.balances[code]

    def snapshot(self) -> dict[str, int]:
        return {code: amount for code, amount in self.balances.items() if amount}


def opening_books(c: Company, year: int) -> Books:
    """A balanced balance sheet at the end of `year - 1`, shaped by the company's size."""
    f = Streams(c.world, "wehago", c.key, "opening", year)  # one stream per account
    books = Books()
    b = books.balances
    sales = c.monthly_sales
    cost = sales * (1 - c.margin)
    b["10100"] = round_to(f("10100").uniform(200_000, 3_000_000), 10)
    receivable = round_to(sales * 1.1 * f("10800").uniform(0.6, 1.2) * (0.9 if c.flavour == "wholesale" else 0.35), 10)
    for partner, share in zip(c.customers, _shares(f("10800", "partners"), len(c.customers))):
        books.receivables[partner.code] = round_to(receivable * share, 10)
    b["10800"] = sum(books.receivables.values())
    b["14600"] = round_to(cost * f("14600").uniform(0.6, 1.4), 10)
    b["13500"] = round_to(cost * 3 * 0.1 * f("13500").uniform(0.8, 1.0), 10)
    b["25500"] = -round_to(sales * 3 * 0.1 * f("25500").uniform(0.9, 1.1), 10)
    b["20800"], b["20900"] = c.vehicle_cost, -round_to(c.vehicle_cost * f("20900").uniform(0.2, 0.7), 1000)
    b["21200"], b["21300"] = c.equipment_cost, -round_to(c.equipment_cost * f("21300").uniform(0.3, 0.8), 1000)
    b["96200"] = c.deposit
    payable = round_to(cost * 1.1 * f("25100").uniform(0.5, 0.9), 10)
    for partner, share in zip(c.suppliers, _shares(f("25100", "partners"), len(c.suppliers))):
        books.payables[partner.code] = round_to(payable * share, 10)
    b["25100"] = -sum(books.payables.values())
    b["25300"] = -round_to(sales * f("25300").uniform(0.01, 0.03), 10)
    payroll = c.headcount * c.salary
    books.employer_share = round_to(payroll * 0.1, 10)
    b["25400"] = -round_to(payroll * 0.095, 10)
    books.last_tax = round_to(sales * 12 * c.margin * 0.08 * f("26100").uniform(0.3, 0.8), 10)
    b["26100"] = -books.last_tax
    b["29300"] = -c.loan
    b["29500"] = -round_to(payroll * f("29500").uniform(1.0, 4.0), 10)
    b["33100"] = -c.capital
    b["34100"] = -c.share_premium
    b["37500"] = -round_to(sales * f("37500").uniform(0.2, 6.0), 10)
    b["10300"] = -sum(amount for code, amount in b.items() if code != "10300")  # assets = liabilities + equity
    floor = round_to(sales * f("10300").uniform(0.3, 1.2), 10)
    if b["10300"] < floor:  # not enough cash: the retained earnings were higher
        b["37500"] -= floor - b["10300"]
        b["10300"] = floor
    return books


def _shares(r: random.Random, n: int) -> list[float]:
    weights = [r.paretovariate(1.5) for _ in range(n)]
    total = sum(weights)
    return [w / total for w in weights]
# --- one month of bookkeeping ---------------------------------------------------------------


class _Month:
    """Posts one month's vouchers to the books, in the order the decisions need them.

    Each activity (and each voucher of a repeated one) draws from its own stream, so a new kind of
    voucher leaves the others as they were.
    """

    def __init__(self, c: Company, books: Books, year: int, month: int) -> None:
        self.c, self.books, self.year, self.month = c, books, year, month
        self.f = Streams(c.world, "wehago", c.key, "month", year, month)
        self.last = month_end(year, month)
        self.vouchers: list[Voucher] = []

    def day(self, r: random.Random, low: int, high: int | None = None) -> date:
        """A day of this month in [low, high] (clipped to the month's end), drawn from the activity's stream."""
        high = low if high is None else high
        return date(self.year, self.month, min(self.last.day, r.randint(low, high)))

    def add(self, day: date, description: str, *postings: Posting, vat: Vat | None = None) -> None:
        voucher = Voucher(day, description, [p for p in postings if p.debit or p.credit], vat)
        if voucher.postings:
            self.books.post(voucher)
            self.vouchers.append(voucher)

    def sale(self, day: date, type_code: str, partner: Partner, item: str, supply: int, counter: str, journal: str) -> None:
        vat = supply // 10 if type_code in ("11", "17", "22") else 0
        info = Vat(type_code, partner, item, supply, vat, journal, type_code == "11", "40100", counter)
        self.add(day, item, Posting(counter, debit=supply + vat, partner=partner),
                 Posting("25500", credit=vat, partner=partner), Posting("40100", credit=supply, partner=partner), vat=info)

    def purchase(self, day: date, type_code: str, partner: Partner, item: str, supply: int, main: str, counter: str,
                 journal: str, counter_partner: Partner | None = None) -> None:
        vat = supply // 10 if type_code in ("51", "54", "57", "61") else 0
        info = Vat(type_code, partner, item, supply, vat, journal, type_code in ("51", "53", "54"), main, counter)
        deductible = type_code in ("51", "57", "61")
        self.add(day, item,
                 Posting(main, debit=supply if deductible else supply + vat, partner=partner),
                 Posting("13500", debit=vat if deductible else 0, partner=partner),
                 Posting(counter, credit=supply + vat, partner=counter_partner or partner), vat=info)

    # -- the month --------------------------------------------------------------------------

    def run(self) -> list[Voucher]:
        c = self.c
        growth = (1 + rng(c.world, "wehago", c.key, "growth").uniform(-0.03, 0.12)) ** (self.year - BASE_YEAR)
        season = self.f("season").uniform(0.8, 1.2) * (1.12 if self.month in (11, 12) and c.flavour == "retail" else 1.0)
        revenue = c.monthly_sales * growth * season
        self.settle_taxes()
        self.collect()
        self.pay_suppliers()
        self.pay_withholding()
        sales = self.sales(revenue)
        self.expenses(revenue)
        self.payroll()
        self.interest()
        self.month_end(sales)
        if self.month == 12:
            self.corporate_tax()
        self.keep_cash(revenue)
        order = {id(v): i for i, v in enumerate(self.vouchers)}
        self.vouchers.sort(key=lambda v: (v.day, order[id(v)]))
        counters: dict[date, int] = defaultdict(int)
        for voucher in self.vouchers:
            counters[voucher.day] += 1
            voucher.number = f"{counters[voucher.day]:05d}"
        return self.vouchers

    def settle_taxes(self) -> None:
        b, r = self.books, self.f("taxes")
        if self.month in (1, 4, 7, 10):
            output, prepaid = b.credit_balance("25500"), b.balances["13500"]
            net = output - prepaid
            self.add(self.day(r, 25), "부가세 납부" if net >= 0 else "부가세 환급 신청",
                     Posting("25500", debit=output), Posting("13500", credit=prepaid),
                     Posting("10300", credit=max(net, 0)), Posting("12000", debit=max(-net, 0)))
        if self.month in (2, 5, 8, 11) and b.balances["12000"] > 0:
            refund = b.balances["12000"]
            self.add(self.day(r, 18, 24), "부가세 환급금 입금", Posting("10300", debit=refund), Posting("12000", credit=refund))
        if self.month == 3 and b.credit_balance("26100") > 0:
            due = b.credit_balance("26100")
            self.add(self.last, "법인세 납부", Posting("26100", debit=due), Posting("10300", credit=due))
        if self.month == 8 and b.last_tax > 0:
            half = round_to(b.last_tax / 2, 10)
            self.add(self.last, "법인세 중간예납", Posting("13600", debit=half), Posting("10300", credit=half))

    def collect(self) -> None:
        b = self.books
        for code, balance in sorted(b.receivables.items()):
            if balance <= 0:
                continue
            r = self.f("collect", code)
            partner = self._partner(code)
            card = code.startswith("996")
            amount = balance if card else round_to(balance * r.uniform(0.55, 1.0), 10)
            day = self.day(r, 2, 6) if card else self.day(r, 5, 28)
            self.add(day, f"{partner.name} 외상대금 입금" if not card else f"{partner.name} 카드대금 입금",
                     Posting("10300", debit=amount, partner=partner), Posting("10800", credit=amount, partner=partner))

    def pay_suppliers(self) -> None:
        b = self.books
        for code, balance in sorted(b.payables.items()):
            if balance <= 0:
                continue
            r = self.f("pay", code)
            partner = self._partner(code)
            amount = round_to(balance * r.uniform(0.6, 1.0), 10)
            self.add(self.day(r, 10, 28), f"{partner.name} 외상대금 지급",
                     Posting("25100", debit=amount, partner=partner), Posting("10300", credit=amount, partner=partner))
        card_bill = b.credit_balance("25300")
        if card_bill > 0:
            self.add(self.day(self.f("cardBill"), 14), f"{self.c.card.name} 카드대금 결제",
                     Posting("25300", debit=card_bill, partner=self.c.card), Posting("10300", credit=card_bill))

    def pay_withholding(self) -> None:
        b = self.books
        withheld, share = b.credit_balance("25400"), b.employer_share
        if withheld <= 0:
            return
        health, pension = round_to(share * 0.45, 10), round_to(share * 0.45, 10)
        self.add(self.day(self.f("withholding"), 10), "원천세 및 4대보험 납부", Posting("25400", debit=withheld), Posting("81100", debit=health),
                 Posting("81700", debit=pension), Posting("82100", debit=share - health - pension),
                 Posting("10300", credit=withheld + share))

    def sales(self, revenue: float) -> int:
        """A wholesaler invoices its customers; a shop sells by card and cash receipt with a few invoices."""
        c, f = self.c, self.f.child("sales")
        if c.flavour == "wholesale":
            return self._invoiced_sales(f.child("invoices"), revenue)
        total = 0
        for index in range(f("invoices").randint(0, 2)):
            r = f("invoices", index)
            supply = round_to(revenue * r.uniform(0.01, 0.04), 10)
            self.sale(self.day(r, 1, 31), "11", r.choice(c.customers), "상품 납품", supply, "10800", "외상")
            total += supply
        card_share = f("cardShare").uniform(0.78, 0.9)
        for index, share in enumerate(_shares(f("cards"), f("cards", "count").randint(8, 12))):
            r = f("cards", index)
            supply = round_to((revenue - total) * card_share * share, 10)
            self.sale(self.day(r, 1, 31), "17", r.choice(_card_partners()), "카드매출", supply, "10800", "카드")
        rest = revenue - total
        for index, share in enumerate(_shares(f("cash"), f("cash", "count").randint(2, 4))):
            supply = round_to(rest * (1 - card_share) * share, 10)
            self.sale(self.day(f("cash", index), 1, 31), "22", Partner("00099", "현금영수증 고객"), "현금영수증 매출",
                      supply, "10300", "현금")
        return round_to(revenue, 10)

    def _invoiced_sales(self, f: Streams, revenue: float) -> int:
        items = FLAVOURS[self.c.flavour]["sales_items"]
        total = 0
        for index, share in enumerate(_shares(f("shares"), f("count").randint(6, 16))):
            r = f(index)
            supply = max(100_000, round_to(revenue * share, 10))
            self.sale(self.day(r, 1, 31), "11", r.choice(self.c.customers), r.choice(items), supply, "10800", "외상")
            total += supply
        return total

    def expenses(self, revenue: float) -> None:
        """Rent, utilities and the tax agent by transfer; card spending; ads and car insurance."""
        c, m, f = self.c, self.month, self.f.child("expenses")
        if c.landlord and c.rent:
            self.purchase(self.day(f("rent"), 25), "51", c.landlord, f"{m}월 임차료", c.rent, "81900", "10300", "혼합", c.bank)
        for partner, account in c.utilities:
            r = f("utilities", partner.code)
            base = c.headcount * (60_000 if account == "수도광열비" else 28_000) + 120_000
            self.purchase(self.day(r, 18, 26), "51", partner, f"{m}월 {account}", round_to(base * r.uniform(0.8, 1.25), 10),
                          EXPENSE_BY_NAME[account], "10300", "혼합", c.bank)
        fee = min(1_500_000, round_to(200_000 + c.monthly_sales / 1000, 10_000))
        self.purchase(self.day(f("bookkeeping"), 10), "51", c.tax_agent, f"{m}월 기장수수료", fee, "83100", "10300", "혼합",
                      c.bank)
        self._card_expenses(f)
        r = f("ads")
        if c.flavour == "retail" and r.random() < 0.7:
            agency = Partner("00801", "네이버(주)" if self._fixed_month("ads") % 2 else "(주)카카오")
            self.purchase(self.day(r, 5, 28), "51", agency, "온라인 광고비", round_to(revenue * r.uniform(0.01, 0.03), 10),
                          "83300", "10300", "혼합", c.bank)
        if c.vehicle_cost and m == self._fixed_month("insurance"):
            r = f("insurance")
            premium = round_to(r.uniform(900_000, 1_900_000), 10)
            self.add(self.day(r, 1, 28), "자동차보험료", Posting("82100", debit=premium), Posting("10300", credit=premium))

    def _card_expenses(self, f: Streams) -> None:
        """Everyday spending on the company card: merchants, sometimes books, client entertainment."""
        c = self.c
        for index in range(f("card", "count").randint(4, 10)):
            r = f("card", index)
            merchant, account, item = r.choice(c.merchants)
            supply = round_to(r.uniform(9_000, 280_000) * (1 + c.headcount / 20), 10)
            self.purchase(self.day(r, 1, 31), "57", merchant, item, supply, EXPENSE_BY_NAME[account], "25300", "카드", c.card)
        r = f("books")
        if r.random() < 0.4:
            supply = round_to(r.uniform(15_000, 90_000), 10)
            self.purchase(self.day(r, 1, 31), "58", c.bookstore, "도서 구입", supply, "82600", "25300", "카드", c.card)
        for index in range(f("entertainment", "count").randint(0, 3)):
            r = f("entertainment", index)
            amount = round_to(r.uniform(60_000, 650_000), 10)
            self.add(self.day(r, 1, 31), "거래처 접대", Posting("81300", debit=amount, partner=c.card),
                     Posting("25300", credit=amount, partner=c.card))

    def payroll(self) -> None:
        c, b, r = self.c, self.books, self.f("payroll")
        gross = round_to(c.headcount * c.salary * r.uniform(0.98, 1.03), 10)
        withheld = round_to(gross * 0.095, 10)
        b.employer_share = round_to(gross * 0.1, 10)
        self.add(self.day(r, 25), f"{self.month}월 급여 지급", Posting("80100", debit=gross),
                 Posting("25400", credit=withheld), Posting("10300", credit=gross - withheld))
        self.add(self.last, "퇴직급여충당부채 설정", Posting("80600", debit=round_to(gross / 12, 10)),
                 Posting("29500", credit=round_to(gross / 12, 10)))

    def interest(self) -> None:
        c, b, r = self.c, self.books, self.f("interest")
        debt = b.credit_balance("29300") + b.credit_balance("26000")
        if debt > 0:
            interest = round_to(debt * c.loan_rate / 12, 10)
            self.add(self.day(r, 20), "차입금 이자 지급", Posting("95100", debit=interest, partner=c.bank),
                     Posting("10300", credit=interest, partner=c.bank))
        if self.month in (3, 6, 9, 12) and b.balances["10300"] > 0:
            gross = round_to(b.balances["10300"] * 0.0025, 10)
            tax = gross * 154 // 1000 // 10 * 10
            self.add(self.day(r, 21), "보통예금 이자", Posting("10300", debit=gross - tax, partner=c.bank),
                     Posting("13600", debit=tax), Posting("90100", credit=gross, partner=c.bank))

    def month_end(self, sales: int) -> None:
        c, b, f = self.c, self.books, self.f.child("monthEnd")
        self.renew_assets()
        depreciation = []
        for cost_code, contra in (("20800", "20900"), ("21200", "21300")):
            remaining = b.balances[cost_code] + b.balances[contra] - 1_000
            amount = min(round_to(b.balances[cost_code] / 60, 10), max(0, remaining))
            depreciation.append(Posting(contra, credit=amount))
        total = sum(p.credit for p in depreciation)
        self.add(self.last, "감가상각비 계상", Posting("81800", debit=total), *depreciation)
        cogs = round_to(sales * (1 - c.margin) * f("cogs").uniform(0.97, 1.03), 10)
        needed = cogs + cogs * f("stockTarget").uniform(0.8, 1.5) - b.balances["14600"]
        if needed > 0:
            self._restock(f.child("restock"), needed)
        self.add(self.last, "상품매출원가 대체", Posting("45100", debit=cogs), Posting("14600", credit=cogs))

    def _restock(self, f: Streams, needed: float) -> None:
        """Buys goods on credit from suppliers until the stock covers the next months' sales."""
        items = FLAVOURS[self.c.flavour]["purchase_items"]
        for index, share in enumerate(_shares(f("shares"), f("count").randint(2, 6))):
            r = f(index)
            supply = max(10_000, round_to(needed * share, 10))
            self.purchase(self.day(r, 1, 28), "51", r.choice(self.c.suppliers), r.choice(items), supply, "14600", "25100",
                          "외상")

    def renew_assets(self) -> None:
        """Once a year: new PCs (비품); a fully depreciated car is scrapped and replaced (VAT not deductible)."""
        c, b = self.c, self.books
        if self.month != self._fixed_month("assets"):
            return
        r = self.f("assets", "laptops")
        laptops = round_to(c.headcount * r.uniform(300_000, 900_000) + 1_000_000, 10)
        self.purchase(self.day(r, 3, 20), "51", c.suppliers[-1], "업무용 노트북 구입", laptops, "21200", "25300", "카드", c.card)
        cost, accumulated = b.balances["20800"], -b.balances["20900"]
        if c.vehicle_cost and cost and cost - accumulated <= 1_000:
            r = self.f("assets", "vehicle")
            self.add(self.day(r, 21, 28), "차량 폐차", Posting("20900", debit=accumulated), Posting("98000", debit=cost - accumulated),
                     Posting("20800", credit=cost))
            price = round_to(c.vehicle_cost * r.uniform(0.95, 1.2) / 1.1, 10_000)
            dealer = Partner("00701", r.choice(("현대자동차(주)", "기아(주)", "르노코리아(주)")), bizno.make(r, corporate=True))
            self.purchase(self.day(r, 21, 28), "54", dealer, "업무용 승용차 구입", price, "20800", "10300", "혼합", c.bank)

    def corporate_tax(self) -> None:
        b = self.books
        income = -sum(amount for code, amount in b.balances.items() if ACCOUNTS[code].kind in PL_KINDS)
        if income <= 0:
            b.last_tax = 0
            return
        tax = income * 9 // 100 if income <= 200_000_000 else 18_000_000 + (income - 200_000_000) * 19 // 100
        total = tax * 11 // 10 // 10 * 10
        prepaid = min(total, b.balances["13600"])
        self.add(self.last, "법인세등 계상", Posting("99800", debit=total), Posting("13600", credit=prepaid),
                 Posting("26100", credit=total - prepaid))
        b.last_tax = total

    def keep_cash(self, revenue: float) -> None:
        c, b = self.c, self.books
        cash = b.balances["10300"]
        floor = revenue * 0.15
        if cash < floor:
            borrow = math.ceil((floor - cash) / 10_000_000) * 10_000_000
            self.add(self.last, "단기차입금 차입", Posting("10300", debit=borrow, partner=c.bank),
                     Posting("26000", credit=borrow, partner=c.bank))
        elif cash > revenue * 2.5 and b.credit_balance("26000") > 0:
            repay = min(b.credit_balance("26000"), int((cash - revenue * 1.5) // 10_000_000) * 10_000_000)
            self.add(self.last, "단기차입금 상환", Posting("26000", debit=repay, partner=c.bank),
                     Posting("10300", credit=repay, partner=c.bank))

    # -- helpers ----------------------------------------------------------------------------

    def _partner(self, code: str) -> Partner:
        return _partners_by_code(self.c).get(code) or Partner(code, "거래처")

    def _fixed_month(self, what: str) -> int:
        return rng(self.c.world, "wehago", self.c.key, what).randint(1, 12)


CARD_PARTNERS = tuple(Partner(f"996{10 + i:02d}", name) for i, name in enumerate(korea.CARD_COMPANIES))


def _card_partners() -> tuple[Partner, ...]:
    return CARD_PARTNERS


def _partners_by_code(c: Company) -> dict[str, Partner]:
    return {p.code: p for p in (*c.customers, *c.suppliers, *CARD_PARTNERS)}


# --- years -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Year:
    """One fiscal year of books: opening balances, each month's vouchers and month-end balances."""

    year: int
    opening: dict[str, int]
    months: list[list[Voucher]]
    closing: list[dict[str, int]]  # balances after each month, before the year-end closing

    def balances(self, month: int) -> dict[str, int]:
        """Balances at the end of `month` (0: the opening)."""
        return self.opening if month == 0 else self.closing[month - 1]

    def vouchers(self, first: int, last: int) -> list[Voucher]:
        return [v for m in range(first, last + 1) for v in self.months[m - 1]]


def close_year(balances: dict[str, int]) -> dict[str, int]:
    """Closes the P&L accounts into 이월이익잉여금."""
    out = {code: amount for code, amount in balances.items() if ACCOUNTS[code].kind not in PL_KINDS}
    out["37500"] = out.get("37500", 0) + sum(a for code, a in balances.items() if ACCOUNTS[code].kind in PL_KINDS)
    return {code: amount for code, amount in out.items() if amount}


def books_for(c: Company, year: int, through: int = 12) -> tuple[Year, Year]:
    """The previous fiscal year and the requested one (months 1..`through`) of a company's books.

    Memoised: the books are a pure function of the company and the year. Callers must not mutate them.
    """
    return _books_for(c, year, max(1, min(12, through)))


@lru_cache(maxsize=16)
def _books_for(c: Company, year: int, through: int) -> tuple[Year, Year]:
    start = BASE_YEAR if BASE_YEAR < year <= BASE_YEAR + HORIZON else year - 1
    books = opening_books(c, start)
    years: list[Year] = []
    for y in range(start, year + 1):
        opening = books.snapshot()
        months, closing = [], []
        for m in range(1, (through if y == year else 12) + 1):
            months.append(_Month(c, books, y, m).run())
            closing.append(books.snapshot())
        years.append(Year(y, opening, months, closing))
        books.balances = defaultdict(int, close_year(books.snapshot()))
    return years[-2], years[-1]
