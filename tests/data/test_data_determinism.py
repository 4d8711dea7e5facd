"""Every payload is reproducible byte for byte from its seed, differs across seeds, and validates against the spec."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data_schemas import assert_valid, schema_errors
from wfmock.data import fixtures, imprun_result, ledger, result_kind
from wfmock.data.seeding import seed_int, world_of

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
worlds = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=16)
run_ids = st.from_regex(r"wf_[A-Za-z0-9]{12}", fullmatch=True)

hometax_params = st.fixed_dictionaries(
    {"siteCode": st.just("HOMETAX"),
     "function": st.sampled_from(["get_business_info", "get_sales_stats", "get_purchase_stats", "get_vat_info"]),
     "credentialId": st.from_regex(r"cred_[a-z0-9]{3,8}", fullmatch=True),
     "year": st.integers(2018, 2027)},
    optional={"month": st.integers(1, 12)})
wehago_params = st.fixed_dictionaries(
    {"siteCode": st.just("WEHAGO"),
     "credentialId": st.from_regex(r"cred_[a-z0-9]{3,8}", fullmatch=True),
     "group": st.sampled_from(["financial", "transactions"]),
     "endpoint": st.sampled_from(["balance-sheet", "income-statement", "trial-balance", "sales-report",
                                  "purchase-report", "journal"])},
    optional={"period": st.sampled_from(["2024-06", "2025-03", "2025", "2025-Q3", "2025-01~2025-02"])})
register_params = st.fixed_dictionaries(
    {"documentType": st.sampled_from(["land", "building", "aggregate_building"]),
     "imageUrl": st.from_regex(r"https://example\.com/[a-z0-9]{1,10}\.png", fullmatch=True),
     "priority": st.sampled_from(["normal", "high"])})
any_params = st.one_of(hometax_params, hometax_params, register_params, register_params, wehago_params)


def test_the_simulator_signature() -> None:
    parameters = inspect.signature(imprun_result).parameters
    assert list(parameters)[:2] == ["params", "seed"]
    assert parameters["workflow_type"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["workflow_type"].default is None


def test_seed_integers_are_stable_across_processes() -> None:
    assert seed_int("7:wf_abc123") == int.from_bytes(hashlib.sha256(b"7:wf_abc123").digest()[:8], "big")
    assert seed_int("a", 1) != seed_int("a", 2)
    assert world_of("7:wf_abc123") == "7" and world_of("a:b:wf_1") == "a:b" and world_of("solo") == "solo"


@pytest.mark.parametrize("params, workflow_type, kind", [
    ({"siteCode": "HOMETAX", "function": "get_business_info"}, None, "hometax"),
    ({"siteCode": "WEHAGO", "endpoint": "journal"}, None, "wehago"),
    ({"documentType": "land", "imageUrl": "https://x/y.png"}, None, "registers"),
    ({"imageBase64": "AAAA"}, "document_parsing", "registers"),
    ({"group": "financial"}, "scraping", "wehago"),
    ({}, None, "hometax"),
])
def test_the_kind_is_inferred_from_params(params: dict, workflow_type: str | None, kind: str) -> None:
    assert result_kind(params, workflow_type) == kind


@given(any_params, worlds, run_ids)
@settings(max_examples=30, deadline=None)
def test_same_seed_same_bytes_and_valid(params: dict, world: str, run_id: str) -> None:
    first = orjson.dumps(imprun_result(dict(params), f"{world}:{run_id}"))
    ledger._books_for.cache_clear()  # regenerate the books rather than reuse them
    second = orjson.dumps(imprun_result(dict(params), f"{world}:{run_id}"))
    assert first == second
    assert json.dumps(json.loads(first), ensure_ascii=False) == json.dumps(
        imprun_result(dict(params), f"{world}:{run_id}"), ensure_ascii=False)
    payload = json.loads(first)
    assert_valid(payload, schema_for(payload))


@given(any_params, worlds, worlds)
@settings(max_examples=30, deadline=None)
def test_different_worlds_differ(params: dict, world_a: str, world_b: str) -> None:
    if world_a == world_b:
        world_b += "x"
    a = orjson.dumps(imprun_result(dict(params), f"{world_a}:wf_1"))
    b = orjson.dumps(imprun_result(dict(params), f"{world_b}:wf_1"))
    assert a != b


_PROBE = """
import hashlib, sys, orjson
from wfmock.data import fixtures, imprun_result
for name, params in sorted(fixtures.FIXTURES.items()):
    print(name, hashlib.sha256(orjson.dumps(imprun_result(params, fixtures.SEED))).hexdigest())
"""


def test_bytes_are_identical_in_another_process() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True).stdout
    here = "".join(f"{name} {hashlib.sha256(orjson.dumps(imprun_result(params, fixtures.SEED))).hexdigest()}\n"
                   for name, params in sorted(fixtures.FIXTURES.items()))
    assert out == here


@pytest.mark.parametrize("odd", ["\ud800", "\x00", "한글", "\u00a4\u0098H\u009e", ""])
def test_any_string_in_params_or_seed_is_accepted(odd: str) -> None:
    for params in ({"siteCode": "HOMETAX", "function": "get_vat_info", "credentialId": odd, "year": 2025},
                   {"siteCode": "WEHAGO", "sessionToken": odd, "group": "financial", "endpoint": "balance-sheet"},
                   {"documentType": "land", "imageUrl": f"https://example.com/{odd}"}):
        payload = imprun_result(params, f"{odd}:wf_1")
        assert not schema_errors(payload), schema_errors(payload)[:3]


def test_the_run_id_does_not_change_the_world() -> None:
    params = {"siteCode": "HOMETAX", "function": "get_sales_stats", "credentialId": "cred_abc123", "year": 2025, "month": 3}
    assert imprun_result(params, "7:wf_one") == imprun_result(params, "7:wf_two")
    other = dict(params, credentialId="cred_other")
    assert imprun_result(params, "7:wf_one") != imprun_result(other, "7:wf_one")


def test_the_seed_examples_produce_valid_payloads() -> None:
    seed_requests = [
        {"siteCode": "HOMETAX", "function": "get_business_info", "credentialId": "cred_abc123", "year": 2025},
        {"siteCode": "HOMETAX", "function": "get_sales_stats", "credentialId": "cred_...", "year": 2025, "month": 3},
        {"siteCode": "WEHAGO", "credentialId": "cred_abc123", "group": "financial", "endpoint": "balance-sheet"},
        {"siteCode": "WEHAGO", "sessionToken": "tok", "group": "transactions", "endpoint": "sales-report", "period": "2025-03"},
        {"documentType": "aggregate_building", "imageUrl": "https://...", "priority": "high"},
        {"siteCode": "WEHAGO", "credentialId": "c", "group": "financial", "endpoint": "..."},
        {"siteCode": "HOMETAX", "function": "unknown", "credentialId": "c", "year": "2025"},
    ]
    for params in seed_requests:
        payload = imprun_result(params, "7:wf_abc123xyz")
        assert not schema_errors(payload), (params, schema_errors(payload)[:3])


# --- pinned fixtures ----------------------------------------------------------------------------

SCHEMA_OF = {"get_business_info": "HometaxBusinessInfo", "get_sales_stats": "HometaxSalesStats",
             "get_purchase_stats": "HometaxSalesStats", "get_vat_info": "HometaxVatInfo",
             "balance-sheet": "WehagoBalanceSheet", "income-statement": "WehagoIncomeStatement",
             "trial-balance": "WehagoTrialBalance", "sales-report": "WehagoSalesReport",
             "purchase-report": "WehagoPurchaseReport", "journal": "WehagoJournal", "land": "LandRegister",
             "building": "BuildingRegister", "aggregate_building": "AggregateBuildingRegister"}


def schema_for(payload: dict) -> str:
    return SCHEMA_OF[payload.get("function") or payload.get("endpoint") or payload["documentType"]]


@pytest.mark.parametrize("name", sorted(fixtures.FIXTURES))
def test_fixture_files_are_current_and_valid(name: str) -> None:
    path = FIXTURES_DIR / name
    text = path.read_text(encoding="utf-8")
    assert text == fixtures.expected(name), f"{name} is stale: run python -m wfmock.data.fixtures"
    payload = json.loads(text)
    assert_valid(payload, schema_for(payload))
    assert name.split("/")[0] == {"HOMETAX": "hometax", "WEHAGO": "wehago"}.get(payload.get("siteCode", ""), "registers")


def test_the_pinned_closed_business_is_closed() -> None:
    closed = json.loads((FIXTURES_DIR / "hometax/business-closed.json").read_text(encoding="utf-8"))
    assert closed["status"] == "폐업자" and closed["statusCode"] == "03" and closed["closureDate"]
    active = json.loads((FIXTURES_DIR / "hometax/business-active.json").read_text(encoding="utf-8"))
    assert active["status"] == "계속사업자" and active["closureDate"] is None
    mountain = json.loads((FIXTURES_DIR / "registers/land-mountain.json").read_text(encoding="utf-8"))
    assert mountain["documentName"] == "임야대장" and mountain["pnu"][10] == "2"
