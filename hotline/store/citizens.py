"""Citizens by phone (E.164) or chat id: normalise, find or create."""
from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One statement, safe under concurrency: insert, or on conflict keep the row and remember the language
    # they used last (it is the one they get next time).
    stmt = insert(Citizen).values(**values, lang=lang or "zh", sms_opted_out=False, created_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key], set_={"lang": func.coalesce(lang, Citizen.lang)} if lang else {key.key: key})
    return session.scalars(stmt.returning(Citizen), execution_options={"populate_existing": True}).one()
