"""The knowledge base: hit rate, false-answer rate and p95 look-up time, each beside its target and a plain-BM25 peer.

Run: `.venv/bin/python -m bench.knowledge [--threshold 0.08] [--calibrate] [--scale 1,100]`.

Question sets (tests/data): knowledge_eval.yaml calibrates the threshold on its even-numbered items and is
tested on its odd-numbered ones; knowledge_holdout.yaml was written after the method and threshold were
fixed and tunes nothing. The peer is plain BM25 over the same index with a raw-score threshold calibrated by
the same rule, measured in the same run: what the re-scoring and the question-word discount add.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Callable

import yaml

from bench.common import percentile
from hotline.config import load_config
from hotline.rules.knowledge import KnowledgeBase, KnowledgeEntry, load_entries

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TARGET_HIT = 0.80  # questions the base covers that get their entry's answer
TARGET_FALSE = 0.05  # complaints and uncovered questions that get an answer anyway
TARGET_P95_MS = 5.0
# Calibration: the lowest threshold whose tuning-half false-answer rate is at most this, and wrong-entry rate
# at most CAL_WRONG (an answer to a complaint costs more than a question sent to an agent).
CAL_FALSE, CAL_WRONG = 0.04, 0.02


@dataclasses.dataclass
class Rates:
    """How a scorer did on one question set at one threshold."""

    hit: float
    wrong: float
    false: float
    n_hits: int
    n_misses: int


def _sets() -> dict[str, tuple[list, list]]:
    ev = yaml.safe_load((DATA / "knowledge_eval.yaml").read_text(encoding="utf-8"))
    ho = yaml.safe_load((DATA / "knowledge_holdout.yaml").read_text(encoding="utf-8"))
    return {"calibration half": (ev["hits"][0::2], ev["misses"][0::2]),
            "test half": (ev["hits"][1::2], ev["misses"][1::2]),
            "held-out set": (ho["hits"], ho["misses"])}


Scorer = Callable[[str], tuple[KnowledgeEntry | None, float]]


def rates(scorer: Scorer, hits: list, misses: list, threshold: float) -> Rates:
    """Right answers and wrong entries among hits, answers given to misses."""
    right = wrong = 0
    for entry_id, q in hits:
        entry, score = scorer(q)
        if entry is not None and score >= threshold:
            right += entry.id == entry_id
            wrong += entry.id != entry_id
    false = sum(1 for q in misses if (lambda e, s: e is not None and s >= threshold)(*scorer(q)))
    return Rates(right / len(hits), wrong / len(hits), false / len(misses), len(hits), len(misses))


def calibrate(scorer: Scorer, hits: list, misses: list) -> float:
    """The lowest threshold meeting the calibration rule on these questions."""
    scores = sorted({round(s, 6) for _, s in map(scorer, [q for _, q in hits] + list(misses))} | {0.0})
    for t in scores:
        r = rates(scorer, hits, misses, t)
        if r.false <= CAL_FALSE and r.wrong <= CAL_WRONG:
            return t
    return scores[-1] + 1e-6


def plain_bm25(kb: KnowledgeBase) -> Scorer:
    """The peer: the best entry by raw BM25 score, no re-scoring, no question-word discount."""
    from hotline.rules import knowledge_text as words

    def score(q: str):
        index = kb._index("zh" if words.is_chinese(q) else "en")
        toks = index.tokenize(q)
        ids = index.bm25.get_tokens_ids(toks) if toks else []
        if not ids:
            return None, 0.0
        s = index.bm25.get_scores_from_ids(ids)
        best = int(s.argmax())
        return kb.entries[best], float(s[best])
    return score


def lookup_times(kb: KnowledgeBase, questions: list[str], repeats: int = 5) -> tuple[list[float], list[float]]:
    """Milliseconds per answer() call: wall clock and this thread's CPU time (the machine is shared)."""
    for q in questions:
        kb.answer(q, "zh")
    wall, cpu = [], []
    for _ in range(repeats):
        for q in questions:
            w, c = time.perf_counter(), time.thread_time()
            kb.answer(q, "zh")
            cpu.append((time.thread_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def scaled(entries: list[KnowledgeEntry], factor: int) -> list[KnowledgeEntry]:
    """The base repeated `factor` times under new ids: a stand-in for an operator's larger base."""
    return [dataclasses.replace(e, id=f"{e.id}~{k}") if k else e for k in range(factor) for e in entries]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threshold", type=float, help="default: knowledge.threshold from config.yaml")
    ap.add_argument("--calibrate", action="store_true", help="print the threshold the calibration rule picks")
    ap.add_argument("--scale", default="1,100", help="base sizes to time, as multiples of the shipped base")
    args = ap.parse_args(argv)

    config = load_config(environ={})
    threshold = config.knowledge.threshold if args.threshold is None else args.threshold
    entries = load_entries(config.knowledge.path or None)
    kb = KnowledgeBase(entries, threshold=threshold)
    start = time.perf_counter()
    kb.warm()
    warm_s = time.perf_counter() - start
    sets = _sets()
    cal_hits, cal_misses = sets["calibration half"]
    ours = kb.relevance
    peer = plain_bm25(kb)
    chosen = calibrate(ours, cal_hits, cal_misses)
    peer_threshold = calibrate(peer, cal_hits, cal_misses)
    print(f"knowledge base: {len(kb)} entries; threshold {threshold:g} (config), calibration rule picks "
          f"{chosen:.3f} (false <= {CAL_FALSE:.0%}, wrong <= {CAL_WRONG:.0%} on the calibration half); "
          f"plain BM25 peer threshold {peer_threshold:.2f}")
    if args.calibrate:
        return 0
    print(f"{'question set':18} {'hits/misses':>11}  {'hit rate':>8} {'wrong':>6} {'false':>6}   "
          f"{'BM25 hit':>8} {'wrong':>6} {'false':>6}   target")
    for name, (hits, misses) in sets.items():
        r, p = rates(ours, hits, misses, threshold), rates(peer, hits, misses, peer_threshold)
        met = "met" if r.hit >= TARGET_HIT and r.false <= TARGET_FALSE else "NOT MET"
        print(f"{name:18} {r.n_hits:>5}/{r.n_misses:<5}  {r.hit:8.3f} {r.wrong:6.3f} {r.false:6.3f}   "
              f"{p.hit:8.3f} {p.wrong:6.3f} {p.false:6.3f}   hit >= {TARGET_HIT}, false <= {TARGET_FALSE}: {met}")
    questions = [q for hits, misses in sets.values() for q in [q for _, q in hits] + list(misses)]
    print(f"first question builds the indexes and loads jieba: {warm_s:.2f} s (once per process)")
    for factor in [int(x) for x in args.scale.split(",") if x.strip()]:
        base = kb if factor == 1 else KnowledgeBase(scaled(entries, factor), threshold=threshold)
        wall, cpu = lookup_times(base, questions, repeats=5 if factor == 1 else 2)
        p95 = percentile(wall, 95)
        print(f"answer() over {len(base):>6} entries, {len(wall)} calls: wall p50 {percentile(wall, 50):.2f} ms, "
              f"p95 {p95:.2f} ms, CPU p95 {percentile(cpu, 95):.2f} ms; target p95 <= {TARGET_P95_MS} ms: "
              f"{'met' if p95 <= TARGET_P95_MS else 'NOT MET (wall; see CPU)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
