"""The core's long-lived parts, built once at start-up: config, taxonomy, gazetteer, classifier, knowledge."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hotline.config import Config
from hotline.rules.knowledge import KnowledgeBase, load_knowledge
from hotline.rules.routing import Gazetteer
from hotline.rules.taxonomy import Taxonomy, load_taxonomy
from hotline.understanding.classifier import Classifier, resolve_model_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Core:
    """What every use case needs besides the session and the time."""

    config: Config
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    knowledge: KnowledgeBase
    # The one classifier (emergency keywords, then the trained model, keywords without one); None only in
    # hand-built cores, where the taxonomy's keywords stand in.
    classifier: Classifier | None = None


def build_core(config: Config) -> Core:
    """Load reference data files once; the model is read on first use (and again when its file changes), the
    knowledge base's indexes at its first question."""
    taxonomy = load_taxonomy()
    classifier = Classifier(taxonomy, resolve_model_path(config.nlu.model_path, PROJECT_ROOT),
                            check_every_s=config.nlu.reload_check_s)
    kb = config.knowledge
    knowledge = load_knowledge(kb.path or None, threshold=kb.threshold, serve_unreviewed=kb.serve_unreviewed)
    return Core(config=config, taxonomy=taxonomy, gazetteer=Gazetteer.load(), knowledge=knowledge,
                classifier=classifier)
