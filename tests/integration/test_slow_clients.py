"""The Procfile's web process stays responsive while slow clients trickle their bodies in."""
import time

import requests

from tests.web_process import SlowClients, free_port, procfile_command, running, web_env


def test_healthz_answers_within_a_second_while_twelve_slow_clients_hold_connections(tmp_path):
    port = free_port()
    with running(procfile_command("web", port), port, web_env(tmp_path), tmp_path / "web.log") as url:
        with SlowClients(port, 12) as slow:
            time.sleep(1.0)  # every slow client has reached the server and is mid-body
            answers = []
            for _ in range(5):
                r = requests.get(f"{url}/healthz", timeout=1.0)  # a stalled server raises ReadTimeout here
                answers.append(r.status_code)
                time.sleep(0.3)
            assert answers == [200] * 5
            assert slow.open_count() == 12 and slow.sent >= 12  # they were still trickling all along
        # Voice, SMS, chat and the console are served by the same process: one of each answers too.
        assert requests.get(f"{url}/console/login", timeout=5).status_code == 200
        assert requests.post(f"{url}/twilio/sms", data={"From": "+8613800138000"}, timeout=5).status_code == 403
