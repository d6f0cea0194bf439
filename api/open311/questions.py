"""Service definitions: the questions some services ask (service_questions.yaml), and checking the answers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from api.open311.errors import bad_request
from api.open311.params import Params, moment, number
from hotline.rules.taxonomy import Taxonomy

QUESTIONS_PATH = Path(__file__).resolve().parent / "service_questions.yaml"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
DEFAULT_MAX_CHARS = {"string": 200, "text": 2000}
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# attribute[plate]=…, attribute[blocking][]=… (several values of a multivaluelist).
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]*)\](\[\])?")


@dataclass(frozen=True)
class Question:
    """One attribute of a service definition."""

    code: str
    datatype: str
    required: bool
    zh: str
    en: str
    hint_zh: str = ""
    hint_en: str = ""
    low: float | None = None
    high: float | None = None
    max_chars: int = 0
    values: tuple[tuple[str, str, str], ...] = ()  # (key, zh, en)

    def text(self, lang: str) -> str:
        """The question in a language."""
        return self.en if lang == "en" else self.zh

    def hint(self, lang: str) -> str:
        """How to answer, in a language."""
        return self.hint_en if lang == "en" else self.hint_zh


def load_questions(taxonomy: Taxonomy, path: Path = QUESTIONS_PATH) -> dict[str, tuple[Question, ...]]:
    """Questions by service code, checked against the taxonomy; ValueError naming what is wrong."""
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("services") or {}
    out: dict[str, tuple[Question, ...]] = {}
    for service_code, items in raw.items():
        code_def = taxonomy.get(str(service_code))
        if code_def is None:
            raise ValueError(f"{path.name}: unknown service code {service_code}")
        if code_def.group == "emergency":
            raise ValueError(f"{path.name}: {service_code} is an emergency; it must not ask anything first")
        seen: set[str] = set()
        questions = []
        for item in items:
            q = _question(item, f"{path.name}: {service_code}")
            if q.code in seen:
                raise ValueError(f"{path.name}: {service_code}.{q.code} appears twice")
            seen.add(q.code)
            questions.append(q)
        out[str(service_code)] = tuple(questions)
    return out


def _question(item: dict, where: str) -> Question:
    code = str(item.get("code", ""))
    if not _CODE.fullmatch(code):
        raise ValueError(f"{where}: question code {code!r} must be lowercase letters, digits and _")
    datatype = item.get("datatype")
    if datatype not in DATATYPES:
        raise ValueError(f"{where}.{code}: datatype must be one of {', '.join(DATATYPES)}")
    values = tuple((str(v["key"]), str(v["zh"]), str(v["en"])) for v in item.get("values") or ())
    if (datatype in LISTS) != bool(values):
        raise ValueError(f"{where}.{code}: values are needed for lists and only for lists")
    if not item.get("zh") or not item.get("en"):
        raise ValueError(f"{where}.{code}: the question needs zh and en")
    return Question(code=code, datatype=datatype, required=bool(item.get("required")), zh=str(item["zh"]),
                    en=str(item["en"]), hint_zh=str(item.get("hint_zh", "")), hint_en=str(item.get("hint_en", "")),
                    low=item.get("min"), high=item.get("max"),
                    max_chars=int(item.get("max_chars") or DEFAULT_MAX_CHARS.get(datatype, 0)), values=values)


@lru_cache(maxsize=4)
def questions_for(taxonomy: Taxonomy) -> dict[str, tuple[Question, ...]]:
    """The questions, loaded once per taxonomy (the file is read at the first request, not at import)."""
    return load_questions(taxonomy)


def answers(params: Params, questions: tuple[Question, ...], service_code: str, tz: str) -> dict[str, Any]:
    """attribute[...] parameters checked against the service's questions: {question code: value}."""
    by_code = {q.code: q for q in questions}
    given: dict[str, list[str]] = {}
    for name, value in params.startswith("attribute"):
        m = _ATTRIBUTE.fullmatch(name)
        if not m:
            raise bad_request(name, "write attributes as attribute[<code>]=value")
        if m.group(1) not in by_code:
            known = ", ".join(by_code) or "none"
            raise bad_request(name, f"{service_code} has no attribute {m.group(1)!r} (it has: {known})")
        if value.strip():
            given.setdefault(m.group(1), []).append(value.strip())
    out: dict[str, Any] = {}
    for q in questions:
        values = given.get(q.code, [])
        name = f"attribute[{q.code}]"
        if not values:
            if q.required:
                raise bad_request(name, f"required for {service_code}: {q.en}")
            continue
        if q.datatype != "multivaluelist" and len(values) > 1:
            raise bad_request(name, "give one value")
        out[q.code] = _answer(q, name, values, tz)
    return out


def _answer(q: Question, name: str, values: list[str], tz: str) -> Any:
    keys = [k for k, _zh, _en in q.values]
    if q.datatype in LISTS:
        wrong = [v for v in values if v not in keys]
        if wrong:
            raise bad_request(name, f"{wrong[0][:40]!r} is not one of {', '.join(keys)}")
        return sorted(set(values), key=keys.index) if q.datatype == "multivaluelist" else values[0]
    value = values[0]
    if q.datatype == "number":
        low = float("-inf") if q.low is None else q.low
        high = float("inf") if q.high is None else q.high
        result = number(name, value, max(low, -1e12), min(high, 1e12))
        return int(result) if result.is_integer() else result
    if q.datatype == "datetime":
        return moment(name, value, tz).isoformat()
    if len(value) > q.max_chars:
        raise bad_request(name, f"longer than {q.max_chars} characters")
    return value
