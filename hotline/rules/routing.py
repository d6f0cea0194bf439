"""Pure routing: free text, an address or a position -> district and township; service code -> the unit that acts."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, product
from pathlib import Path

from pypinyin import Style, pinyin

from hotline.rules.address import Address, parse_address
from hotline.rules.geo import PointGrid, in_beijing
from hotline.rules.places import (PLACES_CSV, Landmark, english_name, load_places, normalize, pinyin_words,
                                  squash)
from hotline.rules.taxonomy import DATA_DIR, ServiceCodeDef

TOWNSHIPS_CSV = DATA_DIR / "beijing_townships_2023.csv"
# Source of the landmark rows of the gazetteer (tools/make_gazetteer.py folds it into places.csv).
LANDMARKS_PATH = DATA_DIR / "landmarks.yaml"
# Suffixes people drop when they name a street or town ("回龙观" for 回龙观街道).
TOWNSHIP_SUFFIXES = ("地区办事处", "街道办事处", "街道", "地区", "镇", "乡")
DISTRICT_SUFFIX = "区"
# Shortest stripped Chinese name we match alone; shorter ones match only in full.
MIN_SHORT_NAME = 2
# Township short names that are everyday words (河北 is also Hebei province, 果园 an orchard): they count
# only with their suffix, or when the text names their district too.
COMMON_WORD_SHORT_NAMES = frozenset({
    "河北", "清水", "四海", "新村", "光明", "胜利", "新华", "果园", "向阳", "荣华", "城关", "城北", "城南",
    "东风", "新镇", "鼓楼", "龙山", "泉河", "滨河", "仁和", "康庄", "永宁", "旧县", "大台", "城子", "王平",
    "永定", "龙泉", "东湖", "曙光", "东升", "温泉", "南口", "杨庄", "北苑",
})
# English words that are also somebody's pinyin ("long", "an"): too short to stand alone as a place.
MIN_EN_KEY = 5
_EN_TOKEN = re.compile(r"[a-z0-9]+")
# Most words an English place name spans ("beijing west railway station", "peking union medical college hospital").
MAX_EN_TOKENS = 6
# English words for a township's type: "Wangjing Subdistrict", "Huilongguan Town".
EN_TOWNSHIP_WORDS = ("subdistrict", "street", "jiedao", "area", "diqu", "town", "zhen", "township", "xiang")
EN_DISTRICT_WORDS = ("district", "qu")
# Order in which hits narrow each other: a township named in full, a named place, a road, a bare township name.
_RANK = {"township": 0, "place": 1, "road": 2, "township_short": 3}
# Ring roads cross many districts and hide station names (西四 in 西四环): they block, and point nowhere.
RING_ROADS = tuple(f"{side}{n}环" for side in "东西南北" for n in "二三四五六")
# "上地铁" is getting on the metro, not 上地: a name ending in 地 does not match before 铁.
_NOT_BEFORE = {"地": "铁"}


@dataclass(frozen=True)
class Place:
    """A township with its district (or only a district, with an empty township code), zh and en names."""

    township_code: str
    township_name: str
    district_code: str
    district_name: str
    township_type: str = ""
    township_en: str = ""
    district_en: str = ""

    def label(self, lang: str = "zh") -> str:
        """朝阳区八里庄街道 / Balizhuang Subdistrict, Chaoyang District."""
        if lang == "en":
            return f"{self.township_en}, {self.district_en}" if self.township_code else self.district_en
        return f"{self.district_name}{self.township_name}"


@dataclass(frozen=True)
class Location:
    """Where a request is, as far as the text tells: a township, or only a district, or candidates."""

    district_code: str | None = None
    township_code: str | None = None
    candidates: tuple[Place, ...] = ()
    district_candidates: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    places: tuple[Landmark, ...] = ()  # the named places the text mentioned
    address: Address = Address()
    distance_m: float | None = None  # for a position: how far the nearest gazetteer place is

    @property
    def ambiguous(self) -> bool:
        """More than one place fits and the text does not say which."""
        return self.township_code is None and (len(self.candidates) > 1 or len(self.district_candidates) > 1)

    def label(self, lang: str = "zh") -> str:
        """The place found, for a reply: the township, or the district; never Chinese in English."""
        if len(self.candidates) == 1:
            return self.candidates[0].label(lang)
        return ""


@dataclass(frozen=True)
class Assignment:
    """Who must act on a ticket."""

    unit_type: str  # township | department | city
    unit_code: str | None
    department_code: str | None  # the supervising or acting department


@dataclass(frozen=True)
class _Target:
    """What one name points at: a district, a township, a named place or a road, as township/district codes."""

    kind: str  # district | township | township_short | place | road
    codes: frozenset[str]
    place: Landmark | None = None
    weak_district: str = ""  # a common-word township name counts only when this district is named too


def district_government_code(district_code: str) -> str:
    """Department code of a district government (区政府兜底)."""
    return f"GOV-{district_code}"


def to_pinyin(name: str) -> str:
    """Toneless pinyin without spaces, e.g. 望京 -> wangjing."""
    return "".join(pinyin_words(name))


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


def _meet(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """Codes in both sets, where a district code (6 digits) stands for every township in it."""
    out = set()
    for x in a:
        for y in b:
            if x == y or (len(y) == 6 and x.startswith(y)):
                out.add(x)
            elif len(x) == 6 and y.startswith(x):
                out.add(y)
    return frozenset(out)


@dataclass
class Gazetteer:
    """Every name a place goes by, in Chinese and pinyin/English, and the places behind it."""

    places: dict[str, Place]  # township code -> township (kept under this name for the callers)
    districts: dict[str, str]  # code -> 朝阳区
    zh_townships: dict[str, set[str]] = field(default_factory=dict)  # name -> township codes
    zh_districts: dict[str, set[str]] = field(default_factory=dict)  # name -> district codes
    en_townships: dict[str, set[str]] = field(default_factory=dict)
    en_districts: dict[str, set[str]] = field(default_factory=dict)
    landmarks: list[Landmark] = field(default_factory=list)  # the named places (places.csv)
    district_en: dict[str, str] = field(default_factory=dict)
    _zh: dict[str, list[_Target]] = field(default_factory=dict, repr=False)
    _zh_by_start: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _en: dict[str, list[_Target]] = field(default_factory=dict, repr=False)
    _roads: frozenset[str] = frozenset()
    _grid: PointGrid = field(default_factory=PointGrid, repr=False)

    @classmethod
    def from_rows(cls, rows: list[dict], landmarks: list = (), named: list[Landmark] = ()) -> "Gazetteer":
        """Build from township rows (CSV columns), landmark aliases (yaml entries) and named places."""
        places, districts = {}, {}
        for r in rows:
            d_en = english_name(r["district_name"])
            p = Place(r["township_code"], r["township_name"], r["district_code"], r["district_name"],
                      r.get("township_type", ""), english_name(r["township_name"]), d_en)
            places[p.township_code] = p
            districts[p.district_code] = p.district_name
        g = cls(places, districts, district_en={c: english_name(n) for c, n in districts.items()})
        district_shorts = {n.removesuffix(DISTRICT_SUFFIX) for n in districts.values()}
        district_pinyin = set()
        for code, name in districts.items():
            short = name.removesuffix(DISTRICT_SUFFIX)
            for n in {name, short}:
                g.zh_districts.setdefault(n, set()).add(code)
                g._add_zh(n, _Target("district", frozenset({code})))
            for variant in pinyin_variants(short):
                district_pinyin.add(variant)
                g.en_districts.setdefault(variant, set()).add(code)
                for key in [variant] + [variant + w for w in EN_DISTRICT_WORDS]:
                    g._add_en(key, _Target("district", frozenset({code})))
        for p in places.values():
            g.zh_townships.setdefault(p.township_name, set()).add(p.township_code)
            g._add_zh(p.township_name, _Target("township", frozenset({p.township_code})))
            short = strip_township_suffix(p.township_name)
            # A district's name means the district (海淀 is 海淀区, not 海淀街道): such a township needs its suffix.
            if short != p.township_name and short not in district_shorts:
                weak = p.district_code if short in COMMON_WORD_SHORT_NAMES else ""
                if not weak:
                    g.zh_townships.setdefault(short, set()).add(p.township_code)
                g._add_zh(short, _Target("township_short", frozenset({p.township_code}), weak_district=weak))
            variants = pinyin_variants(short)
            if short.endswith("路"):  # 学院路 is also "Xueyuan Road"
                variants |= {v[:-2] + "road" for v in variants if v.endswith("lu")}
            for variant in variants:
                for w in EN_TOWNSHIP_WORDS:
                    g._add_en(variant + w, _Target("township", frozenset({p.township_code})))
                if variant not in district_pinyin and short not in COMMON_WORD_SHORT_NAMES:
                    g.en_townships.setdefault(variant, set()).add(p.township_code)
                    g._add_en(variant, _Target("township_short", frozenset({p.township_code})))
        for lm in landmarks:
            code = str(lm["township_code"])
            if code not in places:
                raise ValueError(f"landmark {lm['names']} points at unknown township {code}")
            for name in lm["names"]:
                target = _Target("place", frozenset({code}))
                if re.search(r"[\u4e00-\u9fff]", name):
                    g.zh_townships.setdefault(name, set()).add(code)
                    g._add_zh(normalize(name), target)
                else:
                    g.en_townships.setdefault(squash(name), set()).add(code)
                    g._add_en(squash(name), target)
        for ring in RING_ROADS:
            g._add_zh(ring, _Target("blocker", frozenset()))
        roads = set()
        for lm in named:
            unknown = [c for c in lm.codes if c not in places and c not in districts]
            if unknown:
                raise ValueError(f"place {lm.id} {lm.name_zh} points at unknown codes {unknown}")
            g.landmarks.append(lm)
            target = _Target("road" if lm.kind == "road" else "place", frozenset(lm.codes), lm)
            for name in {*([lm.name_zh] if lm.name_matches else []), *lm.aliases_zh}:
                g._add_zh(normalize(name), target)
            for name in {lm.name_en, *lm.aliases_en}:
                key = squash(name)
                # Short keys only as acronyms written in capitals (PKU, NCPA) or several words.
                if len(key) >= MIN_EN_KEY or " " in name.strip() or (not any(ch.islower() for ch in name) and len(key) >= 3):
                    g._add_en(key, target)
            if lm.kind == "road":
                roads.add(lm.name_zh)
            if lm.lat is not None and lm.lon is not None and lm.kind != "road":
                g._grid.add(lm.lat, lm.lon, lm)
        g._roads = frozenset(roads)
        return g

    def _add_zh(self, name: str, target: _Target) -> None:
        if len(name) < MIN_SHORT_NAME:
            return
        targets = self._zh.setdefault(name, [])
        if target not in targets:
            targets.append(target)
        if len(targets) == 1:
            bucket = self._zh_by_start.setdefault(name[:2], [])
            bucket.append(name)
            bucket.sort(key=len, reverse=True)

    def _add_en(self, key: str, target: _Target) -> None:
        if key:
            targets = self._en.setdefault(key, [])
            if target not in targets:
                targets.append(target)

    @classmethod
    def load(cls, csv_path: Path = TOWNSHIPS_CSV, places_path: Path = PLACES_CSV) -> "Gazetteer":
        """Build from the shipped data files (once per process: it is read-only)."""
        return _load(Path(csv_path), Path(places_path))

    def place(self, township_code: str) -> Place:
        """A township by code, or a district-only Place for a 6-digit district code."""
        if len(township_code) == 6:
            return Place("", "", township_code, self.districts[township_code], "", "",
                         self.district_en.get(township_code, ""))
        return self.places[township_code]

    def locate(self, text: str | None) -> Location:
        """District and township named in text; candidates instead of a guess when it is ambiguous."""
        if not text or not text.strip():
            return Location()
        norm = normalize(text)
        hits = self._zh_hits(norm) + self._en_hits(norm)
        districts = {c for _, _, name, targets in hits for t in targets if t.kind == "district" for c in t.codes}
        ranked = []
        for start, end, name, targets in hits:
            usable = [t for t in targets if t.kind not in ("district", "blocker") and (not t.weak_district or t.weak_district in districts)]
            if usable:
                # One name, several meanings: the most specific kind speaks (the place 前门大街 over the road).
                best = min(_RANK[t.kind] for t in usable)
                others = frozenset().union(*(t.codes for t in usable if _RANK[t.kind] != best))
                usable = [t for t in usable if _RANK[t.kind] == best]
                codes = frozenset().union(*(t.codes for t in usable))
                if all(len(c) == 6 for c in codes) and _meet(codes, others):
                    # It only knows the district; another meaning of the same name knows the township.
                    codes = _meet(codes, others)
                ranked.append((best, -(end - start), start, name, codes, usable))
        ranked.sort(key=lambda r: r[:3])
        matched = tuple(name for _, _, name, targets in sorted(hits) if any(t.kind != "blocker" and (
            t.kind == "district" or not t.weak_district or t.weak_district in districts) for t in targets))
        cells: frozenset[str] | None = None
        named: list[Landmark] = []
        best_rank = None
        for rank, _, _, _, codes, usable in ranked:
            narrowed = codes if cells is None else _meet(cells, codes)
            if narrowed:
                best_rank = rank if best_rank is None else best_rank
                cells = narrowed
                named += [t.place for t in usable if t.place is not None and t.kind == "place"]
        address = parse_address(norm, known_roads=self._roads) if hits else Address()
        if cells is None:
            if len(districts) == 1:
                (d,) = districts
                # One district-only candidate, so that label() names it in either language.
                return Location(d, None, (self.place(d),), (), matched, address=address)
            return Location(None, None, (), tuple(sorted(districts)), matched, address=address)
        if districts:
            inside = _meet(cells, frozenset(districts))
            if not inside and best_rank == _RANK["township_short"] and len(districts) == 1:
                # A bare township name from another district than the one named is a namesake: the district wins.
                (d,) = districts
                return Location(d, None, (self.place(d),), (), matched, address=address)
            cells = inside or cells
        unique = {lm.name_zh: lm for lm in reversed(named)}  # a station and a railway may share a name
        return self._result(cells, matched, tuple(reversed(unique.values())), address)

    def _result(self, cells: frozenset[str], matched, named, address, distance=None) -> Location:
        # A district-only code beside townships of that district adds nothing.
        specific = {c[:6] for c in cells if len(c) == 9}
        cells = frozenset(c for c in cells if len(c) == 9 or c not in specific)
        candidates = tuple(sorted((self.place(c) for c in cells), key=lambda p: (p.district_code, p.township_code)))
        districts = sorted({p.district_code for p in candidates})
        district = districts[0] if len(districts) == 1 else None
        township = candidates[0].township_code or None if len(candidates) == 1 else None
        return Location(district, township, candidates, tuple(districts) if len(candidates) > 1 else (),
                        matched, named, address, distance)

    def _zh_hits(self, text: str) -> list[tuple[int, int, str, list[_Target]]]:
        """Chinese names in text, longest first, ignoring names inside a longer match (朝阳 in 朝阳门)."""
        found = []
        for i in range(len(text) - 1):
            for name in self._zh_by_start.get(text[i:i + 2], ()):
                if text.startswith(name, i) and _NOT_BEFORE.get(name[-1]) != text[i + len(name):i + len(name) + 1]:
                    found.append((i, i + len(name), name))
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        taken: list[tuple[int, int]] = []
        hits = []
        for start, end, name in found:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            hits.append((start, end, name, self._zh[name]))
        return hits

    def _en_hits(self, text: str) -> list[tuple[int, int, str, list[_Target]]]:
        """Pinyin or English names: runs of 1-6 words squashed together ("Hui Long Guan" = huilongguan)."""
        tokens = [(m.start(), m.end(), m.group()) for m in _EN_TOKEN.finditer(text)]
        hits = []
        i = 0
        while i < len(tokens):
            for n in range(min(MAX_EN_TOKENS, len(tokens) - i), 0, -1):
                key = "".join(t[2] for t in tokens[i:i + n])
                if key in self._en:
                    hits.append((1000 + tokens[i][0], 1000 + tokens[i + n - 1][1],
                                 " ".join(t[2] for t in tokens[i:i + n]), self._en[key]))
                    i += n
                    break
            else:
                i += 1
        return hits

    def nearest(self, lat: float, lon: float, radius_m: float = 1000, limit: int = 5) -> list[tuple[Landmark, float]]:
        """Named places within radius_m of a position, nearest first, with distances in metres."""
        if not in_beijing(lat, lon):
            return []
        return self._grid.within(lat, lon, radius_m, limit)

    def locate_point(self, lat: float, lon: float, radius_m: float = 1000) -> Location:
        """Where a position is: the township of the nearest place whose township is known, else candidates.

        The nearest places within the radius vote with their townships; ties and disagreements come back
        as candidates for the turn to ask, like an ambiguous name."""
        near = [(lm, d) for lm, d in self.nearest(lat, lon, radius_m, limit=12) if lm.kind != "road"]
        if not near:
            return Location()
        best = near[0][1]
        # Places about as near as the nearest one (within 200 m more) all count; farther ones do not.
        close = [(lm, d) for lm, d in near if d <= best + 200]
        cells = frozenset(c for lm, _ in close for c in lm.codes)
        specific = [c for c in cells if len(c) == 9]
        if len({c for c in specific}) > 1:
            # Prefer what the single nearest place says when it names one township.
            first = [c for c in near[0][0].codes if len(c) == 9]
            if len(first) == 1:
                cells = frozenset(first) | frozenset(specific)
        return self._result(cells, tuple(lm.name_zh for lm, _ in close), tuple(lm for lm, _ in close),
                            Address(), best)


@lru_cache(maxsize=4)
def _load(csv_path: Path, places_path: Path) -> Gazetteer:
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return Gazetteer.from_rows(rows, (), load_places(places_path))


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
