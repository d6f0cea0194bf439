"""The cluster under test: Procfile.cluster's processes on free loopback ports, fresh databases, the fake Twilio.

`make cluster` and this harness share everything but the process manager: the same config section, the
same generated nginx config and Rasa endpoints, the same Procfile lines; only honcho is replaced by
deploy.supervisor, which can kill one process and leave the others running.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import yaml
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from deploy.cluster import PROCFILE, Plan, ensure_database, migrate_database, plan_for, render
from deploy.supervisor import Supervisor
from hotline.config import load_config
from hotline.store.db import utcnow
from hotline.store.models import Deadline, OutboundMessage
from hotline.wiring import Services, build_services
from tests.helpers import API_TOKEN, at
from tests.scheduler_helpers import ACCOUNT, HANDLER_PHONE, HOTLINE, add_staff, noise_ticket

PG_SERVER = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
TWILIO_TOKEN = "cluster-twilio-auth-token-0123456789"
REFERENCE = re.compile(r"(?<!\d)(\d{10})(?!\d)")
WEB, SCHEDULERS, RASA, ACTIONS = ("web1", "web2"), ("scheduler1", "scheduler2"), ("rasa1", "rasa2"), \
    ("actions1", "actions2")


def free_ports(n: int) -> list[int]:
    """n loopback ports nobody listens on (held open together so that they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Cluster:
    """A running cluster: its plan, processes and an in-process view of its database."""

    plan: Plan
    supervisor: Supervisor
    services: Services
    logs: Path

    @property
    def url(self) -> str:
        return self.plan.public_url

    def rasa_port(self, name: str) -> int:
        return self.plan.config.cluster.rasa_ports[RASA.index(name)]


def _database_urls(tag: str) -> tuple[str, str]:
    server = make_url(PG_SERVER)
    app = server.set(database=f"hotline_cluster_{tag}").render_as_string(hide_password=False)
    rasa = server.set(drivername="postgresql", database=f"hotline_cluster_{tag}_rasa")
    return app, rasa.render_as_string(hide_password=False)


def _drop(url: str) -> None:
    target = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def write_config(path: Path, *, folder: Path, app_url: str, rasa_url: str, fake_twilio: str) -> Path:
    """The cluster's config file: free ports, its own databases, the fake Twilio, no quiet hours."""
    ports = free_ports(8)
    raw = {
        "app": {"mode": "test", "secret_key": "cluster-test-secret"},
        "api": {"token": API_TOKEN},
        "twilio": {"account_sid": ACCOUNT, "auth_token": TWILIO_TOKEN, "phone_number": HOTLINE,
                   "api_base_url": fake_twilio, "http_timeout_s": 10},
        # A send a killed scheduler left half-done is checked with Twilio after the lease (above the timeout).
        "scheduler": {"claim_lease_s": 12, "pool_size": 4},
        "quiet_hours": {"start": "00:00", "end": "00:00"},  # the real clock may be at night
        "outbox": {"backoff_base_s": 1, "backoff_max_s": 2, "status_callbacks": False},
        "cluster": {"dir": str(folder), "port": ports[0], "rasa_port": ports[1], "web_ports": ports[2:4],
                    "rasa_ports": ports[4:6], "action_ports": ports[6:8], "web_workers": 2, "web_threads": 4,
                    "database_url": app_url, "rasa_tracker_store_url": rasa_url, "redis_url": REDIS_URL},
    }
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def process_env(config_path: Path, plan: Plan) -> dict[str, str]:
    """What honcho would give each process: this environment without the developer's own settings."""
    mine = ("TWILIO_", "DATABASE_URL", "HOTLINE_", "RASA_", "PUBLIC_BASE_URL", "SECRET_KEY", "CLUSTER_",
            "REDIS_URL", "TRUSTED_PROXIES")
    env = {k: v for k, v in os.environ.items() if not k.startswith(mine)}
    env.update(plan.env())
    env.update({"HOTLINE_CONFIG": str(config_path), "HOTLINE_API_TOKEN": API_TOKEN,
                "PATH": env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin", "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONUNBUFFERED": "1"})
    return env


@contextmanager
def running_cluster(tmp: Path, fake_twilio_url: str, *, rasa_timeout_s: float) -> Iterator[Cluster]:
    """Every process of Procfile.cluster, ready; stopped and its databases dropped afterwards."""
    tag = uuid.uuid4().hex[:10]
    app_url, rasa_url = _database_urls(tag)
    config_path = write_config(tmp / "hotline.yaml", folder=tmp / "cluster", app_url=app_url, rasa_url=rasa_url,
                               fake_twilio=fake_twilio_url)
    config = load_config(config_path, environ={})
    plan = plan_for(config)
    with ExitStack() as stack:
        for url in (app_url, rasa_url):
            ensure_database(url)
            stack.callback(_drop, url)
        migrate_database(config)
        render(plan)
        stack.callback(_forget_locks, plan)
        supervisor = Supervisor(PROCFILE, process_env(config_path, plan), tmp / "logs")
        stack.callback(supervisor.stop)
        # Rasa first: loading its model is the long pole (a minute or more on two busy cores).
        for name in (*RASA, *ACTIONS, *WEB, *SCHEDULERS, "nginx"):
            supervisor.start(name)
        services = build_services(load_config(config_path, environ={}, overrides={"database.url": app_url}))
        stack.callback(services.dispose)
        cluster = Cluster(plan, supervisor, services, tmp / "logs")
        c = config.cluster
        deadline = time.monotonic() + rasa_timeout_s
        for name, port in zip(WEB, c.web_ports):
            supervisor.wait_for(name, f"http://127.0.0.1:{port}/readyz", 60)
        supervisor.wait_for("nginx", f"{plan.local_url}/readyz", 10)
        for name, port in zip(ACTIONS, c.action_ports):
            supervisor.wait_for(name, f"http://127.0.0.1:{port}/health", max(10.0, deadline - time.monotonic()))
        for name, port in zip(RASA, c.rasa_ports):
            supervisor.wait_for(name, f"http://127.0.0.1:{port}/status", max(10.0, deadline - time.monotonic()))
        yield cluster


def _forget_locks(plan: Plan) -> None:
    """Rasa's lock keys of this run (a killed server leaves its lock behind in the shared Redis)."""
    import redis
    r = redis.Redis.from_url(plan.config.cluster.redis_url)
    prefix = plan.redis().key_prefix
    for key in r.scan_iter(match=f"*{prefix}*", count=500):
        r.delete(key)
    r.close()


def restart_postgresql() -> float:
    """`pg_ctlcluster ... restart` of this machine's PostgreSQL; returns the seconds it took."""
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        raise RuntimeError("no PostgreSQL cluster under /etc/postgresql")
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"]
    if os.geteuid() != 0:
        cmd = ["sudo", "-n", *cmd]
    started = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return time.monotonic() - started


def seed_reminders(services: Services, count: int, *, first: datetime, spread_s: float) -> set[str]:
    """`count` dispatched tickets whose sign-for reminder falls due between first and first + spread_s.

    Each sign-for clock runs 1900..2100 (literal dates), so its 50% reminder (2000) has come and its 80% one
    (2060) has not: exactly one reminder per ticket, whenever the scheduler gets to it.
    """
    refs = []
    with services.session() as s:
        for i in range(count):
            refs.append(noise_ticket(s, services.core, utcnow(), text=f"第{i}号楼夜间施工噪音扰民").reference)
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
