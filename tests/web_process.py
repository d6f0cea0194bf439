"""Start the Procfile's real web command on a free port, and hold slow clients against it (tests and bench)."""
from __future__ import annotations

import os
import shlex
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "Procfile"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_command(name: str = "web", port: int = 5000, procfile: Path = PROCFILE) -> list[str]:
    """The argv of one Procfile line with $PORT filled in."""
    line = next(ln for ln in procfile.read_text().splitlines() if ln.startswith(f"{name}:"))
    return [arg.replace("$PORT", str(port)) for arg in shlex.split(line.split(":", 1)[1])]


@contextmanager
def running(argv: list[str], port: int, env: dict[str, str], log: Path, timeout_s: float = 90) -> Iterator[str]:
    """The command running until /healthz answers; yields its base URL; stopped (SIGTERM, then SIGKILL) after."""
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the web process exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{url}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the web process did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class SlowClients:
    """n connections that send headers announcing a 100,000-byte body, then trickle one byte at a time."""

    def __init__(self, port: int, n: int = 12, *, interval_s: float = 0.2, path: str = "/twilio/sms"):
        self.port, self.n, self.interval_s, self.path = port, n, interval_s, path
        self.socks: list[socket.socket] = []
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> "SlowClients":
        head = (f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n").encode()
        for _ in range(self.n):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            s.sendall(head)
            self.socks.append(s)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        while not self._stop.wait(self.interval_s):
            for s in list(self.socks):
                try:
                    s.sendall(b"a")
                    self.sent += 1
                except OSError:
                    self.socks.remove(s)

    def open_count(self) -> int:
        """Connections still being trickled into (none was cut off)."""
        return len(self.socks)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for s in self.socks:
            s.close()


def web_env(tmp: Path) -> dict[str, str]:
    """A development web process on its own SQLite file, no Rasa, no Twilio."""
    return {"DATABASE_URL": f"sqlite:///{tmp / 'web.db'}", "HOTLINE_MODE": "development", "RASA_URL": "",
            "HOTLINE_CONFIG": str(ROOT / "config.yaml")}
