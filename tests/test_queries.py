"""No N+1: the number of SQL statements of a list or details page does not grow with its rows."""
import pytest
import sqlalchemy as sa

from models import db

from .conftest import count_statements as count_queries, make_account, make_report


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


def test_deadlines_in_many_years_cost_one_calendar_query(app, world, login_as):
    """The "no holiday schedule for year X" warning reads the scheduled years once per page."""
    import datetime as dt

    from models import Account

    client = login_as("dept_admin")
    with count_queries(app) as before:
        client.get("/admin/accounts/")
    with app.app_context():
        for i, account in enumerate(db.session.query(Account)):
            account.registration_due = dt.date(2031 + i, 1, 5)
        from models import Unit

        own = db.session.get(Unit, world["own_unit"])
        for i in range(6):
            make_account(own, f"多年帐号{i}").registration_due = dt.date(2040 + i, 3, 1)
        db.session.commit()
    with count_queries(app) as after:
        html = client.get("/admin/accounts/").get_data(as_text=True)
    assert len(after) <= len(before) + 1, (before, after)
    assert sum("work_calendar" in statement for statement in after) == 1
    assert "2045" in html


@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_deep_pages_by_ids_first_show_the_same_rows(app, world, login_as, monkeypatch, role):
    """From the deferred-join offset on, a page lists exactly the rows OFFSET/LIMIT would."""
    from admin.base import ScopedModelView

    _add_rows(app, world, 9)
    client = login_as(role)

    def names(url):
        html = client.get(url).get_data(as_text=True)
        return [line for line in html.splitlines() if "批量帐号" in line or "本单位帐号" in line]

    plain = [names(f"/admin/reports/?page_size=3&page={p}") for p in range(4)]
    monkeypatch.setattr(ScopedModelView, "deferred_join_offset", 1)
    deferred = [names(f"/admin/reports/?page_size=3&page={p}") for p in range(4)]
    assert deferred == plain and sum(map(len, plain)) >= 9


def test_big_unfiltered_department_lists_show_an_estimate_on_postgresql(app, world, login_as, monkeypatch):
    from admin.base import ScopedModelView

    monkeypatch.setattr(ScopedModelView, "estimate_count_above", -1)  # every table counts as big
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE monthly_reports"))
            db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
    dept = login_as("dept_admin").get("/admin/reports/").get_data(as_text=True)
    assert ("列表 (约" in dept) is postgres
    for url in ("/admin/reports/?search=帐号", "/admin/reports/?flt0_0=2026-10-01"):
        assert "列表 (约" not in login_as("dept_admin").get(url).get_data(as_text=True)
    assert "列表 (约" not in login_as("unit_editor").get("/admin/reports/").get_data(as_text=True)


@pytest.mark.parametrize("url, column", [("/admin/reports/", "snapshot_staff"), ("/admin/changes/", "after")])
def test_a_list_page_reads_no_json_column_it_does_not_show(app, world, login_as, url, column):
    """admin/listing.py ``get_list``: the list page leaves out the JSON columns it does not show (parsed for every
    row and never shown), and reads no more statements for it (no column is loaded row by row later)."""
    client = login_as("dept_admin")
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    assert statements and not any(f".{column}" in s for s in statements), statements
    assert len(statements) <= 4
