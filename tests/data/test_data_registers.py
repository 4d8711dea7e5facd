"""Register payloads: PNUs that parse back to their parts, areas and ratios that add up, curated addresses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data_schemas import assert_valid
from wfmock.data import imprun_result, korea, pnu
from wfmock.data.registers import ZONE_LIMITS

SETTINGS = settings(max_examples=50, deadline=None)
worlds = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
images = st.from_regex(r"https://example\.com/[a-z0-9]{1,12}\.(png|jpg|pdf)", fullmatch=True)
SCHEMAS = {"land": "LandRegister", "building": "BuildingRegister", "aggregate_building": "AggregateBuildingRegister"}


def parse(document_type: str, image: str, world: str = "7") -> dict:
    return imprun_result({"documentType": document_type, "imageUrl": image, "priority": "normal"}, f"{world}:wf_r")


# --- PNU ------------------------------------------------------------------------------------


@given(st.from_regex(r"[1-5]\d{9}", fullmatch=True), st.booleans(), st.integers(1, 9999), st.integers(0, 9999))
@SETTINGS
def test_pnu_round_trips(code: str, mountain: bool, main: int, sub: int) -> None:
    text = pnu.build(code, mountain=mountain, main_number=main, sub_number=sub)
    assert len(text) == 19 and text[10] == ("2" if mountain else "1")
    assert pnu.parse(text) == pnu.Parcel(code, mountain, main, sub)


@pytest.mark.parametrize("text", ["116801010010001000", "11680101003000100000", "1168010100300010000", "abc"])
def test_malformed_pnus_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        pnu.parse(text)


def test_the_reference_examples_parse() -> None:
    seoraksan = pnu.parse("5183031021200010000")
    assert seoraksan.mountain and seoraksan.lot_number == "산 1" and seoraksan.legal_dong_code == "5183031021"
    assert pnu.parse("1168010100100010000").unique_number == "1168010100-10001-0000"


def test_curated_codes_are_well_formed_and_unique() -> None:
    codes = [dong.code for dong in korea.dongs()]
    assert len(codes) == len(set(codes))
    for dong in korea.dongs():
        assert dong.code.startswith(dong.district.code) and len(dong.code) == 10
        assert dong.code[:2] == {"서울특별시": "11", "경기도": "41", "인천광역시": "28", "부산광역시": "26", "대구광역시": "27",
                                 "강원특별자치도": "51"}[dong.district.sido]
    assert korea.dong_by_code("1168010100").name == "역삼동"
    assert korea.dong_by_code("1168010500").name == "삼성동"


def _check_parcel(payload: dict) -> korea.Dong:
    parcel = pnu.parse(payload["pnu"])
    parts = payload["parcel"]
    assert (parcel.legal_dong_code, parcel.mountain, parcel.main_number, parcel.sub_number) == (
        parts["legalDongCode"], parts["mountain"], parts["mainNumber"], parts["subNumber"])
    assert parts["registerFlag"] == payload["pnu"][10]
    assert payload["lotNumber"] == parcel.lot_number
    dong = korea.dong_by_code(parcel.legal_dong_code)
    assert dong is not None, parcel.legal_dong_code
    return dong


def _check_confidence(payload: dict) -> None:
    score = payload["confidence"]
    assert 0 <= score <= 1
    expected = "높음" if score >= 0.9 else "보통" if score >= 0.75 else "낮음"
    assert payload["confidenceLevel"] == expected
    assert bool(payload["lowConfidenceFields"]) == (score < 0.9)
    assert all(field in payload for field in payload["lowConfidenceFields"])


def _check_owners(owners: list[dict]) -> None:
    dates = [o["changeDate"] for o in owners]
    assert dates == sorted(dates)


# --- 토지대장 -------------------------------------------------------------------------------------


@given(worlds, images)
@SETTINGS
def test_land_register(world: str, image: str) -> None:
    land = parse("land", image, world)
    assert_valid(land, "LandRegister")
    dong = _check_parcel(land)
    assert land["location"] == dong.location
    assert land["address"] == f"{dong.location} {land['lotNumber']}"
    mountain = land["parcel"]["mountain"]
    assert (land["documentName"] == "임야대장") == mountain == land["lotNumber"].startswith("산 ")
    if mountain:
        assert land["landCategory"] == "임야"
    assert land["uniqueNumber"] == pnu.parse(land["pnu"]).unique_number
    history = land["landPriceHistory"]
    assert land["officialLandPrice"] == history[0]
    assert [h["baseDate"] for h in history] == sorted((h["baseDate"] for h in history), reverse=True)
    assert land["area"] > 0
    _check_owners(land["owners"])
    _check_confidence(land)


# --- 건축물대장 -----------------------------------------------------------------------------------


@given(worlds, images)
@SETTINGS
def test_building_register_areas_add_up(world: str, image: str) -> None:
    b = parse("building", image, world)
    assert_valid(b, "BuildingRegister")
    dong = _check_parcel(b)
    assert b["siteLocation"] == f"{dong.location} {b['lotNumber']}"
    assert b["roadAddress"].startswith(f"{dong.district.sido} {dong.district.sigungu} ")
    floors = b["floors"]
    assert round(sum(f["area"] for f in floors), 2) == b["totalFloorArea"]
    above = [f for f in floors if not f["floor"].startswith(("지", "옥탑"))]
    assert round(sum(f["area"] for f in above), 2) == b["floorAreaForRatio"]
    assert len(above) == b["floorsAboveGround"]
    assert len([f for f in floors if f["floor"].startswith("지")]) == b["floorsBelowGround"]
    assert next(f for f in floors if f["floor"] == "1층")["area"] == b["buildingArea"]
    assert abs(b["buildingCoverageRatio"] - b["buildingArea"] / b["siteArea"] * 100) <= 0.01
    assert abs(b["floorAreaRatio"] - b["floorAreaForRatio"] / b["siteArea"] * 100) <= 0.01
    coverage_cap, far_cap = ZONE_LIMITS[b["zoning"]]
    assert b["buildingCoverageRatio"] <= coverage_cap
    assert b["floorAreaRatio"] <= far_cap or b["floorsAboveGround"] == 1
    assert b["permitDate"] < b["constructionStartDate"] < b["useApprovalDate"]
    parking = b["parking"]
    assert parking["total"] == sum(v for k, v in parking.items() if k != "total")
    assert b["owners"][0]["changeReason"] == "(01)소유권보존"
    _check_owners(b["owners"])
    _check_confidence(b)


# --- 집합건축물대장 --------------------------------------------------------------------------------


@given(worlds, images)
@SETTINGS
def test_aggregate_building_unit(world: str, image: str) -> None:
    agg = parse("aggregate_building", image, world)
    assert_valid(agg, "AggregateBuildingRegister")
    _check_parcel(agg)
    unit, areas = agg["unit"], agg["areas"]
    assert round(unit["exclusiveArea"] + unit["commonArea"], 2) == unit["totalArea"]
    assert [a["area"] for a in areas if a["division"] == "전유"] == [unit["exclusiveArea"]]
    assert round(sum(a["area"] for a in areas if a["division"] == "공용"), 2) == unit["commonArea"]
    assert 1 <= unit["floor"] <= agg["building"]["floorsAboveGround"]
    assert unit["unitName"].startswith(str(unit["floor"]))
    assert unit["dongName"] == agg["building"]["dongName"]
    assert unit["use"] in ("아파트", "오피스텔")
    prices = agg["housingPrices"]
    assert [p["baseDate"] for p in prices] == sorted((p["baseDate"] for p in prices), reverse=True)
    _check_owners(agg["owners"])
    _check_confidence(agg)


def test_base64_images_are_keyed_by_content() -> None:
    a = imprun_result({"documentType": "land", "imageBase64": "iVBORw0KGgoAAAA"}, "7:wf_1")
    b = imprun_result({"documentType": "land", "imageBase64": "iVBORw0KGgoAAAA"}, "7:wf_2")
    c = imprun_result({"documentType": "land", "imageBase64": "iVBORw0KGgoAAAB"}, "7:wf_3")
    assert a == b and a != c


@pytest.mark.parametrize("document_type", sorted(SCHEMAS))
def test_document_type_names_are_the_seeds(document_type: str) -> None:
    payload = parse(document_type, "https://example.com/doc.png")
    assert payload["documentType"] == document_type
    assert_valid(payload, SCHEMAS[document_type])
