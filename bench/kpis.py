"""Assessment at scale: the month's three rates for all 349 townships, set-based vs a naive per-unit loop.

Ceiling: ranking of every township <= 2 s and hotspots for a month <= 2 s, on SQLite and PostgreSQL,
over 1M demo tickets (12 months). The naive loop (the same figures, one unit at a time) runs in the
same process on the same data; the ratio says what set-based queries buy.
Run: `.venv/bin/python -m bench.kpis [--tickets 1000000] [--backends sqlite,postgresql]`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from datetime import datetime, timezone

from bench.common import analyze, fresh_services
from hotline.assessment import demo_data, hotspots, kpis

CEILING_S = 2.0
END = datetime(2026, 12, 10, tzinfo=timezone.utc)
MONTH = "2026-11"


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median seconds of fn() over repeats, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def naive_ranking(session, cfg, as_of):
    """What one would write first: for each township, its own queries (same predicates, one unit at a time)."""
    units = kpis.load_units(session, "township")
    period = kpis.month_period(MONTH, cfg.timezone)
    out = {}
    for u in units:
        out[u.code] = kpis._counts(session, "township", [period], as_of=as_of, config=cfg, unit_code=u.code)
    return out


def bench_backend(backend: str, n: int, repeats: int) -> dict:
    try:
        return _bench_backend(backend, n, repeats)
    finally:
        # A million tickets is a 2+ GB SQLite file: do not leave it in /tmp.
        for path in _sqlite_files:
            shutil.rmtree(path, ignore_errors=True)


_sqlite_files: list[str] = []


def _bench_backend(backend: str, n: int, repeats: int) -> dict:
    with fresh_services(backend) as svc:
        if svc.engine.dialect.name == "sqlite":
            _sqlite_files.append(os.path.dirname(svc.engine.url.database))
        t0 = time.perf_counter()
        report = demo_data.generate(svc.session, svc.core, tickets=n, months=12, end=END)
        gen_s = time.perf_counter() - t0
        analyze(svc)
        cfg = svc.config.assessment
        period = kpis.month_period(MONTH, cfg.timezone)
        with svc.session() as s:
            rank_s, rows = timed(lambda: kpis.ranking(s, month=MONTH, unit_type="township", config=cfg, as_of=END),
                                 repeats)
            dept_s, _ = timed(lambda: kpis.ranking(s, month=MONTH, unit_type="department", config=cfg, as_of=END),
                              repeats)
            hot_s, spots = timed(lambda: hotspots.hotspots(s, start=period.start, end=period.end, config=cfg),
                                 repeats)
            surge_s, found = timed(lambda: hotspots.surges(s, month=MONTH, config=cfg, as_of=END), repeats)
            busiest = max(rows, key=lambda r: r.due).unit.code
            trend_s, _ = timed(lambda: kpis.trends(s, month=MONTH, unit_type="township", config=cfg, as_of=END,
                                                   unit_code=busiest), repeats)
            t0 = time.perf_counter()
            naive = naive_ranking(s, cfg, END)
            naive_s = time.perf_counter() - t0
        # Both ways must agree before their times mean anything.
        by_code = {r.unit.code: r for r in rows}
        for code, counts in naive.items():
            c = counts.get((0, code), {})
            assert c.get("due", 0) == by_code[code].due and c.get("solved", 0) == by_code[code].solved, code
        return {"backend": backend, "tickets": report.tickets, "generate_s": gen_s, "units": len(rows),
                "due": sum(r.due for r in rows), "ranking_s": rank_s, "department_ranking_s": dept_s,
                "naive_s": naive_s, "hotspots_s": hot_s, "hotspots": len(spots), "surges_s": surge_s,
                "surges": len(found), "trend_s": trend_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"kpis benchmark: {args.tickets:,} demo tickets over 12 months, month {MONTH}, "
          f"ceiling {CEILING_S:.1f} s, median of {args.repeats}")
    for backend in args.backends.split(","):
        r = bench_backend(backend, args.tickets, args.repeats)
        ok = lambda s: "OK " if s <= CEILING_S else "SLOW"  # noqa: E731
        print(f"[{backend}] generated {r['tickets']:,} tickets in {r['generate_s']:.0f} s; "
              f"{r['units']} townships, {r['due']:,} township orders due in {MONTH}")
        print(f"  {ok(r['ranking_s'])} three rates + rank, all {r['units']} townships: {r['ranking_s']:.3f} s "
              f"(ceiling {CEILING_S:.1f} s)")
        print(f"       naive per-unit loop, same figures: {r['naive_s']:.3f} s "
              f"-> set-based is {r['naive_s'] / r['ranking_s']:.1f}x faster")
        print(f"  {ok(r['department_ranking_s'])} department ranking: {r['department_ranking_s']:.3f} s")
        print(f"  {ok(r['hotspots_s'])} hotspots for {MONTH}: {r['hotspots_s']:.3f} s ({r['hotspots']} hotspots; "
              f"ceiling {CEILING_S:.1f} s)")
        print(f"  {ok(r['surges_s'])} surge alerts for {MONTH}: {r['surges_s']:.3f} s ({r['surges']} surges)")
        print(f"  {ok(r['trend_s'])} one township's 12-month trend: {r['trend_s']:.3f} s")


if __name__ == "__main__":
    main()
