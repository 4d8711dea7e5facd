"""HOMETAX payloads: business numbers with valid check digits, sales/purchase sums, consistent VAT returns."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data_schemas import assert_valid
from wfmock.data import bizno, hometax, imprun_result

SETTINGS = settings(max_examples=50, deadline=None)
worlds = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
credentials = st.from_regex(r"cred_[a-z0-9]{3,10}", fullmatch=True)
years = st.integers(min_value=2015, max_value=2027)
months = st.one_of(st.none(), st.integers(min_value=1, max_value=12))


def request(function: str, credential: str, year: int, month: int | None = None) -> dict:
    params = {"siteCode": "HOMETAX", "function": function, "credentialId": credential, "year": year}
    if month is not None:
        params["month"] = month
    return params


# --- 사업자등록번호 -------------------------------------------------------------------------------


@pytest.mark.parametrize("number, valid", [("1208147521", True), ("1208147522", False), ("2148639239", True),
                                           ("7602601038", True), ("1234567890", False), ("0000000000", False),
                                           ("120-81-47521", True), ("12081475", False)])
def test_check_digit_matches_the_public_test_vectors(number: str, valid: bool) -> None:
    assert bizno.is_valid(number) is valid


@given(st.integers(min_value=0, max_value=2**32), st.booleans(), st.booleans())
@SETTINGS
def test_generated_numbers_pass_the_checksum_and_parse_back(seed: int, corporate: bool, exempt: bool) -> None:
    number = bizno.make(random.Random(seed), corporate=corporate, exempt=exempt)
    assert bizno.is_valid(number)
    parts = bizno.parse(number)
    assert bizno.format_number(f"{parts.office}{parts.entity:02d}{parts.serial}{parts.check}") == number
    if corporate:
        assert parts.entity in bizno.CORPORATE_HEAD_OFFICE
    elif exempt:
        assert 90 <= parts.entity <= 99
    else:
        assert 1 <= parts.entity <= 79


def test_corporate_registration_number_has_its_check_digit() -> None:
    number = bizno.corporate_registration_number(random.Random(3), "1101").replace("-", "")
    total = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(number[:12]))
    assert int(number[12]) == (10 - total % 10) % 10
    assert number.startswith("110111")


# --- get_business_info ----------------------------------------------------------------------


@given(worlds, credentials)
@SETTINGS
def test_business_info_is_coherent(world: str, credential: str) -> None:
    info = imprun_result(request("get_business_info", credential, 2025), f"{world}:wf_1")
    assert_valid(info, "HometaxBusinessInfo")
    assert bizno.is_valid(info["businessNumber"])
    entity = int(info["businessNumber"][4:6])
    assert info["entityCode"] == info["businessNumber"][4:6]
    if info["businessType"] == "법인":
        assert entity in bizno.CORPORATE_HEAD_OFFICE
        assert info["corporateRegistrationNumber"] is not None
        assert info["companyName"].startswith(("주식회사", "(주)")) or info["companyName"].endswith("주식회사")
    else:
        assert info["corporateRegistrationNumber"] is None
        assert (90 <= entity <= 99) == (info["taxTypeCode"] == "04")
    assert (info["status"] == "폐업자") == (info["closureDate"] is not None)
    assert (info["status"] == "휴업자") == (info["suspensionDate"] is not None)
    assert hometax.STATUSES[info["statusCode"]] == info["status"]
    assert hometax.TAX_TYPES[info["taxTypeCode"]] == info["taxType"]
    if info["closureDate"]:
        assert info["closureDate"] > info["openingDate"]
    assert info["legalDongCode"].isdigit() and len(info["legalDongCode"]) == 10


def test_the_same_credential_is_the_same_business_in_every_function() -> None:
    seed = "7:wf_a"
    info = imprun_result(request("get_business_info", "cred_abc123", 2025), seed)
    for function in ("get_sales_stats", "get_purchase_stats", "get_vat_info"):
        other = imprun_result(request(function, "cred_abc123", 2025, 3), "7:wf_b")
        assert (other["businessNumber"], other["companyName"]) == (info["businessNumber"], info["companyName"])


# --- get_sales_stats / get_purchase_stats -----------------------------------------------------


def _check_amounts(row: dict) -> None:
    assert row["totalAmount"] == row["supplyAmount"] + row["taxAmount"]


@given(worlds, credentials, years, months, st.sampled_from(["get_sales_stats", "get_purchase_stats"]))
@SETTINGS
def test_sales_summary_equals_its_parts(world: str, credential: str, year: int, month: int | None, function: str) -> None:
    stats = imprun_result(request(function, credential, year, month), f"{world}:wf")
    assert_valid(stats, "HometaxSalesStats")
    categories = stats["categories"]
    assert [c["category"] for c in categories] == ["TAX_INVOICE", "INVOICE", "CREDIT_CARD", "CASH_RECEIPT"]
    for key in ("count", "supplyAmount", "taxAmount", "totalAmount"):
        assert stats["summary"][key] == sum(c[key] for c in categories) == sum(m[key] for m in stats["monthly"])
    for row in (*categories, stats["summary"], *stats["monthly"], *stats["partners"]):
        _check_amounts(row)
    for c in categories:
        if c["taxation"] == "과세":
            assert c["taxAmount"] * 10 == c["supplyAmount"]  # exactly 10% of a supply in whole tens
        else:
            assert c["taxAmount"] == 0
        assert (c["count"] == 0) == (c["supplyAmount"] == 0)
    assert categories[1]["taxation"] == "면세"  # 전자계산서 is exempt
    invoices = categories[0]
    for key in ("count", "supplyAmount", "taxAmount"):
        assert sum(p[key] for p in stats["partners"]) == invoices[key]
    assert all(bizno.is_valid(p["businessNumber"]) for p in stats["partners"])
    assert len(stats["monthly"]) == (1 if month else 12)
    assert stats["tradeType"] == ("매출" if function == "get_sales_stats" else "매입")


def test_a_closed_business_stops_trading() -> None:
    b = next(hometax.business("closed", f"cred_{n}") for n in range(500)
             if hometax.business("closed", f"cred_{n}").closure and hometax.business("closed", f"cred_{n}").closure.year == 2024)
    stats = hometax.trade_stats(b, "get_sales_stats", 2024, None)
    closed_month = b.closure.month
    for row in stats["monthly"][closed_month:]:
        assert row["count"] == 0 and row["supplyAmount"] == 0
    assert hometax.trade_stats(b, "get_sales_stats", 2025, None)["summary"]["count"] == 0


def test_an_exempt_business_issues_no_tax_invoices() -> None:
    b = next(hometax.business("exempt", f"cred_{n}") for n in range(500) if hometax.business("exempt", f"cred_{n}").exempt)
    sales = hometax.trade_stats(b, "get_sales_stats", b.opening.year + 1, None)
    assert sales["categories"][0]["count"] == 0
    assert sales["summary"]["taxAmount"] == 0
    assert hometax.vat_info(b, 2025, None)["returns"] == []


# --- get_vat_info -----------------------------------------------------------------------------


@given(worlds, credentials, years, months)
@SETTINGS
def test_vat_returns_are_consistent(world: str, credential: str, year: int, month: int | None) -> None:
    vat = imprun_result(request("get_vat_info", credential, year, month), f"{world}:wf")
    assert_valid(vat, "HometaxVatInfo")
    b = hometax.business(world, credential)
    for ret in vat["returns"]:
        assert ret["deductibleInputTax"] == ret["inputTax"] - ret["nonDeductibleInputTax"]
        assert ret["payableTax"] == ret["outputTax"] - ret["deductibleInputTax"]
        expected = ret["payableTax"] - ret["creditCardIssuanceCredit"] - ret["electronicFilingCredit"] \
            - ret["prelimNoticeTax"] + ret["penaltyTax"]
        assert ret["finalTax"] == (0 if ret["paymentExempt"] else expected)
        assert ret["refund"] == (ret["finalTax"] < 0)
        assert ret["creditCardIssuanceCredit"] + ret["electronicFilingCredit"] <= max(0, ret["payableTax"])
        assert ret["reportingPeriod"]["from"] >= ret["taxPeriod"]["from"]
        assert ret["reportingPeriod"]["to"] <= ret["taxPeriod"]["to"]
        assert ret["filedAt"][:10] >= ret["reportingPeriod"]["to"]
        if ret["returnForm"].startswith("일반"):  # adds up exactly what the statistics report
            first, last = int(ret["reportingPeriod"]["from"][5:7]), int(ret["reportingPeriod"]["to"][5:7])
            sales = [hometax.trade_stats(b, "get_sales_stats", year, m) for m in range(first, last + 1)]
            purchases = [hometax.trade_stats(b, "get_purchase_stats", year, m) for m in range(first, last + 1)]
            taxable = lambda stats: sum(c["supplyAmount"] for s in stats for c in s["categories"] if c["taxation"] == "과세")  # noqa: E731
            assert ret["salesTaxBase"] == taxable(sales)
            assert ret["outputTax"] == sum(s["summary"]["taxAmount"] for s in sales)
            assert ret["inputTax"] == sum(s["summary"]["taxAmount"] for s in purchases)
        if month is not None:
            assert int(ret["reportingPeriod"]["from"][5:7]) <= month <= int(ret["reportingPeriod"]["to"][5:7])


def test_companies_file_four_returns_and_individuals_two() -> None:
    seen = set()
    for n in range(80):
        b = hometax.business("returns", f"cred_{n}")
        if b.status_code != "01" or b.opening >= date(2024, 1, 1):
            continue
        kinds = [(r["period"], r["returnKind"]) for r in hometax.vat_info(b, 2025, None)["returns"]]
        if b.corporate:
            assert kinds == [("1기", "예정"), ("1기", "확정"), ("2기", "예정"), ("2기", "확정")]
        elif b.simplified:
            assert kinds == [("연간", "확정")]
        elif b.exempt:
            assert kinds == []
        else:
            assert kinds == [("1기", "확정"), ("2기", "확정")]
        seen.add((b.corporate, b.tax_type_code))
    assert len(seen) >= 3
