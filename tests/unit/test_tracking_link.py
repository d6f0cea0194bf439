"""The reference SMS and chat message carry the tracking link and still fit in two SMS segments."""
from __future__ import annotations

import csv

import pytest
import yaml

from hotline.config import PROJECT_ROOT
from hotline.rules import prompts
from hotline.rules.tracking import is_tracking_token, new_tracking_token, tracking_url
from tests.fakes.fake_twilio import sms_segments

# A realistic public address (the city's 12345 site) and the longest one the README promises still fits.
REALISTIC = "https://12345.beijing.gov.cn"
LONGEST_PROMISED = "https://www.12345.beijing.gov.cn"  # 32 characters
REF, DUE = "2633212345", "12-31 23:59"


class _Ticket:
    tracking_token = new_tracking_token()


def _units(lang: str) -> list[str]:
    """Every name a unit can have in the filed message (a township's is Chinese in both languages)."""
    with open(PROJECT_ROOT / "hotline/data/beijing_townships_2023.csv", encoding="utf-8") as f:
        names = [r["township_name"] for r in csv.DictReader(f)]
    with open(PROJECT_ROOT / "hotline/data/departments.yaml", encoding="utf-8") as f:
        names += [d[lang] for d in yaml.safe_load(f)["departments"]]
    return names + ["承办单位" if lang == "zh" else "The responsible unit"]


def test_a_token_is_16_url_safe_characters_and_never_repeats():
    tokens = {new_tracking_token() for _ in range(2000)}
    assert len(tokens) == 2000 and all(is_tracking_token(t) for t in tokens)
    assert not is_tracking_token("2633212345") and not is_tracking_token("a/b" + "c" * 13)


def test_the_link_is_the_public_base_url_and_the_token():
    assert tracking_url(REALISTIC + "/", _Ticket) == f"{REALISTIC}/t/{_Ticket.tracking_token}"


@pytest.mark.parametrize("base", [REALISTIC, LONGEST_PROMISED])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_reference_messages_with_the_link_fit_in_two_segments(lang, base):
    url = tracking_url(base, _Ticket)
    texts = [prompts.sms(lang, "reference", ref=REF, due=DUE, url=url),
             prompts.say(lang, "dialogue.emergency", ref=REF, url=url)]
    texts += [prompts.say(lang, "dialogue.filed", ref=REF, due=DUE, unit=unit, url=url) for unit in _units(lang)]
    for text in texts:
        assert url in text and REF in text
        assert sms_segments(text) <= 2, (len(text), text)
        if not text.isascii():
            assert len(text) <= 134, (len(text), text)  # two UCS-2 segments


def test_the_link_ends_the_chinese_sms_so_no_character_sticks_to_it():
    url = tracking_url(REALISTIC, _Ticket)
    assert prompts.sms("zh", "reference", ref=REF, due=DUE, url=url).endswith(" " + url)
    assert prompts.say("zh", "dialogue.filed", ref=REF, due=DUE, unit="望京街道", url=url).endswith(" " + url)
