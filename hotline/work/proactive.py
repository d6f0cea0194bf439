"""未诉先办 (每月一题): a supervisor turns a hotspot or a surge into a proactive case the township leads.

A proactive case is a master ticket marked `proactive`, with no citizen of its own: routed to the
hotspot's township with its category's deadline, the hotspot's open tickets merged into it (each citizen's
ticket keeps its own 回访), and the chosen departments summoned (吹哨报到). When it is resolved the usual
fan-out answers every merged citizen; the case itself has nobody to survey, so it is closed with its answer
and it never counts as an order in the three rates. Staff open it in the console (channel "agent") and its
external_id is the hotspot key, unique with the channel, so one hotspot and period cannot be opened twice.
Use cases take the session first and never commit.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotline.config import Config
from hotline.errors import InvalidInput
from hotline.rules import deadlines
from hotline.store import references
from hotline.store.models import (CLOCK_FEEDBACK, CLOCK_SIGN_FOR, NEW, OPEN_STATUSES, PROACTIVE_SQL, Deadline,
                                  Department, ServiceCode, Ticket, Township, Whistle)
from hotline.store.unique import insert_or_get
from hotline.work import clusters, lifecycle as tickets
from hotline.work import whistles as summons

CHANNEL = "agent"  # staff open it in the console
KEY_PREFIX = "proactive:"  # its external_id, apart from any other agent-opened ticket's
MAX_TITLE = 200
MAX_DEPARTMENTS = 40  # one Beijing case summoned 32 departments
# A month (a hotspot) or the Monday a week starts (a surge); the caller gives the span it stands for.
_PERIOD = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# A case has no citizen to contact or survey: only the township's sign-for and the category's deadline run.
CASE_CLOCKS = (CLOCK_SIGN_FOR, CLOCK_FEEDBACK)


@dataclass(frozen=True)
class HotspotKey:
    """What a case is about: one service code in one township over one period (a month, or a surge's week)."""

    service_code: str
    township_code: str
    period: str  # "2026-11" (a hotspot's month) or "2026-11-16" (the Monday a surge week starts)

    @property
    def external_id(self) -> str:
        """The case's unique key among proactive tickets."""
        return f"{KEY_PREFIX}{self.service_code}:{self.township_code}:{self.period}"


@dataclass(frozen=True)
class OpenedCase:
    """A new proactive case: its ticket, how many citizens' tickets were merged in, the departments summoned."""

    ticket: Ticket
    merged: int
    whistles: list[Whistle]


def find_case(session: Session, key: HotspotKey) -> Ticket | None:
    """The proactive case already opened for this hotspot and period, if any."""
    return session.scalars(_same_key(key)).first()


def _same_key(key: HotspotKey):
    return select(Ticket).where(Ticket.channel == CHANNEL, Ticket.external_id == key.external_id)


def hotspot_open_tickets(session: Session, key: HotspotKey, start: datetime, end: datetime) -> list[Ticket]:
    """The citizens' tickets of the hotspot still open, oldest first (merged ones ride on their master already)."""
    return list(session.scalars(select(Ticket).where(
        Ticket.service_code == key.service_code, Ticket.township_code == key.township_code,
        Ticket.opened_at >= start, Ticket.opened_at < end, Ticket.proactive.is_(False),
        Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.opened_at, Ticket.id)))


def _clean_departments(session: Session, departments: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(d.strip() for d in departments if d and d.strip()))
    if not chosen:
        raise InvalidInput("choose at least one department to summon", field="departments")
    if len(chosen) > MAX_DEPARTMENTS:
        raise InvalidInput(f"summon at most {MAX_DEPARTMENTS} departments", field="departments")
    known = set(session.scalars(select(Department.code).where(Department.code.in_(chosen))))
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise InvalidInput(f"unknown department {', '.join(unknown)}", field="departments")
    return chosen


def _refuse_twice(session: Session, key: HotspotKey) -> None:
    existing = find_case(session, key)
    if existing is not None:
        raise InvalidInput(f"this hotspot and period already have a proactive case: {existing.reference}",
                           field="period", code="case_exists")
    running = clusters.running_case(session, key.service_code, key.township_code)
    if running is not None:
        raise InvalidInput(f"proactive case {running.reference} is still open for this service in this township; "
                           f"merge the new tickets into it", field="period", code="case_exists")


def _kind(session: Session, key: HotspotKey, start: datetime, end: datetime) -> str:
    """What the hotspot's citizens mostly asked for (a complaint when there is nobody yet)."""
    kinds = Counter(dict(session.execute(
        select(Ticket.kind, func.count()).where(
            Ticket.service_code == key.service_code, Ticket.township_code == key.township_code,
            Ticket.opened_at >= start, Ticket.opened_at < end, Ticket.proactive.is_(False))
        .group_by(Ticket.kind)).all()))
    return max(sorted(kinds), key=lambda k: kinds[k]) if kinds else "complaint"


def open_proactive_case(session: Session, *, key: HotspotKey, start: datetime, end: datetime, title: str,
                        departments: list[str], actor: str, now: datetime, config: Config) -> OpenedCase:
    """Open the case for a hotspot: the township leads, its open tickets merged in, the departments summoned.

    [start, end) is the span key.period stands for (hotline.assessment.hotspots.period_span computes it).
    """
    if not _PERIOD.match(key.period or "") or not start < end:
        raise InvalidInput("the period is a month like 2026-11 or a week's Monday like 2026-11-16", field="period")
    title = (title or "").strip()
    if not title:
        raise InvalidInput("a proactive case needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"the title is longer than {MAX_TITLE} characters", field="title")
    code = session.get(ServiceCode, key.service_code)
    if code is None:
        raise InvalidInput(f"unknown service code {key.service_code!r}", field="service_code")
    town = session.get(Township, key.township_code)
    if town is None:
        raise InvalidInput(f"unknown township {key.township_code!r}", field="township_code")
    chosen = _clean_departments(session, departments)
    _refuse_twice(session, key)

    limits = config.time_limits
    clocks = [c for c in deadlines.clocks_for(now, code.time_limit_class, limits) if c.clock in CASE_CLOCKS]
    feedback_due = next(c.due_at for c in clocks if c.clock == CLOCK_FEEDBACK)

    def make() -> Ticket:
        return Ticket(
            reference=references.next_reference(session, now, config.app.timezone), status=NEW,
            kind=_kind(session, key, start, end), group=code.group, service_code=code.code,
            time_limit_class=code.time_limit_class, classified_by="agent", confidence=1.0, needs_triage=False,
            proactive=True, channel=CHANNEL, external_id=key.external_id, lang=config.app.default_lang, text=title,
            location_text=town.name, district_code=town.district_code, township_code=town.code,
            unit_type="township", unit_code=town.code, department_code=code.department_code, citizen=None,
            media=[], details={"proactive": {"period": key.period, "from": start.isoformat(),
                                             "to": end.isoformat()}},
            opened_at=now, due_at=feedback_due, updated_at=now,
            deadlines=[Deadline(clock=c.clock, starts_at=c.starts_at, due_at=c.due_at, next_action_at=c.due_at)
                       for c in clocks])

    # The unique (channel, external_id) key settles a race between two supervisors: one case, the other refused.
    case, created = insert_or_get(session, make, _same_key(key), look_first=False)
    if not created:
        raise InvalidInput(f"this hotspot and period already have a proactive case: {case.reference}",
                           field="period", code="case_exists")
    tickets.record_event(session, case, actor=actor, action="open", now=now, to_status=NEW,
                         data={"channel": CHANNEL, "proactive": True, "service_code": code.code,
                               "hotspot": key.external_id})
    tickets.dispatch(session, case, unit_type="township", unit_code=town.code, actor=actor, now=now, limits=limits,
                     note="未诉先办")
    # The hotline assigns 每月一题 to the township, which leads it: signed as it opens, so it can whistle.
    tickets.sign(session, case, actor=actor, now=now)
    merged = clusters.merge_into(session, case, hotspot_open_tickets(session, key, start, end), actor=actor, now=now)
    blown = summons.summon(session, case, summons=[(d, title) for d in chosen], actor=actor, now=now, config=config)
    session.flush()
    return OpenedCase(case, merged, blown)


@dataclass(frozen=True)
class CaseRow:
    """One proactive case as the console lists it."""

    id: int
    reference: str
    title: str
    period: str
    service_code: str
    township_code: str
    township_name: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    merged: int  # citizens' tickets in the case (merged, or answered through it)
    whistles: int
    reported: int
    done: int

    @property
    def solved(self) -> bool:
        """The case has its answer."""
        return self.resolved_at is not None


def cases(session: Session, *, district_code: str | None = None, limit: int = 200) -> list[CaseRow]:
    """Proactive cases, newest first, with their merged count and whistles' state (three queries, not per case)."""
    stmt = (select(Ticket.id, Ticket.reference, Ticket.text, Ticket.external_id, Ticket.service_code,
                   Ticket.township_code, Township.name, Ticket.status, Ticket.opened_at, Ticket.resolved_at)
            .outerjoin(Township, Township.code == Ticket.township_code)
            .where(text(PROACTIVE_SQL)).order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(limit))
    if district_code:
        stmt = stmt.where(Ticket.district_code == district_code)
    rows = session.execute(stmt).all()
    ids = [r[0] for r in rows]
    if not ids:
        return []
    members = dict(session.execute(select(Ticket.master_id, func.count()).where(Ticket.master_id.in_(ids))
                                   .group_by(Ticket.master_id)).all())
    w = {tid: (n, rep or 0, dn or 0) for tid, n, rep, dn in session.execute(
        select(Whistle.ticket_id, func.count(), func.count(Whistle.reported_at), func.count(Whistle.done_at))
        .where(Whistle.ticket_id.in_(ids)).group_by(Whistle.ticket_id))}
    return [CaseRow(i, ref, text, (ext or "").rsplit(":", 1)[-1], code, town, name or town, status, opened,
                    resolved, members.get(i, 0), *w.get(i, (0, 0, 0)))
            for i, ref, text, ext, code, town, name, status, opened, resolved in rows]
