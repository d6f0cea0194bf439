"""Our services and tickets in GeoReport v2 terms: open/closed, service notices, what is public and what is not."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.open311.formats import without_none
from api.open311.questions import Question
from hotline.config import Config
from hotline.privacy import redact_phones
from hotline.rules.deadlines import local
from hotline.rules.routing import strip_township_suffix, to_pinyin
from hotline.rules.taxonomy import ServiceCodeDef, Taxonomy
from hotline.store.models import (CLOSED, DISPATCHED, FOLLOWED_UP, IN_PROGRESS, MERGED, NEW, REOPENED, RESOLVED,
                                  RETURNED, SIGNED, Department, Ticket, Township)

# Our statuses in GeoReport v2's two words (house style 9: the vocabulary is translated here, at the edge).
STATUS = {NEW: "open", DISPATCHED: "open", SIGNED: "open", IN_PROGRESS: "open", RETURNED: "open",
          REOPENED: "open", RESOLVED: "closed", FOLLOWED_UP: "closed", CLOSED: "closed", MERGED: "closed"}
STATUS_NOTES = {
    NEW: ("热线正在分派", "The hotline is assigning it"),
    DISPATCHED: ("已派至承办单位", "Sent to the unit that acts"),
    SIGNED: ("承办单位已签收", "Accepted by the unit that acts"),
    IN_PROGRESS: ("正在办理", "Being handled"),
    RETURNED: ("承办单位退回，热线正在重新派单", "Returned by the unit; the hotline is re-assigning it"),
    REOPENED: ("已重新办理", "Reopened"),
    RESOLVED: ("已办结", "Done"),
    FOLLOWED_UP: ("已办结并回访", "Done and followed up"),
    CLOSED: ("已办结", "Done"),
    MERGED: ("已与同类诉求合并办理", "Handled together with a similar request"),
}
# Only what a partner's user wrote for a partner app is published word for word; a call or an SMS was told
# to the hotline in confidence, so its text, exact address and photos stay inside.
PUBLIC_TEXT_CHANNELS = ("open311",)
CLASS_NAMES = {"emergency": ("紧急", "emergency"), "livelihood": ("水电气热", "water, power, gas and heating"),
               "general": ("一般", "general"), "complex": ("疑难", "complex")}
TOWNSHIP_TYPES_EN = {"街道": "Subdistrict", "镇": "Town", "乡": "Township", "地区": "Area"}
# Place names whose usual reading is not pypinyin's first one (朝阳 the district is Chaoyang, not zhaoyang).
READINGS = {"朝阳": "chaoyang"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@dataclass(frozen=True)
class Names:
    """Reference rows a page of tickets needs, loaded once for the page."""

    townships: dict[str, Township]
    departments: dict[str, Department]
    districts: dict[str, str]
    masters: dict[int, str]  # ticket id -> reference, for merged tickets


def iso(moment: datetime | None, tz: str) -> str | None:
    """W3C date-time with the hotline's offset, to the second: 2026-11-28T16:00:00+08:00."""
    return local(moment, tz).replace(microsecond=0).isoformat() if moment else None


def duration(hours: float, lang: str) -> str:
    """2 -> "2 小时" / "2 hours"; 168 -> "7 天" / "7 days"."""
    if hours >= 48 and hours % 24 == 0:
        n, zh, en = int(hours // 24), "天", "days"
    else:
        n, zh, en = (int(hours) if float(hours).is_integer() else hours), "小时", "hours" if hours != 1 else "hour"
    return f"{n}{zh}" if lang != "en" else f"{n} {en}"


def service_notice(code: ServiceCodeDef, config: Config, lang: str) -> str:
    """The legal time limit of the service, and for emergencies the numbers to call first."""
    hours = config.time_limits.feedback_hours[code.time_limit_class]
    zh_class, en_class = CLASS_NAMES.get(code.time_limit_class, (code.time_limit_class,) * 2)
    if lang == "en":
        notice = f"The unit in charge must give feedback within {duration(hours, 'en')} ({en_class} request)."
        if code.group == "emergency":
            notice = "If a life is in danger, call 110 (police), 119 (fire) or 120 (ambulance) now. " + notice
        return notice
    notice = f"按规定，承办单位须在{duration(hours, 'zh')}内答复（{zh_class}类诉求）。"
    if code.group == "emergency":
        notice = "如有生命危险，请立即拨打110报警、119火警或120急救。" + notice
    return notice


def service(code: ServiceCodeDef, taxonomy: Taxonomy, config: Config, lang: str, has_questions: bool) -> dict:
    """One entry of GET services."""
    group = taxonomy.groups[code.group]
    keywords = code.keywords_en if lang == "en" else code.keywords_zh
    return without_none([
        ("service_code", code.code), ("service_name", code.name(lang)),
        ("description", f"{group['en' if lang == 'en' else 'zh']}: {code.name(lang)}. "
                        f"{service_notice(code, config, lang)}"),
        ("metadata", has_questions), ("type", "realtime"), ("keywords", ", ".join(keywords)),
        ("group", group["en" if lang == "en" else "zh"])])


def definition(code: ServiceCodeDef, questions: tuple[Question, ...], lang: str) -> dict:
    """GET services/<code>: the service's questions as attributes."""
    attributes = []
    for order, q in enumerate(questions, start=1):
        attributes.append(without_none([
            ("variable", True), ("code", q.code), ("datatype", q.datatype), ("required", q.required),
            ("datatype_description", q.hint(lang) or None), ("order", order), ("description", q.text(lang)),
            ("values", [{"key": key, "name": en if lang == "en" else zh} for key, zh, en in q.values] or None)]))
    return {"service_code": code.code, "attributes": attributes}


def romanised(name: str) -> str:
    """望京 -> Wangjing, 朝阳门外 -> Chaoyangmenwai."""
    for head, reading in READINGS.items():
        if name.startswith(head):
            return (reading + to_pinyin(name[len(head):])).capitalize()
    return to_pinyin(name).capitalize()


def township_name(township: Township, lang: str) -> str:
    """三里屯街道 / "Sanlitun Subdistrict"."""
    if lang != "en":
        return township.name
    short = strip_township_suffix(township.name)
    kind = TOWNSHIP_TYPES_EN.get(township.type, "")
    return f"{romanised(short)} {kind}".strip()


def district_name(name: str | None, lang: str) -> str | None:
    """朝阳区 / "Chaoyang District"."""
    if not name or lang != "en":
        return name
    return f"{romanised(name.removesuffix('区'))} District"


def agency(ticket: Ticket, names: Names, lang: str) -> str:
    """Who must act: the township or department; the hotline itself while it is still assigning."""
    if ticket.unit_type == "township" and ticket.unit_code in names.townships:
        return township_name(names.townships[ticket.unit_code], lang)
    dept = names.departments.get(ticket.unit_code or "")
    if dept is not None:
        return dept.name_en if lang == "en" else dept.name_zh
    return "12345 citizen hotline" if lang == "en" else "12345市民服务热线"


def public_text(text: str | None) -> str | None:
    """Free text as published: phone numbers and e-mail addresses masked even when a partner's user typed them."""
    if not text:
        return None
    return _EMAIL.sub("***@***", redact_phones(text))


def place(ticket: Ticket, names: Names, lang: str) -> str | None:
    """Township and district, most specific first (GeoReport v2's address order)."""
    parts = []
    if ticket.township_code in names.townships:
        parts.append(township_name(names.townships[ticket.township_code], lang))
    if ticket.district_code:
        parts.append(district_name(names.districts.get(ticket.district_code), lang))
    parts = [p for p in parts if p]
    return ", ".join(parts) if lang == "en" else "".join(reversed(parts)) or None


def status_notes(ticket: Ticket, names: Names, lang: str) -> str:
    """What the status means now; the unit's answer when the request came from a partner app."""
    zh, en = STATUS_NOTES.get(ticket.status, (ticket.status, ticket.status))
    note = en if lang == "en" else zh
    if ticket.status == MERGED and ticket.master_id in names.masters:
        ref = names.masters[ticket.master_id]
        note += f" ({ref})" if lang == "en" else f"（{ref}）"
    if ticket.resolution and ticket.channel in PUBLIC_TEXT_CHANNELS and STATUS.get(ticket.status) == "closed":
        note += f": {public_text(ticket.resolution)}" if lang == "en" else f"：{public_text(ticket.resolution)}"
    return note


def request_record(ticket: Ticket, names: Names, taxonomy: Taxonomy, config: Config, lang: str) -> dict[str, Any]:
    """One request as GET requests shows it: never the citizen's phone, e-mail or name."""
    tz = config.app.timezone
    code = taxonomy.get(ticket.service_code)
    public = ticket.channel in PUBLIC_TEXT_CHANNELS
    media = next((m.get("url") for m in ticket.media or () if isinstance(m, dict) and m.get("url")), None)
    return without_none([
        ("service_request_id", ticket.reference),
        ("status", STATUS.get(ticket.status, "open")),
        ("status_notes", status_notes(ticket, names, lang)),
        ("service_name", code.name(lang) if code else ticket.service_code),
        ("service_code", ticket.service_code),
        ("description", public_text(ticket.text) if public else None),
        ("agency_responsible", agency(ticket, names, lang)),
        ("service_notice", service_notice(code, config, lang) if code else None),
        ("requested_datetime", iso(ticket.opened_at, tz)),
        ("updated_datetime", iso(ticket.updated_at, tz)),
        ("expected_datetime", iso(ticket.due_at, tz)),
        ("address", (public_text(ticket.location_text) if public else None) or place(ticket, names, lang)),
        ("address_id", ticket.township_code),
        ("lat", ticket.lat if public else None),
        ("long", ticket.long if public else None),
        ("media_url", media if public else None),
    ])


def created(ticket: Ticket, taxonomy: Taxonomy, config: Config, lang: str) -> dict[str, Any]:
    """The answer to POST requests: the reference, and what happens next."""
    code = taxonomy.get(ticket.service_code)
    notice = service_notice(code, config, lang)
    if lang == "en":
        notice += f" Your reference is {ticket.reference}; call 12345 or GET requests/{ticket.reference} to follow it."
    else:
        notice += f"工单号 {ticket.reference}，可拨打12345或通过本接口查询办理进度。"
    return {"service_request_id": ticket.reference, "service_notice": notice}


def discovery(config: Config, changeset: str) -> dict[str, Any]:
    """GET discovery: where the v2 endpoint is and what it speaks."""
    base = config.app.public_base_url.rstrip("/")
    return without_none([
        ("changeset", changeset), ("contact", config.open311.contact or None),
        ("key_service", config.open311.key_service or None),
        ("endpoints", [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": f"{base}/open311/v2",
                        "changeset": changeset, "type": "production" if config.is_production else "test",
                        "formats": ["text/xml", "application/json"]}])])
