"""The parts of an address as people say it: road + number, compound, building, unit, room, and "near X"."""
from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"[0-9一二三四五六七八九十百零两甲乙丙丁]+"
_HAN = r"[\u4e00-\u9fff]"
ROAD = re.compile(rf"({_HAN}{{1,10}}?(?:大街|大道|东路|西路|南路|北路|中路|路|街|胡同|巷|条|环))(?:({_NUM})号(?!楼|院))?")
ROAD_NUMBER = re.compile(rf"(?:路|街|胡同|巷|条|道)({_NUM})号(?!楼)")
COMPOUND = re.compile(rf"({_HAN}{{2,10}}?(?:小区|社区|家园|花园|公寓|大厦|广场|中心|嘉园|新村|[东西南北中]?里|[东西南北中]?苑|[东西南北中]?园))"
                      rf"(?:({_NUM})[区期])?")
BUILDING = re.compile(rf"({_NUM})(?:号楼|栋|幢|座|楼(?!下|上|道|梯))")
UNIT = re.compile(rf"({_NUM})单元")
# Words around a place that are not part of it ("我住在", "我家在").
_SAYING = re.compile(r"(?:我|俺|我们)?(?:家)?(?:就)?(?:住在|住|在|位于|是)")
ROOM = re.compile(r"(\d{3,5})(?:室|号房|房间)?(?!\d)")
# How a place is given relative to a named one ("X东门", "X附近", "near X").
RELATIONS_ZH = ("东门", "西门", "南门", "北门", "正门", "门口", "附近", "旁边", "边上", "对面", "周边", "楼下",
                "路口", "后面", "里面", "一带", "那边", "这边")
RELATIONS_EN = (("next to", "beside"), ("opposite", "opposite"), ("near", "near"), ("close to", "near"),
                ("beside", "beside"), ("behind", "behind"), ("outside", "outside"), ("in front of", "in front of"),
                ("east gate", "east gate"), ("west gate", "west gate"), ("south gate", "south gate"),
                ("north gate", "north gate"), ("by the", "beside"))


@dataclass(frozen=True)
class Address:
    """What the words say beyond the township: every part is optional."""

    road: str = ""
    number: str = ""
    compound: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    relation: str = ""  # 东门 / 附近 / near …

    def __bool__(self) -> bool:
        return any((self.road, self.number, self.compound, self.building, self.unit, self.room, self.relation))


def parse_address(text: str, *, known_roads: frozenset[str] = frozenset()) -> Address:
    """Split an address into its parts; known_roads (the gazetteer's road names) win over the pattern."""
    if not text:
        return Address()
    road = next((r for r in sorted(known_roads, key=len, reverse=True) if r in text), "")
    number = ""
    if not road:
        m = ROAD.search(text)
        road = m.group(1) if m else ""
    if road:
        m = re.search(re.escape(road) + rf"({_NUM})号(?!楼)", text)
        number = m.group(1) if m else ""
    rest = text.replace(road, " ") if road else text
    rest = _SAYING.sub(" ", rest)
    m = COMPOUND.search(rest)
    compound = (m.group(1) + (f"{m.group(2)}区" if m.group(2) else "")) if m else ""
    building = (BUILDING.search(rest) or [None, ""])[1] if BUILDING.search(rest) else ""
    unit = UNIT.search(rest).group(1) if UNIT.search(rest) else ""
    room_m = ROOM.search(rest.split("单元", 1)[1]) if "单元" in rest else None
    relation = next((r for r in RELATIONS_ZH if r in text), "")
    if not relation:
        low = text.lower()
        relation = next((word for phrase, word in RELATIONS_EN if re.search(rf"\b{phrase}\b", low)), "")
    return Address(road, number, compound, building, unit, room_m.group(1) if room_m else "", relation)
