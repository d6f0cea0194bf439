"""The outbox page: every SMS and call the hotline owes, labelled NOT SENT when Twilio is not configured."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from console import bp, queries
from console.access import OUTBOX_ROLES, roles_required
from webapp import services


@bp.get("/outbox")
@roles_required(*OUTBOX_ROLES)
def outbox():
    """Newest outbound messages and their outcome."""
    with services().session() as s:
        rows = queries.outbox(s, current_user)
    # A delivery log, not a calling tool: numbers are masked for everyone (the ticket page has them for callers).
    return render_template("console/outbox.html", rows=rows, dev=not services().config.twilio.account_sid,
                           show_phone=False)
