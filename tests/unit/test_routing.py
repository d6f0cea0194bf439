"""Routing free text to districts and townships, with the real township names; and service code -> unit."""
import pytest

from hotline.rules.routing import Location, assign, strip_township_suffix, to_pinyin


@pytest.fixture(scope="module")
def gaz(core):
    return core.gazetteer


@pytest.mark.parametrize("text, township", [
    ("回龙观街道", "110114011"),
    ("回龙观", "110114011"),
    ("我住在回龙观那边", "110114011"),
    ("金海湖地区", "110117006"),
    ("金海湖", "110117006"),
    ("望京", "110105026"),
    ("朝阳区望京街道", "110105026"),
    ("Wangjing", "110105026"),
    ("Sanlitun, Chaoyang District", "110105004"),
    ("near hui long guan subway", "110114011"),
    ("东城区景山街道", "110101002"),
])
def test_the_forms_people_say_find_the_township(gaz, text, township):
    loc = gaz.locate(text)
    assert loc.township_code == township, loc
    assert loc.district_code == township[:6]


def test_a_district_alone_gives_the_district(gaz):
    loc = gaz.locate("海淀区")
    assert (loc.district_code, loc.township_code) == ("110108", None)
    assert gaz.locate("Haidian District").district_code == "110108"


def test_a_township_name_containing_a_district_name_wins_over_it(gaz):
    # 朝阳门街道 is in 东城区; "朝阳" alone would be 朝阳区.
    loc = gaz.locate("朝阳门")
    assert loc.township_code == "110101007" and loc.district_code == "110101"


def test_an_ambiguous_name_returns_candidates_instead_of_a_guess(gaz):
    loc = gaz.locate("八里庄")
    assert loc.township_code is None and loc.ambiguous
    assert {p.district_name for p in loc.candidates} == {"朝阳区", "海淀区"}


def test_the_district_settles_an_ambiguous_name(gaz):
    assert gaz.locate("海淀区八里庄").township_code == "110108005"
    assert gaz.locate("Balizhuang, Chaoyang").township_code == "110105015"


def test_text_naming_no_place_finds_nothing(gaz):
    loc = gaz.locate("my heating is cold")
    assert loc == Location()
    assert gaz.locate("") == Location()


def test_landmarks_route_through_the_alias_table(gaz):
    import yaml
    from hotline.rules.routing import LANDMARKS_PATH
    entries = yaml.safe_load(LANDMARKS_PATH.read_text(encoding="utf-8"))["landmarks"]
    assert len(entries) >= 30
    for entry in entries:
        for name in entry["names"]:
            loc = gaz.locate(name)
            assert loc.township_code == str(entry["township_code"]) or str(entry["township_code"]) in {
                p.township_code for p in loc.candidates}, (name, loc)


def test_suffixes_are_stripped_and_pinyin_is_toneless():
    assert strip_township_suffix("回龙观街道") == "回龙观"
    assert strip_township_suffix("金海湖地区") == "金海湖"
    assert strip_township_suffix("长阳镇") == "长阳"
    assert to_pinyin("望京") == "wangjing"


def test_all_349_units_of_16_districts_are_known(gaz):
    assert len(gaz.places) == 349 and len(gaz.districts) == 16


def test_local_matters_go_to_the_township_and_others_to_their_department(core, gaz):
    codes = core.taxonomy.codes.values()
    local = next(c for c in codes if c.handler_type == "township")
    dept = next(c for c in codes if c.handler_type == "department")
    here = gaz.locate("望京")
    assert assign(local, here).unit_code == "110105026"
    assert assign(dept, here).unit_code == dept.department_code
    assert assign(local, gaz.locate("朝阳区")).unit_code == "GOV-110105"
    assert assign(local, Location()).unit_type == "city"
