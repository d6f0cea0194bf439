"""The knowledge base in the console: agents search it and send an entry's answer to a ticket's citizen."""
from __future__ import annotations

import uuid

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from console import bp, queries
from console.access import KNOWLEDGE_ROLES, roles_required
from console.forms import ActionForm
from console.web import done, fail
from webapp import now, services
from hotline.errors import HotlineError, InvalidInput
from hotline.work import consult

MAX_QUERY = 200


@bp.get("/knowledge")
@roles_required(*KNOWLEDGE_ROLES)
def knowledge():
    """Search the knowledge base; with ?ticket=<id>, each match can be sent to that ticket's citizen."""
    q = (request.args.get("q") or "").strip()[:MAX_QUERY]
    ticket = None
    ticket_id = request.args.get("ticket", "")
    if ticket_id:
        if not ticket_id.isdigit():
            abort(404)
        with services().read_session() as s:
            ticket = queries.visible_ticket(s, current_user, int(ticket_id))
            if ticket is None:
                abort(404)
            s.expunge(ticket)
    kb = services().core.knowledge
    hits = kb.search(q, limit=services().config.knowledge.search_limit) if q else []
    lang = ticket.lang if ticket is not None and ticket.lang in ("zh", "en") else "zh"
    return render_template("console/knowledge.html", q=q, hits=hits, ticket=ticket, lang=lang, size=len(kb),
                           nonce=uuid.uuid4().hex, action=ActionForm())


@bp.post("/tickets/<int:ticket_id>/knowledge")
@roles_required(*KNOWLEDGE_ROLES)
def send_knowledge(ticket_id: int):
    """Send one entry's answer through the ticket's channel (chat or SMS) and record it on the ticket."""
    target = url_for("console.ticket", ticket_id=ticket_id)
    entry_id = (request.form.get("entry") or "").strip()[:64]
    nonce = (request.form.get("nonce") or "")[:40] or uuid.uuid4().hex
    try:
        with services().session() as s:
            t = queries.visible_ticket(s, current_user, ticket_id)
            if t is None:
                abort(404)
            entry = services().core.knowledge.get(entry_id)
            if entry is None:
                raise InvalidInput(_("no knowledge-base entry %(entry)s", entry=entry_id) if entry_id
                                   else _("no knowledge-base entry (none chosen)"), field="entry")
            sent = consult.send_knowledge_answer(s, t, entry, actor=current_user.actor, now=now(),
                                                 key=f"console:{current_user.id}:{entry.id}:{nonce}")
    except HotlineError as exc:
        return fail(exc, target)
    if sent.channel == "chat":
        message = _("Answer “%(title)s” posted in the chat.", title=entry.text("title", "zh"))
    elif sent.status == "suppressed":
        message = _("Not sent: the citizen has opted out of SMS. Call instead.")
    elif not services().config.twilio.account_sid:
        message = _("Answer “%(title)s” queued by SMS in the dev outbox (NOT SENT: no Twilio credentials).",
                    title=entry.text("title", "zh"))
    else:
        message = _("Answer “%(title)s” queued by SMS.", title=entry.text("title", "zh"))
    if sent.closed:
        message = _("%(message)s The consultation is closed as answered.", message=message)
    return done(message, target)
