"""The citizen's tracking page: by unguessable token only, the whole record, no personal data."""
from __future__ import annotations

from sqlalchemy import event, select

from hotline.rules.tracking import is_tracking_token, tracking_url
from hotline.store.models import Ticket
from hotline.work import lifecycle
from tests.factories import ticket
from tests.helpers import PUBLIC, at
from tests.web.public_support import (ANSWER, DEPARTMENTS, NOW, OPENED, personal_data, tracked_ticket)


def _seed(db, **kw):
    with db.session() as s:
        t = tracked_ticket(s, db.core, **kw)
        return t.reference, t.tracking_token


def _page(client, token, lang=None):
    return client.get(f"/t/{token}" + (f"?lang={lang}" if lang else ""))


def test_every_ticket_gets_its_own_unguessable_token_in_its_insert(db, session):
    statements = []
    listener = lambda conn, cursor, sql, params, context, many: statements.append(sql)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        first = ticket(session, db.core, at("2026-11-03 02:00"))
        second = ticket(session, db.core, at("2026-11-03 02:01"), text="路灯不亮了")
        session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert is_tracking_token(first.tracking_token) and is_tracking_token(second.tracking_token)
    assert first.tracking_token != second.tracking_token
    assert first.reference not in first.tracking_token
    # The token rides in the ticket's own INSERT: no other statement names it.
    naming = [s for s in statements if "tracking_token" in s]
    assert naming and all(s.lstrip().upper().startswith("INSERT INTO TICKETS") for s in naming)


def test_a_merged_ticket_keeps_a_token_of_its_own(db, session):
    master = ticket(session, db.core, at("2026-11-03 02:00"))
    copy = ticket(session, db.core, at("2026-11-03 03:00"), text="楼上太吵了，天天噪音扰民，晚上也吵")
    lifecycle.merge(session, copy, master, actor="user:1", now=at("2026-11-03 04:00"))
    session.flush()
    assert copy.tracking_token != master.tracking_token
    assert tracking_url(PUBLIC, copy) == f"{PUBLIC}/t/{copy.tracking_token}"


def test_the_tracking_page_shows_the_whole_record_in_chinese(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    ref, token = _seed(db)
    r = _page(client, token)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert ref in html and "望京街道" in html and "生活噪声扰民" in html
    assert "吹哨报到" in html and "事不完，人不走" in html and "2个部门中已有2个办结" in html
    assert "北京市生态环境局" in html and "超时" in html  # the second department reported in an hour late
    assert "安装油烟净化器" in html and "基本满意" in html and "已解决" in html


def test_the_tracking_page_speaks_english_on_request(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    ref, token = _seed(db)
    html = _page(client, token, "en").get_data(as_text=True)
    assert f"Ticket {ref}" in html and "Whistle and report" in html and "2 of 2 done" in html
    assert "Beijing Municipal Ecology and Environment Bureau" in html and "Basically satisfied" in html


def test_no_personal_data_reaches_the_tracking_page(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    _ref, token = _seed(db)
    for lang in ("zh", "en"):
        html = _page(client, token, lang).get_data(as_text=True)
        for secret in personal_data():
            assert secret not in html, (lang, secret)
        assert "*******8000" in html  # the answer's phone number, masked but there
        assert "请王小明协助" not in html and "已处罚" not in html  # the whistles' own words stay inside


def test_the_page_is_never_cached_sent_on_or_indexed(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    _ref, token = _seed(db)
    r = _page(client, token)
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in r.headers["X-Robots-Tag"]


def test_a_wrong_token_or_a_reference_is_a_404(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    ref, token = _seed(db)
    wrong = ("A" if token[0] != "A" else "B") + token[1:]
    for path in (f"/t/{wrong}", f"/t/{ref}", "/t/", f"/t/{token}x", f"/t/{token[:-1]}", "/t/%00",
                 f"/tickets/{ref}", f"/track/{ref}", f"/t/{'x' * 5000}"):
        assert client.get(path).status_code == 404, path


def test_an_open_ticket_shows_who_is_still_to_report_done(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    _ref, token = _seed(db, finish=False)
    html = _page(client, token).get_data(as_text=True)
    assert "2个部门中已有1个办结" in html and "未办结" in html and "尚未答复" in html


def test_the_page_opens_in_the_language_the_citizen_spoke(app, client, db):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    with db.session() as s:
        t = ticket(s, db.core, OPENED, text="There is no water in my building", location="Wangjing, Chaoyang",
                   lang="en")
        token = t.tracking_token
    assert "Answer due by" in _page(client, token).get_data(as_text=True)
    assert "答复时限" in client.get(f"/t/{token}?lang=zh").get_data(as_text=True)


def test_the_api_shows_the_tracking_url_and_the_whistles(app, client, db, auth):
    ref, token = _seed(db)
    body = client.get(f"/api/v1/tickets/{ref}", headers=auth).get_json()
    assert body["tracking_url"] == f"{PUBLIC}/t/{token}"
    assert [w["department"] for w in body["whistles"]] == list(DEPARTMENTS)
    first, second = body["whistles"]
    assert set(first) == {"department", "department_name", "summoned_at", "report_due_at", "reported_at", "done_at"}
    assert first["department_name"] == "北京市生态环境局"
    assert first["summoned_at"] == "2026-11-03T13:00:00+08:00" and first["report_due_at"] == "2026-11-03T15:00:00+08:00"
    assert first["reported_at"] == "2026-11-03T14:00:00+08:00" and second["reported_at"] == "2026-11-03T16:00:00+08:00"
    assert second["done_at"] == "2026-11-05T02:00:00+08:00"
    (listed,) = client.get("/api/v1/tickets", headers=auth).get_json()["tickets"]
    assert listed["tracking_url"] == body["tracking_url"] and "whistles" not in listed


def test_the_answer_on_the_page_is_the_one_given(db, session):
    from hotline.work.tracking import mask_answer
    assert mask_answer(ANSWER).count("*******") == 2 and "2026-12-01" in mask_answer("2026-12-01 已修复")
