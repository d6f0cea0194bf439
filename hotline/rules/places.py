"""Named places of the gazetteer (compounds, stations, landmarks…) and the English names of every unit."""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypinyin import lazy_pinyin, load_phrases_dict

from hotline.rules.taxonomy import DATA_DIR

PLACES_CSV = DATA_DIR / "places.csv"
# Beijing readings pypinyin gets wrong for place names (朝阳 is Chaoyang, 马家堡 is Majiapu).
PLACE_READINGS = {
    "朝阳": "chao yang", "长辛店": "chang xin dian", "长阳": "chang yang", "长沟": "chang gou",
    "长哨营": "chang shao ying", "长椿街": "chang chun jie", "长春桥": "chang chun qiao", "长安": "chang an",
    "长陵": "chang ling", "长营": "chang ying", "马家堡": "ma jia pu", "大栅栏": "da shi lan", "堡": "pu",
    "什刹海": "shi cha hai", "东单": "dong dan", "西单": "xi dan", "单店": "dan dian", "大兴": "da xing",
    "曙光": "shu guang", "柏各庄": "bai ge zhuang", "漷县": "huo xian", "蔚": "yu", "乐": "le",
}
# English words for a township's type, by the suffix of its Chinese name.
TOWNSHIP_TYPE_EN = (("街道办事处", "Subdistrict"), ("地区办事处", "Area"), ("街道", "Subdistrict"),
                    ("地区", "Area"), ("乡", "Township"), ("镇", "Town"))
# Development zones and the like have official English names, not pinyin.
SPECIAL_EN = {
    "北京经济技术开发区": "Beijing Economic-Technological Development Area",
    "中关村国家自主创新示范区大兴生物医药产业基地": "Daxing Biomedical Industry Base",
    "大兴经济开发区": "Daxing Economic Development Zone", "大兴国际机场": "Daxing International Airport",
    "北京雁栖经济开发区": "Yanqi Economic Development Zone", "中关村科技园区密云园": "Zhongguancun Science Park Miyun",
    "首都机场街道": "Capital Airport Subdistrict",
}
_readings_loaded = False
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "·": "", "•": "", "\u200e": ""})


def _load_readings() -> None:
    """Teach pypinyin the Beijing readings, once (pypinyin keeps them process-wide)."""
    global _readings_loaded
    if not _readings_loaded:
        load_phrases_dict({zh: [[s] for s in py.split()] for zh, py in PLACE_READINGS.items() if len(zh) > 1})
        _readings_loaded = True


def pinyin_words(name: str) -> list[str]:
    """Toneless syllables of a Chinese name with Beijing readings: 朝阳门 -> [chao, yang, men]."""
    _load_readings()
    return [s.lower() for s in lazy_pinyin(name) if s.strip()]


def english_name(zh: str, segment=None) -> str:
    """Pinyin display name: 回龙观街道 -> Huilongguan Subdistrict, 海淀区 -> Haidian District.

    segment, if given, splits Chinese text into words (jieba.lcut) so long names read as words."""
    if zh in SPECIAL_EN:
        return SPECIAL_EN[zh]
    if zh.endswith("区") and 2 < len(zh) <= 4 and not zh.endswith("地区"):
        return f"{title_pinyin(zh[:-1])} District"
    for suffix, word in TOWNSHIP_TYPE_EN:
        if zh.endswith(suffix) and len(zh) - len(suffix) >= 2:
            return f"{title_pinyin(zh[: -len(suffix)])} {word}"
    return title_pinyin(zh, segment)


def title_pinyin(zh: str, segment=None) -> str:
    """Capitalised pinyin, one word per Chinese word; Latin letters and digits kept as they are."""
    words = []
    for part in re.split(r"([\u4e00-\u9fff]+)", zh):
        if not part.strip():
            continue
        if re.search(r"[\u4e00-\u9fff]", part):
            for w in (segment(part) if segment else [part]):
                py = "".join(pinyin_words(w))
                words.append(py[:1].upper() + py[1:])
        else:
            words.append(part.strip())
    return re.sub(r"\s+([)\]])|([(\[])\s+", lambda m: m.group(1) or m.group(2), " ".join(words))


def normalize(text: str) -> str:
    """Full-width to half-width, one kind of bracket, no spaces between Chinese characters, lower-case Latin."""
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)
    return text.lower()


def squash(name: str) -> str:
    """English/pinyin key: lower-case letters and digits only ("Xi'erqi Station" -> xierqistation)."""
    return "".join(re.findall(r"[a-z0-9]+", normalize(name)))


@dataclass(frozen=True)
class Landmark:
    """A named place: where it is (one or more township or district codes), and what it is called."""

    id: str
    kind: str  # residential | metro | railway | airport | university | hospital | market | park | landmark | ...
    name_zh: str
    name_en: str
    aliases_zh: tuple[str, ...]
    aliases_en: tuple[str, ...]
    codes: tuple[str, ...]  # 9-digit township codes, or 6-digit district codes where the township is unknown
    lat: float | None = None
    lon: float | None = None
    source: str = ""
    provenance: str = ""
    name_matches: bool = True  # False for generic names ("老北京涮肉"): only the aliases are matched

    @property
    def district_codes(self) -> tuple[str, ...]:
        """The districts the place lies in."""
        return tuple(sorted({c[:6] for c in self.codes}))

    def name(self, lang: str) -> str:
        """Display name in a language; never Chinese for English."""
        return self.name_en if lang == "en" else self.name_zh


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(";") if v.strip())


def load_places(path: Path = PLACES_CSV) -> list[Landmark]:
    """The generated gazetteer file (tools/make_gazetteer.py), or nothing if it is missing."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["id"].startswith("#")]
    return [Landmark(r["id"], r["kind"], r["name_zh"], r["name_en"], _split(r["aliases_zh"]),
                     _split(r["aliases_en"]), tuple(c for c in r["codes"].split("|") if c),
                     float(r["lat"]) if r["lat"] else None, float(r["lon"]) if r["lon"] else None,
                     r["source"], r["provenance"], r.get("matched_by", "name") != "aliases") for r in rows]
