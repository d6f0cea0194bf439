"""A throwaway `make cluster` for tests and benchmarks: free loopback ports, databases of its own, dropped after.

The same config section, generated files and Procfile.cluster lines as `make cluster`; deploy.supervisor
replaces honcho so that one process can be killed while the others carry on.
"""
from __future__ import annotations

import os
import socket
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deploy.cluster import PROCFILE, Plan, ensure_database, migrate_database, plan_for, render
from deploy.supervisor import Supervisor
from hotline.config import load_config
from hotline.wiring import Services, build_services
from ivr.webhooks import twilio_webhooks

PG_SERVER = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
WEB, SCHEDULERS, RASA, ACTIONS = ("web1", "web2"), ("scheduler1", "scheduler2"), ("rasa1", "rasa2"), \
    ("actions1", "actions2")
EVERYTHING = (*RASA, *ACTIONS, *WEB, *SCHEDULERS, "nginx")  # Rasa first: its model takes longest to load
# The developer's own settings that must not leak into the sandbox's processes.
PRIVATE_ENV = ("TWILIO_", "DATABASE_URL", "HOTLINE_", "RASA_", "PUBLIC_BASE_URL", "SECRET_KEY", "CLUSTER_",
               "REDIS_URL", "TRUSTED_PROXIES")


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
class Sandbox:
    """A running cluster: its plan, processes, and an in-process view of its database."""

    plan: Plan
    supervisor: Supervisor
    services: Services
    config_path: Path

    @property
    def url(self) -> str:
        return self.plan.public_url

    def warm_up_rasa(self, rounds: int = 3) -> None:
        """A few turns straight to each Rasa server: its first predictions after loading take seconds, which a
        web host would count as Rasa being down. Two turns of a complaint form; nothing is filed."""
        import requests
        for name in RASA:
            if not self.supervisor.alive(name):
                continue
            base = f"http://127.0.0.1:{self.port(name)}"
            for i in range(rounds):
                sender = f"warm-up-{name}-{i}-{uuid.uuid4().hex[:8]}"
                requests.post(f"{base}/model/parse", json={"text": "小区停水了"}, timeout=60,
                              params={"token": self.plan.env()["RASA_TOKEN"]})
                for text in ("我们小区垃圾好几天没人清运了", "朝阳区望京街道"):
                    requests.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                  timeout=60)

    def port(self, name: str) -> int:
        """The port a process of Procfile.cluster listens on (web1, rasa2, actions1 ...)."""
        c = self.plan.config.cluster
        for names, ports in ((WEB, c.web_ports), (RASA, c.rasa_ports), (ACTIONS, c.action_ports)):
            if name in names:
                return ports[names.index(name)]
        raise KeyError(name)


def _database_urls(tag: str, server_url: str) -> tuple[str, str]:
    server = make_url(server_url)
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


def _forget_locks(plan: Plan) -> None:
    """Rasa's lock keys of this run (a killed server leaves its lock behind in the shared Redis)."""
    import redis
    r = redis.Redis.from_url(plan.config.cluster.redis_url)
    try:
        for key in r.scan_iter(match=f"*{plan.redis().key_prefix}*", count=500):
            r.delete(key)
    finally:
        r.close()


def write_config(path: Path, folder: Path, app_url: str, rasa_url: str, settings: dict) -> Path:
    """The sandbox's config file: the given sections, plus a cluster section on free ports and its databases."""
    ports = free_ports(8)
    raw = {name: dict(values) for name, values in settings.items()}
    raw.setdefault("cluster", {}).update({
        "dir": str(folder), "port": ports[0], "rasa_port": ports[1], "web_ports": ports[2:4],
        "rasa_ports": ports[4:6], "action_ports": ports[6:8], "database_url": app_url,
        "rasa_tracker_store_url": rasa_url, "redis_url": REDIS_URL})
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def process_env(config_path: Path, plan: Plan, extra: dict[str, str]) -> dict[str, str]:
    """What honcho would give each process, without the developer's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PRIVATE_ENV)}
    env.update(plan.env())
    env.update({"HOTLINE_CONFIG": str(config_path), "PATH": env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin",
                "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


@contextmanager
def sandbox(folder: Path, settings: dict, *, start: Iterable[str] = EVERYTHING, env: dict[str, str] | None = None,
            ready_within_s: float = 300, database_server: str = PG_SERVER) -> Iterator[Sandbox]:
    """Start the named processes of Procfile.cluster and wait until each answers; stop and drop everything after.

    Its two databases are made on database_server (a PostgreSQL URL; its database part is replaced)."""
    tag = uuid.uuid4().hex[:10]
    app_url, rasa_url = _database_urls(tag, database_server)
    folder.mkdir(parents=True, exist_ok=True)
    config_path = write_config(folder / "hotline.yaml", folder / "cluster", app_url, rasa_url, settings)
    config = load_config(config_path, environ={})
    plan = plan_for(config)
    names = list(start)
    with ExitStack() as stack:
        for url in (app_url, rasa_url):
            ensure_database(url)
            stack.callback(_drop, url)
        render(plan)
        stack.callback(_forget_locks, plan)
        supervisor = Supervisor(PROCFILE, process_env(config_path, plan, env or {}), folder / "logs")
        stack.callback(supervisor.stop)
        # Rasa and its action servers need neither the app's tables nor the web hosts: they load their model
        # (the long pole) while the app's database is migrated.
        for name in [n for n in names if n in (*RASA, *ACTIONS)]:
            supervisor.start(name)
        migrate_database(config)
        for name in [n for n in names if n not in (*RASA, *ACTIONS)]:
            supervisor.start(name)
        app_config = load_config(config_path, environ={}, overrides={"database.url": app_url})
        services = build_services(app_config, twilio_webhooks(app_config.app.public_base_url))
        stack.callback(services.dispose)
        box = Sandbox(plan, supervisor, services, config_path)
        deadline = time.monotonic() + ready_within_s
        checks = [(n, f"http://127.0.0.1:{box.port(n)}/readyz") for n in WEB if n in names]
        checks += [("nginx", f"{plan.local_url}/readyz")] if "nginx" in names else []
        checks += [(n, f"http://127.0.0.1:{box.port(n)}/health") for n in ACTIONS if n in names]
        token = plan.env()["RASA_TOKEN"]  # Rasa's /status answers only with the token it serves with
        checks += [(n, f"http://127.0.0.1:{box.port(n)}/status?token={token}") for n in RASA if n in names]
        for name, url in checks:
            supervisor.wait_for(name, url, max(5.0, deadline - time.monotonic()))
        yield box
