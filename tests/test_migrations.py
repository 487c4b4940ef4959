"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db
from models.base import include_object


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask --app wsgi db migrate`: {diff}"


def test_constraints_are_named_by_convention(app):
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
