"""GET requests and requests/<id>: open/closed, the feedback deadline, filters, the 90-day window, pages, privacy."""
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from api.open311.serializers import STATUS
from hotline.store.models import OPEN_STATUSES, Ticket
from hotline.work import lifecycle
from hotline.work.intake import IntakeRequest, open_ticket
from tests.helpers import PARTNER_TOKENS, at
from tests.open311.support import JURISDICTION, ROOT, Partner, checked

NOW = at("2026-03-02 02:00")  # 10:00 in Beijing
SANLITUN = "110105004"
HEATING = {"service_code": "UTL-HEATING", "attribute[indoor_temperature]": "15",
           "address_string": "朝阳区三里屯街道幸福村中路 12 号楼", "description": "暖气片冰凉，家里只有15度",
           "lat": "39.9385", "long": "116.4469", "media_url": "https://photos.example.org/radiator.jpg"}
PRIVATE = ("13800138000", "+8613800138000", "张伟", "zhang.wei@example.cn", "zhang.wei")


@pytest.fixture
def clock(app):
    """The Open311 endpoint reads this literal clock."""
    moments = [NOW]
    app.extensions["open311_clock"] = lambda: moments[0]
    return moments


def voice_ticket(db, text, location, *, when, phone="13900139000", code=None):
    with db.session() as s:
        t, _ = open_ticket(s, IntakeRequest(text=text, location=location, phone=phone, channel="voice",
                                            service_code=code), now=when, core=db.core)
        return t.reference


def raw(live_server, path, **params):
    r = requests.get(f"{live_server}{ROOT}/{path}", params=params, timeout=10)
    checked(r)
    return r


def test_a_filed_request_reads_back_open_with_the_feedback_deadline_as_expected_datetime(
        partner, georeport, clock, db):
    ref = partner.file(**HEATING, phone="13800138000", first_name="伟", last_name="张", email="zhang.wei@example.cn")
    got = georeport.get_service_request(ref)
    assert got["service_request_id"] == ref
    assert (got["status"], got["status_notes"]) == ("open", "已派至承办单位")
    assert (got["service_code"], got["service_name"]) == ("UTL-HEATING", "供暖不热")
    assert got["description"] == HEATING["description"]
    assert got["agency_responsible"] == "北京市热力集团有限责任公司"
    assert got["requested_datetime"] == "2026-03-02T10:00:00+08:00"
    assert got["expected_datetime"] == "2026-03-03T10:00:00+08:00"  # the 24-hour feedback deadline
    assert got["updated_datetime"] == "2026-03-02T10:00:00+08:00"
    assert (got["address"], got["address_id"]) == (HEATING["address_string"], SANLITUN)
    assert (got["lat"], got["long"]) == (39.9385, 116.4469)
    assert got["media_url"] == HEATING["media_url"]
    assert "24小时" in got["service_notice"]
    with db.session() as s:
        due = s.scalar(select(Ticket.due_at).where(Ticket.reference == ref))
    assert due == at("2026-03-03 02:00")


def test_no_answer_ever_carries_the_citizens_phone_e_mail_or_name(partner, live_server, clock):
    ref = partner.file(**{**HEATING, "description": "暖气不热，联系我 13800138000 或 zhang.wei@example.cn"},
                       phone="13800138000", first_name="伟", last_name="张", email="zhang.wei@example.cn")
    bodies = [raw(live_server, f"requests/{ref}.{fmt}").text for fmt in ("json", "xml")]
    bodies += [raw(live_server, f"requests.{fmt}").text for fmt in ("json", "xml")]
    for body in bodies:
        assert ref in body
        for secret in PRIVATE:
            assert secret not in body, (secret, body[:300])
    assert "*******8000" in bodies[0]  # the number the citizen typed into the description is masked


def test_a_phone_call_is_listed_without_its_words_or_exact_address(partner, live_server, clock, db):
    ref = voice_ticket(db, "我家楼下饭馆夜里一直很吵，我叫李四", "朝阳区三里屯街道工体北路8号院", when=NOW - timedelta(hours=1))
    [got] = checked(requests.get(f"{live_server}{ROOT}/requests/{ref}.json", timeout=10))
    assert got["service_request_id"] == ref and got["status"] == "open"
    assert "description" not in got and "media_url" not in got and "lat" not in got
    assert got["address"] == "朝阳区三里屯街道"  # the township, not 工体北路8号院
    en = requests.get(f"{live_server}{ROOT}/requests/{ref}.json", headers={"Accept-Language": "en"}, timeout=10)
    assert checked(en)[0]["address"] == "Sanlitun Subdistrict, Chaoyang District"


def test_every_internal_status_maps_to_open_or_closed():
    statuses = {target for _starts, target in lifecycle.TRANSITIONS.values() if target} | {"new"}
    assert statuses <= set(STATUS)
    assert {s for s, v in STATUS.items() if v == "open"} == set(OPEN_STATUSES)


def test_a_resolved_request_is_closed_with_the_units_answer_and_a_merged_one_names_its_master(
        partner, georeport, clock, db):
    ref = partner.file(**HEATING)
    other = partner.file(**{**HEATING, "description": "暖气还是不热"})
    with db.session() as s:
        t = lifecycle.get_ticket(s, ref)
        lifecycle.sign(s, t, actor="test", now=NOW + timedelta(minutes=10))
        lifecycle.resolve(s, t, resolution="已更换阀门，室温恢复到20度", actor="test", now=NOW + timedelta(hours=3))
        lifecycle.merge(s, lifecycle.get_ticket(s, other), t, actor="test", now=NOW + timedelta(hours=3))
    got = georeport.get_service_request(ref)
    assert (got["status"], got["updated_datetime"]) == ("closed", "2026-03-02T13:00:00+08:00")
    assert got["status_notes"] == "已办结：已更换阀门，室温恢复到20度"
    merged = georeport.get_service_request(other)
    assert merged["status"] == "closed" and ref in merged["status_notes"]


def test_the_list_filters_by_code_status_and_ids(partner, georeport, clock, db):
    heat = partner.file(**HEATING)
    light = partner.file(service_code="URB-LIGHT", address_string="望京", description="路灯不亮")
    done = voice_ticket(db, "小区门口路灯坏了", "望京", when=NOW - timedelta(days=1))
    with db.session() as s:
        t = lifecycle.get_ticket(s, done)
        lifecycle.sign(s, t, actor="test", now=NOW - timedelta(hours=20))
        lifecycle.resolve(s, t, resolution="已修复", actor="test", now=NOW - timedelta(hours=2))
    assert [r["service_request_id"] for r in georeport.get_service_requests(service_code="URB-LIGHT")] == [light, done]
    assert {r["service_request_id"] for r in georeport.get_service_requests(service_code="URB-LIGHT,UTL-HEATING")} \
        == {heat, light, done}
    [closed] = georeport.get_service_requests(status="closed")
    assert (closed["service_request_id"], closed["status"]) == (done, "closed")
    assert len(georeport.get_service_requests(status="open")) == 2
    assert len(georeport.get_service_requests(status="open,closed")) == 3
    picked = georeport.get_service_requests(service_request_id=f"{light},9999999999,{heat},x'--",
                                            service_code="EMG-GAS")  # ids override every other filter
    assert [r["service_request_id"] for r in picked] == [light, heat]


def test_the_window_is_the_last_90_days_unless_asked_and_never_longer(partner, georeport, clock, db, live_server):
    old = voice_ticket(db, "路灯不亮", "望京", when=NOW - timedelta(days=100))
    recent = voice_ticket(db, "路灯坏了", "望京", when=NOW - timedelta(days=80))
    assert [r["service_request_id"] for r in georeport.get_service_requests()] == [recent]
    between = georeport.get_service_requests(start_date="2025-11-01T00:00:00+08:00",
                                             end_date="2025-11-30T00:00:00+08:00")
    assert [r["service_request_id"] for r in between] == [old]
    only_start = georeport.get_service_requests(start_date="2025-11-01T00:00:00Z")  # start + 90 days
    assert [r["service_request_id"] for r in only_start] == [recent, old]
    too_long = requests.get(f"{live_server}{ROOT}/requests.json", timeout=10,
                            params={"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"})
    assert too_long.status_code == 400 and "90 days" in checked(too_long)[0]["description"]
    backwards = requests.get(f"{live_server}{ROOT}/requests.xml", timeout=10,
                             params={"start_date": "2026-02-01", "end_date": "2026-01-01"})
    assert backwards.status_code == 400 and checked(backwards)[0]["description"].startswith("start_date")


def test_pages_follow_the_link_header(partner, live_server, clock, db):
    refs = [voice_ticket(db, f"路灯不亮 {i}", "望京", when=NOW - timedelta(hours=i + 1)) for i in range(5)]
    seen, url = [], f"{live_server}{ROOT}/requests.json?page_size=2&jurisdiction_id={JURISDICTION}"
    while url:
        r = requests.get(url, timeout=10)
        page = checked(r)
        assert len(page) <= 2
        seen += [p["service_request_id"] for p in page]
        link = r.headers.get("Link")
        url = f"{live_server}{ROOT}/" + link[1:link.index(">")] if link else None
    assert seen == refs  # newest first, each once
    too_big = requests.get(f"{live_server}{ROOT}/requests.json", params={"page_size": "1001"}, timeout=10)
    assert too_big.status_code == 400


def test_an_unknown_request_is_a_404_in_both_formats(live_server, clock):
    for path in ("requests/2606100001.json", "requests/2606100001.xml", "requests/abc.json", "tokens/1.xml"):
        r = requests.get(f"{live_server}{ROOT}/{path}", timeout=10)
        assert r.status_code == 404, path
        assert checked(r)[0]["code"] == 404


def test_a_request_reads_the_same_in_xml_and_json(partner, live_server, clock):
    from georeport import GeoReport
    ref = partner.file(**HEATING)
    xml_client = GeoReport(live_server + ROOT, jurisdiction=JURISDICTION, output_format="xml")
    from_xml = xml_client.get_service_request(ref)
    [from_json] = raw(live_server, f"requests/{ref}.json").json()
    assert {k: str(v) for k, v in from_json.items()} == dict(from_xml)


def test_a_token_is_the_request_id_itself(partner, live_server, clock):
    ref = partner.file(**HEATING)
    assert checked(requests.get(f"{live_server}{ROOT}/tokens/{ref}.json", timeout=10)) == \
        [{"service_request_id": ref, "token": ref}]


def test_a_wrong_jurisdiction_is_404_for_requests_too(live_server, clock):
    fixit = Partner(live_server, PARTNER_TOKENS["fixit"])
    [error] = fixit.post({"jurisdiction_id": "sf.gov", "service_code": "URB-LIGHT", "address_string": "望京"},
                         status=404)
    assert "jurisdiction_id" in error["description"]
    r = requests.get(f"{live_server}{ROOT}/requests.xml", params={"jurisdiction_id": "sf.gov"}, timeout=10)
    assert r.status_code == 404
