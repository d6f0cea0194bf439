"""No log line of a run of typical requests names a citizen's phone number, whatever goes wrong."""
import logging

import pytest
from sqlalchemy import insert

from hotline.store.db import utcnow
from hotline.store.models import Ticket
from tests.ivr.conftest import make_ivr_app
from tests.ivr.support import SignedClient

PHONE = "13800138000"
SPELLINGS = (PHONE, "+86" + PHONE, "138 0013 8000", "138-0013-8000")


def _everything_logged(caplog) -> str:
    out = []
    for record in caplog.records:
        out.append(record.getMessage())
        if record.exc_info:
            out.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            out.append(record.exc_text)
    return "\n".join(out)


def test_a_run_of_typical_requests_logs_no_phone_number(db, caplog, auth):
    caplog.set_level(logging.DEBUG)
    app = make_ivr_app(db)
    client = app.test_client()
    twilio = SignedClient(app.test_client())
    # A partner files and looks up by phone, with the filter mistakes partners make.
    assert client.post("/api/v1/tickets", json={"text": "望京街道小区停水了", "phone": PHONE}, headers=auth).status_code == 201
    assert client.get(f"/api/v1/tickets?phone={PHONE}", headers=auth).status_code == 200
    assert client.get(f"/api/v1/tickets?phone={PHONE}&chat_id=abc", headers=auth).status_code == 400
    assert client.get(f"/api/v1/tickets?phone={PHONE}&since=0001-01-01T00:00:00%2B14:00",
                      headers=auth).status_code == 400
    assert client.post("/api/v1/tickets", json={"text": f"请回电{PHONE}", "phone": PHONE, "conversation_id": 424242},
                       headers=auth).status_code == 400
    # A citizen texts, opts out, asks for help, and a forged request arrives.
    for i, body in enumerate(("望京街道小区停水了", "STOP", "帮助", f"我的电话{PHONE}")):
        assert twilio.post("/twilio/sms", MessageSid=f"SM{i:032d}", From="+86" + PHONE, To="+8610123",
                           Body=body).status_code == 200
    assert app.test_client().post("/twilio/sms", data={"From": "+86" + PHONE, "Body": "x"}).status_code == 403
    logged = _everything_logged(caplog)
    assert caplog.records, "the run logged nothing at all: the test would prove nothing"
    for spelling in SPELLINGS:
        assert spelling not in logged


def test_a_database_error_names_neither_the_phone_nor_the_complaint(db, caplog):
    """A foreign-key violation's message (what the app logs as the cause of a 500) carries no parameters."""
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("hotline")
    with pytest.raises(Exception) as failure:
        with db.session() as s:
            s.execute(insert(Ticket).values(
                reference="2699900001", status="new", kind="complaint", group="urban", service_code="NO-SUCH-CODE",
                time_limit_class="general", channel="api", text=f"秘密投诉内容 {PHONE}", unit_type="city",
                callback_phone="+86" + PHONE, opened_at=utcnow(), due_at=utcnow(), updated_at=utcnow(),
                version=1, classified_by="keywords", confidence=0.0, needs_triage=False, lang="zh",
                location_text="", media=[]))
    log.error("unhandled error", exc_info=failure.value)
    logged = _everything_logged(caplog) + str(failure.value)
    assert "FOREIGN KEY" in logged.upper() or "foreign key" in logged
    assert PHONE not in logged and "秘密投诉内容" not in logged
