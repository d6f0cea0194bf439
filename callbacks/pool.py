"""The bounded worker pool that sends: never more than `size` sends in flight, and the sweep knows the room left."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

log = logging.getLogger(__name__)


class SendPool:
    """A thread pool with a visible number of free slots, so the sweep claims only what can be sent now."""

    def __init__(self, size: int):
        self.size = size
        self._busy = 0
        self._cond = threading.Condition()
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="send")

    def free(self) -> int:
        """Slots not busy right now."""
        with self._cond:
            return self.size - self._busy

    def wait_for_free(self, timeout: float) -> bool:
        """Wait until a slot is free; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._busy < self.size, timeout)

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run fn(*args) on a free slot (callers claim no more rows than free() said)."""
        with self._cond:
            self._busy += 1
        try:
            self._executor.submit(self._run, fn, args)
        except RuntimeError:
            self._done()
            raise

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - one send's bug must not kill the pool
            log.exception("send failed unexpectedly")
        finally:
            self._done()

    def _done(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def shutdown(self) -> None:
        """Finish the sends in flight (their outcome is recorded), then stop."""
        self._executor.shutdown(wait=True)
