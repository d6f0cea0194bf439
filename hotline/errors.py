"""Named domain errors; each channel translates them once into its own terms."""
from __future__ import annotations


class HotlineError(Exception):
    """Base of every error the core raises on purpose."""

    code = "hotline_error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(HotlineError):
    """A request the core cannot accept as given."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message, field=field)
        self.field = field
        if code:
            self.code = code


class InvalidPhone(InvalidInput):
    """A phone number that phonenumbers cannot read as a valid number."""

    code = "invalid_phone"

    def __init__(self, message: str = "not a valid phone number", *, field: str = "phone"):
        super().__init__(message, field=field)


class UnknownServiceCode(InvalidInput):
    """A service code that is not in the taxonomy."""

    code = "unknown_service_code"

    def __init__(self, service_code: str):
        super().__init__(f"unknown service code {service_code!r}", field="service_code")


class TicketNotFound(HotlineError):
    """No ticket has that reference (or the caller may not see it)."""

    code = "not_found"


class InvalidTransition(HotlineError):
    """The ticket's status does not allow that action."""

    code = "invalid_transition"

    def __init__(self, action: str, status: str):
        super().__init__(f"cannot {action} a ticket that is {status}", action=action, status=status)
        self.action = action
        self.status = status


class WhistlesOutstanding(HotlineError):
    """事不完，人不走: a summoned department has not reported its part done."""

    code = "whistles_outstanding"


class IdempotencyConflict(HotlineError):
    """A retried key that belongs to another citizen or conversation: it never returns their ticket."""

    code = "idempotency_conflict"

    def __init__(self, external_id: str):
        super().__init__("this external_id was used for another citizen or conversation", field="external_id")
