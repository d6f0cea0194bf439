"""Bot NLU on the held-out file (bot/tests/nlu_heldout.yml, never trained on): group accuracy per group, the
confusion matrix, and /model/parse latency; the keyword classifier on the same texts is the peer.

Run: `.venv/bin/python -m bench.nlu` (starts its own Rasa server with the trained model; ~1 min).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import percentile
from bot.tools.servers import start_bot
from hotline.contact.dialogue import RasaClassifier, RasaClient
from hotline.rules.taxonomy import GROUPS, load_taxonomy
from hotline.wiring import rasa_http
from tests.bot.test_bot_project import examples  # the one reader of Rasa NLU files

HELD_OUT = Path(__file__).resolve().parents[1] / "bot" / "tests" / "nlu_heldout.yml"


def labelled() -> list[tuple[str, str]]:
    """(text, expected group) for every held-out example."""
    out = []
    for intent, texts in examples(HELD_OUT).items():
        group = "emergency" if intent == "emergency" else intent.split("/", 1)[1]
        out.extend((t, group) for t in texts)
    return out


def score(pairs, predict) -> tuple[dict, dict]:
    """Accuracy per group and the confusion counts {(expected, predicted): n}."""
    confusion: dict[tuple[str, str], int] = {}
    for text, expected in pairs:
        got = predict(text)
        confusion[(expected, got)] = confusion.get((expected, got), 0) + 1
    per_group = {}
    for g in GROUPS:
        total = sum(n for (e, _), n in confusion.items() if e == g)
        per_group[g] = confusion.get((g, g), 0) / total if total else float("nan")
    return per_group, confusion


def print_matrix(confusion: dict) -> None:
    short = {g: g[:5] for g in GROUPS}
    print("confusion (rows: expected, columns: predicted)")
    print(" " * 13 + " ".join(f"{short[g]:>5}" for g in GROUPS))
    for e in GROUPS:
        print(f"{e:>12} " + " ".join(f"{confusion.get((e, p), 0) or '.':>5}" for p in GROUPS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parse-repeats", type=int, default=3, help="times each text is parsed for latency")
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    pairs = labelled()
    stack = start_bot(Path(tempfile.mkdtemp(prefix="bench-nlu-")), with_actions=False)
    try:
        client = RasaClient(stack.url, timeout_s=30, http=rasa_http(stack.token))
        model = RasaClassifier(client, taxonomy)
        for text, _ in pairs[:5]:
            client.post("/model/parse", {"text": text})  # warm-up
        latencies = []
        for _ in range(args.parse_repeats):
            for text, _ in pairs:
                t0 = time.perf_counter()
                client.post("/model/parse", {"text": text})
                latencies.append((time.perf_counter() - t0) * 1000)
        rasa_acc, rasa_conf = score(pairs, lambda t: model.classify(t).group)
    finally:
        stack.stop()
    kw_acc, _ = score(pairs, lambda t: taxonomy.classify(t).group)
    total = len(pairs)
    rasa_overall = sum(n for (e, p), n in rasa_conf.items() if e == p) / total
    kw_overall = sum(kw_acc[g] * sum(1 for _, e in pairs if e == g) for g in GROUPS) / total
    print(f"held-out examples: {total} ({HELD_OUT.name}, never trained on)")
    print(f"{'group':>12}  {'rasa':>6}  {'keywords':>8}")
    for g in GROUPS:
        print(f"{g:>12}  {rasa_acc[g]:>6.0%}  {kw_acc[g]:>8.0%}")
    print(f"{'overall':>12}  {rasa_overall:>6.0%}  {kw_overall:>8.0%}   (peer: the keyword classifier)")
    print_matrix(rasa_conf)
    print(f"/model/parse latency over {len(latencies)} calls: median {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms (DOMAIN.md reference: median ~13 ms)")


if __name__ == "__main__":
    main()
