"""The taxonomy data file and the keyword classifier."""
import pytest

from hotline.rules.taxonomy import GROUPS, KINDS, TAXONOMY_PATH, load_taxonomy


def test_the_data_file_has_the_five_kinds_and_twelve_groups_with_their_exact_codes(core):
    assert set(core.taxonomy.kinds) == set(KINDS)
    assert set(core.taxonomy.groups) == set(GROUPS)


def test_there_are_40_to_80_service_codes_each_complete(core):
    codes = core.taxonomy.codes.values()
    assert 40 <= len(codes) <= 80
    for c in codes:
        assert c.name_zh and c.name_en and c.keywords_zh and c.keywords_en, c.code
        assert c.time_limit_class in ("emergency", "livelihood", "general", "complex"), c.code
    assert {c.group for c in codes} == set(GROUPS)


def test_emergency_codes_are_two_hour_and_utilities_24_hour(core):
    for c in core.taxonomy.codes.values():
        if c.group == "emergency":
            assert c.time_limit_class == "emergency", c.code
        if c.group == "utilities":
            assert c.time_limit_class == "livelihood", c.code


@pytest.mark.parametrize("text, group", [
    ("楼道里有很浓的煤气味，怀疑燃气泄漏", "emergency"),
    ("有人被困在电梯里了", "emergency"),
    ("小区停水了", "utilities"),
    ("暖气不热，家里才十几度", "utilities"),
    ("工地半夜施工太吵了", "environment"),
    ("路灯坏了好几天", "urban"),
    ("拖欠工资三个月了", "labor"),
    ("My heating is cold", "utilities"),
    ("there is no water in my building", "utilities"),
    ("someone is stuck in the lift", "emergency"),
    ("the bus driver was rude to me", "traffic"),
])
def test_common_requests_land_in_their_group(core, text, group):
    assert core.taxonomy.classify(text).group == group


def test_danger_outranks_everything_else_in_the_text(core):
    cls = core.taxonomy.classify("停水了，而且楼道里燃气泄漏")
    assert cls.group == "emergency" and cls.time_limit_class == "emergency"


def test_a_word_close_to_a_keyword_is_matched_with_less_confidence(core):
    exact = core.taxonomy.classify("工地半夜施工太吵了")
    fuzzy = core.taxonomy.classify("回龙观东大街工地半夜还在施工，噪音很大")
    assert fuzzy.service_code == exact.service_code
    assert 0 < fuzzy.confidence < exact.confidence


def test_small_talk_is_not_classified(core):
    cls = core.taxonomy.classify("喂喂，你好，嗯……")
    assert cls.service_code == "OTH-GEN" and cls.confidence == 0 and not cls.understood


@pytest.mark.parametrize("text, kind", [
    ("请问暖气什么时候开始供应", "consult"),
    ("我要举报无证摊贩占道经营", "report"),
    ("建议在路口加装红绿灯", "suggestion"),
    ("路灯坏了", "complaint"),
])
def test_the_kind_of_request(core, text, kind):
    assert core.taxonomy.classify_kind(text) == kind


def test_group_names_come_from_the_data_file_in_the_regulations_order(core):
    zh, en = core.taxonomy.group_names("zh"), core.taxonomy.group_names("en")
    assert list(zh) == list(GROUPS) == list(en)
    assert (zh["utilities"], en["utilities"]) == ("水电气热", "Water, power, gas and heating")
    assert zh == {g: core.taxonomy.groups[g]["zh"] for g in GROUPS}


def test_a_group_name_broken_by_an_unquoted_comma_is_refused(tmp_path):
    text = TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        'en: "Water, power, gas and heating"', "en: Water, power, gas and heating")
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="group utilities needs exactly a zh and an en name"):
        load_taxonomy(broken)
@pytest.mark.parametrize("text", ["路口的井盖丢了", "我家楼下井盖不见了，晚上很危险", "人行道上的井盖坏了", "井盖破了一个大洞",
                                  "the manhole cover is broken outside the school"])
def test_a_missing_or_broken_manhole_cover_is_an_emergency(core, text):
    cls = core.taxonomy.classify(text)
    assert (cls.group, cls.service_code, cls.time_limit_class) == ("emergency", "EMG-MANHOLE", "emergency")
