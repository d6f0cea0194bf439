"""Queues, the ticket page and every action on a ticket; each action is one core use case."""
from __future__ import annotations

import uuid

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from console import bp, queries
from console.access import (AGENT, DEPARTMENT, HANDLER, INTAKE_ROLES, SUPERVISOR, TICKET_ROLES, WHISTLE_ROLES,
                            ConsoleUser, answers_whistle, holds, roles_required, ticket_scope)
from console.forms import (ActionForm, options, CallbackForm, ClassifyForm, DispatchForm, MergeForm, NoteForm,
                           OpenTicketForm, SmsForm, WhistleForm)
from console.web import done, fail
from webapp import now, services
from hotline.clocks import callback_requests
from hotline.delivery import outbox
from hotline.work import lifecycle as tickets, triage
from hotline.work import whistles as whistle_use_cases
from hotline.store.citizens import normalize_phone
from hotline.errors import HotlineError, InvalidInput
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import (DISPATCHED, FOLLOWED_UP, IN_PROGRESS, NEW, OPEN_STATUSES, REOPENED, RESOLVED,
                            RETURNED, SIGNED, CallbackRequest, Department, Ticket, Whistle)
from sqlalchemy import select



def permitted(user: ConsoleUser, ticket: Ticket, action: str) -> bool:
    """Whether the user's role and unit allow this action on this ticket at all (403 otherwise).

    The ticket's status is the core's business: an action that does not fit it is refused with a message.
    """
    if action in ("classify", "dispatch", "merge", "answer"):
        return user.role in INTAKE_ROLES
    if action in ("sign", "contact", "resolve", "whistle"):
        return holds(user, ticket)
    if action == "return":
        return user.role == HANDLER and holds(user, ticket)
    if action in ("sms", "callback"):
        return user.role in INTAKE_ROLES or holds(user, ticket)
    if action in ("reassign", "to_triage", "reopen", "close"):
        return user.role == SUPERVISOR
    return action == "note"  # anyone who may see the ticket may add to its history


# The statuses in which each action makes sense, for showing only the useful buttons.
USEFUL_IN = {
    "classify": OPEN_STATUSES, "merge": OPEN_STATUSES, "dispatch": (NEW, RETURNED, REOPENED), "answer": (NEW,),
    "sign": (DISPATCHED,), "contact": (SIGNED, IN_PROGRESS, REOPENED), "resolve": (SIGNED, IN_PROGRESS, REOPENED),
    "return": (DISPATCHED, SIGNED, IN_PROGRESS), "whistle": (SIGNED, IN_PROGRESS),
    "sms": OPEN_STATUSES + (RESOLVED, FOLLOWED_UP), "callback": OPEN_STATUSES + (RESOLVED, FOLLOWED_UP),
    "reassign": OPEN_STATUSES, "to_triage": (DISPATCHED, SIGNED, IN_PROGRESS, REOPENED),
    "reopen": (RESOLVED, FOLLOWED_UP, "closed"), "close": (RESOLVED, FOLLOWED_UP),
    "note": OPEN_STATUSES + (RESOLVED, FOLLOWED_UP),
}


def actions_for(user: ConsoleUser, ticket: Ticket) -> set[str]:
    """The actions worth offering this user on this ticket now (permitted and fitting its status)."""
    acts = {a for a, statuses in USEFUL_IN.items() if ticket.status in statuses and permitted(user, ticket, a)}
    if "whistle" in acts and ticket.unit_type != "township":
        acts.discard("whistle")
    return acts


def _units(session=None):
    """Townships and departments for dispatch menus, read once per process (reference data)."""
    cache = current_app.extensions.get("console_units")
    if cache is None:
        if session is None:
            with services().session() as s:
                cache = queries.unit_choices(s)
        else:
            cache = queries.unit_choices(session)  # inside the caller's transaction: no second connection
        current_app.extensions["console_units"] = cache
    return cache


def _service_choices():
    tax = services().core.taxonomy
    return [(c.code, f"{c.code} · {c.name_zh} / {c.name_en}") for c in sorted(tax.codes.values(), key=lambda c: c.code)]


def _parse_unit(session, value: str) -> tuple[str, str]:
    unit_type, _sep, code = (value or "").partition(":")
    towns, depts = _units(session)
    if unit_type not in ("township", "department") or value not in {v for v, _ in towns + depts}:
        raise InvalidInput(_("choose a township or department from the list"), field="unit")
    return unit_type, code


@bp.get("/tickets")
@roles_required(*TICKET_ROLES)
def queue():
    """The queue: filters, counts by status, and the time left on each ticket's next clock."""
    args = request.args
    try:
        page = max(1, min(int(args.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    view = "triage" if args.get("view") == "triage" and current_user.role in INTAKE_ROLES else "all"
    status = args.get("status", "open")
    if status not in ("open", "any") + queries.FILTER_STATUSES:
        status = "open"
    f = queries.QueueFilters(view=view, status=status, group=args.get("group", "")[:24],
                             township=args.get("township", "")[:12], channel=args.get("channel", "")[:8],
                             overdue=args.get("overdue") == "1", q=args.get("q", "").strip()[:40], page=page)
    phone = None
    if f.q and not f.q.upper().startswith(("T", "W")):
        try:
            phone = normalize_phone(f.q, services().config.phone.default_region)
        except HotlineError:
            phone = None
    with services().read_session() as s:
        data = queries.queue(s, current_user, f, now=now(), phone=phone)
        if f.q and data.total == 1 and len(data.rows) == 1 and data.rows[0].ticket.reference == f.q.upper():
            return redirect(url_for("console.ticket", ticket_id=data.rows[0].ticket.id))
    towns, _depts = _units()
    return render_template("console/queue.html", data=data, f=f, groups=services().core.taxonomy.groups,
                           towns=towns, channels=queries.CHANNELS, statuses=queries.FILTER_STATUSES,
                           now=now())


@bp.get("/tickets/<int:ticket_id>")
@roles_required(*TICKET_ROLES)
def ticket(ticket_id: int):
    """One ticket: citizen, transcript, recording, photos, place, cluster, history, clocks and the allowed actions."""
    with services().read_session() as s:
        page = queries.ticket_page(s, current_user, ticket_id, now=now())
        if page is None:
            abort(404)
        acts = actions_for(current_user, page.ticket)
        my_whistles = [w for w in page.ticket.whistles if answers_whistle(current_user, w) and w.done_at is None]
    towns, depts = _units()
    classify = ClassifyForm()
    classify.service_code.choices = options(_service_choices())
    classify.service_code.data = page.ticket.service_code
    return render_template(
        "console/ticket.html", p=page, t=page.ticket, acts=acts, my_whistles=my_whistles, now=now(),
        show_phone=current_user.sees_phone, classify=classify, kinds=services().core.taxonomy.kinds,
        dispatch=DispatchForm(), towns=towns, depts=depts, note=NoteForm(), action=ActionForm(),
        whistle=WhistleForm(), merge=MergeForm(), sms=SmsForm(nonce=uuid.uuid4().hex),
        callback=CallbackForm(nonce=uuid.uuid4().hex),
        suggested=triage.suggested_unit(page.ticket, services().core),
        summonable=[(v.split(":", 1)[1], label) for v, label in depts])


def _act(ticket_id: int, action: str, work):
    """Load the visible ticket (404), check the action is allowed (403), run `work`, commit, go back."""
    target = url_for("console.ticket", ticket_id=ticket_id)
    try:
        with services().session() as s:
            t = queries.visible_ticket(s, current_user, ticket_id)
            if t is None:
                abort(404)
            if not permitted(current_user, t, action):
                abort(403)
            message = work(s, t)
    except HotlineError as exc:
        return fail(exc, target)
    return done(message, target)


def _text() -> str:
    return (request.form.get("text") or "").strip()


@bp.post("/tickets/<int:ticket_id>/sign")
@roles_required(HANDLER, SUPERVISOR)
def sign(ticket_id: int):
    """签收."""
    return _act(ticket_id, "sign", lambda s, t: (tickets.sign(s, t, actor=current_user.actor, now=now()),
                                                  _("Signed for."))[1])


@bp.post("/tickets/<int:ticket_id>/contact")
@roles_required(HANDLER, SUPERVISOR)
def contact(ticket_id: int):
    """Record contact with the citizen."""
    return _act(ticket_id, "contact", lambda s, t: (tickets.contact(s, t, actor=current_user.actor, now=now(),
                                                                    note=_text()), _("Contact recorded."))[1])


@bp.post("/tickets/<int:ticket_id>/note")
@roles_required(*TICKET_ROLES)
def note(ticket_id: int):
    """A note in the history."""
    return _act(ticket_id, "note", lambda s, t: (tickets.add_note(s, t, note=_text(), actor=current_user.actor,
                                                                  now=now()), _("Note added."))[1])


@bp.post("/tickets/<int:ticket_id>/resolve")
@roles_required(HANDLER, SUPERVISOR, DEPARTMENT)
def resolve(ticket_id: int):
    """Record the result; a supervisor may override outstanding whistles with a reason."""
    override = (request.form.get("override_reason") or "").strip() or None
    if override and current_user.role != SUPERVISOR:
        abort(403)

    def work(s, t):
        tickets.resolve(s, t, resolution=_text(), actor=current_user.actor, now=now(), override_reason=override)
        if override:
            return _("Resolved; the follow-up will ask the citizen. (override recorded)")
        return _("Resolved; the follow-up will ask the citizen.")
    return _act(ticket_id, "resolve", work)


@bp.post("/tickets/<int:ticket_id>/return")
@roles_required(HANDLER)
def return_ticket(ticket_id: int):
    """退单 with a reason."""
    return _act(ticket_id, "return", lambda s, t: (tickets.return_ticket(s, t, reason=_text(),
                                                                         actor=current_user.actor, now=now()),
                                                    _("Returned to the hotline."))[1])


@bp.post("/tickets/<int:ticket_id>/whistle")
@roles_required(HANDLER, SUPERVISOR)
def whistle(ticket_id: int):
    """吹哨: summon departments, one request each."""
    codes = request.form.getlist("department")
    texts = request.form.getlist("request")
    summons = [(c.strip(), (r or "").strip()) for c, r in zip(codes, texts) if c.strip()]

    def work(s, t):
        if not summons:
            raise InvalidInput(_("choose at least one department"), field="department")
        known = set(s.scalars(select(Department.code).where(Department.code.in_([c for c, _ in summons]))))
        for code, req in summons:
            if code not in known:
                raise InvalidInput(_("unknown department %(code)s", code=code), field="department")
            if not req:
                raise InvalidInput(_("write what %(code)s must do", code=code), field="request")
        if len({c for c, _ in summons}) != len(summons):
            raise InvalidInput(_("each department once"), field="department")
        whistle_use_cases.summon(s, t, summons=summons, actor=current_user.actor, now=now(), config=services().config)
        return _("Whistle blown: %(departments)s summoned.", departments=", ".join(c for c, _r in summons))
    return _act(ticket_id, "whistle", work)


@bp.post("/tickets/<int:ticket_id>/classify")
@roles_required(*INTAKE_ROLES)
def classify(ticket_id: int):
    """Correct the service code (and kind)."""
    code = request.form.get("service_code", "")
    kind = request.form.get("kind") or None
    return _act(ticket_id, "classify", lambda s, t: (triage.reclassify(
        s, t, service_code=code, kind=kind, core=services().core, actor=current_user.actor, now=now()),
        _("Classified as %(code)s.", code=code))[1])


@bp.post("/tickets/<int:ticket_id>/dispatch")
@roles_required(*INTAKE_ROLES)
def dispatch(ticket_id: int):
    """派单 to a township or department."""
    def work(s, t):
        unit_type, code = _parse_unit(s, request.form.get("unit", ""))
        tickets.dispatch(s, t, unit_type=unit_type, unit_code=code, actor=current_user.actor, now=now(),
                         limits=services().config.time_limits, note=_text())
        return _("Dispatched to %(unit)s.", unit=code)
    return _act(ticket_id, "dispatch", work)


@bp.post("/tickets/<int:ticket_id>/reassign")
@roles_required(SUPERVISOR)
def reassign(ticket_id: int):
    """A supervisor moves an open ticket to another unit."""
    def work(s, t):
        unit_type, code = _parse_unit(s, request.form.get("unit", ""))
        triage.reassign(s, t, unit_type=unit_type, unit_code=code, reason=_text(), actor=current_user.actor,
                        now=now(), limits=services().config.time_limits)
        return _("Reassigned to %(unit)s.", unit=code)
    return _act(ticket_id, "reassign", work)


@bp.post("/tickets/<int:ticket_id>/to-triage")
@roles_required(SUPERVISOR)
def to_triage(ticket_id: int):
    """Back to the intake desk."""
    return _act(ticket_id, "to_triage", lambda s, t: (triage.send_back_to_triage(
        s, t, reason=_text(), actor=current_user.actor, now=now()), _("Sent back to triage."))[1])


@bp.post("/tickets/<int:ticket_id>/answer")
@roles_required(*INTAKE_ROLES)
def answer(ticket_id: int):
    """A consultation answered directly at intake."""
    def work(s, t):
        if not _text():
            raise InvalidInput(_("write the answer given"), field="text")
        tickets.answer_directly(s, t, answer=_text(), actor=current_user.actor, now=now())
        return _("Answered and resolved.")
    return _act(ticket_id, "answer", work)


@bp.post("/tickets/<int:ticket_id>/merge")
@roles_required(*INTAKE_ROLES)
def merge(ticket_id: int):
    """Fold a duplicate into its master ticket."""
    ref = (request.form.get("master") or "").strip().upper()

    def work(s, t):
        # The master must be a ticket the user may see: a district supervisor merges inside its district only.
        master = s.scalars(select(Ticket).where(Ticket.reference == ref, ticket_scope(current_user))).first()
        if master is None:
            raise InvalidInput(_("no ticket %(ref)s", ref=ref), field="master")
        tickets.merge(s, t, master, actor=current_user.actor, now=now())
        return _("Merged into %(ref)s.", ref=master.reference)
    return _act(ticket_id, "merge", work)


@bp.post("/tickets/<int:ticket_id>/reopen")
@roles_required(SUPERVISOR)
def reopen(ticket_id: int):
    """Back to the unit that had it."""
    return _act(ticket_id, "reopen", lambda s, t: (tickets.reopen(s, t, reason=_text() or "reopened by supervisor",
                                                                  actor=current_user.actor, now=now()),
                                                    _("Reopened."))[1])


@bp.post("/tickets/<int:ticket_id>/close")
@roles_required(SUPERVISOR)
def close(ticket_id: int):
    """Close a resolved ticket."""
    return _act(ticket_id, "close", lambda s, t: (tickets.close(s, t, actor=current_user.actor, now=now()),
                                                  _("Closed."))[1])


def _citizen_phone(s, t: Ticket) -> str:
    if t.callback_phone:
        return t.callback_phone
    if t.citizen is not None and t.citizen.phone:
        return t.citizen.phone
    raise InvalidInput(_("this citizen left no phone number"), field="phone")


@bp.post("/tickets/<int:ticket_id>/sms")
@roles_required(AGENT, HANDLER, SUPERVISOR)
def sms(ticket_id: int):
    """Reply to the citizen by SMS through the outbox (opt-outs are honoured there)."""
    body = (request.form.get("body") or "").strip()
    nonce = (request.form.get("nonce") or "")[:40] or uuid.uuid4().hex

    def work(s, t):
        if not body:
            raise InvalidInput(_("the message is empty"), field="body")
        if len(body) > 670:
            raise InvalidInput(_("an SMS reply has at most 670 characters (10 segments)"), field="body")
        msg = outbox.enqueue(s, key=f"console-sms:{t.id}:{nonce}", kind="sms", to=_citizen_phone(s, t), now=now(),
                             body=body, purpose="reply", ticket_id=t.id)
        tickets.record_event(s, t, actor=current_user.actor, action="sms_reply", now=now(), note=body,
                             data={"outbound_id": msg.id, "status": msg.status})
        if msg.status == "suppressed":
            return _("Not sent: the citizen has opted out of SMS. Call instead.")
        if not services().config.twilio.account_sid:
            return _("SMS queued in the dev outbox (NOT SENT: no Twilio credentials).")
        return _("SMS queued for sending.")
    return _act(ticket_id, "sms", work)


@bp.post("/tickets/<int:ticket_id>/callback")
@roles_required(AGENT, HANDLER, SUPERVISOR)
def callback(ticket_id: int):
    """Promise the citizen a call back; the scheduler places it."""
    nonce = (request.form.get("nonce") or "")[:40] or uuid.uuid4().hex

    def work(s, t):
        key = f"console-callback:{t.id}:{nonce}"
        if s.scalar(select(CallbackRequest.id).where(CallbackRequest.idempotency_key == key)) is not None:
            return _("Callback already requested.")
        callback_requests.promise_agent_callback(s, phone=_citizen_phone(s, t), now=now(), reason=request.form.get("reason", ""),
                                ticket=t, lang=t.lang, citizen_id=t.citizen_id,
                                window_start=request.form.get("window_start", "").strip(),
                                window_end=request.form.get("window_end", "").strip(), idempotency_key=key,
                                actor=current_user.actor)
        return _("Callback requested; the scheduler will place the call.")
    return _act(ticket_id, "callback", work)


@bp.route("/tickets/new", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def new_ticket():
    """An agent opens a ticket for a caller (channel 'agent')."""
    form = OpenTicketForm()
    form.service_code.choices = options([("", _("— classify automatically —"))] + _service_choices())
    if form.validate_on_submit():
        req = IntakeRequest(text=form.text.data, channel="agent", phone=form.phone.data or None,
                            location=form.location.data or None, service_code=form.service_code.data or None,
                            actor=current_user.actor)
        try:
            with services().session() as s:
                t, _created = open_ticket(s, req, now=now(), core=services().core)
                ticket_id, ref = t.id, t.reference
        except HotlineError as exc:
            return fail(exc, url_for("console.new_ticket"))
        return done(_("Ticket %(ref)s opened; tell the citizen this reference.", ref=ref),
                    url_for("console.ticket", ticket_id=ticket_id))
    return render_template("console/new_ticket.html", form=form)


@bp.get("/whistles")
@roles_required(*WHISTLE_ROLES)
def whistles():
    """Whistles addressed to my department: report in (报到), then report done."""
    open_only = request.args.get("all") != "1"
    with services().session() as s:
        rows = queries.whistles_for(s, current_user, open_only=open_only, now=now())
    return render_template("console/whistles.html", rows=rows, open_only=open_only, now=now(), action=ActionForm(),
                           colour=queries.clock_colour)


def _whistle_act(whistle_id: int, work):
    """Load a whistle of a visible ticket (404), check it summoned the user's department (403), run `work`."""
    target = url_for("console.whistles")
    try:
        with services().session() as s:
            w = s.scalars(select(Whistle).join(Ticket, Ticket.id == Whistle.ticket_id)
                          .where(Whistle.id == whistle_id, ticket_scope(current_user))).first()
            if w is None:
                abort(404)
            if not answers_whistle(current_user, w):
                abort(403)
            if request.form.get("back") == "ticket":
                target = url_for("console.ticket", ticket_id=w.ticket_id)
            message = work(s, w)
    except HotlineError as exc:
        return fail(exc, target)
    return done(message, target)


@bp.post("/whistles/<int:whistle_id>/report-in")
@roles_required(*WHISTLE_ROLES)
def report_in(whistle_id: int):
    """报到: the summoned department acknowledges."""
    return _whistle_act(whistle_id, lambda s, w: (tickets.report_in(s, w, actor=current_user.actor, now=now()),
                                                  _("Reported in."))[1])


@bp.post("/whistles/<int:whistle_id>/done")
@roles_required(*WHISTLE_ROLES)
def report_done(whistle_id: int):
    """The summoned department's part is done."""
    def work(s, w):
        if w.done_at is not None:
            raise InvalidInput(_("this part is already reported done"), field="text")
        if not _text():
            raise InvalidInput(_("say what was done"), field="text")
        tickets.report_done(s, w, note=_text(), actor=current_user.actor, now=now())
        return _("Reported done; the township can now close its part.")
    return _whistle_act(whistle_id, work)
