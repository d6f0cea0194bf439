"""Pure time-limit maths: every clock's due time from opened_at and the class; never reads the clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.config import TimeLimitsConfig

# Deadline clocks, one row each per ticket.
CLOCK_SIGN_FOR, CLOCK_FIRST_CONTACT, CLOCK_FEEDBACK, CLOCK_FOLLOWUP = (
    "sign_for", "first_contact", "feedback", "followup")


@dataclass(frozen=True)
class Clock:
    """One deadline: what must happen between starts_at and due_at."""

    clock: str
    starts_at: datetime
    due_at: datetime


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("deadline maths needs an aware datetime")


def feedback_due(opened_at: datetime, time_limit_class: str, limits: TimeLimitsConfig) -> datetime:
    """When the citizen must have had an answer (2 h / 24 h / 7 d / 15 d by default)."""
    _require_aware(opened_at)
    return opened_at + timedelta(hours=limits.feedback_hours[time_limit_class])


def sign_for_due(dispatched_at: datetime, time_limit_class: str, limits: TimeLimitsConfig) -> datetime:
    """When the handling unit must have signed for the order."""
    _require_aware(dispatched_at)
    return dispatched_at + timedelta(hours=limits.sign_for_hours[time_limit_class])


def clocks_for(opened_at: datetime, time_limit_class: str, limits: TimeLimitsConfig) -> list[Clock]:
    """Sign-for, first contact, feedback and follow-up clocks of a new ticket, in due order."""
    _require_aware(opened_at)
    feedback = feedback_due(opened_at, time_limit_class, limits)
    # Nothing may fall due after the feedback deadline itself, even with odd config.
    first_contact = min(opened_at + timedelta(hours=limits.first_contact_hours[time_limit_class]), feedback)
    sign_for = min(sign_for_due(opened_at, time_limit_class, limits), first_contact)
    followup = feedback + timedelta(hours=limits.followup_delay_hours)
    return [
        Clock(CLOCK_SIGN_FOR, opened_at, sign_for),
        Clock(CLOCK_FIRST_CONTACT, opened_at, first_contact),
        Clock(CLOCK_FEEDBACK, opened_at, feedback),
        Clock(CLOCK_FOLLOWUP, feedback, followup),
    ]


def local(moment: datetime, tz: str = "Asia/Shanghai") -> datetime:
    """The moment in the hotline's zone, for people."""
    _require_aware(moment)
    return moment.astimezone(ZoneInfo(tz))


def time_left(due_at: datetime, now: datetime) -> timedelta:
    """Time until due (negative when overdue)."""
    return due_at - now
