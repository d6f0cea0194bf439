"""Live chat: agents take over web chats the bot handed off, reply, and open tickets from them."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from console import bp, queries
from console.access import CHAT_ROLES, SUPERVISOR, chat_scope, roles_required
from console.forms import ActionForm, OpenTicketForm, ReplyForm, options
from console.labels import label
from console.web import done, fail
from webapp import now, services
from hotline.work import triage
from hotline.errors import HotlineError
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import Citizen, Conversation
from sqlalchemy import select

def _message_json(m, fmt):
    return {"id": m.id, "direction": m.direction, "sender": m.sender, "sender_label": label(m.sender, "sender"),
            "body": m.body, "at": fmt(m.created_at, "%H:%M:%S")}


def _web_conversation(s, conversation_id: int) -> Conversation:
    """The web chat if the user may see it (404 otherwise, so ids are not confirmed)."""
    conv = s.scalars(select(Conversation).where(Conversation.id == conversation_id, Conversation.channel == "web",
                                                chat_scope(current_user))).first()
    if conv is None:
        abort(404)
    return conv


@bp.get("/chats")
@roles_required(*CHAT_ROLES)
def chats():
    """Chats waiting for an agent, and the ones agents hold."""
    with services().session() as s:
        rows = queries.handed_off_chats(s, current_user)
    return render_template("console/chats.html", rows=rows, action=ActionForm())


@bp.post("/chats/<int:conversation_id>/join")
@roles_required(*CHAT_ROLES)
def chat_join(conversation_id: int):
    """Take over the chat (a supervisor may take it from another agent)."""
    target = url_for("console.chat", conversation_id=conversation_id)
    try:
        with services().session() as s:
            conv = _web_conversation(s, conversation_id)
            triage.take_over_chat(s, conv, agent_id=current_user.id, now=now(),
                                  force=current_user.role == SUPERVISOR)
    except HotlineError as exc:
        return fail(exc, url_for("console.chats"))
    return done(_("You are now talking with the citizen."), target)


@bp.get("/chats/<int:conversation_id>")
@roles_required(*CHAT_ROLES)
def chat(conversation_id: int):
    """The chat window: transcript, reply box, and a form to open a ticket from it."""
    with services().session() as s:
        conv = _web_conversation(s, conversation_id)
        messages = queries.chat_messages(s, conv.id)
        citizen = s.get(Citizen, conv.citizen_id) if conv.citizen_id else None
        mine = conv.agent_id == current_user.id
    form = OpenTicketForm()
    from console.tickets_views import _service_choices
    form.service_code.choices = options([("", _("— classify automatically —"))] + _service_choices())
    if not form.text.data:
        form.text.data = "\n".join(m.body for m in messages if m.direction == "in")
    return render_template("console/chat.html", conv=conv, messages=messages, mine=mine, citizen=citizen,
                           reply=ReplyForm(), form=form, action=ActionForm(),
                           after=messages[-1].id if messages else 0)


@bp.get("/chats/<int:conversation_id>/messages")
@roles_required(*CHAT_ROLES)
def chat_messages(conversation_id: int):
    """New messages after an id, for the chat window's polling."""
    from flask import current_app
    fmt = current_app.jinja_env.filters["localtime"]
    try:
        after = min(max(0, int(request.args.get("after", "0"))), 2**31 - 1)  # a message id, however odd
    except ValueError:
        after = 0
    with services().session() as s:
        conv = _web_conversation(s, conversation_id)
        msgs = queries.chat_messages(s, conv.id, after)
        return jsonify({"status": conv.status, "status_label": label(conv.status, "chat"),
                        "messages": [_message_json(m, fmt) for m in msgs]})


@bp.post("/chats/<int:conversation_id>/reply")
@roles_required(*CHAT_ROLES)
def chat_reply(conversation_id: int):
    """One reply from the agent holding the chat (JSON from console.js, or a plain form post)."""
    from flask import current_app
    fmt = current_app.jinja_env.filters["localtime"]
    body = (request.get_json(silent=True) or {}).get("body") if request.is_json else request.form.get("body")
    try:
        with services().session() as s:
            conv = _web_conversation(s, conversation_id)
            msg = triage.agent_reply(s, conv, agent_id=current_user.id, body=body if isinstance(body, str) else "",
                                     now=now())
            payload = _message_json(msg, fmt)
    except HotlineError as exc:
        if request.is_json:
            return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
        return fail(exc, url_for("console.chat", conversation_id=conversation_id))
    if request.is_json:
        return jsonify({"message": payload})
    return done(_("Sent."), url_for("console.chat", conversation_id=conversation_id))


@bp.post("/chats/<int:conversation_id>/end")
@roles_required(*CHAT_ROLES)
def chat_end(conversation_id: int):
    """Close the chat."""
    with services().session() as s:
        conv = _web_conversation(s, conversation_id)
        if conv.agent_id not in (None, current_user.id) and current_user.role != SUPERVISOR:
            abort(403)
        triage.end_chat(s, conv, now=now())
    return done(_("Chat ended."), url_for("console.chats"))


@bp.post("/chats/<int:conversation_id>/ticket")
@roles_required(*CHAT_ROLES)
def chat_ticket(conversation_id: int):
    """Open a ticket from the chat and tell the citizen its reference in the chat."""
    form = OpenTicketForm()
    target = url_for("console.chat", conversation_id=conversation_id)
    if not form.validate():
        return fail(HotlineError(_("write what the citizen reports")), target)
    try:
        with services().session() as s:
            conv = _web_conversation(s, conversation_id)
            if conv.ticket_id:
                return fail(HotlineError(_("this chat already has a ticket")), target)
            citizen = s.get(Citizen, conv.citizen_id) if conv.citizen_id else None
            req = IntakeRequest(text=form.text.data, channel="web", phone=form.phone.data or None,
                                chat_id=citizen.chat_id if citizen and not form.phone.data else None,
                                location=form.location.data or None, service_code=form.service_code.data or None,
                                lang=conv.lang if conv.lang in ("zh", "en") else None,
                                conversation_id=conv.id, actor=current_user.actor)
            t, _created = open_ticket(s, req, now=now(), core=services().core)
            conv.ticket_id = t.id
            s.flush()
            # The reference is told only in this transaction's commit, together with the ticket itself.
            text = (f"已为您登记工单，编号 {t.reference}。" if conv.lang != "en"
                    else f"Your request is registered, reference {t.reference}.")
            if conv.agent_id == current_user.id:
                triage.agent_reply(s, conv, agent_id=current_user.id, body=text, now=now())
            ref, ticket_id = t.reference, t.id
    except HotlineError as exc:
        return fail(exc, target)
    return done(_("Ticket %(ref)s opened from the chat.", ref=ref), url_for("console.ticket", ticket_id=ticket_id))
