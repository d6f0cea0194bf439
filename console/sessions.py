"""Console sessions held in the database: a cookie is only as good as its row (sign-out, idle, password change)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.store.models import ConsoleSession, User

# last_seen_at is written at most this often per session, so a page polling every second costs no write.
TOUCH_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def start(session: Session, user_id: int, *, now: datetime) -> str:
    """A new session row for the user; returns the random token that goes into the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(user_id=user_id, token_hash=_digest(token), created_at=now, last_seen_at=now))
    session.flush()
    return token


def find_live(session: Session, user_id: int, token: str, *, now: datetime, idle: timedelta,
              longest: timedelta) -> tuple[User, ConsoleSession] | None:
    """The active user and its session row if the row is open, used within `idle` and begun within `longest`.

    One statement: the console's loader runs it on every request.
    """
    if not token:
        return None
    found = session.execute(select(User, ConsoleSession).join(ConsoleSession, ConsoleSession.user_id == User.id)
                            .where(ConsoleSession.token_hash == _digest(token), User.id == user_id)).first()
    if found is None:
        return None
    user, row = found
    if not user.active or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > longest:
        return None
    return user, row


def touch(session: Session, session_id: int, *, now: datetime) -> None:
    """Record activity on a session (idle time starts again)."""
    session.execute(update(ConsoleSession).where(ConsoleSession.id == session_id, ConsoleSession.ended_at.is_(None))
                    .values(last_seen_at=now))


def needs_touch(row: ConsoleSession, now: datetime) -> bool:
    """Whether enough time passed since the last recorded activity to write it again."""
    return now - row.last_seen_at >= TOUCH_EVERY


def end(session: Session, user_id: int, token: str, *, now: datetime, reason: str = "signed_out") -> None:
    """End one session (sign-out): the cookie, wherever it was copied to, no longer signs anyone in."""
    session.execute(update(ConsoleSession).where(ConsoleSession.token_hash == _digest(token),
                                                 ConsoleSession.user_id == user_id,
                                                 ConsoleSession.ended_at.is_(None))
                    .values(ended_at=now, ended_reason=reason))


def end_all(session: Session, user_id: int, *, now: datetime, reason: str) -> None:
    """End every open session of a user (new password, deactivated, demoted)."""
    session.execute(update(ConsoleSession).where(ConsoleSession.user_id == user_id, ConsoleSession.ended_at.is_(None))
                    .values(ended_at=now, ended_reason=reason))
