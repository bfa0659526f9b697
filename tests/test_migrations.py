from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tagsvc.extensions import Base, db


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    """The tests' database comes from the migrations; nothing may be in the models that they lack."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
