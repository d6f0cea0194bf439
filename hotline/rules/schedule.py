"""Pure timing of scheduled work: reminder and ladder plans, quiet hours, windows, backoff. Never reads the clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.config import LadderStep

REMIND, BREACH, ESCALATE = "remind", "breach", "escalate"


@dataclass(frozen=True)
class Action:
    """One thing the scheduler does for a clock: a reminder, the breach, or a rung of the ladder."""

    kind: str  # remind | breach | escalate
    at: datetime
    index: int  # which reminder (0 = first fraction) or which ladder step
    to: str | None = None  # audience of an escalation step: unit | district | city
    fraction: float | None = None


def clock_actions(starts_at: datetime, due_at: datetime, fractions: tuple[float, ...],
                  ladder: tuple[LadderStep, ...]) -> list[Action]:
    """Everything that happens to a pending clock, in time order: reminders, the breach, then the ladder."""
    span = due_at - starts_at
    actions = [Action(REMIND, starts_at + span * f, i, fraction=f) for i, f in enumerate(fractions)]
    actions.append(Action(BREACH, due_at, 0))
    actions += [Action(ESCALATE, due_at + timedelta(hours=s.after_hours), i, to=s.to) for i, s in enumerate(ladder)]
    # sorted() is stable: a step with after_hours 0 stays after the breach it follows.
    return sorted(actions, key=lambda a: a.at)


@dataclass(frozen=True)
class Step:
    """What to do now for one clock and where it stands afterwards."""

    fire: list[Action]
    done: int  # actions now behind us (fired or skipped)
    next_at: datetime | None


def step(actions: list[Action], done: int, now: datetime) -> Step:
    """The actions to fire at `now` after `done` of them; stale reminders are skipped, ladder rungs never are.

    A reminder is only worth sending if it is the latest one that has come and the deadline has not
    passed (after a restart nobody needs three reminders at once); every rung of the ladder that has
    come is fired, because each tells a different audience.
    """
    pending = actions[done:]
    come = [a for a in pending if a.at <= now]
    breached = any(a.kind == BREACH for a in actions[:done] + come)
    reminders = [a for a in come if a.kind == REMIND]
    fire = [a for a in come if a.kind != REMIND]
    if reminders and not breached:
        fire.insert(0, reminders[-1])
    rest = pending[len(come):]
    return Step(fire=fire, done=done + len(come), next_at=rest[0].at if rest else None)


def _hhmm(value: str) -> time:
    hh, _, mm = value.partition(":")
    return time(int(hh), int(mm))


def is_quiet(now: datetime, start: str, end: str, tz: str) -> bool:
    """True inside the quiet hours [start, end) local time; equal start and end means never quiet."""
    s, e = _hhmm(start), _hhmm(end)
    if s == e:
        return False
    t = now.astimezone(ZoneInfo(tz)).time()
    return (s <= t < e) if s < e else (t >= s or t < e)


def quiet_until(now: datetime, start: str, end: str, tz: str) -> datetime:
    """When the current quiet period ends (now itself when it is not quiet)."""
    if not is_quiet(now, start, end, tz):
        return now
    return next_local_time(now, end, tz)


def next_local_time(now: datetime, hhmm: str, tz: str) -> datetime:
    """The first moment at or after now when the local wall clock shows hhmm, in now's zone."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    target = datetime.combine(local.date(), _hhmm(hhmm), tzinfo=zone)
    if target < local:
        target = datetime.combine(local.date() + timedelta(days=1), _hhmm(hhmm), tzinfo=zone)
    return target.astimezone(now.tzinfo)


def in_window(now: datetime, start: str, end: str, tz: str) -> bool:
    """Inside a callback window [start, end) local time; an empty window is always open."""
    if not start and not end:
        return True
    s, e = _hhmm(start or "00:00"), _hhmm(end or "00:00")
    if s == e:
        return True
    t = now.astimezone(ZoneInfo(tz)).time()
    return (s <= t < e) if s < e else (t >= s or t < e)


def next_callable(now: datetime, *, window_start: str, window_end: str, quiet_start: str, quiet_end: str,
                  tz: str) -> datetime:
    """The first moment at or after now inside the citizen's window and outside quiet hours."""
    moment = now
    for _ in range(4):  # window and quiet hours are daily: a few hops always settle
        if not in_window(moment, window_start, window_end, tz):
            moment = next_local_time(moment, window_start or "00:00", tz)
            continue
        if is_quiet(moment, quiet_start, quiet_end, tz):
            moment = quiet_until(moment, quiet_start, quiet_end, tz)
            continue
        return moment
    return moment


def backoff(attempt: int, base_s: float, max_s: float) -> timedelta:
    """Wait before the next try after `attempt` failed tries: base * 2^(attempt-1), capped."""
    return timedelta(seconds=min(max_s, base_s * (2 ** max(attempt - 1, 0))))
