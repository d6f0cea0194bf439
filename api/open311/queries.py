"""The reads behind GET requests: filters, the date window, pages, and the names a page needs (no N+1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from api.open311.serializers import STATUS, Names
from hotline.store.models import Department, District, Ticket, Township


# What a GeoReport v2 request shows: loading only these skips the rest (free text of staff, clocks' JSON...).
SHOWN = load_only(Ticket.id, Ticket.reference, Ticket.status, Ticket.service_code, Ticket.channel, Ticket.text,
                  Ticket.unit_type, Ticket.unit_code, Ticket.township_code, Ticket.district_code, Ticket.opened_at,
                  Ticket.updated_at, Ticket.due_at, Ticket.location_text, Ticket.lat, Ticket.long, Ticket.media,
                  Ticket.resolution, Ticket.master_id)


@dataclass(frozen=True)
class RequestFilters:
    """What GET requests asked for, already checked."""

    start: datetime
    end: datetime
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # open | closed
    page: int = 1
    page_size: int = 200


def internal_statuses(open311_statuses: tuple[str, ...]) -> list[str]:
    """Our statuses behind open and/or closed."""
    return [ours for ours, theirs in STATUS.items() if theirs in open311_statuses]


def by_references(session: Session, references: list[str]) -> list[Ticket]:
    """The tickets with these references, in the order asked (unknown ones are left out)."""
    if not references:
        return []
    found = {t.reference: t for t in session.scalars(select(Ticket).options(SHOWN)
                                                     .where(Ticket.reference.in_(references)))}
    return [found[r] for r in dict.fromkeys(references) if r in found]


def requests_page(session: Session, f: RequestFilters) -> tuple[list[Ticket], bool]:
    """One page of tickets opened in the window, newest first, and whether another page follows."""
    query = select(Ticket).options(SHOWN).where(Ticket.opened_at >= f.start, Ticket.opened_at <= f.end)
    if f.service_codes:
        query = query.where(Ticket.service_code.in_(f.service_codes))
    if f.statuses and set(f.statuses) != {"open", "closed"}:
        query = query.where(Ticket.status.in_(internal_statuses(f.statuses)))
    rows = list(session.scalars(query.order_by(Ticket.opened_at.desc(), Ticket.id.desc())
                                .offset((f.page - 1) * f.page_size).limit(f.page_size + 1)))
    return rows[:f.page_size], len(rows) > f.page_size


def names_for(session: Session, tickets: list[Ticket]) -> Names:
    """Townships, departments, districts and master references the tickets mention: four statements at most."""
    town_codes = {t.township_code for t in tickets if t.township_code} | \
                 {t.unit_code for t in tickets if t.unit_type == "township" and t.unit_code}
    dept_codes = {t.unit_code for t in tickets if t.unit_type == "department" and t.unit_code}
    district_codes = {t.district_code for t in tickets if t.district_code}
    master_ids = {t.master_id for t in tickets if t.master_id}
    townships = {t.code: t for t in session.scalars(select(Township).where(Township.code.in_(town_codes)))} \
        if town_codes else {}
    departments = {d.code: d for d in session.scalars(select(Department).where(Department.code.in_(dept_codes)))} \
        if dept_codes else {}
    districts = dict(session.execute(select(District.code, District.name).where(District.code.in_(district_codes)))
                     .all()) if district_codes else {}
    masters = dict(session.execute(select(Ticket.id, Ticket.reference).where(Ticket.id.in_(master_ids))).all()) \
        if master_ids else {}
    return Names(townships, departments, districts, masters)
