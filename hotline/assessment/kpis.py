"""Assessment (考评): the three rates of every unit per month, the composite score, ranks and trends; read-only.

Every figure comes from a few GROUP BY queries over all units at once (never a query per unit), and
the orders behind each figure are selected with the very same predicates (`orders_behind`), so a
number and its list cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from hotline.config import AssessmentConfig
from hotline.store.models import (MERGED, NEW, OPEN_STATUSES, Deadline, Department, District, EarlierFollowup, Ticket,
                                  Township)

UNIT_TYPES = ("township", "department", "district")
RATE_NAMES = ("response", "resolution", "satisfaction")
# Which orders a figure stands for; `orders_behind` lists them.
MEASURES = ("due", "responded", "missed", "open_overdue", "evaluated", "solved", "unsolved",
            "rated", "satisfied", "basically", "unsatisfied")


# ---------------------------------------------------------------- periods in local time

@dataclass(frozen=True)
class Period:
    """A half-open span [start, end) in UTC with a label in local terms ("2026-11", "W47")."""

    start: datetime
    end: datetime
    label: str


def parse_month(month: str) -> tuple[int, int]:
    """(year, month) from "2026-11"; ValueError otherwise."""
    try:
        year, mon = (int(x) for x in month.split("-"))
    except ValueError:
        raise ValueError(f"month must look like 2026-11, got {month!r}") from None
    if not (1 <= mon <= 12 and 2000 <= year <= 2100) or len(month) != 7:
        raise ValueError(f"month must look like 2026-11, got {month!r}")
    return year, mon


def add_months(month: str, n: int) -> str:
    """The month n months after (or before, n < 0) month."""
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_period(month: str, tz: str) -> Period:
    """The month from 00:00 local on the 1st to 00:00 local on the 1st of the next month, in UTC."""
    zone = ZoneInfo(tz)
    year, mon = parse_month(month)
    nyear, nmon = parse_month(add_months(month, 1))
    start = datetime(year, mon, 1, tzinfo=zone).astimezone(ZoneInfo("UTC"))
    end = datetime(nyear, nmon, 1, tzinfo=zone).astimezone(ZoneInfo("UTC"))
    return Period(start, end, month)


def month_of(moment: datetime, tz: str) -> str:
    """The local month a moment falls in, "2026-12"."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def last_months(month: str, n: int, tz: str) -> list[Period]:
    """n months ending with month, oldest first."""
    return [month_period(add_months(month, k - n + 1), tz) for k in range(n)]


def week_periods(end: datetime, n: int, tz: str) -> list[Period]:
    """n consecutive local weeks (Monday 00:00 to Monday 00:00) ending with the week that contains end, oldest first."""
    zone = ZoneInfo(tz)
    local = end.astimezone(zone)
    monday = datetime(local.year, local.month, local.day, tzinfo=zone) - timedelta(days=local.weekday())
    out = []
    for k in range(n - 1, -1, -1):
        start_local = monday - timedelta(weeks=k)
        # Build from the wall-clock date so a zone with daylight saving keeps local midnights.
        s = datetime(start_local.year, start_local.month, start_local.day, tzinfo=zone)
        e_local = s + timedelta(days=7)
        e = datetime(e_local.year, e_local.month, e_local.day, tzinfo=zone)
        out.append(Period(s.astimezone(ZoneInfo("UTC")), e.astimezone(ZoneInfo("UTC")), f"{s:%Y-%m-%d}"))
    return out


def bucket(column, periods: Sequence[Period]) -> ColumnElement:
    """The index of the period a timestamp falls in, as SQL (portable CASE; NULL outside all periods)."""
    return case(*[(and_(column >= p.start, column < p.end), literal_column(str(i))) for i, p in enumerate(periods)],
                else_=None)


# ---------------------------------------------------------------- units and scores

@dataclass(frozen=True)
class Unit:
    """Something that is assessed: a township, a department (utilities, district governments) or a district."""

    type: str
    code: str
    name: str
    district_code: str | None = None
    kind: str = ""  # township type (街道, 镇, 地区 …) or department type


@dataclass
class UnitScore:
    """One unit's counts, rates, score and rank for one period."""

    unit: Unit
    period: str
    due: int = 0
    responded: int = 0
    open_overdue: int = 0
    evaluated: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0
    basically: int = 0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    score: float | None = None
    rank: int | None = None
    rates_used: tuple[str, ...] = field(default=())
    # Fewer orders due than assessment.min_orders_ranked: shown, not ranked.
    below_minimum: bool = False
    response_ci: tuple[float, float] | None = None
    resolution_ci: tuple[float, float] | None = None
    satisfaction_ci: tuple[float, float] | None = None

    @property
    def missed(self) -> int:
        """Orders due that were not responded to in time (open-overdue ones included)."""
        return self.due - self.responded

    @property
    def unsolved(self) -> int:
        """Follow-ups answering "not solved"."""
        return self.evaluated - self.solved

    @property
    def unsatisfied(self) -> int:
        """Ratings that were neither satisfied nor basically satisfied."""
        return self.rated - self.satisfied - self.basically

    def as_dict(self) -> dict:
        """Plain values for JSON and CSV."""
        return {"unit_type": self.unit.type, "unit_code": self.unit.code, "unit_name": self.unit.name,
                "district_code": self.unit.district_code, "month": self.period, "rank": self.rank,
                "score": _round(self.score), "response_rate": _round(self.response_rate),
                "resolution_rate": _round(self.resolution_rate),
                "satisfaction_rate": _round(self.satisfaction_rate), "due": self.due,
                "responded": self.responded, "missed": self.missed, "open_overdue": self.open_overdue,
                "evaluated": self.evaluated, "solved": self.solved, "unsolved": self.unsolved, "rated": self.rated,
                "satisfied": self.satisfied, "basically": self.basically, "unsatisfied": self.unsatisfied,
                "ranked": self.rank is not None, "below_minimum": self.below_minimum,
                **{f"{n}_ci_low": _round(ci[0]) if ci else None for n, ci in self._cis()},
                **{f"{n}_ci_high": _round(ci[1]) if ci else None for n, ci in self._cis()}}

    def _cis(self) -> list[tuple[str, tuple[float, float] | None]]:
        return [("response", self.response_ci), ("resolution", self.resolution_ci),
                ("satisfaction", self.satisfaction_ci)]


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a rate successes/n (None when n is 0): honest for small counts."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def load_units(session: Session, unit_type: str) -> list[Unit]:
    """Every unit of a type, in code order, from the reference tables."""
    if unit_type == "township":
        rows = session.execute(select(Township.code, Township.name, Township.district_code, Township.type)
                               .order_by(Township.code)).all()
    elif unit_type == "department":
        rows = session.execute(select(Department.code, Department.name_zh, Department.district_code,
                                      Department.type).order_by(Department.code)).all()
    elif unit_type == "district":
        rows = session.execute(select(District.code, District.name, District.code, literal("district"))
                               .order_by(District.code)).all()
    else:
        raise ValueError(f"unit type must be one of {', '.join(UNIT_TYPES)}")
    return [Unit(unit_type, code, name, district, kind) for code, name, district, kind in rows]


def _unit_key(unit_type: str) -> tuple[ColumnElement, list[ColumnElement]]:
    """The column that names a ticket's unit for this unit type, and the filter for that type."""
    if unit_type == "district":
        return Ticket.district_code, [Ticket.district_code.is_not(None)]
    if unit_type in ("township", "department"):
        return Ticket.unit_code, [Ticket.unit_type == unit_type, Ticket.unit_code.is_not(None)]
    raise ValueError(f"unit type must be one of {', '.join(UNIT_TYPES)}")


# ---------------------------------------------------------------- the predicates (shared by counts and lists)

def _met_in_time(d) -> ColumnElement:
    return and_(d.met_at.is_not(None), d.met_at <= d.due_at)


class _Response:
    """Aliases and predicates of the response rate: anchor clock due in the period, every counted clock met."""

    def __init__(self, config: AssessmentConfig):
        self.config = config
        clocks = tuple(config.response_clocks)
        self.anchor_clock = clocks[-1]
        self.anchor = aliased(Deadline, name="anchor")
        self.others = [(c, aliased(Deadline, name=f"clock_{c}")) for c in clocks[:-1]]

    def joined(self, stmt: Select) -> Select:
        """stmt over the anchor clock, its ticket and the other counted clocks."""
        stmt = stmt.select_from(self.anchor).join(Ticket, Ticket.id == self.anchor.ticket_id)
        for clock, d in self.others:
            stmt = stmt.outerjoin(d, and_(d.ticket_id == self.anchor.ticket_id, d.clock == clock))
        return stmt

    def due(self, start: datetime, end: datetime, as_of: datetime) -> list[ColumnElement]:
        """Orders whose anchor clock falls due in [start, end) and by as_of.

        Merged duplicates ride on their master; a ticket still in the hotline's triage queue (never
        dispatched) is the hotline's delay, not the unit's, so it is left out until it is dispatched.
        Consultations the hotline answered itself count only when the config says so; a proactive case
        (未诉先办) is nobody's order, its merged citizens' tickets are.
        """
        a = self.anchor
        return [a.clock == self.anchor_clock, a.due_at >= start, a.due_at < end, a.due_at <= as_of,
                a.state != "cancelled", Ticket.status.not_in((MERGED, NEW)), *_citizen_orders(self.config)]

    def hit(self) -> ColumnElement:
        """Every counted clock met by its own deadline (a missing or cancelled non-anchor clock does not count)."""
        parts = [_met_in_time(self.anchor)]
        for _clock, d in self.others:
            parts.append(or_(d.id.is_(None), d.state == "cancelled", _met_in_time(d)))
        return and_(*parts)

    def open_overdue(self) -> ColumnElement:
        """Still open and the anchor clock never met: the misses a "% closed on time" figure would hide."""
        return and_(~self.hit(), Ticket.status.in_(OPEN_STATUSES), self.anchor.met_at.is_(None))


def _consult_filter(config: AssessmentConfig) -> list[ColumnElement]:
    """Leave out consultations the hotline answered itself, unless assessment.count_answered_consults."""
    return [] if config.count_answered_consults else [Ticket.answered_by_hotline.is_(False)]


def _citizen_orders(config: AssessmentConfig) -> list[ColumnElement]:
    """Citizens' orders only: never a proactive case the hotline opened itself, and consults as configured."""
    return [Ticket.proactive.is_(False), *_consult_filter(config)]


def _followup_filters(start: datetime, end: datetime, config: AssessmentConfig) -> list[ColumnElement]:
    return [Ticket.followed_up_at >= start, Ticket.followed_up_at < end, *_citizen_orders(config)]


def _sum(condition: ColumnElement) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


# ---------------------------------------------------------------- the set-based counts

def _counts(session: Session, unit_type: str, periods: Sequence[Period], *, as_of: datetime,
            config: AssessmentConfig, unit_code: str | None = None) -> dict[tuple[int, str], dict[str, int]]:
    """Counts per (period index, unit code), from two GROUP BY queries whatever the number of units."""
    key, type_filters = _unit_key(unit_type)
    if unit_code is not None:
        type_filters = [*type_filters, key == unit_code]
    lo, hi = periods[0].start, periods[-1].end
    out: dict[tuple[int, str], dict[str, int]] = {}

    # GROUP BY names the output columns: PostgreSQL does not match a CASE full of bound times to itself.
    group = (literal_column("p"), literal_column("unit_key"))
    r = _Response(config)
    b = bucket(r.anchor.due_at, periods)
    stmt = r.joined(select(b.label("p"), key.label("unit_key"), func.count().label("due"),
                           _sum(r.hit()).label("responded"), _sum(r.open_overdue()).label("open_overdue")))
    stmt = stmt.where(*r.due(lo, hi, as_of), *type_filters).group_by(*group)
    for p, unit, due, responded, open_overdue in session.execute(stmt):
        if p is None:
            continue
        out.setdefault((int(p), unit), {}).update(due=due, responded=responded or 0, open_overdue=open_overdue or 0)

    b = bucket(Ticket.followed_up_at, periods)
    sat = Ticket.followup_satisfaction
    stmt = (select(b.label("p"), key.label("unit_key"), func.count(Ticket.followup_solved).label("evaluated"),
                   _sum(Ticket.followup_solved.is_(True)).label("solved"), func.count(sat).label("rated"),
                   _sum(sat == "satisfied").label("satisfied"), _sum(sat == "basically").label("basically"))
            .where(*_followup_filters(lo, hi, config), Ticket.followed_up_at <= as_of, *type_filters)
            .group_by(*group))
    for p, unit, evaluated, solved, rated, satisfied, basically in session.execute(stmt):
        if p is None:
            continue
        out.setdefault((int(p), unit), {}).update(evaluated=evaluated, solved=solved or 0, rated=rated,
                                                  satisfied=satisfied or 0, basically=basically or 0)
    _add_earlier_followups(session, out, unit_type, periods, as_of=as_of, unit_code=unit_code)
    return out


def _add_earlier_followups(session: Session, out: dict, unit_type: str, periods: Sequence[Period], *,
                           as_of: datetime, unit_code: str | None) -> None:
    """First surveys of reopened tickets, superseded on the ticket but still counted in their own month."""
    e = EarlierFollowup
    if unit_type == "district":
        key, filters = e.district_code, [e.district_code.is_not(None)]
    else:
        key, filters = e.unit_code, [e.unit_type == unit_type, e.unit_code.is_not(None)]
    if unit_code is not None:
        filters.append(key == unit_code)
    b = bucket(e.followed_up_at, periods)
    sat = e.followup_satisfaction
    stmt = (select(b.label("p"), key.label("unit_key"), func.count(e.followup_solved), _sum(e.followup_solved.is_(True)),
                   func.count(sat), _sum(sat == "satisfied"), _sum(sat == "basically"))
            .where(e.followed_up_at >= periods[0].start, e.followed_up_at < periods[-1].end,
                   e.followed_up_at <= as_of, *filters)
            .group_by(literal_column("p"), literal_column("unit_key")))
    for p, unit, evaluated, solved, rated, satisfied, basically in session.execute(stmt):
        if p is None:
            continue
        row = out.setdefault((int(p), unit), {})
        for name, n in (("evaluated", evaluated), ("solved", solved), ("rated", rated), ("satisfied", satisfied),
                        ("basically", basically)):
            row[name] = row.get(name, 0) + (n or 0)


def _finish(score: UnitScore, config: AssessmentConfig) -> UnitScore:
    """Rates from counts, and the weighted score over the rates that have something to measure."""
    score.response_rate = score.responded / score.due if score.due else None
    score.resolution_rate = score.solved / score.evaluated if score.evaluated else None
    good = score.satisfied + (score.basically if config.count_basically_satisfied else 0)
    score.satisfaction_rate = good / score.rated if score.rated else None
    rates = {"response": score.response_rate, "resolution": score.resolution_rate,
             "satisfaction": score.satisfaction_rate}
    used = [(name, float(config.weights.get(name, 0))) for name in RATE_NAMES
            if rates[name] is not None and config.weights.get(name, 0) > 0]
    total = sum(w for _, w in used)
    score.score = 100 * sum(rates[n] * w for n, w in used) / total if total else None
    score.rates_used = tuple(n for n, _ in used)
    z = config.confidence_z
    score.response_ci = wilson(score.responded, score.due, z)
    score.resolution_ci = wilson(score.solved, score.evaluated, z)
    score.satisfaction_ci = wilson(good, score.rated, z)
    score.below_minimum = score.due < config.min_orders_ranked
    return score


def rank_in_place(scores: list[UnitScore]) -> list[UnitScore]:
    """Sort by score, ties by volume (orders due), and give competition ranks (1, 2, 2, 4).

    Units below the minimum volume and units with no score are listed after the ranked ones, unranked.
    """
    def rankable(s: UnitScore) -> bool:
        return s.score is not None and not s.below_minimum

    scores.sort(key=lambda s: (not rankable(s), s.score is None, -(s.score or 0.0), -s.due, s.unit.code))
    previous, rank = None, 0
    for i, s in enumerate(scores, start=1):
        if not rankable(s):
            s.rank = None
            continue
        key = (round(s.score, 6), s.due)
        if key != previous:
            rank, previous = i, key
        s.rank = rank
    return scores


def ranking(session: Session, *, month: str, unit_type: str, config: AssessmentConfig, as_of: datetime,
            only_unit: str | None = None, district_code: str | None = None) -> list[UnitScore]:
    """Every unit of the type for the month, best first, ranked among its peers.

    only_unit limits the answer to that unit's own row and district_code to the units of one district
    (ranks still count every peer): a unit sees itself, a district supervisor sees the district.
    """
    period = month_period(month, config.timezone)
    counts = _counts(session, unit_type, [period], as_of=as_of, config=config)
    units = {u.code: u for u in load_units(session, unit_type)}
    for _p, code in counts:
        units.setdefault(code, Unit(unit_type, code, code))  # a code missing from the reference tables
    scores = [_finish(UnitScore(unit=u, period=month, **counts.get((0, code), {})), config)
              for code, u in units.items()]
    rank_in_place(scores)
    if only_unit is not None:
        scores = [s for s in scores if s.unit.code == only_unit]
    if district_code is not None:
        scores = [s for s in scores if s.unit.district_code == district_code]
    return scores


def trends(session: Session, *, month: str, unit_type: str, config: AssessmentConfig, as_of: datetime,
           months: int = 12, unit_code: str | None = None) -> dict[str, list[UnitScore]]:
    """Each unit's scores over the months ending with month (oldest first), from the same two queries."""
    periods = last_months(month, months, config.timezone)
    counts = _counts(session, unit_type, periods, as_of=as_of, config=config, unit_code=unit_code)
    units = {u.code: u for u in load_units(session, unit_type) if unit_code in (None, u.code)}
    for _p, code in counts:
        units.setdefault(code, Unit(unit_type, code, code))
    return {code: [_finish(UnitScore(unit=u, period=p.label, **counts.get((i, code), {})), config)
                   for i, p in enumerate(periods)]
            for code, u in units.items()}


def orders_behind(*, month: str, unit_type: str, unit_code: str, measure: str, config: AssessmentConfig,
                  as_of: datetime) -> Select:
    """The tickets a figure counts, as a select of Ticket (same predicates as the counts)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
    period = month_period(month, config.timezone)
    key, type_filters = _unit_key(unit_type)
    filters = [*type_filters, key == unit_code]
    if measure in ("due", "responded", "missed", "open_overdue"):
        r = _Response(config)
        stmt = r.joined(select(Ticket)).where(*r.due(period.start, period.end, as_of), *filters)
        extra = {"due": None, "responded": r.hit(), "missed": ~r.hit(), "open_overdue": r.open_overdue()}[measure]
        stmt = stmt if extra is None else stmt.where(extra)
        return stmt.order_by(Ticket.id)
    sat = Ticket.followup_satisfaction
    extra = {"evaluated": Ticket.followup_solved.is_not(None), "solved": Ticket.followup_solved.is_(True),
             "unsolved": Ticket.followup_solved.is_(False), "rated": sat.is_not(None),
             "satisfied": sat == "satisfied", "basically": sat == "basically",
             "unsatisfied": sat == "unsatisfied"}[measure]
    return (select(Ticket).where(*_followup_filters(period.start, period.end, config), Ticket.followed_up_at <= as_of,
                                 *filters, extra).order_by(Ticket.id))


def describe(config: AssessmentConfig, time_limits=None) -> list[str]:
    """"How this is computed", in sentences generated from the settings in force."""
    clocks = ", ".join(c.replace("_", "-") for c in config.response_clocks)
    weights = {n: float(config.weights.get(n, 0)) for n in RATE_NAMES}
    total = sum(weights.values())
    share = ", ".join(f"{n} {100 * w / total:g}%" for n, w in weights.items())
    basically = ("count as satisfied" if config.count_basically_satisfied else "do not count as satisfied")
    lines = [
        f"Months run from 00:00 to 00:00 local time in {config.timezone}; a ticket belongs to the month in "
        f"local time (2026-11-30 16:00 UTC is 2026-12-01 00:00 in Beijing and counts in December).",
        f"Response rate = orders that met every one of these clocks in time ({clocks}) ÷ orders whose "
        f"{config.response_clocks[-1].replace('_', '-')} clock fell due in the month. An order still open past "
        f"that deadline counts as a miss (it is not left out as \"not yet closed\"). Merged duplicates are "
        f"counted once, on their master ticket; a ticket still waiting in the hotline's triage queue counts "
        f"only once it has been dispatched.",
        "Resolution rate = follow-ups (回访) in the month whose answer was \"solved\" ÷ follow-ups in the month "
        "that answered the question.",
        f"Satisfaction rate = \"satisfied\" answers ÷ follow-ups in the month that rated the service; "
        f"\"basically satisfied\" answers {basically}.",
        f"Composite score = weighted mean of the three rates × 100 with weights {share} (to be confirmed by "
        f"the operator). A rate with nothing to measure that month is left out and the other weights scale up.",
        f"Rank = position among units of the same type by score; at equal score the unit with more orders due "
        f"ranks higher (equal score and volume share a rank). A unit with fewer than {config.min_orders_ranked} "
        f"orders due in the month is shown but not ranked (marked), and so is a unit with nothing to score.",
        f"Each rate is shown with its count and a Wilson score interval (z = {config.confidence_z:g}): the range "
        f"the unit's true rate plausibly lies in, wide when the count is small.",
        "Consultations the hotline answered itself (from the knowledge base or by an agent at intake, never "
        "dispatched) " + ("count in the rates where their place says (the district's)."
                          if config.count_answered_consults
                          else "are the hotline's own work and are left out of every unit's rates."),
        "A proactive case (未诉先办) the hotline opens from a hotspot is nobody's order and is left out of the "
        "rates; the citizens' tickets merged into it count, each with its own follow-up.",
    ]
    if time_limits is not None:
        rows = []
        for clock, table in (("sign-for", time_limits.sign_for_hours), ("first-contact", time_limits.first_contact_hours),
                             ("feedback", time_limits.feedback_hours)):
            rows.append(f"{clock}: " + ", ".join(f"{cls} {hours:g} h" for cls, hours in table.items()))
        lines.append("Clocks by time-limit class — " + "; ".join(rows) + ".")
    return lines


# ---------------------------------------------------------------- figures for the charts (one GROUP BY each)

def volume_by(session: Session, column, periods: Sequence[Period], *, district_code: str | None = None,
              ) -> dict[str, list[int]]:
    """Tickets opened per value of column (group, channel …) in each period: {value: [count per period]}."""
    b = bucket(Ticket.opened_at, periods)
    where = [Ticket.opened_at >= periods[0].start, Ticket.opened_at < periods[-1].end]
    if district_code:
        where.append(Ticket.district_code == district_code)
    rows = session.execute(select(b.label("p"), column.label("k"), func.count()).where(*where)
                           .group_by(literal_column("p"), literal_column("k"))).all()
    out: dict[str, list[int]] = {}
    for p, k, n in rows:
        if p is not None:
            out.setdefault(k or "", [0] * len(periods))[int(p)] = n
    return out


@dataclass(frozen=True)
class ClockCompliance:
    """One clock across all tickets whose deadline fell in the month."""

    clock: str
    due: int
    met: int
    late: int
    open_overdue: int

    @property
    def rate(self) -> float | None:
        """Share met in time."""
        return self.met / self.due if self.due else None


def clock_compliance(session: Session, *, month: str, config: AssessmentConfig, as_of: datetime,
                     district_code: str | None = None) -> list[ClockCompliance]:
    """Met in time, met late, and still open past due, per clock due in the month (one query)."""
    period = month_period(month, config.timezone)
    d = Deadline
    met = _met_in_time(d)
    stmt = (select(d.clock, func.count(), _sum(met), _sum(and_(d.met_at.is_not(None), ~met)),
                   _sum(and_(d.met_at.is_(None), Ticket.status.in_(OPEN_STATUSES))))
            .join(Ticket, Ticket.id == d.ticket_id)
            .where(d.due_at >= period.start, d.due_at < period.end, d.due_at <= as_of, d.state != "cancelled",
                   Ticket.status.not_in((MERGED, NEW)), *_citizen_orders(config))
            .group_by(d.clock))
    if district_code:
        stmt = stmt.where(Ticket.district_code == district_code)
    got = {c: ClockCompliance(c, n, m or 0, late or 0, oo or 0) for c, n, m, late, oo in session.execute(stmt)}
    order = ("sign_for", "first_contact", "feedback", "followup")
    return [got.get(c, ClockCompliance(c, 0, 0, 0, 0)) for c in order]


def heat_township_group(session: Session, *, month: str, config: AssessmentConfig, top: int = 40,
                        district_code: str | None = None) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    """The busiest townships of the month and their tickets per group: ([(code, name)], {code: {group: n}})."""
    period = month_period(month, config.timezone)
    where = [Ticket.opened_at >= period.start, Ticket.opened_at < period.end, Ticket.township_code.is_not(None)]
    if district_code:
        where.append(Ticket.district_code == district_code)
    rows = session.execute(select(Ticket.township_code, Ticket.group, func.count()).where(*where)
                           .group_by(Ticket.township_code, Ticket.group)).all()
    table: dict[str, dict[str, int]] = {}
    for town, group, n in rows:
        table.setdefault(town, {})[group] = n
    busiest = sorted(table, key=lambda t: (-sum(table[t].values()), t))[:top]
    names = dict(session.execute(select(Township.code, Township.name).where(Township.code.in_(busiest))).all())
    return [(t, names.get(t, t)) for t in busiest], {t: table[t] for t in busiest}
