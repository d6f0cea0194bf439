"""POST requests: a partner's GeoReport v2 parameters as the core's IntakeRequest (one shape for every channel)."""
from __future__ import annotations

import hashlib
import re

from api.open311 import params as p
from api.open311.errors import Open311Error, bad_request
from api.open311.location import locate_point, township_of_address_id
from api.open311.questions import answers, questions_for
from hotline.core import Core
from hotline.work.intake import IntakeRequest

CHANNEL = "open311"
MAX_ADDRESS = 500
MAX_ID = 64
MAX_NAME_PART = 60
MAX_URL = 2000
MAX_KEY = 200
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def intake_request(params: p.Params, *, partner: str, core: Core, lang: str,
                   idempotency_key: str | None) -> IntakeRequest:
    """Everything the partner sent, checked and named in the core's words; 400 for what cannot be filed."""
    taxonomy = core.taxonomy
    code_name = params.get("service_code")
    if code_name is None:
        raise bad_request("service_code", "required (GET services lists them)")
    code = taxonomy.get(code_name)
    if code is None:
        raise bad_request("service_code", f"unknown service code {code_name[:40]!r} (GET services lists them)")
    tz = core.config.app.timezone

    lat, long = _point(params)
    address = p.text(params, "address_string", MAX_ADDRESS)
    address_id = p.text(params, "address_id", MAX_ID)
    if lat is None and address is None and address_id is None:
        raise Open311Error(400, "location: give lat and long, address_string or address_id")
    township = township_of_address_id(address_id, core.gazetteer) if address_id else None
    if township is None and lat is not None:
        township = locate_point(lat, long, gazetteer=core.gazetteer)

    details = answers(params, questions_for(taxonomy).get(code.code, ()), code.code, tz)
    description = p.text(params, "description", core.config.api.max_text_chars)
    # The core needs words; a partner may send none (the service says what it is about).
    text = description or code.name(lang)
    service_code: str | None = code.code
    words = taxonomy.classify(description) if description and code.group != "emergency" else None
    if words is not None and words.group == "emergency" and words.matched:
        # Danger outranks the partner's category, as on every channel: a gas leak filed as "other" gets the
        # 2-hour clock, so intake classifies the words itself (classified_by "keywords").
        service_code = None

    return IntakeRequest(
        text=text, channel=CHANNEL, phone=p.text(params, "phone", 32), location=address,
        service_code=service_code, lang=lang,
        external_id=_external_id(partner, params, idempotency_key), media=_media(params),
        lat=lat, long=long, township_code=township, details=details,
        reporter_name=_name(params), reporter_email=_email(params), actor=f"{CHANNEL}:{partner}")


def _point(params: p.Params) -> tuple[float | None, float | None]:
    raw_lat, raw_long = params.get("lat"), params.get("long")
    if (raw_lat is None) != (raw_long is None):
        raise bad_request("lat" if raw_lat is None else "long", "lat and long go together")
    if raw_lat is None:
        return None, None
    return p.number("lat", raw_lat, -90, 90), p.number("long", raw_long, -180, 180)


def _external_id(partner: str, params: p.Params, key: str | None) -> str | None:
    """The retry key, namespaced by partner and device/account: the same key from two partners is two requests."""
    key = (key or "").strip() or params.get("idempotency_key")
    if not key:
        return None
    if len(key) > MAX_KEY:
        raise bad_request("Idempotency-Key", f"longer than {MAX_KEY} characters")
    who = p.text(params, "device_id", MAX_ID) or p.text(params, "account_id", MAX_ID) or ""
    digest = hashlib.sha256("\x00".join((partner, who, key)).encode()).hexdigest()[:32]
    return f"{partner}:{digest}"


def _media(params: p.Params) -> list[dict]:
    url = p.text(params, "media_url", MAX_URL)
    if url is None:
        return []
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", url):
        raise bad_request("media_url", "must be an http(s) URL")
    return [{"url": url, "content_type": "", "source": CHANNEL}]


def _name(params: p.Params) -> str | None:
    first = p.text(params, "first_name", MAX_NAME_PART)
    last = p.text(params, "last_name", MAX_NAME_PART)
    parts = [x for x in (first, last) if x]
    if not parts:
        return None
    if first and last and _CJK.search(first + last):
        return last + first  # 张 + 伟 = 张伟: family name first, no space
    return " ".join(parts)


def _email(params: p.Params) -> str | None:
    email = p.text(params, "email", 254)
    if email is not None and not _EMAIL.fullmatch(email):
        raise bad_request("email", "not an e-mail address")
    return email
