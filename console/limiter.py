"""Login throttling: a small in-memory sliding window of failures per username and per client address.

Memory-backed on purpose: it needs no table or migration, and costs nothing per request. Each web
process keeps its own window, so with N gunicorn workers an attacker gets at most N times the budget
before every worker locks them out -- still a few dozen guesses an hour, not thousands. A site with
many hosts should put the same rule in its reverse proxy as well.
"""
from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta


class LoginLimiter:
    """At most `max_failures` failed logins per key within `window`; the key is then refused until they age out."""

    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=15),
                 max_keys: int = 100_000):
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: datetime) -> deque[datetime]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, keys: list[str], now: datetime) -> timedelta | None:
        """How long until any of these keys may try again; None when none is blocked."""
        with self._lock:
            waits = []
            for key in keys:
                q = self._prune(key, now)
                if len(q) >= self.max_failures:
                    waits.append(q[0] + self.window - now)
                if not q:
                    self._failures.pop(key, None)
            return max(waits) if waits else None

    def failed(self, keys: list[str], now: datetime) -> None:
        """Count one failed attempt against every key."""
        with self._lock:
            if len(self._failures) > self.max_keys:
                # Bound memory under a spray of random usernames: forget the quietest keys.
                for k in [k for k, q in self._failures.items() if len(q) < self.max_failures][: self.max_keys // 2]:
                    del self._failures[k]
            for key in keys:
                self._prune(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        """A correct password clears the username's failures."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
