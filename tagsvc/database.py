"""Schema management: the schema only ever comes from the Alembic migrations."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, inspect

from tagsvc.config import PROJECT_ROOT


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_migrated(engine: Engine) -> bool:
    return "alembic_version" in inspect(engine).get_table_names()


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Indexes that only one database has (PostgreSQL's trigram indexes) are kept out of model comparisons."""
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))
