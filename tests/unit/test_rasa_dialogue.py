"""Reading Rasa's answers: groups from /model/parse, and the back-off after a failure."""
import pytest

from hotline.contact.rasa import RasaClassifier, RasaClient, RasaUnavailable, model_group


def parse(intent, confidence=0.9, selector=None, key=None, sel_conf=0.8):
    out = {"intent": {"name": intent, "confidence": confidence}, "response_selector": {}}
    if selector:
        out["response_selector"][selector] = {"response": {"intent_response_key": key, "confidence": sel_conf}}
    return out


def test_the_group_comes_from_the_retrieval_sub_intent_with_the_weaker_confidence():
    assert model_group(parse("give_details", 0.95, "give_details", "give_details/housing", 0.7)) == (
        "housing", 0.7, False)
    assert model_group(parse("faq", 0.9, "faq", "faq/labor__social_insurance_query", 0.99)) == ("labor", 0.9, True)
    assert model_group(parse("emergency", 0.97)) == ("emergency", 0.97, False)
    assert model_group(parse("greet")) == (None, 0.0, False)
    assert model_group({}) == (None, 0.0, False)


class FakeClient:
    def __init__(self, answer=None, fail=False):
        self.answer, self.fail = answer, fail

    def post(self, path, body):
        if self.fail:
            raise RasaUnavailable("down")
        return self.answer


def test_the_classifier_picks_the_code_inside_the_models_group(core):
    c = RasaClassifier(FakeClient(parse("give_details", 0.9, "give_details", "give_details/utilities", 0.9)),
                       core.taxonomy)
    result = c.classify("暖气不热")
    assert (result.group, result.service_code, result.confidence) == ("utilities", "UTL-HEATING", 0.9)


def test_an_emergency_keyword_outranks_the_model(core):
    c = RasaClassifier(FakeClient(parse("give_details", 0.99, "give_details", "give_details/housing", 0.99)),
                       core.taxonomy)
    assert c.classify("电梯困人了，快来").group == "emergency"


def test_an_unsure_model_is_used_only_when_no_keyword_matched(core):
    c = RasaClassifier(FakeClient(parse("give_details", 0.4, "give_details", "give_details/labor", 0.4)),
                       core.taxonomy)
    result = c.classify("这事儿一直拖着没人理")
    assert (result.group, result.confidence) == ("labor", 0.15)


def test_the_classifier_falls_back_to_keywords_when_rasa_is_down_or_unsure(core):
    down = RasaClassifier(FakeClient(fail=True), core.taxonomy).classify("暖气不热")
    unsure = RasaClassifier(FakeClient(parse("give_details", 0.3, "give_details", "give_details/market", 0.3)),
                            core.taxonomy).classify("暖气不热")
    assert down == unsure == core.taxonomy.classify("暖气不热")


def test_a_failed_rasa_is_not_asked_again_until_the_back_off_has_passed():
    now = [0.0]
    client = RasaClient("http://127.0.0.1:9", 0.2, retry_after_s=10, clock=lambda: now[0])
    with pytest.raises(RasaUnavailable):
        client.post("/model/parse", {"text": "x"})
    assert not client.available
    now[0] = 10.5
    assert client.available
