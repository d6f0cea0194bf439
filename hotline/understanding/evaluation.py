"""How well a classifier does on labelled messages: accuracy, macro-F1, F1 per group, the confusion matrix."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from hotline.rules.taxonomy import GROUPS


@dataclass
class Scores:
    """Figures on one labelled set."""

    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float] = field(default_factory=dict)  # per label
    support: dict[str, int] = field(default_factory=dict)
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # (expected, predicted) -> count

    def brief(self) -> dict:
        """What a model file records."""
        return {"n": self.n, "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4)}


def score(pairs: Iterable[tuple[str, str]], labels: Iterable[str] | None = None) -> Scores:
    """Scores of (expected, predicted) pairs; macro-F1 over the labels that occur in the expected column."""
    pairs = list(pairs)
    confusion: dict[tuple[str, str], int] = {}
    for e, p in pairs:
        confusion[(e, p)] = confusion.get((e, p), 0) + 1
    expected = sorted({e for e, _ in pairs})
    f1, support = {}, {}
    for lab in labels or expected:
        tp = confusion.get((lab, lab), 0)
        fn = sum(n for (e, p), n in confusion.items() if e == lab and p != lab)
        fp = sum(n for (e, p), n in confusion.items() if p == lab and e != lab)
        support[lab] = tp + fn
        if tp + fn == 0:
            continue
        f1[lab] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    n = len(pairs)
    acc = sum(1 for e, p in pairs if e == p) / n if n else 0.0
    macro = sum(f1.values()) / len(f1) if f1 else 0.0
    return Scores(n, acc, macro, f1, support, confusion)


def confusion_table(s: Scores, labels=GROUPS, width: int = 5) -> str:
    """The confusion matrix as text: rows expected, columns predicted."""
    short = {g: g[:width] for g in labels}
    lines = ["rows: expected, columns: predicted", " " * 13 + " ".join(f"{short[g]:>{width}}" for g in labels)]
    for e in labels:
        if not s.support.get(e):
            continue
        lines.append(f"{e:>12} " + " ".join(f"{s.confusion.get((e, p), 0) or '.':>{width}}" for p in labels))
    return "\n".join(lines)
