"""WEHAGO payloads: statements read off balanced books, listings that add up, periods honoured."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data_schemas import assert_valid
from wfmock.data import imprun_result, ledger, wehago
from wfmock.data.wehago import BALANCE_LAYOUT, Period, parse_period

SETTINGS = settings(max_examples=12, deadline=None)
worlds = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
credentials = st.from_regex(r"cred_[a-z0-9]{3,10}", fullmatch=True)
years = st.integers(min_value=2022, max_value=2026)
month_numbers = st.integers(min_value=1, max_value=12)

SCHEMAS = {"balance-sheet": "WehagoBalanceSheet", "income-statement": "WehagoIncomeStatement",
           "trial-balance": "WehagoTrialBalance", "sales-report": "WehagoSalesReport",
           "purchase-report": "WehagoPurchaseReport", "journal": "WehagoJournal"}


def fetch(endpoint: str, credential: str, period: str | None, world: str = "7") -> dict:
    params = {"siteCode": "WEHAGO", "credentialId": credential, "group": wehago.ENDPOINTS[endpoint], "endpoint": endpoint}
    if period is not None:
        params["period"] = period
    return imprun_result(params, f"{world}:wf_x")


# --- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, period, explicit", [
    ("2025-03", Period(2025, 3, 3), False),
    ("202503", Period(2025, 3, 3), False),
    ("2025", Period(2025, 1, 12), False),
    ("2025-Q2", Period(2025, 4, 6), True),
    ("2025-02~2025-04", Period(2025, 2, 4), True),
    ("2024-11~2025-02", Period(2025, 1, 2), True),
    ("2025-13", Period(2025, 1, 12), False),
    (None, Period(wehago.DEFAULT_YEAR, 1, 12), False),
    ("soon", Period(wehago.DEFAULT_YEAR, 1, 12), False),
])
def test_period_parsing(text: str | None, period: Period, explicit: bool) -> None:
    assert parse_period(text) == (period, explicit)


def test_endpoint_resolution_falls_back_by_group() -> None:
    assert wehago.resolve_endpoint({"group": "financial", "endpoint": "balance-sheet"}) == "balance-sheet"
    assert wehago.resolve_endpoint({"group": "transactions", "endpoint": "Sales-Report"}) == "sales-report"
    assert wehago.resolve_endpoint({"group": "transactions", "endpoint": "cash-flow"}) == "journal"
    assert wehago.resolve_endpoint({"group": "financial"}) == "balance-sheet"
    assert wehago.resolve_endpoint({}) == "balance-sheet"


# --- balance sheet ------------------------------------------------------------------------------


@given(worlds, credentials, years, month_numbers)
@SETTINGS
def test_every_balance_sheet_balances(world: str, credential: str, year: int, month: int) -> None:
    sheet = fetch("balance-sheet", credential, f"{year}-{month:02d}", world)
    assert_valid(sheet, "WehagoBalanceSheet")
    for totals in sheet["summary"].values():
        assert totals["totalAssets"] == totals["totalLiabilities"] + totals["totalEquity"] == totals["totalLiabilitiesAndEquity"]
        assert totals["totalAssets"] == totals["currentAssets"] + totals["nonCurrentAssets"]
        assert totals["currentAssets"] == totals["quickAssets"] + totals["inventories"]
    lines = sheet["lines"]
    for _, _, groups in BALANCE_LAYOUT:  # each group line is the sum of the accounts under it
        for title, key, codes in groups:
            if codes:
                accounts = [line for line in lines if line["code"] in codes]
                group = next(line for line in lines if line["name"] == title and line["code"] is None
                             and line["current"] == sheet["summary"]["current"][key])
                assert group["current"] == sum(a["current"] for a in accounts)
                assert group["previous"] == sum(a["previous"] for a in accounts)
    assert sheet["asOf"] == Period(year, month, month).end.isoformat()
    current, previous = sheet["summary"]["current"], sheet["summary"]["previous"]
    assert current["retainedEarnings"] - previous["retainedEarnings"] == current["netIncome"]


def test_years_agree_with_each_other() -> None:
    december = fetch("balance-sheet", "cred_years", "2024-12")
    march = fetch("balance-sheet", "cred_years", "2025-03")
    assert march["summary"]["previous"] == {**december["summary"]["current"], "netIncome": 0} | {
        "retainedEarnings": december["summary"]["current"]["retainedEarnings"]}
    assert march["fiscalYear"]["number"] == december["fiscalYear"]["number"] + 1


# --- income statement -------------------------------------------------------------------------


@given(worlds, credentials, years, month_numbers)
@SETTINGS
def test_income_statement_steps_and_ties_to_the_balance_sheet(world: str, credential: str, year: int, month: int) -> None:
    statement = fetch("income-statement", credential, f"{year}-{month:02d}", world)
    assert_valid(statement, "WehagoIncomeStatement")
    for s in statement["summary"].values():
        assert s["grossProfit"] == s["revenue"] - s["costOfSales"]
        assert s["operatingIncome"] == s["grossProfit"] - s["sellingAndAdministrativeExpenses"]
        assert s["incomeBeforeIncomeTaxes"] == s["operatingIncome"] + s["nonOperatingIncome"] - s["nonOperatingExpenses"]
        assert s["netIncome"] == s["incomeBeforeIncomeTaxes"] - s["incomeTaxExpense"]
    assert statement["period"] == {"from": f"{year}-01-01", "to": Period(year, month, month).end.isoformat()}
    by_name = {line["name"]: line for line in statement["lines"] if line["code"] is None and line["level"] == 3}
    cogs = statement["summary"]["current"]["costOfSales"]
    assert by_name["기초상품재고액"]["current"] + by_name["당기상품매입액"]["current"] - by_name["기말상품재고액"]["current"] == cogs
    sga = sum(line["current"] for line in statement["lines"] if line["code"] and line["code"].startswith("8"))
    assert sga == statement["summary"]["current"]["sellingAndAdministrativeExpenses"]
    sheet = fetch("balance-sheet", credential, f"{year}-{month:02d}", world)
    assert sheet["summary"]["current"]["netIncome"] == statement["summary"]["current"]["netIncome"]


def test_a_range_is_honoured_and_revenue_matches_the_sales_report() -> None:
    statement = fetch("income-statement", "cred_range", "2025-02~2025-04")
    assert statement["period"] == {"from": "2025-02-01", "to": "2025-04-30"}
    assert statement["previousPeriod"] == {"from": "2024-02-01", "to": "2024-04-30"}
    report = fetch("sales-report", "cred_range", "2025-02~2025-04")
    assert statement["summary"]["current"]["revenue"] == report["summary"]["supplyAmount"]
    full_year = fetch("income-statement", "cred_range", "2025")
    months = [fetch("sales-report", "cred_range", f"2025-{m:02d}")["summary"]["supplyAmount"] for m in range(1, 13)]
    assert full_year["summary"]["current"]["revenue"] == sum(months)


# --- trial balance and listings -------------------------------------------------------------


@given(worlds, credentials, years, month_numbers)
@SETTINGS
def test_trial_balance_and_journal_balance(world: str, credential: str, year: int, month: int) -> None:
    trial = fetch("trial-balance", credential, f"{year}-{month:02d}", world)
    assert_valid(trial, "WehagoTrialBalance")
    totals = trial["totals"]
    assert totals["debitTotal"] == totals["creditTotal"]
    assert totals["debitBalance"] == totals["creditBalance"]
    for row in trial["rows"]:
        assert row["debitBalance"] - row["creditBalance"] == row["debitTotal"] - row["creditTotal"]
    book = fetch("journal", credential, f"{year}-{month:02d}", world)
    assert_valid(book, "WehagoJournal")
    for entry in book["entries"]:
        assert sum(line["debit"] for line in entry["lines"]) == sum(line["credit"] for line in entry["lines"]) > 0
        assert entry["date"].startswith(f"{year}-{month:02d}")
        for line in entry["lines"]:
            assert (line["side"] == "차변") == (line["debit"] > 0) and (line["debit"] == 0) != (line["credit"] == 0)
    assert book["summary"]["debitTotal"] == book["summary"]["creditTotal"]
    numbers = [(e["date"], e["voucherNumber"]) for e in book["entries"]]
    assert len(numbers) == len(set(numbers)) and numbers == sorted(numbers)


@given(worlds, credentials, years, month_numbers, st.sampled_from(["sales-report", "purchase-report"]))
@SETTINGS
def test_sales_and_purchase_reports_add_up(world: str, credential: str, year: int, month: int, endpoint: str) -> None:
    report = fetch(endpoint, credential, f"{year}-{month:02d}", world)
    assert_valid(report, SCHEMAS[endpoint])
    rows = report["rows"]
    for key in ("supplyAmount", "vatAmount", "totalAmount"):
        assert report["summary"][key] == sum(r[key] for r in rows) == sum(t[key] for t in report["byType"])
    assert report["summary"]["count"] == len(rows) == sum(t["count"] for t in report["byType"])
    for row in rows:
        assert row["totalAmount"] == row["supplyAmount"] + row["vatAmount"]
        if row["typeCode"] in ("11", "17", "22", "51", "54", "57", "61"):
            assert row["vatAmount"] * 10 == row["supplyAmount"]
        else:
            assert row["vatAmount"] == 0
        assert row["date"].startswith(f"{year}-{month:02d}")
    codes = ledger.SALES_TYPES if endpoint == "sales-report" else ledger.PURCHASE_TYPES
    assert all(row["typeCode"] in codes for row in rows)


@pytest.mark.parametrize("endpoint", sorted(SCHEMAS))
def test_every_endpoint_validates_without_a_period(endpoint: str) -> None:
    payload = fetch(endpoint, "cred_default", None)
    assert_valid(payload, SCHEMAS[endpoint])
    assert payload["endpoint"] == endpoint and payload["group"] == wehago.ENDPOINTS[endpoint]
