"""The citizen's answer to "which one?": a number, a district, or a township picks one candidate."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from hotline.rules.places import normalize, pinyin_words, squash

if TYPE_CHECKING:
    from hotline.rules.routing import Place

_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_ORDINALS = {"first": 1, "one": 1, "second": 2, "two": 2, "third": 3, "three": 3, "fourth": 4, "four": 4,
                "fifth": 5, "five": 5, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
# A number alone, or with the words people wrap it in: "按1", "第二个", "选3号", "option 2".
_ZH_NUMBER = re.compile(r"^(?:按|选|是|要|就|我选|第)?\s*([0-9]|[一二两三四五六七八九十])\s*(?:个|号|项|种|条)?(?:的|吧|啊|呀)?$")
_EN_NUMBER = re.compile(r"^(?:press|option|number|no\.?|choice|the)?\s*(\d|first|second|third|fourth|fifth|one|two|"
                        r"three|four|five|1st|2nd|3rd|4th|5th)(?:\s+(?:one|option|choice))?\.?$")
_FILLERS = re.compile(r"(的|那个|这个|那边|吧|啊|呀|是|在|我|住|区|街道|地区|镇|乡)|\b(please|the|one|in|district|"
                      r"subdistrict|area|town|township|street|i|live|it|is|s)\b")
# "Tiantongyuan South" is 天通苑南: English directions read as the pinyin in township names.
_EN_DIRECTIONS = {"north": "bei", "south": "nan", "east": "dong", "west": "xi", "middle": "zhong"}
_DIRECTIONS = {"东": "east", "西": "west", "南": "south", "北": "north", "中": "middle"}


def choose(candidates: Sequence["Place"], answer: str | None) -> "Place | None":
    """The candidate the answer names, or None when it names none or more than one.

    Accepts a position ("1", "二", "第一个", "second"), a district ("海淀的", "Haidian"), a township
    ("天通苑北", "Balizhuang Subdistrict") or a direction that tells two candidates apart ("北边那个")."""
    if not candidates or not answer or not answer.strip():
        return None
    text = normalize(answer).strip(" 。.,，!！?？")
    n = _position(text)
    if n is not None:
        return candidates[n - 1] if 1 <= n <= len(candidates) else None
    by_township = _unique(candidates, lambda p: _names_township(p, text))
    if by_township is not None:
        return by_township
    by_district = _unique(candidates, lambda p: _names_district(p, text))
    if by_district is not None:
        return by_district
    return _unique(candidates, lambda p: _names_direction(p, text))


def _position(text: str) -> int | None:
    m = _ZH_NUMBER.match(text)
    if m:
        g = m.group(1)
        return int(g) if g.isdigit() else _ZH_DIGITS[g]
    m = _EN_NUMBER.match(text)
    if m:
        g = m.group(1)
        return int(g) if g.isdigit() else _EN_ORDINALS[g]
    return None


def _unique(candidates, test) -> "Place | None":
    hits = [p for p in candidates if test(p)]
    return hits[0] if len(hits) == 1 else None


def _core(name: str, suffixes: tuple[str, ...]) -> str:
    for s in suffixes:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


def _names_township(p: "Place", text: str) -> bool:
    if not p.township_name:
        return False
    core = _core(p.township_name, ("街道办事处", "地区办事处", "街道", "地区", "镇", "乡"))
    if core in text:
        return True
    key = squash(re.sub(r"\b(north|south|east|west|middle)\b", lambda m: _EN_DIRECTIONS[m.group(1)], text))
    return bool(key) and "".join(pinyin_words(core)) in key


def _names_district(p: "Place", text: str) -> bool:
    core = _core(p.district_name, ("区",))
    if core in text:
        return True
    key = squash(_FILLERS.sub(" ", text))
    return bool(key) and key == "".join(pinyin_words(core))


def _names_direction(p: "Place", text: str) -> bool:
    """"北边的" picks 天通苑北 over 天通苑南: the one direction the answer names, in the township name."""
    said = {zh for zh, en in _DIRECTIONS.items() if zh in text or re.search(rf"\b{en}", text)}
    if len(said) != 1 or len(text) > 12:
        return False
    core = _core(p.township_name, ("街道", "地区", "镇", "乡"))
    return next(iter(said)) in core[-2:] if core else False
