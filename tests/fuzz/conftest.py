"""Fuzzing fixtures: the counts of what was sent, printed after the run."""
from tests.fuzz.counts import COUNTS


def pytest_terminal_summary(terminalreporter):
    if not COUNTS:
        return
    terminalreporter.section("fuzzing counts")
    for key in sorted(COUNTS):
        terminalreporter.write_line(f"{key:<22} {COUNTS[key]}")
