"""The one prompt catalogue: both languages have every sentence, with the same placeholders."""
import pytest

from hotline.rules import prompts
from hotline.store import models

ZH, EN = prompts.catalogue("zh"), prompts.catalogue("en")


def test_both_languages_have_the_same_sections_and_keys():
    assert ZH.keys() == EN.keys()
    for section in ZH:
        assert ZH[section].keys() == EN[section].keys(), section


@pytest.mark.parametrize("section", sorted(ZH))
def test_every_sentence_has_the_same_placeholders_in_both_languages(section):
    for key, zh in ZH[section].items():
        assert prompts.placeholders(zh) == prompts.placeholders(EN[section][key]), f"{section}.{key}"


def test_every_ticket_status_has_a_name_for_citizens_in_both_languages():
    statuses = set(models.STATUSES) | {models.RETURNED, models.REOPENED, models.MERGED}
    assert statuses <= ZH["status"].keys() and statuses <= EN["status"].keys()


def test_english_sentences_carry_no_chinese_and_a_missing_language_falls_back_to_mandarin():
    cjk = [f"{s}.{k}" for s in EN for k, v in EN[s].items() if any("\u4e00" <= c <= "\u9fff" for c in v)]
    # The one exception: the voice menu offers Mandarin in Mandarin ("普通话请按8").
    assert cjk == ["voice.other_language"]
    assert prompts.say("fr", "voice.goodbye") == ZH["voice"]["goodbye"]


def test_a_sentence_is_filled_in_and_a_missing_value_is_an_error():
    assert "2611280012" in prompts.say("en", "sms.reference", ref="2611280012", due="12-01 10:00", url="https://x/t/a")
    with pytest.raises(KeyError):
        prompts.say("en", "sms.reference", ref="2611280012")
