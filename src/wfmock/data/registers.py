"""Document-parsing payloads for `land` (토지대장/임야대장), `building` (일반건축물대장) and
`aggregate_building` (집합건축물대장 전유부), shaped after the public register vocabulary.

One image is one parcel: the payload is a function of (world, documentType, imageUrl or a digest of
imageBase64). Areas are held in hundredths of ㎡ while computing, so totals and ratios agree exactly.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from wfmock.data import korea, pnu
from wfmock.data.seeding import faker, random_date, rng, weighted

DOCUMENT_TYPES = ("land", "building", "aggregate_building")
PRICE_YEAR = 2025

URBAN_LAND = {"대": 0.86, "주차장": 0.04, "잡종지": 0.04, "학교용지": 0.02, "종교용지": 0.02, "도로": 0.02}
RURAL_LAND = {"대": 0.25, "전": 0.22, "답": 0.18, "임야": 0.2, "과수원": 0.04, "잡종지": 0.05, "창고용지": 0.03,
              "목장용지": 0.03}
LAND_PRICE_FACTOR = {"대": (1.0, 1.0), "주차장": (0.6, 0.9), "잡종지": (0.4, 0.8), "학교용지": (0.5, 0.8),
                     "종교용지": (0.5, 0.8), "도로": (0.2, 0.4), "전": (0.15, 0.4), "답": (0.12, 0.35),
                     "임야": (0.02, 0.08), "과수원": (0.15, 0.35), "창고용지": (0.4, 0.7), "목장용지": (0.1, 0.25)}
URBAN_ZONES = {"제2종일반주거지역": 0.35, "제3종일반주거지역": 0.25, "일반상업지역": 0.2, "준주거지역": 0.12,
               "제1종일반주거지역": 0.08}
RURAL_ZONES = {"계획관리지역": 0.4, "생산관리지역": 0.15, "보전관리지역": 0.15, "농림지역": 0.15, "자연녹지지역": 0.15}
# 건폐율 / 용적률 caps (국토계획법 시행령 maximums).
ZONE_LIMITS = {"제1종일반주거지역": (60, 200), "제2종일반주거지역": (60, 250), "제3종일반주거지역": (50, 300),
               "준주거지역": (70, 500), "일반상업지역": (80, 1300), "계획관리지역": (40, 100), "생산관리지역": (20, 80),
               "보전관리지역": (20, 80), "농림지역": (20, 80), "자연녹지지역": (20, 100)}


@dataclass(frozen=True, slots=True)
class Source:
    """The document's identity: the world and what was sent."""

    world: str
    document_type: str
    image: str


def source(params: Mapping[str, Any], world: str, document_type: str) -> Source:
    """The image key: the URL, or a digest of the base64 content."""
    if params.get("imageUrl"):
        image = str(params["imageUrl"])
    else:
        image = "sha256:" + hashlib.sha256(str(params.get("imageBase64") or "").encode("utf-8", "surrogatepass")).hexdigest()
    return Source(world, document_type, image)


def _cm2(r: random.Random, low: float, high: float) -> int:
    """An area in hundredths of ㎡."""
    return round(r.uniform(low, high) * 100)


def _m2(cm2: int) -> float:
    return cm2 / 100


def _ratio(part: int, whole: int) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def _confidence(r: random.Random, fields: tuple[str, ...]) -> dict[str, Any]:
    score = round(r.betavariate(12, 1.3), 2)
    score = min(0.99, max(0.55, score))
    level = "높음" if score >= 0.9 else "보통" if score >= 0.75 else "낮음"
    low = sorted(r.sample(fields, r.randint(1, 2))) if score < 0.9 else []
    return {"confidence": score, "confidenceLevel": level, "lowConfidenceFields": low}


def _kdate(day: date) -> str:
    return day.isoformat()


def _masked_person(r: random.Random, born: date) -> str:
    """주민등록번호 as printed on issued registers: birth date and gender digit, the rest masked."""
    gender = r.choice((1, 2)) if born.year < 2000 else r.choice((3, 4))
    return f"{born:%y%m%d}-{gender}******"


def _owners(r: random.Random, fake: Any, since: date, until: date, *, shares: bool, corporate_ok: bool = True,
            new_building: bool = False) -> list[dict[str, Any]]:
    """Owner history, oldest first; the last entries are the current owner(s).

    A new building starts with 소유권보존 (first registration) at its use approval.
    """
    rows = []
    changes = r.randint(1, 3)
    day = since
    span = max(1, (until - since).days)
    for index in range(changes):
        preserved = new_building and index == 0
        day = day + timedelta(days=r.randint(3, 40) if preserved else r.randint(30, max(31, span // changes)))
        if day > until:
            day = until
        cause = "신축" if preserved else weighted(r, {"매매": 0.7, "상속": 0.15, "증여": 0.1, "협의분할에 의한 상속": 0.05})
        co_owned = index == changes - 1 and shares and r.random() < 0.3
        owners = 2 if co_owned else 1
        corporate = corporate_ok and not co_owned and r.random() < 0.15
        for _ in range(owners):
            address_dong = korea.pick_dong(r, urban=True)
            if corporate:
                name = f"주식회사 {korea.company_word(r, fake.company_name_word())}{r.choice(('개발', '산업', '홀딩스'))}"
                number = f"{korea.REGISTRY_OFFICES.get(address_dong.district.sido, '1101')}11-*******"
            else:
                name = fake.name()
                number = _masked_person(r, random_date(r, date(1940, 1, 1), date(1995, 12, 31)))
            rows.append({
                "changeDate": _kdate(day),
                "changeReason": "(01)소유권보존" if preserved else "(03)소유권이전",
                "cause": cause,
                "name": name,
                "registrationNumber": number,
                "address": korea.road_address(r, address_dong),
                "share": "1/2" if co_owned else "1/1",
            })
    return rows


def _parcel(r: random.Random, dong: korea.Dong, *, mountain: bool) -> pnu.Parcel:
    if mountain:
        return pnu.Parcel(dong.code, True, r.randint(1, 320), r.choice((0, 0, r.randint(1, 30))))
    main = r.randint(1, 980 if dong.district.urban else 1500)
    return pnu.Parcel(dong.code, False, main, r.choice((0, 0, r.randint(1, 60))))


def _round_price(value: float) -> int:
    """개별공시지가 rounding: 10원 under 10,000, 100원 under 100,000, else 1,000원."""
    unit = 10 if value < 10_000 else 100 if value < 100_000 else 1_000
    return max(unit, int(value // unit) * unit)


# --- 토지대장 -------------------------------------------------------------------------------------


def land(src: Source) -> dict[str, Any]:
    """토지(임야)대장."""
    r = rng(src.world, "register", src.document_type, src.image)
    fake = faker(src.world, "register", src.document_type, src.image)
    dong = korea.pick_dong(r, urban=r.random() < 0.6)
    category = weighted(r, URBAN_LAND if dong.district.urban else RURAL_LAND)
    mountain = category == "임야" and r.random() < 0.85
    parcel = _parcel(r, dong, mountain=mountain)
    if category == "임야":
        area = _cm2(r, 1_500, 60_000)
    elif category in ("전", "답", "과수원", "목장용지"):
        area = _cm2(r, 300, 6_000)
    else:
        area = _cm2(r, 80, 1_600 if dong.district.urban else 2_500)
    low, high = dong.district.land_price
    factor = r.uniform(*LAND_PRICE_FACTOR[category])
    price = r.uniform(low, high) * factor
    history = []
    for year in range(PRICE_YEAR, PRICE_YEAR - 5, -1):
        history.append({"baseDate": f"{year}-01-01", "pricePerSquareMeter": _round_price(price)})
        price /= r.uniform(1.01, 1.09)
    registered = random_date(r, date(1975, 1, 1), date(2005, 12, 31))
    movements = []
    if parcel.sub_number:
        split = random_date(r, registered, date(2015, 12, 31))
        movements.append({"date": _kdate(split), "reasonCode": "20",
                          "reason": f"분할되어 본번에 -{parcel.sub_number}을 부함"})
    if r.random() < 0.25 and category == "대":
        changed = random_date(r, registered, date(2022, 12, 31))
        movements.append({"date": _kdate(changed), "reasonCode": "40", "reason": "지목변경"})
    movements.sort(key=lambda m: m["date"])
    scale = "1:6000" if mountain else weighted(r, {"1:1200": 0.55, "1:600": 0.25, "수치": 0.2}) if dong.district.urban \
        else weighted(r, {"1:1200": 0.8, "1:600": 0.2})
    owners = _owners(r, fake, registered, date(2025, 6, 30), shares=True)
    payload = {
        "documentType": "land",
        "documentName": "임야대장" if mountain else "토지대장",
        "uniqueNumber": parcel.unique_number,
        "pnu": parcel.pnu,
        "parcel": _parcel_json(parcel),
        "location": dong.location,
        "lotNumber": parcel.lot_number,
        "address": f"{dong.location} {parcel.lot_number}",
        "scale": scale,
        "mapSheetNumber": r.randint(1, 60),
        "landCategory": category,
        "area": _m2(area),
        "zoning": weighted(r, URBAN_ZONES if dong.district.urban else RURAL_ZONES),
        "ownershipType": "법인" if owners[-1]["name"].startswith("주식회사") else "개인",
        "officialLandPrice": history[0],
        "landPriceHistory": history,
        "landMovements": movements,
        "owners": owners,
    }
    return {**payload, **_confidence(r, ("area", "landCategory", "lotNumber", "owners", "landPriceHistory"))}


def _parcel_json(parcel: pnu.Parcel) -> dict[str, Any]:
    return {"legalDongCode": parcel.legal_dong_code, "registerFlag": "2" if parcel.mountain else "1",
            "mountain": parcel.mountain, "mainNumber": parcel.main_number, "subNumber": parcel.sub_number}


# --- 건축물대장 -----------------------------------------------------------------------------------

BUILDING_KINDS = {
    "단독주택": {"floors": (2, 4), "basement": (0, 1), "structure": ("철근콘크리트구조", "조적구조"), "detail": "다가구주택"},
    "제2종근린생활시설": {"floors": (3, 6), "basement": (0, 1), "structure": ("철근콘크리트구조",), "detail": "사무소"},
    "업무시설": {"floors": (7, 20), "basement": (2, 5), "structure": ("철근콘크리트구조", "철골철근콘크리트구조"), "detail": "사무소"},
}
ROOFS = {"철근콘크리트구조": "(철근)콘크리트", "조적구조": "(철근)콘크리트", "철골철근콘크리트구조": "(철근)콘크리트",
         "경량철골구조": "샌드위치패널", "목구조": "기와"}


def _floor_label(n: int) -> str:
    return f"지{-n}층" if n < 0 else f"{n}층"


def _floor_use(kind: str, floor: int, top: int) -> str:
    if floor < 0:
        return "주차장" if kind == "업무시설" else "제2종근린생활시설(일반음식점)"
    if kind == "단독주택":
        return "제1종근린생활시설(소매점)" if floor == 1 and top > 2 else "다가구주택"
    if floor == 1:
        return "제1종근린생활시설(소매점)"
    return "업무시설(사무소)" if kind == "업무시설" else "제2종근린생활시설(사무소)"


def building(src: Source) -> dict[str, Any]:
    """일반건축물대장(갑)."""
    r = rng(src.world, "register", src.document_type, src.image)
    fake = faker(src.world, "register", src.document_type, src.image)
    urban = r.random() < 0.9
    dong = korea.pick_dong(r, urban=urban)
    parcel = _parcel(r, dong, mountain=False)
    if urban:
        zone = weighted(r, URBAN_ZONES)
        kind = weighted(r, {"단독주택": 0.3, "제2종근린생활시설": 0.45, "업무시설": 0.25}) if "상업" not in zone \
            and zone != "준주거지역" else weighted(r, {"제2종근린생활시설": 0.4, "업무시설": 0.6})
        if kind == "업무시설" and "주거" in zone and zone != "준주거지역":
            kind = "제2종근린생활시설"
        spec = BUILDING_KINDS[kind]
        structure = r.choice(spec["structure"])
    else:
        zone, kind = weighted(r, RURAL_ZONES), "단독주택"
        spec = {"floors": (1, 2), "basement": (0, 0), "detail": "단독주택"}
        structure = r.choice(("경량철골구조", "철근콘크리트구조", "목구조"))
    coverage_cap, far_cap = ZONE_LIMITS[zone]
    site = _cm2(r, *( (150, 400) if kind == "단독주택" else (250, 900) if kind == "제2종근린생활시설" else (900, 4_000)))
    footprint = int(site * r.uniform(0.55, 0.95) * coverage_cap / 100)
    above = r.randint(*spec["floors"])
    while above > 1 and footprint * above * 0.92 > site * far_cap / 100:
        above -= 1
    below = r.randint(*spec["basement"])
    floors = []
    for n in range(-below, above + 1):
        if n == 0:
            continue
        if n < 0:
            area = int(site * r.uniform(0.6, 0.9))
        elif n == 1:
            area = footprint
        else:
            area = int(footprint * r.uniform(0.85, 1.0))
        floors.append({"division": "주", "floor": _floor_label(n), "structure": structure,
                       "use": _floor_use(kind, n, above), "area": area})
    cap = site * far_cap // 100
    while above > 1 and sum(f["area"] for f in floors if not f["floor"].startswith("지")) > cap:
        floors.pop()  # the top floor goes until the 용적률 fits the zone
        above -= 1
    if kind != "단독주택" and r.random() < 0.5:
        floors.append({"division": "주", "floor": "옥탑1층", "structure": structure, "use": "계단실",
                       "area": int(footprint * r.uniform(0.05, 0.11))})
    total = sum(f["area"] for f in floors)
    for_ratio = sum(f["area"] for f in floors if not f["floor"].startswith("지") and not f["floor"].startswith("옥탑"))
    approval = random_date(r, date(1988, 1, 1), date(2023, 12, 31))
    permit = approval - timedelta(days=r.randint(300, 1_000))
    start = permit + timedelta(days=r.randint(20, 180))
    households = families = units = 0
    if kind == "단독주택":
        families = r.randint(3, 12) if urban else 1
        households = 1 if not urban else 0
    else:
        units = r.randint(1, above * 2)
    elevators = {"passenger": (1 + total // 300_000) if above >= 6 else (1 if above >= 4 and r.random() < 0.5 else 0),
                 "emergency": 1 if above >= 11 else 0}
    parking_total = max(1, math.ceil(total / 100 / 150)) if urban else 1
    indoor = parking_total if below and kind == "업무시설" else 0
    mechanical = parking_total - indoor if urban and kind == "제2종근린생활시설" and r.random() < 0.3 else 0
    parking = {"indoorSelf": indoor, "outdoorSelf": parking_total - indoor - mechanical, "indoorMechanical": mechanical,
               "outdoorMechanical": 0, "total": parking_total}
    name = ""
    if kind != "단독주택":
        name = f"{korea.company_word(r, fake.company_name_word())}{r.choice(korea.OFFICE_TAILS[:5])}"
    first_floor_height = r.uniform(3.6, 4.5)
    height = round(first_floor_height + (above - 1) * r.uniform(3.0, 3.6) + (1.2 if r.random() < 0.5 else 0), 2)
    owners = _owners(r, fake, approval, date(2025, 6, 30), shares=True, new_building=True)
    payload = {
        "documentType": "building",
        "documentName": "일반건축물대장(갑)",
        "uniqueNumber": f"{parcel.legal_dong_code}-1-{parcel.main_number:04d}{parcel.sub_number:04d}",
        "pnu": parcel.pnu,
        "parcel": _parcel_json(parcel),
        "name": name,
        "siteLocation": f"{dong.location} {parcel.lot_number}",
        "lotNumber": parcel.lot_number,
        "roadAddress": korea.road_address(r, dong, building=name),
        "siteArea": _m2(site),
        "totalFloorArea": _m2(total),
        "buildingArea": _m2(footprint),
        "floorAreaForRatio": _m2(for_ratio),
        "buildingCoverageRatio": _ratio(footprint, site),
        "floorAreaRatio": _ratio(for_ratio, site),
        "zoning": zone,
        "mainStructure": structure,
        "mainUse": kind,
        "otherUse": spec["detail"],
        "roof": ROOFS[structure],
        "height": height,
        "floorsAboveGround": above,
        "floorsBelowGround": below,
        "households": households,
        "families": families,
        "units": units,
        "annexBuildings": 0,
        "annexArea": 0.0,
        "landscapeArea": _m2(int(site * r.uniform(0.0, 0.15))) if site > 20_000 else 0.0,
        "parking": parking,
        "elevators": elevators,
        "permitDate": _kdate(permit),
        "constructionStartDate": _kdate(start),
        "useApprovalDate": _kdate(approval),
        "seismicDesignApplied": approval.year >= 2005 or above >= 6,
        "violation": r.random() < 0.05,
        "floors": [{**f, "area": _m2(f["area"])} for f in floors],
        "owners": owners,
    }
    return {**payload, **_confidence(r, ("totalFloorArea", "mainUse", "useApprovalDate", "floors", "owners"))}


# --- 집합건축물대장(전유부) ----------------------------------------------------------------------

APARTMENT_SIZES = (59.97, 59.92, 74.98, 84.97, 84.93, 84.99, 101.95, 114.87, 134.95)


def _stem(dong: korea.Dong) -> str:
    name = dong.short_name
    for tail in ("동1가", "동2가", "동3가", "동4가", "동", "리"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


def aggregate_building(src: Source) -> dict[str, Any]:
    """집합건축물대장(전유부): one unit of an apartment or officetel, with its building's 표제부 summary."""
    r = rng(src.world, "register", src.document_type, src.image)
    fake = faker(src.world, "register", src.document_type, src.image)
    dong = korea.pick_dong(r, urban=True)
    parcel = _parcel(r, dong, mountain=False)
    officetel = r.random() < 0.3
    if officetel:
        complex_name = f"{_stem(dong)}{r.choice(('', ' '))}{korea.company_word(r, fake.company_name_word())}오피스텔"
        main_use, unit_use = "업무시설", "오피스텔"
        exclusive = _cm2(r, 19, 46)
        common = int(exclusive * r.uniform(0.7, 1.1))
        above, below = r.randint(10, 25), r.randint(2, 5)
        per_floor = r.randint(8, 20)
        dong_name = ""
    else:
        complex_name = f"{r.choice(korea.APARTMENT_BRANDS)} {_stem(dong)}{r.choice(korea.APARTMENT_TAILS)}".strip()
        main_use, unit_use = "공동주택", "아파트"
        exclusive = round(r.choice(APARTMENT_SIZES) * 100)
        common = int(exclusive * r.uniform(0.25, 0.33)) + int(exclusive * r.uniform(0.35, 0.6))
        above, below = r.randint(12, 35), r.randint(1, 3)
        per_floor = r.randint(2, 4)
        dong_name = f"{r.randint(101, 115)}동"
    floor = r.randint(2, above)
    unit_name = f"{floor}{r.randint(1, per_floor):02d}호"
    residential_common = int(common * (0.45 if not officetel else 0.6))
    areas = [
        {"division": "전유", "floor": _floor_label(floor), "structure": "철근콘크리트구조", "use": unit_use, "area": _m2(exclusive)},
        {"division": "공용", "floor": "각층", "structure": "철근콘크리트구조", "use": "주거공용(계단실, 복도 등)" if not officetel
         else "공용(복도, 계단실 등)", "area": _m2(residential_common)},
        {"division": "공용", "floor": "지1층", "structure": "철근콘크리트구조", "use": "주차장, 기계실 등",
         "area": _m2(common - residential_common)},
    ]
    unit_total = exclusive + common
    dong_total = int(unit_total * per_floor * above * r.uniform(1.0, 1.06))
    approval = random_date(r, date(1995, 1, 1), date(2023, 12, 31))
    low, high = dong.district.apartment_price
    per_m2 = r.uniform(low, high) * (0.6 if officetel else 1.0) * (0.8 if approval.year < 2005 else 1.0)
    price = per_m2 * exclusive / 100
    prices = []
    for year in range(PRICE_YEAR, PRICE_YEAR - 3, -1):
        prices.append({"baseDate": f"{year}-01-01", "price": int(price // 100_000) * 100_000})
        price /= r.uniform(0.95, 1.12)
    building_info = {
        "name": complex_name,
        "dongName": dong_name,
        "mainStructure": "철근콘크리트구조",
        "mainUse": main_use,
        "roof": "(철근)콘크리트",
        "floorsAboveGround": above,
        "floorsBelowGround": below,
        "totalFloorArea": _m2(dong_total),
        "households": 0 if officetel else per_floor * above,
        "units": per_floor * above if officetel else 0,
        "useApprovalDate": _kdate(approval),
    }
    unit = {
        "dongName": dong_name,
        "unitName": unit_name,
        "floor": floor,
        "floorLabel": _floor_label(floor),
        "use": unit_use,
        "structure": "철근콘크리트구조",
        "exclusiveArea": _m2(exclusive),
        "commonArea": _m2(common),
        "totalArea": _m2(unit_total),
    }
    owners = _owners(r, fake, approval, date(2025, 6, 30), shares=True, corporate_ok=officetel, new_building=True)
    building_name = complex_name + (f" {dong_name}" if dong_name else "")
    payload = {
        "documentType": "aggregate_building",
        "documentName": "집합건축물대장(전유부, 갑)",
        "uniqueNumber": f"{parcel.legal_dong_code}-3-{parcel.main_number:04d}{parcel.sub_number:04d}",
        "pnu": parcel.pnu,
        "parcel": _parcel_json(parcel),
        "siteLocation": f"{dong.location} {parcel.lot_number}",
        "lotNumber": parcel.lot_number,
        "roadAddress": korea.road_address(r, dong, building=building_name),
        "building": building_info,
        "unit": unit,
        "areas": areas,
        "housingPrices": prices,
        "owners": owners,
    }
    return {**payload, **_confidence(r, ("unit", "areas", "owners", "housingPrices"))}


def result(params: Mapping[str, Any], world: str) -> dict[str, Any]:
    """The register payload for the request params (unknown document types parse as `land`)."""
    document_type = str(params.get("documentType") or "land")
    if document_type not in DOCUMENT_TYPES:
        document_type = "land"
    src = source(params, world, document_type)
    if document_type == "building":
        return building(src)
    if document_type == "aggregate_building":
        return aggregate_building(src)
    return land(src)
