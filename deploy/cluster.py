"""`make cluster`: plan the small city from config, make its databases, write nginx's and Rasa's files, start honcho.

    python -m deploy.cluster prepare   # databases + instance/cluster/{nginx.conf, endpoints-N.yml, cluster.env}
    python -m deploy.cluster start     # prepare, seed the demo users (development), then honcho Procfile.cluster

Everything comes from config.yaml's `cluster:` section and the environment; the processes themselves are the
ordinary web, scheduler, Rasa and action processes, told where everything is through their environment.
"""
from __future__ import annotations

import argparse
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hotline.config import PROJECT_ROOT, Config, ConfigError, load_config

DEPLOY = Path(__file__).resolve().parent
PROCFILE = PROJECT_ROOT / "Procfile.cluster"
ENV_FILE = "cluster.env"
NGINX_CONF = "nginx.conf"
# Rasa's SQL tracker store pools 50 + 100 connections by default; PostgreSQL allows 100 in all.
RASA_DB_POOL, RASA_DB_OVERFLOW = 4, 8


class ClusterError(RuntimeError):
    """Something the cluster needs is missing; the message says what to do."""


@dataclass(frozen=True)
class RedisTarget:
    """Rasa's lock store takes the parts of a Redis URL, not the URL."""

    host: str
    port: int
    db: int
    username: str
    password: str
    ssl: bool
    key_prefix: str


@dataclass(frozen=True)
class Plan:
    """Where every part of the cluster listens and what each process is told."""

    config: Config
    dir: Path

    @property
    def public_url(self) -> str:
        """The URL Twilio and citizens use (signatures are checked against it)."""
        return (self.config.cluster.public_base_url or f"http://127.0.0.1:{self.config.cluster.port}").rstrip("/")

    @property
    def local_url(self) -> str:
        """nginx on this machine: where the action servers reach the app's API."""
        return f"http://127.0.0.1:{self.config.cluster.port}"

    @property
    def rasa_url(self) -> str:
        """nginx in front of the Rasa servers: the web hosts' rasa.url."""
        return f"http://127.0.0.1:{self.config.cluster.rasa_port}"

    def redis(self) -> RedisTarget:
        """The lock store's Redis, from cluster.redis_url."""
        parts = urlsplit(self.config.cluster.redis_url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ConfigError(f"cluster.redis_url: expected redis://host:port/db, got {self.config.cluster.redis_url!r}")
        db = parts.path.strip("/") or "0"
        if not db.isdigit():
            raise ConfigError(f"cluster.redis_url: the database must be a number, got {db!r}")
        # Rasa wants an alphanumeric prefix; one per tracker database keeps two clusters' locks apart.
        prefix = re.sub(r"[^A-Za-z0-9]", "", self.tracker_database()) or "hotline"
        return RedisTarget(host=parts.hostname, port=parts.port or 6379, db=int(db),
                           username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                           ssl=parts.scheme == "rediss", key_prefix=prefix)

    def tracker_database(self) -> str:
        """The name of Rasa's tracker database."""
        return make_url(self.config.cluster.rasa_tracker_store_url).database or ""

    def rasa_token(self) -> str:
        """The cluster's own Rasa token, made once and kept beside its other generated files."""
        path = self.dir / "rasa.token"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(24))
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        """The environment every process of Procfile.cluster gets on top of instance/dev.env."""
        c = self.config.cluster
        env = {
            "CLUSTER_DIR": str(self.dir),
            "WEB_WORKERS": str(c.web_workers), "WEB_THREADS": str(c.web_threads),
            "DATABASE_URL": c.database_url,
            "PUBLIC_BASE_URL": self.public_url,
            "RASA_URL": self.rasa_url,
            "RASA_TIMEOUT_S": str(c.rasa_timeout_s),
            "TRUSTED_PROXIES": "1",  # nginx: the client's address is the last X-Forwarded-For hop
            "REDIS_URL": c.redis_url,
            # The action servers reach the app's API through nginx, like any partner.
            "HOTLINE_API_URL": self.local_url, "HOTLINE_WEB_URL": self.public_url,
            # Rasa: lock lifetime, a small tracker-store pool, no telemetry, loopback only.
            "TICKET_LOCK_LIFETIME": str(c.rasa_lock_lifetime_s),
            "POSTGRESQL_POOL_SIZE": str(RASA_DB_POOL), "POSTGRESQL_MAX_OVERFLOW": str(RASA_DB_OVERFLOW),
            "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
            # Rasa serves its API only with a token; the web hosts send the same one.
            "RASA_TOKEN": self.config.rasa.token or os.environ.get("RASA_TOKEN") or self.rasa_token(),
        }
        for i, (web, rasa, actions) in enumerate(zip(c.web_ports, c.rasa_ports, c.action_ports), start=1):
            env[f"WEB{i}_PORT"], env[f"RASA{i}_PORT"], env[f"ACTIONS{i}_PORT"] = str(web), str(rasa), str(actions)
        return env


def plan_for(config: Config) -> Plan:
    """The cluster this config describes (a relative dir is relative to the project folder)."""
    folder = Path(config.cluster.dir)
    return Plan(config=config, dir=folder if folder.is_absolute() else PROJECT_ROOT / folder)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(DEPLOY), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, autoescape=False)


def nginx_user() -> str | None:
    """nginx's workers drop root for Debian's www-data (or nobody); as another user they run as that user."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def render(plan: Plan) -> list[Path]:
    """Write nginx.conf, endpoints-N.yml and cluster.env into the plan's folder; returns the files."""
    c = plan.config.cluster
    plan.dir.mkdir(parents=True, exist_ok=True)
    tmp = plan.dir / "nginx-tmp"
    tmp.mkdir(exist_ok=True)
    user = nginx_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)  # the workers spill large bodies here
    env = _templates()
    written = []
    conf = plan.dir / NGINX_CONF
    conf.write_text(env.get_template("nginx.conf.j2").render(
        dir=str(plan.dir), user=user, port=c.port, rasa_port=c.rasa_port, web_ports=c.web_ports,
        rasa_ports=c.rasa_ports), encoding="utf-8")
    written.append(conf)
    tracker = {"dialect": make_url(c.rasa_tracker_store_url).get_backend_name(), "url": c.rasa_tracker_store_url}
    for n, port in enumerate(c.action_ports, start=1):
        path = plan.dir / f"endpoints-{n}.yml"
        path.write_text(env.get_template("endpoints.yml.j2").render(
            n=n, action_url=f"http://127.0.0.1:{port}/webhook", tracker=tracker, redis=plan.redis()),
            encoding="utf-8")
        path.chmod(0o600)  # it may hold database and Redis passwords
        written.append(path)
    env_file = plan.dir / ENV_FILE
    env_file.write_text("# Generated by `python -m deploy.cluster prepare` from config.yaml's cluster section.\n"
                        + "".join(f"{k}={_quote(v)}\n" for k, v in plan.env().items()), encoding="utf-8")
    env_file.chmod(0o600)
    written.append(env_file)
    return written


def _quote(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_./:@+=,%?&-]*", value) else '"' + value.replace('"', '\\"') + '"'


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named by url when it is missing; True when it was made."""
    target = make_url(url).set(drivername="postgresql+psycopg")
    name = target.database
    if not name:
        raise ClusterError(f"{url}: names no database")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                return False
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    except Exception as exc:  # noqa: BLE001 - say which server and what to do
        raise ClusterError(f"cannot reach or create database {name!r} at {target.host}:{target.port}: {exc}. "
                           f"Start PostgreSQL, or create the database yourself (managed servers).") from exc
    finally:
        admin.dispose()


def check_redis(url: str) -> None:
    """Redis answers PING, or ClusterError."""
    import redis
    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as exc:
        raise ClusterError(f"Redis at {url} does not answer ({exc}); start redis-server or set CLUSTER_REDIS_URL")


def migrate_database(config: Config) -> str:
    """Bring the cluster's database to the latest revision with reference data (what `init-db` does)."""
    from hotline.store import migrate
    from hotline.store.refdata import load_reference_data
    from hotline.wiring import build_services
    from ivr.webhooks import twilio_webhooks

    app_config = load_config(environ={}, overrides=_app_overrides(config))
    services = build_services(app_config, twilio_webhooks(app_config.app.public_base_url))
    try:
        migrate.upgrade(services.engine)
        with services.session() as s:
            report = load_reference_data(s, services.core.taxonomy)
    finally:
        services.dispose()
    return f"{report.townships} townships, {report.service_codes} service codes"


def _app_overrides(config: Config) -> dict:
    # Migrating needs the database and the taxonomy only, not the secrets production insists on.
    return {"database.url": config.cluster.database_url, "app.mode": "development"}


def prepare(config: Config, *, databases: bool = True) -> Plan:
    """Everything `make cluster` needs before its processes start."""
    plan = plan_for(config)
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        raise ClusterError("nginx is not installed: `make cluster` installs Debian's package (apt-get install nginx)")
    if databases:
        check_redis(config.cluster.redis_url)
        for url in (config.cluster.database_url, config.cluster.rasa_tracker_store_url):
            if make_url(url).get_backend_name() != "postgresql":
                raise ClusterError(f"{url}: the cluster's databases are PostgreSQL (SQLite allows one writer "
                                   f"process and one scheduler)")
            ensure_database(url)
        migrate_database(config)
    render(plan)
    return plan


def nginx_binary() -> str:
    """Debian puts nginx in /usr/sbin, which a non-root PATH may lack."""
    return shutil.which("nginx") or "/usr/sbin/nginx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["prepare", "start"])
    args = parser.parse_args(argv)
    try:
        config = load_config()
        plan = prepare(config)
    except (ConfigError, ClusterError) as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 2
    c = config.cluster
    print(f"==> cluster ready in {plan.dir}: nginx {plan.public_url} (Rasa behind {plan.rasa_url}), web hosts "
          f"{', '.join(map(str, c.web_ports))}, Rasa {', '.join(map(str, c.rasa_ports))}, actions "
          f"{', '.join(map(str, c.action_ports))}; database {make_url(c.database_url).render_as_string()}")
    if args.action == "prepare":
        return 0
    env = {**os.environ, **plan.env()}
    env["PATH"] = env.get("PATH", "") + ":/usr/sbin"
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--if-development"],
                   cwd=PROJECT_ROOT, env=env, check=True)
    print("    Ctrl-C stops every process; health http://127.0.0.1:%d/readyz" % c.port)
    honcho = str(Path(sys.executable).with_name("honcho"))
    envs = ",".join(p for p in ("instance/dev.env", str(plan.dir / ENV_FILE)) if (PROJECT_ROOT / p).exists())
    os.chdir(PROJECT_ROOT)
    os.execve(honcho, [honcho, "-e", envs, "-f", str(PROCFILE), "start"], env)


if __name__ == "__main__":
    sys.exit(main())
