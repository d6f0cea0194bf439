"""What Linux's /proc says of processes: state, process group and CPU time (the supervisor and bench.cluster)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    """One process as /proc/<pid>/stat has it."""

    pid: int
    state: str  # R, S, D, Z (zombie), X (dead), ...
    pgrp: int
    cpu_s: float  # user + system


def stat_of(pid: int) -> ProcStat | None:
    """The process's stat, or None when it is gone."""
    try:
        # The command may hold spaces and parentheses: the fields are those after its last ")".
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return ProcStat(pid, fields[0], int(fields[2]), (int(fields[11]) + int(fields[12])) / CLK_TCK)


def processes() -> Iterator[ProcStat]:
    """Every process that is there while /proc is read."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = stat_of(int(entry))
            if stat is not None:
                yield stat
