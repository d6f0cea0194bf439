"""The escalation inbox: reminders, breaches and escalations addressed to the user, live without reloads."""
from __future__ import annotations

from flask import abort, jsonify, render_template, url_for
from flask_login import current_user

from console import bp, queries
from console.access import INBOX_ROLES, roles_required
from console.labels import label
from webapp import now, services

def _item(n, reference, tz_filter):
    return {"id": n.id, "kind": n.kind, "kind_label": label(n.kind, "notice"), "message": n.message,
            "read": n.read_at is not None,
            "created_at": tz_filter(n.created_at), "reference": reference,
            "ticket_url": url_for("console.ticket", ticket_id=n.ticket_id) if n.ticket_id else None,
            "read_url": url_for("console.inbox_read", notification_id=n.id)}


@bp.get("/inbox")
@roles_required(*INBOX_ROLES)
def inbox():
    """The inbox page; console.js refreshes it every few seconds from /inbox/feed."""
    with services().read_session() as s:
        rows = queries.inbox(s, current_user)
        unread = sum(1 for n, _ in rows if n.read_at is None)
    return render_template("console/inbox.html", rows=rows, unread=unread)


@bp.get("/inbox/feed")
@roles_required(*INBOX_ROLES)
def inbox_feed():
    """The inbox as JSON for the page's polling (two statements)."""
    from flask import current_app
    fmt = current_app.jinja_env.filters["localtime"]
    with services().read_session() as s:
        rows = queries.inbox(s, current_user)
        unread = queries.unread_count(s, current_user)
    return jsonify({"unread": unread, "items": [_item(n, ref, fmt) for n, ref in rows]})


@bp.get("/inbox/count")
@roles_required(*INBOX_ROLES)
def inbox_count():
    """Unread count for the tab title and nav badge on every page."""
    with services().read_session() as s:
        return jsonify({"unread": queries.unread_count(s, current_user)})


@bp.post("/inbox/<int:notification_id>/read")
@roles_required(*INBOX_ROLES)
def inbox_read(notification_id: int):
    """Mark one notification read (only one addressed to the user)."""
    with services().session() as s:
        n = queries.notification_for(s, current_user, notification_id)
        if n is None:
            abort(404)
        if n.read_at is None:
            n.read_at = now()
    return jsonify({"ok": True})
