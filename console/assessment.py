"""Assessment pages (考评 and 主动治理): ranking, unit trends, orders behind a figure, hotspots, problems, charts, report.

Who sees what is decided here and passed into the queries: supervisors and admins see every unit (a
district supervisor sees the district), a unit's handler sees only its own row and its own orders.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, abort, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from console import charts
from console.labels import label
from console.access import OVERSIGHT_ROLES, SCORE_ROLES, SUPERVISOR, TICKET_ROLES, roles_required
from console import web
from console.web import done, fail
from webapp import now, services
from hotline.work import clusters
from hotline.assessment import hotspots, kpis, whistle_figures
from hotline.errors import HotlineError
from hotline.store.models import MERGED, RESOLVED, Ticket, Township

bp = Blueprint("assessment", __name__, url_prefix="/console/assessment", template_folder="templates",
               static_folder="assessment_static", static_url_path="/static")

ORDER_LIMIT = 500
SORTABLE = ("rank", "unit_code", "unit_name", "score", "response_rate", "resolution_rate", "satisfaction_rate",
            "due", "missed", "open_overdue", "evaluated")
UNIT_TYPE_NAMES = {"township": _l("Townships"), "department": _l("Departments, utilities and district governments"),
                   "district": _l("Districts")}


def group_names() -> dict[str, str]:
    """The taxonomy's group names in the page's language, in the regulation's order."""
    return services().core.taxonomy.group_names("en" if str(get_locale()) == "en" else "zh")



@bp.context_processor
def _assessment_settings() -> dict:
    # The ranking table shows the minimum volume and counts "basically satisfied" as the settings say.
    return {"assessment_cfg": services().config.assessment}


@dataclass(frozen=True)
class Scope:
    """What the signed-in user may see: everything, one district, or one unit."""

    district: str | None = None
    unit_type: str | None = None
    unit_code: str | None = None

    @property
    def oversight(self) -> bool:
        """Sees other units' rows."""
        return self.unit_code is None


def scope() -> Scope:
    """The current user's scope, from role and unit."""
    u = current_user
    if u.role in OVERSIGHT_ROLES:
        if u.role == SUPERVISOR and u.unit_type == "district" and u.unit_code:
            return Scope(district=u.unit_code)
        return Scope()
    if not (u.unit_type and u.unit_code):
        abort(403)
    return Scope(unit_type=u.unit_type, unit_code=u.unit_code)


def _month() -> str:
    cfg = services().config.assessment
    month = request.args.get("month") or kpis.add_months(kpis.month_of(now(), cfg.timezone), -1)
    try:
        # The pages also show the month after and the twelve before: all of them must be months we know.
        kpis.parse_month(month)
        kpis.parse_month(kpis.add_months(month, 1))
        kpis.parse_month(kpis.add_months(month, -12))
    except ValueError:
        abort(400)
    return month


def _unit_type(sc: Scope) -> str:
    if sc.unit_type:
        return sc.unit_type
    unit_type = request.args.get("unit_type", "township")
    if unit_type not in kpis.UNIT_TYPES:
        abort(400)
    return unit_type


def visible_ranking(session, sc: Scope, *, month: str, unit_type: str) -> list[kpis.UnitScore]:
    """The ranking rows this user may see (the restriction is applied in the query layer)."""
    cfg = services().config.assessment
    return kpis.ranking(session, month=month, unit_type=unit_type, config=cfg, as_of=now(),
                        only_unit=sc.unit_code, district_code=sc.district)


def _may_see_unit(session, sc: Scope, unit_type: str, unit_code: str) -> bool:
    if sc.unit_code is not None:
        return (unit_type, unit_code) == (sc.unit_type, sc.unit_code)
    if sc.district is None:
        return True
    if unit_type == "district":
        return unit_code == sc.district
    units = {u.code: u for u in kpis.load_units(session, unit_type)}
    return unit_code in units and units[unit_code].district_code == sc.district


def _sorted(rows: list[kpis.UnitScore], key: str, descending: bool) -> list[kpis.UnitScore]:
    def value(r):
        v = r.as_dict()[key] if key != "missed" else r.missed
        return (v is None, v if not descending or v is None else _neg(v))
    return sorted(rows, key=value)


def _neg(v):
    return -v if isinstance(v, (int, float)) else "".join(chr(0x10FFFF - ord(c)) for c in v)


@bp.get("/")
@roles_required(*SCORE_ROLES)
def ranking():
    """The month's ranking with sortable columns; every figure links to its orders."""
    sc = scope()
    month, unit_type = _month(), _unit_type(sc)
    sort = request.args.get("sort", "rank")
    sort = sort if sort in SORTABLE else "rank"
    descending = request.args.get("dir", "desc" if sort not in ("rank", "unit_code", "unit_name") else "asc") == "desc"
    cfg = services().config
    with services().session() as s:
        rows = visible_ranking(s, sc, month=month, unit_type=unit_type)
    rows = _sorted(rows, sort, descending)
    return render_template("assessment/ranking.html", rows=rows, month=month, unit_type=unit_type, sort=sort,
                           descending=descending, scope=sc, unit_types=UNIT_TYPE_NAMES,
                           how=kpis.describe(cfg.assessment, cfg.time_limits),
                           prev_month=kpis.add_months(month, -1), next_month=kpis.add_months(month, 1))


@bp.get("/whistles")
@roles_required(*SCORE_ROLES)
def whistle_figures_page():
    """吹哨报到 of the month: per department 报到率 and parts done on time, per township whistles and their end."""
    sc = scope()
    month = _month()
    cfg = services().config.assessment
    with services().session() as s:
        departments = whistle_figures.department_whistles(s, month=month, config=cfg, as_of=now(),
                                                          district_code=sc.district)
        townships = whistle_figures.township_whistles(s, month=month, config=cfg, as_of=now(),
                                                      district_code=sc.district)
    if sc.unit_code is not None:  # a unit sees its own row only
        departments = [d for d in departments if sc.unit_type == "department" and d.code == sc.unit_code]
        townships = [t for t in townships if sc.unit_type == "township" and t.code == sc.unit_code]
    return render_template("assessment/whistles.html", departments=departments, townships=townships, month=month)


@bp.get("/units/<unit_type>/<unit_code>")
@roles_required(*SCORE_ROLES)
def unit_trend(unit_type: str, unit_code: str):
    """One unit's three rates and score over the last 12 months."""
    sc = scope()
    if unit_type not in kpis.UNIT_TYPES:
        abort(404)
    month = _month()
    cfg = services().config.assessment
    with services().session() as s:
        if not _may_see_unit(s, sc, unit_type, unit_code):
            abort(404)
        series = kpis.trends(s, month=month, unit_type=unit_type, config=cfg, as_of=now(), unit_code=unit_code)
    if unit_code not in series:
        abort(404)
    points = series[unit_code]
    labels = [p.period for p in points]
    chart = charts.lines(labels, {_("response"): [p.response_rate for p in points],
                                  _("resolution"): [p.resolution_rate for p in points],
                                  _("satisfaction"): [p.satisfaction_rate for p in points]},
                         title=_("%(unit)s: three rates, last 12 months", unit=points[-1].unit.name))
    score_chart = charts.lines(labels, {_("score"): [None if p.score is None else p.score / 100 for p in points]},
                               title=_("%(unit)s: composite score, last 12 months", unit=points[-1].unit.name))
    return render_template("assessment/unit.html", points=points, unit=points[-1].unit, month=month,
                           chart=chart, score_chart=score_chart, unit_type=unit_type)


@bp.get("/orders")
@roles_required(*SCORE_ROLES)
def orders():
    """The tickets behind one figure of the ranking."""
    sc = scope()
    month = _month()
    unit_type, unit_code = request.args.get("unit_type", ""), request.args.get("unit", "")
    measure = request.args.get("measure", "due")
    if unit_type not in kpis.UNIT_TYPES or measure not in kpis.MEASURES or not unit_code:
        abort(400)
    cfg = services().config.assessment
    with services().session() as s:
        if not _may_see_unit(s, sc, unit_type, unit_code):
            abort(404)
        stmt = kpis.orders_behind(month=month, unit_type=unit_type, unit_code=unit_code, measure=measure,
                                  config=cfg, as_of=now())
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        tickets = s.scalars(stmt.limit(ORDER_LIMIT)).all()
    return render_template("assessment/orders.html", tickets=tickets, total=total, month=month,
                           unit_type=unit_type, unit_code=unit_code, measure=measure, limit=ORDER_LIMIT,
                           links=current_user.role in TICKET_ROLES)


@bp.get("/hotspots")
@roles_required(*OVERSIGHT_ROLES)
def hotspot_list():
    """The month's hotspots, biggest first, with merge buttons for supervisors."""
    sc = scope()
    month = _month()
    cfg = services().config.assessment
    period = kpis.month_period(month, cfg.timezone)
    with services().session() as s:
        spots = hotspots.hotspots(s, start=period.start, end=period.end, config=cfg, district_code=sc.district)
    return render_template("assessment/hotspots.html", spots=spots, month=month, config=cfg,
                           can_merge=current_user.role == SUPERVISOR)


def _hotspot_tickets(s, sc: Scope, service_code: str, township_code: str, month: str):
    cfg = services().config.assessment
    period = kpis.month_period(month, cfg.timezone)
    town = s.get(Township, township_code)
    if town is None or (sc.district and town.district_code != sc.district):
        abort(404)
    return period, town, s.scalars(hotspots.hotspot_tickets(service_code=service_code, township_code=township_code,
                                                            start=period.start, end=period.end)).all()


@bp.get("/hotspots/<service_code>/<township_code>")
@roles_required(*OVERSIGHT_ROLES)
def hotspot(service_code: str, township_code: str):
    """The tickets of one hotspot, grouped by cluster, with split and answer-together actions."""
    sc = scope()
    month = _month()
    with services().session() as s:
        _period, town, tickets = _hotspot_tickets(s, sc, service_code, township_code, month)
        masters = {t.master_id for t in tickets if t.master_id}
        extra = s.scalars(select(Ticket).where(Ticket.id.in_(masters - {t.id for t in tickets}))).all()
        waiting = {m: s.scalar(select(func.count()).select_from(Ticket)
                               .where(Ticket.master_id == m, Ticket.status == MERGED))
                   for m in masters}
    by_id = {t.id: t for t in list(tickets) + list(extra)}
    return render_template("assessment/hotspot.html", tickets=tickets, by_id=by_id, town=town, month=month,
                           service_code=service_code, waiting=waiting, resolved=RESOLVED,
                           can_merge=current_user.role == SUPERVISOR, links=current_user.role in TICKET_ROLES)


@bp.post("/hotspots/<service_code>/<township_code>/merge")
@roles_required(SUPERVISOR)
def merge(service_code: str, township_code: str):
    """合并同类项: merge the hotspot's open tickets into one master."""
    sc = scope()
    month = _month()
    target = url_for("assessment.hotspot", service_code=service_code, township_code=township_code, month=month)
    try:
        with services().session() as s:
            period, _town, _t = _hotspot_tickets(s, sc, service_code, township_code, month)
            master, n = clusters.merge_hotspot(s, service_code=service_code, township_code=township_code,
                                               start=period.start, end=period.end, actor=current_user.actor,
                                               now=now())
    except HotlineError as exc:
        return fail(exc, target)
    if master is None:
        return done(_("No open tickets left to merge."), target)
    return done(_("Merged %(n)s tickets into %(ref)s; its answer will reach every citizen.", n=n,
                  ref=master.reference), target)


def _on_visible_ticket(ticket_id: int, work):
    """Run work(session, ticket) on a ticket this supervisor may see (404 otherwise); flash its message."""
    sc = scope()
    target = request.form.get("next") or ""
    if not target.startswith("/console/"):  # only back into the console, never to another site
        target = url_for("assessment.hotspot_list")
    try:
        with services().session() as s:
            t = s.get(Ticket, ticket_id)
            if t is None or (sc.district and t.district_code != sc.district):
                abort(404)
            message = work(s, t)
    except HotlineError as exc:
        return fail(exc, target)
    return done(message, target)


@bp.post("/tickets/<int:ticket_id>/split")
@roles_required(SUPERVISOR)
def split(ticket_id: int):
    """Take one ticket out of its cluster."""
    def work(s, t):
        clusters.split(s, t, actor=current_user.actor, now=now())
        return _("%(ref)s is handled on its own again.", ref=t.reference)
    return _on_visible_ticket(ticket_id, work)


@bp.post("/tickets/<int:ticket_id>/answer-cluster")
@roles_required(SUPERVISOR)
def answer_cluster(ticket_id: int):
    """Send a resolved master's answer to every merged ticket of its cluster."""
    def work(s, master):
        n = clusters.fan_out_resolution(s, master, actor=current_user.actor, now=now())
        return _("The answer went to %(n)s merged tickets; each citizen gets a follow-up.", n=n)
    return _on_visible_ticket(ticket_id, work)


@bp.get("/problems")
@roles_required(*OVERSIGHT_ROLES)
def problems():
    """每月一题: top codes and townships by volume and growth, and surge alerts with their statistic."""
    sc = scope()
    month = _month()
    cfg = services().config.assessment
    with services().session() as s:
        p = hotspots.problems_of_the_month(s, month=month, config=cfg, district_code=sc.district)
        found = hotspots.surges(s, month=month, config=cfg, as_of=now(), district_code=sc.district)
    return render_template("assessment/problems.html", p=p, surges=found, month=month, config=cfg)


def chart_data(s, sc: Scope, month: str) -> dict:
    """Every chart of the charts page and the report, drawn as SVG."""
    cfg = services().config.assessment
    periods = kpis.last_months(month, 12, cfg.timezone)
    labels = [p.label for p in periods]
    by_group = kpis.volume_by(s, Ticket.group, periods, district_code=sc.district)
    by_channel = kpis.volume_by(s, Ticket.channel, periods, district_code=sc.district)
    compliance = kpis.clock_compliance(s, month=month, config=cfg, as_of=now(), district_code=sc.district)
    towns = kpis.ranking(s, month=month, unit_type="township", config=cfg, as_of=now(), district_code=sc.district)
    districts = kpis.ranking(s, month=month, unit_type="district", config=cfg, as_of=now(),
                             district_code=sc.district)
    districts.sort(key=lambda d: d.unit.code)
    heat_rows, heat = kpis.heat_township_group(s, month=month, config=cfg, district_code=sc.district)
    ranked = [t for t in towns if t.rank is not None]
    peak = max([n for row in heat.values() for n in row.values()] + [0])
    return {
        "volume": charts.stacked_columns(labels, dict(sorted(by_group.items())), names=group_names(),
                                         title=_("Tickets by group, last 12 months")),
        "channels": charts.stacked_columns(labels, dict(sorted(by_channel.items())),
                                           names={c: label(c, "channel") for c in by_channel},
                                           title=_("Channel mix, last 12 months")),
        "compliance": charts.hbar([(label(c.clock, "clock"), c.rate) for c in compliance], percent=True,
                                  max_value=1.0, title=_("Clocks met in time, %(month)s", month=month)),
        "compliance_rows": compliance,
        "top": charts.hbar([(f"{t.rank}. {t.unit.name}", t.score) for t in ranked[:15]], max_value=100,
                           title=_("Township ranking %(month)s: top 15 by score", month=month)),
        "bottom": charts.hbar([(f"{t.rank}. {t.unit.name}", t.score) for t in ranked[-15:]], max_value=100,
                              title=_("Township ranking %(month)s: bottom 15 by score", month=month)),
        "districts": charts.grouped_bars([d.unit.name for d in districts],
                                         {_("response"): [d.response_rate for d in districts],
                                          _("resolution"): [d.resolution_rate for d in districts],
                                          _("satisfaction"): [d.satisfaction_rate for d in districts]},
                                         title=_("Three rates per district, %(month)s", month=month)),
        "district_rows": districts,
        "heat_rows": heat_rows, "heat": heat, "heat_peak": peak, "groups": list(group_names()),
    }


@bp.get("/charts")
@roles_required(*OVERSIGHT_ROLES)
def charts_page():
    """The pictures: volume, channels, clocks, ranking, districts, heat table."""
    sc = scope()
    month = _month()
    with services().session() as s:
        data = chart_data(s, sc, month)
    return render_template("assessment/charts.html", month=month, c=data, group_names=group_names(),
                           heat_class=charts.heat_class)


@bp.get("/report")
@roles_required(*OVERSIGHT_ROLES)
def report():
    """The monthly report, laid out to print (or save as PDF) from the browser."""
    sc = scope()
    month = _month()
    cfg = services().config
    period = kpis.month_period(month, cfg.assessment.timezone)
    with services().session() as s:
        tables = {t: visible_ranking(s, sc, month=month, unit_type=t) for t in kpis.UNIT_TYPES}
        p = hotspots.problems_of_the_month(s, month=month, config=cfg.assessment, district_code=sc.district)
        found = hotspots.surges(s, month=month, config=cfg.assessment, as_of=now(), district_code=sc.district)
        spots = hotspots.hotspots(s, start=period.start, end=period.end, config=cfg.assessment, limit=10,
                                  district_code=sc.district)
        data = chart_data(s, sc, month)
    return render_template("assessment/report.html", month=month, tables=tables, p=p, surges=found, spots=spots,
                           c=data, how=kpis.describe(cfg.assessment, cfg.time_limits), unit_types=UNIT_TYPE_NAMES,
                           group_names=group_names(), heat_class=charts.heat_class, generated=now(), scope=sc,
                           config=cfg.assessment)


web.guard_like_console(bp)  # CSRF on every form, no caching of citizens' data, the console's headers


def init_app(app: Flask) -> None:
    """Register the assessment pages, their navigation entries and the kpis / demo-data commands."""
    from console import assessment_cli, proactive_views

    app.register_blueprint(bp)
    proactive_views.init_app(app)
    assessment_cli.register(app)

