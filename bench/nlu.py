"""The core's classifier: group accuracy on both evaluation sets beside the keyword classifier and a plain
character n-gram model, training time for 10,000 messages, messages classified per second, model size.

Run: `.venv/bin/python -m bench.nlu` (about two minutes on 2 cores); `--rasa` also starts the Rasa bot and
scores its model on the same sets (another minute or two).
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from hotline.rules.taxonomy import load_taxonomy
from hotline.understanding import dataset
from hotline.understanding.classifier import Classifier
from hotline.understanding.evaluation import confusion_table
from hotline.understanding.features import normalize
from hotline.understanding.model import NluModel
from hotline.understanding.training import evaluate
from tools.make_nlu_corpus import FRAGMENTS, Composer, compose_code

TARGET_TRAIN_S, TARGET_RATE, TARGET_MB = 120.0, 500.0, 50.0
# The targets on real messages (measured by the project owners, not here).
TARGET_OUT_OF_THE_BOX = 0.85


class CharNgramPeer:
    """The plain peer: character 1-3 gram tf-idf and a linear SVM on groups, nothing else."""

    def __init__(self, rows, taxonomy):
        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        x = self.vec.fit_transform([normalize(r.text) for r in rows])
        self.svm = LinearSVC(C=0.5).fit(x, [r.group or taxonomy.codes[r.service_code].group for r in rows])

    def group(self, text: str) -> str:
        return str(self.svm.predict(self.vec.transform([normalize(text)]))[0])


def generated(n: int, seed: int, taxonomy) -> list:
    """n fresh messages from the corpus recipe (a different seed from the shipped file)."""
    from hotline.understanding.model import TrainingRow
    rng = random.Random(seed)
    per_code = -(-n // len(taxonomy.codes))
    rows = []
    for code in taxonomy.codes.values():
        comp = Composer(rng, taxonomy)
        rows += [TrainingRow(t, service_code=c, kind=k)
                 for t, c, k in compose_code(comp, code, FRAGMENTS[code.code], per_code, heldout=False)]
    return rows[:n]


def rasa_groups(sets, taxonomy) -> dict[str, float]:
    """Group accuracy of today's Rasa model on each set (starts its own server)."""
    from bot.tools.servers import start_bot
    from bench.rasa_peer import RasaClassifier
    from hotline.contact.rasa import RasaClient
    from hotline.wiring import rasa_http
    stack = start_bot(Path(tempfile.mkdtemp(prefix="bench-nlu-")), with_actions=False)
    try:
        model = RasaClassifier(RasaClient(stack.url, timeout_s=30, http=rasa_http(stack.token)), taxonomy)
        return {name: evaluate(model.classify, rows, taxonomy).groups.accuracy for name, rows in sets.items()}
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=10_000, help="messages for the training-time figure")
    parser.add_argument("--rasa", action="store_true", help="also score the Rasa bot's model (starts Rasa)")
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    corpus = dataset.shipped_corpus(taxonomy)
    sets = {"corpus held-out": dataset.read_csv(dataset.CORPUS_HELDOUT, taxonomy).rows,
            "hand-written": dataset.read_csv(dataset.HANDWRITTEN, taxonomy).rows}

    t0 = time.perf_counter()
    model = NluModel.train(corpus, taxonomy)
    corpus_s = time.perf_counter() - t0
    ours = Classifier.with_model(taxonomy, model)
    peer = CharNgramPeer([r for r in corpus if r.service_code], taxonomy)
    rasa = rasa_groups(sets, taxonomy) if args.rasa else {}

    print(f"trained on the shipped corpus: {len(corpus)} rows in {corpus_s:.1f} s")
    print("group accuracy (code accuracy of the model in brackets)")
    print(f"{'set':>16} {'n':>5}  {'model':>6}  {'char n-gram':>11}  {'keywords':>8}" + (f"  {'rasa':>6}" if rasa else ""))
    details = {}
    for name, rows in sets.items():
        e = evaluate(ours.classify, rows, taxonomy)
        kw = evaluate(taxonomy.classify, rows, taxonomy)
        pe = evaluate(lambda t: SimpleNamespace(group=peer.group(t), service_code=None, kind=None), rows, taxonomy)
        details[name] = e
        line = (f"{name:>16} {e.groups.n:>5}  {e.groups.accuracy:>6.3f}  {pe.groups.accuracy:>11.3f}  "
                f"{kw.groups.accuracy:>8.3f}" + (f"  {rasa[name]:>6.3f}" if rasa else ""))
        print(line + f"   (code {e.code_accuracy:.3f}, kind {e.kind_accuracy:.3f}, macro-F1 {e.groups.macro_f1:.3f})")
    print(f"target on real messages (owners' measurement): group accuracy >= {TARGET_OUT_OF_THE_BOX}")
    print("hand-written set, " + confusion_table(details["hand-written"].groups))

    # Training time on 10,000 messages (fresh from the corpus recipe).
    big = generated(args.train_size, seed=777, taxonomy=taxonomy)
    t0 = time.perf_counter()
    big_model = NluModel.train(big, taxonomy)
    train_s = time.perf_counter() - t0
    print(f"training on {len(big)} messages: {train_s:.1f} s (target <= {TARGET_TRAIN_S:.0f} s: "
          f"{'met' if train_s <= TARGET_TRAIN_S else 'NOT met'})")

    # One message at a time, as the channels call it.
    texts = [r.text for rows in sets.values() for r in rows]
    ours.classify(texts[0])
    rates, cpu_rates = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        for t in texts:
            ours.classify(t)
        rates.append(len(texts) / (time.perf_counter() - t0))
        cpu_rates.append(len(texts) / max(1e-9, time.process_time() - c0))
    rate, cpu_rate = float(np.median(rates)), float(np.median(cpu_rates))
    kw_t0 = time.perf_counter()
    for t in texts:
        taxonomy.classify(t)
    kw_rate = len(texts) / (time.perf_counter() - kw_t0)
    load = os.getloadavg()[0]
    print(f"classify: {rate:.0f} messages/s in one process (median of 3 over {len(texts)} messages; target >= "
          f"{TARGET_RATE:.0f}: {'met' if rate >= TARGET_RATE else 'NOT met'}); keywords alone {kw_rate:.0f}/s")
    print(f"          {cpu_rate:.0f} messages per second of CPU time (what an unshared core gives); "
          f"load average {load:.1f} on {os.cpu_count()} cores")

    with tempfile.TemporaryDirectory() as tmp:
        for label, m in (("shipped", model), (f"{len(big)}-message", big_model)):
            path = Path(tmp) / "model.npz"
            m.save(path)
            mb = path.stat().st_size / 1e6
            print(f"model file ({label}): {mb:.1f} MB (target <= {TARGET_MB:.0f} MB: "
                  f"{'met' if mb <= TARGET_MB else 'NOT met'})")


if __name__ == "__main__":
    main()
