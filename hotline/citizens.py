"""Citizens by phone (E.164) or chat id: normalise, find or create."""
from __future__ import annotations

from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.errors import InvalidInput, InvalidPhone
from hotline.models import Citizen

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
        where = Citizen.phone == phone
    elif chat_id:
        if len(chat_id) > MAX_CHAT_ID:
            raise InvalidInput(f"chat_id longer than {MAX_CHAT_ID} characters", field="chat_id")
        where = Citizen.chat_id == chat_id
    else:
        return None
    citizen = session.scalars(select(Citizen).where(where)).first()
    if citizen is not None:
        if lang and citizen.lang != lang:
            citizen.lang = lang  # the language they used last is the one they get next time
        return citizen
    citizen = Citizen(phone=phone, chat_id=None if phone else chat_id, lang=lang or "zh", created_at=now)
    try:
        # A savepoint, so a concurrent first contact from the same number does not spoil our transaction.
        with session.begin_nested():
            session.add(citizen)
    except IntegrityError:
        citizen = session.scalars(select(Citizen).where(where)).one()
    return citizen
