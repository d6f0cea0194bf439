"""User management (supervisors and admins) and the reference units and codes (admins)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from console import bp, sessions
from console.access import ADMIN, SUPERVISOR, USER_ROLES, roles_required
from console.forms import UserEditForm, UserForm, options
from console.users import check_unit, create_user, district_of, managed_users_clause, may_manage, set_password
from console.web import done, fail
from webapp import now, services
from hotline.errors import HotlineError, InvalidInput
from hotline.store.models import Department, District, ServiceCode, Township, User


def _unit_choices(s):
    district = district_of(current_user)
    if district is not None:
        # A district supervisor only ever places accounts in its own district's units.
        towns = [(f"township:{c}", n) for c, n in s.execute(
            select(Township.code, Township.name).where(Township.district_code == district).order_by(Township.code))]
        depts = [(f"department:{c}", f"{n} ({c})") for c, n in s.execute(
            select(Department.code, Department.name_zh).where(Department.district_code == district)
            .order_by(Department.code))]
        own = [(f"district:{c}", _("%(name)s (district)", name=n)) for c, n in s.execute(
            select(District.code, District.name).where(District.code == district))]
        return own + towns + depts  # its own district only so that it can keep it when editing itself
    districts = [(f"district:{c}", _("%(name)s (district)", name=n))
                 for c, n in s.execute(select(District.code, District.name).order_by(District.code)).all()]
    from console.tickets_views import _units
    towns, depts = _units(s)
    return [("", _("— none (agent, admin, city supervisor) —"))] + districts + towns + depts


def _split_unit(value: str) -> tuple[str | None, str | None]:
    unit_type, _sep, code = (value or "").partition(":")
    return (unit_type or None), (code or None)


@bp.route("/users", methods=["GET", "POST"])
@roles_required(*USER_ROLES)
def users():
    """List users and create one."""
    form = UserForm()
    with services().session() as s:
        form.unit.choices = options(_unit_choices(s))
        if form.validate_on_submit():
            unit_type, unit_code = _split_unit(form.unit.data)
            try:
                unit_type, unit_code = check_unit(s, form.role.data, unit_type, unit_code)
            except HotlineError as exc:
                return fail(exc, url_for("console.users"))
            if not may_manage(s, current_user, form.role.data, unit_type, unit_code):
                abort(403)  # supervisors make only lower roles, a district supervisor only in its district
            try:
                with s.begin_nested():
                    create_user(s, username=form.username.data, password=form.password.data, role=form.role.data,
                                unit_type=unit_type, unit_code=unit_code, display_name=form.display_name.data or "",
                                now=now())
                s.commit()
            except HotlineError as exc:
                return fail(exc, url_for("console.users"))
            return done(_("User %(username)s created.", username=form.username.data), url_for("console.users"))
        rows = s.scalars(select(User).where(managed_users_clause(current_user))
                         .order_by(User.role, User.username)).all()
    status = 400 if request.method == "POST" else 200
    return render_template("console/users.html", rows=rows, form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*USER_ROLES)
def user_edit(user_id: int):
    """Change a user's role, unit, name, password or active flag."""
    with services().session() as s:
        user = s.get(User, user_id)
        if user is None:
            abort(404)
        myself = user.id == current_user.id
        if not myself and not may_manage(s, current_user, user.role, user.unit_type, user.unit_code):
            abort(403)  # a peer, a superior, or someone outside the supervisor's district
        form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
        form.unit.choices = options(_unit_choices(s))
        if request.method == "GET":
            form.unit.data = f"{user.unit_type}:{user.unit_code}" if user.unit_code else ""
        if form.validate_on_submit():
            try:
                if myself and (form.role.data != user.role or not form.active.data):
                    raise InvalidInput(_("you cannot demote or deactivate yourself"), field="role")
                unit_type, unit_code = check_unit(s, form.role.data, *_split_unit(form.unit.data))
                if myself and current_user.role != ADMIN and (unit_type, unit_code) != (user.unit_type, user.unit_code):
                    abort(403)  # nobody widens (or moves) their own scope; an admin does
                if not myself and not may_manage(s, current_user, form.role.data, unit_type, unit_code):
                    abort(403)
                user.role, user.unit_type, user.unit_code = form.role.data, unit_type, unit_code
                user.display_name = form.display_name.data or ""
                if user.active and not form.active.data:
                    sessions.end_all(s, user.id, now=now(), reason="deactivated")
                user.active = bool(form.active.data)
                if form.password.data:
                    set_password(s, user, form.password.data, now=now())
                if form.reset_totp.data and current_user.role == ADMIN and not myself:
                    user.totp_secret, user.totp_last_step = None, None  # the user enrols again at next sign-in
                s.commit()
            except HotlineError as exc:
                s.rollback()
                return fail(exc, url_for("console.user_edit", user_id=user_id))
            return done(_("User %(username)s saved.", username=user.username), url_for("console.users"))
        return render_template("console/user_edit.html", user=user, form=form)


@bp.get("/units")
@roles_required(ADMIN)
def units():
    """Units and service codes as loaded from the reference data files."""
    with services().session() as s:
        depts = s.scalars(select(Department).order_by(Department.type, Department.code)).all()
        towns = s.execute(select(District.code, District.name, func.count(Township.code))
                          .outerjoin(Township, Township.district_code == District.code)
                          .group_by(District.code, District.name).order_by(District.code)).all()
        codes = s.scalars(select(ServiceCode).order_by(ServiceCode.code)).all()
    return render_template("console/units.html", depts=depts, towns=towns, codes=codes, nlu=_classifier_figures())


def _classifier_figures() -> dict:
    """The classifier's model as its file records it (size, date, accuracy), or why there is none."""
    clf = services().classifier
    meta = clf.figures() if clf is not None else None
    if not meta:
        return {"problem": (clf.problem if clf is not None else None) or _("no model configured")}
    evals = meta.get("evaluations") or {}
    name = "held_out" if "held_out" in evals else next(iter(evals), None)
    return {"rows": meta.get("rows"), "source": meta.get("source"), "trained_at": meta.get("trained_at"),
            "eval_name": name, "eval": evals.get(name) if name else None,
            "handwritten": evals.get("handwritten") if name != "handwritten" else None}
