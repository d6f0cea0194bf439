"""Console accounts: create, update and check passwords (werkzeug's salted scrypt hashes)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from console.access import ADMIN, AGENT, DEPARTMENT, HANDLER, ROLES, SUPERVISOR
from hotline.errors import InvalidInput
from hotline.store.models import Department, District, Township, User

MIN_PASSWORD = 10
# A hash to compare against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def check_unit(session: Session, role: str, unit_type: str | None, unit_code: str | None) -> tuple[str | None, str | None]:
    """The (unit_type, unit_code) a role needs, checked against the reference tables."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    unit_type, unit_code = (unit_type or None), (unit_code or None)
    if role in (AGENT, ADMIN):
        return None, None
    if role == SUPERVISOR:
        if unit_type in (None, "city"):
            return None, None
        if unit_type != "district" or session.get(District, unit_code or "") is None:
            raise InvalidInput("a supervisor is city-wide or for one district", field="unit")
        return unit_type, unit_code
    if role == DEPARTMENT and unit_type != "department":
        raise InvalidInput("a summoned-department user belongs to a department", field="unit")
    if role == HANDLER and unit_type not in ("township", "department"):
        raise InvalidInput("a unit handler belongs to a township or a department", field="unit")
    model = Township if unit_type == "township" else Department
    if not unit_code or session.get(model, unit_code) is None:
        raise InvalidInput(f"unknown {unit_type} {unit_code!r}", field="unit")
    return unit_type, unit_code


def check_password_rules(password: str) -> None:
    """Long enough to resist guessing (rate limiting does the rest)."""
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"passwords have at least {MIN_PASSWORD} characters", field="password")


def create_user(session: Session, *, username: str, password: str, role: str, now: datetime,
                unit_type: str | None = None, unit_code: str | None = None, display_name: str = "") -> User:
    """A new account with a hashed password; InvalidInput for a taken name, a weak password or a bad unit."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InvalidInput("a username has 1-64 characters", field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"the username {username!r} is taken", field="username")
    check_password_rules(password)
    unit_type, unit_code = check_unit(session, role, unit_type, unit_code)
    user = User(username=username, password_hash=generate_password_hash(password), display_name=display_name.strip(),
                role=role, unit_type=unit_type, unit_code=unit_code, active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Replace the password; the old sessions end because the session token changes with the hash."""
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None (same cost either way)."""
    user = session.scalars(select(User).where(User.username == (username or "").strip())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user
