"""Big-data view (主动治理): hotspots, problems of the month and surge alerts; read-only, set-based queries.

Only citizens' tickets are counted: a proactive case the hotline opened itself (未诉先办) is not one more call.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from hotline.config import AssessmentConfig
from hotline.assessment.kpis import Period, add_months, bucket, month_period, parse_month, week_periods
from hotline.store.models import OPEN_STATUSES, ServiceCode, Ticket, Township


@dataclass
class Hotspot:
    """Tickets about the same thing in the same township in one period (合并同类项 candidates)."""

    service_code: str
    township_code: str
    count: int
    open_count: int
    clusters: int  # linked groups (a master and its similar tickets) plus unlinked tickets
    first_seen: datetime
    last_seen: datetime
    master_id: int | None = None  # the master of the biggest linked group, if any
    representative_id: int | None = None
    representative_reference: str = ""
    representative_text: str = ""
    township_name: str = ""
    service_name: str = ""


def hotspots(session: Session, *, start: datetime, end: datetime, config: AssessmentConfig,
             limit: int | None = None, min_tickets: int | None = None,
             district_code: str | None = None) -> list[Hotspot]:
    """The biggest service code × township groups opened in [start, end), biggest first, from three queries."""
    limit = config.hotspot_limit if limit is None else limit
    min_tickets = config.hotspot_min_tickets if min_tickets is None else min_tickets
    where = [Ticket.opened_at >= start, Ticket.opened_at < end, Ticket.township_code.is_not(None),
             Ticket.proactive.is_(False)]
    if district_code:
        where.append(Ticket.district_code == district_code)
    n = func.count().label("n")
    rows = session.execute(
        select(Ticket.service_code, Ticket.township_code, n,
               func.sum(case((Ticket.status.in_(OPEN_STATUSES), 1), else_=0)),
               func.min(Ticket.opened_at), func.max(Ticket.opened_at), func.min(Ticket.id),
               func.count(func.distinct(func.coalesce(Ticket.master_id, Ticket.id))))
        .where(*where).group_by(Ticket.service_code, Ticket.township_code)
        .having(func.count() >= min_tickets)
        .order_by(n.desc(), Ticket.service_code, Ticket.township_code).limit(limit)).all()
    spots = {(r[0], r[1]): Hotspot(r[0], r[1], r[2], r[3] or 0, r[7], r[4], r[5], representative_id=r[6])
             for r in rows}
    if not spots:
        return []
    # The representative is the master of the biggest linked group; without links, the first ticket.
    linked = session.execute(
        select(Ticket.service_code, Ticket.township_code, Ticket.master_id, func.count())
        .where(*where, Ticket.master_id.is_not(None),
               tuple_(Ticket.service_code, Ticket.township_code).in_(list(spots)))
        .group_by(Ticket.service_code, Ticket.township_code, Ticket.master_id)).all()
    best: dict[tuple[str, str], tuple[int, int]] = {}
    for code, town, master, count in linked:
        if count > best.get((code, town), (0, 0))[1]:
            best[(code, town)] = (master, count)
    for key, (master, _count) in best.items():
        spots[key].master_id = spots[key].representative_id = master
    ids = [s.representative_id for s in spots.values()]
    texts = {i: (ref, txt) for i, ref, txt in session.execute(
        select(Ticket.id, Ticket.reference, Ticket.text).where(Ticket.id.in_(ids)))}
    names = dict(session.execute(select(Township.code, Township.name)
                                 .where(Township.code.in_({t for _c, t in spots}))).all())
    services = dict(session.execute(select(ServiceCode.code, ServiceCode.name_zh)
                                    .where(ServiceCode.code.in_({c for c, _t in spots}))).all())
    for (code, town), s in spots.items():
        s.representative_reference, s.representative_text = texts.get(s.representative_id, ("", ""))
        s.township_name, s.service_name = names.get(town, town), services.get(code, code)
    return list(spots.values())


@dataclass
class Mover:
    """A service code or township: its volume this month and last month."""

    key: str
    name: str
    count: int
    previous: int

    @property
    def growth(self) -> int:
        """More (or fewer) tickets than last month."""
        return self.count - self.previous

    @property
    def growth_pct(self) -> float | None:
        """Growth relative to last month; None when last month had none."""
        return None if not self.previous else self.growth / self.previous


@dataclass
class Problems:
    """每月一题 candidates: what the city called about most, and what grew fastest."""

    month: str
    codes_by_volume: list[Mover]
    codes_by_growth: list[Mover]
    townships_by_volume: list[Mover]
    townships_by_growth: list[Mover]
    total: int
    previous_total: int


def _movers(session: Session, column, names: dict[str, str], cur: Period, prev: Period,
            district_code: str | None) -> list[Mover]:
    where = [Ticket.opened_at >= prev.start, Ticket.opened_at < cur.end, column.is_not(None),
             Ticket.proactive.is_(False)]
    if district_code:
        where.append(Ticket.district_code == district_code)
    in_cur = func.sum(case((Ticket.opened_at >= cur.start, 1), else_=0))
    in_prev = func.sum(case((Ticket.opened_at < prev.end, 1), else_=0))
    rows = session.execute(select(column, in_cur, in_prev).where(*where).group_by(column)).all()
    return [Mover(k, names.get(k, k), c or 0, p or 0) for k, c, p in rows]


def problems_of_the_month(session: Session, *, month: str, config: AssessmentConfig, top: int = 10,
                          min_growth_base: int = 5, district_code: str | None = None) -> Problems:
    """Top service codes and townships by volume, and by growth versus the month before (two queries)."""
    cur = month_period(month, config.timezone)
    prev = month_period(add_months(month, -1), config.timezone)
    codes = _movers(session, Ticket.service_code,
                    dict(session.execute(select(ServiceCode.code, ServiceCode.name_zh)).all()), cur, prev,
                    district_code)
    towns = _movers(session, Ticket.township_code,
                    dict(session.execute(select(Township.code, Township.name)).all()), cur, prev, district_code)

    def by_volume(ms):
        return sorted((m for m in ms if m.count), key=lambda m: (-m.count, m.key))[:top]

    def by_growth(ms):
        # Growth from a handful of tickets is noise: the month must reach min_growth_base tickets.
        return sorted((m for m in ms if m.count >= min_growth_base and m.growth > 0),
                      key=lambda m: (-m.growth, m.key))[:top]

    return Problems(month, by_volume(codes), by_growth(codes), by_volume(towns), by_growth(towns),
                    sum(m.count for m in codes), sum(m.previous for m in codes))


@dataclass
class Surge:
    """A township × code week far above its own recent weeks."""

    township_code: str
    service_code: str
    week: str  # local Monday the week starts
    count: int
    baseline: tuple[int, ...]
    mean: float
    sd: float
    threshold: float
    township_name: str = ""
    service_name: str = ""


def surges(session: Session, *, month: str, config: AssessmentConfig, as_of: datetime,
           district_code: str | None = None) -> list[Surge]:
    """Weeks starting in the month (and by as_of) whose count > mean + k·σ of the previous weeks, and >= a floor.

    One GROUP BY over township × code × week; the statistics are done on the small result.
    """
    period = month_period(month, config.timezone)
    last = min(period.end, as_of)
    if last <= period.start:
        return []
    base_n = config.surge_baseline_weeks
    # All weeks from the first one starting in the month back by the baseline, up to the week holding `last`.
    all_weeks: list[Period] = week_periods(last - timedelta(microseconds=1), 6 + base_n, config.timezone)
    eval_idx = [i for i, w in enumerate(all_weeks) if period.start <= w.start < last]
    if not eval_idx:
        return []
    first = eval_idx[0] - base_n
    all_weeks = all_weeks[max(0, first):]
    eval_idx = [i - max(0, first) for i in eval_idx]
    b = bucket(Ticket.opened_at, all_weeks)
    where = [Ticket.opened_at >= all_weeks[0].start, Ticket.opened_at < all_weeks[-1].end,
             Ticket.township_code.is_not(None), Ticket.proactive.is_(False)]
    if district_code:
        where.append(Ticket.district_code == district_code)
    rows = session.execute(
        select(Ticket.township_code.label("town"), Ticket.service_code.label("code"), b.label("w"),
               func.count()).where(*where)
        .group_by(literal_column("town"), literal_column("code"), literal_column("w"))).all()
    counts: dict[tuple[str, str], list[int]] = {}
    for town, code, w, n in rows:
        if w is None:
            continue
        counts.setdefault((town, code), [0] * len(all_weeks))[int(w)] = n
    out = []
    for (town, code), series in counts.items():
        for i in eval_idx:
            if i < base_n or series[i] < config.surge_min_tickets:
                continue
            baseline = series[i - base_n:i]
            mean, sd = statistics.fmean(baseline), statistics.pstdev(baseline)
            threshold = mean + config.surge_sigmas * sd
            if series[i] > threshold:
                out.append(Surge(town, code, all_weeks[i].label, series[i], tuple(baseline), mean, sd, threshold))
    if out:
        names = dict(session.execute(select(Township.code, Township.name)
                                     .where(Township.code.in_({s.township_code for s in out}))).all())
        services = dict(session.execute(select(ServiceCode.code, ServiceCode.name_zh)).all())
        for s in out:
            s.township_name, s.service_name = names.get(s.township_code, ""), services.get(s.service_code, "")
    out.sort(key=lambda s: (-(s.count - s.threshold), s.week, s.township_code, s.service_code))
    return out


def hotspot_tickets(*, service_code: str, township_code: str, start: datetime, end: datetime):
    """The citizens' tickets behind a hotspot, as a select of Ticket."""
    return (select(Ticket).where(Ticket.service_code == service_code, Ticket.township_code == township_code,
                                 Ticket.opened_at >= start, Ticket.opened_at < end, Ticket.proactive.is_(False))
            .order_by(Ticket.opened_at))



_WEEK = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def period_span(period: str, tz: str) -> Period:
    """The local month ("2026-11", a hotspot's) or week from a Monday ("2026-11-16", a surge's), in UTC.

    ValueError names what a period must look like.
    """
    if _WEEK.match(period or ""):
        try:
            monday = date.fromisoformat(period)
        except ValueError:
            monday = None
        if monday is None or monday.weekday() != 0:
            raise ValueError(f"a week is named by its Monday, like 2026-11-16, got {period!r}")
        noon = datetime(monday.year, monday.month, monday.day, 12, tzinfo=ZoneInfo(tz))
        return week_periods(noon, 1, tz)[0]
    parse_month(period or "")
    return month_period(period, tz)
