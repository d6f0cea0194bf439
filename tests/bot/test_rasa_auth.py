"""Rasa is served with --auth-token: its HTTP API (trackers hold phone numbers) answers nobody without it."""
import pytest
import requests

pytestmark = pytest.mark.rasa


def test_rasas_api_refuses_requests_without_the_token(rasa_stack):
    assert requests.get(f"{rasa_stack.url}/status", timeout=10).status_code == 401
    tracker = requests.get(f"{rasa_stack.url}/conversations/hotline-someone/tracker", timeout=10)
    assert tracker.status_code == 401
    assert requests.put(f"{rasa_stack.url}/model", json={"model_file": "/tmp/evil.tar.gz"},
                        timeout=10).status_code == 401
    assert requests.get(f"{rasa_stack.url}/status", params={"token": rasa_stack.token}, timeout=10).ok


def test_the_apps_rasa_client_reaches_the_protected_api_with_the_token(bot_services):
    parsed = bot_services.dialogue.client.post("/model/parse", {"text": "小区门口的垃圾好几天没人清运了"})
    assert parsed["intent"]["name"]  # a 401 would have raised RasaUnavailable
    assert bot_services.dialogue.client.available
