"""Pure routing: free text or an address -> district and township; service code -> the unit that acts."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from itertools import islice, product

from pypinyin import Style, lazy_pinyin, pinyin

from hotline.rules.taxonomy import DATA_DIR, ServiceCodeDef

TOWNSHIPS_CSV = DATA_DIR / "beijing_townships_2023.csv"
LANDMARKS_PATH = DATA_DIR / "landmarks.yaml"
# Suffixes people drop when they name a street or town ("回龙观" for 回龙观街道).
TOWNSHIP_SUFFIXES = ("地区办事处", "街道办事处", "街道", "地区", "镇", "乡")
DISTRICT_SUFFIX = "区"
# Shortest stripped Chinese name we match alone; shorter ones match only in full.
MIN_SHORT_NAME = 2
_EN_TOKEN = re.compile(r"[a-z0-9]+")
# Most words an English place name spans ("da xing", "hui long guan").
MAX_EN_TOKENS = 4


@dataclass(frozen=True)
class Place:
    """A township with its district."""

    township_code: str
    township_name: str
    district_code: str
    district_name: str
    township_type: str = ""


@dataclass(frozen=True)
class Location:
    """Where a request is, as far as the text tells: a township, or only a district, or candidates."""

    district_code: str | None = None
    township_code: str | None = None
    candidates: tuple[Place, ...] = ()
    district_candidates: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """More than one place fits and the text does not say which."""
        return self.township_code is None and (len(self.candidates) > 1 or len(self.district_candidates) > 1)


@dataclass(frozen=True)
class Assignment:
    """Who must act on a ticket."""

    unit_type: str  # township | department | city
    unit_code: str | None
    department_code: str | None  # the supervising or acting department


def district_government_code(district_code: str) -> str:
    """Department code of a district government (区政府兜底)."""
    return f"GOV-{district_code}"


def to_pinyin(name: str) -> str:
    """Toneless pinyin without spaces, e.g. 望京 -> wangjing."""
    return "".join(lazy_pinyin(name)).lower()


def pinyin_variants(name: str, limit: int = 16) -> set[str]:
    """Every reading of a name with polyphonic characters (朝阳: zhaoyang and chaoyang), capped at limit."""
    readings = pinyin(name, style=Style.NORMAL, heteronym=True)
    variants = {"".join(combo).lower() for combo in islice(product(*readings), limit)}
    return variants | {to_pinyin(name)}


def strip_township_suffix(name: str) -> str:
    """回龙观街道 -> 回龙观, 金海湖地区 -> 金海湖."""
    for suffix in TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT_NAME:
            return name[: -len(suffix)]
    return name


@dataclass
class Gazetteer:
    """Every name a place goes by, in Chinese and pinyin, and the places behind it."""

    places: dict[str, Place]
    districts: dict[str, str]  # code -> 朝阳区
    zh_townships: dict[str, set[str]] = field(default_factory=dict)  # name -> township codes
    zh_districts: dict[str, set[str]] = field(default_factory=dict)  # name -> district codes
    en_townships: dict[str, set[str]] = field(default_factory=dict)
    en_districts: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[dict], landmarks: list[dict] = ()) -> "Gazetteer":
        """Build from township rows (CSV columns) and landmark aliases."""
        places = {}
        districts = {}
        for r in rows:
            p = Place(r["township_code"], r["township_name"], r["district_code"], r["district_name"],
                      r.get("township_type", ""))
            places[p.township_code] = p
            districts[p.district_code] = p.district_name
        g = cls(places, districts)
        for p in places.values():
            short = strip_township_suffix(p.township_name)
            for name in {p.township_name, short}:
                g.zh_townships.setdefault(name, set()).add(p.township_code)
            for variant in pinyin_variants(short):
                g.en_townships.setdefault(variant, set()).add(p.township_code)
        for code, name in districts.items():
            short = name[:-1] if name.endswith(DISTRICT_SUFFIX) else name
            for n in {name, short}:
                g.zh_districts.setdefault(n, set()).add(code)
            for variant in pinyin_variants(short):
                g.en_districts.setdefault(variant, set()).add(code)
        for lm in landmarks:
            code = str(lm["township_code"])
            if code not in places:
                raise ValueError(f"landmark {lm['names']} points at unknown township {code}")
            for name in lm["names"]:
                if re.search(r"[\u4e00-\u9fff]", name):
                    g.zh_townships.setdefault(name, set()).add(code)
                else:
                    g.en_townships.setdefault(_squash(name), set()).add(code)
        return g

    @classmethod
    def load(cls, csv_path: Path = TOWNSHIPS_CSV, landmarks_path: Path = LANDMARKS_PATH) -> "Gazetteer":
        """Build from the shipped data files."""
        with open(csv_path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        landmarks = []
        if landmarks_path.exists():
            landmarks = (yaml.safe_load(landmarks_path.read_text(encoding="utf-8")) or {}).get("landmarks") or []
        return cls.from_rows(rows, landmarks)

    def locate(self, text: str | None) -> Location:
        """District and township named in text; candidates instead of a guess when it is ambiguous."""
        if not text or not text.strip():
            return Location()
        town_hits, district_hits, matched = self._zh_hits(text)
        en_towns, en_districts, en_matched = self._en_hits(text)
        town_hits |= en_towns
        district_hits |= en_districts
        matched += en_matched
        candidates = town_hits
        if district_hits:
            narrowed = {c for c in candidates if self.places[c].district_code in district_hits}
            candidates = narrowed or candidates
        if len(candidates) == 1:
            (code,) = candidates
            return Location(self.places[code].district_code, code, (self.places[code],), (), matched)
        if candidates:
            places = tuple(sorted((self.places[c] for c in candidates), key=lambda p: p.township_code))
            districts = {p.district_code for p in places}
            return Location(districts.pop() if len(districts) == 1 else None, None, places,
                            tuple(sorted({p.district_code for p in places})), matched)
        if len(district_hits) == 1:
            return Location(next(iter(district_hits)), None, (), (), matched)
        return Location(None, None, (), tuple(sorted(district_hits)), matched)

    def _zh_hits(self, text: str) -> tuple[set[str], set[str], tuple[str, ...]]:
        """Chinese names in text, longest first, ignoring names inside a longer match (朝阳 in 朝阳门)."""
        found = []
        for table, kind in ((self.zh_townships, "t"), (self.zh_districts, "d")):
            for name, codes in table.items():
                start = text.find(name)
                while start != -1:
                    found.append((start, start + len(name), name, kind, codes))
                    start = text.find(name, start + 1)
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        taken: list[tuple[int, int]] = []
        towns, districts, matched = set(), set(), []
        for start, end, name, kind, codes in found:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            matched.append(name)
            (towns if kind == "t" else districts).update(codes)
        return towns, districts, tuple(matched)

    def _en_hits(self, text: str) -> tuple[set[str], set[str], tuple[str, ...]]:
        """Pinyin or English names: runs of 1-4 words squashed together ("Hui Long Guan" = huilongguan)."""
        tokens = _EN_TOKEN.findall(text.lower())
        towns, districts, matched = set(), set(), []
        i = 0
        while i < len(tokens):
            for n in range(min(MAX_EN_TOKENS, len(tokens) - i), 0, -1):
                key = "".join(tokens[i:i + n])
                if key in self.en_townships or key in self.en_districts:
                    towns |= self.en_townships.get(key, set())
                    districts |= self.en_districts.get(key, set())
                    matched.append(" ".join(tokens[i:i + n]))
                    i += n
                    break
            else:
                i += 1
        return towns, districts, tuple(matched)


def _squash(name: str) -> str:
    return "".join(_EN_TOKEN.findall(name.lower()))


def assign(code: ServiceCodeDef, location: Location) -> Assignment:
    """The unit that acts: the township for local matters, else the department; district government when unclear."""
    if code.handler_type in ("department", "utility"):
        return Assignment("department", code.department_code, code.department_code)
    if location.township_code:
        return Assignment("township", location.township_code, code.department_code)
    if location.district_code:
        gov = district_government_code(location.district_code)
        return Assignment("department", gov, code.department_code)
    # No district at all: the city triage queue decides.
    return Assignment("city", None, code.department_code)
