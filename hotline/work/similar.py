"""Similar-complaint detection (合并同类项): same service code and township, recent, similar text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session

from hotline.config import SimilarConfig
from hotline.store.models import OPEN_STATUSES, Ticket

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Match:
    """The master ticket a new one joins, and how alike their texts are."""

    master_id: int
    similarity: float


def shingles(text: str) -> frozenset[str]:
    """Character bigrams of the text without spaces and punctuation (works for Chinese without a segmenter)."""
    clean = _NOISE.sub("", text.lower())
    if len(clean) < 2:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i:i + 2] for i in range(len(clean) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared shingles over all shingles (0..1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


_CANDIDATES = (select(Ticket.id, Ticket.text)
               .where(Ticket.service_code == bindparam("service_code"),
                      Ticket.township_code == bindparam("township_code"), Ticket.opened_at >= bindparam("since"),
                      Ticket.master_id.is_(None), Ticket.status.in_(OPEN_STATUSES))
               .order_by(Ticket.opened_at.desc())
               .limit(bindparam("limit", type_=Integer)))


def find_master(session: Session, *, service_code: str, township_code: str | None, text: str,
                now: datetime, config: SimilarConfig) -> Match | None:
    """The most similar open master ticket within the window, if any is similar enough."""
    if township_code is None:
        return None  # without a township, "the same place" cannot be told
    since = now - timedelta(days=config.window_days)
    # Every filing asks this: built once, run on the connection (no ORM objects, just ids and texts).
    rows = session.connection().execute(_CANDIDATES, {"service_code": service_code, "township_code": township_code,
                                                      "since": since, "limit": config.max_candidates}).all()
    if not rows:
        return None
    mine = shingles(text)
    best = max(((jaccard(mine, shingles(t)), i) for i, t in rows), default=(0.0, None))
    if best[0] >= config.min_similarity:
        return Match(master_id=best[1], similarity=round(best[0], 3))
    return None
