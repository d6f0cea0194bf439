"""The JSON API on both databases: tickets in and out, and every bad input answered as a JSON error."""
import json

import pytest

from tests.helpers import API_TOKEN


def post(client, auth, body, **kw):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/api/v1/tickets", data=data, headers={**auth, "Content-Type": "application/json"}, **kw)


def test_opening_a_ticket_returns_its_reference_routing_and_deadline(client, auth):
    r = post(client, auth, {"text": "小区停水了，一整天都没有水", "location": "朝阳区望京", "phone": "13800138000",
                            "channel": "web", "lang": "zh"})
    assert r.status_code == 201
    t = r.get_json()
    assert t["reference"].isdigit() and len(t["reference"]) == 10
    assert t["group"] == "utilities" and t["time_limit_class"] == "livelihood"
    assert t["district"] == "110105" and t["township"] == "110105026" and t["township_name"] == "望京街道"
    assert t["due_at"].endswith("+08:00")
    assert t["status"] == "dispatched" and t["department"]
    assert t["master_reference"] is None


def test_a_ticket_can_be_read_back_by_reference(client, auth):
    ref = post(client, auth, {"text": "路灯坏了", "location": "望京"}).get_json()["reference"]
    r = client.get(f"/api/v1/tickets/{ref}", headers=auth)
    assert r.status_code == 200 and r.get_json()["reference"] == ref


def test_an_unknown_reference_is_a_json_404(client, auth):
    r = client.get("/api/v1/tickets/9999999999", headers=auth)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_the_same_external_id_returns_the_first_ticket_with_200(client, auth):
    body = {"text": "路灯坏了", "location": "望京", "external_id": "bot-msg-1", "channel": "web"}
    first = post(client, auth, body)
    again = post(client, auth, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["reference"] == again.get_json()["reference"]


def test_a_similar_ticket_names_its_master(client, auth):
    a = post(client, auth, {"text": "望京西路工地半夜施工噪音太大", "location": "望京"}).get_json()
    b = post(client, auth, {"text": "望京西路工地半夜施工，噪音很大", "location": "望京"}).get_json()
    assert b["master_reference"] == a["reference"]


def test_tickets_are_listed_by_phone_newest_first_and_paginated(client, auth):
    refs = [post(client, auth, {"text": f"路灯坏了 第{i}盏", "location": "望京", "phone": "13800138000"})
            .get_json()["reference"] for i in range(3)]
    post(client, auth, {"text": "路灯坏了", "location": "望京", "phone": "13900139000"})
    r = client.get("/api/v1/tickets?phone=%2B8613800138000&per_page=2", headers=auth).get_json()
    assert [t["reference"] for t in r["tickets"]] == refs[::-1][:2] and r["next_page"] == 2
    r2 = client.get("/api/v1/tickets?phone=13800138000&per_page=2&page=2", headers=auth).get_json()
    assert [t["reference"] for t in r2["tickets"]] == [refs[0]] and r2["next_page"] is None


def test_tickets_are_filtered_by_status_and_since(client, auth):
    post(client, auth, {"text": "路灯坏了", "location": "望京"})
    assert len(client.get("/api/v1/tickets?status=open", headers=auth).get_json()["tickets"]) == 1
    assert client.get("/api/v1/tickets?status=closed", headers=auth).get_json()["tickets"] == []
    future = client.get("/api/v1/tickets?since=2999-01-01T00:00:00%2B08:00", headers=auth).get_json()
    assert future["tickets"] == []


@pytest.mark.parametrize("body, status, code", [
    ({}, 400, "missing_text"),
    ({"text": ""}, 400, "missing_text"),
    ({"text": "   "}, 400, "missing_text"),
    ({"text": "x" * 4001}, 400, "text_too_long"),
    ({"text": 42}, 400, "wrong_type"),
    ({"text": "路灯坏了", "phone": "not-a-phone"}, 400, "invalid_phone"),
    ({"text": "路灯坏了", "phone": 13800138000}, 400, "wrong_type"),
    ({"text": "路灯坏了", "service_code": "NOPE-1"}, 400, "unknown_service_code"),
    ({"text": "路灯坏了", "lang": "fr"}, 400, "invalid_input"),
    ({"text": "路灯坏了", "conversation_id": "seven"}, 400, "wrong_type"),
    (b'{"text": "\xff\xfe bad"}', 400, "invalid_encoding"),
    (b"[1, 2]", 400, "invalid_json"),
    (b"{not json", 400, "invalid_json"),
])
def test_bad_input_gets_a_json_error_never_a_500(client, auth, body, status, code):
    r = post(client, auth, body)
    assert r.status_code == status, r.data
    assert r.get_json()["error"]["code"] == code
    assert r.get_json()["error"]["message"]


def test_unknown_fields_are_ignored(client, auth):
    r = post(client, auth, {"text": "路灯坏了", "location": "望京", "partner_field": {"x": 1}})
    assert r.status_code == 201


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"},
                                     {"X-Api-Key": API_TOKEN[:-1]}])
def test_a_missing_or_wrong_token_is_401_and_writes_nothing(client, auth, headers):
    r = client.post("/api/v1/tickets", json={"text": "路灯坏了"}, headers=headers)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/tickets", headers=auth).get_json()["tickets"] == []


def test_the_api_key_header_is_accepted_too(client):
    r = client.post("/api/v1/tickets", json={"text": "路灯坏了"}, headers={"X-Api-Key": API_TOKEN})
    assert r.status_code == 201


@pytest.mark.parametrize("query", ["page=0", "per_page=100000", "page=abc", "since=yesterday",
                                   "phone=12"])
def test_bad_list_parameters_are_400(client, auth, query):
    r = client.get(f"/api/v1/tickets?{query}", headers=auth)
    assert r.status_code == 400 and "error" in r.get_json()


def test_unknown_api_paths_and_methods_are_json(client, auth):
    assert client.get("/api/v1/nothing", headers=auth).get_json()["error"]["code"] == "not_found"
    r = client.delete("/api/v1/tickets", headers=auth)
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_healthz_reports_the_database_without_auth(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok"}
