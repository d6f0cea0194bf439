"""Insert a row once per unique key, safe against a concurrent twin: the savepoint insert-or-reselect idiom."""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


def insert_or_get(session: Session, make: Callable[[], T], existing: Select[tuple[T]] | None, *,
                  look_first: bool = True) -> tuple[T, bool]:
    """The row `existing` selects, or else the one `make()` builds, inserted in a savepoint: (row, created).

    `make` runs inside the savepoint (begin_nested() flushes first, so a row built before it and already
    attached to a relationship would be flushed half-made) and its row is flushed on the way out, so it has
    its id. When a concurrent twin wins the race on the unique key, the twin's row is returned instead; with
    no `existing` query (nothing unique to collide on) or no twin to find, the IntegrityError stands.
    `look_first=False` skips the first select where the key is new far more often than not. With no
    `existing` query there is no unique key to collide on, so no savepoint either: the row is just added.
    """
    if existing is None:
        row = make()
        session.add(row)
        session.flush()  # its id now, and any IntegrityError here, where the caller can see it
        return row, True
    if look_first:
        found = session.scalars(existing).first()
        if found is not None:
            return found, False
    try:
        with session.begin_nested():
            row = make()
            session.add(row)
    except IntegrityError:
        found = session.scalars(existing).first()
        if found is None:
            raise
        return found, False
    return row, True
