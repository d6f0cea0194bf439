"""Pure parts of Open311: partner config, the questions file, dates, romanised names, the time-limit sentence."""
import pytest

from api.open311.errors import Open311Error
from api.open311.params import moment
from api.open311.partners import authenticate
from api.open311.questions import load_questions
from api.open311.serializers import duration, romanised, service_notice
from hotline.config import ConfigError, load_config
from hotline.rules.taxonomy import load_taxonomy
from tests.helpers import at

TOKEN = "a-partner-token-0123456789"


def test_a_partners_token_comes_from_its_environment_variable():
    cfg = load_config(environ={"OPEN311_TOKEN_CITYMAP": TOKEN, "HOTLINE_API_TOKEN": "api-token-xyz"})
    assert dict(cfg.open311.partners) == {"citymap": TOKEN}
    assert authenticate(TOKEN, cfg) == "citymap"
    assert authenticate("api-token-xyz", cfg) == "api"
    with pytest.raises(Open311Error) as wrong:
        authenticate(TOKEN + "x", cfg)
    assert wrong.value.status == 403


def test_the_apis_token_is_refused_when_the_operator_says_so():
    cfg = load_config(environ={"HOTLINE_API_TOKEN": "api-token-xyz"}, overrides={"open311.accept_api_token": False})
    with pytest.raises(Open311Error):
        authenticate("api-token-xyz", cfg)


@pytest.mark.parametrize("environ, overrides, message", [
    ({"OPEN311_TOKEN_CITYMAP": "short"}, {}, r"open311\.partners\.citymap: the token must be at least 16"),
    ({"OPEN311_TOKEN_A": TOKEN, "OPEN311_TOKEN_B": TOKEN}, {}, r"open311\.partners\.b: same token as a"),
    ({"HOTLINE_API_TOKEN": TOKEN, "OPEN311_TOKEN_CITYMAP": TOKEN}, {}, r"equals api\.token"),
    ({}, {"open311.partners": {"City Map": TOKEN}}, r"open311\.partners\.City Map: a partner name"),
    ({"OPEN311_TOKEN_API": TOKEN}, {}, r"open311\.partners\.api: the name api"),
    ({}, {"open311.page_size": 5000}, r"open311: 1 <= page_size <= max_page_size"),
    ({}, {"open311.jurisdictionid": "x"}, r"open311\.jurisdictionid: unknown setting"),
])
def test_bad_partner_settings_stop_start_up_naming_the_key(environ, overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ=environ, overrides=overrides)


def test_the_shipped_questions_load_and_ask_nothing_of_emergencies():
    questions = load_questions(load_taxonomy())
    assert [q.code for q in questions["UTL-HEATING"]] == ["indoor_temperature", "scope"]
    assert not any(code.startswith("EMG-") for code in questions)


@pytest.mark.parametrize("body, message", [
    ("services: {NO-SUCH: []}", "unknown service code NO-SUCH"),
    ("services: {EMG-GAS: [{code: x, datatype: string, zh: 问, en: q}]}", "EMG-GAS is an emergency"),
    ("services: {URB-LIGHT: [{code: x, datatype: colour, zh: 问, en: q}]}", "datatype must be one of"),
    ("services: {URB-LIGHT: [{code: x, datatype: singlevaluelist, zh: 问, en: q}]}", "values are needed"),
    ("services: {URB-LIGHT: [{code: Bad Code, datatype: string, zh: 问, en: q}]}", "must be lowercase"),
    ("services: {URB-LIGHT: [{code: x, datatype: string, zh: 问, en: q}, {code: x, datatype: string, zh: 问, en: q}]}",
     "URB-LIGHT.x appears twice"),
])
def test_a_bad_questions_file_is_refused_naming_the_question(tmp_path, body, message):
    path = tmp_path / "q.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_questions(load_taxonomy(), path)


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-28T16:00:00+08:00", at("2026-11-28 08:00")),
    ("2026-11-28T08:00:00Z", at("2026-11-28 08:00")),
    ("2026-11-28T16:00:00 08:00", at("2026-11-28 08:00")),  # an unencoded "+" arrives as a space
    ("2026-11-28T16:00:00", at("2026-11-28 08:00")),  # no zone: the hotline's
    ("2026-11-28", at("2026-11-27 16:00")),  # a bare date starts at local midnight
])
def test_dates_are_read_as_w3c_date_times(raw, expected):
    assert moment("start_date", raw, "Asia/Shanghai") == expected


def test_a_bare_end_date_covers_the_whole_day():
    assert moment("end_date", "2026-11-28", "Asia/Shanghai", end_of_day=True) == \
        at("2026-11-28 15:59:59.999999")


@pytest.mark.parametrize("raw", ["2026-02-30", "yesterday", "1969-12-31T00:00:00Z", "2201-01-01",
                                 "9999-12-31T23:59:59-14:00", "2026-11-28T25:00:00Z", ""])
def test_impossible_dates_are_a_400(raw):
    with pytest.raises(Open311Error) as err:
        moment("start_date", raw, "Asia/Shanghai")
    assert err.value.status == 400 and err.value.description.startswith("start_date:")


def test_time_limits_read_as_people_say_them(config):
    assert [duration(h, "zh") for h in (2, 24, 168, 360)] == ["2小时", "24小时", "7天", "15天"]
    assert [duration(h, "en") for h in (1, 2, 168)] == ["1 hour", "2 hours", "7 days"]
    taxonomy = load_taxonomy()
    assert service_notice(taxonomy.get("HOU-OLDRENO"), config, "zh") == "按规定，承办单位须在15天内答复（疑难类诉求）。"
    assert service_notice(taxonomy.get("EMG-LIFT"), config, "en").startswith("If a life is in danger, call 110")


def test_place_names_are_romanised_with_their_usual_reading():
    assert [romanised(n) for n in ("望京", "朝阳", "朝阳门外", "海淀")] == \
        ["Wangjing", "Chaoyang", "Chaoyangmenwai", "Haidian"]

