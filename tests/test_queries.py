"""No N+1: the number of SQL statements of a list or details page does not grow with its rows."""
import contextlib

import pytest
import sqlalchemy as sa

from models import db

from .conftest import make_account, make_report


@contextlib.contextmanager
def count_queries(app):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _add_rows(app, world, n):
    with app.app_context():
        from models import Unit

        own = db.session.get(Unit, world["own_unit"])
        for i in range(n):
            account = make_account(own, f"批量帐号{len(own.name)}-{i}-{n}")
            make_report(account)
        db.session.commit()


PAGES = ["/admin/accounts/", "/admin/managers/", "/admin/reports/", "/admin/changes/", "/admin/violations/",
         "/admin/assessments/", "/admin/audit/", "/admin/units/", "/admin/users/", "/admin/", "/admin/calendar/"]


@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_list_queries_do_not_grow_with_rows(app, world, login_as, role):
    client = login_as(role)
    urls = [u for u in PAGES if client.get(u).status_code == 200]
    counts = {}
    for n in (2, 12):
        _add_rows(app, world, n)
        for url in urls:
            with count_queries(app) as statements:
                assert client.get(url).status_code == 200
            counts.setdefault(url, []).append(len(statements))
    grown = {url: c for url, c in counts.items() if c[1] > c[0]}
    assert not grown, f"queries grow with rows (before, after): {grown}"


def test_details_queries_do_not_depend_on_team_size(app, world, login_as):
    client = login_as("dept_admin")
    with count_queries(app) as statements:
        client.get(f"/admin/accounts/details/?id={world['own_account']}")
    assert len(statements) <= 8, statements
