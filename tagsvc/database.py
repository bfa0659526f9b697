"""Schema management: the schema only ever comes from the Alembic migrations."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.pool import NullPool

from tagsvc.config import PROJECT_ROOT


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    config = _alembic_config()
    # Its own connection, as configured: not the application's pool, whose PostgreSQL connections act as the
    # application's role (tagsvc_app), which may not change tables.
    engine = create_engine(engine.url, poolclass=NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's constraints by copying the table and dropping the old one; with foreign keys
            # on, that drop refuses while other tables point at its rows. Its own recipe: keys off outside the
            # transaction, then a check that every key still holds before the change is kept.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the upgrade would break foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    engine.dispose()


def is_migrated(engine: Engine) -> bool:
    return "alembic_version" in inspect(engine).get_table_names()


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Indexes that only one database has (PostgreSQL's trigram indexes) are kept out of model comparisons."""
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))
