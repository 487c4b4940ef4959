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


def test_descending_indexes_exist_in_their_order(app):
    """The indexes autogenerate cannot compare (models.base.DESCENDING_INDEXES) are checked here instead."""
    import sqlalchemy as sa

    from models.base import DESCENDING_INDEXES

    with app.app_context(), db.engine.connect() as conn:
        tables = {index.name: table for table in db.metadata.sorted_tables for index in table.indexes}
        for name in DESCENDING_INDEXES:
            reflected = {i["name"]: i for i in sa.inspect(conn).get_indexes(tables[name].name)}
            assert name in reflected, f"{name} is missing: the migrations did not create it"
            if conn.dialect.name == "postgresql":
                definition = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                                          {"n": name}).scalar()
            else:
                definition = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}).scalar()
            columns = definition.upper().split(" ON ", 1)[1]  # not the index's name, which may say "desc"
            assert " DESC" in columns, definition


def test_sqlite_uses_the_classified_reports_partial_index(app):
    """SQLite uses a partial index only for a WHERE that says the index's condition in the same words; SQLAlchemy
    writes ``is_(True)`` as ``IS 1`` there, so the index says ``IS 1`` (with ``IS TRUE`` the home page's red flags
    read the reports in period order instead)."""
    import pytest
    import sqlalchemy as sa

    from models import MonthlyReport, ReviewStatus

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("PostgreSQL matches IS TRUE and a bound true alike")
        statement = sa.select(sa.func.count()).select_from(MonthlyReport).where(
            MonthlyReport.involves_classified.is_(True),
            MonthlyReport.status.in_([ReviewStatus.draft, ReviewStatus.dept_review]))
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        assert "involves_classified IS 1" in sql
        # INDEXED BY makes SQLite use that index or fail ("no query solution") when it cannot.
        forced = sql.replace("FROM monthly_reports", "FROM monthly_reports INDEXED BY "
                             "ix_monthly_reports_classified_status_period", 1)
        plan = " ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + forced))
    assert "ix_monthly_reports_classified_status_period" in plan, plan
