"""The scheduler's jobs, declared as data with explicit ids, and the APScheduler 3.x that runs them."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from queue import Queue
from datetime import timezone
from typing import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from callbacks.pool import SendPool
from callbacks.sweep import (record_outcomes, recover_in_doubt, sweep_callbacks, sweep_deadlines, sweep_outbox,
                             sweep_whistles)
from hotline.store.db import utcnow
from hotline.wiring import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """What every job needs: the services and the sender pool of this process."""

    services: Services
    pool: SendPool
    # Outcomes of sends, written in batches by the outbox job (one commit per batch, not per message).
    outcomes: Queue = field(default_factory=Queue)


def _budget(rt: Runtime) -> float:
    # A job keeps going while there is work, but hands over before its next tick is due.
    return rt.services.config.scheduler.sweep_interval_s * 0.8


def drain_deadlines(rt: Runtime) -> None:
    """Sweep due clocks batch after batch until none is left or the tick's time is up."""
    started = time.monotonic()
    batch = rt.services.config.scheduler.batch_size
    while True:
        done = sweep_deadlines(rt.services, utcnow())
        if done:
            log.info("looked at %d due clocks", done)
        if done < batch or time.monotonic() - started >= _budget(rt):
            return
        # On SQLite one writer at a time: a breath between batches lets the sender record and claim.
        time.sleep(0.02)


def drain_outbox(rt: Runtime) -> None:
    """Keep the sender pool full while rows are due (a burst of 1,000 must not wait a tick per batch)."""
    started = time.monotonic()
    try:
        while time.monotonic() - started < _budget(rt):
            record_outcomes(rt.services, rt.outcomes, utcnow())
            if rt.pool.free() == 0:
                rt.pool.wait_for_free(timeout=0.05)
                continue
            taken = sweep_outbox(rt.services, utcnow(), rt.pool, rt.outcomes)
            if taken == 0:
                return
            log.info("sending %d outbound messages", taken)
    finally:
        record_outcomes(rt.services, rt.outcomes, utcnow())


def run_whistles(rt: Runtime) -> None:
    """Advance the report-in and part-done clocks of summoned departments."""
    sweep_whistles(rt.services, utcnow())


def run_callbacks(rt: Runtime) -> None:
    """Place the callbacks that are due."""
    sweep_callbacks(rt.services, utcnow())


def run_in_doubt(rt: Runtime) -> None:
    """Check sends a crashed process left half-done."""
    recover_in_doubt(rt.services, utcnow())


@dataclass(frozen=True)
class Job:
    """One interval job: id, what it does, and its period in sweep intervals."""

    id: str
    func: Callable[[Runtime], None]
    every: float
    about: str


JOBS: tuple[Job, ...] = (
    Job("deadlines", drain_deadlines, 1, "reminders, breaches, the escalation ladder and follow-ups that are due"),
    Job("whistles", run_whistles, 1, "吹哨报到: report-in and part-done reminders and the ladder"),
    Job("outbox", drain_outbox, 1, "send queued SMS and calls through the worker pool"),
    Job("callbacks", run_callbacks, 1, "callbacks citizens asked for"),
    Job("in_doubt", run_in_doubt, 5, "sends left half-done by a crashed scheduler"),
)


def add_jobs(scheduler: BaseScheduler, rt: Runtime) -> None:
    """Register JOBS; each runs once at start (whatever fell due while we were down) and then every period."""
    cfg = rt.services.config.scheduler
    for job in JOBS:
        scheduler.add_job(job.func, "interval", seconds=cfg.sweep_interval_s * job.every, args=(rt,), id=job.id,
                          name=job.about, replace_existing=True, next_run_time=utcnow())


def build_scheduler(rt: Runtime, scheduler_cls: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """An APScheduler 3.x scheduler with the jobs in memory (they are code, the work is in the database)."""
    cfg = rt.services.config.scheduler
    scheduler = scheduler_cls(timezone=timezone.utc, job_defaults={
        "coalesce": True,  # ticks missed while busy or suspended run once, not in a burst
        "max_instances": 1,  # a job never overlaps itself
        "misfire_grace_time": cfg.misfire_grace_s,
    }, executors={"default": {"type": "threadpool", "max_workers": len(JOBS) + 2}})
    add_jobs(scheduler, rt)
    return scheduler
