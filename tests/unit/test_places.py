"""The gazetteer as citizens name Beijing: named places, address parts, district names, ask-back, English, positions."""
import csv

import pytest

from hotline.rules.address import parse_address
from hotline.rules.askback import choose
from hotline.rules.places import PLACES_CSV, english_name, load_places
from hotline.rules.routing import Gazetteer
from tools import make_gazetteer

CHANGPING, HAIDIAN, CHAOYANG, FENGTAI = "110114", "110108", "110105", "110106"
TIANTONGYUAN_N, TIANTONGYUAN_S = "110114008", "110114009"


@pytest.fixture(scope="module")
def gaz(core):
    return core.gazetteer


# --- the gazetteer itself -------------------------------------------------------------------------------

def test_the_gazetteer_holds_at_least_3000_places_each_with_a_district_and_a_provenance():
    places = load_places()
    assert len(places) >= 3000
    assert {"metro", "railway", "residential", "university", "hospital", "market", "park", "government",
            "road", "attraction", "hotel", "restaurant"} <= {p.kind for p in places}
    for p in places:
        assert p.codes and all(len(c) in (6, 9) for c in p.codes), p
        assert p.source and p.provenance, p
        assert p.name_en and not any("\u4e00" <= ch <= "\u9fff" for ch in p.name_en), p


def test_the_committed_gazetteer_file_is_what_the_script_makes_from_its_sources():
    assert make_gazetteer.main(["--check"]) == 0, "run: .venv/bin/python -m tools.make_gazetteer"


def test_crosswoz_townships_come_from_the_address_and_say_how_they_were_checked():
    with open(PLACES_CSV, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["source"].startswith("CrossWOZ")]
    assert len(rows) > 2000
    checked = [r for r in rows if r["provenance"].startswith("township from the address; the nearest metro station agrees")]
    assert len(checked) > 100
    assert all(r["codes"] for r in rows)


# --- big residential areas, stations, landmarks -----------------------------------------------------------

@pytest.mark.parametrize("text, township", [
    ("我住天通苑北二区", TIANTONGYUAN_N),
    ("天通西苑三区", TIANTONGYUAN_S),
    ("大望路", "110105001"),
    ("北京站", "110101008"),
    ("望京SOHO", "110105026"),
    ("协和医院附近", "110101001"),
    ("北医三院", "110108018"),
    ("清华大学东门附近", "110108014"),
    ("回龙观地铁站", "110114011"),
    ("国贸地铁站A口", "110105001"),
    ("新发地市场", "110106018"),
    ("芳星园三区5号楼", "110106013"),
])
def test_compounds_stations_hospitals_and_markets_find_their_township(gaz, text, township):
    loc = gaz.locate(text)
    assert loc.township_code == township, loc
    assert loc.district_code == township[:6]


def test_tiantongyuan_has_two_candidates_and_the_district_is_set_at_once(gaz):
    for text in ("天通苑", "Tiantongyuan", "我住天通苑"):
        loc = gaz.locate(text)
        assert loc.ambiguous and loc.township_code is None
        assert {p.township_code for p in loc.candidates} == {TIANTONGYUAN_N, TIANTONGYUAN_S}
        assert loc.district_code == CHANGPING


def test_a_place_on_a_boundary_is_asked_back_across_districts(gaz):
    loc = gaz.locate("北京南站")
    assert loc.ambiguous and loc.district_code is None
    assert {p.district_code for p in loc.candidates} == {"110101", FENGTAI}


def test_a_place_whose_township_is_not_certain_gives_only_its_district(gaz):
    for text in ("西二旗地铁站旁边", "Xierqi station", "北京西站", "near the Beijing West Railway Station"):
        loc = gaz.locate(text)
        assert loc.district_code in (HAIDIAN, FENGTAI) and loc.township_code is None and not loc.ambiguous, text


def test_getting_on_the_metro_is_not_shangdi(gaz):
    assert gaz.locate("我刚上地铁，手机被偷了").district_code is None
    assert gaz.locate("上地").township_code == "110108022"


def test_a_ring_road_does_not_hide_a_station_name_inside_it(gaz):
    assert gaz.locate("西四环南路").district_code is None  # not 西四 (西城)


def test_a_chain_or_generic_shop_name_is_no_place(gaz):
    assert gaz.locate("如家快捷酒店").district_code is None
    assert gaz.locate("老北京涮肉").district_code is None


def test_a_common_word_township_counts_only_with_its_district(gaz):
    assert gaz.locate("我从河北来").district_code is None
    assert gaz.locate("房山区河北镇").township_code == "110111107"
    assert gaz.locate("昌平区南口镇").township_code == "110114002"


# --- district names mean the district --------------------------------------------------------------------

@pytest.mark.parametrize("text, district", [
    ("我在海淀", HAIDIAN), ("Haidian District", HAIDIAN), ("丰台", FENGTAI), ("怀柔", "110116"),
    ("密云", "110118"), ("延庆", "110119"), ("I'm in Fengtai", FENGTAI),
])
def test_a_district_name_means_the_district_not_the_street_of_the_same_name(gaz, text, district):
    loc = gaz.locate(text)
    assert (loc.district_code, loc.township_code, loc.ambiguous) == (district, None, False), loc
    assert loc.label("en").endswith(" District") and loc.label("zh").endswith("区")


@pytest.mark.parametrize("text, township", [
    ("海淀街道", "110108012"), ("丰台街道办事处附近", "110106009"), ("密云镇", "110118100"),
    ("延庆镇", "110119100"), ("怀柔地区", "110116003"), ("Haidian Subdistrict", "110108012"),
])
def test_a_township_named_with_its_suffix_is_the_township(gaz, text, township):
    assert gaz.locate(text).township_code == township


# --- address parts ------------------------------------------------------------------------------------------

def test_a_full_address_gives_township_road_number_building_unit_and_room(gaz):
    loc = gaz.locate("朝阳区望京街道阜通东大街6号望京SOHO 2单元1201")
    assert loc.township_code == "110105026"
    assert (loc.address.road, loc.address.number, loc.address.unit, loc.address.room) == ("阜通东大街", "6", "2", "1201")
    assert [p.name_zh for p in loc.places] == ["望京SOHO"]


def test_a_road_that_lies_in_one_township_gives_the_township(gaz):
    assert gaz.locate("上地十街").township_code == "110108022"
    assert gaz.locate("西城区护国寺大街89号").township_code == "110102003"
    loc = gaz.locate("中关村大街")  # runs through several: asked back, district known
    assert loc.ambiguous and loc.district_code == HAIDIAN


def test_relations_and_buildings_are_parsed():
    assert parse_address("北京大学东门").relation == "东门"
    assert parse_address("西二旗地铁站旁边").relation == "旁边"
    assert parse_address("near the Beijing West Railway Station").relation == "near"
    a = parse_address("我家在芳星园三区5号楼")
    assert (a.compound, a.building) == ("芳星园三区", "5")


# --- ambiguity and the answer to the ask-back -------------------------------------------------------------

def test_every_candidate_carries_district_and_township_in_both_languages(gaz):
    loc = gaz.locate("八里庄")
    assert loc.ambiguous and len(loc.candidates) == 2
    assert [p.label("zh") for p in loc.candidates] == ["朝阳区八里庄街道", "海淀区八里庄街道"]
    assert [p.label("en") for p in loc.candidates] == ["Balizhuang Subdistrict, Chaoyang District",
                                                       "Balizhuang Subdistrict, Haidian District"]


@pytest.mark.parametrize("answer, district", [
    ("1", CHAOYANG), ("2", HAIDIAN), ("二", HAIDIAN), ("第一个", CHAOYANG), ("按2", HAIDIAN), ("second", HAIDIAN),
    ("海淀的", HAIDIAN), ("朝阳区", CHAOYANG), ("Haidian", HAIDIAN), ("the Chaoyang one", CHAOYANG),
])
def test_the_answer_picks_a_candidate_by_number_or_district(gaz, answer, district):
    chosen = choose(gaz.locate("八里庄").candidates, answer)
    assert chosen is not None and chosen.district_code == district and chosen.township_name == "八里庄街道"


@pytest.mark.parametrize("answer, township", [
    ("天通苑北", TIANTONGYUAN_N), ("南边那个", TIANTONGYUAN_S), ("Tiantongyuan South", TIANTONGYUAN_S), ("1", TIANTONGYUAN_N),
])
def test_the_answer_picks_a_township_within_one_district(gaz, answer, township):
    assert choose(gaz.locate("天通苑").candidates, answer).township_code == township


@pytest.mark.parametrize("answer", ["3", "昌平", "不知道", "", None, "海淀朝阳都行"])
def test_an_answer_that_names_no_single_candidate_chooses_nothing(gaz, answer):
    assert choose(gaz.locate("八里庄").candidates if answer != "昌平" else gaz.locate("天通苑").candidates,
                  answer) is None


# --- English ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, township", [
    ("Zhongguancun, Haidian", "110108011"), ("Fangzhuang, Fengtai", "110106013"), ("Xueyuan Road", "110108010"),
    ("near Tsinghua", "110108014"), ("Lama Temple", "110101005"), ("Friendship Hospital, Xicheng", "110102014"),
])
def test_english_and_pinyin_names_resolve(gaz, text, township):
    loc = gaz.locate(text)
    assert loc.township_code == township, loc
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in loc.label("en"))


def test_english_names_are_pinyin_with_beijing_readings():
    assert english_name("朝阳区") == "Chaoyang District"
    assert english_name("马家堡街道") == "Majiapu Subdistrict"
    assert english_name("长辛店街道") == "Changxindian Subdistrict"
    assert english_name("北京经济技术开发区") == "Beijing Economic-Technological Development Area"


# --- coordinates --------------------------------------------------------------------------------------------

def test_nearest_places_to_a_position_come_nearest_first_within_the_radius(gaz):
    near = gaz.nearest(40.0530, 116.3060, 800)  # at 西二旗 station
    assert near and near[0][0].name_zh.startswith("西二旗")
    assert [d for _, d in near] == sorted(d for _, d in near) and all(d <= 800 for _, d in near)
    assert gaz.nearest(31.23, 121.47, 5000) == []  # Shanghai is not ours


def test_a_position_gives_the_township_of_the_places_there(gaz):
    loc = gaz.locate_point(39.9960, 116.4800, 500)  # 望京SOHO
    assert loc.township_code == "110105026" and loc.distance_m is not None and loc.distance_m < 500
    assert gaz.locate_point(40.0754, 116.4128, 300).district_code == CHANGPING  # 天通苑 station
    assert gaz.locate_point(41.0, 115.5, 1000).district_code is None


def test_the_gazetteer_is_loaded_once_per_process():
    assert Gazetteer.load() is Gazetteer.load()


def test_a_namesake_township_in_another_district_gives_way_to_the_district_named(gaz):
    # 十里堡 is a metro station in 朝阳 and a town in 密云.
    assert gaz.locate("朝阳区十里堡").district_code == CHAOYANG
    assert gaz.locate("密云十里堡镇").township_code == "110118103"
    assert gaz.locate("我家果园里的树倒了").district_code is None  # 果园 is also a station: only as 果园站
