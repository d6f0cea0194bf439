"""Who may do what in the console: roles, the access decorator, and the row scope every ticket query uses."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from hotline.store.models import Conversation, OutboundMessage, Ticket, Whistle

AGENT, HANDLER, DEPARTMENT, SUPERVISOR, ADMIN = "agent", "handler", "department", "supervisor", "admin"
ROLES = (AGENT, HANDLER, DEPARTMENT, SUPERVISOR, ADMIN)
# Shown in the page's language (console/translations); the codes above are what the database stores.
ROLE_LABELS = {AGENT: _l("Intake agent"), HANDLER: _l("Unit handler"), DEPARTMENT: _l("Summoned department"),
               SUPERVISOR: _l("Supervisor"), ADMIN: _l("Administrator")}
# Roles that work tickets; admins manage users and reference data only.
TICKET_ROLES = (AGENT, HANDLER, DEPARTMENT, SUPERVISOR)
# Who may open each part of the console: its routes and its navigation link use the same tuple.
INTAKE_ROLES = (AGENT, SUPERVISOR)  # triage and new tickets
CHAT_ROLES = (AGENT, SUPERVISOR)  # live chat
KNOWLEDGE_ROLES = (AGENT, SUPERVISOR)  # search the knowledge base, send an answer
INBOX_ROLES = TICKET_ROLES
WHISTLE_ROLES = (DEPARTMENT, HANDLER, SUPERVISOR)
OUTBOX_ROLES = (AGENT, SUPERVISOR, ADMIN)
USER_ROLES = (SUPERVISOR, ADMIN)
SCORE_ROLES = (SUPERVISOR, ADMIN, HANDLER, DEPARTMENT)  # the assessment's rankings and unit pages
OVERSIGHT_ROLES = (SUPERVISOR, ADMIN)  # hotspots, problems, charts, the monthly report
PROACTIVE_ROLES = (SUPERVISOR, ADMIN)  # open a proactive case (未诉先办) from a hotspot or a surge
# Roles that must call the citizen, so they see the whole number.
PHONE_ROLES = (AGENT, HANDLER, SUPERVISOR)


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in person, detached from any session (Flask-Login's user object)."""

    id: int
    username: str
    display_name: str
    role: str
    unit_type: str | None
    unit_code: str | None
    active: bool
    session_token: str  # the random token of this sign-in's row in console_sessions
    totp: bool = False  # a second factor is enrolled

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Deactivated users are logged out on their next request."""
        return self.active

    def get_id(self) -> str:
        """Id plus the session's token: the loader checks the row, so sign-out or a new password ends it."""
        return f"{self.id}:{self.session_token}"

    @property
    def actor(self) -> str:
        """How the audit trail names this person."""
        return f"user:{self.id}"

    @property
    def sees_phone(self) -> bool:
        """Whether this role must call citizens and so sees their full number."""
        return self.role in PHONE_ROLES

    def has(self, *roles: str) -> bool:
        """The user holds one of these roles."""
        return self.role in roles


def roles_required(*roles: str) -> Callable:
    """Route decorator: signed in, and one of `roles` (403 otherwise). Reusable by every console page."""
    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def whistled_ticket_ids(department_code: str):
    """Ids of tickets that summoned this department (a subquery)."""
    return select(Whistle.ticket_id).where(Whistle.department_code == department_code)


def ticket_scope(user: ConsoleUser) -> ColumnElement[bool]:
    """The tickets this user may see, as a WHERE clause; every ticket query in the console applies it."""
    if user.role in (AGENT, SUPERVISOR):
        if user.role == SUPERVISOR and user.unit_type == "district" and user.unit_code:
            return Ticket.district_code == user.unit_code
        return true()
    if not user.unit_code:
        return false()
    if user.role == HANDLER:
        own = and_(Ticket.unit_type == user.unit_type, Ticket.unit_code == user.unit_code)
        if user.unit_type == "department":
            return or_(own, Ticket.id.in_(whistled_ticket_ids(user.unit_code)))
        return own
    if user.role == DEPARTMENT:
        return Ticket.id.in_(whistled_ticket_ids(user.unit_code))
    return false()


def is_district_bound(user: ConsoleUser) -> bool:
    """A supervisor limited to one district (its pages show nothing of the others)."""
    return user.role == SUPERVISOR and user.unit_type == "district" and bool(user.unit_code)


def outbox_scope(user: ConsoleUser) -> ColumnElement[bool]:
    """The outbound messages this user may see: a district supervisor only those of its district's tickets."""
    if is_district_bound(user):
        return OutboundMessage.ticket_id.in_(select(Ticket.id).where(ticket_scope(user)))
    return true()


def chat_scope(user: ConsoleUser) -> ColumnElement[bool]:
    """The web chats this user may see or take: a district supervisor only chats that filed one of its tickets.

    A chat with no ticket yet has no place: it belongs to the city desk (agents and city supervisors).
    """
    if is_district_bound(user):
        return Conversation.ticket_id.in_(select(Ticket.id).where(ticket_scope(user)))
    return true()


def holds(user: ConsoleUser, ticket: Ticket) -> bool:
    """The user's unit is the one that must act on the ticket (or the user supervises)."""
    if user.role == SUPERVISOR:
        return True
    return user.role == HANDLER and ticket.unit_type == user.unit_type and ticket.unit_code == user.unit_code


def answers_whistle(user: ConsoleUser, whistle: Whistle) -> bool:
    """The user's department is the one a whistle summoned."""
    if user.role == SUPERVISOR:
        return True
    return (user.role == DEPARTMENT or (user.role == HANDLER and user.unit_type == "department")) \
        and whistle.department_code == user.unit_code


def notification_audiences(user: ConsoleUser) -> list[tuple[str, str | None]]:
    """The (audience_type, audience_code) pairs whose notifications this user reads."""
    pairs: list[tuple[str, str | None]] = [("user", str(user.id))]
    if user.role in (HANDLER, DEPARTMENT) and user.unit_code:
        pairs.append(("unit", user.unit_code))
    if user.role == SUPERVISOR:
        if user.unit_type == "district" and user.unit_code:
            pairs.append(("district", user.unit_code))
        else:
            pairs.append(("city", None))
    if user.role == AGENT:
        pairs.append(("city", None))
    return pairs


@dataclass(frozen=True)
class NavLink:
    """One link of the console's top navigation: shown to exactly the roles its page lets in."""

    label: str  # a lazy translation: read in the page's language
    endpoint: str
    roles: tuple[str, ...]
    args: tuple[tuple[str, str], ...] = ()  # query arguments (the queue's triage view)
    badge: str | None = None  # the id of a live counter shown beside the label


# Every link of the console's top navigation, the assessment's included, in the order shown.
NAV: tuple[NavLink, ...] = (
    NavLink(_l("Triage"), "console.queue", INTAKE_ROLES, args=(("view", "triage"),)),
    NavLink(_l("Tickets"), "console.queue", TICKET_ROLES),
    NavLink(_l("Whistles"), "console.whistles", WHISTLE_ROLES),
    NavLink(_l("Live chat"), "console.chats", CHAT_ROLES),
    NavLink(_l("Knowledge"), "console.knowledge", KNOWLEDGE_ROLES),
    NavLink(_l("Inbox"), "console.inbox", INBOX_ROLES, badge="inbox-badge"),
    NavLink(_l("Outbox"), "console.outbox", OUTBOX_ROLES),
    NavLink(_l("Users"), "console.users", USER_ROLES),
    NavLink(_l("Units & codes"), "console.units", (ADMIN,)),
    NavLink(_l("Assessment"), "assessment.ranking", SCORE_ROLES),
    NavLink(_l("Whistle figures"), "assessment.whistle_figures_page", SCORE_ROLES),
    NavLink(_l("Hotspots"), "assessment.hotspot_list", OVERSIGHT_ROLES),
    NavLink(_l("Problems"), "assessment.problems", OVERSIGHT_ROLES),
    NavLink(_l("Charts"), "assessment.charts_page", OVERSIGHT_ROLES),
    NavLink(_l("Monthly report"), "assessment.report", OVERSIGHT_ROLES),
)


def nav_for(role: str | None) -> list[NavLink]:
    """The links this role sees."""
    return [link for link in NAV if role in link.roles]
