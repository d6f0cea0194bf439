"""The citizen's tracking link: an unguessable token per ticket and the one URL built from it."""
from __future__ import annotations

import re
import secrets

# 12 random bytes = 16 url-safe characters (96 bits): a link nobody can guess or walk, short enough for an SMS.
TOKEN_BYTES = 12
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16}$")
PATH = "/t/"


def new_tracking_token() -> str:
    """A fresh token (the tickets table's Python-side default, so the INSERT carries it)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_tracking_token(value: str) -> bool:
    """Has the shape of a token (anything else is a 404 without a query)."""
    return bool(TOKEN_RE.match(value or ""))


def tracking_url(public_base_url: str, ticket) -> str:
    """PUBLIC_BASE_URL + /t/ + the ticket's token: the only way to a ticket's public page."""
    return f"{public_base_url.rstrip('/')}{PATH}{ticket.tracking_token}"
