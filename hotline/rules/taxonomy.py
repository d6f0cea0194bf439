"""The taxonomy (kinds, groups, service codes) from its data file, and keyword classification."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TAXONOMY_PATH = DATA_DIR / "taxonomy.yaml"

KINDS = ("consult", "help", "complaint", "report", "suggestion")
GROUPS = ("emergency", "utilities", "environment", "urban", "housing", "traffic", "market", "labor",
          "education", "health", "public_order", "other")
HANDLER_TYPES = ("township", "department", "utility")
FALLBACK_CODE = "OTH-GEN"
# When no kind keyword matches, a request with a problem in it is a complaint.
DEFAULT_KIND = "complaint"
# Ties between kind keywords go to the kind that asks the most of a unit.
KIND_PRIORITY = ("report", "complaint", "help", "suggestion", "consult")
# The fuzzy matcher needs about two rare shared bigrams to say anything, and is never as sure as a keyword.
FUZZY_MIN_SCORE = 5.0
FUZZY_MAX_CONFIDENCE = 0.6
# A model knew the group but nothing named the code: below intake's triage bar (0.2) so a person picks it.
GROUP_ONLY_CONFIDENCE = 0.15


@dataclass(frozen=True)
class ServiceCodeDef:
    """One service code as the data file defines it."""

    code: str
    group: str
    name_zh: str
    name_en: str
    time_limit_class: str
    handler_type: str
    department_code: str
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]

    def name(self, lang: str) -> str:
        """The name in the citizen's language."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Classification:
    """What a text is about, and how sure we are (0..1)."""

    kind: str
    group: str
    service_code: str
    time_limit_class: str
    confidence: float
    matched: tuple[str, ...] = ()
    # Who decided: "keywords" (this module) or "model" (hotline.understanding).
    source: str = "keywords"

    @property
    def understood(self) -> bool:
        """A keyword or model recognised the request."""
        return self.confidence > 0


class _KeywordIndex:
    """Keyword matcher: substrings for Chinese, whole words for English."""

    def __init__(self, table: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]):
        self._zh = [(kw, label) for label, (zh, _en) in table.items() for kw in zh]
        # One regular-expression pass finds the longest keyword starting at each position; every keyword that
        # is a prefix of it starts there too. Same hits as one substring search per keyword, much faster.
        positions: dict[str, list[int]] = {}
        for n, (kw, _label) in enumerate(self._zh):
            if kw:
                positions.setdefault(kw, []).append(n)
        self._zh_prefixes = {kw: sorted(n for k in positions if kw.startswith(k) for n in positions[k])
                             for kw in positions}
        longest = sorted(positions, key=len, reverse=True)
        self._zh_re = re.compile("(?=(" + "|".join(re.escape(k) for k in longest) + "))") if longest else None
        en = [(kw.lower(), label) for label, (_zh, en_kws) in table.items() for kw in en_kws]
        self._en_label = {kw: label for kw, label in en}
        if en:
            # One alternation, longest first, so "heating is cold" wins over "heating".
            words = sorted(self._en_label, key=len, reverse=True)
            self._en_re = re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z])")
        else:
            self._en_re = None

    def scores(self, text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Score per label: the summed length of its keywords found in text."""
        scores: dict[str, float] = {}
        hits: dict[str, list[str]] = {}
        found: set[int] = set()
        if self._zh_re is not None:
            for m in self._zh_re.finditer(text):
                found.update(self._zh_prefixes[m.group(1)])
        for n in sorted(found):
            kw, label = self._zh[n]
            scores[label] = scores.get(label, 0) + len(kw) * 2  # a Chinese character carries ~2 letters' meaning
            hits.setdefault(label, []).append(kw)
        if self._en_re is not None:
            for m in self._en_re.finditer(text.lower()):
                label = self._en_label[m.group(1)]
                scores[label] = scores.get(label, 0) + len(m.group(1))
                hits.setdefault(label, []).append(m.group(1))
        return scores, hits


_EN_WORD = re.compile(r"[a-z]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# English words too common to tell codes apart.
_STOPWORDS = frozenset("a an the is are was of in on at to for and or my our no not there has have it its "
                       "been i we me you they this that with from by be".split())


def features(text: str) -> set[str]:
    """Chinese character bigrams and English words: what the fuzzy matcher compares."""
    out = {m for m in _EN_WORD.findall(text.lower()) if m not in _STOPWORDS and len(m) > 2}
    for run in _CJK_RUN.findall(text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


class _ProfileIndex:
    """Fuzzy fallback: shared bigrams/words with each code's names and keywords, weighted by rarity (IDF)."""

    def __init__(self, codes: dict[str, "ServiceCodeDef"]):
        self._profiles = {c.code: features(" ".join((c.name_zh, c.name_en) + c.keywords_zh + c.keywords_en))
                          for c in codes.values()}
        df: dict[str, int] = {}
        for feats in self._profiles.values():
            for f in feats:
                df[f] = df.get(f, 0) + 1
        n = len(self._profiles)
        self._idf = {f: math.log(n / d) for f, d in df.items()}

    def best(self, text: str) -> tuple[str | None, float, float]:
        """The best code, its score, and the runner-up's score."""
        mine = features(text)
        scores = sorted(((sum(self._idf[f] for f in mine & p), code) for code, p in self._profiles.items()),
                        reverse=True)
        if not scores or scores[0][0] == 0:
            return None, 0.0, 0.0
        return scores[0][1], scores[0][0], scores[1][0] if len(scores) > 1 else 0.0

    def best_of(self, text: str, codes) -> tuple[str | None, float, float]:
        """Like best, among the given codes only."""
        mine = features(text)
        scores = sorted(((sum(self._idf[f] for f in mine & self._profiles[code]), code) for code in codes),
                        reverse=True)
        if not scores or scores[0][0] == 0:
            return None, 0.0, 0.0
        return scores[0][1], scores[0][0], scores[1][0] if len(scores) > 1 else 0.0


class Taxonomy:
    """Kinds, groups and service codes, and a keyword classifier over them."""

    def __init__(self, kinds: dict, groups: dict, codes: dict[str, ServiceCodeDef]):
        self.kinds = kinds
        self.groups = groups
        self.codes = codes
        self._codes_index = _KeywordIndex({c.code: (c.keywords_zh, c.keywords_en) for c in codes.values()})
        self._profiles = _ProfileIndex(codes)
        self._kinds_index = _KeywordIndex({
            k: (tuple(v.get("keywords", {}).get("zh", ())), tuple(v.get("keywords", {}).get("en", ())))
            for k, v in kinds.items()})

    def get(self, code: str) -> ServiceCodeDef | None:
        """The service code, or None."""
        return self.codes.get(code)

    def group_names(self, lang: str = "zh") -> dict[str, str]:
        """Each group's name in one language, in the regulation's order (the data file's names)."""
        return {g: self.groups[g][lang] for g in GROUPS}
    def keyword_scores(self, text: str) -> dict[str, float]:
        """Score per service code of the keywords found in text (what classify ranks); empty when none."""
        return self._codes_index.scores(text)[0]

    def classify(self, text: str) -> Classification:
        """Kind and service code of a free-text request by keywords (confidence 0 when nothing matched)."""
        code_scores, code_hits = self._codes_index.scores(text)
        kind = self.classify_kind(text)
        if not code_scores:
            return self._fuzzy(text, kind)
        # Danger outranks everything: any emergency keyword decides the group.
        emergency = {c: s for c, s in code_scores.items() if self.codes[c].group == "emergency"}
        pool = emergency or code_scores
        ranked = sorted(pool.items(), key=lambda kv: (-kv[1], kv[0]))
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        # Margin over the runner-up, damped for single short hits.
        confidence = round(min(1.0, best_score / 8) * (best_score / (best_score + runner_up)), 3)
        code = self.codes[best]
        return Classification(kind, code.group, code.code, code.time_limit_class, confidence,
                              tuple(code_hits[best]))

    def _fuzzy(self, text: str, kind: str) -> Classification:
        """No keyword matched: rare shared bigrams/words decide, with a confidence capped below an exact hit."""
        code, score, runner_up = self._profiles.best(text)
        if code is None or score < FUZZY_MIN_SCORE:
            fallback = self.codes[FALLBACK_CODE]
            return Classification(kind, fallback.group, fallback.code, fallback.time_limit_class, 0.0)
        confidence = round(FUZZY_MAX_CONFIDENCE * min(1.0, score / (2 * FUZZY_MIN_SCORE))
                           * (score / (score + runner_up)), 3)
        c = self.codes[code]
        return Classification(kind, c.group, c.code, c.time_limit_class, confidence)

    def classify_in_group(self, text: str, group: str, group_confidence: float = 1.0) -> Classification:
        """The service code inside a group a model chose: keywords, then the fuzzy matcher, restricted to it.

        The group carries the model's confidence; when nothing in the text names a code of that group the
        group's first code is a placeholder and the confidence drops below intake's triage bar, so a person
        picks the code (the group, and so its time-limit class, still stands).
        """
        kind = self.classify_kind(text)
        in_group = {c: d for c, d in self.codes.items() if d.group == group}
        if not in_group:
            return self.classify(text)
        code_scores, code_hits = self._codes_index.scores(text)
        scores = {c: s for c, s in code_scores.items() if c in in_group}
        if scores:
            best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            c = self.codes[best]
            return Classification(kind, group, best, c.time_limit_class, round(group_confidence, 3),
                                  tuple(code_hits[best]))
        code, score, _ = self._profiles.best_of(text, in_group)
        if code is not None and score >= FUZZY_MIN_SCORE:
            c = self.codes[code]
            return Classification(kind, group, code, c.time_limit_class, round(group_confidence * 0.8, 3))
        fallback = FALLBACK_CODE if group == self.codes[FALLBACK_CODE].group else next(iter(in_group))
        c = self.codes[fallback]
        return Classification(kind, group, fallback, c.time_limit_class,
                              round(min(group_confidence, GROUP_ONLY_CONFIDENCE), 3))

    def classify_kind(self, text: str) -> str:
        """The request kind by keywords; a complaint when nothing says otherwise."""
        scores, _ = self._kinds_index.scores(text)
        if not scores:
            return DEFAULT_KIND
        return max(scores, key=lambda k: (scores[k], -KIND_PRIORITY.index(k)))


def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Read and check the taxonomy data file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    kinds = raw["kinds"]
    groups = raw["groups"]
    if tuple(kinds) != KINDS and set(kinds) != set(KINDS):
        raise ValueError(f"{path}: kinds must be exactly {KINDS}")
    if set(groups) != set(GROUPS):
        raise ValueError(f"{path}: groups must be exactly {GROUPS}")
    for name, names in groups.items():
        # An unquoted comma in a flow mapping ({en: Water, power}) silently makes keys of the rest.
        if set(names) != {"zh", "en"} or not all(isinstance(v, str) and v for v in names.values()):
            raise ValueError(f"{path}: group {name} needs exactly a zh and an en name (quote names with commas)")
    codes: dict[str, ServiceCodeDef] = {}
    for item in raw["service_codes"]:
        code = str(item["code"])
        if code in codes:
            raise ValueError(f"{path}: service code {code} appears twice")
        if item["group"] not in groups:
            raise ValueError(f"{path}: {code} has unknown group {item['group']}")
        if item["handler"] not in HANDLER_TYPES:
            raise ValueError(f"{path}: {code} has unknown handler {item['handler']}")
        kws = item.get("keywords") or {}
        codes[code] = ServiceCodeDef(
            code=code, group=item["group"], name_zh=item["zh"], name_en=item["en"],
            time_limit_class=item["time_limit"], handler_type=item["handler"],
            department_code=item["department"],
            keywords_zh=tuple(kws.get("zh") or ()), keywords_en=tuple(kws.get("en") or ()))
    if FALLBACK_CODE not in codes:
        raise ValueError(f"{path}: the catch-all code {FALLBACK_CODE} is missing")
    return Taxonomy(kinds, groups, codes)
