"""Discovery, the service list and service definitions, through the georeport client and raw HTTP, JSON and XML."""
import requests
import xmltodict

from api.open311.questions import load_questions
from hotline.rules.taxonomy import load_taxonomy
from tests.open311.support import JURISDICTION, ROOT, checked


def test_discovery_lists_the_v2_endpoint_with_both_formats(live_server):
    for fmt in ("json", "xml"):
        r = requests.get(f"{live_server}/open311/discovery.{fmt}", timeout=10)
        assert r.status_code == 200
        doc = checked(r)
        [endpoint] = doc["endpoints"]
        assert endpoint["url"] == "https://hotline.example.org/open311/v2"  # app.public_base_url, not the test host
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
        assert endpoint["type"] == "test"


def test_the_service_list_has_every_code_in_chinese_by_default(georeport, seen):
    services = georeport.get_service_list()
    taxonomy = load_taxonomy()
    assert [s["service_code"] for s in services] == list(taxonomy.codes)
    heating = next(s for s in services if s["service_code"] == "UTL-HEATING")
    assert heating["service_name"] == "供暖不热"
    assert heating["group"] == "水电气热"
    assert heating["type"] == "realtime"
    assert heating["metadata"] is True
    assert "24小时" in heating["description"]
    assert "暖气" in heating["keywords"]
    assert seen and seen[0].url.endswith(f"/services.json?jurisdiction_id={JURISDICTION}")


def test_english_names_follow_accept_language(live_server):
    r = requests.get(f"{live_server}{ROOT}/services.json", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"},
                     timeout=10)
    heating = next(s for s in checked(r) if s["service_code"] == "UTL-HEATING")
    assert heating["service_name"] == "Heating too cold"
    assert heating["group"] == "Water, power, gas and heating"
    assert "24 hours" in heating["description"]
    zh_first = requests.get(f"{live_server}{ROOT}/services.json", headers={"Accept-Language": "zh-CN,en;q=0.8"},
                            timeout=10)
    assert next(s for s in checked(zh_first) if s["service_code"] == "UTL-HEATING")["service_name"] == "供暖不热"


def test_metadata_is_true_exactly_for_the_codes_that_ask_questions(georeport):
    asking = set(load_questions(load_taxonomy()))
    services = georeport.get_service_list()
    assert {s["service_code"] for s in services if s["metadata"]} == asking
    assert {"ENV-NOISE", "UTL-HEATING", "TRF-PARKING", "TRF-TAXI"} <= asking
    assert not any(s["metadata"] for s in services if s["service_code"].startswith("EMG-"))


def test_an_emergency_service_tells_partners_to_call_110_119_120_first(georeport):
    gas = next(s for s in georeport.get_service_list() if s["service_code"] == "EMG-GAS")
    assert "119" in gas["description"] and "2小时" in gas["description"]


def test_the_xml_service_list_parses_into_the_same_services(live_server):
    from georeport import GeoReport
    xml_client = GeoReport(live_server + ROOT, jurisdiction=JURISDICTION, output_format="xml")
    from_xml = xml_client.get_service_list()
    from_json = requests.get(f"{live_server}{ROOT}/services.json", timeout=10).json()
    assert [s["service_code"] for s in from_xml] == [s["service_code"] for s in from_json]
    heating = next(s for s in from_xml if s["service_code"] == "UTL-HEATING")
    assert heating["metadata"] == "true" and heating["service_name"] == "供暖不热"
    checked(requests.get(f"{live_server}{ROOT}/services.xml", timeout=10))


def test_heating_asks_the_indoor_temperature_as_a_required_number(georeport):
    definition = georeport.get_service_definition("UTL-HEATING")
    assert definition["service_code"] == "UTL-HEATING"
    first = definition["attributes"][0]
    assert (first["code"], first["datatype"], first["required"], first["order"], first["variable"]) == \
        ("indoor_temperature", "number", True, 1, True)
    assert "室内温度" in first["description"]


def test_noise_asks_the_time_of_day_from_a_list_and_vehicles_ask_the_plate(live_server):
    en = {"Accept-Language": "en"}
    noise = checked(requests.get(f"{live_server}{ROOT}/services/ENV-NOISE.json", headers=en, timeout=10))
    time_of_day = next(a for a in noise["attributes"] if a["code"] == "time_of_day")
    assert time_of_day["datatype"] == "singlevaluelist" and time_of_day["required"] is True
    assert [v["key"] for v in time_of_day["values"]] == ["morning", "afternoon", "evening", "night"]
    assert time_of_day["values"][3]["name"] == "Night (22:00-6:00)"
    for code in ("TRF-PARKING", "TRF-TAXI"):
        r = requests.get(f"{live_server}{ROOT}/services/{code}.xml", headers=en, timeout=10)
        plate = next(a for a in checked(r)["attributes"] if a["code"] == "plate")
        assert plate["required"] is True and plate["datatype"] == "string"
        assert xmltodict.parse(r.content)["service_definition"]["service_code"] == code


def test_a_service_that_asks_nothing_has_an_empty_definition(live_server):
    r = requests.get(f"{live_server}{ROOT}/services/EMG-GAS.json", timeout=10)
    assert checked(r) == {"service_code": "EMG-GAS", "attributes": []}


def test_an_unknown_service_code_is_a_404_in_the_spec_form(live_server):
    for fmt in ("json", "xml"):
        r = requests.get(f"{live_server}{ROOT}/services/NO-SUCH.{fmt}", timeout=10)
        assert r.status_code == 404
        [error] = checked(r)
        assert "NO-SUCH" in error["description"]


def test_a_wrong_jurisdiction_is_a_404_and_ours_or_none_is_fine(live_server):
    url = f"{live_server}{ROOT}/services.json"
    assert requests.get(url, params={"jurisdiction_id": "nyc.gov"}, timeout=10).status_code == 404
    [error] = checked(requests.get(url, params={"jurisdiction_id": "nyc.gov"}, timeout=10))
    assert "jurisdiction_id" in error["description"]
    assert requests.get(url, params={"jurisdiction_id": JURISDICTION}, timeout=10).status_code == 200
    assert requests.get(url, params={"jurisdiction_id": ""}, timeout=10).status_code == 200  # empty = absent
