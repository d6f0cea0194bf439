"""Citizens by phone (E.164) or chat id: normalise, find or create."""
from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy import ColumnElement, ScalarSelect, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal

from hotline.errors import InvalidInput, InvalidPhone
from hotline.store.models import Citizen

MAX_CHAT_ID = 64


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of a number as people write it (138 0013 8000, +86 10 1234 5678); InvalidPhone if not valid."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 32:
        raise InvalidPhone()
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone() from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def find_or_create_citizen(session: Session, *, now: datetime, phone: str | None = None,
                           chat_id: str | None = None, lang: str | None = None) -> Citizen | None:
    """The citizen with this E.164 phone or chat id, created on first contact; None when neither is given."""
    if phone:
        key, values = Citizen.phone, {"phone": phone}
    elif chat_id:
        if len(chat_id) > MAX_CHAT_ID:
            raise InvalidInput(f"chat_id longer than {MAX_CHAT_ID} characters", field="chat_id")
        key, values = Citizen.chat_id, {"chat_id": chat_id}
    else:
        return None
    citizen, _ = _upsert(session, key, values, now=now, lang=lang, also={})
    return citizen


def find_or_create_citizen_and(session: Session, *, now: datetime, phone: str,
                               also: dict[str, ScalarSelect]) -> tuple[Citizen, dict]:
    """The citizen with this phone, found or created, and what `also`'s queries answer, in the same statement.

    A turn asks what it needs to know about the sender (an open thread, a survey waiting for an answer)
    with the upsert it makes anyway: one round trip instead of one per question. The queries must not
    depend on the citizen row being visible (on PostgreSQL a new row is not, to the statement's subqueries).
    """
    return _upsert(session, Citizen.phone, {"phone": phone}, now=now, lang=None, also=also)


def _upsert(session: Session, key, values: dict, *, now: datetime, lang: str | None,
            also: dict[str, ScalarSelect]) -> tuple[Citizen, dict]:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement, safe under concurrency: insert, or on conflict keep the row and remember the language
    # they used last (it is the one they get next time).
    stmt = insert(Citizen).values(**values, lang=lang or "zh", sms_opted_out=False, created_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key], set_={"lang": func.coalesce(lang, Citizen.lang)} if lang else {key.key: key})
    names = list(also)
    stmt = stmt.returning(Citizen, *(_Qualified(also[n]).label(f"also_{n}") for n in names))
    row = session.execute(stmt, execution_options={"populate_existing": True}).one()
    return row[0], dict(zip(names, row[1:]))


class _Qualified(ColumnElement):
    """A subquery in RETURNING that keeps its table names: SQLAlchemy leaves them out there on SQLite, where a
    subquery's joined tables then read as ambiguous (RETURNING itself must not name the table; its subqueries may)."""

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement)]

    def __init__(self, inner: ScalarSelect):
        self.inner = inner
        self.type = inner.type


@compiles(_Qualified)
def _compile_qualified(element: _Qualified, compiler, **kw) -> str:
    kw.pop("include_table", None)
    return compiler.process(element.inner, **kw)
