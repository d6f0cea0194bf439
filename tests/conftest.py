"""Shared fixtures: config, the core, databases (SQLite and the real PostgreSQL), the app and its client."""
from __future__ import annotations

import os
from contextlib import contextmanager
import uuid

import pytest
from sqlalchemy import create_engine, text

from hotline.store import migrate
from hotline.core import build_core
from hotline.store.db import Base
from hotline.store.refdata import load_reference_data
from hotline.wiring import build_services
from ivr.webhooks import twilio_webhooks
from tests.helpers import API_TOKEN, PUBLIC, make_config, serve


def pytest_collection_modifyitems(config, items):
    """A test marked backend("postgresql") is about that backend's behaviour: not collected for the other one."""
    keep, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("backend")
        param = getattr(getattr(item, "callspec", None), "params", {}).get("database_url")
        (dropped if marker and param and param not in marker.args else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_sessionstart(session):
    """The pages' catalogues must be compiled (`make translations`), or every Chinese page test fails late."""
    from pathlib import Path
    for po in Path(__file__).resolve().parent.parent.glob("*/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            raise pytest.UsageError(f"{mo} is missing or older than its .po: run `make translations`")

pytest_plugins = ["tests.fakes.plugin"]

# PostgreSQL on these machines: trust auth, database `test`; tests make and drop their own database.
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REFERENCE_TABLES = {"districts", "townships", "departments", "service_codes"}


@pytest.fixture(scope="session")
def config():
    """Config without a database of its own, for pure tests."""
    return make_config()


@pytest.fixture(scope="session")
def core(config):
    """Taxonomy, gazetteer and config, loaded once."""
    return build_core(config)


def _postgres_database():
    """Create a fresh PostgreSQL database; fail in CI and skip elsewhere when the server is missing."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        message = f"PostgreSQL at {PG_ADMIN_URL} is not usable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    return admin, name, url


@contextmanager
def _postgres_database_dropped_after():
    """(name, url) of a fresh PostgreSQL database, dropped when the block ends."""
    admin, name, url = _postgres_database()
    try:
        yield name, url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated-from-nothing database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"
        return
    with _postgres_database_dropped_after() as (_name, url):
        yield url


@pytest.fixture
def empty_postgres_database():
    """(name, url) of an empty PostgreSQL database of the test's own (no tables), dropped afterwards."""
    with _postgres_database_dropped_after() as database:
        yield database


@pytest.fixture(scope="session")
def services(database_url):
    """Services on a migrated database with reference data loaded."""
    svc = build_services(make_config(database_url), twilio_webhooks(PUBLIC))
    migrate.upgrade(svc.engine)
    with svc.session() as s:
        load_reference_data(s, svc.core.taxonomy)
    yield svc
    svc.dispose()


def clear_activity(engine) -> None:
    """Empty every table but the reference data."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def db(services):
    """Services on a clean database for one test."""
    clear_activity(services.engine)
    return services


@pytest.fixture
def session(db):
    """A session the test commits or discards itself."""
    s = db.sessions()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def app(db):
    """The Flask app on the clean database."""
    from app import create_app
    application = create_app(db.config, services=db)
    application.testing = True
    return application


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def auth():
    """Headers with the API token."""
    return {"Authorization": f"Bearer {API_TOKEN}"}



@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a thread; yields its base URL."""
    with serve(app) as url:
        yield url


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags from this machine's notes: no sandbox as root, and no background calls to a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (installed by `make test`); fails when missing."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser page; closed after the test."""
    context = browser.new_context(locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    context.close()
