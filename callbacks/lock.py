"""One scheduler per SQLite database (a lock file); on PostgreSQL several may run, row locks share the work."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from hotline.config import Config
from hotline.store.db import resolve_url


class SchedulerAlreadyRunning(RuntimeError):
    """Another scheduler holds the SQLite database."""


class SchedulerLock:
    """An exclusive flock on a file beside the SQLite database; the kernel frees it if the process dies."""

    def __init__(self, path: Path | None):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> "SchedulerLock":
        """Take the lock or raise SchedulerAlreadyRunning naming the holder."""
        if self.path is None:
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise SchedulerAlreadyRunning(
                f"another scheduler (pid {holder}) is already running against this SQLite database; "
                f"SQLite allows one scheduler process (lock file {self.path}). Stop the other one, or use "
                f"PostgreSQL (DATABASE_URL=postgresql+psycopg://...) to run several.") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let the next scheduler start."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "SchedulerLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_for(config: Config) -> SchedulerLock:
    """The lock this process must hold: a file for SQLite, none for PostgreSQL (FOR UPDATE SKIP LOCKED)."""
    url = make_url(resolve_url(config.database.url))
    if url.get_backend_name() != "sqlite":
        return SchedulerLock(None)
    if config.scheduler.lock_file:
        return SchedulerLock(Path(config.scheduler.lock_file))
    if not url.database or url.database == ":memory:":
        return SchedulerLock(None)  # a private in-memory database cannot be shared anyway
    return SchedulerLock(Path(url.database + ".scheduler.lock"))
