"""The URLs the core is handed (ivr/webhooks.py) are the ones the ivr's routes answer."""
from urllib.parse import urlsplit

from app import create_app
from ivr.webhooks import twilio_webhooks
from tests.helpers import PUBLIC, make_config


def endpoint(app, url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC, url
    return app.url_map.bind("hotline.example.org").match(parts.path, method="POST")


def test_every_webhook_url_of_the_scheduler_is_a_route_of_the_ivr():
    app = create_app(make_config())
    urls = twilio_webhooks(PUBLIC + "/")  # a trailing slash in PUBLIC_BASE_URL changes nothing

    assert endpoint(app, urls.sms_status) == ("ivr_sms.sms_status", {})
    assert endpoint(app, urls.followup_call(7)) == ("ivr_followup.survey", {"ticket_id": "7"})
    assert endpoint(app, urls.callback_call(3, "agent")) == ("ivr_followup.callback_agent", {"cb_id": "3"})
    assert endpoint(app, urls.callback_call(3, "citizen")) == ("ivr_followup.callback_citizen", {"cb_id": "3"})
    assert endpoint(app, urls.call_status(urls.callback_call(3, "agent"))) == (
        "ivr_followup.callback_status", {"cb_id": "3", "leg": "agent"})
