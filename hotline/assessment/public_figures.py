"""The public monthly ranking (考评 published): every street/township and department, and its open data.

The same figures as the console's ranking (kpis.ranking over every unit, no scope), so the published table
and the staff's cannot disagree. Only unit-level counts and rates: no ticket, no citizen, no complaint text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.assessment import kpis
from hotline.config import AssessmentConfig
from hotline.store.models import Department, Township

PUBLIC_UNIT_TYPES = ("township", "department")
# The open data's columns, in order (README "Public ranking and open data" says what each means).
COLUMNS = ("month", "unit_type", "unit_code", "unit_name", "unit_name_en", "district_code", "rank", "ranked",
           "below_minimum", "score", "response_rate", "response_ci_low", "response_ci_high", "resolution_rate",
           "resolution_ci_low", "resolution_ci_high", "satisfaction_rate", "satisfaction_ci_low",
           "satisfaction_ci_high", "due", "responded", "missed", "open_overdue", "evaluated", "solved", "unsolved",
           "rated", "satisfied", "basically", "unsatisfied")


@dataclass(frozen=True)
class PublicRanking:
    """One month's published ranking: the townships' and the departments' tables."""

    month: str
    as_of: datetime
    complete: bool  # False while the month is still running (the figures will move)
    min_orders_ranked: int
    tables: dict[str, list[kpis.UnitScore]]
    names_en: dict[tuple[str, str], str]

    def rows(self) -> list[dict]:
        """Every unit's figures as open data rows (townships first, then departments), in COLUMNS order."""
        out = []
        for unit_type in PUBLIC_UNIT_TYPES:
            for score in self.tables[unit_type]:
                d = score.as_dict()
                d["unit_name_en"] = self.names_en.get((unit_type, score.unit.code), score.unit.name)
                out.append({c: d[c] for c in COLUMNS})
        return out


def publishable_month(month: str, *, now: datetime, config: AssessmentConfig) -> bool:
    """A month that has begun (a future month has nothing to publish)."""
    try:
        kpis.parse_month(month)
    except ValueError:
        return False
    return month <= kpis.month_of(now, config.timezone)


def last_complete_month(now: datetime, config: AssessmentConfig) -> str:
    """The month before this one in local time: the latest finished assessment."""
    return kpis.add_months(kpis.month_of(now, config.timezone), -1)


def english_names(session: Session) -> dict[tuple[str, str], str]:
    """English names of the units: a department's own, a township's pinyin."""
    names = {("department", c): n for c, n in session.execute(select(Department.code, Department.name_en))}
    names.update({("township", c): p for c, p in session.execute(select(Township.code, Township.pinyin))})
    return names


def public_ranking(session: Session, *, month: str, config: AssessmentConfig, now: datetime) -> PublicRanking:
    """The month's ranking of every township and every department, as of now."""
    tables = {t: kpis.ranking(session, month=month, unit_type=t, config=config, as_of=now)
              for t in PUBLIC_UNIT_TYPES}
    complete = month < kpis.month_of(now, config.timezone)
    return PublicRanking(month, now, complete, config.min_orders_ranked, tables, english_names(session))
