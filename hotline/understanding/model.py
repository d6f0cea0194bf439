"""The trained model: group, service code and kind from linear models over the text's features.

Training uses scikit-learn (tf-idf vectorisers, LinearSVC); the result is compiled into plain arrays
(vocabularies, idf weights, one weight matrix), so a message is scored with one small matrix product and
the file is an .npz that loads without pickle.
"""
from __future__ import annotations

import io
from itertools import repeat
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.svm import LinearSVC

from hotline.rules.taxonomy import Taxonomy
from hotline.understanding.features import TextFeatures, add_words, normalize, words

FORMAT = 1
HEADS = ("group", "code", "kind")
# LinearSVC regularisation (smaller = smoother; 0.5 generalised best on the shipped corpus's held-out part).
C_VALUE = 0.5
# Margins to probabilities: softmax(margin * SHARPNESS).
SHARPNESS = 3.0
# Below this many rows every term counts (min_df 1); above it a term must occur twice.
SMALL_FILE = 500


class ModelError(Exception):
    """A model file that cannot be used (missing, damaged, from another version)."""


@dataclass
class TrainingRow:
    """One labelled message: a group or a service code (or both), optionally a kind, and its weight."""

    text: str
    group: str | None = None
    service_code: str | None = None
    kind: str | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class Prediction:
    """What the model thinks, with probabilities (0..1)."""

    group: str | None
    group_p: float
    service_code: str | None
    code_p: float
    kind: str | None
    kind_p: float


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z * SHARPNESS
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def _keywords(taxonomy: Taxonomy) -> list[str]:
    return [kw for c in taxonomy.codes.values() for kw in c.keywords_zh]


def _fit_codes(x, idx: list[int], labels: list[str], weights: list[float], taxonomy: Taxonomy
               ) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """One head per group over that group's codes, trained on that group's rows only (the group head picks
    the group first): ten times cheaper than one head over every code, and as accurate inside a group."""
    by_group: dict[str, list[int]] = {}
    for n, code in enumerate(labels):
        by_group.setdefault(taxonomy.codes[code].group, []).append(n)
    classes, mats, biases = [], [], []
    for group in sorted(by_group):
        members = by_group[group]
        fitted = _fit_head(x[[idx[n] for n in members]], [labels[n] for n in members], [weights[n] for n in members])
        if fitted is None:  # one code only in this group: it is the answer whenever the group is
            fitted = ([labels[members[0]]], np.zeros((x.shape[1], 1), np.float32), np.zeros(1, np.float32))
        classes += fitted[0]
        mats.append(fitted[1])
        biases.append(fitted[2])
    if len(classes) < 2:
        return None
    return classes, np.hstack(mats), np.concatenate(biases)


def _fit_head(x, labels: list[str], weights: list[float]) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """(classes, weights n_features x n_classes, bias) of a one-vs-rest linear SVM, or None for < 2 classes."""
    classes = sorted(set(labels))
    if len(classes) < 2:
        return None
    svm = LinearSVC(C=C_VALUE, max_iter=5000)
    svm.fit(x, labels, sample_weight=np.asarray(weights, dtype=np.float64))
    coef, bias = svm.coef_, svm.intercept_
    if len(classes) == 2:  # one margin for two classes: the first class is its negative
        coef, bias = np.vstack([-coef, coef]), np.concatenate([-bias, bias])
    return [str(c) for c in svm.classes_], coef.T.astype(np.float32), bias.astype(np.float32)


@dataclass
class NluModel:
    """Vocabularies, idf weights and one weight matrix whose columns are the heads' classes."""

    char_vocab: dict[str, int]
    char_idf: np.ndarray
    word_vocab: dict[str, int]
    word_idf: np.ndarray
    heads: dict[str, list[str]]  # head -> its classes, in column order
    weights: np.ndarray  # n_features x sum(classes)
    bias: np.ndarray
    code_groups: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._slices, start = {}, 0
        for head in HEADS:
            n = len(self.heads.get(head, ()))
            self._slices[head] = slice(start, start + n)
            start += n
        self._groups = sorted(set(self.heads.get("group", ())) | {self.code_groups[c] for c in self.heads.get("code", ())})
        codes_start = self._slices["code"].start
        self._code_columns = {g: np.array([codes_start + j for j, c in enumerate(self.heads.get("code", ()))
                                           if self.code_groups[c] == g], dtype=np.int64) for g in self._groups}

    # ------------------------------------------------------------------------------------------ training
    @classmethod
    def train(cls, rows: list[TrainingRow], taxonomy: Taxonomy) -> "NluModel":
        """Fit on labelled rows: a row with a group (or a code, which implies it) trains the group head, etc."""
        def labelled(pick):
            idx = [i for i, r in enumerate(rows) if pick(r)]
            return idx, [pick(rows[i]) for i in idx], [rows[i].weight for i in idx]

        picks = {"group": lambda r: r.group or (taxonomy.codes[r.service_code].group if r.service_code else None),
                 "code": lambda r: r.service_code, "kind": lambda r: r.kind}
        if not any(len(set(labelled(p)[1])) >= 2 for p in picks.values()):
            raise ModelError("nothing to learn: the rows need at least two different groups, codes or kinds")
        add_words(_keywords(taxonomy))
        started = time.perf_counter()
        features = TextFeatures(min_df=2 if len(rows) >= SMALL_FILE else 1)
        x = features.fit_transform([r.text for r in rows])
        heads, mats, biases = {}, [], []
        for head in HEADS:
            idx, labels, w = labelled(picks[head])
            fitted = (_fit_codes(x, idx, labels, w, taxonomy) if head == "code" else _fit_head(x[idx], labels, w)) \
                if idx else None
            if fitted is None:
                continue
            heads[head], m, b = fitted
            mats.append(m)
            biases.append(b)
        if not heads:
            raise ModelError("nothing to learn: the rows need at least two different groups, codes or kinds")
        meta = {"format": FORMAT, "rows": len(rows), "features": features.size,
                "labelled": {h: len(labelled(picks[h])[0]) for h in HEADS},
                "train_seconds": round(time.perf_counter() - started, 1)}
        ordered = [h for h in HEADS if h in heads]
        return cls(char_vocab={t: int(i) for t, i in features.chars.vocabulary_.items()},
                   char_idf=features.chars.idf_.astype(np.float32),
                   word_vocab={t: int(i) for t, i in features.words.vocabulary_.items()},
                   word_idf=features.words.idf_.astype(np.float32),
                   heads={h: heads[h] for h in ordered},
                   weights=np.hstack([mats[ordered.index(h)] for h in ordered]),
                   bias=np.concatenate([biases[ordered.index(h)] for h in ordered]),
                   code_groups={c.code: c.group for c in taxonomy.codes.values()}, meta=meta)

    # ------------------------------------------------------------------------------------------ scoring
    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, values) of one text: the same numbers the vectorisers gave in training."""
        norm = normalize(text)
        idx: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        offset = 0
        for grams, vocab, idf in ((_char_grams(norm), self.char_vocab, self.char_idf),
                                  (_word_grams(words(norm)), self.word_vocab, self.word_idf)):
            ids = np.fromiter(map(vocab.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
            ids = ids[ids >= 0]  # terms the training data never had (or had once, in a big file)
            if len(ids):
                terms, counts = np.unique(ids, return_counts=True)
                v = (1.0 + np.log(counts)) * idf[terms]
                v /= np.sqrt(np.dot(v, v)) or 1.0
                idx.append(terms + offset)
                vals.append(v.astype(np.float32))
            offset += len(vocab)
        if not idx:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(idx), np.concatenate(vals)

    def predict(self, text: str) -> Prediction:
        """Group, code and kind of one text."""
        idx, vals = self.vector(text)
        scores = (vals @ self.weights[idx] if len(idx) else np.zeros(self.weights.shape[1], np.float32)) + self.bias
        group = code = kind = None
        group_p = code_p = kind_p = 0.0
        if "group" in self.heads:
            gp = _softmax(scores[self._slices["group"]])
            g = int(np.argmax(gp))
            group, group_p = self.heads["group"][g], float(gp[g])
        elif "code" in self.heads:
            # Codes alone (one group in the file): the code heads' best column names the group.
            j = int(np.argmax(scores[self._slices["code"]]))
            group, group_p = self.code_groups[self.heads["code"][j]], 1.0
        if group is not None and "code" in self.heads:
            cols = self._code_columns.get(group)
            if cols is not None and len(cols):
                cp = _softmax(scores[cols])
                j = int(np.argmax(cp))
                code = self.heads["code"][cols[j] - self._slices["code"].start]
                code_p = float(cp[j]) * group_p  # sure of the code inside the group, times sure of the group
        if "kind" in self.heads:
            kp = _softmax(scores[self._slices["kind"]])
            k = int(np.argmax(kp))
            kind, kind_p = self.heads["kind"][k], float(kp[k])
        return Prediction(group, group_p, code, code_p, kind, kind_p)

    @property
    def size_bytes(self) -> int:
        """Memory of the weight matrix (the bulk of the file)."""
        return int(self.weights.nbytes)

    # ------------------------------------------------------------------------------------------ the file
    def save(self, path: str | os.PathLike) -> None:
        """Write the model atomically: a reader sees the old file or the new one, never half of one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"format": FORMAT, "heads": self.heads, "code_groups": self.code_groups,
                  "meta": self.meta}
        buf = io.BytesIO()
        np.savez_compressed(
            buf, header=np.array(json.dumps(header, ensure_ascii=False)),
            char_terms=np.array(_by_index(self.char_vocab), dtype=str), char_idf=self.char_idf,
            word_terms=np.array(_by_index(self.word_vocab), dtype=str), word_idf=self.word_idf,
            weights=self.weights, bias=self.bias)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buf.getvalue())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def load(path: str | os.PathLike, taxonomy: Taxonomy) -> "NluModel":
        """Read a model file written by save; ModelError when it is missing, damaged or does not fit the taxonomy."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"no model at {path}")
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                arrays = {k: z[k] for k in ("char_terms", "char_idf", "word_terms", "word_idf", "weights", "bias")}
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign file, whatever the reason
            raise ModelError(f"{path} is not a model file ({type(exc).__name__})") from exc
        if header.get("format") != FORMAT:
            raise ModelError(f"{path} has format {header.get('format')}, this version reads {FORMAT}; train again")
        unknown = [c for c in header["heads"].get("code", ()) if c not in taxonomy.codes]
        if unknown:
            raise ModelError(f"{path} predicts service codes the taxonomy no longer has "
                             f"({', '.join(unknown[:5])}); train again")
        add_words(_keywords(taxonomy))
        return NluModel(char_vocab={t: i for i, t in enumerate(arrays["char_terms"].tolist())},
                        char_idf=arrays["char_idf"],
                        word_vocab={t: i for i, t in enumerate(arrays["word_terms"].tolist())},
                        word_idf=arrays["word_idf"], heads=header["heads"],
                        weights=arrays["weights"], bias=arrays["bias"], code_groups=header["code_groups"],
                        meta=header.get("meta") or {})


def _by_index(vocab: dict[str, int]) -> list[str]:
    out = [""] * len(vocab)
    for term, i in vocab.items():
        out[i] = term
    return out


def _char_grams(text: str) -> list[str]:
    """Character 1-3 grams, as scikit-learn's analyzer="char" makes them."""
    n = len(text)
    return [text[i:i + k] for k in (1, 2, 3) if k <= n for i in range(n - k + 1)]


def _word_grams(tokens: list[str]) -> list[str]:
    """Words and word pairs, as scikit-learn's ngram_range=(1, 2) makes them."""
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
