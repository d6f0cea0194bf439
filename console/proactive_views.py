"""未诉先办 pages: open a proactive case from a hotspot or a surge, and the list of cases with their state.

Supervisors and admins open cases (PROACTIVE_ROLES); a district supervisor only in the district's townships,
and sees only the district's cases (the restriction is passed into the query).
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from console import web
from console.access import OVERSIGHT_ROLES, PROACTIVE_ROLES, TICKET_ROLES, is_district_bound, roles_required
from console.web import done, fail
from hotline.assessment import hotspots, kpis
from hotline.errors import HotlineError
from hotline.store.models import Department, ServiceCode, Township
from hotline.work import proactive
from webapp import now, services

bp = Blueprint("proactive", __name__, url_prefix="/console/assessment/proactive", template_folder="templates")

LIST_LIMIT = 200


def _district() -> str | None:
    """The district a supervisor is bound to, or None for the city."""
    return current_user.unit_code if is_district_bound(current_user) else None


def _month() -> str:
    """The month the assessment pages' navigation keeps (last month by default)."""
    tz = services().config.assessment.timezone
    month = request.args.get("month") or kpis.add_months(kpis.month_of(now(), tz), -1)
    try:
        kpis.parse_month(month)
    except ValueError:
        abort(400)
    return month


def _key(values) -> tuple[proactive.HotspotKey, kpis.Period]:
    """The hotspot key a request names, and the span of its period (400 when the period is not one)."""
    key = proactive.HotspotKey(values.get("service_code", "").strip(), values.get("township_code", "").strip(),
                               values.get("period", "").strip())
    try:
        span = hotspots.period_span(key.period, services().config.assessment.timezone)
    except ValueError as exc:
        abort(400, str(exc))
    return key, span


def _visible_township(s, code: str) -> Township:
    """The township, if this user may act there (404 otherwise, as for a ticket that is not theirs)."""
    town = s.get(Township, code) if code else None
    district = _district()
    if town is None or (district and town.district_code != district):
        abort(404)
    return town


@bp.app_context_processor
def _proactive_globals() -> dict:
    # The hotspot and surge tables show the "open a case" link to exactly the roles the route lets in.
    return {"proactive_roles": PROACTIVE_ROLES}


@bp.get("/")
@roles_required(*OVERSIGHT_ROLES)
def cases_page():
    """Every proactive case, newest first: open or solved, citizens merged, departments reported and done."""
    with services().read_session() as s:
        rows = proactive.cases(s, district_code=_district(), limit=LIST_LIMIT)
    return render_template("assessment/proactive_cases.html", rows=rows, month=_month(), limit=LIST_LIMIT,
                           links=current_user.role in TICKET_ROLES,
                           can_open=current_user.role in PROACTIVE_ROLES)


@bp.get("/new")
@roles_required(*PROACTIVE_ROLES)
def new_case():
    """The form: the hotspot in figures, a title, and the departments to summon."""
    key, span = _key(request.args)
    with services().read_session() as s:
        town = _visible_township(s, key.township_code)
        code = s.get(ServiceCode, key.service_code)
        if code is None:
            abort(404)
        existing = proactive.find_case(s, key)
        waiting = len(proactive.hotspot_open_tickets(s, key, span.start, span.end))
        total = s.scalar(select(func.count()).select_from(
            hotspots.hotspot_tickets(service_code=key.service_code, township_code=key.township_code,
                                     start=span.start, end=span.end).subquery()))
        departments = s.execute(select(Department.code, Department.name_zh, Department.type)
                                .where((Department.district_code.is_(None)) | (Department.district_code
                                                                               == town.district_code))
                                .order_by(Department.type, Department.code)).all()
        existing_ref = existing.reference if existing else None
        existing_id = existing.id if existing else None
        title = f"{code.name_zh}（{town.name}，{key.period}）"
        default_department = code.department_code
    return render_template("assessment/proactive_new.html", key=key, span=span, town=town, code=code,
                           waiting=waiting, total=total, departments=departments, title=title,
                           default_department=default_department, existing_ref=existing_ref,
                           existing_id=existing_id, month=_month(), links=current_user.role in TICKET_ROLES,
                           max_title=proactive.MAX_TITLE)


@bp.post("/")
@roles_required(*PROACTIVE_ROLES)
def open_case():
    """未诉先办: open the case, merge the hotspot's open tickets into it and summon the chosen departments."""
    key, span = _key(request.form)
    back = url_for("proactive.new_case", service_code=key.service_code, township_code=key.township_code,
                   period=key.period)
    try:
        with services().session() as s:
            _visible_township(s, key.township_code)
            opened = proactive.open_proactive_case(
                s, key=key, start=span.start, end=span.end, title=request.form.get("title", ""),
                departments=request.form.getlist("department"), actor=current_user.actor, now=now(),
                config=services().config)
            reference, merged, summoned = opened.ticket.reference, opened.merged, len(opened.whistles)
    except HotlineError as exc:
        return fail(exc, back)
    return done(_("Proactive case %(ref)s opened: %(merged)d tickets merged, %(summoned)d departments summoned.",
                  ref=reference, merged=merged, summoned=summoned), url_for("proactive.cases_page"))


web.guard_like_console(bp)  # CSRF on every form, no caching of citizens' data, the console's headers


def init_app(app: Flask) -> None:
    """Register the proactive-case pages."""
    app.register_blueprint(bp)
