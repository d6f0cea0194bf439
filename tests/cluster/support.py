"""The cluster under test: deploy.sandbox with the fake Twilio, plus what the fault test seeds and counts."""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import select, update

from deploy.sandbox import Sandbox, sandbox
from hotline.store.db import utcnow
from hotline.store.models import Deadline, OutboundMessage
from hotline.wiring import Services
from tests.helpers import API_TOKEN, at
from tests.factories import dispatched
from tests.scheduler_helpers import ACCOUNT, HANDLER_PHONE, HOTLINE, add_staff

TWILIO_TOKEN = "cluster-twilio-auth-token-0123456789"
REFERENCE = re.compile(r"(?<!\d)(\d{10})(?!\d)")


@contextmanager
def running_cluster(tmp: Path, fake_twilio_url: str, *, database_server: str,
                    ready_within_s: float) -> Iterator[Sandbox]:
    """Every process of Procfile.cluster against the fake Twilio and the given PostgreSQL, no quiet hours; ready."""
    settings = {
        "app": {"mode": "test", "secret_key": "cluster-test-secret"},
        "api": {"token": API_TOKEN},
        "twilio": {"account_sid": ACCOUNT, "auth_token": TWILIO_TOKEN, "phone_number": HOTLINE,
                   "api_base_url": fake_twilio_url, "http_timeout_s": 10},
        # A send a killed scheduler left half-done is checked with Twilio after the lease (above the timeout).
        "scheduler": {"claim_lease_s": 12, "pool_size": 4},
        "quiet_hours": {"start": "00:00", "end": "00:00"},  # the real clock may be at night
        "outbox": {"backoff_base_s": 1, "backoff_max_s": 2, "status_callbacks": False},
        # The budget for anonymous chat tickets is a city's setting against floods; this city's citizens
        # file ≈ 1 chat a second, with the ten paused chats on top.
        "chat": {"max_tickets_per_minute": 600},
    }
    with sandbox(tmp, settings, env={"HOTLINE_API_TOKEN": API_TOKEN}, ready_within_s=ready_within_s,
                 database_server=database_server) as box:
        box.warm_up_rasa()
        yield box


def seed_reminders(services: Services, count: int, *, first: datetime, spread_s: float) -> set[str]:
    """`count` dispatched tickets whose sign-for reminder falls due between first and first + spread_s.

    Each sign-for clock runs 1900..2100 (literal dates), so its 50% reminder (2000) has come and its 80% one
    (2060) has not: exactly one reminder per ticket, whenever the scheduler gets to it.
    """
    refs = []
    with services.session() as s:
        for i in range(count):
            refs.append(dispatched(s, services.core, utcnow(), text=f"第{i}号楼夜间施工噪音扰民").reference)
        unit = s.scalars(select(Deadline)).first().ticket.unit_code
        add_staff(s, utcnow(), unit)
        s.flush()
        s.execute(update(Deadline).values(stage=1, next_action_at=None))
        ids = list(s.scalars(select(Deadline.id).where(Deadline.clock == "sign_for").order_by(Deadline.id)))
        for i, deadline_id in enumerate(ids):
            s.execute(update(Deadline).where(Deadline.id == deadline_id).values(
                starts_at=at("1900-01-01 00:00"), due_at=at("2100-01-01 00:00"),
                next_action_at=first + timedelta(seconds=spread_s * i / max(1, count - 1))))
    return set(refs)


def outbox_open(services: Services) -> int:
    """Outbound rows not settled yet (queued or in flight)."""
    with services.read_session() as s:
        return len(list(s.scalars(select(OutboundMessage.id).where(
            OutboundMessage.status.in_(("queued", "sending"))))))


def outbox_sent(services: Services) -> Counter:
    """(to, body) of every row recorded as sent."""
    with services.read_session() as s:
        return Counter((m.to, m.body) for m in s.scalars(select(OutboundMessage).where(
            OutboundMessage.status == "sent")))


def outbox_statuses(services: Services) -> Counter:
    with services.read_session() as s:
        return Counter(s.scalars(select(OutboundMessage.status)))


def reminders_received(fake, refs: set[str]) -> Counter:
    """How many reminder texts Twilio accepted per seeded ticket."""
    got = Counter()
    for params in fake.messages_to(HANDLER_PHONE):
        for ref in REFERENCE.findall(params.get("Body", "")):
            if ref in refs:
                got[ref] += 1
    return got


def rasa_turns(log: Path) -> list[tuple[float, str, str]]:
    """(time, upstream port, sender) of every turn nginx passed to a Rasa server."""
    turns = []
    for line in log.read_text(encoding="utf-8").splitlines():
        m = re.match(r'(\d+\.\d+) "POST /webhooks/rest/webhook" \d+ upstream=(\S+(?:, \S+)*) status=\S+ \S+ '
                     r'sender=(\S+)', line)
        if m:
            last = m.group(2).split(",")[-1].strip()
            turns.append((float(m.group(1)), last.rsplit(":", 1)[-1], m.group(3)))
    return turns
