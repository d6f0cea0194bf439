"""A local fake of Twilio's REST API that validates every request against Twilio's own OpenAPI spec."""

from __future__ import annotations

import base64
import copy
import functools
import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_core.testing import MockRequest
from openapi_core.validation.request.exceptions import SecurityValidationError
from twilio.http.http_client import TwilioHttpClient
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "twilio" / "twilio_api_v2010.json"
API_HOST = "https://api.twilio.com"
# The HTTP client tells the fake which Twilio host it really meant, so the spec's servers apply.
ORIGINAL_HOST_HEADER = "X-Fake-Twilio-Original-Host"
FORM = "application/x-www-form-urlencoded"
# Twilio answers 21211 for a To that is neither E.164 nor a channel address (whatsapp:+86...).
_E164 = re.compile(r"^(\w+:)?\+[1-9]\d{6,14}$")

_ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
# (method, spec path template, handler name); the regex is derived from the template.
_ROUTES = [
    ("POST", _ACCOUNT + "/Messages.json", "_create_message"),
    ("GET", _ACCOUNT + "/Messages.json", "_list_messages"),
    ("GET", _ACCOUNT + "/Messages/{Sid}.json", "_fetch_message"),
    ("POST", _ACCOUNT + "/Calls.json", "_create_call"),
    ("POST", _ACCOUNT + "/Calls/{Sid}.json", "_update_call"),
    ("GET", _ACCOUNT + "/IncomingPhoneNumbers.json", "_list_numbers"),
    ("POST", _ACCOUNT + "/IncomingPhoneNumbers/{Sid}.json", "_update_number"),
]


def _template_regex(template: str) -> re.Pattern[str]:
    """Turn '/Accounts/{AccountSid}/Calls.json' into a regex with named groups."""
    pattern = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    return re.compile("^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", pattern) + "$")


_COMPILED = [(m, t, _template_regex(t), h) for m, t, h in _ROUTES]


@functools.lru_cache(maxsize=1)
def load_spec() -> tuple[dict[str, Any], OpenAPI]:
    """Load the 1.8 MB spec once per process; skip meta-validation of Twilio's own spec."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    # Twilio's own "phone-number" format needs a checker for query filters (To, From); the number itself is
    # judged by _reject_magic, which answers 21211 as Twilio does.
    phone = {"phone-number": lambda v: isinstance(v, str)}
    config = Config(spec_validator_cls=None, extra_format_validators=phone,
                    extra_format_unmarshallers={"phone-number": str})
    return raw, OpenAPI.from_dict(raw, config=config)


def _body_properties(template: str, method: str) -> dict[str, Any]:
    """The form fields the spec declares for one operation."""
    raw, _ = load_spec()
    op = raw["paths"][template][method.lower()]
    content = op.get("requestBody", {}).get("content", {})
    return content.get(FORM, {}).get("schema", {}).get("properties", {})


@functools.lru_cache(maxsize=None)
def _fast_validator(template: str, method: str):
    """A compiled JSON-schema validator for one operation's form and path parameters, built once."""
    raw, _ = load_spec()
    op = raw["paths"][template][method.lower()]
    form = op.get("requestBody", {}).get("content", {}).get(FORM, {}).get("schema", {"type": "object"})
    params = [p for p in op.get("parameters", []) + raw["paths"][template].get("parameters", [])
              if p.get("in") == "path"]
    path_schema = {"type": "object", "required": [p["name"] for p in params if p.get("required")],
                   "properties": {p["name"]: p["schema"] for p in params}}
    checker = copy.deepcopy(oas30_format_checker)
    checker.checks("phone-number")(lambda v: isinstance(v, str))
    # $refs point into components; give each schema the spec's components as its root.
    make = lambda schema: OAS30Validator({**schema, "components": raw.get("components", {})},  # noqa: E731
                                         format_checker=checker)
    return make(form), make(path_schema), form.get("properties", {})


def _cast(value: str, schema: dict[str, Any]):
    """A form string as the spec's type, the way openapi-core casts it; ValueError when it can't be."""
    kind = schema.get("type")
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(value)
        return value == "true"
    return value


def fast_valid(template: str, method: str, form: list[tuple[str, str]], path_args: dict[str, str]) -> bool:
    """True when the request certainly fits the spec (a compiled check, ~100x cheaper than openapi-core).

    Anything it does not accept goes to openapi-core, which decides and words the error, so the fake
    is never laxer than the spec; a test checks both agree on the requests the app sends.
    """
    if method != "POST":
        return False
    form_v, path_v, props = _fast_validator(template, method)
    values: dict[str, Any] = {}
    try:
        for key, raw_value in form:
            schema = props.get(key, {})
            if schema.get("type") == "array":
                values.setdefault(key, []).append(_cast(raw_value, schema.get("items", {})))
            elif key in values:
                return False  # a repeated scalar: let openapi-core say what it makes of it
            else:
                values[key] = _cast(raw_value, schema)
    except ValueError:
        return False
    return form_v.is_valid(values) and path_v.is_valid(path_args)


def _now() -> str:
    return format_datetime(datetime.now(timezone.utc))  # RFC 2822, as Twilio writes dates


_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€")


def sms_segments(body: str) -> int:
    """SMS segments: any Chinese character switches to UCS-2 (70 / 67 per part)."""
    single, multi = (160, 153) if set(body) <= _GSM7 else (70, 67)
    n = len(body)
    return 1 if n <= single else -(-n // multi)


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's access log (request lines) out of test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Reject(Exception):
    """An answer other than success, with Twilio's error JSON."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FakeTwilio:
    """Twilio's 2010-04-01 Messages and Calls endpoints on 127.0.0.1, with knobs for failures."""

    INVALID_NUMBER = "+15005550001"  # Twilio's own test-credentials number for error 21211

    def __init__(self) -> None:
        self.delay_s: float = 0.0
        self.down: bool = False
        self.requests: list[dict[str, Any]] = []
        self.invalid: list[dict[str, Any]] = []
        self._messages: dict[str, dict[str, Any]] = {}
        self._calls: dict[str, dict[str, Any]] = {}
        self._numbers: dict[str, dict[str, Any]] = {}  # the account's own numbers (IncomingPhoneNumbers)
        self._fail: list[int] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "FakeTwilio":
        """Serve on a free port in a background thread."""
        load_spec()  # load before the first request so client timeouts measure the fake, not JSON parsing
        self._stopping.clear()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        # A short poll interval keeps stop() (and so every test's teardown) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests still sleeping in `delay_s` wake up and finish."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "FakeTwilio":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Where the fake listens, e.g. http://127.0.0.1:54321."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def http_client(self, *, timeout: float | None = None) -> "FakeTwilioHttpClient":
        """A twilio HTTP client whose api.twilio.com requests land here."""
        return FakeTwilioHttpClient(self.base_url, timeout=timeout)

    # -- knobs and inspection ----------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """Answer the next n valid requests with a Twilio 5xx (or 429) error."""
        with self._lock:
            self._fail.extend([status] * n)

    def messages_to(self, number: str) -> list[dict[str, Any]]:
        """Form params of the messages Twilio accepted for this number."""
        return self._accepted("Messages.json", number)

    def accepted_messages(self) -> list[dict[str, Any]]:
        """Form params of every message Twilio accepted, to any number, in order."""
        with self._lock:
            return [r["params"] for r in self.requests
                    if r["method"] == "POST" and r["path"].endswith("/Messages.json") and r["status"] < 300]

    def calls_to(self, number: str) -> list[dict[str, Any]]:
        """Form params of the calls Twilio accepted for this number."""
        return self._accepted("Calls.json", number)

    def take_invalid(self) -> list[dict[str, Any]]:
        """Return and forget the invalid requests (for tests that send them on purpose)."""
        with self._lock:
            taken, self.invalid[:] = list(self.invalid), []
        return taken

    def live_call(self, to: str = "+8613800000000", from_: str = "+861012345") -> str:
        """Register an in-progress inbound call so update_call has something to redirect."""
        sid = "CA" + uuid.uuid4().hex
        with self._lock:
            self._calls[sid] = self._call_resource(
                "AC" + "0" * 32, sid, {"To": to, "From": from_}, status="in-progress",
                direction="inbound")
        return sid

    def _accepted(self, suffix: str, number: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r["params"] for r in self.requests
                    if r["method"] == "POST" and r["path"].endswith("/" + suffix)
                    and r["status"] < 300 and r["params"].get("To") == number]

    # -- HTTP --------------------------------------------------------------------------------

    @Request.application
    def _wsgi(self, request: Request) -> Response:
        if self.delay_s:
            self._stopping.wait(self.delay_s)  # interruptible, so stop() never hangs on a sleeper
        body = request.get_data(cache=True, parse_form_data=False)
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        entry: dict[str, Any] = {"method": request.method, "path": request.path,
                                 "params": self._params(request.method, request.path, form),
                                 "time": time.time()}
        try:
            method, template, match, handler = self._route(request)
            self._validate(request, template, method, body, form, match.groupdict())
        except _Reject as rej:
            with self._lock:
                self.invalid.append({**entry, "status": rej.status, "reason": rej.message})
            return self._error(rej)
        try:
            with self._lock:
                failing = self._fail.pop(0) if self._fail else None
            if self.down or failing:
                status = failing or 503
                raise _Reject(status, 20000 + status, "Service Unavailable" if status == 503
                              else "Too Many Requests" if status == 429 else "Internal Server Error")
            # A GET (a list) is filtered by its query string; a POST's parameters are its form.
            params = entry["params"] if request.method == "POST" else request.args.to_dict()
            status, payload = getattr(self, handler)(match.groupdict(), params)
        except _Reject as rej:
            with self._lock:
                self.requests.append({**entry, "status": rej.status})
            return self._error(rej)
        with self._lock:
            self.requests.append({**entry, "status": status})
        return Response(json.dumps(payload), status=status, mimetype="application/json")

    @staticmethod
    def _params(method: str, path: str, form: list[tuple[str, str]]) -> dict[str, Any]:
        """Form pairs as a dict; fields the spec types as arrays (MediaUrl ...) stay lists."""
        arrays: set[str] = set()
        for m, template, regex, _ in _COMPILED:
            if m == method and regex.match(path):
                arrays = {k for k, v in _body_properties(template, m).items()
                          if v.get("type") == "array"}
        params: dict[str, Any] = {}
        for key, value in form:
            if key in arrays:
                params.setdefault(key, []).append(value)
            elif key in params:  # repeated scalar: keep all, validation will complain
                prev = params[key]
                params[key] = (prev if isinstance(prev, list) else [prev]) + [value]
            else:
                params[key] = value
        return params

    @staticmethod
    def _route(request: Request) -> tuple[str, str, re.Match[str], str]:
        for method, template, regex, handler in _COMPILED:
            match = regex.match(request.path)
            if match and method == request.method:
                return method, template, match, handler
        raise _Reject(404, 20404, f"The requested resource {request.path} was not found")

    def _validate(self, request: Request, template: str, method: str, body: bytes,
                  form: list[tuple[str, str]], path_args: dict[str, str]) -> None:
        """openapi-core against the spec, then the rules Twilio enforces but the spec can't say."""
        if not (request.headers.get("Authorization") and fast_valid(template, method, form, path_args)):
            self._openapi_validate(request, method, body)
        self._twilio_rules(request, template, method, form, path_args)

    @staticmethod
    def _openapi_validate(request: Request, method: str, body: bytes) -> None:
        """openapi-core: the reference check, and the wording of every rejection."""
        _, openapi = load_spec()
        headers = {k: v for k, v in request.headers.items()}
        host = request.headers.get(ORIGINAL_HOST_HEADER, API_HOST)
        oa_request = MockRequest(host, method.lower(), request.path, args=request.args,
                                 headers=headers, data=body,
                                 content_type=request.content_type or FORM)
        result = openapi.unmarshal_request(oa_request)
        if result.errors:
            err = result.errors[0]
            if isinstance(err, SecurityValidationError):
                raise _Reject(401, 20003, "Authenticate")
            raise _Reject(400, 21604, _describe(err))

    def _twilio_rules(self, request: Request, template: str, method: str, form: list[tuple[str, str]],
                      path_args: dict[str, str]) -> None:
        """What Twilio enforces beyond the spec: the account in the auth, known fields, one-of parameters."""
        self._check_auth(request, path_args["AccountSid"])
        known = _body_properties(template, method)
        unknown = sorted({k for k, _ in form} - set(known))
        if unknown:
            # Real Twilio ignores these; the fake refuses them so a typo can't pass silently.
            raise _Reject(400, 21604, f"Unknown parameters for {template}: {', '.join(unknown)}")
        keys = {k for k, v in form if v != ""}
        if template.endswith("/Messages.json") and method == "POST":
            if not keys & {"Body", "MediaUrl", "ContentSid"}:
                raise _Reject(400, 21602, "Message body is required.")
            if not keys & {"From", "MessagingServiceSid"}:
                raise _Reject(400, 21603, "A 'From' phone number is required.")
        if template.endswith("/Calls.json") and not keys & {"Url", "Twiml", "ApplicationSid"}:
            raise _Reject(400, 21604, "Either a 'Url', 'Twiml' or 'ApplicationSid' is required.")

    @staticmethod
    def _check_auth(request: Request, account_sid: str) -> None:
        """Basic auth whose user is the account in the path (or an API key)."""
        header = request.headers.get("Authorization", "")
        try:
            user, _, password = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
        except (IndexError, ValueError):
            raise _Reject(401, 20003, "Authenticate") from None
        if not password or not (user == account_sid or user.startswith("SK")):
            raise _Reject(401, 20003, "Authenticate")

    @staticmethod
    def _error(rej: _Reject) -> Response:
        payload = {"code": rej.code, "message": rej.message,
                   "more_info": f"https://www.twilio.com/docs/errors/{rej.code}",
                   "status": rej.status}
        return Response(json.dumps(payload), status=rej.status, mimetype="application/json")

    # -- resources ---------------------------------------------------------------------------

    def _reject_magic(self, params: dict[str, Any]) -> None:
        """The magic number, and anything not E.164, gets Twilio's 21211."""
        to = params.get("To", "")
        if to == self.INVALID_NUMBER or not _E164.match(to):
            raise _Reject(400, 21211, f"The 'To' number {to} is not a valid phone number.")

    def _create_message(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        self._reject_magic(params)
        account, sid, now = path["AccountSid"], "SM" + uuid.uuid4().hex, _now()
        media = params.get("MediaUrl", [])
        uri = f"/2010-04-01/Accounts/{account}/Messages/{sid}.json"
        resource = {
            "account_sid": account, "api_version": "2010-04-01", "body": params.get("Body", ""),
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": params.get("From"), "messaging_service_sid": params.get("MessagingServiceSid"),
            "num_media": str(len(media)), "num_segments": str(sms_segments(params.get("Body", ""))),
            "price": None, "price_unit": "USD", "sid": sid,
            "status": "queued" if params.get("From") else "accepted",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": params["To"], "uri": uri,
        }
        with self._lock:
            self._messages[sid] = resource
        return 201, resource

    def _list_messages(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        """Messages, newest first, filtered by To/From (the scheduler checks sends a crash left in doubt)."""
        query = params
        with self._lock:
            found = [m for m in reversed(list(self._messages.values()))
                     if (not query.get("To") or m["to"] == query["To"])
                     and (not query.get("From") or m["from"] == query["From"])]
        size = int(query.get("PageSize") or 50)
        uri = f"/2010-04-01/Accounts/{path['AccountSid']}/Messages.json?PageSize={size}&Page=0"
        return 200, {"messages": found[:size], "end": min(len(found), size) - 1, "first_page_uri": uri,
                     "next_page_uri": None, "page": 0, "page_size": size, "previous_page_uri": None,
                     "start": 0, "uri": uri}

    def _fetch_message(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        with self._lock:
            resource = self._messages.get(path["Sid"])
        if resource is None:
            raise _Reject(404, 20404, f"The requested resource /2010-04-01/Accounts/"
                                      f"{path['AccountSid']}/Messages/{path['Sid']}.json was not found")
        return 200, resource

    def _create_call(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        self._reject_magic(params)
        sid = "CA" + uuid.uuid4().hex
        resource = self._call_resource(path["AccountSid"], sid, params)
        with self._lock:
            self._calls[sid] = resource
        return 201, resource

    def _update_call(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        with self._lock:
            resource = self._calls.get(path["Sid"])
            if resource is None:
                raise _Reject(404, 20404, f"The requested resource /2010-04-01/Accounts/"
                                          f"{path['AccountSid']}/Calls/{path['Sid']}.json was not found")
            if params.get("Status") in ("canceled", "completed"):
                resource["status"] = params["Status"]
            resource["date_updated"] = _now()
            return 200, dict(resource)

    def own_number(self, phone_number: str, account: str = "AC" + "0" * 32) -> str:
        """Give the account a number of its own (as bought in the console); returns its PN sid."""
        sid = "PN" + uuid.uuid4().hex
        now = _now()
        with self._lock:
            self._numbers[sid] = {
                "account_sid": account, "sid": sid, "phone_number": phone_number, "friendly_name": phone_number,
                "api_version": "2010-04-01", "date_created": now, "date_updated": now,
                "voice_url": None, "voice_method": "POST", "voice_fallback_url": None, "voice_fallback_method": "POST",
                "status_callback": None, "status_callback_method": "POST", "sms_url": None, "sms_method": "POST",
                "sms_fallback_url": None, "sms_fallback_method": "POST",
                "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
                "uri": f"/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json"}
        return sid

    def number(self, sid: str) -> dict[str, Any]:
        """One of the account's numbers as the fake holds it now."""
        with self._lock:
            return dict(self._numbers[sid])

    def _list_numbers(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        with self._lock:
            found = [dict(n) for n in self._numbers.values()
                     if not params.get("PhoneNumber") or n["phone_number"] == params["PhoneNumber"]]
        uri = f"/2010-04-01/Accounts/{path['AccountSid']}/IncomingPhoneNumbers.json?PageSize=50&Page=0"
        return 200, {"incoming_phone_numbers": found, "end": len(found) - 1, "first_page_uri": uri,
                     "next_page_uri": None, "page": 0, "page_size": 50, "previous_page_uri": None, "start": 0,
                     "uri": uri}

    def _update_number(self, path: dict[str, str], params: dict[str, Any]) -> tuple[int, dict]:
        with self._lock:
            number = self._numbers.get(path["Sid"])
            if number is None:
                raise _Reject(404, 20404, f"The requested resource {path['Sid']} was not found")
            for key, value in params.items():
                # VoiceUrl -> voice_url, StatusCallbackMethod -> status_callback_method
                number[re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()] = value
            number["date_updated"] = _now()
            return 200, dict(number)

    @staticmethod
    def _call_resource(account: str, sid: str, params: dict[str, Any], *, status: str = "queued",
                       direction: str = "outbound-api") -> dict[str, Any]:
        now = _now()
        uri = f"/2010-04-01/Accounts/{account}/Calls/{sid}.json"
        return {
            "account_sid": account, "annotation": None, "answered_by": None,
            "api_version": "2010-04-01", "caller_name": None, "date_created": now,
            "date_updated": now, "direction": direction, "duration": None, "end_time": None,
            "forwarded_from": None, "from": params.get("From"),
            "from_formatted": params.get("From"), "group_sid": None, "parent_call_sid": None,
            "phone_number_sid": "PN" + "0" * 32, "price": None, "price_unit": "USD",
            "queue_time": "0", "sid": sid, "start_time": None, "status": status,
            "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json")},
            "to": params.get("To"), "to_formatted": params.get("To"), "trunk_sid": None,
            "uri": uri,
        }


def _describe(err: Exception) -> str:
    """openapi-core's error, or the plain schema messages hidden in its cause."""
    messages = [getattr(e, "message", str(e)) for e in getattr(err.__cause__, "schema_errors", ()) or ()]
    return f"{type(err).__name__}: {'; '.join(messages)}" if messages else str(err) or type(err).__name__


class FakeTwilioHttpClient(TwilioHttpClient):
    """The real twilio HTTP client, pointed at a FakeTwilio instead of api.twilio.com."""

    def __init__(self, base_url: str, *, timeout: float | None = None):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        """Rewrite any *.twilio.com URL to the fake so no test ever touches the network."""
        parts = urlsplit(url)
        headers = dict(headers or {})
        headers[ORIGINAL_HOST_HEADER] = f"{parts.scheme}://{parts.netloc}"
        local = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, local, params=params, data=data, headers=headers,
                               auth=auth, timeout=timeout, allow_redirects=allow_redirects)
