"""Open311 errors in the spec's own form: a list of {code, description}, code = the HTTP status."""
from __future__ import annotations

from werkzeug.exceptions import HTTPException

from api.open311.formats import FORMATS, render, requested_format
from hotline.errors import HotlineError, InvalidInput, TicketNotFound

# The core's field names as a partner knows them (GeoReport v2 parameter names).
FIELD_NAMES = {"text": "description", "location": "address_string", "township_code": "address_id",
               "reporter_email": "email", "reporter_name": "first_name/last_name", "details": "attribute",
               "external_id": "Idempotency-Key"}


class Open311Error(Exception):
    """A failure to report to the partner: HTTP status and one sentence."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def bad_request(name: str, message: str) -> Open311Error:
    """400 naming the parameter: "lat: must be a number"."""
    return Open311Error(400, f"{name}: {message}")


def error_response(status: int, description: str, fmt: str | None = None):
    """The error body in the format the URL asked for (XML, the mandatory one, when it named none we know)."""
    fmt = fmt if fmt in FORMATS else requested_format()
    return render(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def from_domain(exc: HotlineError) -> Open311Error:
    """Translate a named core error once, here."""
    if isinstance(exc, TicketNotFound):
        return Open311Error(404, exc.message)
    field = getattr(exc, "field", None)
    if isinstance(exc, InvalidInput) and field:
        return bad_request(FIELD_NAMES.get(field, field), exc.message)
    return Open311Error(400 if isinstance(exc, InvalidInput) else 409, exc.message)


def http_error(exc: HTTPException):
    """Routing and protocol errors under /open311 (unknown path, wrong method, body too large) in spec form."""
    return error_response(exc.code or 400, exc.description or exc.name)


def internal_error():
    """The last resort, still in spec form (the tests make sure odd input never gets here)."""
    return error_response(500, "something went wrong on our side; please retry")
