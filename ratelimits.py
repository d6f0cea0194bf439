"""Rate limits shared by every web process and host: Flask-Limiter's storage (Redis in production), one per app.

Every channel uses the same three calls:

    from ratelimits import client_address, hit, limit

    @bp.post("/chat/api/messages")
    @limit("30 per minute", "300 per hour", key=client_address)      # before the view runs; 429 when spent
    def post_message(): ...

    verdict = hit("20 per minute", "chat-conversation", conversation_id)  # inside a view, once the key is known
    if not verdict.allowed:
        ...answer in the channel's terms, e.g. Retry-After: verdict.retry_after_s

A hit is counted *before* the work it guards (an atomic increment in Redis), so simultaneous requests can
never get more than the limit between them. Rules are Flask-Limiter's notation ("5 per 15 minutes").
`limit` raises `RateLimited` (a werkzeug 429 carrying Retry-After): the channel's error handler renders it.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger("hotline.ratelimits")

EXTENSION = "hotline_limiter"
STRATEGY = "moving-window"  # "5 in any 15 minutes", not "5 per clock quarter": no burst at a window edge


class RateLimited(TooManyRequests):
    """A 429 with the seconds until the next try (sent as Retry-After)."""

    def __init__(self, retry_after_s: int, description: str | None = None):
        super().__init__(description or "too many requests; try again later", retry_after=retry_after_s)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Verdict:
    """What one hit on a limit decided."""

    allowed: bool
    retry_after_s: int = 0
    remaining: int = 0


def client_address() -> str:
    """The real client address: werkzeug's ProxyFix has already peeled off `app.trusted_proxies` hops."""
    return request.remote_addr or "unknown"


def init_app(app: Flask, storage_url: str, *, key_prefix: str = "hotline") -> Limiter:
    """Give the app its limiter on `storage_url` (memory:// or redis://host:port/db)."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter = Limiter(client_address, app=app, storage_uri=storage_url or "memory://", strategy=STRATEGY,
                      key_prefix=key_prefix)
    app.extensions[EXTENSION] = limiter
    app.extensions[EXTENSION + "_prefix"] = key_prefix
    return limiter


def _limiter() -> Limiter:
    return current_app.extensions[EXTENSION]


def _item(rule: str) -> RateLimitItem:
    return parse(rule)


def _key(parts: tuple) -> list[str]:
    return [current_app.extensions.get(EXTENSION + "_prefix", "hotline"), *(str(k) for k in parts)]


def _fallback() -> RateLimiter:
    """A per-process memory limiter for when the shared store is unreachable (limits still hold per process)."""
    fallback = current_app.extensions.get(EXTENSION + "_fallback")
    if fallback is None:
        fallback = current_app.extensions[EXTENSION + "_fallback"] = MovingWindowRateLimiter(MemoryStorage())
    return fallback


def hit(rule: str, *key: str, cost: int = 1) -> Verdict:
    """Count one request against `rule` for `key` (atomically) and say whether it is within the limit."""
    item = _item(rule)
    parts = _key(key)
    limiter = _limiter().limiter
    try:
        allowed = limiter.hit(item, *parts, cost=cost)
    except Exception:  # noqa: BLE001 - a store outage must not take the site down or switch limits off
        log.error("rate-limit store unreachable; limiting in this process only", exc_info=True)
        limiter = _fallback()
        allowed = limiter.hit(item, *parts, cost=cost)
    stats = limiter.get_window_stats(item, *parts)
    retry = 0 if allowed else max(1, int(stats.reset_time - _now()) + 1)
    return Verdict(allowed=allowed, retry_after_s=retry, remaining=max(0, stats.remaining))


def clear(rule: str, *key: str) -> None:
    """Forget the hits on `rule` for `key` (e.g. a correct password clears the username's count)."""
    _limiter().limiter.clear(_item(rule), *_key(key))


def limit(*rules: str, key: Callable[[], str] = client_address, scope: str | None = None,
          methods: tuple[str, ...] | None = None) -> Callable:
    """View decorator: every rule is hit for key() before the view runs; RateLimited (429) when one is spent."""
    def decorate(view: Callable) -> Callable:
        name = scope or f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapped(*args, **kwargs):
            if methods is None or request.method in methods:
                check(*rules, scope=name, key=key())
            return view(*args, **kwargs)
        return wrapped
    return decorate


def check(*rules: str, scope: str, key: str) -> None:
    """Hit every rule for (scope, key); raise RateLimited with the longest wait when any is spent."""
    waits = [v.retry_after_s for v in (hit(rule, scope, key) for rule in rules) if not v.allowed]
    if waits:
        log.warning("rate limit reached on %s", scope)
        raise RateLimited(max(waits))


def _now() -> float:
    return time.time()
