"""The citizen's tracking page as data: what a ticket's public page may show, and nothing personal.

Found by the ticket's unguessable token only (never by reference). It carries the category, status, the unit,
the clocks, the whistle record (事不完，人不走 made visible), the answer and the follow-up; never the
complaint's own words, the place as typed, the phone, the name or the e-mail of anybody.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.privacy import redact_phones
from hotline.rules.taxonomy import Taxonomy
from hotline.rules.tracking import is_tracking_token
from hotline.store.models import MERGED, Department, Ticket, Township, Whistle

# A phone number as people write it, with spaces or dashes: mobile 138 0013 8000, landline 010-6512-3456,
# local 6512-3456, any of them after +86 (a date such as 2026-12-01 does not match).
_SPACED_PHONE = re.compile(r"(?<![\d-])(?:\+?86[ -]?)?(?:1\d{2}[ -]?\d{4}[ -]?\d{4}|0\d{2,3}[ -]?\d{3,4}[ -]?\d{4}"
                           r"|\d{4}[ -]\d{4})(?![\d-])")
# The clocks a citizen cares about, in the order they run.
CLOCKS = ("sign_for", "first_contact", "feedback", "followup")


@dataclass(frozen=True)
class Name:
    """A unit's name in both languages (a township's English name is its own with the pinyin)."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Clock:
    """One deadline of the ticket: when it falls due and when (if) it was met."""

    clock: str
    due_at: datetime
    met_at: datetime | None
    state: str


@dataclass(frozen=True)
class WhistleLine:
    """One summoned department: summoned, reported in, part done."""

    department_code: str
    department: Name
    summoned_at: datetime
    report_due_at: datetime
    reported_at: datetime | None
    done_due_at: datetime | None
    done_at: datetime | None


@dataclass(frozen=True)
class TrackingView:
    """Everything the tracking page shows."""

    reference: str
    lang: str  # the language the citizen spoke: the page's language unless they choose another
    status: str
    kind: str
    group: str
    category: Name
    time_limit_class: str
    opened_at: datetime
    due_at: datetime
    unit_type: str
    unit: Name | None
    clocks: list[Clock]
    whistles: list[WhistleLine]
    answer: str | None  # phone-number-like digit runs masked
    resolved_at: datetime | None
    followed_up_at: datetime | None
    followup_solved: bool | None
    followup_satisfaction: str | None
    master_reference: str | None  # merged: handled together with this one

    @property
    def whistles_outstanding(self) -> int:
        """Summoned departments whose part is not yet done."""
        return sum(1 for w in self.whistles if w.done_at is None)


def _unit_name(session: Session, unit_type: str, code: str | None) -> Name | None:
    if not code:
        return None
    if unit_type == "township":
        town = session.get(Township, code)
        if town is None:
            return Name(code, code)
        return Name(town.name, f"{town.name} ({town.pinyin})" if town.pinyin else town.name)
    dept = session.get(Department, code)
    return Name(dept.name_zh, dept.name_en) if dept else Name(code, code)


def mask_answer(text: str | None) -> str | None:
    """The answer as published: phone numbers (also written with spaces or dashes) masked."""
    if not text:
        return text
    # A spaced number is one number to a reader: close its gaps so it is masked whole.
    return redact_phones(_SPACED_PHONE.sub(lambda m: re.sub(r"[ -]", "", m.group(0)), text))


def tracking_view(session: Session, token: str, taxonomy: Taxonomy) -> TrackingView | None:
    """The public view of the ticket with this token; None for a wrong token (the page is a 404)."""
    if not is_tracking_token(token):
        return None
    ticket = session.scalars(select(Ticket).where(Ticket.tracking_token == token)
                             .options(selectinload(Ticket.deadlines),
                                      selectinload(Ticket.whistles).selectinload(Whistle.department))).first()
    if ticket is None:
        return None
    code = taxonomy.codes.get(ticket.service_code)
    category = Name(code.name_zh, code.name_en) if code else Name(ticket.service_code, ticket.service_code)
    by_clock = {d.clock: d for d in ticket.deadlines}
    clocks = [Clock(c, by_clock[c].due_at, by_clock[c].met_at, by_clock[c].state)
              for c in CLOCKS if c in by_clock and by_clock[c].state != "cancelled"]
    whistles = [WhistleLine(w.department_code,
                            Name(w.department.name_zh, w.department.name_en) if w.department
                            else Name(w.department_code, w.department_code),
                            w.blown_at, w.report_due_at, w.reported_at, w.done_due_at, w.done_at)
                for w in ticket.whistles]
    master = session.get(Ticket, ticket.master_id) if ticket.master_id and ticket.status == MERGED else None
    unit_code = ticket.unit_code
    return TrackingView(
        reference=ticket.reference, lang=ticket.lang or "zh", status=ticket.status, kind=ticket.kind,
        group=ticket.group, category=category,
        time_limit_class=ticket.time_limit_class, opened_at=ticket.opened_at, due_at=ticket.due_at,
        unit_type=ticket.unit_type, unit=_unit_name(session, ticket.unit_type, unit_code), clocks=clocks,
        whistles=whistles, answer=mask_answer(ticket.resolution), resolved_at=ticket.resolved_at,
        followed_up_at=ticket.followed_up_at, followup_solved=ticket.followup_solved,
        followup_satisfaction=ticket.followup_satisfaction,
        master_reference=master.reference if master else None)
