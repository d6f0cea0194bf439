"""The sweeps: each takes the services and `now`, does one batch in short transactions, and returns a count.

Tests call them directly with literal times; the scheduler (callbacks/jobs.py) calls them every second.
Every row is taken with FOR UPDATE SKIP LOCKED (PostgreSQL: several schedulers never take the same row)
and its outcome is committed with its next step, so a crash repeats nothing that was committed.
"""
from __future__ import annotations

import logging
from datetime import datetime
from queue import Empty, Queue

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from hotline.clocks import callback_requests
from hotline.delivery import outbox
from hotline.clocks.escalation import advance_clock
from hotline.clocks.followups import advance_followup
from hotline.clocks.whistles import advance_whistle
from hotline.store.models import CLOCK_FOLLOWUP, UNPLANNED_SQL, Deadline, Whistle
from hotline.rules.schedule import backoff, is_quiet
from hotline.delivery.telephony import TelephonyError
from hotline.wiring import Services

log = logging.getLogger(__name__)

def sweep_deadlines(services: Services, now: datetime) -> int:
    """Plan newly (re)started clocks and fire what has come: reminders, breaches, the ladder, follow-ups."""
    config = services.config
    limit = config.scheduler.batch_size
    with services.session() as s:
        due = (select(Deadline).where(Deadline.next_action_at <= now).order_by(Deadline.next_action_at)
               .limit(limit).with_for_update(skip_locked=True))
        # Written literally so both databases use the partial index ix_deadlines_unplanned.
        unplanned = (select(Deadline).where(text(UNPLANNED_SQL)).order_by(Deadline.id).limit(limit)
                     .with_for_update(skip_locked=True))
        rows = {d.id: d for d in s.scalars(due)}
        rows.update((d.id, d) for d in s.scalars(unplanned) if d.id not in rows)
        if not rows:
            return 0
        # Tickets in one query rather than one per row.
        s.scalars(select(Deadline).where(Deadline.id.in_(rows)).options(selectinload(Deadline.ticket))).all()
        try:
            # Fast path: the whole batch in one savepoint (a savepoint per row costs a burst dearly).
            with s.begin_nested():
                for deadline in rows.values():
                    _advance(services, s, deadline, now)
        except Exception:  # noqa: BLE001 - redo row by row so one bad row cannot stop every other clock
            log.warning("a due clock failed; redoing the batch of %d row by row", len(rows))
            for deadline in rows.values():
                try:
                    with s.begin_nested():
                        _advance(services, s, deadline, now)
                except Exception as exc:  # noqa: BLE001
                    log.exception("deadline %s (%s) failed; will retry", deadline.id, deadline.clock)
                    s.refresh(deadline)
                    deadline.attempts += 1
                    deadline.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    deadline.next_action_at = now + backoff(deadline.attempts, 30, 3600)
        return len(rows)


def sweep_whistles(services: Services, now: datetime) -> int:
    """Fire what has come for summoned departments: report-in and part-done reminders, breaches, the ladder."""
    config = services.config
    with services.session() as s:
        due = (select(Whistle).where(Whistle.next_action_at <= now).order_by(Whistle.next_action_at)
               .limit(config.scheduler.batch_size).with_for_update(skip_locked=True))
        rows = list(s.scalars(due))
        for whistle in rows:
            try:
                with s.begin_nested():
                    advance_whistle(s, whistle, now=now, config=config)
            except Exception:  # noqa: BLE001 - one bad row must not stop every other whistle
                log.exception("whistle %s failed; will retry", whistle.id)
                s.refresh(whistle)
                whistle.next_action_at = now + backoff(1, 30, 3600)
        return len(rows)


def _advance(services: Services, session, deadline: Deadline, now: datetime) -> None:
    if deadline.clock == CLOCK_FOLLOWUP:
        advance_followup(session, deadline, now=now, config=services.config, webhooks=services.webhooks)
    else:
        advance_clock(session, deadline, now=now, config=services.config)


def send_only(services: Services, item: outbox.Claimed, outcomes: Queue) -> None:
    """Send one claimed row with no transaction open and leave the outcome for record_outcomes (one commit for many)."""
    try:
        outcomes.put((item.id, outbox.send(services.telephony, item, services.config, services.webhooks)))
    except TelephonyError as err:
        outcomes.put((item.id, err))
    except Exception as exc:  # noqa: BLE001 - a client bug: keep the row and retry rather than lose it
        log.exception("send of outbound %s crashed", item.id)
        outcomes.put((item.id, TelephonyError(f"unexpected {type(exc).__name__}", retryable=True)))


def record_outcomes(services: Services, outcomes: Queue, now: datetime) -> int:
    """Write every outcome waiting in the queue in one transaction (a burst would otherwise commit per message)."""
    batch = []
    while True:
        try:
            batch.append(outcomes.get_nowait())
        except Empty:
            break
    if not batch:
        return 0
    with services.session() as s:
        for item_id, outcome in batch:
            outbox.record_outcome(s, item_id, outcome, now=now, config=services.config)
    return len(batch)


def sweep_outbox(services: Services, now: datetime, pool=None, outcomes: Queue | None = None) -> int:
    """Claim due SMS and calls (only urgent ones in quiet hours) and send them: on the pool, or here in tests.

    On the pool the outcomes wait in `outcomes` for the outbox job's record_outcomes; here they are recorded
    at `now` before returning. Either way the same send_only and record_outcomes do the work.
    """
    if pool is not None and outcomes is None:
        raise ValueError("sending on a pool needs the queue its outcomes are recorded from")
    config = services.config
    limit = config.scheduler.batch_size if pool is None else min(pool.free(), config.scheduler.batch_size)
    if limit <= 0:
        return 0
    qh = config.quiet_hours
    quiet = is_quiet(now, qh.start, qh.end, config.app.timezone)
    with services.session() as s:
        items = outbox.claim_due(s, now=now, limit=limit, quiet=quiet, lease_s=config.scheduler.claim_lease_s)
    if pool is None:
        done: Queue = Queue()
        for item in items:
            send_only(services, item, done)
        record_outcomes(services, done, now)
        return len(items)
    for item in items:
        pool.submit(send_only, services, item, outcomes)
    return len(items)


def recover_in_doubt(services: Services, now: datetime) -> int:
    """Sends a dead process left half-done: ask the provider, record what it has, send again only what it lacks."""
    config = services.config
    with services.session() as s:
        items = outbox.claim_in_doubt(s, now=now, limit=config.scheduler.batch_size,
                                      lease_s=config.scheduler.claim_lease_s)
    for item in items:
        try:
            found = outbox.find_delivered(services.telephony, item)
        except TelephonyError as err:
            log.warning("cannot check outbound %s with the provider yet: %r", item.id, err)
            continue  # the lease was extended: checked again later
        with services.session() as s:
            outbox.resolve_in_doubt(s, item, found, now=now)
        log.info("outbound %s in doubt after a restart: %s", item.id, "already sent" if found else "sent again")
    return len(items)


def sweep_callbacks(services: Services, now: datetime) -> int:
    """Place due callbacks (inside the citizen's window and outside quiet hours) and retire stale attempts."""
    config = services.config
    with services.session() as s:
        rows = callback_requests.claim_due(s, now=now, limit=config.scheduler.batch_size)
        for cb in rows:
            callback_requests.advance(s, cb, now=now, config=config, webhooks=services.webhooks)
        return len(rows)
