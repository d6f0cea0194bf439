"""Config: defaults, env overrides, and errors that name the key."""
import pytest

from hotline.config import ConfigError, load_config


def write(tmp_path, body: str):
    path = tmp_path / "c.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_config_loads_with_the_legal_time_limits():
    cfg = load_config(environ={})
    assert dict(cfg.time_limits.feedback_hours) == {"emergency": 2, "livelihood": 24, "general": 168, "complex": 360}
    assert cfg.app.timezone == "Asia/Shanghai"
    assert cfg.database.url.startswith("sqlite:///")


def test_environment_overrides_deployment_settings_and_secrets():
    cfg = load_config(environ={"DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/h", "HOTLINE_API_TOKEN": "t0k",
                               "RASA_URL": "http://127.0.0.1:5005", "TWILIO_AUTH_TOKEN": "secret"})
    assert cfg.database.url == "postgresql+psycopg://x@127.0.0.1/h"
    assert cfg.api.token == "t0k"
    assert cfg.rasa.url == "http://127.0.0.1:5005"
    assert cfg.twilio.auth_token == "secret"


def test_hotline_config_points_at_another_file(tmp_path):
    path = write(tmp_path, "api: {page_size: 7}\ntime_limits:\n  feedback_hours: "
                           "{emergency: 1, livelihood: 2, general: 3, complex: 4}\n")
    cfg = load_config(environ={"HOTLINE_CONFIG": str(path)})
    assert cfg.api.page_size == 7
    assert cfg.time_limits.feedback_hours["general"] == 3
    assert cfg.time_limits.sign_for_hours["general"] == 2  # untouched settings keep their defaults


def test_an_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"api\.tokn: unknown setting"):
        load_config(write(tmp_path, "api: {tokn: x}\n"), environ={})


def test_a_wrong_type_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"api\.page_size: expected a whole number"):
        load_config(write(tmp_path, "api: {page_size: lots}\n"), environ={})


def test_a_missing_time_limit_class_is_named(tmp_path):
    body = "time_limits:\n  feedback_hours: {emergency: 2}\n"
    with pytest.raises(ConfigError, match=r"time_limits\.feedback_hours: missing class livelihood"):
        load_config(write(tmp_path, body), environ={})


def test_production_refuses_to_start_without_its_secret_key():
    with pytest.raises(ConfigError, match=r"app\.secret_key: required in production \(set SECRET_KEY\)"):
        load_config(environ={"HOTLINE_MODE": "production", "HOTLINE_API_TOKEN": "x"})


def test_production_starts_with_every_secret_given():
    from tests.unit.test_production_config import PRODUCTION_ENV
    cfg = load_config(environ=PRODUCTION_ENV)
    assert cfg.is_production


def test_invalid_yaml_is_reported_with_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "api: [unclosed\n"), environ={})


def test_a_wrong_type_inside_a_mapping_is_named(tmp_path):
    body = "time_limits:\n  feedback_hours: {emergency: soon, livelihood: 24, general: 168, complex: 360}\n"
    with pytest.raises(ConfigError, match=r"time_limits\.feedback_hours\.emergency: expected a number"):
        load_config(write(tmp_path, body), environ={})
