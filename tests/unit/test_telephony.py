"""The Telephony port against a spec-validating fake Twilio."""

import logging

import pytest
import requests

from hotline.privacy import mask_phone
from hotline.delivery.telephony import DevOutbox, SendResult, TelephonyError, TwilioTelephony, make_telephony
from tests.fakes.fake_twilio import FakeTwilio

ACCOUNT = "AC" + "0" * 32
HOTLINE = "+861012345"
CITIZEN = "+8613812345678"
CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"


@pytest.fixture
def telephony(fake_twilio):
    return TwilioTelephony(ACCOUNT, "token", HOTLINE, http_client=fake_twilio.http_client())


def test_a_chinese_sms_reaches_twilio_with_to_from_and_body_and_passes_the_spec(fake_twilio, telephony):
    body = "您的工单号 2024-0001 已受理，我们会在24小时内联系您。"

    result = telephony.send_sms(CITIZEN, body, status_callback="https://hotline.example/sms/status")

    assert result.sid.startswith("SM") and len(result.sid) == 34
    assert result.status == "queued"
    [sent] = fake_twilio.messages_to(CITIZEN)
    assert sent["From"] == HOTLINE
    assert sent["Body"] == body
    assert sent["StatusCallback"] == "https://hotline.example/sms/status"
    assert fake_twilio.invalid == []


def test_media_urls_are_sent_as_repeated_media_url_parameters(fake_twilio, telephony):
    telephony.send_sms(CITIZEN, "现场照片", media_urls=["https://a.example/1.jpg", "https://a.example/2.jpg"])

    [sent] = fake_twilio.messages_to(CITIZEN)
    assert sent["MediaUrl"] == ["https://a.example/1.jpg", "https://a.example/2.jpg"]


def test_a_call_with_url_and_status_callback_passes_the_spec(fake_twilio, telephony):
    result = telephony.place_call(CITIZEN, url="https://hotline.example/voice/followup",
                                  status_callback="https://hotline.example/voice/status", timeout_s=25)

    assert result.sid.startswith("CA") and result.status == "queued"
    [call] = fake_twilio.calls_to(CITIZEN)
    assert call["Url"] == "https://hotline.example/voice/followup"
    assert call["StatusCallback"] == "https://hotline.example/voice/status"
    assert call["Timeout"] == "25"
    assert fake_twilio.invalid == []


def test_a_live_call_can_be_redirected_to_new_twiml(fake_twilio, telephony):
    placed = telephony.place_call(CITIZEN, url="https://hotline.example/voice/hold")

    result = telephony.update_call(placed.sid, url="https://hotline.example/voice/bridge")

    assert result.sid == placed.sid
    assert fake_twilio.requests[-1]["params"] == {"Url": "https://hotline.example/voice/bridge"}
    assert fake_twilio.invalid == []


def test_the_magic_invalid_number_raises_21211_and_is_not_retryable(fake_twilio, telephony):
    with pytest.raises(TelephonyError) as caught:
        telephony.send_sms(FakeTwilio.INVALID_NUMBER, "测试")

    assert caught.value.code == 21211
    assert caught.value.status == 400
    assert caught.value.retryable is False


def test_the_error_message_does_not_carry_the_full_number(fake_twilio, telephony):
    with pytest.raises(TelephonyError) as caught:
        telephony.place_call(FakeTwilio.INVALID_NUMBER, url="https://hotline.example/voice")

    assert FakeTwilio.INVALID_NUMBER not in str(caught.value)
    assert "0001" in str(caught.value)


def test_a_503_from_twilio_is_retryable_and_the_next_attempt_succeeds(fake_twilio, telephony):
    fake_twilio.fail_next(1, status=503)

    with pytest.raises(TelephonyError) as caught:
        telephony.send_sms(CITIZEN, "您好")
    assert caught.value.retryable is True
    assert caught.value.status == 503

    assert telephony.send_sms(CITIZEN, "您好").status == "queued"
    assert len(fake_twilio.messages_to(CITIZEN)) == 1


def test_a_429_rate_limit_is_retryable(fake_twilio, telephony):
    fake_twilio.fail_next(1, status=429)

    with pytest.raises(TelephonyError) as caught:
        telephony.send_sms(CITIZEN, "您好")

    assert caught.value.retryable is True and caught.value.code == 20429


def test_twilio_down_is_retryable(fake_twilio, telephony):
    fake_twilio.down = True

    with pytest.raises(TelephonyError) as caught:
        telephony.place_call(CITIZEN, url="https://hotline.example/voice")

    assert caught.value.retryable is True
    assert fake_twilio.calls_to(CITIZEN) == []


def test_a_reply_slower_than_the_client_timeout_is_retryable(fake_twilio):
    slow = TwilioTelephony(ACCOUNT, "token", HOTLINE, http_client=fake_twilio.http_client(), timeout_s=0.3)
    fake_twilio.delay_s = 2

    with pytest.raises(TelephonyError) as caught:
        slow.send_sms(CITIZEN, "您好")

    assert caught.value.retryable is True
    assert caught.value.code is None
    assert caught.value.in_doubt is True  # the request went out: Twilio may have the message


def test_an_unreachable_twilio_is_retryable():
    with FakeTwilio() as fake:
        client = fake.http_client()
    # The fake has stopped: nothing listens on its port any more.
    tel = TwilioTelephony(ACCOUNT, "token", HOTLINE, http_client=client, timeout_s=2)

    with pytest.raises(TelephonyError) as caught:
        tel.send_sms(CITIZEN, "您好")

    assert caught.value.retryable is True
    assert caught.value.in_doubt is False  # refused: nothing left, sending again is safe


def test_the_dev_outbox_is_chosen_without_credentials_and_records_the_message():
    tel = make_telephony(None, "", HOTLINE)

    result = tel.send_sms(CITIZEN, "您的工单已办结")

    assert isinstance(tel, DevOutbox)
    assert result.sid.startswith("DEV") and result.status == "dev"
    assert tel.sent[-1]["to"] == CITIZEN
    assert tel.sent[-1]["body"] == "您的工单已办结"
    assert tel.sent[-1]["sid"] == result.sid


def test_full_credentials_choose_twilio(fake_twilio):
    tel = make_telephony(ACCOUNT, "token", HOTLINE, http_client=fake_twilio.http_client())

    assert isinstance(tel, TwilioTelephony)
    assert isinstance(tel.send_sms(CITIZEN, "您好"), SendResult)


def test_mask_phone_keeps_only_the_last_four_digits():
    assert mask_phone("+8613812345678") == "+*********5678"
    assert mask_phone(None) == ""


def test_logs_never_show_the_full_number(fake_twilio, telephony, caplog):
    with caplog.at_level(logging.DEBUG, logger="hotline"):
        telephony.send_sms(CITIZEN, "您好")
        make_telephony(None, None, None).send_sms(CITIZEN, "您好")

    assert "5678" in caplog.text
    assert CITIZEN not in caplog.text


def _raw_post(fake, path, data, auth=(ACCOUNT, "token")):
    return requests.post(fake.base_url + path, data=data, auth=auth, timeout=5)


@pytest.mark.parametrize("data, code", [
    ({"To": CITIZEN, "From": HOTLINE}, 21604),                                  # no Url/Twiml/ApplicationSid
    ({"To": CITIZEN, "Url": "https://x.example/v"}, 21604),                     # From missing: spec "required"
    ({"To": CITIZEN, "From": HOTLINE, "Url": "https://x.example/v", "Timeout": "soon"}, 21604),  # not an integer
    ({"To": CITIZEN, "From": HOTLINE, "Url": "https://x.example/v", "Timout": "30"}, 21604),     # typo
], ids=["no-twiml-source", "no-from", "timeout-not-integer", "unknown-parameter"])
def test_an_invalid_call_request_is_refused_and_recorded(fake_twilio, data, code):
    response = _raw_post(fake_twilio, CALLS, data)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["status"] == 400
    [invalid] = fake_twilio.take_invalid()
    assert invalid["params"] == data
    assert fake_twilio.requests == []


def test_a_message_without_body_or_media_is_refused_like_twilio(fake_twilio):
    response = _raw_post(fake_twilio, f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
                         {"To": CITIZEN, "From": HOTLINE})

    assert response.status_code == 400 and response.json()["code"] == 21602
    assert len(fake_twilio.take_invalid()) == 1


def test_a_request_without_basic_auth_is_refused(fake_twilio):
    response = _raw_post(fake_twilio, CALLS, {"To": CITIZEN, "From": HOTLINE, "Url": "https://x.example/v"},
                         auth=None)

    assert response.status_code == 401 and response.json()["code"] == 20003
    assert len(fake_twilio.take_invalid()) == 1


def test_a_sent_message_can_be_fetched_back(fake_twilio, telephony):
    sid = telephony.send_sms(CITIZEN, "您好").sid

    response = requests.get(f"{fake_twilio.base_url}/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
                            auth=(ACCOUNT, "token"), timeout=5)

    assert response.status_code == 200
    assert response.json()["body"] == "您好"
    assert response.json()["num_segments"] == "1"


def test_a_number_that_is_not_e164_is_refused_like_twilio(fake_twilio, telephony):
    with pytest.raises(TelephonyError) as caught:
        telephony.send_sms("13812345678", "您好")  # national format, no +86

    assert caught.value.code == 21211 and caught.value.retryable is False
