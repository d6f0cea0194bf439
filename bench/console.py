"""Console pages at scale: the queue and the ticket page over 100k tickets (10k open), as real users see them.

Ceilings (issue 6): queue page p95 <= 200 ms, ticket page p95 <= 100 ms, rendered through the Flask app
(session cookie, login, every query and the template). Printed beside them, measured in the same run: the
cheapest signed-in console request (the inbox counter), i.e. what any page costs before doing its work.
Run: `.venv/bin/python -m bench.console [--tickets 100000] [--open 10000] [--backends sqlite,postgresql]`.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import func, select, update

from bench.common import analyze, fresh_services
from console.demo import DEMO_TOWNSHIP
from console.users import create_user
from hotline.assessment import demo_data
from hotline.store.models import OPEN_STATUSES, Ticket

QUEUE_CEILING_MS, TICKET_CEILING_MS = 200.0, 100.0
END = datetime(2026, 12, 10, tzinfo=timezone.utc)
PASSWORD = "bench-password-1"


def p95(samples: list[float]) -> float:
    """95th percentile in ms."""
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)] * 1000


def timed_get(client, url: str) -> float:
    t0 = time.perf_counter()
    r = client.get(url)
    elapsed = time.perf_counter() - t0
    if r.status_code not in (200, 302):  # an exact reference search jumps to the ticket
        raise SystemExit(f"{url}: HTTP {r.status_code}")
    return elapsed


def set_open_count(svc, wanted: int) -> int:
    """Make exactly `wanted` tickets open: the newest ones, as on a real hotline."""
    with svc.session() as s:
        open_now = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES)))
        if open_now < wanted:
            ids = s.scalars(select(Ticket.id).where(Ticket.status.not_in(OPEN_STATUSES))
                            .order_by(Ticket.opened_at.desc()).limit(wanted - open_now)).all()
            s.execute(update(Ticket).where(Ticket.id.in_(ids)).values(status="dispatched", resolved_at=None),
                      execution_options={"synchronize_session": False})
        elif open_now > wanted:
            ids = s.scalars(select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES))
                            .order_by(Ticket.opened_at).limit(open_now - wanted)).all()
            s.execute(update(Ticket).where(Ticket.id.in_(ids)).values(status="closed"),
                      execution_options={"synchronize_session": False})
        return s.scalar(select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES)))


def signed_in(app, username: str):
    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.status_code
    return client


def bench_backend(backend: str, n: int, n_open: int, samples: int) -> dict:
    from app import create_app

    with fresh_services(backend) as svc:
        t0 = time.perf_counter()
        demo_data.generate(svc.session, svc.core, tickets=n, months=12, end=END)
        gen_s = time.perf_counter() - t0
        open_count = set_open_count(svc, n_open)
        with svc.session() as s:
            town = s.scalar(select(Ticket.unit_code).where(Ticket.unit_type == "township",
                                                            Ticket.status.in_(OPEN_STATUSES))
                            .group_by(Ticket.unit_code).order_by(func.count().desc()).limit(1)) or DEMO_TOWNSHIP
            for username, role, unit in (("sup", "supervisor", None), ("agent", "agent", None),
                                         ("town", "handler", town)):
                create_user(s, username=username, password=PASSWORD, role=role, now=END,
                            unit_type="township" if unit else None, unit_code=unit)
            total = s.scalar(select(func.count()).select_from(Ticket))
            refs = s.execute(select(Ticket.id, Ticket.reference).order_by(Ticket.id)).all()
        analyze(svc)
        app = create_app(svc.config, services=svc)
        app.config["HOTLINE_CLOCK"] = lambda: END
        sup, agent, handler = signed_in(app, "sup"), signed_in(app, "agent"), signed_in(app, "town")
        rng = random.Random(6)
        groups = list(svc.core.taxonomy.groups)
        queue_urls = [
            (sup, "/console/tickets"), (sup, "/console/tickets?overdue=1"), (sup, "/console/tickets?status=any"),
            (agent, "/console/tickets?view=triage"), (handler, "/console/tickets"),
            (handler, "/console/tickets?status=any&page=3"),
        ]
        for c, _ in queue_urls:  # warm caches (unit menus, templates, connection pool)
            c.get("/console/tickets")
        queue_times, by_kind = [], {}
        for i in range(samples):
            client, url = queue_urls[i % len(queue_urls)]
            if i % 7 == 6:
                url = f"/console/tickets?group={groups[i % len(groups)]}&channel=voice"
            if i % 11 == 10:
                url = f"/console/tickets?q={rng.choice(refs)[1]}&status=any"
            elapsed = timed_get(client, url)
            queue_times.append(elapsed)
            kind = ("handler " if client is handler else "agent " if client is agent else "") + \
                re.sub(r"=[^&]+", "=…", url.split("?", 1)[-1] if "?" in url else "default")
            by_kind.setdefault(kind, []).append(elapsed)
        ticket_times = [timed_get(sup, f"/console/tickets/{rng.choice(refs)[0]}") for _ in range(samples)]
        base = [timed_get(sup, "/console/inbox/count") for _ in range(samples)]
    return {"backend": backend, "tickets": total, "open": open_count, "gen_s": gen_s,
            "queue_p95": p95(queue_times), "queue_median": statistics.median(queue_times) * 1000,
            "ticket_p95": p95(ticket_times), "ticket_median": statistics.median(ticket_times) * 1000,
            "base_p95": p95(base),
            "by_kind": {k: (statistics.median(v) * 1000, max(v) * 1000) for k, v in by_kind.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--detail", action="store_true", help="print the queue timings per kind of query")
    args = ap.parse_args()
    failed = False
    for backend in args.backends.split(","):
        r = bench_backend(backend, args.tickets, args.open, args.samples)
        print(f"console on {r['backend']}: {r['tickets']:,} tickets ({r['open']:,} open), generated in {r['gen_s']:.0f} s")
        for label, key, ceiling in (("queue page ", "queue", QUEUE_CEILING_MS), ("ticket page", "ticket", TICKET_CEILING_MS)):
            ok = r[f"{key}_p95"] <= ceiling
            failed |= not ok
            print(f"  {label}: p95 {r[f'{key}_p95']:6.1f} ms (median {r[f'{key}_median']:5.1f}) "
                  f"vs ceiling {ceiling:.0f} ms {'OK' if ok else 'OVER'}; "
                  f"bare signed-in request p95 {r['base_p95']:.1f} ms")
        if args.detail:
            for kind, (median, worst) in sorted(r["by_kind"].items()):
                print(f"    queue {kind:<40} median {median:6.1f} ms, worst {worst:6.1f} ms")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
