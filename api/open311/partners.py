"""Which partner an api_key belongs to: one token per partner (open311.partners), the API's own token as "api"."""
from __future__ import annotations

import hmac

from api.open311.errors import Open311Error
from hotline.config import Config

API_PARTNER = "api"


def tokens(config: Config) -> dict[str, str]:
    """Partner name by token, for every partner with a token (and the API's own when accepted)."""
    out = {token: name for name, token in config.open311.partners.items() if token}
    if config.open311.accept_api_token and config.api.token:
        out[config.api.token] = API_PARTNER
    return out


def authenticate(api_key: str | None, config: Config) -> str:
    """The partner's name, or 403 for a missing or unknown key."""
    if not api_key:
        raise Open311Error(403, "api_key: required to submit a request (ask the hotline for a partner key)")
    found = None
    given = api_key.encode()
    # Compare with every token, not just until the first match, so timing tells nothing.
    for token, name in tokens(config).items():
        if hmac.compare_digest(given, token.encode()):
            found = name
    if found is None:
        raise Open311Error(403, "api_key: not a valid key")
    return found
