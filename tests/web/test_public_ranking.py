"""The public monthly ranking and its open data: every township and department, the console's figures, no login."""
from __future__ import annotations

import csv
import io

from hotline.assessment import kpis
from hotline.assessment.public_figures import COLUMNS
from tests.factories import H, SANLITUN, WANGJING, walk
from tests.helpers import at
from tests.web.public_support import personal_data, tracked_ticket

AS_OF = at("2026-12-20 00:00")


def _world(app, db):
    app.config["HOTLINE_CLOCK"] = lambda: AS_OF
    with db.session() as s:
        walk(s, db.core, opened=at("2026-11-03 10:00"), sign=1 * H, contact=2 * H, resolve=5 * H, followup=30 * H)
        walk(s, db.core, opened=at("2026-11-04 10:00"), text="夜里广场舞音响太吵")
        walk(s, db.core, township=SANLITUN, opened=at("2026-11-04 10:00"), sign=3 * H, contact=4 * H)
        tracked_ticket(s, db.core)


def _expected(db, month, unit_type):
    with db.session() as s:
        return [r.as_dict() for r in kpis.ranking(s, month=month, unit_type=unit_type,
                                                   config=db.config.assessment, as_of=AS_OF)]


def test_the_ranking_lists_every_township_and_department_without_a_login(app, client, db):
    _world(app, db)
    r = client.get("/ranking/2026-11")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    towns, depts = _expected(db, "2026-11", "township"), _expected(db, "2026-11", "department")
    assert len(towns) >= 343 and html.count('<tr data-unit="') == len(towns) + len(depts)
    assert f'<tr data-unit="{WANGJING}"' in html and "望京街道" in html and "响应率" in html
    # Fewer orders due than assessment.min_orders_ranked: listed, marked, not ranked.
    assert "不排名" in html and f"少于{db.config.assessment.min_orders_ranked}件" in html
    assert "/open-data/ranking/2026-11.csv" in html and "/open-data/ranking/2026-11.json" in html


def test_the_ranking_without_a_month_is_the_last_finished_month_and_speaks_english(app, client, db):
    _world(app, db)
    html = client.get("/ranking?lang=en").get_data(as_text=True)
    assert "2026-11" in html and "Response rate" in html and "unranked" in html
    assert "wangjingjiedao" in html and "How this is computed" in html


def test_no_personal_data_or_complaint_text_on_the_ranking_or_in_the_open_data(app, client, db):
    _world(app, db)
    for path in ("/ranking/2026-11", "/ranking/2026-11?lang=en", "/open-data/ranking/2026-11.csv",
                 "/open-data/ranking/2026-11.json"):
        body = client.get(path).get_data(as_text=True)
        for secret in [*personal_data(), "夜里广场舞音响太吵", "楼上邻居深夜噪音扰民"]:
            assert secret not in body, (path, secret)


def test_the_json_open_data_is_the_kpis_of_the_month(app, client, db):
    _world(app, db)
    body = client.get("/open-data/ranking/2026-11.json").get_json()
    assert body["month"] == "2026-11" and body["complete"] is True and body["columns"] == list(COLUMNS)
    expected = _expected(db, "2026-11", "township") + _expected(db, "2026-11", "department")
    assert [u["unit_code"] for u in body["units"]] == [e["unit_code"] for e in expected]
    for got, want in zip(body["units"], expected):
        assert {k: got[k] for k in want if k in COLUMNS} == {k: want[k] for k in want if k in COLUMNS}
    wangjing = next(u for u in body["units"] if u["unit_code"] == WANGJING)
    assert wangjing["due"] == 3 and wangjing["responded"] == 2 and wangjing["unit_name_en"] == "wangjingjiedao"


def test_the_csv_open_data_is_utf8_with_a_bom_and_the_same_figures(app, client, db):
    _world(app, db)
    r = client.get("/open-data/ranking/2026-11.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    expected = _expected(db, "2026-11", "township") + _expected(db, "2026-11", "department")
    assert len(rows) == len(expected)
    by_code = {row["unit_code"]: row for row in rows}
    for want in expected:
        got = by_code[want["unit_code"]]
        for k in ("rank", "score", "response_rate", "response_ci_low", "due", "responded", "evaluated", "rated"):
            assert got[k] == ("" if want[k] is None else str(want[k])), (want["unit_code"], k)
        assert got["ranked"] == str(want["ranked"]).lower()


def test_months_not_yet_begun_or_malformed_are_404_and_the_running_month_is_marked(app, client, db):
    _world(app, db)
    for path in ("/ranking/2027-01", "/ranking/2026-13", "/ranking/26-11", "/ranking/x",
                 "/open-data/ranking/2027-01.json", "/open-data/ranking/2026-1.csv", "/open-data/ranking/2026-11.xml"):
        assert client.get(path).status_code == 404, path
    html = client.get("/ranking/2026-12").get_data(as_text=True)
    assert "本月尚未结束" in html
    assert client.get("/open-data/ranking/2026-12.json").get_json()["complete"] is False


def test_the_ranking_may_be_cached_briefly(app, client, db):
    _world(app, db)
    r = client.get("/ranking/2026-11")
    assert r.headers["Cache-Control"] == "public, max-age=300" and "Cookie" in r.headers["Vary"]
    assert client.get("/ranking/2026-11?lang=en").headers["Cache-Control"].startswith("private")
    assert client.get("/open-data/ranking/2026-11.json").headers["Cache-Control"] == "public, max-age=300"


def test_the_home_page_links_to_the_public_ranking_in_both_languages(client):
    assert 'href="/ranking?lang=zh"' in client.get("/").get_data(as_text=True)
    assert 'href="/ranking?lang=en"' in client.get("/?lang=en").get_data(as_text=True)
