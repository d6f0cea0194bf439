"""The Rasa client: the back-off after a failure."""
import pytest

from hotline.contact.rasa import RasaClient, RasaUnavailable


def test_a_failed_rasa_is_not_asked_again_until_the_back_off_has_passed():
    now = [0.0]
    client = RasaClient("http://127.0.0.1:9", 0.2, retry_after_s=10, clock=lambda: now[0])
    with pytest.raises(RasaUnavailable):
        client.post("/model/parse", {"text": "x"})
    assert not client.available
    now[0] = 10.5
    assert client.available
