"""/api/v1: open tickets, look them up by reference, list them by phone and status."""
from __future__ import annotations

import hmac
import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import yaml

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from api.errors import ApiError, error_response, from_domain
from api.serializers import ticket_json, whistles_json
from hotline.store.citizens import normalize_phone
from hotline.store.db import utcnow
from hotline.errors import HotlineError
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import OPEN_STATUSES, Citizen, Conversation, Ticket
from hotline.work.lifecycle import get_ticket
from webapp import services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.yaml"

# Body fields and the types they must have.
# The bot files for the channel it talks on; partners file as "api".
API_CHANNELS = ("api", "web", "sms", "voice")
TICKET_FIELDS = {"text": str, "channel": str, "phone": str, "chat_id": str, "location": str, "service_code": str,
                 "kind": str, "lang": str, "external_id": str, "callback_phone": str, "conversation_id": int}
# A model's prediction (the bot): the group, and how sure it is; the code inside the group is picked here.
HINT_FIELDS = {"group": str, "group_confidence": (int, float)}
# Row ids fit PostgreSQL's integer column.
MAX_ROW_ID = 2**31 - 1


@bp.before_request
def require_token():
    """Bearer token (or X-Api-Key) equal to HOTLINE_API_TOKEN; the API's own description is public."""
    if request.endpoint == "api.openapi":
        return
    expected = services().config.api.token
    auth = request.headers.get("Authorization", "")
    given = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("X-Api-Key", "")
    if not expected:
        raise ApiError(401, "api_disabled", "the API token is not configured on this server")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "missing or wrong API token")


@bp.before_request
def refuse_odd_characters():
    """NUL (which PostgreSQL refuses) or a broken character in the path or the query: 400, not a database error."""
    for name, value in [*request.args.items(multi=True), *(request.view_args or {}).items()]:
        if isinstance(value, str):
            _check_text(name, value)


def _check_text(name: str, value: str) -> None:
    if "\x00" in value:
        raise ApiError(400, "invalid_character", f"{name} contains a NUL character", name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "invalid_encoding", f"{name} is not valid Unicode text", name) from None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.field)


@bp.errorhandler(HotlineError)
def _domain_error(exc: HotlineError):
    return from_domain(exc)


def _json_body() -> dict:
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_encoding", "the body must be UTF-8") from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        raise ApiError(400, "invalid_json", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return body


@bp.post("/tickets")
def create_ticket():
    """Open a ticket from text; 201 when new, 200 when the external_id was seen before."""
    body = _json_body()
    for name, value in body.items():
        expected = TICKET_FIELDS.get(name) or HINT_FIELDS.get(name)
        if expected is None or value is None:
            continue  # unknown fields are ignored so partners can send more
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ApiError(400, "wrong_type", f"{name} must be {'text' if expected is str else 'a number'}", name)
        if isinstance(value, str):
            _check_text(name, value)
        if expected is int and not 0 < value <= MAX_ROW_ID:
            raise ApiError(400, "out_of_range", f"{name} is not an id we issued", name)
    if "text" not in body or body["text"] is None:
        raise ApiError(400, "missing_text", "text is required", "text")
    args = {k: body[k] for k in TICKET_FIELDS if body.get(k) is not None}
    args.setdefault("channel", "api")
    if args["channel"] not in API_CHANNELS:
        raise ApiError(400, "invalid_input", f"channel must be one of {', '.join(API_CHANNELS)}", "channel")
    svc = services()
    confidence = body.get("group_confidence")
    if confidence is not None and not 0 <= confidence <= 1:
        raise ApiError(400, "out_of_range", "group_confidence must be between 0 and 1", "group_confidence")
    if body.get("group") is not None and not args.get("service_code"):
        args["classification"] = _group_hint(svc, args["text"], body["group"], body.get("group_confidence", 1.0))
    req = IntakeRequest(**args, actor=f"api:{args['channel']}")
    with svc.session() as s:
        if req.conversation_id is not None and s.get(Conversation, req.conversation_id) is None:
            raise ApiError(400, "unknown_conversation", "no conversation has that id", "conversation_id")
        ticket, created = open_ticket(s, req, now=utcnow(), core=svc.core)
        payload = ticket_json(s, ticket, svc.config.app.timezone, public_base_url=svc.config.app.public_base_url)
    # The transaction has committed: only now is the reference told.
    return jsonify(payload), 201 if created else 200


@bp.get("/tickets/<reference>")
def show_ticket(reference: str):
    """One ticket by its reference."""
    svc = services()
    with svc.session() as s:
        ticket = get_ticket(s, reference)
        payload = ticket_json(s, ticket, svc.config.app.timezone, public_base_url=svc.config.app.public_base_url)
        payload["whistles"] = whistles_json(s, ticket, svc.config.app.timezone)
        return jsonify(payload)


@bp.get("/tickets")
def list_tickets():
    """Tickets filtered by phone, status and since, newest first, paginated."""
    svc = services()
    cfg = svc.config.api
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", cfg.page_size, 1, cfg.max_page_size)
    query = select(Ticket).order_by(Ticket.opened_at.desc(), Ticket.id.desc())
    phone = request.args.get("phone")
    chat_id = request.args.get("chat_id")
    if phone and chat_id:
        raise ApiError(400, "conflicting_filters", "filter by phone or by chat_id, not both", "chat_id")
    if phone:
        query = query.join(Citizen, Ticket.citizen_id == Citizen.id).where(
            Citizen.phone == normalize_phone(phone, svc.config.phone.default_region))
    if chat_id:
        query = query.join(Citizen, Ticket.citizen_id == Citizen.id).where(Citizen.chat_id == chat_id)
    status = request.args.get("status")
    if status == "open":
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(Ticket.status == status)
    since = request.args.get("since")
    if since:
        query = query.where(Ticket.opened_at >= _datetime_arg("since", since))
    with svc.session() as s:
        rows = s.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
        items = [ticket_json(s, t, svc.config.app.timezone, public_base_url=svc.config.app.public_base_url)
                 for t in rows[:per_page]]
    return jsonify({"tickets": items, "page": page, "per_page": per_page,
                    "next_page": page + 1 if len(rows) > per_page else None})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of /api/v1 and the chat API (api/openapi.yaml)."""
    return jsonify(openapi_document())


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """api/openapi.yaml, read once."""
    return yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


def _group_hint(svc, text: str, group: str, confidence: float):
    """The classification a model's group implies (the code inside the group by keywords)."""
    if group not in svc.core.taxonomy.groups:
        raise ApiError(400, "unknown_group", f"group must be one of {', '.join(svc.core.taxonomy.groups)}", "group")
    if not 0 <= confidence <= 1:
        raise ApiError(400, "out_of_range", "group_confidence must be between 0 and 1", "group_confidence")
    return (svc.classifier or svc.core.taxonomy).classify_in_group(text if isinstance(text, str) else "", group,
                                                                    float(confidence))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "wrong_type", f"{name} must be a whole number", name) from None
    if not low <= value <= high:
        raise ApiError(400, "out_of_range", f"{name} must be between {low} and {high}", name)
    return value


def _datetime_arg(name: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None:
        try:
            # An unencoded "+08:00" arrives as " 08:00".
            value = datetime.fromisoformat(raw.replace(" ", "+"))
        except ValueError:
            raise ApiError(400, "wrong_type", f"{name} must be an ISO 8601 date or time", name) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
    except OverflowError:
        raise ApiError(400, "out_of_range", f"{name} is outside the years we can compare", name) from None
