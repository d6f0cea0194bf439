"""The chat API's contract with the built-in dialogue (no Rasa): turns, agents, repeats and bad input."""
import pytest
from sqlalchemy import func, select

from hotline.store.conversations import record_message
from hotline.store.db import utcnow
from hotline.store.models import Conversation, Message, Ticket


def post(client, **body):
    return client.post("/chat/api/messages", json=body)


def test_a_first_message_starts_a_conversation_and_is_stored_with_the_replies(client, db):
    resp = post(client, text="There is no water in my building", lang="en")
    data = resp.get_json()
    assert resp.status_code == 200 and len(data["conversation_id"]) <= 64 and "." in data["conversation_id"]
    assert "Where" in data["replies"][0]["text"]
    with db.session() as s:
        conv = s.scalars(select(Conversation)).one()
        assert (conv.channel, conv.external_id, conv.lang) == ("web", data["conversation_id"], "en")
        assert [(m.direction, m.sender) for m in conv.messages] == [("in", "citizen"), ("out", "bot")]


def test_the_built_in_dialogue_files_a_web_complaint_and_links_it(client, db):
    cid = post(client, text="望京小区停水了")
    cid = cid.get_json()["conversation_id"]
    answer = post(client, conversation_id=cid, text="13800138000").get_json()
    assert answer["ticket"]["reference"] in answer["replies"][0]["text"]
    with db.session() as s:
        conv = s.scalars(select(Conversation)).one()
        assert conv.ticket_id is not None


def test_a_repeated_client_message_is_answered_from_history_not_twice(client, db):
    first = post(client, text="路灯坏了好几天了", client_message_id="m1").get_json()
    again = post(client, conversation_id=first["conversation_id"], text="路灯坏了好几天了",
                 client_message_id="m1").get_json()
    assert again["replies"][0]["text"] == first["replies"][0]["text"]
    with db.session() as s:
        assert len(s.scalars(select(Message).where(Message.direction == "in")).all()) == 1


def test_a_handed_off_chat_sends_the_citizen_to_the_agent_and_the_agents_replies_back(client, db):
    cid = post(client, text="转人工").get_json()["conversation_id"]
    waiting = post(client, conversation_id=cid, text="请问多久能处理").get_json()
    assert waiting["replies"] == [] and waiting["status"] == "handed_off"
    with db.session() as s:
        conv = s.scalars(select(Conversation)).one()
        mine_id = record_message(s, conv, direction="out", body="您好，我是客服", now=utcnow(), sender="agent")[0]
        record_message(s, conv, direction="out", body="bot text is not polled", now=utcnow(), sender="bot")
    polled = client.get(f"/chat/api/messages?conversation_id={cid}&after=0").get_json()
    assert [m["text"] for m in polled["messages"]] == ["您好，我是客服"] and polled["last_message_id"] == mine_id
    assert client.get(f"/chat/api/messages?conversation_id={cid}&after={mine_id}").get_json()["messages"] == []


@pytest.mark.parametrize("text, expected", [("", "请输入"), ("   ", "请输入"), ("🙏🙏😡", "文字"),
                                            ("停" * 5000, "太长"), ("\u0000", "文字")])
def test_bad_input_gets_a_sensible_answer(client, db, text, expected):
    resp = post(client, text=text, lang="zh")
    assert resp.status_code == 200 and expected in resp.get_json()["replies"][0]["text"]
    with db.session() as s:
        assert s.scalar(select(Message.id)) is None


@pytest.mark.parametrize("body", [[1, 2], {"text": 5}, {"text": "hi", "conversation_id": "../../etc"},
                                  {"text": "hi", "client_message_id": "x" * 200}])
def test_malformed_requests_get_a_json_error(client, body):
    resp = client.post("/chat/api/messages", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] in ("invalid_json", "invalid_field")


def test_polling_an_unknown_conversation_is_a_json_404(client, db):
    resp = client.get("/chat/api/messages?conversation_id=nosuchconversation")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


def test_the_demo_page_embeds_the_widget_with_one_script_tag(client):
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.srcs, self.lang = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                self.srcs.append(dict(attrs).get("src"))
            if tag == "html":
                self.lang = dict(attrs).get("lang")

    for query, lang in (("", "zh-CN"), ("?lang=en", "en")):
        parser = Scripts()
        parser.feed(client.get("/" + query).get_data(as_text=True))
        assert parser.srcs == ["/chat/widget.js"] and parser.lang == lang
    js = client.get("/chat/widget.js")
    assert js.status_code == 200 and "javascript" in js.content_type
    assert "innerHTML" not in js.get_data(as_text=True)
    assert client.get("/chat/widget.css").status_code == 200


def test_a_made_up_or_forged_conversation_id_starts_its_own_conversation_never_joins_another(client, db):
    real = post(client, text="望京小区停水了").get_json()["conversation_id"]
    raw, _, sig = real.partition(".")
    for fake in ("abcdefgh", raw, f"{raw}.{sig[:-2]}xx", real[:20] + "-" * 5):
        answer = post(client, conversation_id=fake, text="13800138000").get_json()
        assert answer["conversation_id"] not in (fake, real) and "ticket" not in answer
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
    assert client.get(f"/chat/api/messages?conversation_id={raw}").status_code == 404


@pytest.mark.parametrize("raw, status", [
    ('{"text": "\\ud800"}', 200), ("[" * 50_000, 400), ('{"text": "停水\\u0000了"}', 200)])
def test_odd_json_is_answered_in_the_chats_terms(client, db, raw, status):
    resp = client.post("/chat/api/messages", data=raw, content_type="application/json")
    assert resp.status_code == status and resp.is_json


def test_polling_after_a_huge_message_id_is_a_json_400(client, db):
    cid = post(client, text="望京小区停水了").get_json()["conversation_id"]
    resp = client.get(f"/chat/api/messages?conversation_id={cid}&after=99999999999999999999")
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "after"


def test_only_listed_sites_may_use_the_chat_from_a_browser(db):
    from app import create_app
    from tests.scheduler_helpers import with_config
    svc = with_config(db, **{"chat.allowed_origins": ["https://www.beijing.gov.cn"]})
    client = create_app(svc.config, svc).test_client()
    body = {"text": "望京小区停水了"}
    listed = client.post("/chat/api/messages", json=body, headers={"Origin": "https://www.beijing.gov.cn"})
    assert listed.status_code == 200
    assert listed.headers["Access-Control-Allow-Origin"] == "https://www.beijing.gov.cn"
    foreign = client.post("/chat/api/messages", data='{"text": "燃气泄漏"}', content_type="text/plain",
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.get_json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in foreign.headers
    preflight = client.options("/chat/api/messages", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    own = client.post("/chat/api/messages", json=body, headers={"Origin": "http://localhost"})
    assert own.status_code == 200
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.body == "燃气泄漏")) == 0


def test_a_shared_position_answers_where_with_the_township_around_it(client, db):
    cid = post(client, text="路灯坏了好几天了").get_json()["conversation_id"]
    # Sanlitun Taikoo Li, 朝阳区三里屯街道.
    where = post(client, conversation_id=cid, text="", position={"lat": 39.9367, "long": 116.4551}).get_json()
    assert "手机" in where["replies"][0]["text"]  # the place was taken: on to how to call back
    with db.session() as s:
        body = s.scalars(select(Message).where(Message.direction == "in").order_by(Message.id.desc())).first().body
        assert "[39.93670,116.45510]" in body


@pytest.mark.parametrize("position", [{"lat": 200, "long": 1}, {"lat": "x", "long": 1}, [1, 2], {"lat": 1}])
def test_a_bad_position_is_a_json_400(client, position):
    resp = post(client, text="", position=position)
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "position"


def test_one_client_flooding_the_chat_gets_a_json_429_with_retry_after(client, db):
    answers = [client.post("/chat/api/messages", json={"text": f"小区路灯坏了{i}"}) for i in range(31)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    limited = answers[30]
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    other = client.post("/chat/api/messages", json={"text": "路灯坏了"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # another client is not held back
