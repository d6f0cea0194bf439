"""Production refuses weak secrets, a non-https public URL, a missing Twilio token and per-process limits."""
import pytest

from hotline.config import ConfigError, load_config

PRODUCTION_ENV = {
    "HOTLINE_MODE": "production",
    "SECRET_KEY": "9f1c2b7e4d5a6c8b0e3f1a2d4c6b8e0f9a7c5e3b1d2f4a6c8e0b2d4f6a8c0e2",
    "HOTLINE_API_TOKEN": "api-5d8e1f3a7c9b2d4e6f8a0c2e4b6d8f0a",
    "PUBLIC_BASE_URL": "https://hotline.example.org",
    "TWILIO_AUTH_TOKEN": "0f3e5d7c9b1a2c4e6d8f0a1b3c5d7e9f",
    "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
}


def production(**changes):
    env = {**PRODUCTION_ENV, **changes}
    return load_config(environ={k: v for k, v in env.items() if v is not None})


def test_production_starts_with_strong_secrets_an_https_url_and_redis():
    assert production().is_production


@pytest.mark.parametrize("var,value,key", [
    ("SECRET_KEY", "x", "app.secret_key"),
    ("SECRET_KEY", "a" * 64, "app.secret_key"),  # long but trivial
    ("HOTLINE_API_TOKEN", "1", "api.token"),
    ("HOTLINE_API_TOKEN", "dev-1234567890", "api.token"),
    ("TWILIO_AUTH_TOKEN", "short-token", "twilio.auth_token"),
])
def test_production_refuses_a_weak_secret_and_names_it(var, value, key):
    with pytest.raises(ConfigError, match=rf"{key}: too weak for production.*set {var}"):
        production(**{var: value})


def test_production_refuses_to_start_without_the_twilio_auth_token():
    with pytest.raises(ConfigError, match=r"twilio\.auth_token: required in production \(set TWILIO_AUTH_TOKEN\)"):
        production(TWILIO_AUTH_TOKEN=None)


@pytest.mark.parametrize("url", [None, "http://hotline.example.org", "https://127.0.0.1:5000", "hotline.example.org"])
def test_production_refuses_a_public_url_that_is_not_public_https(url):
    with pytest.raises(ConfigError, match=r"app\.public_base_url: production needs the public https://"):
        production(PUBLIC_BASE_URL=url)


def test_production_refuses_per_process_rate_limits():
    with pytest.raises(ConfigError, match=r"ratelimit\.storage_url: production needs a shared store"):
        production(RATELIMIT_STORAGE_URL=None)


def test_production_with_rasa_needs_its_token():
    with pytest.raises(ConfigError, match=r"rasa\.token: required in production \(set RASA_TOKEN\)"):
        production(RASA_URL="http://127.0.0.1:5005")
    assert production(RASA_URL="http://127.0.0.1:5005", RASA_TOKEN="rasa-7c1e9a3d5b7f2e4c6a8d0b1f3e5c7a9d").rasa.token


def test_development_keeps_working_without_any_secret():
    cfg = load_config(environ={})
    assert cfg.app.mode == "development" and cfg.ratelimit.storage_url == "memory://"
