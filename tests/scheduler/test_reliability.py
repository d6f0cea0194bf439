"""The real scheduler process (`python -m callbacks`) against the fake Twilio: kill -9 mid-burst, two schedulers,
one scheduler per SQLite database, jobs declared as data.

The subprocess reads the real clock, so the clocks here are literal dates chosen so that exactly one reminder
is due at any time this century: each sign-for clock runs 1900-01-01 .. 2100-01-01, its 50% reminder
(2000-01-01) has come and its 80% reminder (2060) has not.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from callbacks.jobs import JOBS, Runtime, build_scheduler
from callbacks.pool import SendPool
from hotline.config import PROJECT_ROOT
from hotline.delivery import outbox
from hotline.store.models import Deadline, OutboundMessage
from tests.factories import dispatched
from tests.helpers import at, wait_until
from tests.scheduler_helpers import ACCOUNT, HANDLER_PHONE, HOTLINE, add_staff

NOW = at("2026-11-28 02:00")
SENTINEL = "+8613700000000"  # not a handler: its SMS shows a scheduler still sending after the burst


def write_config(tmp_path: Path, database_url: str, fake_base: str, **sections) -> Path:
    """A config file for a scheduler subprocess: the test database, the fake Twilio, no quiet hours."""
    raw = {
        "app": {"mode": "test", "public_base_url": "https://hotline.example.org"},
        "database": {"url": database_url},
        "twilio": {"account_sid": ACCOUNT, "auth_token": "token", "phone_number": HOTLINE,
                   "api_base_url": fake_base, "http_timeout_s": 2},
        "scheduler": {"claim_lease_s": 4, "pool_size": 4},
        # The real clock may be at night: quiet hours would hold the burst until 08:00.
        "quiet_hours": {"start": "00:00", "end": "00:00"},
        "outbox": {"backoff_base_s": 1, "backoff_max_s": 2},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    path = tmp_path / f"scheduler-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


class SchedulerProcess:
    """`python -m callbacks` in a subprocess with its own config file."""

    def __init__(self, config_path: Path, log_path: Path):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_URL", "HOTLINE_"))}
        env["HOTLINE_CONFIG"] = str(config_path)
        self.log_path = log_path
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "callbacks"], cwd=PROJECT_ROOT, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def reminders_due(db, count: int) -> set[str]:
    """`count` dispatched tickets whose sign-for 50% reminder is due (literal dates); returns their references."""
    with db.session() as s:
        refs = []
        for i in range(count):
            ticket = dispatched(s, db.core, NOW, text=f"第{i}号楼夜间施工噪音扰民")
            refs.append(ticket.reference)
        add_staff(s, NOW, ticket.unit_code)
        s.flush()
        s.execute(update(Deadline).values(stage=1, next_action_at=None))
        s.execute(update(Deadline).where(Deadline.clock == "sign_for").values(
            starts_at=at("1900-01-01 00:00"), due_at=at("2100-01-01 00:00"), next_action_at=at("2000-01-01 00:00")))
    return set(refs)


def accepted_reminders(fake) -> Counter:
    """Reminder texts Twilio accepted, by ticket reference."""
    bodies = [m["Body"] for m in fake.messages_to(HANDLER_PHONE)]
    return Counter(b.split("工单")[1].split("签收")[0] for b in bodies)


def outbound_statuses(db) -> Counter:
    with db.session() as s:
        return Counter(s.scalars(select(OutboundMessage.status)))


def another_pass(db, fake) -> None:
    """One more SMS, waited for: an outbox pass ran after the burst, so any duplicate it sent is in by now."""
    with db.session() as s:
        outbox.enqueue(s, key="sentinel", kind="sms", to=SENTINEL, body="sentinel", now=at("2000-01-01 00:00"))
    wait_until(lambda: fake.messages_to(SENTINEL), 30, "a send queued after the burst")


def test_a_scheduler_killed_mid_burst_and_restarted_sends_every_reminder_exactly_once(db, fake_twilio, tmp_path):
    refs = reminders_due(db, 120)
    fake_twilio.delay_s = 0.2  # 4 senders x 0.2 s: the burst takes ~6 s, long enough to be cut
    config = write_config(tmp_path, db.config.database.url, fake_twilio.base_url)

    first = SchedulerProcess(config, tmp_path / "first.log")
    wait_until(lambda: len(accepted_reminders(fake_twilio)) >= 30, 60, "the burst to start")
    first.kill()
    cut_at = len(accepted_reminders(fake_twilio))
    second = SchedulerProcess(config, tmp_path / "second.log")
    try:
        wait_until(lambda: outbound_statuses(db) == {"sent": 120}, 90, "every reminder to be recorded as sent")
        another_pass(db, fake_twilio)  # room for a duplicate to show up, if the in-doubt check let one through
    finally:
        second.stop()

    assert cut_at < 120, "the kill must land in the middle of the burst"
    assert accepted_reminders(fake_twilio) == {ref: 1 for ref in refs}, second.log()
    assert fake_twilio.invalid == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_schedulers_on_postgresql_never_fire_the_same_row_twice(db, fake_twilio, tmp_path):
    """Two processes for ~10 s (not a minute: the burst is over well before) against one PostgreSQL database."""
    refs = reminders_due(db, 200)
    fake_twilio.delay_s = 0.1
    config = write_config(tmp_path, db.config.database.url, fake_twilio.base_url)

    procs = [SchedulerProcess(config, tmp_path / f"s{i}.log") for i in range(2)]
    try:
        wait_until(lambda: outbound_statuses(db) == {"sent": 200}, 60, "every reminder to be sent")
        took_part = ["sending" in p.log() for p in procs]  # before the sentinel's send is logged too
        logs = [p.log()[-2000:] for p in procs]
        another_pass(db, fake_twilio)
        alive = [p.proc.poll() is None for p in procs]
    finally:
        codes = [p.stop() for p in procs]

    assert alive == [True, True] and codes == [0, 0]
    assert accepted_reminders(fake_twilio) == {ref: 1 for ref in refs}
    # Both took part: each logged sends of its own during the burst.
    assert took_part == [True, True], logs


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_second_scheduler_on_the_same_sqlite_database_is_refused_with_a_clear_message(db, fake_twilio, tmp_path):
    config = write_config(tmp_path, db.config.database.url, fake_twilio.base_url)
    first = SchedulerProcess(config, tmp_path / "first.log")
    try:
        wait_until(lambda: "scheduler started" in first.log(), 30, "the first scheduler to start")
        second = subprocess.run([sys.executable, "-m", "callbacks"], cwd=PROJECT_ROOT, capture_output=True,
                                text=True, timeout=60, env={**os.environ, "HOTLINE_CONFIG": str(config)})
    finally:
        assert first.stop() == 0

    assert second.returncode == 3
    assert "another scheduler" in second.stderr and "SQLite allows one scheduler" in second.stderr
    assert str(first.proc.pid) in second.stderr


def test_the_jobs_are_declared_with_explicit_ids_coalesced_and_never_overlapping(db):
    pool = SendPool(2)
    scheduler = build_scheduler(Runtime(db, pool), BackgroundScheduler)
    scheduler.start(paused=True)  # job defaults apply once started; paused, nothing runs
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
        pool.shutdown()

    assert set(jobs) == {job.id for job in JOBS} == {"deadlines", "whistles", "outbox", "callbacks", "in_doubt"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == db.config.scheduler.misfire_grace_s
    assert jobs["deadlines"].trigger.interval.total_seconds() == db.config.scheduler.sweep_interval_s
