"""Time limits: literal dates, UTC in, Asia/Shanghai for people."""
import pytest

from hotline.rules.deadlines import clocks_for, feedback_due, local
from tests.helpers import at


def due(clocks, name):
    return next(c.due_at for c in clocks if c.clock == name)


@pytest.mark.parametrize("cls, expected", [
    ("emergency", "2026-11-28 10:00"),
    ("livelihood", "2026-11-29 08:00"),
    ("general", "2026-12-05 08:00"),
    ("complex", "2026-12-13 08:00"),
])
def test_feedback_is_due_after_the_legal_time_limit(config, cls, expected):
    assert feedback_due(at("2026-11-28 08:00"), cls, config.time_limits) == at(expected)


def test_every_clock_of_a_general_ticket(config):
    clocks = clocks_for(at("2026-11-28 08:00"), "general", config.time_limits)
    assert [c.clock for c in clocks] == ["sign_for", "first_contact", "feedback", "followup"]
    assert due(clocks, "sign_for") == at("2026-11-28 10:00")
    assert due(clocks, "first_contact") == at("2026-11-29 08:00")
    assert due(clocks, "feedback") == at("2026-12-05 08:00")
    # 回访 starts when the feedback deadline passes and is due a day later.
    follow = next(c for c in clocks if c.clock == "followup")
    assert follow.starts_at == at("2026-12-05 08:00") and follow.due_at == at("2026-12-06 08:00")


def test_an_emergency_is_signed_for_within_a_quarter_hour(config):
    clocks = clocks_for(at("2026-11-28 23:50"), "emergency", config.time_limits)
    assert due(clocks, "sign_for") == at("2026-11-29 00:05")
    assert due(clocks, "feedback") == at("2026-11-29 01:50")


def test_a_deadline_crossing_midnight_shows_the_next_local_day(config):
    # 20:00 UTC on the 28th is 04:00 on the 29th in Beijing; 2 hours later is 06:00 local.
    d = feedback_due(at("2026-11-28 20:00"), "emergency", config.time_limits)
    assert local(d).isoformat() == "2026-11-29T06:00:00+08:00"


def test_no_clock_falls_due_after_the_feedback_deadline(config):
    from dataclasses import replace
    odd = replace(config.time_limits, first_contact_hours={**config.time_limits.first_contact_hours, "emergency": 9})
    clocks = clocks_for(at("2026-11-28 08:00"), "emergency", odd)
    assert due(clocks, "first_contact") == due(clocks, "feedback") == at("2026-11-28 10:00")


def test_naive_datetimes_are_refused(config):
    from datetime import datetime
    with pytest.raises(ValueError):
        clocks_for(datetime(2026, 11, 28, 8), "general", config.time_limits)
