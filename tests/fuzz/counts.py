"""What the fuzzers did in this run, printed at the end of pytest's output (and kept in the README)."""
from collections import Counter

COUNTS: Counter = Counter()


def record(kind: str, status: int) -> None:
    """One request sent by a fuzzer: kind is "api", "chat", "twilio" or "forged"."""
    COUNTS[f"{kind}.requests"] += 1
    if status >= 500:
        COUNTS[f"{kind}.5xx"] += 1
    if kind == "forged" and status in (401, 403):
        COUNTS["forged.refused"] += 1
