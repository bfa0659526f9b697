from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tagsvc.database import include_in_autogenerate
from tagsvc.extensions import Base, db


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    """The tests' database comes from the migrations; nothing may be in the models that they lack."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_in_autogenerate})
        assert compare_metadata(context, Base.metadata) == []


def test_no_index_is_kept_that_the_apps_searches_cannot_use(app):
    """Under row-level security PostgreSQL will not use a trigram index for LIKE (not leakproof): such an index only
    slows every write of an asset (migration 0028)."""
    from sqlalchemy import inspect

    assert not any(index["name"].endswith("_trgm") for index in inspect(db.engine).get_indexes("asset"))
