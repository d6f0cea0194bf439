"""Twilio webhook throughput: signed SMS webhooks that open tickets vs a constant-TwiML endpoint, same gunicorn.

gunicorn runs the app with the Procfile's production settings (its worker and request buffer, HOTLINE_MODE=production)
on a fresh database; wrk, in its own process, loads it from 127.0.0.1 with 16 connections:
  1. the ceiling: POST /bench/constant-twiml, a constant <Response> from the same app (no database);
  2. the floor of any real webhook: POST /bench/signed-insert, Twilio's signature checked, one row inserted and
     committed, a constant reply;
  3. the real thing: POST /twilio/sms, each request a new MessageSid, signed, filing a ticket and replying.
The three take turns for several rounds (this machine's speed drifts within a minute); each figure is the median of
the rounds, and the ratio the median of each round's ratio.
Targets (issue 16, 2 cores, SQLite and PostgreSQL): SMS >= 0.1 x the ceiling (aim: 0.2, what the bare signed
insert reaches), p99 <= 100 ms at 16 connections.
Run: `make bench-webhooks` or
`.venv/bin/python -m bench.webhooks [--backend sqlite|postgresql] [--seconds 4] [--rounds 5]`.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

from bench.common import fresh_services, sample_texts
from hotline.config import PROJECT_ROOT
from ivr.signature import sign

PUBLIC = "https://hotline.bench.example.org"
TOKEN = "bench-twilio-auth-token-0123456789abcdef"
CONNECTIONS = 16
TARGET_RATIO, AIM_RATIO, TARGET_P99_MS = 0.1, 0.2, 100.0
ROUNDS = 5  # the endpoints take turns this many times
# The bare signed insert's rows go to one conversation of their own channel, made before the server starts.
FLOOR_CHANNEL, FLOOR_CONVERSATION = "bench", "BENCH_FLOOR_CONVERSATION"
CONSTANT = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'

WRK_SCRIPT = r"""
local bodies = dofile(os.getenv("BENCH_BODIES") or "/dev/null") or {}
local threads, counter = {}, 1
function setup(thread)
  thread:set("tid", counter); thread:set("nthreads", tonumber(os.getenv("BENCH_THREADS") or "1"))
  counter = counter + 1; table.insert(threads, thread)
end
local i = 0
function request()
  if #bodies == 0 then
    return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, "x=1")
  end
  local k = (i * nthreads + tid - 1) % #bodies + 1
  i = i + 1
  local b = bodies[k]
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
                                  ["X-Twilio-Signature"] = b[2]}, b[1])
end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
              + summary.errors.timeout
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, '
    .. '"errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, summary.errors.status))
end
"""


def sms_bodies(n: int, prefix: str = "+86139") -> list[tuple[str, str]]:
    """n signed SMS webhooks, each a new message from one of many citizens (numbers from prefix), each a
    complete report."""
    texts = sample_texts()
    out = []
    url = PUBLIC + "/twilio/sms"
    for i in range(n):
        text, place = texts[i % len(texts)]
        sid = "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"{prefix}{i:08d}",
                  "To": "+8610012345", "Body": f"{place}{text}", "NumMedia": "0", "ApiVersion": "2010-04-01"}
        out.append((urlencode(params), sign(TOKEN, url, params)))
    return out


def lua_table(bodies: list[tuple[str, str]]) -> str:
    """The bodies as a Lua chunk (url-encoded text and base64 need no escaping)."""
    return "return {\n" + ",\n".join(f'{{"{b}","{s}"}}' for b, s in bodies) + "\n}\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_web() -> str:
    """The production web command from the Procfile (workers, threads, logging)."""
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no web: line in the Procfile")


def start_gunicorn(database_url: str, port: int, log: Path, floor_conversation: int) -> subprocess.Popen:
    """The Procfile's web process, pointed at the bench app (the real app plus the constant endpoint)."""
    argv = shlex.split(procfile_web().replace("$PORT", str(port)))
    # The Procfile serves webserver:create_asgi_app() (the request buffer); the bench app goes behind the same one.
    argv[-1] = "bench.webhooks:bench_asgi_app()" if argv[-1].startswith("webserver:") else "bench.webhooks:bench_app()"
    # Access logs go to a file, as in production behind a log collector; the terminal is not the bottleneck.
    if "--access-logfile" in argv:
        argv[argv.index("--access-logfile") + 1] = str(log)
    # Production refuses weak secrets and per-process rate limits: random ones, and the machine's Redis.
    env = {**os.environ, "HOTLINE_MODE": "production", "DATABASE_URL": database_url,
           "SECRET_KEY": secrets.token_hex(32), "HOTLINE_API_TOKEN": secrets.token_hex(20), "PUBLIC_BASE_URL": PUBLIC,
           "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": "", "TWILIO_PHONE_NUMBER": "", "RASA_URL": "",
           "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0", FLOOR_CONVERSATION: str(floor_conversation)}
    proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"),
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
    proc.kill()
    raise SystemExit(f"gunicorn did not become healthy; see {log}")


def bench_app():
    """The real app plus the constant-TwiML ceiling and the bare signed insert, measured in the same processes."""
    from datetime import datetime, timezone

    from flask import Response, abort, request
    from sqlalchemy import insert
    from twilio.request_validator import RequestValidator

    from app import create_app
    from hotline.store.models import Message
    from webapp import services
    app = create_app()
    conversation_id = int(os.environ.get(FLOOR_CONVERSATION) or 0)

    @app.post("/bench/constant-twiml")
    def constant():
        return Response(CONSTANT, mimetype="text/xml")

    @app.post("/bench/signed-insert")
    def signed_insert():
        # The bodies are signed for /twilio/sms: checked against that URL, as Twilio would have signed them.
        svc = services()
        validator = RequestValidator(svc.config.twilio.auth_token)
        if not validator.validate(svc.config.app.public_base_url + "/twilio/sms", request.form,
                                  request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        with svc.session() as s:
            s.execute(insert(Message).values(
                conversation_id=conversation_id, channel=FLOOR_CHANNEL, direction="in", sender="citizen",
                external_id=request.form["MessageSid"], body=request.form.get("Body", ""), media=[],
                created_at=datetime.now(timezone.utc)))
        return Response(CONSTANT, mimetype="text/xml")

    return app


def bench_asgi_app():
    """bench_app() behind the web process's request buffer, as the Procfile serves the real app."""
    from webserver import BufferedWSGI
    return BufferedWSGI(bench_app())


def wrk(url: str, seconds: int, threads: int, script: Path, bodies: Path | None) -> dict:
    """Run wrk; its done() prints one JSON line."""
    env = {**os.environ, "BENCH_THREADS": str(threads)}
    if bodies is not None:
        env["BENCH_BODIES"] = str(bodies)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency",
                          "-s", str(script), url], env=env, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line.removeprefix("WRKJSON "))
    r["rps"] = r["requests"] / r["seconds"]
    return r


def run(backend: str, seconds: int, rounds: int = ROUNDS) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-webhooks` installs it (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-webhooks-"))
    script = tmp / "bench.lua"
    script.write_text(WRK_SCRIPT)
    # Each round's messages are new ones (a repeat would be a cheap retry): more bodies than a round can use.
    per_round = max(4000, 2500 * seconds)
    signed = sms_bodies(per_round * rounds)
    round_bodies = []
    for k in range(rounds):
        path = tmp / f"bodies-{k}.lua"
        path.write_text(lua_table(signed[k * per_round:(k + 1) * per_round]))
        round_bodies.append(path)
    # The warm-up's citizens are others (their threads would make the measured messages follow-ups).
    warm_bodies = tmp / "warm.lua"
    warm_bodies.write_text(lua_table(sms_bodies(4000, prefix="+86137")))
    threads = 2
    measured: dict[str, list[dict]] = {"ceiling": [], "floor": [], "sms": []}
    with fresh_services(backend) as svc:
        url = svc.config.database.url
        port = free_port()
        proc = start_gunicorn(url, port, tmp / "gunicorn.log", floor_conversation(svc))
        try:
            base = f"http://127.0.0.1:{port}"
            wrk(base + "/bench/constant-twiml", 2, threads, script, None)  # warm-up
            wrk(base + "/twilio/sms", 2, threads, script, warm_bodies)  # warm-up: code paths, statement caches
            # The three endpoints take turns, round after round: this machine's speed drifts by half within a
            # minute (other work on the host), so a ratio is only fair between runs next to each other.
            for bodies in round_bodies:
                measured["ceiling"].append(wrk(base + "/bench/constant-twiml", seconds, threads, script, None))
                measured["floor"].append(wrk(base + "/bench/signed-insert", seconds, threads, script, bodies))
                measured["sms"].append(wrk(base + "/twilio/sms", seconds, threads, script, bodies))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        from sqlalchemy import func, select

        from hotline.store.models import Ticket
        with svc.session() as s:
            tickets = s.scalar(select(func.count()).select_from(Ticket))
        serial = serial_rate(url)
    return {"backend": backend, "rounds": measured, "tickets": tickets, "serial": serial,
            "log": str(tmp / "gunicorn.log"), "server": server_shape()}


def summary(runs: list[dict]) -> dict:
    """One endpoint's rounds as one line: median req/s and latencies, all errors and requests."""
    return {"rps": statistics.median(r["rps"] for r in runs), "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs), "p99_max_ms": max(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs), "requests": sum(r["requests"] for r in runs)}


def server_shape() -> str:
    """Workers x threads of the web process as the Procfile (and HOTLINE_WEB_THREADS) make it."""
    from webserver import APP_THREADS
    argv = shlex.split(procfile_web())
    workers = argv[argv.index("--workers") + 1] if "--workers" in argv else "1"
    return f"{workers} workers x {APP_THREADS} threads"


def floor_conversation(svc) -> int:
    """The conversation the bare signed inserts go to."""
    from datetime import datetime, timezone

    from hotline.store.models import Conversation
    now = datetime.now(timezone.utc)
    with svc.session() as s:
        conv = Conversation(channel=FLOOR_CHANNEL, external_id="floor", lang="zh", state={}, created_at=now,
                            updated_at=now)
        s.add(conv)
        s.flush()
        return conv.id


def serial_rate(database_url: str, n: int = 300) -> float:
    """One request at a time in this process (no HTTP, no contention): the handler's own service rate."""
    import time as _time

    from app import create_app
    from hotline.config import load_config
    from hotline.wiring import build_services
    from ivr.webhooks import twilio_webhooks
    cfg = load_config(environ={}, overrides={"database.url": database_url, "twilio.auth_token": TOKEN,
                                              "app.public_base_url": PUBLIC, "app.secret_key": "bench"})
    svc = build_services(cfg, twilio_webhooks(PUBLIC))
    client = create_app(cfg, services=svc).test_client()
    bodies = sms_bodies(n)
    start = _time.perf_counter()
    for body, sig in bodies:
        client.post("/twilio/sms", data=body, headers={"X-Twilio-Signature": sig,
                                                        "Content-Type": "application/x-www-form-urlencoded"})
    svc.dispose()
    return n / (_time.perf_counter() - start)


def report(r: dict) -> bool:
    rounds = r["rounds"]
    c, f, s = (summary(rounds[k]) for k in ("ceiling", "floor", "sms"))
    # Each round's ratio is of runs seconds apart; the median of those is the figure.
    ratios = [sm["rps"] / ce["rps"] for sm, ce in zip(rounds["sms"], rounds["ceiling"]) if ce["rps"]]
    floor_ratios = [fl["rps"] / ce["rps"] for fl, ce in zip(rounds["floor"], rounds["ceiling"]) if ce["rps"]]
    ratio = statistics.median(ratios) if ratios else 0.0
    print(f"\n== bench.webhooks on {r['backend']} (the Procfile's gunicorn, {r['server']}; wrk, {CONNECTIONS} "
          f"connections; {len(ratios)} rounds taking turns, medians; load average {os.getloadavg()[0]:.1f}) ==")
    print(f"{'endpoint':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max p99':>8} {'errors':>7}")
    for name, x in (("constant TwiML (ceiling)", c), ("bare signed insert (floor)", f),
                    ("signed SMS opening a ticket", s)):
        print(f"{name:34} {x['rps']:9.0f} {x['p50_ms']:8.2f} {x['p99_ms']:8.2f} {x['p99_max_ms']:8.2f} "
              f"{x['errors']:7d}")
    print(f"ratio SMS / ceiling: {ratio:.3f} (rounds: {', '.join(f'{x:.3f}' for x in ratios)}; target >= "
          f"{TARGET_RATIO}, aim {AIM_RATIO}); bare signed insert / ceiling: "
          f"{statistics.median(floor_ratios) if floor_ratios else 0.0:.3f}")
    print(f"the same SMS handler one at a time in-process (no HTTP, no contention): {r['serial']:.0f} req/s")
    print(f"SMS p99: {s['p99_ms']:.1f} ms (target <= {TARGET_P99_MS:.0f} ms; the bare signed insert's: "
          f"{f['p99_ms']:.1f} ms)")
    print(f"tickets filed: {r['tickets']} for {s['requests']} webhooks answered ({s['errors']} errors)")
    met = ratio >= TARGET_RATIO and s["p99_ms"] <= TARGET_P99_MS and s["errors"] == 0
    print("targets met" if met else "targets NOT met")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=4, help="of each endpoint in each round")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    report(run(args.backend, args.seconds, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
