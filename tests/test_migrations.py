from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tagsvc.database import include_in_autogenerate
from tagsvc.extensions import Base, db


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    """The tests' database comes from the migrations; nothing may be in the models that they lack."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_in_autogenerate})
        assert compare_metadata(context, Base.metadata) == []


def test_postgresql_has_trigram_indexes_for_search(app):
    from sqlalchemy import inspect

    names = {index["name"] for index in inspect(db.engine).get_indexes("asset")}
    if db.engine.dialect.name == "postgresql":
        assert {"ix_asset_name_trgm", "ix_asset_asset_number_trgm"} <= names
    else:
        assert not any(name.endswith("_trgm") for name in names)
