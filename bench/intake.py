"""Intake throughput: POST /api/v1/tickets (open_ticket) per second beside a bare one-row-per-commit insert.

Target: the API reaches >= 0.5 of the ceiling. Run: `.venv/bin/python -m bench.intake [--n 300]`.
"""
from __future__ import annotations

import argparse
import json

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app import create_app
from bench.common import BENCH_TOKEN, fresh_services, median_rate, sample_texts
from hotline.store.db import utcnow
from hotline.work.intake import IntakeRequest, open_ticket

TARGET_RATIO = 0.5


def bench_backend(backend: str, n: int) -> dict:
    """Ceiling, core and API rates on one backend."""
    with fresh_services(backend) as svc:
        class Base(DeclarativeBase):
            pass

        class Bare(Base):
            __tablename__ = "bench_bare"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
            text: Mapped[str] = mapped_column(String(200))

        Base.metadata.create_all(svc.engine)
        bare = Bare.__table__

        def core_insert(i: int) -> None:
            with svc.engine.begin() as conn:
                conn.execute(bare.insert().values(text=f"row {i}"))

        def orm_insert(i: int) -> None:
            with svc.session() as s:
                s.add(Bare(text=f"row {i}"))

        texts = sample_texts()

        def core_open(i: int) -> None:
            text, location = texts[i % len(texts)]
            with svc.session() as s:
                open_ticket(s, IntakeRequest(text=f"{text} #{i}", location=location, phone="13800138000"),
                            now=utcnow(), core=svc.core)

        client = create_app(svc.config, services=svc).test_client()
        headers = {"Authorization": f"Bearer {BENCH_TOKEN}", "Content-Type": "application/json"}

        def api_open(i: int) -> None:
            text, location = texts[i % len(texts)]
            r = client.post("/api/v1/tickets", headers=headers, data=json.dumps(
                {"text": f"{text} #{i}", "location": location, "phone": "13900139000", "channel": "api"}))
            assert r.status_code == 201, r.data

        core_ceiling = median_rate(core_insert, n)
        ceiling = median_rate(orm_insert, n)
        core = median_rate(core_open, n)
        api = median_rate(api_open, n)
    return {"backend": backend, "core_ceiling": core_ceiling, "ceiling": ceiling, "core": core, "api": api}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="operations per measurement (median of 3)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"intake benchmark: {args.n} operations per run, median of 3 runs")
    print("ceiling = one row per commit through an ORM session (Core-only insert shown beside it)")
    print(f"{'backend':<11}{'Core row/s':>12}{'ORM row/s':>11}{'open_ticket/s':>15}{'API/s':>8}{'API/ceiling':>13}"
          f"  target >= {TARGET_RATIO}")
    for backend in args.backends.split(","):
        r = bench_backend(backend, args.n)
        ratio = r["api"] / r["ceiling"]
        verdict = "meets" if ratio >= TARGET_RATIO else "below"
        print(f"{backend:<11}{r['core_ceiling']:>12.0f}{r['ceiling']:>11.0f}{r['core']:>15.0f}{r['api']:>8.0f}"
              f"{ratio:>13.2f}  {verdict}")


if __name__ == "__main__":
    main()
