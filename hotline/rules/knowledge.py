"""The knowledge base: answers to common questions, read from hotline/data/knowledge, found with BM25.

Each entry is one document (its title and question phrasings) in a BM25 index per language (bm25s;
jieba words and character pairs for Chinese, word stems for English). The five best BM25 candidates are
re-scored by how much of the question they explain and how much of their closest phrasing the question
covers; a message without a question word is discounted (a complaint that mentions 燃气 is not a
question about gas bills). Below the threshold nothing is answered and an agent takes the question.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from hotline.rules import knowledge_text as words

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "data" / "knowledge"
LANGS = ("zh", "en")
STATUSES = ("needs_review", "reviewed", "retired")
FIELDS = ("id", "title", "questions", "answer", "sms", "source", "review_date", "status")
MAX_ANSWER = {"zh": 300, "en": 900}
# Characters the channel adds around an entry's SMS text ("【12345】…回复1已解决，回复2转人工。"); entries leave room.
SMS_FRAME = 24
SMS_SEGMENTS = 2

# Retrieval settings, calibrated on tests/data/knowledge_eval.yaml (bench/knowledge.py prints the figures).
K1, B = 1.2, 0.75
CANDIDATES = 5
PHRASING_WEIGHT = 0.75  # exponent of the phrasing coverage in the relevance
STATEMENT_FACTOR = 0.3  # a message without a question word keeps this share of its relevance


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class KnowledgeEntry:
    """One answer the hotline gives without a work order."""

    id: str
    topic: str
    title: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]
    answer: Mapping[str, str]
    sms: Mapping[str, str]
    source: Mapping[str, str]
    review_date: date
    status: str

    def text(self, field: str, lang: str) -> str:
        """title, answer, sms or source in the language asked (Chinese when unknown)."""
        values = getattr(self, field)
        return values.get(lang) or values["zh"]

    @property
    def reviewed(self) -> bool:
        """An operator has checked it against its source."""
        return self.status == "reviewed"


@dataclass(frozen=True)
class KnowledgeAnswer:
    """The answer to give: entry, text for voice and chat, SMS text, and how well the question matched."""

    entry_id: str
    title: str
    text: str
    sms: str
    source: str
    lang: str
    score: float


@dataclass(frozen=True)
class KnowledgeHit:
    """An entry that matches a search, with its relevance (higher is better)."""

    entry: KnowledgeEntry
    score: float


# ---------------------------------------------------------------- loading

# libyaml's loader when it is there: the files are read at every start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _need(raw: dict, key: str, where: str):
    if key not in raw or raw[key] in (None, "", [], {}):
        raise KnowledgeError(f"{where}: {key} is missing")
    return raw[key]


def _by_lang(raw: dict, key: str, where: str) -> dict[str, str]:
    value = _need(raw, key, where)
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: {key} must have zh and en")
    out = {}
    for lang in LANGS:
        v = value.get(lang)
        if not isinstance(v, str) or not v.strip():
            raise KnowledgeError(f"{where}: {key}.{lang} is missing")
        out[lang] = v.strip()
    return out


def _entry(raw: dict, topic: str, where: str) -> KnowledgeEntry:
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: an entry must be a mapping")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise KnowledgeError(f"{where}: unknown field {unknown[0]}")
    entry_id = str(_need(raw, "id", where))
    where = f"{where} ({entry_id})"
    questions_raw = _need(raw, "questions", where)
    questions = {}
    for lang in LANGS:
        q = questions_raw.get(lang) if isinstance(questions_raw, dict) else None
        if not isinstance(q, list) or not q or not all(isinstance(x, str) and x.strip() for x in q):
            raise KnowledgeError(f"{where}: questions.{lang} must list at least one question")
        questions[lang] = tuple(x.strip() for x in q)
    answer, sms = _by_lang(raw, "answer", where), _by_lang(raw, "sms", where)
    for lang in LANGS:
        if len(answer[lang]) > MAX_ANSWER[lang]:
            raise KnowledgeError(f"{where}: answer.{lang} is longer than {MAX_ANSWER[lang]} characters")
        # Measured with room for the channel's frame, so the text sent stays within two segments.
        framed = sms[lang] + ("字" if words.is_chinese(sms[lang]) else "x") * SMS_FRAME
        if words.sms_segments(framed) > SMS_SEGMENTS:
            raise KnowledgeError(f"{where}: sms.{lang} does not fit in {SMS_SEGMENTS} SMS segments "
                                 f"with {SMS_FRAME} characters to spare ({len(sms[lang])} characters)")
    review = _need(raw, "review_date", where)
    if not isinstance(review, date):
        raise KnowledgeError(f"{where}: review_date must be a date like 2026-12-01")
    status = _need(raw, "status", where)
    if status not in STATUSES:
        raise KnowledgeError(f"{where}: status must be one of {', '.join(STATUSES)}")
    return KnowledgeEntry(id=entry_id, topic=topic, title=_by_lang(raw, "title", where), questions=questions,
                          answer=answer, sms=sms, source=_by_lang(raw, "source", where), review_date=review,
                          status=status)


def load_entries(directory: str | Path | None = None) -> list[KnowledgeEntry]:
    """Every entry of every *.yaml file in the directory, validated; KnowledgeError names what is wrong."""
    folder = Path(directory) if directory else KNOWLEDGE_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"{folder}: no knowledge files (*.yaml)")
    entries: list[KnowledgeEntry] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except yaml.YAMLError as exc:
            raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
            raise KnowledgeError(f"{path.name}: expected a mapping with a list of entries")
        topic = raw.get("topic", {}).get("id") if isinstance(raw.get("topic"), dict) else None
        topic = topic or path.stem
        for i, item in enumerate(raw["entries"], start=1):
            entry = _entry(item, topic, f"{path.name} entry {i}")
            if entry.id in seen:
                raise KnowledgeError(f"{path.name}: entry id {entry.id} is also in {seen[entry.id]}")
            seen[entry.id] = path.name
            entries.append(entry)
    return entries


# ---------------------------------------------------------------- retrieval

class _Index:
    """BM25 over the entries of one language, with the term weights the relevance needs."""

    def __init__(self, entries: Sequence[KnowledgeEntry], lang: str):
        import bm25s  # imported on first use (about 0.3 s), so loading the core stays quick
        import numpy as np

        tokenize = words.zh_tokens if lang == "zh" else words.en_tokens
        self.tokenize = tokenize
        self.phrasings = [[frozenset(tokenize(p)) for p in (e.title[lang], *e.questions[lang])] for e in entries]
        docs = [[w for p in (e.title[lang], *e.questions[lang]) for w in tokenize(p)] for e in entries]
        self.bm25 = bm25s.BM25(k1=K1, b=B)
        self.bm25.index(docs, show_progress=False)
        n = len(docs)
        df: dict[str, int] = {}
        for d in docs:
            for w in set(d):
                df[w] = df.get(w, 0) + 1
        self.idf = {w: float(np.log(1 + (n - c + 0.5) / (c + 0.5))) for w, c in df.items()}
        # A word no entry uses is as telling as the rarest word: it says the question is about something else.
        self.idf_unknown = float(np.log(1 + (n + 0.5) / 0.5))
        self.phrasing_weights = [[max(self._weight(p), 1e-9) for p in ps] for ps in self.phrasings]
        self.np = np

    def _weight(self, terms) -> float:
        return sum(self.idf.get(t, self.idf_unknown) for t in terms)

    def rank(self, question: str, limit: int) -> list[tuple[int, float]]:
        """(entry index, relevance) of the best candidates, best first; relevance is about 0..1."""
        terms = self.tokenize(question)
        ids = self.bm25.get_tokens_ids(terms) if terms else []
        if not ids:
            return []
        scores = self.bm25.get_scores_from_ids(ids)
        own = self._weight(terms)
        asked = frozenset(terms)
        out = []
        k = min(max(limit, CANDIDATES), len(scores))
        top = self.np.argpartition(-scores, k - 1)[:k]  # the k best without sorting a large base
        for i in top[self.np.argsort(-scores[top])]:
            if scores[i] <= 0:
                break
            # How much of the question the entry explains, and how much of its closest phrasing was asked.
            explained = float(scores[i]) / own
            covered = max(self._weight(p & asked) / w for p, w in zip(self.phrasings[i], self.phrasing_weights[i]))
            out.append((int(i), explained * covered ** PHRASING_WEIGHT))
        out.sort(key=lambda pair: -pair[1])
        return out[:limit]


class KnowledgeBase:
    """The entries and their indexes; built once at start-up (the indexes on first use), then read-only."""

    def __init__(self, entries: Sequence[KnowledgeEntry], *, threshold: float, serve_unreviewed: bool = True):
        self.entries = tuple(e for e in entries if e.status != "retired")
        self.threshold = threshold
        self.serve_unreviewed = serve_unreviewed
        self._by_id = {e.id: e for e in self.entries}
        self._indexes: dict[str, _Index] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        """The entry with this id, if it exists and is not retired."""
        return self._by_id.get(entry_id)

    def _index(self, lang: str) -> _Index:
        index = self._indexes.get(lang)
        if index is None:
            with self._lock:
                index = self._indexes.get(lang)
                if index is None:
                    index = self._indexes[lang] = _Index(self.entries, lang)
        return index

    def warm(self) -> None:
        """Build both indexes now (jieba's dictionary included) instead of at the first question."""
        for lang in LANGS if self.entries else ():
            self._index(lang)

    def _ranked(self, question: str, limit: int) -> list[tuple[KnowledgeEntry, float]]:
        question = (question or "").strip()
        if not question or not self.entries:
            return []
        index = self._index("zh" if words.is_chinese(question) else "en")
        return [(self.entries[i], score) for i, score in index.rank(question, limit)]

    def search(self, query: str, limit: int = 10) -> list[KnowledgeHit]:
        """Entries matching a search (the console's box), best first, whatever the threshold."""
        return [KnowledgeHit(e, round(s, 4)) for e, s in self._ranked(query, limit)]

    def relevance(self, question: str) -> tuple[KnowledgeEntry | None, float]:
        """The best entry for a citizen's message and its score (statements discounted)."""
        ranked = self._ranked(question, 1)
        if not ranked:
            return None, 0.0
        entry, score = ranked[0]
        if not words.is_question(question):
            score *= STATEMENT_FACTOR
        return entry, score

    def answer(self, question: str, lang: str) -> KnowledgeAnswer | None:
        """The answer to a citizen's question in their language, or None: below the threshold an agent answers."""
        entry, score = self.relevance(question)
        return self.answer_with(entry, score, lang)

    def answer_with(self, entry: KnowledgeEntry | None, score: float, lang: str) -> KnowledgeAnswer | None:
        """The answer relevance() found (entry, score), in the citizen's language; None below the threshold."""
        if entry is None or score < self.threshold:
            return None
        if not (entry.reviewed or self.serve_unreviewed):
            return None
        lang = lang if lang in LANGS else "zh"
        return KnowledgeAnswer(entry_id=entry.id, title=entry.text("title", lang), text=entry.text("answer", lang),
                               sms=entry.text("sms", lang), source=entry.text("source", lang), lang=lang,
                               score=round(score, 4))


def load_knowledge(directory: str | Path | None, *, threshold: float, serve_unreviewed: bool = True) -> KnowledgeBase:
    """The knowledge base from its files (KnowledgeError when one is malformed)."""
    return KnowledgeBase(load_entries(directory), threshold=threshold, serve_unreviewed=serve_unreviewed)
