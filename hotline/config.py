"""Load config.yaml plus environment overrides into frozen dataclasses; the only reader of config and env."""
from __future__ import annotations

import collections.abc
import dataclasses
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

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
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigError("app.trusted_proxies: the number of proxies in front of the app, 0 to 5")


@dataclass(frozen=True)
class AuthConfig:
    """Console sign-in: sessions, attempt limits, passwords and the second factor."""

    idle_timeout_minutes: float = 30.0
    max_session_hours: float = 12.0
    login_limit_per_user_address: str = "5 per 15 minutes"
    login_limit_per_address: str = "20 per 15 minutes"
    login_limit_per_user: str = "30 per hour"
    require_totp: bool = False
    totp_issuer: str = "12345 Hotline"

    def __post_init__(self) -> None:
        if self.idle_timeout_minutes <= 0 or self.max_session_hours <= 0:
            raise ConfigError("auth: idle_timeout_minutes and max_session_hours must be positive")
        from limits import parse  # the notation Flask-Limiter reads
        for name in ("login_limit_per_user_address", "login_limit_per_address", "login_limit_per_user"):
            try:
                parse(getattr(self, name))
            except ValueError as exc:
                raise ConfigError(f"auth.{name}: expected e.g. '5 per 15 minutes', got {getattr(self, name)!r}") from exc


@dataclass(frozen=True)
class RateLimitConfig:
    """Where rate-limit counters live: memory (one process, development) or Redis (every process and host)."""

    storage_url: str = "memory://"
    key_prefix: str = "hotline"

    def __post_init__(self) -> None:
        if not self.storage_url.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
            raise ConfigError(f"ratelimit.storage_url: memory:// or redis://host:port/db, got {self.storage_url!r}")


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
    token: str = ""


@dataclass(frozen=True)
class NluConfig:
    """The core's classifier (hotline/understanding)."""

    model_path: str = "instance/nlu/model.npz"
    reload_check_s: float = 5.0


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
    # Consultations the hotline answered itself (knowledge base or agent), never dispatched to a unit.
    count_answered_consults: bool = False
    timezone: str = "Asia/Shanghai"
    hotspot_min_tickets: int = 3
    hotspot_limit: int = 50
    surge_baseline_weeks: int = 8
    surge_sigmas: float = 3.0
    surge_min_tickets: int = 5
    min_orders_ranked: int = 5
    confidence_z: float = 1.96

    def __post_init__(self) -> None:
        if self.min_orders_ranked < 1:
            raise ConfigError("assessment.min_orders_ranked: at least 1")
        if self.confidence_z <= 0:
            raise ConfigError("assessment.confidence_z: must be positive (1.96 for 95%)")
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
class WhistlesConfig:
    """吹哨报到 clocks: report in within hours of the summons, part done by the ticket's deadline."""

    report_hours: Mapping[str, float] = field(default_factory=lambda: types.MappingProxyType(
        {"emergency": 0.5, "livelihood": 2.0, "general": 2.0, "complex": 2.0}))
    fractions: tuple[float, ...] = (0.5, 0.8)
    # unit = the head of the summoned department; district and city as for the other clocks.
    ladder: tuple[LadderStep, ...] = (LadderStep("unit", 0.0), LadderStep("district", 2.0),
                                      LadderStep("city", 8.0))
    sms: bool = True

    def __post_init__(self) -> None:
        if any(not 0 < f < 1 for f in self.fractions) or list(self.fractions) != sorted(set(self.fractions)):
            raise ConfigError("whistles.fractions: numbers between 0 and 1, ascending, e.g. [0.5, 0.8]")
        hours = [s.after_hours for s in self.ladder]
        if hours != sorted(hours):
            raise ConfigError("whistles.ladder: steps must be in order of after_hours")


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


# A partner's name: what its tickets are filed under (actor "open311:<name>") and its env variable's tail.
PARTNER_NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,23}")
# Shortest partner token accepted: a guessable key would let anyone file in a partner's name.
MIN_PARTNER_TOKEN = 16
# OPEN311_TOKEN_<NAME> sets open311.partners.<name> (the token is a secret: never in config.yaml).
PARTNER_TOKEN_ENV = "OPEN311_TOKEN_"


@dataclass(frozen=True)
class Open311Config:
    """Open311 GeoReport v2 for partner apps (api/open311/): who may file, which jurisdiction, page sizes."""

    jurisdiction_id: str = "12345.beijing.gov.cn"
    partners: Mapping[str, str] = field(default_factory=lambda: types.MappingProxyType({}))
    accept_api_token: bool = True
    page_size: int = 200
    max_page_size: int = 1000
    max_days: int = 90
    contact: str = ""
    key_service: str = ""

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for name, token in self.partners.items():
            if not PARTNER_NAME.fullmatch(name):
                raise ConfigError(f"open311.partners.{name}: a partner name is 1-24 lowercase letters, digits or _")
            if token and len(token) < MIN_PARTNER_TOKEN:
                raise ConfigError(f"open311.partners.{name}: the token must be at least {MIN_PARTNER_TOKEN} characters")
            if token and token in seen:
                raise ConfigError(f"open311.partners.{name}: same token as {seen[token]} (one token per partner)")
            seen[token] = name
        if not 1 <= self.page_size <= self.max_page_size:
            raise ConfigError("open311: 1 <= page_size <= max_page_size")
        if self.max_days < 1:
            raise ConfigError("open311.max_days: must be at least 1")


@dataclass(frozen=True)
class ChatConfig:
    """Budgets for conversations whose sender is no verified phone (the web chat is open to the internet)."""

    max_messages_per_minute: int = 12
    max_tickets_per_minute: int = 30
    allowed_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if min(self.max_messages_per_minute, self.max_tickets_per_minute) <= 0:
            raise ConfigError("chat: budgets must be positive")


@dataclass(frozen=True)
class KnowledgeConfig:
    """The knowledge base that answers common questions (hotline/data/knowledge)."""

    path: str = ""
    threshold: float = 0.08
    serve_unreviewed: bool = True
    search_limit: int = 10

    def __post_init__(self) -> None:
        if self.threshold < 0:
            raise ConfigError("knowledge.threshold: must be 0 or more")
        if self.search_limit < 1:
            raise ConfigError("knowledge.search_limit: must be at least 1")


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
    auth: AuthConfig = field(default_factory=AuthConfig)
    ratelimit: RateLimitConfig = field(default_factory=RateLimitConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    phone: PhoneConfig = field(default_factory=PhoneConfig)
    twilio: TwilioConfig = field(default_factory=TwilioConfig)
    ivr: IvrConfig = field(default_factory=IvrConfig)
    rasa: RasaConfig = field(default_factory=RasaConfig)
    nlu: NluConfig = field(default_factory=NluConfig)
    time_limits: TimeLimitsConfig = field(default_factory=TimeLimitsConfig)
    similar: SimilarConfig = field(default_factory=SimilarConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    whistles: WhistlesConfig = field(default_factory=WhistlesConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    quiet_hours: QuietHoursConfig = field(default_factory=QuietHoursConfig)
    followup: FollowupConfig = field(default_factory=FollowupConfig)
    callbacks: CallbacksConfig = field(default_factory=CallbacksConfig)
    chat: ChatConfig = field(default_factory=ChatConfig)
    assessment: AssessmentConfig = field(default_factory=AssessmentConfig)
    open311: Open311Config = field(default_factory=Open311Config)
    knowledge: KnowledgeConfig = field(default_factory=KnowledgeConfig)
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
    "HOTLINE_NLU_MODEL": "nlu.model_path",
    "HOTLINE_KNOWLEDGE": "knowledge.path",
    "RASA_TOKEN": "rasa.token",
    "RATELIMIT_STORAGE_URL": "ratelimit.storage_url",
    "TRUSTED_PROXIES": "app.trusted_proxies",
    "RASA_TIMEOUT_S": "rasa.timeout_s",
    "CLUSTER_DATABASE_URL": "cluster.database_url",
    "CLUSTER_RASA_TRACKER_STORE_URL": "cluster.rasa_tracker_store_url",
    "CLUSTER_REDIS_URL": "cluster.redis_url",
}

# Secrets that production refuses to start without.
REQUIRED_IN_PRODUCTION = ("app.secret_key", "api.token", "app.public_base_url", "twilio.auth_token")
# Shortest secret production accepts (a random 32-byte hex key has 64 characters; Twilio's token has 32).
MIN_SECRET_CHARS = {"app.secret_key": 32, "api.token": 32, "twilio.auth_token": 32, "rasa.token": 32}

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
    _partner_tokens_from_env(raw, environ)
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    config = _build(Config, raw, "")
    _check(config)
    return config


def _partner_tokens_from_env(raw: dict, environ: Mapping[str, str]) -> None:
    """OPEN311_TOKEN_CITYMAP=... becomes open311.partners.citymap."""
    for var in sorted(environ):
        if not var.startswith(PARTNER_TOKEN_ENV) or not environ[var]:
            continue
        section = raw.setdefault("open311", {})
        if not isinstance(section, dict):
            raise ConfigError("open311: must be a mapping")
        partners = section.get("partners") or {}
        if not isinstance(partners, dict):
            raise ConfigError("open311.partners: expected a mapping of partner name to token")
        partners[var[len(PARTNER_TOKEN_ENV):].lower()] = environ[var]
        section["partners"] = partners


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
    report = config.whistles.report_hours
    missing = [c for c in TIME_LIMIT_CLASSES if c not in report]
    extra = [c for c in report if c not in TIME_LIMIT_CLASSES]
    if missing or extra:
        raise ConfigError(f"whistles.report_hours: give exactly the classes {', '.join(TIME_LIMIT_CLASSES)}")
    if any(h <= 0 for h in report.values()):
        raise ConfigError("whistles.report_hours: hours must be positive")
    o311 = config.open311
    if "api" in o311.partners and o311.accept_api_token:
        raise ConfigError("open311.partners.api: the name api is the JSON API's own token (open311.accept_api_token)")
    if config.api.token and config.api.token in o311.partners.values():
        raise ConfigError("open311.partners: a partner token equals api.token; give each partner its own")
    if config.is_production:
        _check_production(config)


def _env_name(dotted: str) -> str:
    return next((v for v, d in ENV_OVERRIDES.items() if d == dotted), dotted)


def _check_production(config: Config) -> None:
    """Production refuses missing or weak secrets, a non-https public URL and per-process rate limits."""
    def value(dotted: str) -> str:
        section, _, key = dotted.partition(".")
        return getattr(getattr(config, section), key)

    required = REQUIRED_IN_PRODUCTION + (("rasa.token",) if config.rasa.url else ())
    for dotted in required:
        if not value(dotted):
            raise ConfigError(f"{dotted}: required in production (set {_env_name(dotted)})")
    for dotted, shortest in MIN_SECRET_CHARS.items():
        secret = value(dotted)
        if secret and (len(secret) < shortest or len(set(secret)) < 8):
            raise ConfigError(f"{dotted}: too weak for production: at least {shortest} random characters "
                              f"(set {_env_name(dotted)}, e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
    url = config.app.public_base_url
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.hostname in ("127.0.0.1", "localhost"):
        raise ConfigError(f"app.public_base_url: production needs the public https:// URL Twilio calls, got {url!r} "
                          f"(set PUBLIC_BASE_URL)")
    if config.ratelimit.storage_url.startswith("memory://"):
        raise ConfigError("ratelimit.storage_url: production needs a shared store so limits hold across processes "
                          "and hosts (set RATELIMIT_STORAGE_URL=redis://127.0.0.1:6379/0)")
