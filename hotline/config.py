"""Load config.yaml plus environment overrides into frozen dataclasses; the only reader of config and env."""
from __future__ import annotations

import collections.abc
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
    trusted_proxies: int = 0

    def __post_init__(self) -> None:
        if self.trusted_proxies < 0:
            raise ConfigError("app.trusted_proxies: 0 or more")


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
    api_base_url: str = ""


@dataclass(frozen=True)
class IvrConfig:
    """The voice menu and the SMS channel (ivr/)."""

    gather_timeout_s: int = 6
    voicemail_max_s: int = 120
    dial_timeout_s: int = 20
    agent_queue: str = "hotline"
    callback_delay_s: int = 0
    sms_thread_hours: float = 24.0
    emergency_service_code: str = "EMG-FIRE"


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


ASSESSED_CLOCKS = ("sign_for", "first_contact", "feedback")
RATES = ("response", "resolution", "satisfaction")


@dataclass(frozen=True)
class AssessmentConfig:
    """考评: how the three rates, the composite score, hotspots and surge alerts are computed."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {"response": 10, "resolution": 45, "satisfaction": 45})
    response_clocks: tuple[str, ...] = ("sign_for", "first_contact")
    count_basically_satisfied: bool = True
    timezone: str = "Asia/Shanghai"
    hotspot_min_tickets: int = 3
    hotspot_limit: int = 50
    surge_baseline_weeks: int = 8
    surge_sigmas: float = 3.0
    surge_min_tickets: int = 5

    def __post_init__(self) -> None:
        for name in self.weights:
            if name not in RATES:
                raise ConfigError(f"assessment.weights.{name}: unknown rate (use {', '.join(RATES)})")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ConfigError("assessment.weights: weights must be >= 0 and add up to more than 0")
        if not self.response_clocks:
            raise ConfigError("assessment.response_clocks: list at least one clock")
        for clock in self.response_clocks:
            if clock not in ASSESSED_CLOCKS:
                raise ConfigError(f"assessment.response_clocks: unknown clock {clock!r} "
                                  f"(use {', '.join(ASSESSED_CLOCKS)})")
        if self.surge_baseline_weeks < 2:
            raise ConfigError("assessment.surge_baseline_weeks: needs at least 2 weeks")
        try:
            import zoneinfo
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"assessment.timezone: unknown time zone {self.timezone!r}") from exc


# Who an escalation step tells: the unit holding the ticket (its head), the district supervisors, the city.
LADDER_AUDIENCES = ("unit", "district", "city")


@dataclass(frozen=True)
class SchedulerConfig:
    """The scheduler process (callbacks/): how often it sweeps and how much it sends at once."""

    sweep_interval_s: float = 1.0
    batch_size: int = 200
    pool_size: int = 64
    misfire_grace_s: int = 300
    claim_lease_s: float = 60.0
    lock_file: str = ""

    def __post_init__(self) -> None:
        for name in ("sweep_interval_s", "batch_size", "pool_size", "misfire_grace_s", "claim_lease_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"scheduler.{name}: must be positive")


@dataclass(frozen=True)
class RemindersConfig:
    """Reminders to the assigned unit before a clock runs out."""

    fractions: tuple[float, ...] = (0.5, 0.8)
    sms: bool = True

    def __post_init__(self) -> None:
        if any(not 0 < f < 1 for f in self.fractions) or list(self.fractions) != sorted(set(self.fractions)):
            raise ConfigError("reminders.fractions: numbers between 0 and 1, ascending, e.g. [0.5, 0.8]")


@dataclass(frozen=True)
class LadderStep:
    """One rung of the escalation ladder: who is told, how long after the deadline."""

    to: str = "unit"
    after_hours: float = 0.0

    def __post_init__(self) -> None:
        if self.to not in LADDER_AUDIENCES:
            raise ConfigError(f"escalation: step 'to' must be one of {', '.join(LADDER_AUDIENCES)}, got {self.to!r}")
        if self.after_hours < 0:
            raise ConfigError("escalation: after_hours must be 0 or more")


@dataclass(frozen=True)
class EscalationConfig:
    """吹哨 up the ladder when a clock is missed, per clock."""

    sign_for: tuple[LadderStep, ...] = (LadderStep("district", 0.0),)
    first_contact: tuple[LadderStep, ...] = (LadderStep("unit", 0.0),)
    feedback: tuple[LadderStep, ...] = (LadderStep("unit", 0.0), LadderStep("district", 4.0),
                                        LadderStep("city", 24.0))
    sms: bool = True

    def __post_init__(self) -> None:
        for name in ("sign_for", "first_contact", "feedback"):
            hours = [step.after_hours for step in getattr(self, name)]
            if hours != sorted(hours):
                raise ConfigError(f"escalation.{name}: steps must be in order of after_hours")


@dataclass(frozen=True)
class OutboxConfig:
    """Sending queued SMS and calls: retries and status callbacks."""

    max_attempts: int = 6
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0
    status_callbacks: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.backoff_base_s <= 0 or self.backoff_max_s < self.backoff_base_s:
            raise ConfigError("outbox: max_attempts >= 1 and 0 < backoff_base_s <= backoff_max_s")


@dataclass(frozen=True)
class QuietHoursConfig:
    """No SMS or calls in these local hours, except for emergencies."""

    start: str = "22:00"
    end: str = "08:00"

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            hh, sep, mm = value.partition(":")
            if not (sep and hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60 and len(mm) == 2):
                raise ConfigError(f"quiet_hours.{name}: expected HH:MM, got {value!r}")


@dataclass(frozen=True)
class FollowupConfig:
    """回访: the satisfaction survey after a ticket is answered."""

    channel: str = "call"
    delay_after_resolve_minutes: float = 0.0
    max_call_attempts: int = 3
    call_retry_minutes: float = 60.0
    sms_answer_hours: float = 72.0
    call_timeout_s: int = 30

    def __post_init__(self) -> None:
        if self.channel not in ("call", "sms"):
            raise ConfigError(f"followup.channel: call or sms, got {self.channel!r}")
        if self.max_call_attempts < 0 or self.call_retry_minutes <= 0 or self.sms_answer_hours <= 0:
            raise ConfigError("followup: max_call_attempts >= 0, call_retry_minutes and sms_answer_hours > 0")


@dataclass(frozen=True)
class CallbacksConfig:
    """Placing callbacks a citizen asked for; each request carries its own delay, window, attempts, retry delay."""

    agent_ring_s: int = 30
    citizen_ring_s: int = 30
    answer_wait_s: int = 900

    def __post_init__(self) -> None:
        if min(self.agent_ring_s, self.citizen_ring_s, self.answer_wait_s) <= 0:
            raise ConfigError("callbacks: ring and wait times must be positive")


# Procfile.cluster runs this many of each: web host, Rasa server, action server.
CLUSTER_HOSTS = 2


@dataclass(frozen=True)
class ClusterConfig:
    """`make cluster`: ports, services and files of the small city deployment on one machine (deploy/)."""

    dir: str = "instance/cluster"
    port: int = 8100
    rasa_port: int = 8101
    web_ports: tuple[int, ...] = (5101, 5102)
    rasa_ports: tuple[int, ...] = (5111, 5112)
    action_ports: tuple[int, ...] = (5121, 5122)
    web_workers: int = 2
    web_threads: int = 8
    public_base_url: str = ""
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/hotline_cluster"
    rasa_tracker_store_url: str = "postgresql://postgres@127.0.0.1:5432/hotline_cluster_rasa"
    redis_url: str = "redis://127.0.0.1:6379/1"
    rasa_lock_lifetime_s: int = 5
    rasa_timeout_s: float = 12.0

    def __post_init__(self) -> None:
        for name in ("web_ports", "rasa_ports", "action_ports"):
            if len(getattr(self, name)) != CLUSTER_HOSTS:
                raise ConfigError(f"cluster.{name}: list {CLUSTER_HOSTS} ports (Procfile.cluster runs "
                                  f"{CLUSTER_HOSTS} of each)")
        ports = [self.port, self.rasa_port, *self.web_ports, *self.rasa_ports, *self.action_ports]
        if any(not 0 < p < 65536 for p in ports):
            raise ConfigError("cluster: ports must be between 1 and 65535")
        if len(set(ports)) != len(ports):
            raise ConfigError("cluster: every port must be different")
        if min(self.web_workers, self.web_threads, self.rasa_lock_lifetime_s) < 1 or self.rasa_timeout_s <= 0:
            raise ConfigError("cluster: web_workers, web_threads, rasa_lock_lifetime_s and rasa_timeout_s "
                              "must be positive")


@dataclass(frozen=True)
class Config:
    """Every setting of the hotline."""

    app: AppConfig = field(default_factory=AppConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    phone: PhoneConfig = field(default_factory=PhoneConfig)
    twilio: TwilioConfig = field(default_factory=TwilioConfig)
    ivr: IvrConfig = field(default_factory=IvrConfig)
    rasa: RasaConfig = field(default_factory=RasaConfig)
    time_limits: TimeLimitsConfig = field(default_factory=TimeLimitsConfig)
    similar: SimilarConfig = field(default_factory=SimilarConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    quiet_hours: QuietHoursConfig = field(default_factory=QuietHoursConfig)
    followup: FollowupConfig = field(default_factory=FollowupConfig)
    callbacks: CallbacksConfig = field(default_factory=CallbacksConfig)
    assessment: AssessmentConfig = field(default_factory=AssessmentConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)

    @property
    def is_production(self) -> bool:
        """True when running for real citizens."""
        return self.app.mode == "production"


# Environment variables that override a setting, by dotted path.
ENV_OVERRIDES: dict[str, str] = {
    "HOTLINE_MODE": "app.mode",
    "SECRET_KEY": "app.secret_key",
    "PUBLIC_BASE_URL": "app.public_base_url",
    "TRUSTED_PROXIES": "app.trusted_proxies",
    "DATABASE_URL": "database.url",
    "HOTLINE_API_TOKEN": "api.token",
    "TWILIO_ACCOUNT_SID": "twilio.account_sid",
    "TWILIO_AUTH_TOKEN": "twilio.auth_token",
    "TWILIO_PHONE_NUMBER": "twilio.phone_number",
    "TWILIO_AGENT_NUMBER": "twilio.agent_number",
    "TWILIO_API_BASE_URL": "twilio.api_base_url",
    "RASA_URL": "rasa.url",
    "RASA_TIMEOUT_S": "rasa.timeout_s",
    "CLUSTER_DATABASE_URL": "cluster.database_url",
    "CLUSTER_RASA_TRACKER_STORE_URL": "cluster.rasa_tracker_store_url",
    "CLUSTER_REDIS_URL": "cluster.redis_url",
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
    if origin in (collections.abc.Mapping, dict):
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
