"""Reading a partner's parameters strictly: UTF-8 only, no control characters, numbers and dates checked."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import request

from api.open311.errors import Open311Error, bad_request

MAX_FIELDS = 200
MAX_NAME = 100
# NUL and the other C0 controls (tab and newlines are text); PostgreSQL cannot even store NUL.
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
FORM = "application/x-www-form-urlencoded"
# The years a date parameter may name: wide enough for any real question, narrow enough for date maths.
MIN_YEAR, MAX_YEAR = 1970, 2200


@dataclass
class Params:
    """Parameters in arrival order; an empty value counts as absent (GeoReport v2)."""

    pairs: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The first non-empty value of name, stripped."""
        for key, value in self.pairs:
            if key == name and value.strip():
                return value.strip()
        return None

    def startswith(self, prefix: str) -> list[tuple[str, str]]:
        """Every (name, value) whose name starts with prefix, empty values included."""
        return [(k, v) for k, v in self.pairs if k.startswith(prefix)]


def query_params() -> Params:
    """The query string, strictly decoded."""
    return Params(_decode("query string", request.query_string))


def post_params() -> Params:
    """The query string then the form body (the swagger puts POST fields in the query, the spec in the body)."""
    pairs = _decode("query string", request.query_string)
    raw = request.get_data(cache=True)
    if raw:
        mimetype = request.mimetype
        if mimetype in (FORM, ""):
            pairs += _decode("body", raw)
        elif mimetype == "multipart/form-data":
            for key, values in request.form.lists():
                pairs += [(key, v) for v in values]
            _check(pairs)
        else:
            raise Open311Error(400, f"the body must be {FORM} (got {mimetype[:60]})")
    return Params(pairs)


def _decode(where: str, raw: bytes) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise Open311Error(400, f"the {where} must be UTF-8") from None
    except ValueError:
        raise Open311Error(400, f"the {where} has more than {MAX_FIELDS} parameters") from None
    return _check(pairs)


def _check(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    for key, value in pairs:
        if len(key) > MAX_NAME or _CONTROL.search(key):
            raise Open311Error(400, "a parameter name is too long or holds control characters")
        if _CONTROL.search(value):
            raise bad_request(key, "control characters (such as NUL) are not allowed")
    return pairs


def text(params: Params, name: str, max_chars: int) -> str | None:
    """A text parameter, at most max_chars long."""
    value = params.get(name)
    if value is not None and len(value) > max_chars:
        raise bad_request(name, f"longer than {max_chars} characters")
    return value


def number(name: str, raw: str, low: float, high: float) -> float:
    """A finite decimal number within [low, high]."""
    try:
        value = float(raw) if len(raw) <= 64 else math.nan
    except ValueError:
        raise bad_request(name, "must be a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise bad_request(name, f"must be a number between {low:g} and {high:g}")
    return value


def whole(params: Params, name: str, default: int, low: int, high: int) -> int:
    """A whole number parameter within [low, high]."""
    raw = params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        raise bad_request(name, f"must be a whole number between {low} and {high}")
    value = int(raw)
    if not low <= value <= high:
        raise bad_request(name, f"must be a whole number between {low} and {high}")
    return value


def moment(name: str, raw: str, tz: str, *, end_of_day: bool = False) -> datetime:
    """A W3C date-time (2026-11-28T16:00:00+08:00 or …Z), aware UTC; a bare date or time is in the hotline's zone."""
    cleaned = raw.strip()
    if re.search(r"T\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:\d\d$", cleaned):
        cleaned = cleaned[:-6] + "+" + cleaned[-5:]  # an unencoded "+08:00" arrives as " 08:00"
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            day = date.fromisoformat(cleaned)
            value = datetime.combine(day, time.max if end_of_day else time.min)
        else:
            value = datetime.fromisoformat(cleaned)
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(tz))
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise bad_request(name, "must be a W3C date and time with its zone, e.g. 2026-11-28T16:00:00+08:00") \
            from None
