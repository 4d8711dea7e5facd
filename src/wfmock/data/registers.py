"""Document-parsing payloads for `land` (토지대장/임야대장), `building` (일반건축물대장) and
`aggregate_building` (집합건축물대장 전유부), shaped after the public register vocabulary.

One image is one parcel: the payload is a function of (world, documentType, imageUrl or a digest of
imageBase64). Areas are held in hundredths of ㎡ while computing, so totals and ratios agree exactly.
Every field draws from its own stream (`Streams`, keyed by the field's path), so adding a field
leaves the value of every other field as it was.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from wfmock.data import korea, pnu
from wfmock.data.seeding import Streams, random_date, weighted

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


def streams(src: Source) -> Streams:
    """The per-field random streams of one document."""
    return Streams(src.world, "register", src.document_type, src.image)


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


# --- 소유자 현황 ----------------------------------------------------------------------------------

OWNERS_UNTIL = date(2025, 6, 30)
TRANSFER_CAUSES = {"매매": 0.7, "상속": 0.15, "증여": 0.1, "협의분할에 의한 상속": 0.05}


def _owner(f: Streams, day: date, *, preserved: bool, cause: str, corporate: bool, co_owned: bool) -> dict[str, Any]:
    """One owner row of a change (each of a co-owned pair is its own row)."""
    address_dong = korea.pick_dong(f("addressDong"), urban=True)
    if corporate:
        r = f("name")
        name = f"주식회사 {korea.company_word(r, f.fake('name').company_name_word())}{r.choice(('개발', '산업', '홀딩스'))}"
        number = f"{korea.REGISTRY_OFFICES.get(address_dong.district.sido, '1101')}11-*******"
    else:
        name = f.fake("name").name()
        r = f("registrationNumber")
        number = _masked_person(r, random_date(r, date(1940, 1, 1), date(1995, 12, 31)))
    return {
        "changeDate": _kdate(day),
        "changeReason": "(01)소유권보존" if preserved else "(03)소유권이전",
        "cause": cause,
        "name": name,
        "registrationNumber": number,
        "address": korea.road_address(f("address"), address_dong),
        "share": "1/2" if co_owned else "1/1",
    }


def _owners(f: Streams, since: date, until: date, *, shares: bool, corporate_ok: bool = True,
            new_building: bool = False) -> list[dict[str, Any]]:
    """Owner history, oldest first; the last entries are the current owner(s).

    A new building starts with 소유권보존 (first registration) at its use approval.
    """
    rows = []
    changes = f("changes").randint(1, 3)
    day = since
    span = max(1, (until - since).days)
    for index in range(changes):
        change = f.child(index)
        preserved = new_building and index == 0
        r = change("changeDate")
        day = min(until, day + timedelta(days=r.randint(3, 40) if preserved else r.randint(30, max(31, span // changes))))
        cause = "신축" if preserved else weighted(change("cause"), TRANSFER_CAUSES)
        co_owned = index == changes - 1 and shares and change("coOwned").random() < 0.3
        corporate = corporate_ok and not co_owned and change("corporate").random() < 0.15
        rows += [_owner(change.child(holder), day, preserved=preserved, cause=cause, corporate=corporate,
                        co_owned=co_owned) for holder in range(2 if co_owned else 1)]
    return rows


def _parcel(r: random.Random, dong: korea.Dong, *, mountain: bool) -> pnu.Parcel:
    if mountain:
        return pnu.Parcel(dong.code, True, r.randint(1, 320), r.choice((0, 0, r.randint(1, 30))))
    main = r.randint(1, 980 if dong.district.urban else 1500)
    return pnu.Parcel(dong.code, False, main, r.choice((0, 0, r.randint(1, 60))))


def _parcel_json(parcel: pnu.Parcel) -> dict[str, Any]:
    return {"legalDongCode": parcel.legal_dong_code, "registerFlag": "2" if parcel.mountain else "1",
            "mountain": parcel.mountain, "mainNumber": parcel.main_number, "subNumber": parcel.sub_number}


def _round_price(value: float) -> int:
    """개별공시지가 rounding: 10원 under 10,000, 100원 under 100,000, else 1,000원."""
    unit = 10 if value < 10_000 else 100 if value < 100_000 else 1_000
    return max(unit, int(value // unit) * unit)


# --- 토지대장 -------------------------------------------------------------------------------------


def _land_area(r: random.Random, dong: korea.Dong, category: str) -> int:
    """The parcel's area in hundredths of ㎡, by 지목."""
    if category == "임야":
        return _cm2(r, 1_500, 60_000)
    if category in ("전", "답", "과수원", "목장용지"):
        return _cm2(r, 300, 6_000)
    return _cm2(r, 80, 1_600 if dong.district.urban else 2_500)


def _land_prices(r: random.Random, dong: korea.Dong, category: str) -> list[dict[str, Any]]:
    """개별공시지가 of the last five years, newest first (each year a few per cent below the next)."""
    low, high = dong.district.land_price
    factor = r.uniform(*LAND_PRICE_FACTOR[category])
    price = r.uniform(low, high) * factor
    history = []
    for year in range(PRICE_YEAR, PRICE_YEAR - 5, -1):
        history.append({"baseDate": f"{year}-01-01", "pricePerSquareMeter": _round_price(price)})
        price /= r.uniform(1.01, 1.09)
    return history


def _land_movements(f: Streams, parcel: pnu.Parcel, category: str, registered: date) -> list[dict[str, Any]]:
    """토지이동 연혁: the split that made a 부번, sometimes a 지목변경, in date order."""
    movements = []
    if parcel.sub_number:
        split = random_date(f("split"), registered, date(2015, 12, 31))
        movements.append({"date": _kdate(split), "reasonCode": "20",
                          "reason": f"분할되어 본번에 -{parcel.sub_number}을 부함"})
    if category == "대" and f("categoryChange").random() < 0.25:
        changed = random_date(f("categoryChange", "date"), registered, date(2022, 12, 31))
        movements.append({"date": _kdate(changed), "reasonCode": "40", "reason": "지목변경"})
    return sorted(movements, key=lambda m: m["date"])


def _map_scale(r: random.Random, dong: korea.Dong, mountain: bool) -> str:
    """도면 축척: 임야도 1:6000; 지적도 1:1200 or 1:600, or 수치 (numerical) in towns."""
    if mountain:
        return "1:6000"
    if dong.district.urban:
        return weighted(r, {"1:1200": 0.55, "1:600": 0.25, "수치": 0.2})
    return weighted(r, {"1:1200": 0.8, "1:600": 0.2})


def land(src: Source) -> dict[str, Any]:
    """토지(임야)대장."""
    f = streams(src)
    dong = korea.pick_dong(f("dong"), urban=f("urban").random() < 0.6)
    category = weighted(f("landCategory"), URBAN_LAND if dong.district.urban else RURAL_LAND)
    mountain = category == "임야" and f("mountain").random() < 0.85
    parcel = _parcel(f("parcel"), dong, mountain=mountain)
    history = _land_prices(f("landPriceHistory"), dong, category)
    registered = random_date(f("registered"), date(1975, 1, 1), date(2005, 12, 31))
    owners = _owners(f.child("owners"), registered, OWNERS_UNTIL, shares=True)
    payload = {
        "documentType": "land",
        "documentName": "임야대장" if mountain else "토지대장",
        "uniqueNumber": parcel.unique_number,
        "pnu": parcel.pnu,
        "parcel": _parcel_json(parcel),
        "location": dong.location,
        "lotNumber": parcel.lot_number,
        "address": f"{dong.location} {parcel.lot_number}",
        "scale": _map_scale(f("scale"), dong, mountain),
        "mapSheetNumber": f("mapSheetNumber").randint(1, 60),
        "landCategory": category,
        "area": _m2(_land_area(f("area"), dong, category)),
        "zoning": weighted(f("zoning"), URBAN_ZONES if dong.district.urban else RURAL_ZONES),
        "ownershipType": "법인" if owners[-1]["name"].startswith("주식회사") else "개인",
        "officialLandPrice": history[0],
        "landPriceHistory": history,
        "landMovements": _land_movements(f.child("landMovements"), parcel, category, registered),
        "owners": owners,
    }
    return {**payload, **_confidence(f("confidence"), ("area", "landCategory", "lotNumber", "owners", "landPriceHistory"))}


# --- 건축물대장 -----------------------------------------------------------------------------------

BUILDING_KINDS = {
    "단독주택": {"floors": (2, 4), "basement": (0, 1), "structure": ("철근콘크리트구조", "조적구조"), "detail": "다가구주택"},
    "제2종근린생활시설": {"floors": (3, 6), "basement": (0, 1), "structure": ("철근콘크리트구조",), "detail": "사무소"},
    "업무시설": {"floors": (7, 20), "basement": (2, 5), "structure": ("철근콘크리트구조", "철골철근콘크리트구조"), "detail": "사무소"},
}
RURAL_HOUSE = {"floors": (1, 2), "basement": (0, 0), "structure": ("경량철골구조", "철근콘크리트구조", "목구조"),
               "detail": "단독주택"}
SITE_AREAS = {"단독주택": (150, 400), "제2종근린생활시설": (250, 900), "업무시설": (900, 4_000)}  # ㎡
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


@dataclass(frozen=True, slots=True)
class Use:
    """Where a building stands and what it is: zone, 주용도 and structure."""

    urban: bool
    dong: korea.Dong
    zone: str
    kind: str
    spec: Mapping[str, Any]
    structure: str


def _building_use(f: Streams) -> Use:
    """Nine in ten buildings are in town (a house, a 근린생활시설 or an office fitting the zone); the rest rural houses."""
    urban = f("urban").random() < 0.9
    dong = korea.pick_dong(f("dong"), urban=urban)
    if not urban:
        zone = weighted(f("zoning"), RURAL_ZONES)
        return Use(False, dong, zone, "단독주택", RURAL_HOUSE, f("mainStructure").choice(RURAL_HOUSE["structure"]))
    zone = weighted(f("zoning"), URBAN_ZONES)
    residential = "상업" not in zone and zone != "준주거지역"
    kinds = {"단독주택": 0.3, "제2종근린생활시설": 0.45, "업무시설": 0.25} if residential \
        else {"제2종근린생활시설": 0.4, "업무시설": 0.6}
    kind = weighted(f("mainUse"), kinds)
    if kind == "업무시설" and "주거" in zone and zone != "준주거지역":
        kind = "제2종근린생활시설"
    spec = BUILDING_KINDS[kind]
    return Use(True, dong, zone, kind, spec, f("mainStructure").choice(spec["structure"]))


@dataclass(slots=True)
class Massing:
    """Site, footprint and floors (areas in hundredths of ㎡) within the zone's 건폐율 and 용적률."""

    site: int
    footprint: int
    above: int
    below: int
    floors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(f["area"] for f in self.floors)

    @property
    def for_ratio(self) -> int:
        """용적률 산정용 연면적: above-ground floors without the rooftop structure."""
        return sum(f["area"] for f in self.floors if not f["floor"].startswith(("지", "옥탑")))


def _massing(f: Streams, use: Use) -> Massing:
    coverage_cap, far_cap = ZONE_LIMITS[use.zone]
    site = _cm2(f("siteArea"), *SITE_AREAS[use.kind])
    footprint = int(site * f("buildingArea").uniform(0.55, 0.95) * coverage_cap / 100)
    above = f("floorsAboveGround").randint(*use.spec["floors"])
    while above > 1 and footprint * above * 0.92 > site * far_cap / 100:
        above -= 1
    shape = Massing(site, footprint, above, f("floorsBelowGround").randint(*use.spec["basement"]))
    for n in (n for n in range(-shape.below, above + 1) if n):
        shape.floors.append({"division": "주", "floor": _floor_label(n), "structure": use.structure,
                             "use": _floor_use(use.kind, n, above), "area": _floor_area(f("floors", n), shape, n)})
    while shape.above > 1 and shape.for_ratio > site * far_cap // 100:
        shape.floors.pop()  # the top floor goes until the 용적률 fits the zone
        shape.above -= 1
    if use.kind != "단독주택" and f("rooftop").random() < 0.5:
        shape.floors.append({"division": "주", "floor": "옥탑1층", "structure": use.structure, "use": "계단실",
                             "area": int(footprint * f("rooftop", "area").uniform(0.05, 0.11))})
    return shape


def _floor_area(r: random.Random, shape: Massing, n: int) -> int:
    """A basement spreads under the site; the first floor is the footprint; upper floors step in a little."""
    if n < 0:
        return int(shape.site * r.uniform(0.6, 0.9))
    if n == 1:
        return shape.footprint
    return int(shape.footprint * r.uniform(0.85, 1.0))


def _occupancy(f: Streams, use: Use, above: int) -> dict[str, int]:
    """세대수 / 가구수 / 호수: houses count households or families, other buildings units."""
    if use.kind == "단독주택":
        return {"households": 0 if use.urban else 1, "families": f("families").randint(3, 12) if use.urban else 1,
                "units": 0}
    return {"households": 0, "families": 0, "units": f("units").randint(1, above * 2)}


def _elevators(r: random.Random, above: int, total: int) -> dict[str, int]:
    """승강기: required from six floors (one per ~3,000 ㎡), sometimes at four or five; 비상용 from eleven."""
    passenger = (1 + total // 300_000) if above >= 6 else (1 if above >= 4 and r.random() < 0.5 else 0)
    return {"passenger": passenger, "emergency": 1 if above >= 11 else 0}


def _parking(r: random.Random, use: Use, below: int, total: int) -> dict[str, int]:
    """주차대수: one per 150 ㎡ in town; offices park underground, some 근린생활시설 mechanically."""
    parking_total = max(1, math.ceil(total / 100 / 150)) if use.urban else 1
    indoor = parking_total if below and use.kind == "업무시설" else 0
    mechanical = parking_total - indoor if use.urban and use.kind == "제2종근린생활시설" and r.random() < 0.3 else 0
    return {"indoorSelf": indoor, "outdoorSelf": parking_total - indoor - mechanical, "indoorMechanical": mechanical,
            "outdoorMechanical": 0, "total": parking_total}


def _building_name(f: Streams, kind: str) -> str:
    """Houses have no name; other buildings a company word and a tail ('한빛타워')."""
    if kind == "단독주택":
        return ""
    r = f("name")
    return f"{korea.company_word(r, f.fake('name').company_name_word())}{r.choice(korea.OFFICE_TAILS[:5])}"


def _height(r: random.Random, above: int) -> float:
    """높이: a tall first floor, the rest 3.0–3.6 m each, sometimes a parapet."""
    first_floor = r.uniform(3.6, 4.5)
    return round(first_floor + (above - 1) * r.uniform(3.0, 3.6) + (1.2 if r.random() < 0.5 else 0), 2)


def _building_dates(f: Streams) -> tuple[date, date, date]:
    """허가일, 착공일 and 사용승인일, in that order."""
    approval = random_date(f("useApprovalDate"), date(1988, 1, 1), date(2023, 12, 31))
    permit = approval - timedelta(days=f("permitDate").randint(300, 1_000))
    return permit, permit + timedelta(days=f("constructionStartDate").randint(20, 180)), approval


def building(src: Source) -> dict[str, Any]:
    """일반건축물대장(갑)."""
    f = streams(src)
    use = _building_use(f)
    parcel = _parcel(f("parcel"), use.dong, mountain=False)
    shape = _massing(f, use)
    permit, start, approval = _building_dates(f)
    name = _building_name(f, use.kind)
    payload = {
        "documentType": "building",
        "documentName": "일반건축물대장(갑)",
        "uniqueNumber": f"{parcel.legal_dong_code}-1-{parcel.main_number:04d}{parcel.sub_number:04d}",
        "pnu": parcel.pnu,
        "parcel": _parcel_json(parcel),
        "name": name,
        "siteLocation": f"{use.dong.location} {parcel.lot_number}",
        "lotNumber": parcel.lot_number,
        "roadAddress": korea.road_address(f("roadAddress"), use.dong, building=name),
        "siteArea": _m2(shape.site),
        "totalFloorArea": _m2(shape.total),
        "buildingArea": _m2(shape.footprint),
        "floorAreaForRatio": _m2(shape.for_ratio),
        "buildingCoverageRatio": _ratio(shape.footprint, shape.site),
        "floorAreaRatio": _ratio(shape.for_ratio, shape.site),
        "zoning": use.zone,
        "mainStructure": use.structure,
        "mainUse": use.kind,
        "otherUse": use.spec["detail"],
        "roof": ROOFS[use.structure],
        "height": _height(f("height"), shape.above),
        "floorsAboveGround": shape.above,
        "floorsBelowGround": shape.below,
        **_occupancy(f, use, shape.above),
        "annexBuildings": 0,
        "annexArea": 0.0,
        "landscapeArea": _m2(int(shape.site * f("landscapeArea").uniform(0.0, 0.15))) if shape.site > 20_000 else 0.0,
        "parking": _parking(f("parking"), use, shape.below, shape.total),
        "elevators": _elevators(f("elevators"), shape.above, shape.total),
        "permitDate": _kdate(permit),
        "constructionStartDate": _kdate(start),
        "useApprovalDate": _kdate(approval),
        "seismicDesignApplied": approval.year >= 2005 or shape.above >= 6,
        "violation": f("violation").random() < 0.05,
        "floors": [{**floor, "area": _m2(floor["area"])} for floor in shape.floors],
        "owners": _owners(f.child("owners"), approval, OWNERS_UNTIL, shares=True, new_building=True),
    }
    return {**payload, **_confidence(f("confidence"), ("totalFloorArea", "mainUse", "useApprovalDate", "floors", "owners"))}


# --- 집합건축물대장(전유부) ----------------------------------------------------------------------

APARTMENT_SIZES = (59.97, 59.92, 74.98, 84.97, 84.93, 84.99, 101.95, 114.87, 134.95)
CONCRETE = "철근콘크리트구조"


def _stem(dong: korea.Dong) -> str:
    name = dong.short_name
    for tail in ("동1가", "동2가", "동3가", "동4가", "동", "리"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


@dataclass(frozen=True, slots=True)
class Complex:
    """An apartment 동 or an officetel, and the unit's share of it (areas in hundredths of ㎡)."""

    officetel: bool
    name: str
    dong_name: str
    main_use: str
    unit_use: str
    exclusive: int
    common: int
    above: int
    below: int
    per_floor: int

    @property
    def building_name(self) -> str:
        return self.name + (f" {self.dong_name}" if self.dong_name else "")


def _officetel(f: Streams, dong: korea.Dong) -> Complex:
    r = f("building", "name")
    name = f"{_stem(dong)}{r.choice(('', ' '))}{korea.company_word(r, f.fake('building', 'name').company_name_word())}오피스텔"
    exclusive = _cm2(f("unit", "exclusiveArea"), 19, 46)
    return Complex(True, name, "", "업무시설", "오피스텔", exclusive,
                   common=int(exclusive * f("unit", "commonArea").uniform(0.7, 1.1)),
                   above=f("building", "floorsAboveGround").randint(10, 25),
                   below=f("building", "floorsBelowGround").randint(2, 5), per_floor=f("perFloor").randint(8, 20))


def _apartment(f: Streams, dong: korea.Dong) -> Complex:
    r = f("building", "name")
    name = f"{r.choice(korea.APARTMENT_BRANDS)} {_stem(dong)}{r.choice(korea.APARTMENT_TAILS)}".strip()
    exclusive = round(f("unit", "exclusiveArea").choice(APARTMENT_SIZES) * 100)
    r = f("unit", "commonArea")
    common = int(exclusive * r.uniform(0.25, 0.33)) + int(exclusive * r.uniform(0.35, 0.6))
    return Complex(False, name, f"{f('building', 'dongName').randint(101, 115)}동", "공동주택", "아파트", exclusive,
                   common, above=f("building", "floorsAboveGround").randint(12, 35),
                   below=f("building", "floorsBelowGround").randint(1, 3), per_floor=f("perFloor").randint(2, 4))


def _unit_areas(c: Complex, floor: int) -> list[dict[str, Any]]:
    """전유 and 공용 area rows; the 공용 part splits between the floors' corridors and the basement."""
    residential_common = int(c.common * (0.6 if c.officetel else 0.45))
    corridor = "공용(복도, 계단실 등)" if c.officetel else "주거공용(계단실, 복도 등)"
    return [
        {"division": "전유", "floor": _floor_label(floor), "structure": CONCRETE, "use": c.unit_use,
         "area": _m2(c.exclusive)},
        {"division": "공용", "floor": "각층", "structure": CONCRETE, "use": corridor, "area": _m2(residential_common)},
        {"division": "공용", "floor": "지1층", "structure": CONCRETE, "use": "주차장, 기계실 등",
         "area": _m2(c.common - residential_common)},
    ]


def _housing_prices(r: random.Random, c: Complex, dong: korea.Dong, approval: date) -> list[dict[str, Any]]:
    """공동주택가격 of the last three years, newest first: the district's band, lower for officetels and old stock."""
    low, high = dong.district.apartment_price
    per_m2 = r.uniform(low, high) * (0.6 if c.officetel else 1.0) * (0.8 if approval.year < 2005 else 1.0)
    price = per_m2 * c.exclusive / 100
    prices = []
    for year in range(PRICE_YEAR, PRICE_YEAR - 3, -1):
        prices.append({"baseDate": f"{year}-01-01", "price": int(price // 100_000) * 100_000})
        price /= r.uniform(0.95, 1.12)
    return prices


def _building_summary(f: Streams, c: Complex, approval: date) -> dict[str, Any]:
    """표제부 summary of the unit's building."""
    dong_total = int((c.exclusive + c.common) * c.per_floor * c.above * f("building", "totalFloorArea").uniform(1.0, 1.06))
    return {
        "name": c.name,
        "dongName": c.dong_name,
        "mainStructure": CONCRETE,
        "mainUse": c.main_use,
        "roof": "(철근)콘크리트",
        "floorsAboveGround": c.above,
        "floorsBelowGround": c.below,
        "totalFloorArea": _m2(dong_total),
        "households": 0 if c.officetel else c.per_floor * c.above,
        "units": c.per_floor * c.above if c.officetel else 0,
        "useApprovalDate": _kdate(approval),
    }


def _unit(f: Streams, c: Complex, floor: int) -> dict[str, Any]:
    return {
        "dongName": c.dong_name,
        "unitName": f"{floor}{f('unit', 'unitName').randint(1, c.per_floor):02d}호",
        "floor": floor,
        "floorLabel": _floor_label(floor),
        "use": c.unit_use,
        "structure": CONCRETE,
        "exclusiveArea": _m2(c.exclusive),
        "commonArea": _m2(c.common),
        "totalArea": _m2(c.exclusive + c.common),
    }


def aggregate_building(src: Source) -> dict[str, Any]:
    """집합건축물대장(전유부): one unit of an apartment or officetel, with its building's 표제부 summary."""
    f = streams(src)
    dong = korea.pick_dong(f("dong"), urban=True)
    parcel = _parcel(f("parcel"), dong, mountain=False)
    c = _officetel(f, dong) if f("officetel").random() < 0.3 else _apartment(f, dong)
    floor = f("unit", "floor").randint(2, c.above)
    approval = random_date(f("building", "useApprovalDate"), date(1995, 1, 1), date(2023, 12, 31))
    payload = {
        "documentType": "aggregate_building",
        "documentName": "집합건축물대장(전유부, 갑)",
        "uniqueNumber": f"{parcel.legal_dong_code}-3-{parcel.main_number:04d}{parcel.sub_number:04d}",
        "pnu": parcel.pnu,
        "parcel": _parcel_json(parcel),
        "siteLocation": f"{dong.location} {parcel.lot_number}",
        "lotNumber": parcel.lot_number,
        "roadAddress": korea.road_address(f("roadAddress"), dong, building=c.building_name),
        "building": _building_summary(f, c, approval),
        "unit": _unit(f, c, floor),
        "areas": _unit_areas(c, floor),
        "housingPrices": _housing_prices(f("housingPrices"), c, dong, approval),
        "owners": _owners(f.child("owners"), approval, OWNERS_UNTIL, shares=True, corporate_ok=c.officetel,
                          new_building=True),
    }
    return {**payload, **_confidence(f("confidence"), ("unit", "areas", "owners", "housingPrices"))}


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
