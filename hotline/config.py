"""Load config.yaml plus environment overrides into frozen dataclasses; the only reader of config and env."""
from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yaml"


class ConfigError(ValueError):
    """A setting is unknown, of the wrong type, or missing."""


@dataclass(frozen=True)
class AppConfig:
    """Process-wide settings."""

    mode: str = "development"
    secret_key: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    timezone: str = "Asia/Shanghai"
    default_lang: str = "zh"


@dataclass(frozen=True)
class DatabaseConfig:
    """Where tickets live."""

    url: str = "sqlite:///instance/hotline.db"
    echo: bool = False
    pool_size: int = 10


@dataclass(frozen=True)
class ApiConfig:
    """The JSON API used by bot actions and partners."""

    token: str = ""
    page_size: int = 50
    max_page_size: int = 200
    max_text_chars: int = 4000


@dataclass(frozen=True)
class PhoneConfig:
    """How citizens' numbers are read."""

    default_region: str = "CN"


@dataclass(frozen=True)
class TwilioConfig:
    """Twilio credentials and voices."""

    account_sid: str = ""
    auth_token: str = ""
    phone_number: str = ""
    voice_zh: str = "Polly.Zhiyu"
    say_language_zh: str = "cmn-CN"
    gather_language_zh: str = "cmn-Hans-CN"
    voice_en: str = "Polly.Joanna"
    say_language_en: str = "en-US"
    gather_language_en: str = "en-US"
    agent_number: str = ""
    http_timeout_s: float = 10.0


@dataclass(frozen=True)
class RasaConfig:
    """The Rasa server the dialogue port talks to."""

    url: str = ""
    timeout_s: float = 3.0


@dataclass(frozen=True)
class TimeLimitsConfig:
    """Hours for each clock by time-limit class."""

    feedback_hours: Mapping[str, float] = field(
        default_factory=lambda: {"emergency": 2, "livelihood": 24, "general": 168, "complex": 360})
    sign_for_hours: Mapping[str, float] = field(
        default_factory=lambda: {"emergency": 0.25, "livelihood": 1, "general": 2, "complex": 2})
    first_contact_hours: Mapping[str, float] = field(
        default_factory=lambda: {"emergency": 1, "livelihood": 4, "general": 24, "complex": 48})
    followup_delay_hours: float = 24.0


@dataclass(frozen=True)
class SimilarConfig:
    """Similar-complaint linking (合并同类项)."""

    window_days: float = 7.0
    min_similarity: float = 0.3
    max_candidates: int = 200


@dataclass(frozen=True)
class Config:
    """Every setting of the hotline."""

    app: AppConfig = field(default_factory=AppConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    phone: PhoneConfig = field(default_factory=PhoneConfig)
    twilio: TwilioConfig = field(default_factory=TwilioConfig)
    rasa: RasaConfig = field(default_factory=RasaConfig)
    time_limits: TimeLimitsConfig = field(default_factory=TimeLimitsConfig)
    similar: SimilarConfig = field(default_factory=SimilarConfig)

    @property
    def is_production(self) -> bool:
        """True when running for real citizens."""
        return self.app.mode == "production"


# Environment variables that override a setting, by dotted path.
ENV_OVERRIDES: dict[str, str] = {
    "HOTLINE_MODE": "app.mode",
    "SECRET_KEY": "app.secret_key",
    "PUBLIC_BASE_URL": "app.public_base_url",
    "DATABASE_URL": "database.url",
    "HOTLINE_API_TOKEN": "api.token",
    "TWILIO_ACCOUNT_SID": "twilio.account_sid",
    "TWILIO_AUTH_TOKEN": "twilio.auth_token",
    "TWILIO_PHONE_NUMBER": "twilio.phone_number",
    "TWILIO_AGENT_NUMBER": "twilio.agent_number",
    "RASA_URL": "rasa.url",
}

# Secrets that production refuses to start without.
REQUIRED_IN_PRODUCTION = ("app.secret_key", "api.token", "app.public_base_url")

TIME_LIMIT_CLASSES = ("emergency", "livelihood", "general", "complex")


def load_config(path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Read the YAML file (HOTLINE_CONFIG or config.yaml), apply env and explicit overrides, validate."""
    environ = os.environ if environ is None else environ
    path = Path(path or environ.get("HOTLINE_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path} must be a mapping of sections")
    for var, dotted in ENV_OVERRIDES.items():
        if environ.get(var):
            _set_dotted(raw, dotted, environ[var])
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    config = _build(Config, raw, "")
    _check(config)
    return config


def _set_dotted(raw: dict, dotted: str, value: Any) -> None:
    section, _, key = dotted.partition(".")
    target = raw.setdefault(section, {})
    if not isinstance(target, dict):
        raise ConfigError(f"{section}: must be a mapping")
    target[key] = value


def _build(cls: type, raw: Any, prefix: str) -> Any:
    """Turn a mapping into dataclass cls, naming the first bad key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: expected a mapping, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in names:
            raise ConfigError(f"{prefix}{key}: unknown setting")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            continue
        values[f.name] = _coerce(hints[f.name], raw[f.name], f"{prefix}{f.name}")
    return cls(**values)


def _coerce(hint: Any, value: Any, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key + ".")
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _coerce(args[0], value, key)
    if origin in (Mapping, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {type(value).__name__}")
        _, val_type = typing.get_args(hint)
        return types.MappingProxyType({str(k): _coerce(val_type, v, f"{key}.{k}") for k, v in value.items()})
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {type(value).__name__}")
        (item_type, *_rest) = typing.get_args(hint)
        return tuple(_coerce(item_type, v, f"{key}[]") for v in value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        try:
            return float(value)
        except ValueError as exc:
            raise ConfigError(f"{key}: expected a number, got {value!r}") from exc
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ConfigError(f"{key}: expected a whole number, got {value!r}")
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"{key}: expected a whole number, got {value!r}") from exc
    if hint is str:
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{key}: expected text, got {value!r}")
        return str(value)
    return value


def _check(config: Config) -> None:
    """Cross-field rules that types cannot express."""
    if config.app.mode not in ("development", "test", "production"):
        raise ConfigError(f"app.mode: must be development, test or production, got {config.app.mode!r}")
    tl = config.time_limits
    for name in ("feedback_hours", "sign_for_hours", "first_contact_hours"):
        table = getattr(tl, name)
        missing = [c for c in TIME_LIMIT_CLASSES if c not in table]
        if missing:
            raise ConfigError(f"time_limits.{name}: missing class {', '.join(missing)}")
        extra = [c for c in table if c not in TIME_LIMIT_CLASSES]
        if extra:
            raise ConfigError(f"time_limits.{name}.{extra[0]}: unknown time-limit class")
        for cls, hours in table.items():
            if hours <= 0:
                raise ConfigError(f"time_limits.{name}.{cls}: must be positive")
    if config.is_production:
        for dotted in REQUIRED_IN_PRODUCTION:
            section, _, key = dotted.partition(".")
            if not getattr(getattr(config, section), key):
                env = next((v for v, d in ENV_OVERRIDES.items() if d == dotted), dotted)
                raise ConfigError(f"{dotted}: required in production (set {env})")
