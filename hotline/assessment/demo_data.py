"""Demo data at scale: realistic tickets, clocks, events and follow-up answers, written in bulk.

Volumes are skewed like Beijing 12345 (DOMAIN.md §2): market and housing lead, emergencies are rare,
~90% of contacts are phone calls, townships and districts differ a lot in size, heating complaints
peak in the heating season, and a few township × code surges are planted so hotspots have something
to find. Every row is what the core's own use cases would have written (same statuses, clocks,
events), only inserted many at a time. Tickets get references "D" + 11 digits so they can never
collide with real ones (which are all digits).
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import JSON, Boolean, Table, func, insert, select, text
from sqlalchemy.orm import Session

from hotline.rules import deadlines as clocks_math
from hotline.core import Core
from hotline.store.db import UTCDateTime
from hotline.store.models import (CLOSED, DISPATCHED, FOLLOWED_UP, IN_PROGRESS, REOPENED, RESOLVED, SIGNED, Citizen,
                            Deadline, Department, Ticket, TicketEvent, Township)
from hotline.rules.routing import district_government_code
from hotline.rules.tracking import new_tracking_token

# Relative yearly volume per group (2020 figures in millions where DOMAIN.md gives them, estimates otherwise).
GROUP_VOLUME = {"market": 0.98, "utilities": 0.65, "housing": 0.61, "health": 0.60, "urban": 0.55,
                "traffic": 0.47, "public_order": 0.47, "environment": 0.45, "labor": 0.36, "education": 0.35,
                "other": 0.20, "emergency": 0.04}
# Bigger, denser districts call more (a rough weight per district code).
DISTRICT_WEIGHT = {"110105": 3.0, "110108": 2.6, "110106": 1.8, "110114": 1.9, "110115": 1.6, "110112": 1.6,
                   "110101": 1.0, "110102": 1.2, "110113": 1.1, "110107": 0.6}
CHANNELS = (("voice", 0.90), ("web", 0.05), ("sms", 0.03), ("api", 0.02))
KIND_WEIGHTS = (("complaint", 0.45), ("help", 0.25), ("report", 0.12), ("consult", 0.13), ("suggestion", 0.05))
SUFFIXES = ("，已经好几天了", "，希望尽快处理", "，麻烦派人来看看", "，反映过一次没人管", "，影响很多住户",
            "，请相关部门处理", "", "，老人孩子都受影响")
PLACES = ("小区", "路口", "楼下", "社区", "菜市场旁", "公交站附近", "东门", "西里")
ANSWERED_FOLLOWUPS = 0.8  # share of citizens who answer the 回访
SURGE_SHARE = 0.01  # share of tickets that belong to planted surges
BATCH = 10_000


@dataclass(frozen=True)
class DemoReport:
    """What was written."""

    tickets: int
    deadlines: int
    events: int
    citizens: int
    start: datetime
    end: datetime


@dataclass
class _Refs:
    townships: list[tuple[str, str, str]]  # code, district, name
    township_weights: list[float]
    codes: list  # ServiceCodeDef
    code_weights: list[float]
    quality: dict[str, float] = field(default_factory=dict)


def _load_refs(session: Session, core: Core, rng: random.Random) -> _Refs:
    towns = session.execute(select(Township.code, Township.district_code, Township.name).order_by(Township.code)).all()
    if not towns:
        raise RuntimeError("no townships: run `flask --app app init-db` first")
    # Township sizes are log-normal: a few very busy streets, many quiet ones.
    weights = [DISTRICT_WEIGHT.get(d, 0.4) * rng.lognormvariate(0, 0.7) for _c, d, _n in towns]
    codes = sorted(core.taxonomy.codes.values(), key=lambda c: c.code)
    by_group: dict[str, list] = {}
    for c in codes:
        by_group.setdefault(c.group, []).append(c)
    code_weights = []
    for c in codes:
        members = by_group[c.group]
        rank = members.index(c) + 1
        # Zipf-like inside a group: the first codes of a group are the common ones.
        share = (1 / rank) / sum(1 / k for k in range(1, len(members) + 1))
        code_weights.append(GROUP_VOLUME.get(c.group, 0.2) * share)
    depts = session.scalars(select(Department.code).order_by(Department.code)).all()
    quality = {code: rng.betavariate(6, 2) for code in [t[0] for t in towns] + list(depts)}
    return _Refs([tuple(t) for t in towns], weights, codes, code_weights, quality)


def _heating(moment: datetime) -> bool:
    return moment.month in (11, 12, 1, 2, 3)


def next_ids(session: Session) -> dict[str, int]:
    """The first free id of each table the generator writes."""
    return {name: (session.scalar(select(func.max(model.id))) or 0) + 1
            for name, model in (("tickets", Ticket), ("deadlines", Deadline), ("events", TicketEvent),
                                ("citizens", Citizen))}


def generate(session_factory, core: Core, *, tickets: int, months: int, end: datetime, seed: int = 12345,
             progress=None) -> DemoReport:
    """Write `tickets` tickets opened over the `months` months before `end`, committing batch by batch.

    session_factory is a context manager factory (Services.session) so each batch is its own transaction.
    """
    if tickets < 0 or months < 1:
        raise ValueError("tickets must be >= 0 and months >= 1")
    rng = random.Random(seed)
    end = end.astimezone(timezone.utc)
    start = end - timedelta(days=round(30.44 * months))
    with session_factory() as s:
        refs = _load_refs(s, core, rng)
        ids = next_ids(s)
    totals = {"tickets": 0, "deadlines": 0, "events": 0, "citizens": 0}
    n_citizens = max(1, tickets // 3)
    with session_factory() as s:
        _insert_citizens(s, ids["citizens"], n_citizens, start)
    totals["citizens"] = n_citizens
    for batch in _batches(rng, core, refs, ids, tickets, start, end, n_citizens):
        with session_factory() as s:
            for model, rows in ((Ticket, batch.tickets), (Deadline, batch.deadlines), (TicketEvent, batch.events)):
                if rows:
                    bulk_insert(s, model.__table__, rows)
        totals["tickets"] += len(batch.tickets)
        totals["deadlines"] += len(batch.deadlines)
        totals["events"] += len(batch.events)
        if progress:
            progress(totals["tickets"])
    with session_factory() as s:
        fix_sequences(s)
    return DemoReport(totals["tickets"], totals["deadlines"], totals["events"], totals["citizens"], start, end)


def _insert_citizens(session: Session, first_id: int, n: int, at: datetime) -> None:
    # Distinct, well-formed mainland mobile numbers (199 prefix) keyed on the id, so a re-run cannot collide.
    for lo in range(0, n, BATCH * 5):
        rows = [{"id": first_id + i, "phone": f"+86199{(first_id + i) % 100_000_000:08d}", "lang": "zh",
                 "sms_opted_out": False, "created_at": at} for i in range(lo, min(n, lo + BATCH * 5))]
        bulk_insert(session, Citizen.__table__, rows)


def _sqlite_datetime(v: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DateTime stores (naive UTC with microseconds), so comparisons agree.
    if v is None:
        return None
    v = v.astimezone(timezone.utc)
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}."
            f"{v.microsecond:06d}")


def _converters(table: Table, dialect: str) -> list:
    out = []
    for col in table.columns:
        if isinstance(col.type, UTCDateTime):
            out.append(_sqlite_datetime if dialect == "sqlite" else None)
        elif isinstance(col.type, JSON):
            out.append(json.dumps)
        elif isinstance(col.type, Boolean) and dialect == "sqlite":
            out.append(lambda v: None if v is None else int(v))
        else:
            out.append(None)
    return out


def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert rows (every column given) in the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

    SQLAlchemy's per-row parameter processing costs more than the database itself at a million rows;
    values are converted here exactly as the column types would store them.
    """
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        session.execute(insert(table), rows)
        return
    names = [c.name for c in table.columns]
    convs = _converters(table, dialect)
    pairs = list(zip(names, convs))
    tuples = [tuple(r.get(n) if f is None else (None if r.get(n) is None else f(r[n])) for n, f in pairs) for r in rows]
    cols = ", ".join(f'"{n}"' for n in names)
    raw = conn.connection.driver_connection
    if dialect == "sqlite":
        cur = raw.cursor()
        cur.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" * len(names))})', tuples)
        cur.close()
    else:
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for t in tuples:
                copy.write_row(t)


def fix_sequences(session: Session) -> None:
    """PostgreSQL serials must move past the ids written explicitly."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("tickets", "deadlines", "ticket_events", "citizens"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"))


@dataclass
class _Batch:
    tickets: list[dict] = field(default_factory=list)
    deadlines: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def _opening_times(rng: random.Random, n: int, start: datetime, end: datetime) -> list[datetime]:
    """n moments between start and end, busier by day than by night and growing ~20% a year, sorted."""
    span = (end - start).total_seconds()
    out = []
    while len(out) < n:
        u = rng.random()
        # Inverse of a gently rising density (growth ~20%/year).
        g = 0.2 * span / (365 * 86400)
        x = u if g < 1e-9 else (math.sqrt(1 + g * (2 + g) * u) - 1) / g
        moment = start + timedelta(seconds=x * span)
        hour_local = (moment.hour + 8) % 24
        if hour_local < 7 and rng.random() < 0.75:
            continue  # the night is quiet
        out.append(moment)
    out.sort()
    return out


def _batches(rng, core: Core, refs: _Refs, ids: dict[str, int], n: int, start: datetime, end: datetime,
             n_citizens: int) -> Iterator[_Batch]:
    limits = core.config.time_limits
    moments = _opening_times(rng, n, start, end)
    surge_of = _plant_surges(rng, refs, moments, int(n * SURGE_SHARE))
    tid, did, eid = ids["tickets"], ids["deadlines"], ids["events"]
    last_master: dict[tuple[str, str], tuple[int, datetime]] = {}
    batch = _Batch()
    town_cum = _cumulative(refs.township_weights)
    code_cum = _cumulative(refs.code_weights)
    heating_codes = {c.code for c in refs.codes if c.code == "UTL-HEATING"}
    for i, opened in enumerate(moments):
        if i in surge_of:
            (town_code, district, town_name), code = surge_of[i]
            text_body = f"{town_name}{PLACES[0]}{code.keywords_zh[0] if code.keywords_zh else code.name_zh}，大家都在反映"
        else:
            town_code, district, town_name = refs.townships[_pick(rng, town_cum)]
            code = refs.codes[_pick(rng, code_cum)]
            if code.code in heating_codes and not _heating(opened) and rng.random() < 0.85:
                code = refs.codes[_pick(rng, code_cum)]  # little heating trouble outside the season
            kw = rng.choice(code.keywords_zh) if code.keywords_zh else code.name_zh
            text_body = f"{town_name}{rng.choice(PLACES)}{kw}{rng.choice(SUFFIXES)}"
        unknown_place = rng.random() < 0.02
        if code.handler_type in ("department", "utility"):
            unit_type, unit_code = "department", code.department_code
        elif unknown_place:
            unit_type, unit_code = "department", district_government_code(district)
        else:
            unit_type, unit_code = "township", town_code
        q = refs.quality.get(unit_code, 0.7)
        t, ds, es = _lifecycle(rng, tid, did, eid, opened=opened, end=end, code=code, unit_type=unit_type,
                               unit_code=unit_code, district=district,
                               township=None if unknown_place else town_code, quality=q, text_body=text_body,
                               citizen_id=ids["citizens"] + rng.randrange(n_citizens), limits=limits)
        key = (code.code, town_code)
        prev = last_master.get(key)
        if prev and opened - prev[1] <= timedelta(days=7) and rng.random() < 0.5 and not unknown_place:
            t["master_id"], t["similarity"] = prev[0], round(rng.uniform(0.3, 0.9), 3)
            es.append(_event(eid + len(es), tid, opened, "system", "link_similar", None, None,
                             {"master_id": prev[0], "similarity": t["similarity"]}))
        elif not unknown_place:
            last_master[key] = (tid, opened)
        batch.tickets.append(t)
        batch.deadlines.extend(ds)
        batch.events.extend(es)
        tid, did, eid = tid + 1, did + len(ds), eid + len(es)
        if len(batch.tickets) >= BATCH:
            yield batch
            batch = _Batch()
    if batch.tickets:
        yield batch


def _plant_surges(rng: random.Random, refs: _Refs, moments: list[datetime], total: int) -> dict[int, tuple]:
    """Ticket index -> (township, code) for a few one-week bursts of near-identical complaints."""
    if total < 10 or not moments:
        return {}
    import bisect
    local_codes = [c for c in refs.codes if c.handler_type == "township"] or refs.codes
    out: dict[int, tuple] = {}
    for _ in range(max(1, total // 40)):
        town = refs.townships[_pick(rng, _cumulative(refs.township_weights))]
        code = rng.choice(local_codes)
        base = rng.randrange(len(moments))
        hi = bisect.bisect_left(moments, moments[base] + timedelta(days=6), lo=base)
        span = list(range(base, max(hi, base + 1)))
        for k in rng.sample(span, min(len(span), 40)):
            out.setdefault(k, (town, code))
    return out


def _cumulative(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _pick(rng: random.Random, cum: list[float]) -> int:
    import bisect
    return min(len(cum) - 1, bisect.bisect_right(cum, rng.random() * cum[-1]))


def _event(eid, tid, at, actor, action, before, after, data=None, note=""):
    return {"id": eid, "ticket_id": tid, "at": at, "actor": actor, "action": action, "from_status": before,
            "to_status": after, "note": note, "data": data or {}}


def _delay(rng: random.Random, limit_h: float, p_in_time: float) -> timedelta:
    """How long a step took: within its limit with probability p_in_time, else up to three times over."""
    if rng.random() < p_in_time:
        return timedelta(hours=limit_h * rng.uniform(0.05, 0.95))
    return timedelta(hours=limit_h * rng.uniform(1.05, 3.0))


def _lifecycle(rng, tid, did, eid, *, opened, end, code, unit_type, unit_code, district, township, quality,
               text_body, citizen_id, limits):
    """One ticket's row, its four clocks and its events, as far as they got by `end`."""
    cls = code.time_limit_class
    clocks = {c.clock: c for c in clocks_math.clocks_for(opened, cls, limits)}
    events = [_event(eid, tid, opened, "citizen", "open", None, "new", {"service_code": code.code}),
              _event(eid + 1, tid, opened, "system", "dispatch", "new", DISPATCHED,
                     {"after": {"unit_type": unit_type, "unit_code": unit_code}})]
    status = DISPATCHED
    actor = "user:demo"
    never = rng.random() < 0.015 * (1.5 - quality)  # an order nobody picks up
    signed = contacted = resolved = followed = closed = None
    if not never:
        signed = opened + _delay(rng, limits.sign_for_hours[cls], 0.80 + 0.19 * quality)
        contacted = opened + _delay(rng, limits.first_contact_hours[cls], 0.70 + 0.28 * quality)
        contacted = max(contacted, signed + timedelta(minutes=5))
        resolved = opened + _delay(rng, limits.feedback_hours[cls], 0.75 + 0.24 * quality)
        resolved = max(resolved, contacted + timedelta(minutes=30))
    solved = rng.random() < 0.55 + 0.4 * quality
    answered = rng.random() < ANSWERED_FOLLOWUPS
    if resolved is not None:
        followed = resolved + timedelta(hours=rng.uniform(2, 30))
    happened = lambda moment: moment is not None and moment <= end  # noqa: E731 - only what happened by `end`
    if happened(signed):
        events.append(_event(eid + len(events), tid, signed, actor, "sign", status, SIGNED))
        status = SIGNED
    else:
        signed = contacted = resolved = followed = None
    if happened(contacted):
        events.append(_event(eid + len(events), tid, contacted, actor, "contact", status, IN_PROGRESS))
        status = IN_PROGRESS
    else:
        contacted = resolved = followed = None
    if happened(resolved):
        events.append(_event(eid + len(events), tid, resolved, actor, "resolve", status, RESOLVED, note="已处理"))
        status = RESOLVED
    else:
        resolved = followed = None
    satisfaction = None
    if happened(followed) and answered:
        if solved:
            satisfaction = rng.choices(("satisfied", "basically", "unsatisfied"), (0.72, 0.22, 0.06))[0]
        else:
            satisfaction = rng.choices(("satisfied", "basically", "unsatisfied"), (0.04, 0.26, 0.70))[0]
        events.append(_event(eid + len(events), tid, followed, "scheduler", "followup", status, FOLLOWED_UP,
                             {"solved": solved, "satisfaction": satisfaction}))
        status = FOLLOWED_UP
        if solved:
            closed = followed + timedelta(minutes=1)
            events.append(_event(eid + len(events), tid, closed, "system", "close", status, CLOSED))
            status = CLOSED
        else:
            events.append(_event(eid + len(events), tid, followed, "scheduler", "reopen", status, REOPENED,
                                 note="citizen says not solved"))
            status = REOPENED
    else:
        followed = None
        if resolved is not None and clocks["followup"].due_at + timedelta(hours=48) <= end:
            # Nobody answered the 回访: the hotline closes it after trying.
            closed = clocks["followup"].due_at + timedelta(hours=48)
            events.append(_event(eid + len(events), tid, closed, "system", "close", status, CLOSED,
                                 note="follow-up unanswered"))
            status = CLOSED
    met = {"sign_for": signed, "first_contact": contacted, "feedback": resolved, "followup": followed}
    deadline_rows = []
    for k, name in enumerate(("sign_for", "first_contact", "feedback", "followup")):
        c = clocks[name]
        m = met[name]
        if m is not None:
            state, nxt = ("met" if m <= c.due_at else "missed"), None
        elif status == CLOSED:
            state, nxt = "cancelled", None
        elif c.due_at <= end:
            state, nxt = "missed", None  # breached; the scheduler has already escalated it
        else:
            state, nxt = "pending", c.due_at
        deadline_rows.append({"id": did + k, "ticket_id": tid, "clock": name, "starts_at": c.starts_at,
                              "due_at": c.due_at, "state": state, "met_at": m, "next_action_at": nxt,
                              "stage": 0 if state == "pending" else 1, "attempts": 0, "last_error": None})
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    kind = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
    last = max(e["at"] for e in events)
    ticket = {
        "id": tid, "reference": f"D{tid:011d}", "tracking_token": new_tracking_token(), "status": status,
        "kind": kind, "group": code.group,
        "service_code": code.code, "time_limit_class": cls, "classified_by": "keywords",
        "confidence": round(rng.uniform(0.4, 1.0), 2), "needs_triage": False, "triage_reason": None,
        "channel": channel, "external_id": None, "lang": "zh", "text": text_body, "location_text": "",
        "district_code": district, "township_code": township, "unit_type": unit_type, "unit_code": unit_code,
        "department_code": code.department_code, "citizen_id": citizen_id, "conversation_id": None,
        "callback_phone": None, "recording_url": None, "media": [], "master_id": None, "similarity": None,
        "opened_at": opened, "due_at": clocks["feedback"].due_at, "signed_at": signed, "contacted_at": contacted,
        "resolved_at": resolved if status != REOPENED else None, "closed_at": closed,
        "resolution": "已处理" if resolved else None,
        "followup_solved": solved if followed else None, "followup_satisfaction": satisfaction,
        "followed_up_at": followed, "answered_by_hotline": False, "knowledge_entry": None, "proactive": False,
        "updated_at": last, "version": 1,
    }
    return ticket, deadline_rows, events
