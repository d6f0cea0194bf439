"""How the console names the core's codes to people (statuses, clocks, channels, roles), in the page's language.

The codes stay in the database, the URLs and the pages' data-* attributes; only the words shown change. A code
without a label here is shown as it is (a new one added by the core still reads, if untranslated).
"""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext as _lp

from hotline.errors import HotlineError, InvalidPhone, InvalidTransition, UnknownServiceCode

# English labels are the codes themselves (the console showed them so before), Chinese the Beijing terms.
LABELS: dict[str, dict[str, object]] = {
    "status": {
        "new": _l("new"), "dispatched": _l("dispatched"), "signed": _l("signed"), "in_progress": _l("in_progress"),
        "resolved": _l("resolved"), "followed_up": _l("followed_up"), "closed": _l("closed"),
        "returned": _l("returned"), "reopened": _l("reopened"), "merged": _l("merged"),
        "open": _l("open"), "any": _l("any"),
    },
    "chat": {"bot": _l("bot"), "handed_off": _l("handed_off"), "agent": _l("agent"), "closed": _l("closed"),
             "open": _l("open")},
    "clock": {"sign_for": _l("sign_for"), "first_contact": _l("first_contact"), "feedback": _l("feedback"),
              "followup": _l("followup")},
    "clock_state": {"pending": _l("pending"), "met": _l("met"), "missed": _l("missed")},
    "channel": {"voice": _l("voice"), "sms": _l("sms"), "web": _l("web"), "api": _l("api"), "agent": _l("agent"),
                "open311": _l("open311")},
    "notice": {"reminder": _l("reminder"), "escalation": _l("escalation"), "whistle": _l("whistle"),
               "reopened": _l("reopened"), "callback": _l("callback"), "undeliverable": _l("undeliverable")},
    "triage": {"unclassified": _l("unclassified"), "unlocated": _l("unlocated"), "returned": _l("returned")},
    "unit_type": {"township": _l("township"), "department": _l("department"), "district": _l("district")},
    "sender": {"citizen": _l("citizen"), "agent": _l("agent"), "bot": _l("bot"), "system": _l("system")},
    "satisfaction": {"satisfied": _l("satisfied"), "basically": _l("basically"), "unsatisfied": _l("unsatisfied")},
    # The ranking's figures (the orders behind one): English as the page showed them, the measure's words.
    "measure": {"due": _l("due"), "responded": _l("responded"), "missed": _l("missed"),
                "open_overdue": _l("open overdue"), "evaluated": _l("evaluated"), "solved": _l("solved"),
                "unsolved": _l("unsolved"), "rated": _l("rated"), "satisfied": _l("satisfied"),
                "basically": _l("basically"), "unsatisfied": _l("unsatisfied")},
    # History actions have their own context: "open" the action is not "open" the status.
    "event": {
        "open": _lp("ticket history", "open"),
        "classify": _lp("ticket history", "classify"),
        "dispatch": _lp("ticket history", "dispatch"),
        "sign": _lp("ticket history", "sign"),
        "contact": _lp("ticket history", "contact"),
        "resolve": _lp("ticket history", "resolve"),
        "return": _lp("ticket history", "return"),
        "whistle": _lp("ticket history", "whistle"),
        "report_in": _lp("ticket history", "report_in"),
        "report_done": _lp("ticket history", "report_done"),
        "reassign": _lp("ticket history", "reassign"),
        "to_triage": _lp("ticket history", "to_triage"),
        "merge": _lp("ticket history", "merge"),
        "reopen": _lp("ticket history", "reopen"),
        "close": _lp("ticket history", "close"),
        "note": _lp("ticket history", "note"),
        "sms_reply": _lp("ticket history", "sms_reply"),
        "escalate": _lp("ticket history", "escalate"),
        "overdue": _lp("ticket history", "overdue"),
        "link_similar": _lp("ticket history", "link_similar"),
        "split": _lp("ticket history", "split"),
        "knowledge_answer": _lp("ticket history", "knowledge_answer"),
        "callback_requested": _lp("ticket history", "callback_requested"),
        "followup_answer": _lp("ticket history", "followup_answer"),
        "answer": _lp("ticket history", "answer"),
    },
}


def label(code: str | None, group: str) -> str:
    """The word for a code of one group (a template filter: {{ t.status|label('status') }})."""
    if code is None:
        return ""
    found = LABELS.get(group, {}).get(code)
    return str(found) if found is not None else code


def error_text(exc: HotlineError) -> str:
    """The core's refusal in the page's language where the console knows its shape, else the core's words."""
    if isinstance(exc, InvalidTransition):
        return _("This action (%(action)s) does not fit a ticket that is %(status)s.",
                 action=label(exc.action, "event"), status=label(exc.status, "status"))
    if isinstance(exc, UnknownServiceCode):
        return _("Unknown service code.")
    if isinstance(exc, InvalidPhone):
        return _("Not a valid phone number.")
    return exc.message
