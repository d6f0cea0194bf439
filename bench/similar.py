"""Similar-complaint lookup at scale: p50/p95 per new ticket with 100k and 1M stored tickets (target p95 <= 20 ms).

Run: `.venv/bin python -m bench.similar [--sizes 100000,1000000] [--backends sqlite,postgresql]`.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from sqlalchemy import func, insert, select

from bench.common import fresh_services, percentile
from hotline.store.db import utcnow
from hotline.store.models import OPEN_STATUSES, Ticket, Township
from hotline.work.similar import find_master

TARGET_P95_MS = 20.0
BATCH = 20_000
PHRASES = ["工地半夜施工噪音太大", "小区停水一直没有水", "路灯坏了晚上很黑", "垃圾桶满了没人清运", "楼上太吵影响休息",
           "门口违章停车堵路", "暖气不热家里很冷", "物业不管事", "商家预付卡退费难", "井盖松动很危险"]


def fill(svc, n: int, rng: random.Random) -> None:
    """n tickets over the past year, skewed (Zipf-like) over service codes and townships; 30% still open."""
    with svc.session() as s:
        townships = [t for t in s.scalars(select(Township.code))]
    codes = list(svc.core.taxonomy.codes.values())
    code_w = [1 / (i + 1) for i in range(len(codes))]
    town_w = [1 / (i + 1) ** 0.8 for i in range(len(townships))]
    now = utcnow()
    rows = []
    for i in range(n):
        c = rng.choices(codes, code_w)[0]
        opened = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        rows.append({
            "reference": f"B{i:012d}", "status": "dispatched" if rng.random() < 0.3 else "closed", "kind": "complaint",
            "group": c.group, "service_code": c.code, "time_limit_class": c.time_limit_class, "channel": "voice",
            "lang": "zh", "text": f"{rng.choice(PHRASES)}，{rng.choice(PHRASES)} {i}", "location_text": "",
            "township_code": rng.choices(townships, town_w)[0], "unit_type": "township", "opened_at": opened,
            "due_at": opened + timedelta(days=7), "updated_at": opened, "media": [], "needs_triage": False,
            "classified_by": "keywords", "confidence": 1.0, "version": 1})
        if len(rows) == BATCH:
            _flush(svc, rows)
    _flush(svc, rows)


def _flush(svc, rows: list) -> None:
    if rows:
        with svc.engine.begin() as conn:
            conn.execute(insert(Ticket.__table__), rows)
        rows.clear()


def measure(svc, rng: random.Random, lookups: int = 500) -> tuple[float, float]:
    """p50 and p95 milliseconds of find_master for new tickets drawn like the stored ones."""
    with svc.session() as s:
        probes = s.execute(select(Ticket.service_code, Ticket.township_code)
                           .order_by(Ticket.opened_at.desc()).limit(lookups)).all()
    now = utcnow()
    times, compared = [], []
    since = now - timedelta(days=svc.config.similar.window_days)
    with svc.session() as s:
        for code, town in probes:
            # How many candidates the lookup had to compare (outside the timing), so the figure means something.
            compared.append(min(svc.config.similar.max_candidates, s.scalar(
                select(func.count()).select_from(Ticket).where(
                    Ticket.service_code == code, Ticket.township_code == town, Ticket.opened_at >= since,
                    Ticket.master_id.is_(None), Ticket.status.in_(OPEN_STATUSES)))))
            start = time.perf_counter()
            find_master(s, service_code=code, township_code=town, text=f"{rng.choice(PHRASES)}", now=now,
                        config=svc.config.similar)
            times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 95), sum(compared) / len(compared), max(compared)


def hotspot(svc, rng: random.Random, size: int = 1000, lookups: int = 200) -> tuple[float, float]:
    """Worst case: one street with `size` open tickets of one code this week (a heating failure, say)."""
    code = next(iter(svc.core.taxonomy.codes.values()))
    now = utcnow()
    rows = [{
        "reference": f"H{i:012d}", "status": "dispatched", "kind": "complaint", "group": code.group,
        "service_code": code.code, "time_limit_class": code.time_limit_class, "channel": "voice", "lang": "zh",
        "text": f"{rng.choice(PHRASES)}，{rng.choice(PHRASES)} {i}", "location_text": "", "township_code": "110105026",
        "unit_type": "township", "opened_at": now - timedelta(hours=rng.uniform(0, 150)), "due_at": now,
        "updated_at": now, "media": [], "needs_triage": False, "classified_by": "keywords", "confidence": 1.0,
        "version": 1} for i in range(size)]
    _flush(svc, rows)
    times = []
    with svc.session() as s:
        for _ in range(lookups):
            start = time.perf_counter()
            find_master(s, service_code=code.code, township_code="110105026", text=rng.choice(PHRASES), now=now,
                        config=svc.config.similar)
            times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"similar lookup: 500 new tickets against N stored, target p95 <= {TARGET_P95_MS} ms")
    print(f"{'backend':<11}{'stored':>10}{'fill s':>8}{'compared':>14}{'p50 ms':>8}{'p95 ms':>8}  verdict")
    for backend in args.backends.split(","):
        for size in (int(x) for x in args.sizes.split(",")):
            rng = random.Random(12345)
            with fresh_services(backend) as svc:
                t0 = time.perf_counter()
                fill(svc, size, rng)
                if backend == "postgresql":
                    with svc.engine.connect() as conn:
                        conn.exec_driver_sql("ANALYZE tickets")
                fill_s = time.perf_counter() - t0
                p50, p95, mean_c, max_c = measure(svc, rng)
                h50, h95 = hotspot(svc, rng)
            verdict = "meets" if p95 <= TARGET_P95_MS else "over"
            print(f"{backend:<11}{size:>10}{fill_s:>8.0f}{f'{mean_c:.1f} (max {max_c})':>14}{p50:>8.2f}{p95:>8.2f}"
                  f"  {verdict}")
            cap = svc.config.similar.max_candidates
            verdict = "meets" if h95 <= TARGET_P95_MS else "over"
            print(f"{'  hotspot':<11}{size:>10}{'':>8}{f'{cap} (capped)':>14}{h50:>8.2f}{h95:>8.2f}  {verdict}")


if __name__ == "__main__":
    main()
