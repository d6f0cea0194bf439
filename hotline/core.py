"""The core's long-lived parts, built once at start-up: config, taxonomy and gazetteer."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.config import Config
from hotline.rules.routing import Gazetteer
from hotline.rules.taxonomy import Taxonomy, load_taxonomy


@dataclass(frozen=True)
class Core:
    """What every use case needs besides the session and the time."""

    config: Config
    taxonomy: Taxonomy
    gazetteer: Gazetteer


def build_core(config: Config) -> Core:
    """Load reference data files once."""
    return Core(config=config, taxonomy=load_taxonomy(), gazetteer=Gazetteer.load())
