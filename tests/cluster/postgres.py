"""A PostgreSQL server of the fault test's own: initdb into a temporary folder, served on a free loopback port.

The fault test restarts its database server; restarting the machine's shared one would cut every other test
run's connections. Debian's binaries (/usr/lib/postgresql/<version>/bin) make a throwaway cluster with trust
auth on 127.0.0.1 only; as root they run as the `postgres` user (initdb refuses root).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from deploy.sandbox import free_ports

# Room for two web hosts, two schedulers, two Rasa servers (4 + 8 each) and the test's own pool.
MAX_CONNECTIONS = 200


class NoPostgres(RuntimeError):
    """The PostgreSQL server binaries are not installed here."""


def binaries() -> Path:
    """The folder with initdb and pg_ctl: $PG_BINDIR, Debian's newest, or the ones on PATH."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise NoPostgres("initdb not found: install Debian's postgresql package (or set PG_BINDIR)")


@dataclass
class PrivatePostgres:
    """One throwaway server: its folder, port and log; as root, run as the postgres user."""

    dir: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def log(self) -> Path:
        return self.dir / "postgresql.log"

    @property
    def admin_url(self) -> str:
        """The server as the sandbox takes it (the database part is replaced per cluster)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def init(self) -> None:
        # No fsync: nothing here survives the test, and the restart is a clean shutdown (a checkpoint).
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections={MAX_CONNECTIONS} "
                   f"-c fsync=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, *extra,
                  action)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> float:
        """Stop (fast: open transactions are rolled back, clients cut off) and start again; the seconds taken."""
        started = time.monotonic()
        self._pg_ctl("restart", "-m", "fast")
        return time.monotonic() - started

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")


@contextmanager
def private_postgresql(keep_log: Path | None = None) -> Iterator[PrivatePostgres]:
    """A fresh server, stopped and deleted afterwards (its log copied to keep_log first, when given)."""
    folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PrivatePostgres(dir=folder, port=free_ports(1)[0], bin=binaries())
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            if keep_log is not None and server.log.exists():
                keep_log.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(server.log, keep_log)
            shutil.rmtree(folder, ignore_errors=True)
