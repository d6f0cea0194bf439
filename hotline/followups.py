"""Follow-up (回访) work: due surveys, their answers by SMS or keys, attempts and outcomes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def answer_from_sms(session: Session, *, phone: str, body: str, now: datetime) -> str | None:
    """If this number owes an answer to a follow-up survey, record it and return the reply; else None.

    The SMS channel calls this before the dialogue. The scheduler issue implements the survey.
    """
    return None
