"""Bring a database to the latest Alembic revision."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine

from hotline.config import PROJECT_ROOT


def alembic_config() -> AlembicConfig:
    """Alembic settings pointing at the project's migrations."""
    cfg = AlembicConfig(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["skip_logging"] = True
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind engine; safe to run again."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
