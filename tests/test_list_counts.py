"""The list's count (admin/counting.py): run as a statement on the session's connection, and on PostgreSQL the
estimate and the exact count of an unfiltered department list in one statement. The same numbers as the ORM's
count and as the two statements they replace, scoped as before."""
import pytest
import sqlalchemy as sa
from flask_login import login_user

from models import EmploymentStatus, Manager, MonthlyReport, Unit, User, db

from .conftest import USERNAMES, count_statements


def _view(app, endpoint):
    return next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == endpoint)


def _orm_count(user, view):
    from models import policy

    return policy.scope(user, view.model, db.session.query(sa.func.count()).select_from(view.model)).scalar()


@pytest.mark.parametrize("role", ["dept_admin", "auditor", "unit_editor", "unit_leader"])
@pytest.mark.parametrize("endpoint", ["managers", "reports", "accounts", "audit", "units", "users", "changes"])
def test_the_count_is_the_orms_count_of_the_users_scope(app, world, role, endpoint):
    from admin.counting import CountQuery

    with app.test_request_context(f"/admin/{endpoint}/?search=x"):
        user = db.session.query(User).filter_by(username=USERNAMES[role]).one()
        login_user(user)
        view = _view(app, endpoint)
        if not view.is_accessible():
            pytest.skip("not this role's list")
        query = view.get_count_query()
        exact = getattr(query, "exact_query", query)
        assert isinstance(exact, CountQuery)
        assert exact.scalar() == _orm_count(user, view)
        # the search and the filters Flask-Admin adds keep it a CountQuery (generative methods keep the class)
        narrowed = exact.filter(sa.false())
        assert isinstance(narrowed, CountQuery) and narrowed.scalar() == 0


def test_the_count_sees_what_the_session_has_not_written_yet(app, world):
    """As a query autoflushes the session, the count does: a manager added but not flushed is counted."""
    with app.test_request_context("/admin/managers/"):
        user = db.session.query(User).filter_by(username=USERNAMES["unit_editor"]).one()
        login_user(user)
        view = _view(app, "managers")
        before = view.get_count_query().scalar()
        unit = db.session.get(Unit, user.unit_id)

        def added(name):  # added to the session, not flushed
            db.session.add(Manager(name=name, unit=unit, phone="13800001111",
                                   employment_status=EmploymentStatus.staff))

        added("新来的人")
        assert view.get_count_query().scalar() == before + 1
        with db.session.no_autoflush:
            added("又来的人")
            assert view.get_count_query().scalar() == before + 1
        assert view.get_count_query().scalar() == before + 2
        added("不写的人")
        assert view.get_count_query().autoflush(False).scalar() == before + 2
        assert view.get_count_query().execution_options(autoflush=False).scalar() == before + 2
        assert view.get_count_query().scalar() == before + 3
        db.session.rollback()


def test_a_unit_users_count_never_counts_another_units_rows(app, world):
    with app.test_request_context("/admin/managers/"):
        editor = db.session.query(User).filter_by(username=USERNAMES["unit_editor"]).one()
        login_user(editor)
        own = _view(app, "managers").get_count_query().scalar()
        assert own == db.session.query(Manager).filter_by(unit_id=editor.unit_id).count()
        assert own < db.session.query(Manager).count()


@pytest.mark.parametrize("threshold, estimated", [(10**9, False), (0, True), (-1, True)])
def test_the_estimate_and_the_count_in_one_statement_answer_as_the_two_did(app, world, threshold, estimated):
    """PostgreSQL: above the threshold the table's estimate ("about N"), below it the exact count, in one statement
    (the count's sub-select runs only when needed); an estimate of -1 (never analysed) is never shown."""
    from admin.counting import ApproximateCount, _EstimatedCount, table_estimate

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the estimate is PostgreSQL's")
        db.session.execute(sa.text("ANALYZE monthly_reports"))
        db.session.commit()
    with app.test_request_context("/admin/reports/"):
        user = db.session.query(User).filter_by(username=USERNAMES["dept_admin"]).one()
        login_user(user)
        view = _view(app, "reports")
        exact = view.get_count_query()
        exact = getattr(exact, "exact_query", exact)
        rows = db.session.query(MonthlyReport).count()
        with count_statements(app) as statements:
            answer = _EstimatedCount(exact, "monthly_reports", threshold).scalar()
        assert len(statements) == 1, statements
        if estimated:
            assert isinstance(answer, ApproximateCount) and answer == table_estimate("monthly_reports") >= 0
        else:
            assert not isinstance(answer, ApproximateCount) and answer == rows
        # a table never analysed (-1) shows its exact count even when every table counts as big
        db.session.execute(sa.text("CREATE TEMPORARY TABLE never_analysed (id integer)"))
        db.session.execute(sa.text("INSERT INTO never_analysed VALUES (1), (2)"))
        if table_estimate("never_analysed") < 0:
            counted = _EstimatedCount(db.session.query(sa.func.count()).select_from(sa.table("never_analysed")),
                                      "never_analysed", threshold).scalar()
            assert counted == 2 and not isinstance(counted, ApproximateCount)
        db.session.rollback()


def test_the_estimate_leaves_the_count_unexecuted(app, world):
    """The plan of the one statement says the count's sub-select was never executed when the estimate is used."""
    from admin.counting import _estimate_or_count

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the estimate is PostgreSQL's")
        db.session.execute(sa.text("ANALYZE monthly_reports"))
        statement = _estimate_or_count(sa.select(sa.func.count()).select_from(MonthlyReport), 0)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(r[0] for r in db.session.execute(
            sa.text("EXPLAIN (ANALYZE, COSTS OFF) " + sql.replace(":table", "'monthly_reports'"))))
        db.session.rollback()
    assert "never executed" in plan, plan


def test_the_internals_the_count_relies_on_are_there():
    """admin/counting.py ``CountQuery`` autoflushes as a query does (SQLAlchemy's ``Session._autoflush``, honouring
    a query's ``autoflush(False)``) and replaces Flask-Admin's ``count_query.scalar()`` in ``get_list``: pinned, so
    that an upgrade that changes them fails here."""
    import inspect

    from flask_admin.contrib.sqla.view import ModelView
    from sqlalchemy.orm import Query, Session

    assert list(inspect.signature(Session._autoflush).parameters) == ["self"]
    assert Query([sa.func.count()]).load_options._autoflush is True
    assert Query([sa.func.count()]).autoflush(False).load_options._autoflush is False
    assert "count = count_query.scalar() if count_query else None" in inspect.getsource(ModelView.get_list)
