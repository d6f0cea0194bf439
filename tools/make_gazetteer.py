"""Generate hotline/data/places.csv, the gazetteer's named places, from its sources (run after editing them).

    .venv/bin/python -m tools.make_gazetteer [--crosswoz DIR] [--check]

Sources: hotline/data/places_manual.csv (hand-written stations, compounds, universities, hospitals, roads),
hotline/data/landmarks.yaml (landmark aliases), and CrossWOZ's Beijing attractions, hotels and restaurants
(Apache-2.0, ../shared/data/crosswoz). A CrossWOZ place gets its district and township from its street
address, read by the gazetteer's own address parser over the hand-written places and roads, and checked
against the township of its nearest metro station; the provenance column says which. --check compares the
result with the committed file instead of writing it.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

from hotline.rules.places import PLACES_CSV, Landmark, english_name, normalize, squash
from hotline.rules.routing import (COMMON_WORD_SHORT_NAMES, LANDMARKS_PATH, TOWNSHIPS_CSV, Gazetteer,
                                   strip_township_suffix)
from hotline.rules.taxonomy import DATA_DIR

MANUAL_CSV = DATA_DIR / "places_manual.csv"
CROSSWOZ = Path(__file__).resolve().parents[2] / "shared" / "data" / "crosswoz"
COLUMNS = ["id", "kind", "name_zh", "name_en", "aliases_zh", "aliases_en", "codes", "lat", "lon", "source",
           "provenance", "matched_by"]
# Words a restaurant or hotel name is made of when it says nothing about which one ("老北京涮肉").
GENERIC_WORDS = frozenset(
    "老北京 北京 涮肉 火锅 烤鸭 烤鸭店 饭店 餐厅 餐馆 酒店 宾馆 小吃 小吃店 菜馆 饭庄 酒楼 酒吧 咖啡 咖啡馆 家常菜 烤肉 面馆 "
    "快餐 厨房 大厨房 排骨 小排骨 烧肉 烧肉馆 炸酱面 美食 食堂 客栈 旅馆 公寓 农家院 农家乐 烧烤 串串香 麻辣烫 湘菜 川菜 "
    "粤菜 东北菜 自助 海鲜 涮羊肉 羊肉 肉饼 包子 饺子 铜锅 炙子 卤煮 爆肚 鱼 庄 店 馆 香 大 小 老 新 家 快捷 连锁 商务 "
    "度假村 山庄 民宿 青年 旅舍".split())
# A restaurant's or hotel's own name is matched only from this many Chinese characters on.
MIN_OWN_NAME = 4
CROSSWOZ_FILES = (("attraction", "attraction_db.json"), ("hotel", "hotel_db.json"),
                  ("restaurant", "restaurant_db.json"))
DISTRICT_IN_ADDRESS = re.compile(r"(东城|西城|朝阳|丰台|石景山|海淀|门头沟|房山|通州|顺义|昌平|大兴|怀柔|平谷|密云|延庆)(?:区|县)")
# A chain's bare name ("如家快捷酒店") is no alias when it names more branches than this (attractions).
MAX_BRANCHES_FOR_ALIAS = 3
METRO_EN = ("station", "subway station", "metro station")


class Units:
    """Township and district codes by the short names the manual file uses (海淀:中关村)."""

    def __init__(self, rows: list[dict]):
        self.district = {}
        self.township = {}
        for r in rows:
            d = r["district_name"]
            self.district[d] = self.district[d.removesuffix("区")] = r["district_code"]
            for n in {r["township_name"], strip_township_suffix(r["township_name"])}:
                self.township[(r["district_code"], n)] = r["township_code"]
        self.names = {r["township_name"] for r in rows} | {strip_township_suffix(r["township_name"]) for r in rows}
        self.district_names = set(self.district)

    def codes(self, where: str, what: str) -> tuple[str, ...]:
        """"昌平:天通苑北/昌平:天通苑南" -> township codes; "海淀" -> the district code."""
        out = []
        for part in (p.strip() for p in where.split("/") if p.strip()):
            district, _, town = part.partition(":")
            if district not in self.district:
                raise SystemExit(f"{what}: unknown district {district!r}")
            dcode = self.district[district]
            if town:
                code = self.township.get((dcode, town))
                if code is None:
                    raise SystemExit(f"{what}: no township {town!r} in {district}")
                out.append(code)
            else:
                out.append(dcode)
        return tuple(dict.fromkeys(out))


def manual_places(units: Units) -> list[Landmark]:
    """The hand-written file, with station aliases (西二旗站, 西二旗地铁站, Xi'erqi Station) added."""
    with open(MANUAL_CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    bare_taken = Counter(r["name_zh"] for r in rows if r["kind"] != "metro")
    for r in rows:
        bare_taken.update(a for a in r["aliases_zh"].split(";") if a and r["kind"] != "metro")
    out = []
    for i, r in enumerate(rows, 1):
        codes = units.codes(r["where"], r["name_zh"])
        zh, en = r["name_zh"].strip(), (r["name_en"].strip() or english_name(r["name_zh"]))
        aliases_zh = [a for a in r["aliases_zh"].split(";") if a]
        aliases_en = [a for a in r["aliases_en"].split(";") if a]
        # "Beijing Friendship Hospital" is also just "Friendship Hospital".
        aliases_en += [a.removeprefix("Beijing ") for a in [en, *aliases_en]
                       if a.startswith("Beijing ") and len(a.split()) >= 3]
        if r["kind"] == "metro":
            display = en if en.endswith("Station") else f"{en} Station"
            if zh.endswith("站"):
                zh = zh[:-1] if zh.endswith("站站") else zh
            forms = [f"{zh}站", f"{zh}地铁站", f"地铁{zh}站", f"{zh}地铁"]
            # The bare name also means the station unless a district, another place, or a township of the
            # station's own district has it (十里堡 is a station in 朝阳 and a town in 密云: both meanings stay).
            own_towns = {units.township.get((d[:6], zh)) for d in codes} - {None}
            # Everyday words (果园, 北苑) stay out too: only 果园站 and 果园地铁站 name the station.
            if (not own_towns and zh not in units.district_names and not bare_taken[zh]
                    and zh not in COMMON_WORD_SHORT_NAMES):
                forms.append(zh)
            aliases_zh += forms
            aliases_en += [f"{en} {w}" for w in METRO_EN] + [en]
            en = display
            names = [a for a in aliases_zh if a != zh] + ([zh] if zh in forms else [])
            zh_out = zh if zh.endswith("站") else f"{zh}站"
            aliases_zh = [a for a in dict.fromkeys(names) if a != zh_out]
            zh = zh_out
        out.append(Landmark(f"manual-{i:04d}", r["kind"], zh, en, tuple(aliases_zh), tuple(aliases_en), codes,
                            float(r["lat"]) if r["lat"] else None, float(r["lon"]) if r["lon"] else None,
                            "places_manual.csv", r["note"] or "hand-written from public facts"))
    return out


def yaml_landmarks(units: Units, known: set[str]) -> list[Landmark]:
    """landmarks.yaml entries; a name the manual file has already must point at the same place there."""
    entries = (yaml.safe_load(LANDMARKS_PATH.read_text(encoding="utf-8")) or {}).get("landmarks") or []
    out = []
    for i, e in enumerate(entries, 1):
        names = [str(n) for n in e["names"]]
        zh = [n for n in names if re.search(r"[\u4e00-\u9fff]", n)]
        en = [n for n in names if not re.search(r"[\u4e00-\u9fff]", n)]
        clash = [n for n in zh if n in known and known[n] != (str(e["township_code"]),)]
        if clash:
            raise SystemExit(f"landmarks.yaml {clash} disagrees with places_manual.csv")
        head = zh[0] if zh else en[0]
        out.append(Landmark(f"landmark-{i:04d}", "landmark", head, en[0] if en else english_name(head),
                            tuple(zh[1:]), tuple(en[1:]), (str(e["township_code"]),), None, None,
                            "landmarks.yaml", "hand-written from public facts"))
    return out


def base_name(name: str) -> str:
    """海底捞火锅(西单店) -> 海底捞火锅."""
    return re.sub(r"\([^)]*\)", "", normalize(name)).strip()


def crosswoz_places(directory: Path, base: Gazetteer, stations: dict[str, Landmark], known: dict[str, Landmark],
                    stats: Counter) -> list[Landmark]:
    """CrossWOZ's places with district and township derived from the address and checked against the metro."""
    import jieba
    jieba.setLogLevel(60)
    entries = []
    for kind, fname in CROSSWOZ_FILES:
        for name, d in json.loads((directory / fname).read_text(encoding="utf-8")):
            entries.append((kind, name.strip().replace("\u200e", ""), d))
    branches = Counter(base_name(n) for _, n, _ in entries)
    # Township and district names stay theirs: a place called 什刹海 adds nothing but confusion.
    known_words = set(base.zh_townships) | set(base.zh_districts)
    reliable = reliable_stations(base, entries, stations)
    out = []
    for i, (kind, name, d) in enumerate(entries, 1):
        address = (d.get("地址") or "").strip()
        codes, prov = derive(base, address, d.get("地铁"), stations, stats, reliable)
        twin = known.get(normalize(name)) or known.get(base_name(name))
        if twin is not None:
            # Already a hand-written place: use it to check the derivation, keep the hand-written one.
            stats["check: same as a hand-written place"] += 1
            t_d = {c[:6] for c in twin.codes}
            if codes and {c[:6] for c in codes} <= t_d:
                stats["check: derived district agrees with the hand-written place"] += 1
            elif codes:
                stats["check: derived district differs from the hand-written place"] += 1
            continue
        if not codes:
            stats["dropped: no place in address or metro"] += 1
            continue
        full = normalize(name).replace("(", "").replace(")", "")
        b = base_name(name)
        if kind == "attraction":
            aliases = [full] + ([b] if b != normalize(name) and branches[b] <= MAX_BRANCHES_FOR_ALIAS else [])
            own = True
        else:
            # A shop's bare name is usually a chain or a generic phrase: match it only with its branch,
            # or alone when it is long, its own, and not made of generic words.
            distinctive = (len(re.findall(r"[\u4e00-\u9fff]", b)) >= MIN_OWN_NAME and branches[b] == 1
                           and not all(w in GENERIC_WORDS for w in jieba.lcut(b)))
            aliases = [full] if full != b else []
            if distinctive and b != full:
                aliases.append(b)
            own = distinctive and full == b
        aliases = [a for a in dict.fromkeys(aliases) if len(re.findall(r"[\u4e00-\u9fff]", a)) >= 2
                   and a != normalize(name) and a not in known_words]
        en = english_name(name, jieba.lcut)
        lat = lon = None
        m = re.match(r"(.+?)地铁站", d.get("地铁") or "")
        st = stations.get(m.group(1)) if m else None
        if st is not None and st.lat is not None and {c[:6] for c in st.codes} & {c[:6] for c in codes}:
            lat, lon = st.lat, st.lon
            prov += "; lat/lon of the nearest metro station"
        own = own and normalize(name) not in known_words and len(re.findall(r"[\u4e00-\u9fff]", name)) >= 2
        out.append(Landmark(f"crosswoz-{kind}-{i:04d}", kind, name, en, tuple(aliases),
                            (en,) if kind == "attraction" and own else (), codes, lat, lon, "CrossWOZ (Apache-2.0)", prov,
                            own))
    return out


def reliable_stations(base: Gazetteer, entries, stations: dict[str, Landmark]) -> set[str]:
    """Stations that CrossWOZ gives as "nearest metro" mostly for places in their own district (the check)."""
    seen, agree = Counter(), Counter()
    for _, _, d in entries:
        m = re.match(r"(.+?)地铁站", d.get("地铁") or "")
        named = DISTRICT_IN_ADDRESS.search(d.get("地址") or "")
        if m and named and m.group(1) in stations:
            seen[m.group(1)] += 1
            if base.zh_districts[named.group(1)] & set(stations[m.group(1)].district_codes):
                agree[m.group(1)] += 1
    return {s for s in stations if not seen[s] or agree[s] / seen[s] >= 0.8}


def derive(base: Gazetteer, address: str, metro: str | None, stations: dict[str, Landmark],
           stats: Counter, reliable: set[str] = frozenset()) -> tuple[tuple[str, ...], str]:
    """Codes for a CrossWOZ address, and how they were found and checked."""
    m = re.match(r"(.+?)地铁站", metro or "")
    station = stations.get(m.group(1)) if m else None
    s_codes = set(station.codes) if station else set()
    s_town = [c for c in s_codes if len(c) == 9]
    named = DISTRICT_IN_ADDRESS.search(address)
    said_district = base.zh_districts[named.group(1)] if named else set()
    loc = base.locate(address)
    if said_district and loc.district_code and loc.district_code not in said_district:
        stats["address: place words disagree with the district it names (district kept)"] += 1
        loc = base.locate(named.group(0))
    if loc.township_code:
        code = loc.township_code
        if len(s_town) == 1 and s_town[0] == code:
            stats["township from address, metro agrees"] += 1
            return (code,), "township from the address; the nearest metro station agrees"
        if s_town and s_town[0][:6] == code[:6]:
            stats["township from address, metro in another township of the district"] += 1
            return (code,), "township from the address; the nearest metro station is in a neighbouring township"
        stats["township from address, metro elsewhere or unknown"] += 1
        return (code,), "township from the address"
    if loc.candidates and all(p.township_code for p in loc.candidates):
        towns = {p.township_code for p in loc.candidates}
        both = towns & set(s_town)
        if len(both) == 1:
            stats["address candidates narrowed by the metro station"] += 1
            return tuple(both), "address names candidates; the nearest metro station picks one"
        stats["address candidates kept (asked back)"] += 1
        return tuple(sorted(towns)), "address names several townships"
    district = loc.district_code or (next(iter(said_district)) if len(said_district) == 1 else None)
    if district:
        stats["district only (address names no township, road or place)"] += 1
        return (district,), "district from the address; township not known"
    if station is not None and m.group(1) in reliable:
        stats["district from the nearest metro station only"] += 1
        return tuple(sorted({c[:6] for c in s_codes})), "no district in the address; district of the nearest metro station"
    return (), ""


def rows_of(places: list[Landmark]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for p in places:
        w.writerow([p.id, p.kind, p.name_zh, p.name_en, ";".join(p.aliases_zh), ";".join(p.aliases_en),
                    "|".join(p.codes), "" if p.lat is None else f"{p.lat:.4f}", "" if p.lon is None else f"{p.lon:.4f}",
                    p.source, p.provenance, "name" if p.name_matches else "aliases"])
    return buf.getvalue()


def build(crosswoz: Path) -> tuple[list[Landmark], Counter]:
    """Every named place, hand-written first, then landmarks.yaml, then CrossWOZ."""
    with open(TOWNSHIPS_CSV, encoding="utf-8", newline="") as fh:
        township_rows = list(csv.DictReader(fh))
    units = Units(township_rows)
    manual = manual_places(units)
    known_names = {a: p.codes for p in manual if p.kind != "road" for a in (p.name_zh, *p.aliases_zh)}
    hand = manual + yaml_landmarks(units, known_names)
    base = Gazetteer.from_rows(township_rows, (), hand)
    stations = {p.name_zh.removesuffix("站"): p for p in manual if p.kind == "metro"}
    known = {normalize(a): p for p in hand for a in (p.name_zh, *p.aliases_zh)}
    stats: Counter = Counter()
    return hand + crosswoz_places(crosswoz, base, stations, known, stats), stats


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crosswoz", type=Path, default=CROSSWOZ)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    places, stats = build(args.crosswoz)
    text = rows_of(places)
    if args.check:
        if not PLACES_CSV.exists() or PLACES_CSV.read_text(encoding="utf-8") != text:
            print(f"{PLACES_CSV} is out of date: run python -m tools.make_gazetteer", file=sys.stderr)
            return 1
        return 0
    PLACES_CSV.write_text(text, encoding="utf-8")
    kinds = Counter(p.kind for p in places)
    towns = sum(1 for p in places if all(len(c) == 9 for c in p.codes))
    print(f"wrote {PLACES_CSV}: {len(places)} places ({towns} with their township), "
          + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    for k, n in sorted(stats.items()):
        print(f"  {k}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
