"""Chat turn latency: through the app (/chat/api/messages) and, in the same run, straight to Rasa's REST webhook.

Target: the app adds <= 10% to Rasa's own time per turn; p95 <= 150 ms per turn on 2 cores.
Run: `.venv/bin/python -m bench.chat [--conversations 15]` (starts Rasa, the action server and the app; ~2 min).
"""
from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from werkzeug.serving import make_server

from app import create_app
from bench.common import BENCH_TOKEN, fresh_services, percentile
from bot.tools.servers import start_bot

# One complete complaint, as a citizen types it in the widget.
SCRIPT = ["我们小区垃圾好几天没人清运了，臭得不行", "朝阳区望京街道", "13800138000", "/affirm"]
TARGET_OVERHEAD = 0.10
TARGET_P95_MS = 150


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=15)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request would be timed too
    logs = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    http = requests.Session()
    holder = {}
    # The action server needs the app's address before the app exists: a tiny gateway forwards to it.
    server, app_url = serve(lambda environ, start: holder["app"](environ, start))
    stack = start_bot(logs, api_url=app_url, api_token=BENCH_TOKEN)
    try:
        with fresh_services("sqlite", **{"rasa.url": stack.url, "rasa.timeout_s": 30, "rasa.token": stack.token,
                                          # Each conversation from an address of its own, as citizens are,
                                          # and room for both paths' tickets (the peer's bot files too): the
                                          # widget's limits are not what is measured here.
                                          "app.trusted_proxies": 1, "chat.max_tickets_per_minute": 1000}) as svc:
            holder["app"] = create_app(svc.config, services=svc)
            via_app, via_rasa = [], []
            for i in range(args.conversations + 1):
                cid, sender = None, f"bench-{uuid.uuid4().hex}"
                for text in SCRIPT:
                    # The server issues the conversation's key with its first answer; the widget sends it back.
                    t0 = time.perf_counter()
                    r = http.post(f"{app_url}/chat/api/messages",
                                  json={"text": text, **({"conversation_id": cid} if cid else {})},
                                  headers={"X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"})
                    t1 = time.perf_counter()
                    r.raise_for_status()
                    cid = r.json()["conversation_id"]
                    d = http.post(f"{stack.url}/webhooks/rest/webhook", json={
                        "sender": sender, "message": text,
                        "metadata": {"channel": "web", "language": "zh", "chat_id": cid.split(".")[0]}})
                    t2 = time.perf_counter()
                    d.raise_for_status()
                    if i:  # the first conversation warms both paths up
                        via_app.append((t1 - t0) * 1000)
                        via_rasa.append((t2 - t1) * 1000)
                assert r.json().get("ticket"), f"the scripted conversation did not file a ticket: {r.json()}"
    finally:
        stack.stop()
        server.shutdown()
    app_med, rasa_med = statistics.median(via_app), statistics.median(via_rasa)
    overhead = (app_med - rasa_med) / rasa_med
    print(f"{len(via_app)} turns each ({args.conversations} complete complaints of {len(SCRIPT)} turns)")
    print(f"through /chat/api/messages: median {app_med:.1f} ms, p95 {percentile(via_app, 95):.1f} ms "
          f"(target p95 <= {TARGET_P95_MS} ms)")
    print(f"straight to Rasa's webhook: median {rasa_med:.1f} ms, p95 {percentile(via_rasa, 95):.1f} ms (peer)")
    print(f"app overhead: {overhead:+.0%} of Rasa's own time per turn (target <= {TARGET_OVERHEAD:.0%})")


if __name__ == "__main__":
    main()
