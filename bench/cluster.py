"""Per-request costs through `make cluster`'s nginx, and the capacity model they give (README "make cluster").

A throwaway cluster (deploy.sandbox: Procfile.cluster's processes on free ports, its own databases) is measured:
  1. wrk through nginx, 16 connections: GET /readyz (one database round trip, the floor of any request), and
     signed SMS webhooks that each file a complete report, beside the same SMS straight to one web host
     (nginx's own share). The web hosts run without Rasa here (the built-in dialogue).
  2. complete contacts through nginx, with Rasa (unless --no-rasa), a few at a time: a phone call (6 webhooks and
     the model's parse), an SMS report (2 texts through the bot), a web chat (4 turns through the bot) and an
     API filing; for each, the CPU seconds every kind of process spent (from /proc) and what PostgreSQL
     committed and wrote (pg_stat_database).
  3. the capacity model those figures give: contacts per day on one 2-core box, hosts for Beijing, and what
     grows first at a national scale.
Run: `make bench-cluster` or `.venv/bin/python -m bench.cluster [--seconds 8] [--contacts 12] [--no-rasa]`.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from bench.webhooks import PUBLIC, TOKEN, WRK_SCRIPT, lua_table, sms_bodies
from deploy.procstat import processes, stat_of
from deploy.sandbox import ACTIONS, RASA, REDIS_URL, SCHEDULERS, WEB, Sandbox, sandbox
from tools.citizens import Citizens

CONNECTIONS = 16
# Production refuses short secrets: a run makes its own.
API_TOKEN = f"bench-cluster-api-{secrets.token_hex(16)}"
# The model's assumptions, each said where it is used (README "make cluster" repeats them).
BUSY_HOUR_SHARE = 0.10  # of a day's contacts in its busiest hour (call centres see 8-12 %)
TARGET_UTILISATION = 0.6  # of the cores at that hour, leaving room for a host to fail over
BEIJING_YEAR, BEIJING_PEAK_DAY = 11_040_000, 200_000
MIX = {"call": 0.90, "chat": 0.07, "sms": 0.03}  # 90 % phone (DOMAIN.md); the rest web chat and SMS
NATIONAL_FACTOR = 30  # assumption: all of China's 12345 lines together ~ 30 x Beijing


def wrk(url: str, seconds: int, script: Path, bodies: Path | None, method: str = "POST") -> dict:
    """wrk with the webhook bench's script; its done() prints one JSON line."""
    env = {**os.environ, "BENCH_THREADS": "2"}
    if bodies is not None:
        env["BENCH_BODIES"] = str(bodies)
    args = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s", "--latency"]
    args += ["-s", str(script)] if method == "POST" else ["-s", str(script.with_name("get.lua"))]
    out = subprocess.run([*args, url], env=env, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line.removeprefix("WRKJSON "))
    r["rps"] = r["requests"] / r["seconds"]
    return r


GET_SCRIPT = WRK_SCRIPT.split("local i = 0")[0] + r"""
function request() return wrk.format("GET", nil) end
""" + WRK_SCRIPT[WRK_SCRIPT.index("function done"):]


# -- CPU and database accounting ----------------------------------------------------------------------------


def _group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in a process group."""
    return sum(p.cpu_s for p in processes() if p.pgrp == pgid)


def _pid_cpu(pid: int) -> float:
    stat = stat_of(pid)
    return stat.cpu_s if stat is not None else 0.0


@dataclass
class Meter:
    """CPU seconds by kind of process and PostgreSQL's work on the cluster's databases, between two readings."""

    box: Sandbox
    start: dict = field(default_factory=dict)

    def read(self) -> dict:
        sup = self.box.supervisor
        kinds = {"web": WEB, "scheduler": SCHEDULERS, "rasa": RASA, "actions": ACTIONS, "nginx": ("nginx",)}
        cpu = {kind: sum(_group_cpu(sup.procs[n].pid) for n in names if sup.alive(n)) for kind, names in kinds.items()}
        app_db = self.box.plan.config.cluster.database_url.rsplit("/", 1)[-1]
        rasa_db = self.box.plan.tracker_database()
        with self.box.services.engine.connect() as conn:
            pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname IN (:a, :b)"),
                                {"a": app_db, "b": rasa_db}).scalars().all()
            stats = conn.execute(text(
                "SELECT sum(xact_commit), sum(tup_inserted), sum(tup_updated), sum(tup_deleted) "
                "FROM pg_stat_database WHERE datname IN (:a, :b)"), {"a": app_db, "b": rasa_db}).one()
        cpu["postgres"] = sum(_pid_cpu(p) for p in pids)
        return {"cpu": cpu, "commits": int(stats[0] or 0), "rows": int((stats[1] or 0) + (stats[2] or 0)
                                                                         + (stats[3] or 0))}

    def __enter__(self) -> "Meter":
        time.sleep(1.0)  # PostgreSQL's statistics are sent about once a second
        self.start = self.read()
        return self

    def delta(self) -> dict:
        time.sleep(1.2)
        end = self.read()
        return {"cpu": {k: max(0.0, end["cpu"][k] - self.start["cpu"].get(k, 0.0)) for k in end["cpu"]},
                "commits": end["commits"] - self.start["commits"], "rows": end["rows"] - self.start["rows"]}

    def __exit__(self, *exc) -> None:
        pass


# -- the runs -----------------------------------------------------------------------------------------------


def settings() -> dict:
    """Production settings; the public URL is elsewhere, as behind a real load balancer."""
    return {"app": {"mode": "production", "secret_key": secrets.token_hex(32), "public_base_url": PUBLIC},
            "api": {"token": API_TOKEN},
            "twilio": {"auth_token": TOKEN},
            "ratelimit": {"storage_url": REDIS_URL}, "cluster": {"public_base_url": PUBLIC}}


def run_wrk(tmp: Path, seconds: int) -> dict:
    """/readyz and signed SMS through nginx, and SMS straight to one web host: the web tier without Rasa."""
    script = tmp / "bench.lua"
    script.write_text(WRK_SCRIPT)
    script.with_name("get.lua").write_text(GET_SCRIPT)
    bodies = tmp / "bodies.lua"
    bodies.write_text(lua_table(sms_bodies(max(4000, 1500 * seconds))))
    with sandbox(tmp / "wrk", settings(), start=(*WEB, "nginx"), env={"RASA_URL": ""},
                 ready_within_s=120) as box:
        wrk(f"{box.plan.local_url}/readyz", 2, script, None, "GET")  # warm-up
        floor = wrk(f"{box.plan.local_url}/readyz", seconds, script, None, "GET")
        with Meter(box) as meter:
            via = wrk(f"{box.plan.local_url}/twilio/sms", seconds, script, bodies)
            cost = meter.delta()
        # Straight to one host: the same bodies would be retries (idempotent, cheaper), so new ones.
        bodies.write_text(lua_table(sms_bodies(max(4000, 1500 * seconds))))
        direct = wrk(f"http://127.0.0.1:{box.port('web1')}/twilio/sms", seconds, script, bodies)
        c = box.plan.config.cluster
        ceiling = commit_ceiling(box)
    return {"floor": floor, "via": via, "direct": direct, "sms_cost": cost, "commit_ceiling": ceiling,
            "hosts": f"{c.web_workers} workers x {c.web_threads} threads"}


def commit_ceiling(box: Sandbox, seconds: float = 5.0, threads: int = 16) -> float:
    """One-row transactions a second that this PostgreSQL takes from 16 connections: the primary's write ceiling."""
    engine = box.services.engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_commits (id bigserial PRIMARY KEY, at timestamptz)"))
    stop = time.monotonic() + seconds

    def writer(_):
        n = 0
        with engine.connect() as conn:
            while time.monotonic() < stop:
                with conn.begin():
                    conn.execute(text("INSERT INTO bench_commits (at) VALUES (now())"))
                n += 1
        return n

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        total = sum(pool.map(writer, range(threads)))
    return total / (time.monotonic() - started)


def run_contacts(tmp: Path, n: int, with_rasa: bool) -> dict:
    """n complete contacts of each kind, 3 at a time, with what each cost."""
    start = (*RASA, *ACTIONS, *WEB, "nginx") if with_rasa else (*WEB, "nginx")
    env = {"HOTLINE_API_TOKEN": API_TOKEN} if with_rasa else {"RASA_URL": "", "HOTLINE_API_TOKEN": API_TOKEN}
    out = {}
    with sandbox(tmp / "contacts", settings(), start=start, env=env, ready_within_s=900) as box:
        citizens = Citizens(box.plan.local_url, TOKEN, API_TOKEN, public_url=PUBLIC)
        for kind in ("api", "call", "sms", "chat"):
            getattr(citizens, kind)()  # warm-up: first requests load code and caches
            with Meter(box) as meter:
                started = time.monotonic()
                with ThreadPoolExecutor(max_workers=3) as pool:
                    done = list(pool.map(lambda _: getattr(citizens, kind)(), range(n)))
                wall = time.monotonic() - started
                cost = meter.delta()
            ok = [c for c in done if c.reference]
            out[kind] = {"n": n, "ok": len(ok), "wall": wall, "turns": sum(c.turns for c in done) / n,
                         "cpu": {k: v / n for k, v in cost["cpu"].items()}, "commits": cost["commits"] / n,
                         "rows": cost["rows"] / n, "errors": [c.error for c in done if c.error][:3]}
        out["engine"] = "rasa" if with_rasa else "form"
    return out


# -- the model ----------------------------------------------------------------------------------------------


def model(contacts: dict) -> dict:
    """Contacts a 2-core box carries a day, hosts for Beijing, and the national picture."""
    per = {k: sum(v["cpu"].values()) for k, v in contacts.items() if k in MIX}
    mixed = sum(MIX[k] * per[k] for k in MIX)
    busy_hour_capacity = 2 * 3600 * TARGET_UTILISATION / mixed  # contacts in the busy hour
    per_day = busy_hour_capacity / BUSY_HOUR_SHARE
    avg_day = BEIJING_YEAR / 365
    rows = sum(MIX[k] * contacts[k]["rows"] for k in MIX)
    commits = sum(MIX[k] * contacts[k]["commits"] for k in MIX)
    rasa_share = sum(MIX[k] * contacts[k]["cpu"].get("rasa", 0) + MIX[k] * contacts[k]["cpu"].get("actions", 0)
                     for k in MIX) / mixed
    pg_share = sum(MIX[k] * contacts[k]["cpu"].get("postgres", 0) for k in MIX) / mixed

    def need(day: float) -> dict:
        busy_per_s = day * BUSY_HOUR_SHARE / 3600
        return {"hosts": math.ceil(day / per_day), "busy_contacts_per_s": busy_per_s,
                "commits_per_s": busy_per_s * commits, "rows_per_s": busy_per_s * rows,
                "rasa_cores": busy_per_s * mixed * rasa_share / TARGET_UTILISATION}

    return {"cpu_per_contact": per, "mixed": mixed, "per_day": per_day, "rasa_share": rasa_share,
            "pg_share": pg_share, "rows": rows, "commits": commits,
            "beijing_avg": need(avg_day), "beijing_peak": need(BEIJING_PEAK_DAY),
            "national_peak": need(BEIJING_PEAK_DAY * NATIONAL_FACTOR)}


def report(w: dict | None, c: dict) -> None:
    """Print the measured figures and the model."""
    if w:
        f, v, d = w["floor"], w["via"], w["direct"]
        print(f"\n== bench.cluster: wrk, {CONNECTIONS} connections, two web hosts ({w['hosts']}), no Rasa ==")
        print(f"{'request':44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, r in (("GET /readyz through nginx (floor)", f), ("signed SMS filing, through nginx", v),
                        ("signed SMS filing, straight to one web host", d)):
            print(f"{name:44} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['errors']:7d}")
        cost = w["sms_cost"]
        n = max(1, v["requests"])
        print("CPU ms per SMS filing through nginx: " + ", ".join(f"{k} {1000 * s / n:.1f}"
                                                             for k, s in cost["cpu"].items() if s)
              + f"; PostgreSQL {cost['commits'] / n:.1f} commits, {cost['rows'] / n:.0f} rows written")
        print(f"PostgreSQL here takes {w['commit_ceiling']:,.0f} one-row commits a second from 16 connections "
              f"(the single primary's write ceiling)")
    print(f"\n== complete contacts through nginx ({c['engine']} dialogue), 3 at a time ==")
    print(f"{'contact':8} {'ok':>5} {'requests':>9} {'CPU ms: web':>12} {'rasa+act':>9} {'postgres':>9} "
          f"{'nginx':>6} {'total':>7} {'commits':>8} {'rows':>6}")
    for kind in ("call", "sms", "chat", "api"):
        k = c[kind]
        cpu = k["cpu"]
        total = sum(cpu.values())
        print(f"{kind:8} {k['ok']:>2}/{k['n']:<2} {k['turns']:9.1f} {1000 * cpu['web']:12.1f} "
              f"{1000 * (cpu['rasa'] + cpu['actions']):9.1f} {1000 * cpu['postgres']:9.1f} {1000 * cpu['nginx']:6.1f} "
              f"{1000 * total:7.1f} {k['commits']:8.1f} {k['rows']:6.0f}")
        if k["errors"]:
            print(f"         errors: {k['errors']}")
    m = model(c)
    print(f"\n== capacity model (assumptions: busy hour = {BUSY_HOUR_SHARE:.0%} of the day, cores at "
          f"{TARGET_UTILISATION:.0%}, mix {', '.join(f'{k} {v:.0%}' for k, v in MIX.items())}) ==")
    print(f"CPU per contact in the mix: {1000 * m['mixed']:.0f} ms ({m['rasa_share']:.0%} Rasa and its actions, "
          f"{m['pg_share']:.0%} PostgreSQL); {m['commits']:.1f} commits and {m['rows']:.0f} rows per contact")
    print(f"one 2-core box (everything on it): {m['per_day']:,.0f} contacts a day")
    for name, label in (("beijing_avg", f"Beijing average ({BEIJING_YEAR / 365:,.0f}/day)"),
                        ("beijing_peak", f"Beijing peak ({BEIJING_PEAK_DAY:,}/day)"),
                        ("national_peak", f"national peak (x{NATIONAL_FACTOR}: {BEIJING_PEAK_DAY * NATIONAL_FACTOR:,}/day)")):
        n = m[name]
        print(f"{label:42} {n['hosts']:4d} boxes (+1 spare); busy hour {n['busy_contacts_per_s']:.1f} contacts/s, "
              f"{n['commits_per_s']:.0f} commits/s, {n['rows_per_s']:.0f} rows/s, {n['rasa_cores']:.1f} cores of Rasa")
    if w:
        for name in ("beijing_peak", "national_peak"):
            need = m[name]["commits_per_s"]
            print(f"{name.replace('_', ' ')}: {need:,.0f} commits/s on the one PostgreSQL primary = "
                  f"{need / w['commit_ceiling']:.2f} of its measured ceiling")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="each wrk run")
    parser.add_argument("--contacts", type=int, default=12, help="complete contacts of each kind")
    parser.add_argument("--no-rasa", action="store_true", help="contacts with the built-in dialogue (no Rasa)")
    parser.add_argument("--skip-wrk", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-cluster` installs it (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-cluster-"))
    w = None if args.skip_wrk else run_wrk(tmp, args.seconds)
    c = run_contacts(tmp, args.contacts, not args.no_rasa)
    report(w, c)
    print(f"(logs in {tmp})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
