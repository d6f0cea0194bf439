"""Start the Rasa server and the action server as child processes (tests and benchmarks), and wait for them."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

BOT = Path(__file__).resolve().parents[1]
RASA = BOT.parent / ".venv-rasa" / "bin" / "rasa"
MODEL = BOT / "models" / "hotline.tar.gz"


class StackError(RuntimeError):
    """The bot could not be started; the message says why (with the log's tail)."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BotStack:
    """A running Rasa server (and action server, when asked for)."""

    url: str
    actions_url: str | None
    procs: list
    logs: Path
    token: str = ""  # Rasa's --auth-token: the HTTP API (parse, trackers, models) answers nobody without it

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_bot(logs: Path, *, api_url: str | None = None, api_token: str = "", with_actions: bool = True,
              timeout_s: float = 300, rasa_token: str | None = None) -> BotStack:
    """Rasa on a free loopback port with the trained model and an auth token; the action server calling the app."""
    rasa_token = rasa_token or secrets.token_hex(16)
    if not RASA.exists():
        raise StackError("the bot's environment .venv-rasa is missing: run `make test` (it needs Python 3.10)")
    if not MODEL.exists():
        raise StackError(f"no trained bot at {MODEL}: run `make bot-train`")
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1", "TF_CPP_MIN_LOG_LEVEL": "2",
           "HOTLINE_API_URL": api_url or "", "HOTLINE_API_TOKEN": api_token}
    procs, actions_url = [], None
    rasa_port = free_port()
    args = [str(RASA), "run", "--enable-api", "--auth-token", rasa_token, "-i", "127.0.0.1", "-p", str(rasa_port),
            "--model", str(MODEL)]
    try:
        if with_actions:
            actions_port = free_port()
            actions_url = f"http://127.0.0.1:{actions_port}"
            endpoints = logs / "endpoints.yml"
            endpoints.write_text(f'action_endpoint:\n  url: "{actions_url}/webhook"\n')
            args += ["--endpoints", str(endpoints)]
            procs.append(_spawn([str(RASA), "run", "actions", "-p", str(actions_port), "--actions", "actions"],
                                env, logs / "actions.log"))
            wait_for(f"{actions_url}/health", procs[-1], logs / "actions.log", "the action server", timeout_s)
        procs.append(_spawn(args, env, logs / "rasa.log"))
        url = f"http://127.0.0.1:{rasa_port}"
        wait_for(f"{url}/status?token={rasa_token}", procs[-1], logs / "rasa.log", "Rasa", timeout_s)
    except BaseException:
        BotStack("", None, procs, logs).stop()
        raise
    return BotStack(url, actions_url, procs, logs, rasa_token)


def _spawn(cmd: list[str], env: dict, log: Path):
    return subprocess.Popen(cmd, cwd=BOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for(url: str, proc, log: Path, what: str, timeout_s: float) -> None:
    """Poll url until it answers; StackError when the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise StackError(f"{what} did not answer {url} within {timeout_s:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
