"""Place look-up: district and township accuracy on citizens' phrasings, ask-back rate, look-up p95 (target ≤ 2 ms).

Run: `.venv/bin/python -m bench.places [--eval bench/data/places_eval.csv] [--show-misses]`.
The phrasings (bench/data/places_eval.csv) were written from knowledge of Beijing, apart from the gazetteer's
aliases; each names the district and township it means, or the candidates that must be asked back.
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from bench.common import percentile
from hotline.rules.routing import Gazetteer

EVAL_CSV = Path(__file__).resolve().parent / "data" / "places_eval.csv"
TARGET_ACCURACY = 0.95  # the owners' target on unseen phrasings: right district and township
TARGET_P95_MS = 2.0
TARGET_ASKED = 1.0  # every ambiguous phrasing asked back
REPEATS = 20


def load_eval(path: Path) -> list[dict]:
    """Rows of text, district (short name, blank if the candidates span districts), township."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def expected(g: Gazetteer, row: dict) -> tuple[str | None, set[str] | None, bool]:
    """(district code, township codes (one, or the candidates), must ask) for an eval row."""
    by_name = {n.removesuffix("区"): c for c, n in g.districts.items()}
    district = by_name.get(row["district"]) if row["district"] else None
    spec = row["township"]
    ask = spec.startswith("?")
    towns = set()
    for part in filter(None, spec.lstrip("?").split("/")):
        d, _, t = part.rpartition(":")
        if ask and not d and t in by_name:  # a district alone among the candidates
            towns.add(by_name[t])
            continue
        dcode = by_name[d] if d else district
        code = next((c for c, p in g.places.items() if p.district_code == dcode and
                     p.township_name in (t, t + "街道", t + "地区", t + "镇", t + "乡")), None)
        if code is None:
            raise SystemExit(f"eval row {row['text']!r}: no township {part}")
        towns.add(code)
    return district, towns or None, ask


def judge(g: Gazetteer, row: dict) -> tuple[bool, bool, bool, bool]:
    """(district right, township right, must ask, asked with the right candidates)."""
    loc = g.locate(row["text"])
    district, towns, ask = expected(g, row)
    got = {p.township_code or p.district_code for p in loc.candidates}
    if ask:
        asked = loc.ambiguous and towns <= got
        district_ok = district is None or loc.district_code == district
        return district_ok, asked, True, asked
    district_ok = loc.district_code == district
    if towns is None:
        town_ok = district_ok and loc.township_code is None and not loc.ambiguous
    else:
        town_ok = loc.township_code in towns
    return district_ok, town_ok, False, False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", type=Path, default=EVAL_CSV)
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    g = Gazetteer.load()
    load_s = time.perf_counter() - t0
    rows = load_eval(args.eval)
    results = [judge(g, r) for r in rows]
    n = len(rows)
    district_acc = sum(r[0] for r in results) / n
    both = sum(r[0] and r[1] for r in results) / n
    must_ask = [r for r in results if r[2]]
    asked = sum(r[3] for r in must_ask) / len(must_ask) if must_ask else 1.0
    asked_overall = sum(g.locate(r["text"]).ambiguous for r in rows) / n
    timings = []
    for _ in range(REPEATS):
        for r in rows:
            t = time.perf_counter()
            g.locate(r["text"])
            timings.append((time.perf_counter() - t) * 1000)
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    t = time.perf_counter()
    for r in rows:
        g.nearest(39.9 + (hash(r["text"]) % 100) / 1000, 116.4, 1000)
    near_ms = (time.perf_counter() - t) * 1000 / n
    print(f"gazetteer: {len(g.landmarks)} named places + {len(g.places)} townships, loaded in {load_s:.2f} s")
    print(f"eval set: {n} phrasings ({len(must_ask)} ambiguous), {args.eval}")
    print(f"district right:                 {district_acc:6.1%}   target ≥ {TARGET_ACCURACY:.0%}")
    print(f"district and township right:    {both:6.1%}   target ≥ {TARGET_ACCURACY:.0%}")
    print(f"ambiguous ones asked back:      {asked:6.1%}   target {TARGET_ASKED:.0%}")
    print(f"asked back, of all phrasings:   {asked_overall:6.1%}   (no target; lower is less bother)")
    print(f"look-up p50 {p50:.3f} ms, p95 {p95:.3f} ms   target p95 ≤ {TARGET_P95_MS} ms  ({len(timings)} look-ups)")
    print(f"nearest(lat, lon, 1 km): {near_ms:.3f} ms per call")
    if args.show_misses:
        for r, (d_ok, t_ok, ask, _) in zip(rows, results):
            if not (d_ok and t_ok):
                loc = g.locate(r["text"])
                print(f"  miss: {r['text']!r} want {r['district']}/{r['township']} got {loc.district_code} "
                      f"{loc.township_code} {[p.label() for p in loc.candidates][:4]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
