"""回访: the answer to the citizen, the survey call with retries, then SMS; answers stored for the three rates."""
import dataclasses
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from callbacks.sweep import sweep_deadlines, sweep_outbox
from hotline.clocks import followups
from hotline.delivery.webhooks import WebhookUrls
from hotline.work import lifecycle as tickets
from hotline.store.models import Citizen, Ticket
from tests.factories import dispatched
from tests.helpers import at
from tests.scheduler_helpers import (CITIZEN, HANDLER_PHONE, add_staff, done_reading, events, notifications,
                                     outbound, with_config, with_twilio)

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing
H, M = timedelta(hours=1), timedelta(minutes=1)
ANSWERED = NOW + 24 * H  # 2026-11-29 02:00 UTC, 10:00 in Beijing


def resolved(db, session, *, phone="13800138000"):
    ticket = dispatched(session, db.core, NOW, phone=phone)
    add_staff(session, NOW, ticket.unit_code)
    tickets.sign(session, ticket, actor="user:1", now=NOW + 0.5 * H)
    tickets.resolve(session, ticket, resolution="已责令施工方夜间停工，并安装隔音设施。", actor="user:1", now=ANSWERED)
    session.commit()
    return ticket


def fresh(session, ticket) -> Ticket:
    session.expire_all()
    return done_reading(session, session.get(Ticket, ticket.id))


def followup(session, ticket):
    session.expire_all()
    return done_reading(session, followups.followup_clock(session.get(Ticket, ticket.id)))


def test_the_units_answer_goes_to_the_citizen_by_sms_when_it_is_recorded(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    ticket = resolved(db, session)

    sweep_deadlines(svc, ANSWERED)
    sweep_outbox(svc, ANSWERED)

    [sms] = fake_twilio.messages_to(CITIZEN)
    assert ticket.reference in sms["Body"] and "隔音设施" in sms["Body"]
    [event] = events(session, ticket, "answer_sent")
    assert event.data["channel"] == "sms"
    assert fresh(session, ticket).contacted_at == ANSWERED  # resolving counts as contacting the citizen


def test_the_survey_call_goes_to_the_citizen_with_a_followup_twiml_url(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    ticket = resolved(db, session)

    sweep_deadlines(svc, ANSWERED)
    sweep_outbox(svc, ANSWERED)

    [call] = fake_twilio.calls_to(CITIZEN)
    assert call["Url"] == f"https://hotline.example.org/twilio/voice/followup/{ticket.id}"
    assert call["Timeout"] == "30"
    assert fake_twilio.invalid == []
    assert followup(session, ticket).stage == followups.CALLING


def test_the_core_sends_to_whatever_webhook_urls_the_wiring_hands_it(db, session, fake_twilio):
    elsewhere = WebhookUrls(sms_status="https://elsewhere.example/reports",
                            followup_call=lambda ticket_id: f"https://elsewhere.example/survey/{ticket_id}",
                            callback_call=lambda cb_id, leg: f"https://elsewhere.example/cb/{cb_id}/{leg}",
                            call_status=lambda url: url + "/report")
    svc = dataclasses.replace(with_twilio(db, fake_twilio), webhooks=elsewhere)
    ticket = resolved(db, session)

    sweep_deadlines(svc, ANSWERED)
    sweep_outbox(svc, ANSWERED)

    [sms] = fake_twilio.messages_to(CITIZEN)
    [call] = fake_twilio.calls_to(CITIZEN)
    assert sms["StatusCallback"] == "https://elsewhere.example/reports"
    assert call["Url"] == f"https://elsewhere.example/survey/{ticket.id}"


def test_unanswered_calls_are_retried_with_backoff_then_the_survey_goes_by_sms(db, session):
    svc = with_config(db, **{"followup.max_call_attempts": 3, "followup.call_retry_minutes": 60})
    ticket = resolved(db, session)

    sweep_deadlines(svc, ANSWERED)
    times = [followup(session, ticket).next_action_at]
    for moment in (ANSWERED + 1 * H, ANSWERED + 3 * H):
        sweep_deadlines(svc, moment)
        times.append(followup(session, ticket).next_action_at)
    sweep_deadlines(svc, ANSWERED + 7 * H)

    assert times == [ANSWERED + 1 * H, ANSWERED + 3 * H, ANSWERED + 7 * H]
    assert [m.kind for m in outbound(session, purpose="followup")] == ["call", "call", "call", "sms"]
    clock = followup(session, ticket)
    assert clock.stage == followups.SMS_SOLVED and clock.attempts == 3
    assert clock.next_action_at == ANSWERED + 7 * H + 72 * H


def test_quiet_hours_move_the_survey_call_to_eight_in_the_morning(db, session):
    ticket = dispatched(session, db.core, NOW)
    late = at("2026-11-28 14:30")  # 22:30 in Beijing
    tickets.sign(session, ticket, actor="user:1", now=NOW + H)
    tickets.resolve(session, ticket, resolution="已处理", actor="user:1", now=late)
    session.commit()

    sweep_deadlines(db, late)

    assert outbound(session, purpose="followup") == []
    assert followup(session, ticket).next_action_at == at("2026-11-29 00:00")  # 08:00 in Beijing


def sms_survey(db, session, **kw):
    svc = with_config(db, **{"followup.channel": "sms"})
    ticket = resolved(db, session, **kw)
    sweep_deadlines(svc, ANSWERED)
    return svc, ticket


def test_sms_answers_1_then_1_record_solved_and_satisfied(db, session):
    svc, ticket = sms_survey(db, session)
    [question] = [m for m in outbound(session, purpose="followup")]

    with svc.session() as s:
        reply1 = followups.answer_from_sms(s, phone=CITIZEN, body="1", now=ANSWERED + H, config=svc.config)
    with svc.session() as s:
        reply2 = followups.answer_from_sms(s, phone=CITIZEN, body=" １ ", now=ANSWERED + 2 * H, config=svc.config)

    assert "回复1已解决" in question.body and "回复1满意" in reply1 and reply2 == "感谢您的评价！"
    t = fresh(session, ticket)
    assert t.status == "followed_up" and t.followup_solved is True and t.followup_satisfaction == "satisfied"
    assert t.followed_up_at == ANSWERED + 2 * H
    assert followup(session, ticket).state == "met"


def test_not_solved_by_sms_reopens_the_ticket_and_tells_the_unit(db, session):
    svc, ticket = sms_survey(db, session)

    with svc.session() as s:
        followups.answer_from_sms(s, phone=CITIZEN, body="未解决", now=ANSWERED + H, config=svc.config)
    with svc.session() as s:
        reply = followups.answer_from_sms(s, phone=CITIZEN, body="不满意", now=ANSWERED + 2 * H, config=svc.config)

    assert ticket.reference in reply
    t = fresh(session, ticket)
    assert t.status == "reopened" and t.followup_solved is False and t.followup_satisfaction == "unsatisfied"
    [note] = notifications(session, kind="reopened")
    assert (note.audience_type, note.audience_code) == ("unit", ticket.unit_code)
    assert [m.to for m in outbound(session, purpose="reopened")] == [HANDLER_PHONE]


def test_a_short_unclear_answer_gets_the_question_again_and_a_long_message_goes_to_the_dialogue(db, session):
    svc, ticket = sms_survey(db, session)

    with svc.session() as s:
        again = followups.answer_from_sms(s, phone=CITIZEN, body="嗯？", now=ANSWERED + H)
        other = followups.answer_from_sms(s, phone=CITIZEN, body="另外我家门口的路灯坏了好几天了", now=ANSWERED + H)
        stranger = followups.answer_from_sms(s, phone="+8613800138999", body="1", now=ANSWERED + H)

    assert "回复1已解决" in again and other is None and stranger is None
    assert followup(session, ticket).stage == followups.SMS_SOLVED


def test_no_answer_to_the_sms_survey_closes_the_ticket_without_an_evaluation(db, session):
    svc, ticket = sms_survey(db, session)

    sweep_deadlines(svc, ANSWERED + 71 * H)
    open_before = fresh(session, ticket).status
    sweep_deadlines(svc, ANSWERED + 72 * H)

    t = fresh(session, ticket)
    assert open_before == "resolved" and t.status == "closed" and t.followup_solved is None
    assert followup(session, ticket).state == "missed"
    assert len(events(session, ticket, "followup_unanswered")) == 1


def test_an_opted_out_citizen_gets_no_survey_sms_and_the_follow_up_is_given_up(db, session):
    with db.session() as s:
        s.add(Citizen(phone=CITIZEN, sms_opted_out=True, created_at=NOW))
    svc, ticket = sms_survey(db, session)

    assert {m.status for m in outbound(session)} == {"suppressed"}
    assert fresh(session, ticket).status == "closed"


def test_a_ticket_still_unanswered_when_its_time_limit_passes_waits_for_the_units_answer(db, session):
    ticket = dispatched(session, db.core, NOW)
    session.commit()
    followup_due = NOW + 168 * H + 24 * H

    sweep_deadlines(db, followup_due)

    assert outbound(session, purpose="followup") == []
    assert followup(session, ticket).next_action_at is None
    session.expire_all()
    tickets.sign(session, session.get(Ticket, ticket.id), actor="user:1", now=followup_due + H)
    tickets.resolve(session, session.get(Ticket, ticket.id), resolution="已处理", actor="user:1",
                    now=followup_due + 2 * H)
    session.commit()
    sweep_deadlines(db, followup_due + 2 * H)
    assert [m.kind for m in outbound(session, purpose="followup")] == ["call"]


def test_a_citizen_without_a_phone_is_not_surveyed_by_the_scheduler(db, session):
    ticket = resolved(db, session, phone=None)

    sweep_deadlines(db, ANSWERED)

    assert outbound(session) == []
    assert len(events(session, ticket, "followup_skipped")) == 1


@pytest.mark.parametrize("body,expected", [("1", True), ("是", True), ("已解决", True), ("yes", True),
                                           ("2", False), ("未解决", False), ("没解决", False), ("No", False),
                                           ("3", None), ("解决了吗", None)])
def test_solved_answers_are_read_in_both_languages(body, expected):
    assert followups.parse_solved(body) is expected


@pytest.mark.parametrize("body,expected", [("1", "satisfied"), ("满意", "satisfied"), ("2", "basically"),
                                           ("基本满意", "basically"), ("3", "unsatisfied"), ("不满意", "unsatisfied"),
                                           ("4", None)])
def test_satisfaction_answers_are_read_in_both_languages(body, expected):
    assert followups.parse_satisfaction(body) == expected


def test_the_follow_up_url_is_under_the_twilio_voice_followup_path(db, session):
    ticket = resolved(db, session)
    sweep_deadlines(db, ANSWERED)
    [call] = outbound(session, purpose="followup")
    assert urlsplit(call.url).path == f"/twilio/voice/followup/{ticket.id}"
