"""Console accounts: create, update and check passwords (werkzeug's salted scrypt hashes)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from console import passwords, sessions
from console.access import ADMIN, AGENT, DEPARTMENT, HANDLER, ROLES, SUPERVISOR, ConsoleUser
from hotline.errors import InvalidInput
from hotline.store.models import Department, District, Township, User

# Roles a supervisor may manage; supervisors and admins are an admin's job.
LOWER_ROLES = (AGENT, HANDLER, DEPARTMENT)

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


def unit_district(session: Session, unit_type: str | None, unit_code: str | None) -> str | None:
    """The district a unit lies in (a township's, a district government's); None for city-wide units."""
    if not unit_code:
        return None
    if unit_type == "district":
        return unit_code
    if unit_type == "township":
        return session.scalar(select(Township.district_code).where(Township.code == unit_code))
    if unit_type == "department":
        return session.scalar(select(Department.district_code).where(Department.code == unit_code))
    return None


def district_of(actor: ConsoleUser) -> str | None:
    """The district a district supervisor is limited to; None for a city-wide one."""
    return actor.unit_code if actor.role == SUPERVISOR and actor.unit_type == "district" else None


def may_manage(session: Session, actor: ConsoleUser, role: str, unit_type: str | None, unit_code: str | None) -> bool:
    """Whether `actor` may create, or hold under its care, an account with this role and unit.

    Admins manage everyone. A supervisor manages only the lower roles, and a district supervisor only
    inside its district: never an intake agent (who sees every district), never a city-wide department.
    """
    if actor.role == ADMIN:
        return True
    if actor.role != SUPERVISOR or role not in LOWER_ROLES:
        return False
    district = district_of(actor)
    if district is None:
        return True
    return role != AGENT and unit_district(session, unit_type, unit_code) == district


def managed_users_clause(actor: ConsoleUser):
    """The users `actor` may see on the Users page, as a WHERE clause (itself always included)."""
    if actor.role == ADMIN:
        return true()
    if actor.role != SUPERVISOR:
        return User.id == actor.id
    district = district_of(actor)
    if district is None:
        return or_(User.id == actor.id, User.role.in_(LOWER_ROLES))
    in_district = or_(
        and_(User.unit_type == "township",
             User.unit_code.in_(select(Township.code).where(Township.district_code == district))),
        and_(User.unit_type == "department",
             User.unit_code.in_(select(Department.code).where(Department.district_code == district))))
    return or_(User.id == actor.id, and_(User.role.in_((HANDLER, DEPARTMENT)), in_district))


def check_password_rules(password: str, username: str = "") -> None:
    """Long enough, not common, not trivial, not the username (rate limiting and TOTP do the rest)."""
    passwords.check(password, username=username, min_chars=MIN_PASSWORD)


def create_user(session: Session, *, username: str, password: str, role: str, now: datetime,
                unit_type: str | None = None, unit_code: str | None = None, display_name: str = "") -> User:
    """A new account with a hashed password; InvalidInput for a taken name, a weak password or a bad unit."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InvalidInput("a username has 1-64 characters", field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"the username {username!r} is taken", field="username")
    check_password_rules(password, username)
    unit_type, unit_code = check_unit(session, role, unit_type, unit_code)
    user = User(username=username, password_hash=generate_password_hash(password), display_name=display_name.strip(),
                role=role, unit_type=unit_type, unit_code=unit_code, active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, *, now: datetime) -> None:
    """Replace the password and end every open session of the user (a thief's copied cookie included)."""
    check_password_rules(password, user.username)
    user.password_hash = generate_password_hash(password)
    sessions.end_all(session, user.id, now=now, reason="password")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None (same cost either way)."""
    user = session.scalars(select(User).where(User.username == (username or "").strip())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user
