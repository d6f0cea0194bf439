"""Bring a database to the latest Alembic revision."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine

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


def head_revision() -> str | None:
    """The newest revision this code's migrations know."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database behind connection is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(connection).get_current_revision()
