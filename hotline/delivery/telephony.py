"""Telephony port: outbound SMS and calls through Twilio, or a dev outbox without credentials."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.privacy import mask_phone, redact_phones

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it accepted a message or call."""

    sid: str
    status: str


class TelephonyError(Exception):
    """The provider refused or could not be reached; `retryable` says whether trying later may help."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None,
                 retryable: bool = False, in_doubt: bool = False):
        # Provider messages quote the number ("The 'To' number +86... is not valid"): mask it once here.
        self.message = redact_phones(message)
        self.code = code
        self.status = status
        self.retryable = retryable
        # The request went out and no answer came back: the provider may well have accepted it.
        self.in_doubt = in_doubt
        super().__init__(self.message)

    def __repr__(self) -> str:
        return (f"TelephonyError(code={self.code!r}, status={self.status!r}, "
                f"retryable={self.retryable!r}, in_doubt={self.in_doubt!r}, message={self.message!r})")


@dataclass(frozen=True)
class SentSms:
    """A message the provider holds for a number (to check a send whose answer was lost)."""

    sid: str
    body: str
    status: str
    created_at: datetime | None


@runtime_checkable
class Telephony(Protocol):
    """Outbound SMS and voice."""

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None,
                 media_urls: list[str] | None = None) -> SendResult: ...

    def place_call(self, to: str, *, url: str, status_callback: str | None = None,
                   timeout_s: int = 30) -> SendResult: ...

    def update_call(self, call_sid: str, *, url: str) -> SendResult: ...

    def recent_sms(self, to: str, *, since: datetime) -> list[SentSms]: ...


def _is_retryable_status(status: int | None) -> bool:
    """Server trouble and rate limits pass; other 4xx (bad number, opted out) never will."""
    return status is not None and (status >= 500 or status == 429)


# Network trouble where the same request may well succeed later. Caution: after a read
# timeout Twilio may already have accepted the message, so a retry can send it twice.
_TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def _sent(exc: Exception) -> bool:
    """Whether the request had left when it failed: a read timeout or a connection dropped mid-answer (not a
    refused connection or a connect timeout, where Twilio never saw it)."""
    if isinstance(exc, (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError)):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ConnectTimeout):
        return bool(exc.args) and isinstance(exc.args[0], urllib3.exceptions.ProtocolError)
    return False


def _translate(exc: Exception) -> TelephonyError:
    """Turn a twilio/requests exception into the one error the core understands."""
    if isinstance(exc, TwilioRestException):
        return TelephonyError(exc.msg or "Twilio error", code=exc.code, status=exc.status,
                              retryable=_is_retryable_status(exc.status))
    if isinstance(exc, TwilioServiceException):  # RFC 9457 errors from newer Twilio APIs
        return TelephonyError(exc.detail or exc.title or "Twilio error", code=exc.code,
                              status=exc.status, retryable=_is_retryable_status(exc.status))
    if isinstance(exc, _TRANSIENT):
        return TelephonyError(f"Twilio unreachable: {type(exc).__name__}", retryable=True, in_doubt=_sent(exc))
    if isinstance(exc, requests.RequestException):  # bad URL, proxy or header: configuration, not luck
        return TelephonyError(f"Twilio request failed: {type(exc).__name__}", retryable=False)
    return TelephonyError(f"Twilio client error: {exc}", retryable=False)


_TRANSLATED = (TwilioException, requests.RequestException)


class TwilioTelephony:
    """The real thing: Twilio's REST API through the official client."""

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 http_client: TwilioHttpClient | None = None, timeout_s: float = 10):
        if http_client is None:
            http_client = TwilioHttpClient(timeout=timeout_s)
        elif http_client.timeout is None:
            # Never wait forever on Twilio: a hung send would stall the scheduler's sweep.
            http_client.timeout = timeout_s
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._from = from_number

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None,
                 media_urls: list[str] | None = None) -> SendResult:
        """Send one SMS/MMS from the hotline number."""
        kwargs: dict[str, Any] = {"to": to, "from_": self._from, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        if media_urls:
            kwargs["media_url"] = list(media_urls)
        try:
            msg = self._client.messages.create(**kwargs)
        except _TRANSLATED as exc:
            err = _translate(exc)
            log.warning("sms to %s failed: %r", mask_phone(to), err)
            raise err from exc
        log.info("sms %s to %s: %s", msg.sid, mask_phone(to), msg.status)
        return SendResult(sid=msg.sid, status=msg.status)

    def place_call(self, to: str, *, url: str, status_callback: str | None = None,
                   timeout_s: int = 30) -> SendResult:
        """Ring a citizen; Twilio fetches TwiML from `url` when they answer."""
        kwargs: dict[str, Any] = {"to": to, "from_": self._from, "url": url, "timeout": timeout_s}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            call = self._client.calls.create(**kwargs)
        except _TRANSLATED as exc:
            err = _translate(exc)
            log.warning("call to %s failed: %r", mask_phone(to), err)
            raise err from exc
        log.info("call %s to %s: %s", call.sid, mask_phone(to), call.status)
        return SendResult(sid=call.sid, status=call.status)

    def update_call(self, call_sid: str, *, url: str) -> SendResult:
        """Point a live call at new TwiML (used to bridge a callback to an agent)."""
        try:
            call = self._client.calls(call_sid).update(url=url)
        except _TRANSLATED as exc:
            err = _translate(exc)
            log.warning("update of call %s failed: %r", call_sid, err)
            raise err from exc
        log.info("call %s redirected: %s", call.sid, call.status)
        return SendResult(sid=call.sid, status=call.status)

    def recent_sms(self, to: str, *, since: datetime) -> list[SentSms]:
        """Messages Twilio holds for this number created since `since`, newest first (a busy staff phone may
        have hundreds: page until the list reaches messages older than `since`)."""
        found = []
        try:
            for m in self._client.messages.stream(to=to, page_size=1000):
                if m.date_created is not None and m.date_created < since:
                    break
                found.append(SentSms(sid=m.sid, body=m.body or "", status=m.status, created_at=m.date_created))
        except _TRANSLATED as exc:
            raise _translate(exc) from exc
        return found


class DevOutbox:
    """Without Twilio credentials: keep outbound messages in memory for the console to show."""

    STATUS = "dev"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # web threads and the scheduler may send at once

    def _record(self, kind: str, to: str | None, **fields: Any) -> SendResult:
        result = SendResult(sid="DEV" + uuid.uuid4().hex, status=self.STATUS)
        entry = {"kind": kind, "sid": result.sid, "to": to,
                 "at": datetime.now(timezone.utc), **fields}
        with self._lock:
            self.sent.append(entry)
        log.info("dev outbox %s %s to %s", kind, result.sid, mask_phone(to))
        return result

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None,
                 media_urls: list[str] | None = None) -> SendResult:
        """Record an SMS instead of sending it."""
        return self._record("sms", to, body=body, status_callback=status_callback,
                            media_urls=list(media_urls or []))

    def place_call(self, to: str, *, url: str, status_callback: str | None = None,
                   timeout_s: int = 30) -> SendResult:
        """Record a call instead of placing it."""
        return self._record("call", to, url=url, status_callback=status_callback,
                            timeout_s=timeout_s)

    def update_call(self, call_sid: str, *, url: str) -> SendResult:
        """Record a call redirect instead of performing it."""
        with self._lock:
            to = next((e["to"] for e in self.sent if e["sid"] == call_sid), None)
        return self._record("call_update", to, call_sid=call_sid, url=url)

    def recent_sms(self, to: str, *, since: datetime) -> list[SentSms]:
        """What this process recorded for the number since `since` (the dev outbox forgets on restart)."""
        with self._lock:
            return [SentSms(sid=e["sid"], body=e["body"], status=self.STATUS, created_at=e["at"])
                    for e in reversed(self.sent) if e["kind"] == "sms" and e["to"] == to and e["at"] >= since]


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with a connection pool as big as the sender pool, optionally sending to another
    base URL: tests point a scheduler subprocess at the fake Twilio with twilio.api_base_url. Real
    deployments leave that empty and talk to api.twilio.com."""

    def __init__(self, *, timeout: float, pool_size: int = 10, base_url: str = ""):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(pool_size, 10))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def request(self, method: str, url: str, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        """Send to the configured base URL when there is one, keeping the path and query."""
        if self.base_url:
            parts = urlsplit(url)
            url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                               timeout=timeout, allow_redirects=allow_redirects)


def make_telephony(account_sid: str | None, auth_token: str | None, from_number: str | None, *,
                   http_client: TwilioHttpClient | None = None) -> Telephony:
    """Twilio when fully configured, otherwise the dev outbox."""
    if not (account_sid and auth_token and from_number):
        log.warning("Twilio credentials incomplete: outbound SMS and calls go to the dev outbox")
        return DevOutbox()
    return TwilioTelephony(account_sid, auth_token, from_number, http_client=http_client)
