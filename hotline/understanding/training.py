"""Train a model from an operator's labelled history (and/or the shipped corpus) and record how well it does."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from hotline.rules.taxonomy import GROUPS, Taxonomy
from hotline.understanding.classifier import Classifier
from hotline.understanding.evaluation import Scores, score
from hotline.understanding.model import NluModel, TrainingRow

# Weight of the shipped corpus beside a history: at most half the history's own weight in all, so an
# operator's labels lead while codes their history lacks are still known.
CORPUS_SHARE = 0.5


@dataclass(frozen=True)
class Evaluation:
    """Figures of one classifier on one labelled set."""

    groups: Scores
    code_accuracy: float | None
    kind_accuracy: float | None

    def record(self) -> dict:
        out = self.groups.brief()
        if self.code_accuracy is not None:
            out["code_accuracy"] = round(self.code_accuracy, 4)
        if self.kind_accuracy is not None:
            out["kind_accuracy"] = round(self.kind_accuracy, 4)
        return out


def evaluate(classify, rows: list[TrainingRow], taxonomy: Taxonomy) -> Evaluation:
    """Group scores (and code and kind accuracy where the rows have them) of classify(text) -> Classification."""
    rows = [r for r in rows if r.group or r.service_code]
    got = [classify(r.text) for r in rows]
    groups = score(((r.group or taxonomy.codes[r.service_code].group, c.group) for r, c in zip(rows, got)), GROUPS)
    coded = [(r, c) for r, c in zip(rows, got) if r.service_code]
    kinded = [(r, c) for r, c in zip(rows, got) if r.kind]
    return Evaluation(groups,
                      sum(r.service_code == c.service_code for r, c in coded) / len(coded) if coded else None,
                      sum(r.kind == c.kind for r, c in kinded) / len(kinded) if kinded else None)


def split_holdout(rows: list[TrainingRow], fraction: float, seed: int = 12345
                  ) -> tuple[list[TrainingRow], list[TrainingRow]]:
    """(train, held out): `fraction` of each label's rows held out, at least one row kept for training."""
    if fraction <= 0:
        return list(rows), []
    by_label: dict[str, list[TrainingRow]] = {}
    for r in rows:
        by_label.setdefault(r.service_code or r.group or "", []).append(r)
    rng = random.Random(seed)
    train, held = [], []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        k = int(len(items) * fraction) if len(items) > 1 else 0
        held += items[:k]
        train += items[k:]
    return train, held


def train_model(rows: list[TrainingRow], taxonomy: Taxonomy, *, now: datetime, source: str,
                corpus: list[TrainingRow] | None = None, corpus_weight: float | None = None,
                holdout: float = 0.1, evaluate_on: dict[str, list[TrainingRow]] | None = None,
                keyword_baseline=None) -> NluModel:
    """Fit on rows (+ the corpus, down-weighted), evaluate on a held-out part and the given sets, record it all."""
    train, held = split_holdout(rows, holdout)
    extra = []
    weight = None
    if corpus:
        if corpus_weight is None:
            corpus_weight = min(1.0, CORPUS_SHARE * sum(r.weight for r in train) / len(corpus)) if train else 1.0
        weight = corpus_weight
        extra = [TrainingRow(r.text, r.group, r.service_code, r.kind, weight) for r in corpus]
    model = NluModel.train(train + extra, taxonomy)
    sets = dict(evaluate_on or {})
    if held:
        sets = {"held_out": held, **sets}
    clf = Classifier.with_model(taxonomy, model)
    evaluations = {}
    for name, labelled in sets.items():
        if not labelled:
            continue
        figures = evaluate(clf.classify, labelled, taxonomy).record()
        if keyword_baseline is not None:
            figures["keywords_accuracy"] = round(evaluate(keyword_baseline, labelled, taxonomy).groups.accuracy, 4)
        evaluations[name] = figures
    model.meta.update({"trained_at": now.isoformat(timespec="seconds"), "source": source,
                       "file_rows": len(train), "held_out_rows": len(held), "corpus_rows": len(extra),
                       "corpus_weight": round(weight, 4) if weight is not None else None,
                       "evaluations": evaluations})
    return model
