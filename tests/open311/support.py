"""Open311 test helpers: every answer checked against the GeoReport v2 swagger description, JSON and XML alike."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import jsonschema
import requests

DATA = Path(__file__).resolve().parent.parent / "data" / "open311"
SWAGGER = json.loads((DATA / "swagger.json").read_text(encoding="utf-8"))
ROOT = "/open311/v2"
JURISDICTION = "12345.beijing.gov.cn"

# Our paths -> the description's path keys. The description spells the single request "/request/{id}";
# GeoReport v2's text and every client (georeport too) use "/requests/{id}", which we serve.
PATHS = [
    (re.compile(rf"^{ROOT}/services\.(xml|json)$"), "/services.{response_format}"),
    (re.compile(rf"^{ROOT}/services/[^/]+\.(xml|json)$"), "/services/{service_code}.{response_format}"),
    (re.compile(rf"^{ROOT}/requests\.(xml|json)$"), "/requests.{response_format}"),
    (re.compile(rf"^{ROOT}/requests/[^/]+\.(xml|json)$"), "/request/{service_request_id}.{response_format}"),
    (re.compile(rf"^{ROOT}/tokens/[^/]+\.(xml|json)$"), "/tokens/{token_id}.{response_format}"),
]
# GeoReport v2's text answers one request and one token as a list of one (the georeport client reads
# `response.json()[0]`); the description declares an object. Their items are checked against its schema.
LIST_OF_ONE = {"/request/{service_request_id}.{response_format}", "/tokens/{token_id}.{response_format}"}
# XML root and item tags by the schema a body answers (GeoReport v2's examples).
XML_TAGS = {"Service": ("services", "service"), "ServiceDefinition": ("service_definition", None),
            "Request": ("service_requests", "request"), "RequestResponse": ("service_requests", "request"),
            "TokenResponse": ("service_requests", "request"), "Error": ("errors", "error"),
            "Discovery": ("discovery", None)}
# Not in the description: the spec's error form (wiki "Errors") and discovery document (wiki "Service Discovery").
EXTRA = {
    "Error": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
    "Discovery": {"type": "object", "required": ["changeset", "endpoints"], "properties": {
        "changeset": {"type": "string", "format": "date-time"}, "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/Endpoint"}}}},
    "Endpoint": {"type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
                 "properties": {"specification": {"type": "string"}, "url": {"type": "string", "format": "uri"},
                                "changeset": {"type": "string", "format": "date-time"},
                                "type": {"type": "string", "enum": ["production", "test"]},
                                "formats": {"type": "array", "items": {"type": "string"}, "minItems": 1}}},
}
DEFINITIONS = {**SWAGGER["definitions"], **EXTRA}
_W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time")
def _w3c_datetime(value) -> bool:
    """GeoReport v2: W3C date-time WITH its zone."""
    if not isinstance(value, str) or not _W3C.match(value):
        return False
    datetime.fromisoformat(value)
    return True


@FORMATS.checks("uri")
def _uri(value) -> bool:
    return isinstance(value, str) and bool(re.match(r"^https?://[^\s/]+", value))


def swagger_schema(path_key: str, method: str) -> dict:
    """The 200 answer's schema for one path of the description."""
    return SWAGGER["paths"][path_key][method]["responses"]["200"]["schema"]


def schema_of(path: str, method: str, status: int) -> tuple[dict, str]:
    """(JSON schema of the whole body, the name of its item definition) for one of our answers."""
    if status != 200:
        return {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/Error"}}, "Error"
    if re.fullmatch(r"/open311(/v2)?/discovery\.(xml|json)", path):
        return {"$ref": "#/definitions/Discovery"}, "Discovery"
    for pattern, key in PATHS:
        if pattern.match(path):
            schema = swagger_schema(key, method)
            if key in LIST_OF_ONE:
                schema = {"type": "array", "minItems": 1, "maxItems": 1, "items": schema}
            return schema, _definition_name(schema)
    raise AssertionError(f"no GeoReport v2 path for {path}")


def _definition_name(schema: dict) -> str:
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref") or \
        schema.get("items", {}).get("items", {}).get("$ref")
    return ref.rsplit("/", 1)[-1]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = DEFINITIONS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def validate(data: Any, schema: dict) -> None:
    """Schema validation plus: no property the description does not declare (a typo such as "lon" fails)."""
    jsonschema.Draft4Validator({**schema, "definitions": DEFINITIONS}, format_checker=FORMATS).validate(data)
    _only_declared(data, schema)


def _only_declared(data: Any, schema: dict) -> None:
    schema = _resolve(schema)
    if isinstance(data, list):
        for item in data:
            _only_declared(item, schema.get("items", {}))
    elif isinstance(data, dict) and "properties" in schema:
        extra = set(data) - set(schema["properties"])
        assert not extra, f"undeclared fields {extra}"
        for key, value in data.items():
            _only_declared(value, schema["properties"][key])


def xml_as_data(body: bytes, schema: dict, definition: str) -> Any:
    """Parse the XML and read it into the JSON shape the schema declares (types from the schema)."""
    root = ET.fromstring(body)
    root_tag, item_tag = XML_TAGS[definition]
    assert root.tag == root_tag, (root.tag, root_tag)
    schema = _resolve(schema)
    if schema.get("type") == "array":
        assert all(child.tag == item_tag for child in root), [c.tag for c in root]
        return [_read(child, schema["items"]) for child in root]
    return _read(root, schema)


def _read(element: ET.Element, schema: dict) -> Any:
    schema = _resolve(schema)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "array":
        return [_read(child, schema["items"]) for child in element]
    if kind == "object":
        props = schema.get("properties", {})
        tags = [child.tag for child in element]
        assert len(tags) == len(set(tags)), f"repeated elements in <{element.tag}>: {tags}"
        return {child.tag: _read(child, props.get(child.tag, {"type": "string"})) for child in element}
    text = element.text or ""
    if kind == "boolean":
        assert text in ("true", "false"), f"<{element.tag}> is not a boolean: {text!r}"
        return text == "true"
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    return text


def checked(response: requests.Response) -> Any:
    """The body of one of our answers, validated against the description; JSON or XML by the URL."""
    path = urlsplit(response.url).path
    method = response.request.method.lower()
    schema, definition = schema_of(path, method, response.status_code)
    if path.endswith(".json"):
        assert response.headers["Content-Type"].startswith("application/json"), response.headers
        data = response.json()
    else:
        assert response.headers["Content-Type"].startswith("text/xml"), response.headers
        assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        data = xml_as_data(response.content, schema, definition)
    validate(data, schema)
    if response.status_code != 200:
        assert all(e["code"] == response.status_code for e in data), data
    return data


class Partner:
    """A partner app's HTTP calls to the live server, each answer checked against the description."""

    def __init__(self, base_url: str, api_key: str | None = None, lang: str | None = None):
        self.base = base_url.rstrip("/") + ROOT
        self.api_key = api_key
        self.headers = {"Accept-Language": lang} if lang else {}

    def get(self, path: str, params: dict | None = None, status: int = 200, **kw) -> Any:
        """GET …/v2/<path> and return the checked body."""
        r = requests.get(self.base + path, params=params, headers={**self.headers, **kw.pop("headers", {})},
                         timeout=10, **kw)
        assert r.status_code == status, (r.status_code, r.text[:500])
        return checked(r)

    def post(self, data: dict | list | bytes | str, fmt: str = "json", status: int = 200,
             headers: dict | None = None, with_key: bool = True) -> Any:
        """POST requests.<fmt> with the partner's api_key (form-encoded) and return the checked body."""
        if with_key and self.api_key and isinstance(data, dict):
            data = {"api_key": self.api_key, **data}
        r = requests.post(f"{self.base}/requests.{fmt}", data=data, headers={**self.headers, **(headers or {})},
                          timeout=10)
        assert r.status_code == status, (r.status_code, r.text[:500])
        return checked(r)

    def file(self, **fields) -> str:
        """File one request and return its service_request_id."""
        [answer] = self.post(fields)
        return answer["service_request_id"]
