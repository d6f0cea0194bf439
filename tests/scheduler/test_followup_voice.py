"""The voice side of calls the scheduler places: the 回访 survey and callbacks, with signed webhooks and parsed TwiML."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from callbacks.sweep import sweep_callbacks, sweep_deadlines
from hotline.work import lifecycle as tickets
from hotline.store.models import CallbackRequest, Ticket
from tests.factories import dispatched
from tests.helpers import at
from tests.ivr.support import PUBLIC, SignedClient, app_on, ivr_services, local_path, spoken, twiml
from tests.scheduler_helpers import CITIZEN, done_reading, notifications, outbound

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing
H = timedelta(hours=1)
AGENT = "+8613900139000"


def signed_client(svc, moment=NOW):
    return SignedClient(app_on(svc, moment).test_client())


@pytest.fixture
def answered(db, session):
    ticket = dispatched(session, db.core, NOW)
    tickets.sign(session, ticket, actor="user:1", now=NOW + H)
    tickets.resolve(session, ticket, resolution="已处理", actor="user:1", now=NOW + 2 * H)
    session.commit()
    return ticket


def call_params(**extra):
    return {"CallSid": "CA" + "2" * 32, "AccountSid": "AC" + "0" * 32, "From": "+861012345", "To": CITIZEN,
            "Direction": "outbound-api", "CallStatus": "in-progress", **extra}


def fresh(session, model, ident):
    session.expire_all()
    return done_reading(session, session.get(model, ident))


def test_the_survey_asks_solved_then_satisfied_and_stores_both_answers(db, session, answered):
    tw = signed_client(ivr_services(db), NOW + 3 * H)

    first = twiml(tw.post(f"/twilio/voice/followup/{answered.id}", **call_params()))
    gather = first.find("Gather")
    second = twiml(tw.post(local_path(gather.get("action")), **call_params(Digits="1")))
    third = twiml(tw.post(local_path(second.find("Gather").get("action")), **call_params(Digits="2")))

    assert "解决了吗" in spoken(first) and gather.get("numDigits") == "1" and gather.get("input") == "speech dtmf"
    assert urlsplit(gather.get("action")).path == f"/twilio/voice/followup/{answered.id}/solved"
    assert "满意吗" in spoken(second)
    assert "感谢" in spoken(third) and third.find("Hangup") is not None
    t = fresh(session, Ticket, answered.id)
    assert (t.status, t.followup_solved, t.followup_satisfaction) == ("followed_up", True, "basically")
    assert t.followed_up_at == NOW + 3 * H


def test_not_solved_by_voice_reopens_the_ticket(db, session, answered):
    tw = signed_client(ivr_services(db))

    second = twiml(tw.post(f"/twilio/voice/followup/{answered.id}/solved", "try=0", **call_params(Digits="2")))
    third = twiml(tw.post(local_path(second.find("Gather").get("action")), **call_params(Digits="3")))

    assert "重新办理" in spoken(third)
    t = fresh(session, Ticket, answered.id)
    assert (t.status, t.followup_solved, t.followup_satisfaction) == ("reopened", False, "unsatisfied")
    assert len(notifications(session, kind="reopened")) == 1


def test_an_unclear_key_is_asked_again_once_then_the_call_ends_politely(db, session, answered):
    tw = signed_client(ivr_services(db))

    again = twiml(tw.post(f"/twilio/voice/followup/{answered.id}/solved", "try=0", **call_params(Digits="7")))
    last = twiml(tw.post(local_path(again.find("Gather").get("action")), **call_params(Digits="")))

    assert "没有听清" in spoken(again) and "解决了吗" in spoken(again)
    assert last.find("Gather") is None and last.find("Hangup") is not None
    assert fresh(session, Ticket, answered.id).status == "resolved"


def test_an_unsigned_survey_answer_is_refused_and_changes_nothing(db, session, answered):
    client = app_on(ivr_services(db)).test_client()

    response = client.post(f"/twilio/voice/followup/{answered.id}/satisfied?solved=0", data=call_params(Digits="3"))

    assert response.status_code == 403
    assert fresh(session, Ticket, answered.id).status == "resolved"


def test_a_survey_already_answered_by_sms_just_says_thank_you(db, session, answered):
    with db.session() as s:
        tickets.record_followup(s, s.get(Ticket, answered.id), solved=True, satisfaction="satisfied",
                                actor="citizen", now=NOW + 3 * H)
    tw = signed_client(ivr_services(db))

    root = twiml(tw.post(f"/twilio/voice/followup/{answered.id}", **call_params()))

    assert root.find("Gather") is None and "感谢" in spoken(root)


# -- callbacks ---------------------------------------------------------------------------------------


def callback(db, **fields):
    with db.session() as s:
        cb = CallbackRequest(phone=CITIZEN, source="ivr", requested_at=NOW, next_attempt_at=NOW, updated_at=NOW,
                             **fields)
        s.add(cb)
        s.flush()
        return cb.id


def test_a_due_callback_rings_the_on_duty_agent_first_and_the_agent_leg_bridges_the_citizen(db, session):
    svc = ivr_services(db, **{"twilio.agent_number": AGENT})
    cb_id = callback(svc)

    sweep_callbacks(svc, NOW)
    [call] = outbound(session, purpose="callback")
    tw = signed_client(svc)
    root = twiml(tw.post(local_path(call.url), **call_params(To=AGENT)))

    assert call.kind == "call" and call.to == AGENT
    assert call.url == f"{PUBLIC}/twilio/voice/callback/{cb_id}/agent"
    dial = root.find("Dial")
    assert dial.find("Number").text == CITIZEN and dial.get("timeout") == "30"
    assert "8000" in spoken(root)
    done = twiml(tw.post(local_path(dial.get("action")), **call_params(To=AGENT, DialCallStatus="completed")))
    assert done.find("Hangup") is not None
    assert fresh(session, CallbackRequest, cb_id).status == "done"


def test_without_an_agent_number_the_citizen_is_rung_and_queued_for_an_agent(db, session):
    svc = ivr_services(db)
    callback(svc)

    sweep_callbacks(svc, NOW)
    [call] = outbound(session, purpose="callback")
    root = twiml(signed_client(svc).post(local_path(call.url), **call_params()))

    assert call.to == CITIZEN
    assert root.find("Enqueue").text == "hotline" and "回电" in spoken(root)


def test_outside_the_citizens_window_a_callback_waits_for_the_window(db, session):
    svc = ivr_services(db, **{"twilio.agent_number": AGENT})
    cb_id = callback(svc, window_start="18:00", window_end="21:00")

    sweep_callbacks(svc, NOW)  # 10:00 in Beijing

    assert outbound(session, purpose="callback") == []
    assert fresh(session, CallbackRequest, cb_id).next_attempt_at == at("2026-11-28 10:00")  # 18:00 in Beijing


def test_a_missed_callback_is_retried_after_its_delay_and_given_up_after_max_attempts_with_an_alert(db, session):
    svc = ivr_services(db, **{"twilio.agent_number": AGENT})
    cb_id = callback(svc, max_attempts=2, retry_delay_s=600)
    tw = signed_client(svc)

    sweep_callbacks(svc, NOW)
    tw.post(f"/twilio/voice/callback/{cb_id}/agent/status", **call_params(CallStatus="no-answer"))
    retry_at = fresh(session, CallbackRequest, cb_id).next_attempt_at
    sweep_callbacks(svc, NOW + timedelta(minutes=9))
    calls_before_delay = len(outbound(session, purpose="callback"))
    sweep_callbacks(svc, NOW + timedelta(minutes=10))
    tw.post(f"/twilio/voice/callback/{cb_id}/result", **call_params(DialCallStatus="no-answer"))

    assert retry_at == NOW + timedelta(minutes=10) and calls_before_delay == 1
    assert len(outbound(session, purpose="callback")) == 2
    cb = fresh(session, CallbackRequest, cb_id)
    assert cb.status == "failed" and cb.attempts == 2
    [alert] = notifications(session, kind="callback")
    assert alert.audience_type == "city" and CITIZEN not in alert.message


def test_an_attempt_whose_outcome_never_came_counts_as_failed_after_the_wait(db, session):
    svc = ivr_services(db, **{"twilio.agent_number": AGENT, "callbacks.answer_wait_s": 900})
    cb_id = callback(svc)

    sweep_callbacks(svc, NOW)
    sweep_callbacks(svc, NOW + timedelta(minutes=15))

    cb = fresh(session, CallbackRequest, cb_id)
    assert cb.status == "pending" and cb.attempts == 1 and cb.last_error == "no outcome reported"
    assert cb.next_attempt_at == NOW + timedelta(minutes=25)


def test_callbacks_wait_out_quiet_hours(db, session):
    svc = ivr_services(db, **{"twilio.agent_number": AGENT})
    night = at("2026-11-28 15:00")  # 23:00 in Beijing
    with svc.session() as s:
        s.add(CallbackRequest(phone=CITIZEN, source="bot", requested_at=night, next_attempt_at=night,
                              updated_at=night))

    sweep_callbacks(svc, night)
    sweep_deadlines(svc, night)

    assert outbound(session) == []
    [cb] = done_reading(session, session.scalars(select(CallbackRequest)).all())
    assert cb.next_attempt_at == at("2026-11-29 00:00")
