"""Run Procfile.cluster's processes one by one, so that one can be killed and started again (tests, benchmarks).

honcho stops every process when one exits; a fault test needs the others to carry on. Each process gets its
own process group, so killing it kills the whole "host" (a gunicorn master and its workers, a Rasa server
and its wrapper), as a machine dying would.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from deploy.procstat import processes
from hotline.config import PROJECT_ROOT


def procfile_commands(path: Path) -> dict[str, str]:
    """name -> command of each Procfile line, in order."""
    commands = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        commands[name.strip()] = command.strip()
    return commands


class ProcessGone(RuntimeError):
    """A process exited while we waited for it; the message has its log's tail."""


class Supervisor:
    """Starts, kills and stops the processes of one Procfile with one environment, each logging to a file."""

    def __init__(self, procfile: Path, env: dict[str, str], logs: Path):
        self.commands = procfile_commands(procfile)
        self.env = env
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str) -> subprocess.Popen:
        """Start one process (again); its output is appended to <logs>/<name>.log."""
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child holds it; closed with the process
        try:
            proc = subprocess.Popen(["/bin/sh", "-c", self.commands[name]], cwd=PROJECT_ROOT,
                                    env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self.procs[name] = proc
        return proc

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def kill(self, name: str) -> None:
        """kill -9 the process and everything it started: the host is gone, nothing is cleaned up."""
        proc = self.procs[name]
        _signal_group(proc, signal.SIGKILL)
        proc.wait(timeout=10)
        # The leader is reaped at once; its children die a moment later (a busy machine: long enough for a
        # restarted host to find its old worker still holding the port).
        deadline = time.monotonic() + 10
        while _alive_in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every process group, wait, then SIGKILL what is left."""
        # Only groups whose leader we have not reaped yet: a long-reaped pid may belong to someone else now.
        running = [proc for proc in self.procs.values() if proc.poll() is None]
        for proc in running:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in running:
            _signal_group(proc, signal.SIGKILL)  # what ignored SIGTERM, and strays whose leader already left
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def log(self, name: str, tail: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-tail:] if path.exists() else ""

    def wait_for(self, name: str, url: str, timeout: float) -> None:
        """Poll url until it answers 200; ProcessGone when the process exits, TimeoutError when time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive(name):
                raise ProcessGone(f"{name} exited ({shlex.quote(self.commands[name])}):\n{self.log(name)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{name} did not answer {url} within {timeout:.0f} s:\n{self.log(name)}")


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive_in_group(pgid: int) -> bool:
    """Whether a process of the group is still running (zombies have let go of everything)."""
    return any(p.pgrp == pgid and p.state not in ("Z", "X") for p in processes())