"""The app's Rasa client sends the auth token Rasa is served with, on every request."""
import json

from hotline.contact.rasa import RasaUnavailable
from tests.helpers import make_config, serve
from hotline.core import build_core
from hotline.wiring import make_rasa_client


class FakeRasa:
    """Answers like Rasa's HTTP API: 401 without ?token=<the token>, an empty parse otherwise."""

    def __init__(self, token):
        self.token, self.queries = token, []

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        self.queries.append(query)
        ok = f"token={self.token}" in query.split("&")
        start_response("200 OK" if ok else "401 Unauthorized", [("Content-Type", "application/json")])
        return [json.dumps({"intent": {"name": "greet", "confidence": 1.0}} if ok else {"status": "failure"}).encode()]


def test_every_request_to_rasa_carries_the_configured_token():
    fake = FakeRasa("rasa-secret-0123456789abcdef")
    with serve(fake) as url:
        client = make_rasa_client(build_core(make_config(**{"rasa.url": url, "rasa.token": "rasa-secret-0123456789abcdef"})))
        assert client.post("/model/parse", {"text": "你好"})["intent"]["name"] == "greet"
        client.post("/webhooks/rest/webhook", {"sender": "s", "message": "你好"})
    assert fake.queries == ["token=rasa-secret-0123456789abcdef"] * 2


def test_a_wrong_token_is_refused_like_rasa_down():
    fake = FakeRasa("the-right-token-0123456789")
    with serve(fake) as url:
        client = make_rasa_client(build_core(make_config(**{"rasa.url": url, "rasa.token": "a-wrong-token"})))
        try:
            client.post("/model/parse", {"text": "你好"})
        except RasaUnavailable:
            pass
        else:
            raise AssertionError("a 401 from Rasa must count as Rasa unavailable")
