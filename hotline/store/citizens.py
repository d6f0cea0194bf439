"""Citizens by phone (E.164) or chat id: normalise, find or create."""
from __future__ import annotations

import functools
from datetime import datetime

import phonenumbers
from sqlalchemy import ColumnElement, ScalarSelect, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal

from hotline.errors import InvalidInput, InvalidPhone
from hotline.store.models import Citizen
from hotline.store.rows import loaded

MAX_CHAT_ID = 64


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of a number as people write it (138 0013 8000, +86 10 1234 5678); InvalidPhone if not valid."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 32 or not isinstance(region, str):
        raise InvalidPhone()
    return _e164(raw, region)


@functools.lru_cache(maxsize=4096)
def _e164(raw: str, region: str) -> str:
    """normalize_phone's parsing, remembered: a turn normalises the sender's number several times, at ~0.1 ms each
    (an invalid number raises, and is not remembered)."""
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


class CitizenLookup:
    """The upsert of a citizen by phone asking `also`'s questions in the same statement, built once, run per message.

    A turn asks what it needs to know about the sender (an open thread, a survey waiting for an answer) with the
    upsert it makes anyway: one round trip instead of one per question. The questions are subqueries with bind
    parameters (`phone` is the sender's; others come with each run); they must not depend on the citizen row
    being visible (on PostgreSQL a new row is not, to the statement's subqueries).
    """

    def __init__(self, also: dict[str, ScalarSelect]):
        self.names = list(also)
        self._also = also
        self._statements: dict[str, object] = {}

    def run(self, session: Session, *, now: datetime, phone: str, **params) -> tuple[Citizen, dict]:
        """(the citizen, {name: answer})."""
        dialect = session.get_bind().dialect.name
        stmt = self._statements.get(dialect)
        if stmt is None:
            stmt = self._statements[dialect] = _upsert_statement(
                dialect, Citizen.phone, {"phone": bindparam("phone"), "created_at": bindparam("now")}, lang=None,
                also=self._also)
        row = session.connection().execute(stmt, {"phone": phone, "now": now, **params}).one()._mapping
        return _citizen(session, row), {n: row[f"also_{n}"] for n in self.names}


def _upsert(session: Session, key, values: dict, *, now: datetime, lang: str | None,
            also: dict[str, ScalarSelect]) -> tuple[Citizen, dict]:
    stmt = _upsert_statement(session.get_bind().dialect.name, key, {**values, "created_at": now}, lang=lang,
                             also=also)
    row = session.connection().execute(stmt).one()._mapping
    return _citizen(session, row), {n: row[f"also_{n}"] for n in also}


def _citizen(session: Session, row) -> Citizen:
    """The citizen the upsert returned, as the session's object (what a query with populate_existing gives)."""
    return loaded(session, Citizen, {c.key: row[c.key] for c in Citizen.__table__.columns})


def _upsert_statement(dialect: str, key, values: dict, *, lang: str | None, also: dict[str, ScalarSelect]):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement, safe under concurrency: insert, or on conflict keep the row and remember the language
    # they used last (it is the one they get next time).
    stmt = insert(Citizen).values(**values, lang=lang or "zh", sms_opted_out=False)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key], set_={"lang": func.coalesce(lang, Citizen.lang)} if lang else {key.key: key})
    return stmt.returning(*Citizen.__table__.columns, *(_Qualified(q).label(f"also_{n}") for n, q in also.items()))


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
