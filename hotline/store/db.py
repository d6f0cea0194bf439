"""Engine, session factory and session_scope(): the only place transactions begin and commit."""
from __future__ import annotations

import threading
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
_HOLDS_WRITERS = "hotline_holds_writers"


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
        # threads of one process queue on this lock first, in turn, and only processes compete in SQLite.
        writers = threading.RLock()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # BEGIN IMMEDIATE takes the write lock up front so concurrent writers queue instead of failing;
            # read-only units of work (pages, polls) read a WAL snapshot and never wait for writers.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            if not writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
                raise TimeoutError("no turn to write to the database within the busy timeout")
            conn.info[_HOLDS_WRITERS] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _end_write(conn)
                raise

        def _end_write(conn):
            if conn.info.pop(_HOLDS_WRITERS, False):
                writers.release()

        event.listen(engine, "commit", _end_write)
        event.listen(engine, "rollback", _end_write)

        # pysqlite's own transaction handling must be off for the BEGIN above to be ours.
        @event.listens_for(engine, "connect")
        def _sqlite_autocommit(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        return engine
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         hide_parameters=True)


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
