"""The terminal phone (scripted, over real HTTP and in-process) and the command that points a Twilio number."""
from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from twilio.rest import Client

from hotline.config import PROJECT_ROOT
from hotline.store.models import CallbackRequest, Conversation, Ticket
from tools.numbers import point_number
from tools.phone import Phone, scripted
from tests.helpers import serve
from tests.ivr.support import PUBLIC, TWILIO_TOKEN, make_ivr_app


def in_process(client):
    """Deliver the phone's signed posts to the Flask test client."""
    def send(url, params, headers):
        parts = urlsplit(url)
        resp = client.post(parts.path + (f"?{parts.query}" if parts.query else ""), data=params, headers=headers)
        return resp.status_code, resp.get_data(as_text=True)
    return send


def phone(app, script, **kwargs) -> Phone:
    return Phone(target="http://localhost", public_base_url=PUBLIC, auth_token=TWILIO_TOKEN, answer=scripted(script),
                 transport=in_process(app.test_client()), echo=None, **kwargs)


def all_tickets(db):
    with db.session() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def test_a_scripted_call_reports_a_problem_and_hears_the_reference(ivr_app, db):
    t = phone(ivr_app, ["# report a water outage", "1", "我家小区停水了", "朝阳区望京街道", "1"]).call()
    (ticket,) = all_tickets(db)
    assert " ".join(ticket.reference) in t.said()
    assert t.exchanges[-1].url == PUBLIC + "/twilio/voice/status"  # the completed callback, as Twilio sends it
    assert ticket.external_id == t.call_sid


def test_a_scripted_hang_up_half_way_leaves_an_incomplete_ticket(ivr_app, db):
    t = phone(ivr_app, ["1", "路灯坏了一个星期", "!hangup"]).call()
    (ticket,) = all_tickets(db)
    assert ticket.triage_reason == "incomplete" and "[you hung up]" in t.lines


def test_the_phone_follows_a_queue_and_leaves_it_for_a_callback(ivr_app, db):
    t = phone(ivr_app, ["0", "1", "1"]).call()
    assert "[waiting in queue hotline]" in t.lines
    with db.session() as s:
        assert s.scalars(select(CallbackRequest)).one().source == "ivr"


def test_the_phone_records_a_voicemail_after_a_missed_transfer(db):
    app = make_ivr_app(db, **{"twilio.agent_number": "+8613900139000"})
    t = phone(app, ["3", "有人被困在电梯里了", "3号楼二单元", "1", "!no-answer", "电梯在3号楼"]).call()
    (ticket,) = all_tickets(db)
    assert ticket.time_limit_class == "emergency" and ticket.recording_url.startswith("https://api.twilio.com/")
    assert any(line.startswith("[dialling +8613900139000") for line in t.lines)


def test_the_phone_texts_like_twilio(ivr_app, db):
    p = phone(ivr_app, [])
    (reply,) = p.text("望京街道小区停水了")
    (ticket,) = all_tickets(db)
    assert ticket.reference in reply and ticket.channel == "sms"


def test_a_phone_with_the_wrong_token_is_told_why_it_was_refused(ivr_app, db):
    p = Phone(target="http://localhost", public_base_url=PUBLIC, auth_token="wrong", answer=scripted(["1"]),
              transport=in_process(ivr_app.test_client()), echo=None)
    with pytest.raises(SystemExit, match="TWILIO_AUTH_TOKEN"):
        p.call()
    with db.session() as s:
        assert s.scalars(select(Conversation)).first() is None


@pytest.fixture
def served(ivr_app):
    """The app on a real loopback port."""
    with serve(ivr_app) as url:
        yield url


def test_the_command_line_phone_runs_a_script_over_http(served, db, tmp_path):
    script = tmp_path / "steps.txt"
    script.write_text("# a caller in English\n9\n1\nThere is no water in my building\nWangjing, Chaoyang\n1\n",
                      encoding="utf-8")
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "PUBLIC_BASE_URL": PUBLIC, "HOTLINE_MODE": "test"}
    out = subprocess.run([sys.executable, "-m", "tools.phone", "call", "--url", served, "--script", str(script)],
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    (ticket,) = all_tickets(db)
    assert ticket.lang == "en" and " ".join(ticket.reference) in out.stdout
    sms = subprocess.run([sys.executable, "-m", "tools.phone", "sms", "--url", served, "--from", "+8613700137000",
                          f"status {ticket.reference}"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert sms.returncode == 0 and "dispatched" in sms.stdout


def test_the_command_line_phone_refuses_to_run_without_a_token(tmp_path):
    env = {**os.environ, "TWILIO_AUTH_TOKEN": "", "HOTLINE_CONFIG": str(PROJECT_ROOT / "config.yaml")}
    out = subprocess.run([sys.executable, "-m", "tools.phone", "sms", "hello"], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "TWILIO_AUTH_TOKEN" in out.stderr


def test_pointing_a_number_sets_every_url_through_the_real_client(fake_twilio):
    sid = fake_twilio.own_number("+15005550006")
    client = Client("AC" + "0" * 32, "secret", http_client=fake_twilio.http_client(timeout=5))
    point_number(client, "+15005550006", "https://hotline.example.org/")
    number = fake_twilio.number(sid)
    assert number["voice_url"] == "https://hotline.example.org/twilio/voice"
    assert number["voice_fallback_url"] == number["sms_fallback_url"] == "https://hotline.example.org/twilio/fallback"
    assert number["status_callback"] == "https://hotline.example.org/twilio/voice/status"
    assert number["sms_url"] == "https://hotline.example.org/twilio/sms" and number["sms_method"] == "POST"


def test_pointing_a_number_the_account_does_not_own_says_so(fake_twilio):
    client = Client("AC" + "0" * 32, "secret", http_client=fake_twilio.http_client(timeout=5))
    with pytest.raises(LookupError, match="no number"):
        point_number(client, "+15005550006", "https://hotline.example.org")


def test_the_point_number_command_refuses_a_loopback_or_plain_http_base_url(db):
    app = make_ivr_app(db, **{"app.public_base_url": "http://127.0.0.1:5000", "twilio.phone_number": "+15005550006"})
    result = app.test_cli_runner().invoke(args=["twilio", "point-number"])
    assert result.exit_code != 0 and "https" in result.output
    ok = make_ivr_app(db, **{"twilio.phone_number": "+15005550006"})
    dry = ok.test_cli_runner().invoke(args=["twilio", "point-number", "--dry-run"])
    assert dry.exit_code == 0 and f"{PUBLIC}/twilio/sms" in dry.output
