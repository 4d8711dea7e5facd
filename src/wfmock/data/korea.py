"""Curated Korean reference tables where faker falls short.

- `DISTRICTS`: real 시/도 – 시/군/구 – 법정동(리) triples with their 10-digit 법정동코드, real road
  names of each 시/군/구, the phone area code, illustrative tax-office prefixes and land-price bands.
  The codes were cross-checked against several independent public code tables (행정표준코드 법정동코드);
  평창군 횡계리 carries 강원특별자치도's 2023 code (51xxx, formerly 42760).
- `INDUSTRIES`: 업태/종목 pairs (KSIC section / item) with how such a business sells and buys.
- Name parts for 상호 and building names.

faker `ko_KR` mixes 시/도 and 시/군/구 at random ("제주특별자치도 강릉시"), so addresses come from here
and faker is used only for people's names and company words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class District:
    """One 시/군/구 with some of its 법정동 and roads."""

    sido: str
    sigungu: str
    code: str  # 5-digit 시군구코드
    dongs: tuple[tuple[str, str], ...]  # (법정동 name, last 5 digits of the 법정동코드)
    roads: tuple[str, ...]
    area_code: str  # phone area code
    tax_office_prefixes: tuple[str, ...]  # first three digits of business numbers issued here (illustrative)
    land_price: tuple[int, int]  # 개별공시지가 band for 지목 대, won per ㎡ (2025)
    apartment_price: tuple[int, int]  # 공동주택가격 band, won per ㎡ of 전용면적 (2025)
    urban: bool = True


@dataclass(frozen=True, slots=True)
class Dong:
    """A 법정동 (or 읍/면 + 리) with its full 10-digit code."""

    district: District
    name: str
    code: str

    @property
    def location(self) -> str:
        """토지소재: '서울특별시 강남구 역삼동'."""
        return f"{self.district.sido} {self.district.sigungu} {self.name}"

    @property
    def short_name(self) -> str:
        """The last word of the name: '역삼동', or '양근리' for '양평읍 양근리'."""
        return self.name.split()[-1]


DISTRICTS: tuple[District, ...] = (
    District("서울특별시", "강남구", "11680",
             (("역삼동", "10100"), ("개포동", "10300"), ("청담동", "10400"), ("삼성동", "10500"),
              ("대치동", "10600"), ("신사동", "10700"), ("논현동", "10800"), ("압구정동", "11000"),
              ("일원동", "11400"), ("도곡동", "11800")),
             ("테헤란로", "강남대로", "논현로", "도산대로", "봉은사로", "선릉로", "언주로", "영동대로", "삼성로"),
             "02", ("220", "211", "120"), (9_000_000, 48_000_000), (18_000_000, 32_000_000)),
    District("서울특별시", "서초구", "11650",
             (("방배동", "10100"), ("양재동", "10200"), ("잠원동", "10600"), ("반포동", "10700"), ("서초동", "10800")),
             ("서초대로", "반포대로", "강남대로", "효령로", "방배로", "바우뫼로"),
             "02", ("214", "114"), (7_500_000, 36_000_000), (17_000_000, 30_000_000)),
    District("서울특별시", "송파구", "11710",
             (("잠실동", "10100"), ("신천동", "10200"), ("풍납동", "10300"), ("송파동", "10400"), ("석촌동", "10500"),
              ("가락동", "10700"), ("문정동", "10800"), ("방이동", "11100")),
             ("올림픽로", "송파대로", "백제고분로", "석촌호수로", "중대로", "오금로", "법원로"),
             "02", ("215", "230"), (6_000_000, 27_000_000), (13_000_000, 22_000_000)),
    District("서울특별시", "마포구", "11440",
             (("아현동", "10100"), ("공덕동", "10200"), ("도화동", "10400"), ("서교동", "12000"), ("합정동", "12200"),
              ("망원동", "12300"), ("연남동", "12400"), ("상암동", "12700")),
             ("월드컵로", "양화로", "와우산로", "독막로", "마포대로", "동교로", "월드컵북로"),
             "02", ("105",), (5_000_000, 21_000_000), (10_000_000, 16_000_000)),
    District("서울특별시", "영등포구", "11560",
             (("여의도동", "11000"), ("당산동1가", "11100"), ("당산동2가", "11200"), ("당산동3가", "11300")),
             ("여의대로", "국제금융로", "의사당대로", "당산로", "선유로", "영중로"),
             "02", ("107",), (5_000_000, 31_000_000), (9_000_000, 16_000_000)),
    District("서울특별시", "종로구", "11110",
             (("청진동", "12200"), ("관철동", "13500"), ("인사동", "13600"), ("혜화동", "16900"), ("평창동", "18300"),
              ("부암동", "18400")),
             ("종로", "율곡로", "대학로", "삼일대로", "평창문화로", "창경궁로"),
             "02", ("101",), (4_000_000, 40_000_000), (8_000_000, 14_000_000)),
    District("서울특별시", "중구", "11140",
             (("을지로1가", "10400"), ("회현동1가", "12100"), ("충무로1가", "12400"), ("명동1가", "12600"),
              ("신당동", "16200")),
             ("을지로", "퇴계로", "세종대로", "다산로", "남대문로", "명동길"),
             "02", ("104", "201"), (6_000_000, 60_000_000), (8_000_000, 14_000_000)),
    District("서울특별시", "성동구", "11200",
             (("성수동1가", "11400"),),
             ("성수이로", "아차산로", "뚝섬로", "왕십리로", "연무장길"),
             "02", ("206",), (5_000_000, 16_000_000), (11_000_000, 18_000_000)),
    District("경기도", "성남시 분당구", "41135",
             (("수내동", "10200"), ("정자동", "10300"), ("서현동", "10500"), ("이매동", "10600"), ("야탑동", "10700"),
              ("판교동", "10800"), ("삼평동", "10900"), ("백현동", "11000")),
             ("판교역로", "정자일로", "황새울로", "분당로", "성남대로", "대왕판교로", "분당내곡로"),
             "031", ("144", "129"), (3_500_000, 13_000_000), (9_000_000, 15_000_000)),
    District("경기도", "수원시 장안구", "41111",
             (("파장동", "12900"), ("정자동", "13000"), ("율전동", "13200"), ("천천동", "13300"), ("조원동", "13600")),
             ("정조로", "경수대로", "수성로", "송정로", "장안로"),
             "031", ("124", "135"), (1_300_000, 4_200_000), (3_500_000, 6_000_000)),
    District("인천광역시", "연수구", "28185",
             (("송도동", "10600"),),
             ("아트센터대로", "컨벤시아대로", "송도과학로", "인천타워대로", "센트럴로"),
             "032", ("131", "121"), (1_600_000, 5_500_000), (4_500_000, 8_000_000)),
    District("부산광역시", "해운대구", "26350",
             (("우동", "10500"),),
             ("해운대해변로", "센텀중앙로", "APEC로", "마린시티2로", "수영강변대로"),
             "051", ("617", "621"), (1_700_000, 9_500_000), (4_000_000, 9_000_000)),
    District("대구광역시", "수성구", "27260",
             (("범어동", "10100"),),
             ("달구벌대로", "동대구로", "범어천로", "들안로"),
             "053", ("502", "515"), (1_600_000, 5_800_000), (4_500_000, 8_000_000)),
    District("경기도", "양평군", "41830",
             (("양평읍 양근리", "25021"),),
             ("양평시장길", "마유산로", "양근로", "중앙로"),
             "031", ("132",), (280_000, 1_300_000), (2_000_000, 3_500_000), urban=False),
    District("강원특별자치도", "평창군", "51760",
             (("대관령면 횡계리", "31022"),),
             ("경강로", "대관령로", "올림픽로", "꽃밭양지길"),
             "033", ("225",), (90_000, 650_000), (1_500_000, 3_000_000), urban=False),
)

URBAN_DISTRICTS = tuple(d for d in DISTRICTS if d.urban)
RURAL_DISTRICTS = tuple(d for d in DISTRICTS if not d.urban)

# 법인등록번호 등기관서 codes by 시/도 (illustrative: 1101 is 서울중앙지방법원 등기국).
REGISTRY_OFFICES = {"서울특별시": "1101", "경기도": "1311", "인천광역시": "1201", "부산광역시": "1801",
                    "대구광역시": "1701", "강원특별자치도": "1411"}


def dongs() -> tuple[Dong, ...]:
    """Every curated 법정동 with its full code."""
    return tuple(Dong(d, name, d.code + suffix) for d in DISTRICTS for name, suffix in d.dongs)


def dong_by_code(code: str) -> Dong | None:
    """The curated 법정동 with this 10-digit code, if any."""
    return next((dong for dong in dongs() if dong.code == code), None)


def pick_dong(r: random.Random, *, urban: bool | None = None) -> Dong:
    """A random curated 법정동 (weighted by district, so Seoul does not drown the rest)."""
    pool = DISTRICTS if urban is None else (URBAN_DISTRICTS if urban else RURAL_DISTRICTS)
    district = r.choice(pool)
    name, suffix = r.choice(district.dongs)
    return Dong(district, name, district.code + suffix)


def phone_number(r: random.Random, district: District) -> str:
    """A landline in the district's area code ('02-3452-1187', '031-724-5510')."""
    if district.area_code == "02":
        return f"02-{r.randint(2000, 6999)}-{r.randint(0, 9999):04d}"
    return f"{district.area_code}-{r.randint(200, 999)}-{r.randint(0, 9999):04d}"


def road_address(r: random.Random, dong: Dong, *, detail: str = "", building: str = "") -> str:
    """'서울특별시 강남구 테헤란로 152, 5층 (역삼동, 강남빌딩)': road name of the same 시/군/구."""
    district = dong.district
    number = r.randint(1, 120) * 2 + r.choice((0, 1))
    text = f"{district.sido} {district.sigungu} {r.choice(district.roads)} {number}"
    if detail:
        text += f", {detail}"
    reference = dong.short_name if dong.short_name.endswith("동") or dong.short_name.endswith("가") else ""
    extras = ", ".join(part for part in (reference, building) if part)
    return f"{text} ({extras})" if extras else text


# --- 업태 / 종목 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Industry:
    """An 업태/종목 pair and how such a business trades.

    `b2b` is the share of sales on tax invoices; the rest goes to cards and cash receipts.
    `exempt` marks 면세 supplies (전자계산서, no VAT). `value_added_rate` is the 간이과세 업종별 부가가치율.
    """

    sector: str  # 업태
    item: str  # 종목
    corporate: bool  # usually run as a company
    b2b: float
    exempt: bool
    value_added_rate: float
    name_suffixes: tuple[str, ...]
    ticket: tuple[int, int]  # typical sale, won (supply amount)
    cost_ratio: float  # purchases / sales


INDUSTRIES: tuple[Industry, ...] = (
    Industry("정보통신업", "응용 소프트웨어 개발 및 공급업", True, 0.97, False, 0.4,
             ("소프트", "랩스", "테크", "시스템즈", "네트웍스"), (2_000_000, 40_000_000), 0.35),
    Industry("정보통신업", "컴퓨터 프로그래밍 서비스업", True, 0.98, False, 0.4,
             ("테크", "솔루션", "데이터", "아이티"), (1_500_000, 25_000_000), 0.3),
    Industry("도매 및 소매업", "컴퓨터 및 주변장치, 소프트웨어 도매업", True, 0.92, False, 0.15,
             ("유통", "상사", "트레이딩", "코리아"), (500_000, 12_000_000), 0.82),
    Industry("도매 및 소매업", "전자상거래 소매업", False, 0.05, False, 0.15,
             ("몰", "샵", "스토어", "마켓"), (15_000, 90_000), 0.68),
    Industry("건설업", "실내건축 공사업", True, 0.95, False, 0.3,
             ("인테리어", "건설", "디자인", "종합건설"), (3_000_000, 60_000_000), 0.7),
    Industry("제조업", "기타 플라스틱 제품 제조업", True, 0.99, False, 0.2,
             ("산업", "정밀", "화학", "폴리텍"), (2_000_000, 30_000_000), 0.72),
    Industry("전문, 과학 및 기술 서비스업", "경영 컨설팅업", True, 0.99, False, 0.4,
             ("컨설팅", "파트너스", "앤컴퍼니", "전략연구소"), (3_000_000, 50_000_000), 0.25),
    Industry("전문, 과학 및 기술 서비스업", "광고 대행업", True, 0.97, False, 0.4,
             ("커뮤니케이션즈", "애드", "미디어", "크리에이티브"), (2_000_000, 30_000_000), 0.55),
    Industry("숙박 및 음식점업", "한식 일반 음식점업", False, 0.03, False, 0.15,
             ("식당", "한식당", "밥상", "정육식당"), (9_000, 60_000), 0.45),
    Industry("숙박 및 음식점업", "커피 전문점", False, 0.02, False, 0.15,
             ("커피", "로스터스", "카페", "베이커리카페"), (4_500, 18_000), 0.4),
    Industry("부동산업", "비주거용 건물 임대업", False, 0.9, False, 0.4,
             ("빌딩", "타워", "프라자"), (1_500_000, 12_000_000), 0.1),
    Industry("협회 및 단체, 수리 및 기타 개인 서비스업", "두발 미용업", False, 0.0, False, 0.4,
             ("헤어", "헤어살롱", "뷰티"), (15_000, 120_000), 0.25),
    Industry("교육 서비스업", "일반 교과 학원", False, 0.0, True, 0.4,
             ("수학학원", "영어학원", "학원", "에듀"), (200_000, 600_000), 0.15),
    Industry("도매 및 소매업", "과실 및 채소 도매업", False, 0.9, True, 0.15,
             ("청과", "농산", "푸드"), (300_000, 6_000_000), 0.85),
)

CORPORATE_INDUSTRIES = tuple(i for i in INDUSTRIES if i.corporate)
INDIVIDUAL_INDUSTRIES = tuple(i for i in INDUSTRIES if not i.corporate)

# Merchants, card companies and utilities that show up on purchase records.
CARD_COMPANIES = ("신한카드", "삼성카드", "KB국민카드", "현대카드", "비씨카드", "롯데카드", "하나카드", "우리카드", "NH농협카드")
UTILITIES = (("한국전력공사", "수도광열비"), ("주식회사 케이티", "통신비"), ("SK브로드밴드(주)", "통신비"),
             ("(주)엘지유플러스", "통신비"))
CARD_MERCHANTS = (("쿠팡(주)", "소모품비", "사무용품 구입"), ("(주)이마트", "복리후생비", "탕비실 간식"),
                  ("지에스리테일", "복리후생비", "야근 간식"), ("SK에너지 셀프주유소", "차량유지비", "주유대"),
                  ("(주)카카오모빌리티", "여비교통비", "택시비"), ("한국도로공사", "차량유지비", "통행료"),
                  ("(주)우아한형제들", "복리후생비", "야근 식대"), ("스타벅스커피 코리아", "복리후생비", "회의 음료"),
                  ("오피스디포코리아", "소모품비", "복사용지 외"), ("코레일(한국철도공사)", "여비교통비", "KTX 승차권"))
BOOKSTORES = ("(주)교보문고", "예스이십사(주)", "(주)알라딘커뮤니케이션")

APARTMENT_BRANDS = ("래미안", "힐스테이트", "자이", "푸르지오", "e편한세상", "아이파크", "더샵", "롯데캐슬", "SK뷰", "센트레빌")
APARTMENT_TAILS = ("", "센트럴", "퍼스트", "파크", "리버뷰", "더퍼스트", "포레", "센트럴파크")
OFFICE_TAILS = ("빌딩", "타워", "센터", "스퀘어", "프라자", "오피스텔")


def company_word(r: random.Random, fake_word: str) -> str:
    """A 상호 stem: a faker `company_name_word`, sometimes doubled up ('한빛가온')."""
    if r.random() < 0.15:
        return fake_word + r.choice(("누리", "온", "빛", "들", "솔"))
    return fake_word
