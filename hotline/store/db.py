"""Engine, session factory and session_scope(): the only place transactions begin and commit."""
from __future__ import annotations

import fcntl
import os
import threading
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from hotline.config import PROJECT_ROOT


# Execution option marking a connection that will only read.
READ_ONLY = "hotline_read_only"
SQLITE_BUSY_TIMEOUT_S = 30


class Base(DeclarativeBase):
    """Declarative base of every table."""


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the core works in aware UTC")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def resolve_url(url: str) -> str:
    """Make a relative SQLite path relative to the project folder and create its directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """Create the engine for url with the settings each backend needs."""
    url = resolve_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        # hide_parameters: a failed statement's error (and log line) names no phone number or complaint text.
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the scheduler read while the web process writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        # SQLite's busy handler polls with growing sleeps, so under load some writers starve for seconds;
        # threads of one process queue on this lock first, in turn, then processes on a file lock (the kernel
        # wakes a blocked flock as soon as it is free), so SQLite's own lock is found free.
        writers = threading.RLock()
        queue = _WriterQueue(make_url(url).database)

        holders: set[int] = set()  # the DBAPI connections (by id) whose transaction holds both locks

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # BEGIN IMMEDIATE takes the write lock up front so concurrent writers queue instead of failing;
            # read-only units of work (pages, polls) read a WAL snapshot and never wait for writers.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            if not writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
                raise TimeoutError("no turn to write to the database within the busy timeout")
            dbapi_conn = conn.connection.dbapi_connection
            holders.add(id(dbapi_conn))
            try:
                queue.enter()
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _end_write(dbapi_conn)
                raise

        def _end_write(dbapi_conn) -> None:
            key = id(getattr(dbapi_conn, "dbapi_connection", dbapi_conn))  # the pool's proxy or the connection
            if key in holders:
                holders.discard(key)
                queue.leave()
                writers.release()

        # The turn is handed on once SQLite has committed or rolled back, not before (SQLAlchemy's commit and
        # rollback events come before the DBAPI call): the next writer's BEGIN IMMEDIATE then finds the lock
        # free instead of falling into SQLite's sleeping busy handler.
        dialect = engine.dialect
        for name in ("do_commit", "do_rollback"):
            def finished(dbapi_conn, _end=getattr(dialect, name)):
                try:
                    _end(dbapi_conn)
                finally:
                    _end_write(dbapi_conn)
            setattr(dialect, name, finished)

        @event.listens_for(engine, "invalidate")
        def _lost(dbapi_conn, _record, _exc):
            _end_write(dbapi_conn)

        # pysqlite's own transaction handling must be off for the BEGIN above to be ours.
        @event.listens_for(engine, "connect")
        def _sqlite_autocommit(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        return engine
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                           hide_parameters=True)
    # The day's reference counter is taken on connections of its own (see side_engine); they go with this one.
    # Each statement there takes well under a millisecond, but a busy web worker's threads take numbers several at
    # a time: with two kept, the others opened and closed a PostgreSQL connection each (a server process fork).
    side = create_engine(url, pool_size=4, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True,
                         isolation_level="AUTOCOMMIT", connect_args={"options": "-c synchronous_commit=off"})
    _SIDE_ENGINES[engine] = side
    event.listen(engine, "engine_disposed", lambda _conn: side.dispose())
    return engine


# PostgreSQL only: the main engine's twin for one-statement transactions outside any unit of work.
_SIDE_ENGINES: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def side_engine(engine: Engine) -> Engine | None:
    """Autocommit connections beside engine's, for a counter no unit of work should hold locked (PostgreSQL).

    Their commits do not wait for the WAL flush (synchronous_commit=off): whatever a committed unit of work
    took from them is flushed with that unit's own commit, which comes later in the same WAL.
    """
    return _SIDE_ENGINES.get(engine) if isinstance(engine, Engine) else None  # a bound Connection has none


class _WriterQueue:
    """The processes' turn to write one SQLite file: a blocking flock on a file beside it (none in memory).

    Taken by at most one thread of a process at a time (under the process's writer lock), so one open file per
    process is enough; a forked child opens its own, since a lock on a shared open file would not exclude it.
    """

    def __init__(self, database: str | None):
        self.path = None if not database or database == ":memory:" else database + "-writers"
        self.fd, self.pid, self.depth = -1, 0, 0  # depth: the writer lock is re-entrant, and so is this

    def enter(self) -> None:
        if self.path is None:
            return
        if self.pid != os.getpid():
            self.fd, self.pid, self.depth = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid(), 0
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_EX)  # sleeps in the kernel, without the GIL, until it is our turn
        self.depth += 1

    def leave(self) -> None:
        if self.path is None or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for pages and polls that only read (on SQLite they take no write lock)."""
    return sessionmaker(bind=engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


@contextmanager
def read_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that only reads: anything written by mistake is rolled back, never committed."""
    session = factory()
    try:
        yield session
    finally:
        # close() ends the transaction without committing and, unlike rollback(), leaves the loaded
        # objects readable (detached) for the template that renders them.
        session.close()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def utcnow() -> datetime:
    """The current time, aware UTC; only entrypoints call it."""
    return datetime.now(timezone.utc)
