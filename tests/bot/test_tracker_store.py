"""The cluster's Rasa servers keep a conversation when PostgreSQL drops their connections (a restart)."""
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import make_url

from deploy.cluster import plan_for, render
from hotline.config import load_config

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
pytestmark = pytest.mark.rasa


def test_a_conversation_survives_postgresql_dropping_the_tracker_store_s_connections(tmp_path,
                                                                                     empty_postgres_database):
    if not PYTHON.exists():
        pytest.fail("the bot's environment .venv-rasa is missing: run `make test` (it needs Python 3.10)")
    tracker_database, url = empty_postgres_database
    # Rasa's environment has psycopg2, the dialect's default driver.
    tracker_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    plan = plan_for(load_config(environ={}, overrides={"cluster.dir": str(tmp_path / "cluster"),
                                                       "cluster.rasa_tracker_store_url": tracker_url}))
    render(plan)  # the endpoints file make cluster gives each Rasa server
    # The script drops the tracker database's other connections from a connection of its own to it.
    out = subprocess.run([str(PYTHON), str(ROOT / "tests" / "bot" / "tracker_store_restart.py"),
                          str(plan.dir / "endpoints-1.yml"), tracker_url, tracker_database],
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
