"""The hotline's one classifier: emergency keywords first, then the trained model, keywords when there is none."""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Callable

from hotline.rules.taxonomy import Classification, Taxonomy
from hotline.understanding.model import ModelError, NluModel

log = logging.getLogger(__name__)

# A question the model calls a complaint without conviction is a question ("questions are recognised").
QUESTION = re.compile(r"(请问|咨询|想了解|想问一下|问一下|怎么办理|如何办理|需要什么材料|[？?]\s*$|^(how|what|when|where|can|could|"
                      r"is|are|do|does|which|who)\b)", re.IGNORECASE)
UNSURE_KIND = 0.5
# The last texts whose classification a classifier remembers: a turn classifies the same words twice within
# microseconds (the dialogue, then intake); a few dozen cover every thread of a process, and nothing older.
MEMO_SIZE = 64


class Classifier:
    """Same answer as Taxonomy.classify (kind, group, service code, confidence), from the model when one exists.

    The model file is looked at again every `check_every_s` seconds, so a `flask nlu train` reaches running
    processes without a restart; a damaged new file is logged and the model in memory stays.
    """

    def __init__(self, taxonomy: Taxonomy, model_path: str | os.PathLike | None, *, check_every_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self.taxonomy = taxonomy
        self.model_path = Path(model_path) if model_path else None
        self.check_every_s = check_every_s
        self.clock = clock
        self._model: NluModel | None = None
        self._stamp: tuple[int, int] | None = None
        self._next_check = float("-inf")
        self._lock = threading.Lock()
        self.problem: str | None = None  # why there is no model, for the console
        self._memo: dict[str, Classification] = {}
        self._memo_model: NluModel | None = None

    @classmethod
    def with_model(cls, taxonomy: Taxonomy, model: NluModel | None) -> "Classifier":
        """A classifier around a model in memory (training, evaluation, benchmarks): no file behind it."""
        clf = cls(taxonomy, None)
        clf._model = model
        return clf

    # ------------------------------------------------------------------------------------------ the model
    @property
    def model(self) -> NluModel | None:
        """The current model (re-read when its file changed), or None: keywords alone."""
        if self.model_path is not None and self.clock() >= self._next_check:
            self._refresh()
        return self._model

    def _refresh(self) -> None:
        with self._lock:
            now = self.clock()
            if now < self._next_check:
                return
            self._next_check = now + self.check_every_s
            try:
                st = self.model_path.stat()
            except OSError:
                if self._model is None and self.problem is None:
                    log.warning("no NLU model at %s: keywords classify (train one with `flask --app app nlu train`)",
                                self.model_path)
                self.problem = f"no model at {self.model_path}"
                return
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp == self._stamp:
                return
            try:
                model = NluModel.load(self.model_path, self.taxonomy)
            except ModelError as exc:
                log.error("NLU model not loaded: %s%s", exc, "; keeping the one in memory" if self._model else "")
                self.problem = str(exc)
                self._stamp = stamp
                return
            self._model, self._stamp, self.problem = model, stamp, None
            log.info("NLU model loaded from %s (%s rows, trained %s)", self.model_path, model.meta.get("rows"),
                     model.meta.get("trained_at"))

    def figures(self) -> dict | None:
        """What the current model was trained on and how well it did (the model file's record)."""
        m = self.model
        return dict(m.meta) if m is not None else None

    # ------------------------------------------------------------------------------------------ classify
    def classify(self, text: str) -> Classification:
        """Kind and service code of a free-text request."""
        text = text or ""
        if not text.strip():
            return self.taxonomy.classify(text)
        model = self.model
        # A turn classifies the same words more than once (the dialogue, then intake): the same model's answer
        # to the same text is remembered for a moment (MEMO_SIZE).
        if self._memo_model is not model or len(self._memo) >= MEMO_SIZE:
            self._memo, self._memo_model = {}, model
        cls = self._memo.get(text)
        if cls is None:
            cls = self._memo[text] = self._classify(text, model)
        return cls

    def _classify(self, text: str, model: NluModel | None) -> Classification:
        # Danger first: an emergency keyword is never out-voted by a model.
        if any(self.taxonomy.codes[c].group == "emergency" for c in self.taxonomy.keyword_scores(text)):
            cls = self.taxonomy.classify(text)
            # Someone in danger asks for help, whatever else the words suggest (unless they report or ask).
            return dataclasses.replace(cls, kind="help") if cls.kind == "complaint" else cls
        if model is None:
            return self.taxonomy.classify(text)
        p = model.predict(text)
        if p.group is None:
            return self.taxonomy.classify(text)
        if p.service_code is not None:
            code, confidence = self.taxonomy.get(p.service_code), p.code_p
        else:
            inside = self.taxonomy.classify_in_group(text, p.group, p.group_p)
            code, confidence = self.taxonomy.get(inside.service_code), inside.confidence
        kind = p.kind or self.taxonomy.classify_kind(text)
        if kind != "consult" and p.kind_p < UNSURE_KIND and QUESTION.search(text.strip()):
            kind = "consult"
        hits = tuple(kw for kw in code.keywords_zh if kw in text)
        return Classification(kind, code.group, code.code, code.time_limit_class, round(confidence, 3), hits,
                              source="model")

    def classify_in_group(self, text: str, group: str, group_confidence: float = 1.0) -> Classification:
        """The service code inside a group someone else chose (the bot's hint): the model's best code there."""
        model = self.model
        if model is None or "code" not in model.heads:
            return self.taxonomy.classify_in_group(text, group, group_confidence)
        own = self.classify(text)
        if own.group == group:
            return dataclasses.replace(own, confidence=round(min(1.0, max(own.confidence, group_confidence)), 3))
        return self.taxonomy.classify_in_group(text, group, group_confidence)

    def classify_kind(self, text: str) -> str:
        """The request kind alone."""
        return self.classify(text).kind


def resolve_model_path(path: str, project_root: Path) -> Path | None:
    """The configured model path, relative paths from the project folder; None when empty (keywords only)."""
    if not path:
        return None
    p = Path(path)
    return p if p.is_absolute() else project_root / p
