"""Slow clients against the web process: /healthz latency while N clients trickle 100 kB bodies in.

Compares the Procfile's command (gunicorn's asyncio worker with the request buffer, webserver.py) with
gunicorn's threaded worker as it was (2 workers x 4 threads) and with 8x as many threads. The ceiling is
the same server with no slow client at all, measured in the same run.

    python -m bench.slow_clients [--clients 0,12,100,400] [--probes 20]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests

from tests.web_process import SlowClients, free_port, procfile_command, running, web_env

LOG_FORMAT = "%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(L)ss"


def gthread(threads: int):
    def argv(port: int) -> list[str]:
        return [".venv/bin/gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", str(threads),
                "--error-logfile", "-", "app:create_app()"]
    return argv


CONFIGS = {
    "Procfile (asgi worker + buffer)": lambda port: procfile_command("web", port),
    "gthread 2x4 (before)": gthread(4),
    "gthread 2x32": gthread(32),
}


def probe(url: str, n: int) -> tuple[list[float], int]:
    """n sequential /healthz requests with a 1 s timeout: latencies in ms of those answered, and failures."""
    times, failed = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            ok = requests.get(f"{url}/healthz", timeout=1.0).status_code == 200
        except requests.RequestException:
            ok = False
        if ok:
            times.append((time.perf_counter() - t0) * 1000)
        else:
            failed += 1
        time.sleep(0.05)
    return times, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="0,12,100,400", help="numbers of slow clients to try")
    parser.add_argument("--probes", type=int, default=20, help="/healthz requests per measurement")
    args = parser.parse_args()
    levels = [int(x) for x in args.clients.split(",")]
    print(f"{'server':<34} {'slow clients':>12} {'answered':>9} {'p50 ms':>8} {'max ms':>8}")
    for name, argv in CONFIGS.items():
        tmp = Path(tempfile.mkdtemp(prefix="bench-slow-"))
        port = free_port()
        with running(argv(port), port, web_env(tmp), tmp / "web.log") as url:
            for n in levels:
                try:
                    with SlowClients(port, n) if n else _nothing():
                        time.sleep(1.0)
                        times, failed = probe(url, args.probes)
                except OSError as exc:  # the server stopped accepting connections at all
                    print(f"{name:<34} {n:>12} {'refused':>9}  ({exc})")
                    continue
                p50 = f"{statistics.median(times):.1f}" if times else "-"
                worst = f"{max(times):.1f}" if times else "-"
                print(f"{name:<34} {n:>12} {args.probes - failed:>4}/{args.probes:<4} {p50:>8} {worst:>8}")
    print("target: every probe answered within 1 s with 12 slow clients (issue 11 #10); the ceiling is 0 clients")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


if __name__ == "__main__":
    main()
