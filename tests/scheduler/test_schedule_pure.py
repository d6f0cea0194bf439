"""Pure timing: the plan of a clock, quiet hours, callback windows, backoff and the scheduler's config checks."""
from datetime import timedelta

import pytest

from hotline.config import ConfigError, LadderStep
from hotline.rules.schedule import (BREACH, ESCALATE, REMIND, backoff, clock_actions, is_quiet, next_callable,
                              quiet_until, step)
from tests.helpers import at, make_config

START, DUE = at("2026-11-28 02:00"), at("2026-11-28 04:00")
LADDER = (LadderStep("unit", 0), LadderStep("district", 4), LadderStep("city", 24))
TZ = "Asia/Shanghai"


def test_a_clock_plans_reminders_then_the_breach_then_each_rung():
    actions = clock_actions(START, DUE, (0.5, 0.8), LADDER)

    assert [(a.kind, a.at) for a in actions] == [
        (REMIND, at("2026-11-28 03:00")), (REMIND, at("2026-11-28 03:36")), (BREACH, DUE),
        (ESCALATE, DUE), (ESCALATE, DUE + timedelta(hours=4)), (ESCALATE, DUE + timedelta(hours=24))]


def test_a_step_after_downtime_sends_the_latest_reminder_only():
    actions = clock_actions(START, DUE, (0.5, 0.8), LADDER)

    result = step(actions, 0, at("2026-11-28 03:50"))

    assert [(a.kind, a.index) for a in result.fire] == [(REMIND, 1)]
    assert result.done == 2 and result.next_at == DUE


def test_a_step_past_the_deadline_skips_reminders_and_climbs_every_rung_that_came():
    actions = clock_actions(START, DUE, (0.5, 0.8), LADDER)

    result = step(actions, 1, DUE + timedelta(hours=5))

    assert [a.kind for a in result.fire] == [BREACH, ESCALATE, ESCALATE]
    assert result.next_at == DUE + timedelta(hours=24)


def test_nothing_fires_before_the_first_action():
    result = step(clock_actions(START, DUE, (0.5,), ()), 0, START)
    assert result.fire == [] and result.done == 0 and result.next_at == at("2026-11-28 03:00")


@pytest.mark.parametrize("utc,quiet", [("2026-11-28 13:59", False), ("2026-11-28 14:00", True),
                                       ("2026-11-28 20:00", True), ("2026-11-28 23:59", True),
                                       ("2026-11-29 00:00", False)])
def test_quiet_hours_are_ten_at_night_to_eight_in_the_morning_beijing_time(utc, quiet):
    assert is_quiet(at(utc), "22:00", "08:00", TZ) is quiet


def test_quiet_hours_end_at_eight_and_equal_bounds_mean_never_quiet():
    assert quiet_until(at("2026-11-28 15:00"), "22:00", "08:00", TZ) == at("2026-11-29 00:00")
    assert quiet_until(at("2026-11-28 17:00"), "22:00", "08:00", TZ) == at("2026-11-29 00:00")
    assert is_quiet(at("2026-11-28 15:00"), "00:00", "00:00", TZ) is False


def test_a_callback_window_after_six_pm_opens_at_six_and_skips_quiet_hours():
    kw = {"quiet_start": "22:00", "quiet_end": "08:00", "tz": TZ}
    assert next_callable(at("2026-11-28 02:00"), window_start="18:00", window_end="", **kw) == at("2026-11-28 10:00")
    # 23:00 local: the window (18:00 to midnight) is open but quiet hours are not over until 08:00.
    assert next_callable(at("2026-11-28 15:00"), window_start="18:00", window_end="", **kw) == at("2026-11-29 10:00")
    assert next_callable(at("2026-11-28 02:00"), window_start="", window_end="", **kw) == at("2026-11-28 02:00")


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 30, 3600).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


@pytest.mark.parametrize("overrides,message", [
    ({"reminders.fractions": [0.8, 0.5]}, "reminders.fractions"),
    ({"reminders.fractions": [1.5]}, "reminders.fractions"),
    ({"escalation.feedback": [{"to": "mayor", "after_hours": 1}]}, "escalation"),
    ({"escalation.feedback": [{"to": "city", "after_hours": 5}, {"to": "unit", "after_hours": 1}]},
     "escalation.feedback"),
    ({"quiet_hours.start": "10pm"}, "quiet_hours.start"),
    ({"followup.channel": "fax"}, "followup.channel"),
    ({"scheduler.pool_size": 0}, "scheduler.pool_size"),
    ({"outbox.max_attempts": 0}, "outbox"),
])
def test_bad_scheduler_settings_stop_start_up_naming_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        make_config(**overrides)


def test_the_shipped_config_file_documents_every_scheduler_setting():
    from hotline.config import DEFAULT_CONFIG_PATH
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    config = make_config()
    for section in ("scheduler", "reminders", "escalation", "outbox", "quiet_hours", "followup", "callbacks"):
        assert f"\n{section}:\n" in text
        for key in vars(getattr(config, section)):
            assert f"  {key}:" in text, f"{section}.{key} is not in config.yaml"
