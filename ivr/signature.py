"""X-Twilio-Signature checks against the public URL Twilio called (DOMAIN.md section 3)."""
from __future__ import annotations

import logging

from flask import Request
from twilio.request_validator import RequestValidator, get_signature_algorithm

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


def public_url(public_base_url: str, request: Request) -> str:
    """The URL Twilio requested: the configured public base, our path, and the raw (undecoded) query string."""
    # request.url would decode %E4%B8%AD-style queries and break the signature, so rebuild it by hand.
    url = public_base_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def is_valid(request: Request, *, auth_token: str, public_base_url: str) -> bool:
    """True when the request carries Twilio's signature over its public URL and form."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not auth_token:
        log.error("TWILIO_AUTH_TOKEN is not set: every Twilio webhook is refused")
        return False
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SETTINGS_HEADER))
    return RequestValidator(auth_token).validate(public_url(public_base_url, request), request.form,
                                                 signature, algorithm)


def sign(auth_token: str, url: str, params) -> str:
    """The signature Twilio would send for a form post to url (tests and the terminal phone use it)."""
    return RequestValidator(auth_token).compute_signature(url, params)
