"""The outbox sender against the spec-validating fake Twilio: once per key, backoff, alerts, quiet hours, opt-outs."""
import dataclasses
import socket
import time
from collections import Counter
from datetime import timedelta

import pytest

from callbacks.jobs import Runtime, drain_outbox
from callbacks.pool import SendPool
from callbacks.sweep import record_outcomes, recover_in_doubt, sweep_outbox
from hotline.delivery import outbox
from hotline.delivery.telephony import TwilioTelephony
from hotline.store.models import Citizen
from tests.fakes.fake_twilio import FakeTwilioHttpClient
from tests.helpers import at
from tests.scheduler_helpers import ACCOUNT, CITIZEN, HOTLINE, notifications, outbound, with_twilio

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing
S = timedelta(seconds=1)


def queue(db, *messages, urgent=False, now=NOW):
    with db.session() as s:
        for key, to, body in messages:
            outbox.enqueue(s, key=key, kind="sms", to=to, body=body, purpose="notice", urgent=urgent, now=now)


def test_a_queued_sms_is_sent_once_with_a_status_callback_and_its_sid_is_recorded(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    queue(svc, ("k1", CITIZEN, "您的工单已办理"), ("k1", CITIZEN, "duplicate key: ignored"))

    assert sweep_outbox(svc, NOW) == 1
    assert sweep_outbox(svc, NOW + S) == 0

    [sent] = fake_twilio.messages_to(CITIZEN)
    assert sent["Body"] == "您的工单已办理"
    assert sent["StatusCallback"] == "https://hotline.example.org/twilio/sms/status"
    [row] = outbound(session)
    assert row.status == "sent" and row.provider_sid.startswith("SM") and row.sent_at == NOW and row.attempts == 1


def test_the_scheduler_sends_on_its_pool_and_records_every_outcome_in_batches(db, session, fake_twilio):
    # The outbox job as the scheduler runs it (real clock): send_only on the pool, record_outcomes in batches.
    svc = with_twilio(db, fake_twilio, **{"quiet_hours.start": "00:00", "quiet_hours.end": "00:00"})
    long_ago = at("2000-01-01 00:00")  # due whatever the real clock says
    queue(svc, *[(f"k{i}", f"+86138001380{i:02d}", f"message {i}") for i in range(6)], now=long_ago)
    fake_twilio.fail_next(1, status=503)  # one retryable failure goes through the same queue
    rt = Runtime(svc, SendPool(3))
    try:
        drain_outbox(rt)
    finally:
        rt.pool.shutdown()  # as the scheduler does at exit: the sends in flight finish ...
        record_outcomes(svc, rt.outcomes, at("2000-01-01 00:01"))  # ... and their outcomes are written

    rows = outbound(session)
    assert sorted(r.status for r in rows) == ["queued"] + ["sent"] * 5
    assert all(r.provider_sid.startswith("SM") for r in rows if r.status == "sent")
    [retry] = [r for r in rows if r.status == "queued"]
    assert retry.attempts == 1 and "503" in retry.last_error
    assert len(fake_twilio.requests) == 6 and rt.outcomes.empty()


def test_twilio_errors_are_retried_with_exponential_backoff(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)  # backoff 30 s, doubling
    queue(svc, ("k1", CITIZEN, "hello"))
    fake_twilio.fail_next(2, status=503)

    sweep_outbox(svc, NOW)
    [row] = outbound(session)
    first_retry = row.next_attempt_at
    sweep_outbox(svc, NOW + 29 * S)  # too early: nothing sent
    tries_before_due = len(fake_twilio.requests)
    sweep_outbox(svc, NOW + 30 * S)
    [row] = outbound(session)
    second_retry = row.next_attempt_at
    sweep_outbox(svc, NOW + 90 * S)

    assert first_retry == NOW + 30 * S and tries_before_due == 1
    assert second_retry == NOW + 90 * S
    [row] = outbound(session)
    assert row.status == "sent" and row.attempts == 3
    assert len(fake_twilio.messages_to(CITIZEN)) == 1


def test_after_max_attempts_a_message_is_undeliverable_and_the_city_desk_is_alerted(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio, **{"outbox.max_attempts": 2})
    queue(svc, ("k1", CITIZEN, "hello"))
    fake_twilio.down = True

    sweep_outbox(svc, NOW)
    sweep_outbox(svc, NOW + 30 * S)
    sweep_outbox(svc, NOW + 3600 * S)

    [row] = outbound(session)
    assert row.status == "undeliverable" and row.attempts == 2 and row.next_attempt_at is None
    assert "503" in row.last_error
    [alert] = notifications(session, kind="undeliverable")
    assert alert.audience_type == "city" and "8000" in alert.message and CITIZEN not in alert.message


def test_a_number_twilio_refuses_is_not_retried(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    queue(svc, ("k1", fake_twilio.INVALID_NUMBER, "hello"))

    sweep_outbox(svc, NOW)
    sweep_outbox(svc, NOW + 3600 * S)

    [row] = outbound(session)
    assert row.status == "failed" and row.attempts == 1 and "21211" in row.last_error
    assert len(notifications(session, kind="undeliverable")) == 1


def test_quiet_hours_hold_ordinary_messages_until_eight_but_not_emergencies(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    night = at("2026-11-28 15:00")  # 23:00 in Beijing
    queue(svc, ("ordinary", CITIZEN, "ordinary"), now=night)
    queue(svc, ("urgent", "+8613800138001", "gas leak"), urgent=True, now=night)

    sweep_outbox(svc, night)
    at_night = Counter(r["params"]["Body"] for r in fake_twilio.requests)
    sweep_outbox(svc, at("2026-11-28 23:59"))  # 07:59
    before_eight = Counter(r["params"]["Body"] for r in fake_twilio.requests)
    sweep_outbox(svc, at("2026-11-29 00:00"))  # 08:00

    assert at_night == {"gas leak": 1} and before_eight == {"gas leak": 1}
    assert Counter(r["params"]["Body"] for r in fake_twilio.requests) == {"gas leak": 1, "ordinary": 1}


def test_an_opted_out_number_gets_no_sms_even_if_it_opted_out_after_queueing(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    queue(svc, ("k1", CITIZEN, "before opt-out"))
    with svc.session() as s:
        s.add(Citizen(phone=CITIZEN, sms_opted_out=True, created_at=NOW))
    queue(svc, ("k2", CITIZEN, "after opt-out"))

    sweep_outbox(svc, NOW)

    assert fake_twilio.requests == []
    assert [r.status for r in outbound(session)] == ["suppressed", "suppressed"]


def test_status_callbacks_move_delivery_state_forward_only_and_alert_on_failure(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    queue(svc, ("k1", CITIZEN, "one"), ("k2", "+8613800138001", "two"))
    sweep_outbox(svc, NOW)
    one, two = outbound(session)

    with svc.session() as s:
        outbox.record_status(s, one.provider_sid, outbox.DELIVERED, now=NOW + S)
        outbox.record_status(s, one.provider_sid, outbox.SENT, now=NOW + 2 * S)  # late and out of order
        outbox.record_status(s, two.provider_sid, outbox.UNDELIVERED, "carrier said no (error 30003)", now=NOW + S)
        unknown = outbox.record_status(s, "SM" + "f" * 32, outbox.DELIVERED, now=NOW + S)

    one, two = outbound(session)
    assert one.status == "delivered" and unknown is None
    assert two.status == "undelivered" and "30003" in two.last_error
    [alert] = notifications(session, kind="undeliverable")
    assert alert.message.endswith("(error 30003)")


def test_a_delivery_report_must_be_in_the_outboxs_own_words():
    for foreign in ("read", "failed", "Delivered", "", "canceled"):
        with pytest.raises(ValueError, match="not a delivery report"):
            outbox.record_status(None, "SM" + "f" * 32, foreign, now=NOW)  # refused before any query


def test_twilio_down_for_thirty_seconds_then_back_delivers_everything_exactly_once(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio, **{"outbox.backoff_base_s": 2, "outbox.backoff_max_s": 16})
    queue(svc, *[(f"k{i}", f"+86138001380{i:02d}", f"message {i}") for i in range(40)])
    fake_twilio.down = True

    for second in range(30):  # one sweep a second on the injected clock, Twilio answering 503
        sweep_outbox(svc, NOW + second * S)
    fake_twilio.down = False
    for second in range(30, 90):
        sweep_outbox(svc, NOW + second * S)

    accepted = Counter(r["params"]["Body"] for r in fake_twilio.requests if r["status"] == 201)
    assert accepted == {f"message {i}": 1 for i in range(40)}
    assert {r.status for r in outbound(session)} == {"sent"}
    assert notifications(session, kind="undeliverable") == []


def test_a_send_a_crash_left_in_doubt_is_checked_with_twilio_before_it_is_sent_again(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio, **{"scheduler.claim_lease_s": 60})
    queue(svc, ("reached", CITIZEN, "reached Twilio"), ("lost", "+8613800138001", "never left"))
    with svc.session() as s:  # a scheduler claims both, sends one, and is killed before recording anything
        reached, lost = outbox.claim_due(s, now=NOW, limit=10, quiet=False, lease_s=60)
    svc.telephony.send_sms(reached.to, reached.body)

    early = recover_in_doubt(svc, NOW + 59 * S)
    recovered = recover_in_doubt(svc, NOW + 60 * S)
    sweep_outbox(svc, NOW + 61 * S)

    assert early == 0 and recovered == 2
    assert len(fake_twilio.messages_to(CITIZEN)) == 1
    assert len(fake_twilio.messages_to("+8613800138001")) == 1
    rows = {r.idempotency_key: r for r in outbound(session)}
    assert rows["reached"].status == "sent" and rows["reached"].attempts == 1
    assert rows["lost"].status == "sent" and rows["lost"].attempts == 2


def test_an_sms_whose_answer_timed_out_is_checked_with_twilio_and_never_sent_twice(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio, **{"outbox.backoff_base_s": 5})
    svc = dataclasses.replace(svc, telephony=TwilioTelephony(ACCOUNT, "token", HOTLINE,
                                                             http_client=fake_twilio.http_client(timeout=0.3)))
    queue(svc, ("slow", CITIZEN, "Twilio took it but answered too late"))
    fake_twilio.delay_s = 0.8  # longer than the client waits: the message is created, the answer is lost

    sweep_outbox(svc, NOW)
    [row] = outbound(session)
    assert row.status == "sending" and "ReadTimeout" in row.last_error  # in doubt, not queued to send again
    fake_twilio.delay_s = 0
    wait_for = time.monotonic() + 5
    while not fake_twilio.messages_to(CITIZEN) and time.monotonic() < wait_for:
        time.sleep(0.05)  # the fake finishes the slow request after the client gave up

    assert sweep_outbox(svc, NOW + 10 * S) == 0
    assert recover_in_doubt(svc, NOW + 4 * S) == 0  # not before the backoff
    assert recover_in_doubt(svc, NOW + 5 * S) == 1
    sweep_outbox(svc, NOW + 20 * S)

    assert len(fake_twilio.messages_to(CITIZEN)) == 1
    [row] = outbound(session)
    assert row.status == "sent" and row.attempts == 1 and row.provider_sid.startswith("SM")


def test_an_sms_twilio_never_saw_is_retried_at_once_after_the_backoff(db, session, fake_twilio):
    svc = dataclasses.replace(with_twilio(db, fake_twilio), telephony=TwilioTelephony(
        ACCOUNT, "token", HOTLINE, http_client=FakeTwilioHttpClient(f"http://127.0.0.1:{nobody_listens()}", timeout=1)))
    queue(svc, ("refused", CITIZEN, "nobody listening"))

    sweep_outbox(svc, NOW)

    [row] = outbound(session)
    assert row.status == "queued" and row.next_attempt_at == NOW + 30 * S  # a refused connection sent nothing


def test_a_timed_out_last_attempt_ends_undeliverable_instead_of_waiting_in_doubt_for_ever(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio, **{"outbox.max_attempts": 1})
    svc = dataclasses.replace(svc, telephony=TwilioTelephony(ACCOUNT, "token", HOTLINE,
                                                             http_client=fake_twilio.http_client(timeout=0.3)))
    queue(svc, ("last", CITIZEN, "one try only"))
    fake_twilio.delay_s = 0.8

    sweep_outbox(svc, NOW)

    [row] = outbound(session)
    assert row.status == "undeliverable" and row.next_attempt_at is None
    assert [n.kind for n in notifications(session)] == ["undeliverable"]


def nobody_listens() -> int:
    """A loopback port with nothing behind it (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
