"""Ticket as the API shows it: deadlines as ISO 8601 with the hotline's offset."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.rules.deadlines import local
from hotline.rules.tracking import tracking_url
from hotline.store.models import Department, Ticket, Township


def iso(moment: datetime | None, tz: str) -> str | None:
    """2026-11-28T16:00:00+08:00."""
    return local(moment, tz).isoformat() if moment else None


def ticket_json(session: Session, ticket: Ticket, tz: str, master_reference: str | None = None, *,
                public_base_url: str) -> dict[str, Any]:
    """The public view of a ticket."""
    township = session.get(Township, ticket.township_code) if ticket.township_code else None
    dept_code = ticket.unit_code if ticket.unit_type == "department" else ticket.department_code
    department = session.get(Department, dept_code) if dept_code else None
    if master_reference is None and ticket.master_id:
        master = session.get(Ticket, ticket.master_id)
        master_reference = master.reference if master else None
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "kind": ticket.kind,
        "group": ticket.group,
        "service_code": ticket.service_code,
        "time_limit_class": ticket.time_limit_class,
        "channel": ticket.channel,
        "lang": ticket.lang,
        "text": ticket.text,
        "location": ticket.location_text,
        "opened_at": iso(ticket.opened_at, tz),
        "due_at": iso(ticket.due_at, tz),
        "resolved_at": iso(ticket.resolved_at, tz),
        "district": ticket.district_code,
        "township": ticket.township_code,
        "township_name": township.name if township else None,
        "unit_type": ticket.unit_type,
        "unit": ticket.unit_code,
        "department": department.code if department else None,
        "department_name": department.name_zh if department else None,
        "needs_triage": ticket.needs_triage,
        "master_reference": master_reference,
        "resolution": ticket.resolution,
        "tracking_url": tracking_url(public_base_url, ticket),
    }


def whistles_json(session: Session, ticket: Ticket, tz: str) -> list[dict[str, Any]]:
    """吹哨报到 on a ticket: who was summoned, when they reported in and when their part was done."""
    out = []
    for w in ticket.whistles:
        department = session.get(Department, w.department_code)
        out.append({"department": w.department_code, "department_name": department.name_zh if department else None,
                    "summoned_at": iso(w.blown_at, tz), "report_due_at": iso(w.report_due_at, tz),
                    "reported_at": iso(w.reported_at, tz), "done_at": iso(w.done_at, tz)})
    return out
