"""JSON errors for the API: every failure is {"error": {"code", "message", "field"?}} with the right status."""
from __future__ import annotations

from flask import jsonify

from hotline.errors import HotlineError, InvalidInput, TicketNotFound

STATUS_BY_ERROR = ((TicketNotFound, 404), (InvalidInput, 400), (HotlineError, 409))


class ApiError(Exception):
    """An error raised by the API layer itself (auth, encoding, types)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(status: int, code: str, message: str, field: str | None = None):
    """The JSON body and status of one error."""
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status


def from_domain(exc: HotlineError):
    """Translate a named domain error once, here."""
    status = next(s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls))
    return error_response(status, exc.code, exc.message, getattr(exc, "field", None))
