"""The two GeoReport v2 formats: XML (mandatory) and JSON, rendered from the same plain data."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable
from xml.etree import ElementTree as ET

from flask import Response, request

FORMATS = ("xml", "json")
MIMETYPES = {"xml": "text/xml", "json": "application/json"}
# A list's element name in XML, by the name of the list (GeoReport v2's own tags).
ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
# XML 1.0 cannot carry most control characters, even escaped; stored text may hold them (an SMS, a fax).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def requested_format() -> str:
    """The format the URL's extension names (…/services.json), XML when it names none we serve."""
    tail = request.path.rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    return ext if ext in FORMATS else "xml"


def render(fmt: str, root: str, item: str | None, data: Any, *, status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    """A list (item tag given) or one object as a response: JSON as is, XML under <root>."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        body = to_xml(root, item, data)
    # werkzeug adds "; charset=utf-8" to text/xml; JSON is UTF-8 by definition (RFC 8259).
    return Response(body, status=status, mimetype=MIMETYPES[fmt], headers=headers)


def to_xml(root: str, item: str | None, data: Any) -> str:
    """<root><item>…</item>…</root> for a list, <root>…</root> for an object; None leaves the element out."""
    top = ET.Element(root)
    if item is None:
        _fill(top, data)
    else:
        for entry in data:
            _fill(ET.SubElement(top, item), entry)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode")


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if child is None:
                continue
            if isinstance(child, (list, tuple)):
                holder = ET.SubElement(element, key)
                for entry in child:
                    _fill(ET.SubElement(holder, ITEM_TAGS.get(key, "item")), entry)
            else:
                _fill(ET.SubElement(element, key), child)
    else:
        element.text = _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def without_none(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A dict of the pairs whose value is given (GeoReport v2: an empty optional field is left out)."""
    return {k: v for k, v in pairs if v is not None and v != ""}
