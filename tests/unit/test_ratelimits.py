"""The shared limiter the channels use: a decorator before the view, hit() inside it, one count for every process."""
import uuid

import pytest
from flask import Flask, jsonify

import ratelimits
from ratelimits import client_address, hit, limit


def make_app(storage_url: str, prefix: str) -> Flask:
    app = Flask(__name__)
    ratelimits.init_app(app, storage_url, key_prefix=prefix)

    @app.post("/chat")
    @limit("3 per minute", key=client_address)
    def chat():
        return jsonify(ok=True)

    @app.post("/conversation/<cid>")
    def conversation(cid):
        verdict = hit("2 per minute", "chat-conversation", cid)
        if not verdict.allowed:
            return jsonify(error="slow down"), 429, {"Retry-After": str(verdict.retry_after_s)}
        return jsonify(remaining=verdict.remaining)

    @app.errorhandler(ratelimits.RateLimited)
    def _limited(exc):
        return jsonify(error="rate_limited"), 429, {"Retry-After": str(exc.retry_after_s)}

    return app


@pytest.mark.parametrize("storage", ["memory://", "redis://127.0.0.1:6379/0"])
def test_the_decorator_refuses_the_request_past_the_limit_with_retry_after(storage):
    client = make_app(storage, f"test-{uuid.uuid4().hex}").test_client()
    codes = [client.post("/chat", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = client.post("/chat", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert 0 < int(last.headers["Retry-After"]) <= 60
    assert client.post("/chat", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200  # another client


def test_hit_counts_per_key_inside_a_view():
    client = make_app("memory://", "t").test_client()
    assert [client.post("/conversation/a").status_code for _ in range(3)] == [200, 200, 429]
    assert client.post("/conversation/b").status_code == 200


def test_two_processes_on_one_redis_share_the_count():
    prefix = f"test-{uuid.uuid4().hex}"
    first, second = make_app("redis://127.0.0.1:6379/0", prefix), make_app("redis://127.0.0.1:6379/0", prefix)
    assert first.test_client().post("/conversation/x").status_code == 200
    assert second.test_client().post("/conversation/x").status_code == 200
    assert first.test_client().post("/conversation/x").status_code == 429


def test_an_unreachable_store_still_limits_in_the_process():
    client = make_app("redis://127.0.0.1:1/0", "t").test_client()  # nothing listens on port 1
    assert [client.post("/conversation/c").status_code for _ in range(3)] == [200, 200, 429]
