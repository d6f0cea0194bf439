"""The bot project itself: its data validates, its conversation tests and action tests pass, its data is honest."""
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.tools import make_lookups
from hotline.rules.taxonomy import GROUPS, load_taxonomy

pytestmark = pytest.mark.rasa
ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
ENV = {"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_bot(*args, timeout=900):
    if not RASA.exists():
        pytest.fail("the bot's environment .venv-rasa is missing: run `make test` (it needs Python 3.10)")
    return subprocess.run(args, cwd=BOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def examples(path: Path) -> dict[str, list[str]]:
    """Intent -> its example texts (entity annotations removed)."""
    import re
    out = {}
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if "intent" in item:
            lines = [ln.strip()[2:] for ln in item["examples"].splitlines() if ln.strip().startswith("- ")]
            out.setdefault(item["intent"], []).extend(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", t) for t in lines)
    return out


def training_examples() -> dict[str, list[str]]:
    merged = {}
    for f in sorted((BOT / "data").rglob("*.yml")):
        for intent, texts in examples(f).items():
            merged.setdefault(intent, []).extend(texts)
    return merged


def test_the_bot_data_validates():
    result = run_bot(str(RASA), "data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_conversation_stories_pass(tmp_path):
    result = run_bot(str(RASA), "test", "core", "--stories", "tests/test_stories.yml", "--model",
                     "models/hotline.tar.gz", "--fail-on-prediction-errors", "--out", str(tmp_path))
    failed = (tmp_path / "failed_test_stories.yml")
    report = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, report[-4000:] + result.stdout[-2000:] + result.stderr[-2000:]


def test_the_action_unit_tests_pass():
    result = run_bot(str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "unittest", "discover", "-s", "tests",
                     "-t", ".", timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert " OK" in result.stderr or result.stderr.rstrip().endswith("OK")


def test_the_place_lookup_matches_the_gazetteer():
    assert make_lookups.main(["--check"]) == 0, "run: .venv/bin/python -m bot.tools.make_lookups"


def test_every_group_has_at_least_25_varied_training_examples_in_both_languages():
    data = training_examples()
    for group in GROUPS:
        texts = data["emergency"] if group == "emergency" else data[f"give_details/{group}"]
        chinese = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
        assert len(set(texts)) >= 25, group
        assert len(chinese) >= 15 and len(texts) - len(chinese) >= 5, group


def test_the_held_out_examples_are_never_used_for_training():
    train = {t for texts in training_examples().values() for t in texts}
    held = examples(BOT / "tests" / "nlu_heldout.yml")
    assert set(held) == {"emergency"} | {f"give_details/{g}" for g in GROUPS if g != "emergency"}
    assert not train & {t for texts in held.values() for t in texts}


def test_the_bots_group_names_are_the_taxonomys():
    groups = set(load_taxonomy().groups)
    domain = yaml.safe_load((BOT / "domain.yml").read_text(encoding="utf-8"))
    subs = [k.split("/", 1)[1] for k in domain["responses"] if k.startswith(("utter_give_details/", "utter_faq/"))]
    assert {s.split("__", 1)[0] for s in subs} <= groups
