"""Every Twilio webhook, fuzzed with hypothesis: properly signed requests with arbitrary form fields get valid TwiML,
no 5xx and no error in the log; the same requests with a wrong signature are refused (403) and touch nothing."""
import logging
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.clocks import callback_requests
from hotline.store.models import Message, Ticket
from hotline.work import lifecycle as tickets
from tests.fuzz.counts import record
from tests.ivr.conftest import make_ivr_app
from tests.ivr.support import NOW, SignedClient
from tests.factories import dispatched

VOICE_STEPS = ["", "/menu", "/what", "/where", "/callback-number", "/callback-number-keys", "/emergency", "/transfer",
               "/dial-result", "/voicemail", "/agent", "/hold", "/hold-choice", "/queue-result", "/status-more",
               "/status-ref", "/status"]
# path template -> examples (bounded; every run sends the same ones: derandomized)
ENDPOINTS = {"/twilio/sms": 60, "/twilio/sms/status": 20, "/twilio/fallback": 15,
             **{f"/twilio/voice{step}": 12 for step in VOICE_STEPS},
             "/twilio/voice/followup/{ticket}": 12, "/twilio/voice/followup/{ticket}/solved": 12,
             "/twilio/voice/followup/{ticket}/satisfied": 12, "/twilio/voice/callback/{callback}/agent": 12,
             "/twilio/voice/callback/{callback}/citizen": 12, "/twilio/voice/callback/{callback}/result": 12,
             "/twilio/voice/callback/{callback}/agent/status": 12}
# A 5xx or logged error the fuzzer finds in a file another engineer is rewriting (ivr/sms.py, ivr/voice.py):
# path template -> the bug, as a strict expected failure (the report lists them for the turn rewrite).
KNOWN_BUGS: dict[str, str] = {}

# Text a caller or Twilio might send: any Unicode, control characters included, and now and then a NUL.
TEXT = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
                 st.text(max_size=20).map(lambda t: t.replace("\ud800", "") + "\x00"))
DIGITS = st.text(alphabet="0123456789*#", max_size=12)
PHONES = st.one_of(st.sampled_from(["+8613800138000", "+8613912345678", "13800138000", "+14155550100",
                                    "client:anonymous", "", "+", "+86 138 0013 8000", "whatsapp:+8613800138000"]),
                   TEXT)
SIDS = st.one_of(st.from_regex(r"\A(CA|SM|MM|RE)[0-9a-f]{32}\Z"), TEXT)
KNOWN_FIELDS = {
    "CallSid": SIDS, "MessageSid": SIDS, "SmsSid": SIDS, "AccountSid": SIDS, "From": PHONES, "To": PHONES,
    "Body": TEXT, "Digits": DIGITS | TEXT, "SpeechResult": TEXT, "Confidence": st.sampled_from(["0.9", "x", "-1", ""]),
    "CallStatus": st.sampled_from(["ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"])
    | TEXT, "Direction": st.sampled_from(["inbound", "outbound-api"]) | TEXT,
    "RecordingUrl": st.sampled_from(["https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", ""]) | TEXT,
    "RecordingDuration": st.sampled_from(["0", "12", "99999999999999999999", "-3"]) | TEXT,
    "NumMedia": st.sampled_from(["0", "1", "10", "999999999999", "-1"]) | TEXT,
    "MediaUrl0": st.sampled_from(["https://api.twilio.com/m.jpg", "javascript:alert(1)"]) | TEXT,
    "MediaContentType0": TEXT, "MessageStatus": st.sampled_from(["delivered", "undelivered", "failed"]) | TEXT,
    "ErrorCode": st.sampled_from(["30003", ""]) | TEXT, "DialCallStatus": st.sampled_from(["completed", "busy"]) | TEXT,
    "QueueResult": st.sampled_from(["bridged", "hangup"]) | TEXT, "CallDuration": DIGITS,
}
FORMS = st.fixed_dictionaries({}, optional={**KNOWN_FIELDS}).flatmap(
    lambda known: st.dictionaries(TEXT.filter(lambda k: k and k not in KNOWN_FIELDS), TEXT, max_size=3).map(
        lambda extra: {**known, **extra}))
QUERIES = st.sampled_from(["", "try=0", "try=1", "solved=1&try=0", "try=99999999999999999999", "lang=en", "x=%E4%B8%AD"])


class ErrorLog(logging.Handler):
    """Counts ERROR records: a webhook that crashed and apologised still logged an exception."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def world(db):
    """A resolved ticket (the follow-up survey's target) and a callback being placed."""
    with db.session() as s:
        t = dispatched(s, db.core, NOW)
        tickets.sign(s, t, actor="user:1", now=NOW)
        tickets.resolve(s, t, resolution="已处理", actor="user:1", now=NOW)
        cb = callback_requests.request_callback(s, phone="+8613800138000", source="ivr", now=NOW, reason="fuzz")
        cb.status = callback_requests.CALLING
        return {"ticket": t.id, "callback": cb.id}


def _is_twiml(body: bytes) -> bool:
    root = ET.fromstring(body)
    return root.tag == "Response"


def _rows(db) -> tuple[int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Ticket)), s.scalar(select(func.count()).select_from(Message)))


@pytest.mark.parametrize("template", [
    pytest.param(t, marks=pytest.mark.xfail(reason=KNOWN_BUGS[t], strict=True)) if t in KNOWN_BUGS else t
    for t in ENDPOINTS])
def test_signed_webhooks_with_arbitrary_fields_answer_twiml_and_forged_ones_are_refused(db, world, template):
    app = make_ivr_app(db)
    signed = SignedClient(app.test_client())
    forger = SignedClient(app.test_client(), token="not-the-twilio-token")
    path = template.format(**world)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)

    @settings(max_examples=ENDPOINTS[template], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(form=FORMS, query=QUERIES)
    def run(form, query):
        before = _rows(db)
        forged = forger.post(path, query, **form)
        record("forged", forged.status_code)
        assert forged.status_code == 403 and _rows(db) == before, "a forged request got through"
        r = signed.post(path, query, **form)
        record("twilio", r.status_code)
        assert r.status_code < 500, (path, query, form, r.status_code)
        assert r.status_code == 200 and r.mimetype == "text/xml" and _is_twiml(r.get_data()), (path, form)
        assert not errors.records, f"{path} logged an error for {form!r}: {errors.records[0].getMessage()}"

    try:
        run()
    finally:
        logging.getLogger().removeHandler(errors)
