"""The cluster's Rasa servers keep a conversation when PostgreSQL drops their connections (a restart)."""
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from deploy.cluster import plan_for, render
from hotline.config import load_config

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
pytestmark = pytest.mark.rasa


@pytest.fixture
def tracker_database():
    """A database of its own for the tracker store; dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hotline_rasa_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_conversation_survives_postgresql_dropping_the_tracker_store_s_connections(tmp_path, tracker_database):
    if not PYTHON.exists():
        pytest.fail("the bot's environment .venv-rasa is missing: run `make test` (it needs Python 3.10)")
    server = make_url(PG_ADMIN_URL).set(drivername="postgresql")
    tracker_url = server.set(database=tracker_database).render_as_string(hide_password=False)
    plan = plan_for(load_config(environ={}, overrides={"cluster.dir": str(tmp_path / "cluster"),
                                                       "cluster.rasa_tracker_store_url": tracker_url}))
    render(plan)  # the endpoints file make cluster gives each Rasa server
    admin_dsn = server.render_as_string(hide_password=False)
    out = subprocess.run([str(PYTHON), str(ROOT / "tests" / "bot" / "tracker_store_restart.py"),
                          str(plan.dir / "endpoints-1.yml"), admin_dsn, tracker_database],
                         cwd=ROOT / "bot", capture_output=True, text=True, timeout=300,
                         env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    assert out.returncode == 0 and lines, out.stdout[-2000:] + out.stderr[-4000:]
    result = json.loads(lines[-1])

    assert result["class"] == "PingingSQLTrackerStore"  # the endpoints' type loads (Rasa would fall back silently)
    assert result["cluster"]["dropped"] >= 1
    assert result["cluster"]["texts"] == ["楼下施工太吵了"]
    # Rasa's own store meets the dead connection: what the fault test saw as a conversation starting over.
    assert result["plain"]["dropped"] >= 1 and "error" in result["plain"]
