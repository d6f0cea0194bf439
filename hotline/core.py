"""The core's long-lived parts, built once at start-up: config, taxonomy, gazetteer and knowledge base."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.config import Config
from hotline.rules.knowledge import KnowledgeBase, load_knowledge
from hotline.rules.routing import Gazetteer
from hotline.rules.taxonomy import Taxonomy, load_taxonomy


@dataclass(frozen=True)
class Core:
    """What every use case needs besides the session and the time."""

    config: Config
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    knowledge: KnowledgeBase


def build_core(config: Config) -> Core:
    """Load reference data files once (the knowledge base's indexes are built at its first question)."""
    kb = config.knowledge
    knowledge = load_knowledge(kb.path or None, threshold=kb.threshold, serve_unreviewed=kb.serve_unreviewed)
    return Core(config=config, taxonomy=load_taxonomy(), gazetteer=Gazetteer.load(), knowledge=knowledge)
