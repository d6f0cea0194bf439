"""Short, speakable reference numbers: 2-digit year, day of year, daily sequence (YYDDDNNNNN)."""
from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.store.db import side_engine
from hotline.store.models import ReferenceCounter

SEQUENCE_DIGITS = 5  # 99,999 tickets a local day before the number grows an eleventh digit


def format_reference(local_day, sequence: int) -> str:
    """2611280012-style digits: YY + day of year (3) + sequence (5)."""
    return f"{local_day:%y}{local_day.timetuple().tm_yday:03d}{sequence:0{SEQUENCE_DIGITS}d}"


def next_reference(session: Session, now: datetime, tz: str = "Asia/Shanghai") -> str:
    """Take the next number of the local day, atomically.

    Upsert-and-increment is one statement, so concurrent intakes never share a number (and tickets.reference
    is unique besides). On PostgreSQL it is a transaction of its own: inside the caller's, the day's row would
    stay locked until that commit and every intake would queue behind the one before. A unit of work that
    rolls back then leaves its number unused, a gap; references are unique and increasing, not gapless.
    On SQLite the caller's transaction already holds the one write lock, so the number is taken inside it.
    """
    day = now.astimezone(ZoneInfo(tz)).date()
    bind = session.get_bind()
    side = side_engine(bind)
    if side is None:
        sequence = session.connection().execute(_take(bind.dialect.name), {"day": day}).scalar_one()
    else:
        with side.connect() as conn:  # autocommit: the row is locked for this one statement only
            sequence = conn.execute(_take(side.dialect.name), {"day": day}).scalar_one()
    return format_reference(day, sequence)


@functools.cache
def _take(dialect: str):
    """The upsert-and-increment, built once per dialect (every filing runs it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ReferenceCounter).values(day=bindparam("day"), last=1)
    return stmt.on_conflict_do_update(index_elements=[ReferenceCounter.day],
                                      set_={"last": ReferenceCounter.last + 1}).returning(ReferenceCounter.last)


def speakable(reference: str) -> str:
    """Digits spaced for text-to-speech to read one by one."""
    return " ".join(reference)
