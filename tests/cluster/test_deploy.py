"""`make cluster`'s pieces without starting it: the generated files, the Procfile, config checks, the supervisor."""
from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from deploy.cluster import PROCFILE, nginx_binary, plan_for, render
from deploy.supervisor import Supervisor, procfile_commands
from hotline.config import PROJECT_ROOT, ConfigError, load_config


def cluster_config(tmp_path: Path, **cluster):
    values = {"cluster.dir": str(tmp_path / "cluster"), "cluster.redis_url": "redis://:s3cret@10.0.0.7:6380/3",
              "cluster.rasa_tracker_store_url": "postgresql://rasa:pw@db.internal:5432/rasa_events"}
    values.update({f"cluster.{k}": v for k, v in cluster.items()})
    return load_config(environ={}, overrides=values)


def test_nginx_accepts_the_generated_config_with_both_web_hosts_and_both_rasa_servers(tmp_path):
    plan = plan_for(cluster_config(tmp_path, port=8150, rasa_port=8151, web_ports=[5150, 5151],
                                   rasa_ports=[5152, 5153]))
    render(plan)
    conf = (plan.dir / "nginx.conf").read_text()

    checked = subprocess.run([nginx_binary(), "-t", "-p", str(plan.dir), "-c", str(plan.dir / "nginx.conf"),
                              "-e", str(plan.dir / "nginx-error.log")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "listen 127.0.0.1:8150;" in conf and "listen 127.0.0.1:8151;" in conf
    for port in (5150, 5151, 5152, 5153):
        assert f"server 127.0.0.1:{port} max_fails=1" in conf
    # Only requests idempotent on their keys are replayed on the other host after a host dropped them.
    replayed = conf.split("location ~ ^/(twilio|chat/api|api)/ {", 1)[1].split("}", 1)[0]
    assert "proxy_next_upstream error non_idempotent;" in replayed
    default = conf.split("location / {", 1)[1].split("}", 1)[0]
    assert "non_idempotent" not in default
    # Logs carry paths, never query strings (phone numbers travel in some) or request bodies.
    formats = " ".join(line for line in conf.splitlines() if "log_format" in line or line.strip().startswith("'"))
    assert "$request_uri" not in formats and "$args" not in formats and "$request_body" not in formats


def test_each_rasa_server_gets_the_sql_tracker_store_the_redis_lock_store_and_its_own_action_server(tmp_path):
    plan = plan_for(cluster_config(tmp_path, action_ports=[5160, 5161]))
    render(plan)
    first, second = (yaml.safe_load((plan.dir / f"endpoints-{n}.yml").read_text()) for n in (1, 2))

    assert first["action_endpoint"]["url"] == "http://127.0.0.1:5160/webhook"
    assert second["action_endpoint"]["url"] == "http://127.0.0.1:5161/webhook"
    assert first["tracker_store"] == second["tracker_store"] == {
        "type": "tracker_stores.PingingSQLTrackerStore", "dialect": "postgresql",
        "url": "postgresql://rasa:pw@db.internal:5432/rasa_events"}
    # The lock keys are prefixed with the tracker database's name: two clusters on one Redis stay apart.
    assert first["lock_store"] == {"type": "redis", "url": "10.0.0.7", "port": 6380, "db": 3, "password": "s3cret",
                                   "use_ssl": False, "key_prefix": "rasaevents"}
    assert oct((plan.dir / "endpoints-1.yml").stat().st_mode & 0o777) == "0o600"  # it holds passwords


def test_every_process_is_told_the_cluster_s_addresses_and_nothing_else_changes(tmp_path):
    plan = plan_for(cluster_config(tmp_path, port=8170, rasa_port=8171, web_ports=[5170, 5171],
                                   database_url="postgresql+psycopg://u@db:5432/city"))
    render(plan)
    env = dict(line.split("=", 1) for line in (plan.dir / "cluster.env").read_text().splitlines()
               if line and not line.startswith("#"))

    assert env["DATABASE_URL"] == "postgresql+psycopg://u@db:5432/city"
    assert env["RASA_URL"] == "http://127.0.0.1:8171" and env["PUBLIC_BASE_URL"] == "http://127.0.0.1:8170"
    assert env["HOTLINE_API_URL"] == "http://127.0.0.1:8170"  # the action servers go through nginx
    assert (env["WEB1_PORT"], env["WEB2_PORT"], env["TRUSTED_PROXIES"]) == ("5170", "5171", "1")
    assert env["RASA_TIMEOUT_S"] == "12.0" and env["TICKET_LOCK_LIFETIME"] == "5"
    # Every variable a process reads through the config loader is a setting it already has.
    loaded = load_config(environ={k: v for k, v in env.items()})
    assert loaded.database.url == env["DATABASE_URL"] and loaded.rasa.url == env["RASA_URL"]
    assert loaded.rasa.timeout_s == 12.0 and loaded.app.trusted_proxies == 1


def test_the_cluster_web_hosts_run_the_procfile_s_web_command_with_only_their_own_port():
    web = shlex.split(procfile_commands(PROJECT_ROOT / "Procfile")["web"])
    cluster = procfile_commands(PROCFILE)
    assert set(cluster) == {"nginx", "web1", "web2", "scheduler1", "scheduler2", "rasa1", "rasa2", "actions1",
                            "actions2"}

    def without_host_settings(argv):
        out, skip = [], False
        for arg in argv:
            if skip:
                skip = False
                continue
            if arg in ("--bind", "--workers", "--threads", "--control-socket"):
                skip = True
                continue
            out.append(arg)
        return out

    for name in ("web1", "web2"):
        argv = shlex.split(cluster[name])
        assert without_host_settings(argv) == without_host_settings(web)
    assert cluster["scheduler1"] == cluster["scheduler2"] == procfile_commands(PROJECT_ROOT / "Procfile")["scheduler"]


@pytest.mark.parametrize("settings, message", [
    ({"cluster.web_ports": [5101]}, "cluster.web_ports: list 2 ports"),
    ({"cluster.rasa_ports": [5101, 5111]}, "every port must be different"),
    ({"cluster.port": 70000}, "between 1 and 65535"),
    ({"app.trusted_proxies": -1}, "app.trusted_proxies"),
])
def test_a_cluster_config_that_cannot_work_is_refused_at_start_up(settings, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ={}, overrides=settings)


def test_the_supervisor_kills_a_whole_process_group_and_leaves_the_others_running(tmp_path):
    procfile = tmp_path / "Procfile"
    # A "host" with a child of its own, like a gunicorn master and its worker.
    procfile.write_text("host: sh -c 'sleep 60 & wait'\nother: sleep 60\n")
    sup = Supervisor(procfile, dict(os.environ), tmp_path / "logs")
    try:
        host, other = sup.start("host"), sup.start("other")
        time.sleep(0.3)
        members = _group(host.pid)
        assert len(members) >= 2

        sup.kill("host")

        assert not sup.alive("host") and sup.alive("other")
        assert _group(host.pid) == []  # the child died with it
        sup.start("host")
        assert sup.alive("host")
    finally:
        sup.stop(timeout=5)
    assert not sup.alive("host") and not sup.alive("other") and _group(other.pid) == []


def _group(pgid: int) -> list[int]:
    """Live processes in a process group."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found
