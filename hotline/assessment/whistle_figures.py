"""吹哨报到 in the assessment: per department 报到率 and parts done on time, per township the whistles and their end.

A department is measured on the whistles whose report-in deadline fell due in the month (报到率 =
reported in by that deadline ÷ summoned) and on the parts whose part-done deadline fell due in the
month (done by it ÷ due). As with the response rate, a clock still open past its deadline is a miss.
A township is counted on the whistles it blew in the month, each ending in one of OUTCOMES.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hotline.assessment.kpis import month_period
from hotline.config import AssessmentConfig
from hotline.store.models import OPEN_STATUSES, Department, Ticket, Township, Whistle

OUTCOMES = ("done_on_time", "done_late", "outstanding", "closed_undone")


@dataclass(frozen=True)
class DepartmentWhistles:
    """One department's summons in a month and how it answered them."""

    code: str
    name: str
    summoned: int
    reported_on_time: int
    parts_due: int
    done_on_time: int

    @property
    def report_rate(self) -> float | None:
        """报到率: reported in on time ÷ summoned."""
        return self.reported_on_time / self.summoned if self.summoned else None

    @property
    def done_rate(self) -> float | None:
        """Parts done on time ÷ parts due."""
        return self.done_on_time / self.parts_due if self.parts_due else None

    def as_dict(self) -> dict:
        """Plain values for JSON and CSV."""
        return {"department_code": self.code, "department_name": self.name, "summoned": self.summoned,
                "reported_on_time": self.reported_on_time, "report_rate": _round(self.report_rate),
                "parts_due": self.parts_due, "done_on_time": self.done_on_time, "done_rate": _round(self.done_rate)}


@dataclass(frozen=True)
class TownshipWhistles:
    """The whistles one township blew in a month, by how each ended."""

    code: str
    name: str
    blown: int
    done_on_time: int
    done_late: int
    outstanding: int
    closed_undone: int  # the ticket was resolved over an outstanding whistle (a supervisor's override)

    def as_dict(self) -> dict:
        """Plain values for JSON and CSV."""
        return {"township_code": self.code, "township_name": self.name, "blown": self.blown,
                "done_on_time": self.done_on_time, "done_late": self.done_late, "outstanding": self.outstanding,
                "closed_undone": self.closed_undone}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _sum(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


def _done_due():
    # Whistles blown before the part-done clock existed run to the ticket's deadline.
    return func.coalesce(Whistle.done_due_at, Ticket.due_at)


def department_whistles(session: Session, *, month: str, config: AssessmentConfig, as_of: datetime,
                        district_code: str | None = None) -> list[DepartmentWhistles]:
    """Every summoned department's 报到率 and parts done on time in the month, most summoned first.

    district_code counts only the whistles on that district's tickets (a district supervisor's view).
    """
    period = month_period(month, config.timezone)
    w = Whistle
    where = [Ticket.district_code == district_code] if district_code else []
    on_time = and_(w.reported_at.is_not(None), w.reported_at <= w.report_due_at)
    report = {code: (n, ok or 0) for code, n, ok in session.execute(
        select(w.department_code, func.count(), _sum(on_time)).join(Ticket, Ticket.id == w.ticket_id)
        .where(*where, w.report_due_at >= period.start, w.report_due_at < period.end, w.report_due_at <= as_of)
        .group_by(w.department_code))}
    due = _done_due()
    parts = {code: (n, ok or 0) for code, n, ok in session.execute(
        select(w.department_code, func.count(), _sum(and_(w.done_at.is_not(None), w.done_at <= due)))
        .join(Ticket, Ticket.id == w.ticket_id)
        .where(*where, due >= period.start, due < period.end, due <= as_of)
        .group_by(w.department_code))}
    codes = set(report) | set(parts)
    names = dict(session.execute(select(Department.code, Department.name_zh).where(Department.code.in_(codes))).all())
    rows = [DepartmentWhistles(c, names.get(c, c), *report.get(c, (0, 0)), *parts.get(c, (0, 0))) for c in codes]
    return sorted(rows, key=lambda r: (-r.summoned, -r.parts_due, r.code))


def township_whistles(session: Session, *, month: str, config: AssessmentConfig, as_of: datetime,
                      district_code: str | None = None) -> list[TownshipWhistles]:
    """Whistles blown by each township in the month and how they ended (as of as_of), most first."""
    period = month_period(month, config.timezone)
    w, due = Whistle, _done_due()
    done = and_(w.done_at.is_not(None), w.done_at <= as_of)
    undone = ~done
    stmt = (select(Ticket.unit_code, func.count(), _sum(and_(done, w.done_at <= due)), _sum(and_(done, w.done_at > due)),
                   _sum(and_(undone, Ticket.status.in_(OPEN_STATUSES))),
                   _sum(and_(undone, Ticket.status.not_in(OPEN_STATUSES))))
            .join(Ticket, Ticket.id == w.ticket_id)
            .where(w.blown_at >= period.start, w.blown_at < period.end, w.blown_at <= as_of,
                   Ticket.unit_type == "township", *([Ticket.district_code == district_code] if district_code else []))
            .group_by(Ticket.unit_code))
    counts = {code: tuple(int(x or 0) for x in rest) for code, *rest in session.execute(stmt)}
    names = dict(session.execute(select(Township.code, Township.name).where(Township.code.in_(counts))).all())
    rows = [TownshipWhistles(c, names.get(c, c), *counts[c]) for c in counts]
    return sorted(rows, key=lambda r: (-r.blown, r.code))
