"""The floor pages of `bench run` (issue 18, item 1, bench/floor.py): a page's own SELECTs recorded in-process,
replayed on a raw connection and written by a minimal template, the fixed reference page, the bare dump of the
export's rows, and the dispatch that mounts them beside the app. No timing here: what they serve."""
import pytest
from werkzeug.test import Client

from bench import floor
from models import Role


def plan_for(app, pages=(), export=None):
    return floor.Plan(app.config["SQLALCHEMY_DATABASE_URI"], [list(p) for p in pages], export)


def test_only_reads_are_replayed():
    statements = [("SELECT users.id FROM users WHERE users.id = ?", (1,)),
                  ("INSERT INTO audit_log (action) VALUES (?)", ("export",)),
                  ("  with x as (select 1) select * from x", ()),
                  ("UPDATE users SET last_login_at = ?", (None,))]
    assert [s for s, _p in floor.reads(statements)] == [statements[0][0], statements[2][0]]


def test_the_export_select_is_the_rows_query_not_the_count():
    statements = [("SELECT users.id FROM users", ()),
                  ("INSERT INTO audit_log (note) VALUES (?)", ("x",)),
                  ("SELECT count(*) AS count_1 FROM monthly_reports", ()),
                  ("SELECT monthly_reports.id, accounts.name FROM monthly_reports JOIN accounts ON 1=1", ())]
    assert floor.export_select(statements) == statements[-1]
    assert floor.export_select(statements[:3]) is None


def test_a_captured_page_is_served_bare_with_the_same_rows(app, login_as):
    client = login_as("dept_admin")
    statements, export = floor.capture(app, {"dept": client}, [("dept", "/admin/accounts/")], None)
    assert export is None
    [page] = statements
    assert any("FROM accounts" in s for s, _p in page)
    assert all(floor.reads([(s, p)]) for s, p in page)  # nothing but reads
    served = Client(floor.make_floor_app(plan_for(app, statements)))
    response = served.get("/page/0")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Both units' accounts (the department sees every unit), as the list shows them.
    assert "本单位帐号" in html and "外单位帐号" in html
    assert "<script" not in html and "csrf" not in html  # a minimal template: no layout, no forms


def test_a_unit_users_floor_has_only_their_units_rows(app, login_as):
    client = login_as("unit_editor")
    statements, _ = floor.capture(app, {"unit": client}, [("unit", "/admin/accounts/")], None)
    html = Client(floor.make_floor_app(plan_for(app, statements))).get("/page/0").get_data(as_text=True)
    assert "本单位帐号" in html and "外单位帐号" not in html


def test_reference_page_and_unknown_pages(app, world):
    served = Client(floor.make_floor_app(plan_for(app, [[("SELECT 1", None)]])))
    reference = served.get("/reference")
    assert reference.status_code == 200
    assert "本单位帐号" in reference.get_data(as_text=True)  # the newest accounts with their unit
    assert served.get("/page/1").status_code == 404
    assert served.get("/export").status_code == 404  # no export recorded


def test_the_bare_dump_streams_the_exports_rows(app, login_as):
    client = login_as("dept_admin")
    _pages, export = floor.capture(app, {"dept": client}, [], "/admin/reports/export/csv/")
    assert export is not None and "monthly_reports" in export[0]
    served = Client(floor.make_floor_app(plan_for(app, export=export)))
    response = served.get("/export")
    assert response.status_code == 200
    lines = [line for line in response.get_data(as_text=True).splitlines() if line]
    assert len(lines) == 1 + 2  # a header and the two units' reports


def test_wrap_mounts_the_floor_beside_the_app(app, tmp_path, monkeypatch):
    path = tmp_path / "plan.pickle"
    plan_for(app, [[("SELECT 42", None)]]).save(path)

    def the_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"app " + environ["PATH_INFO"].encode()]

    monkeypatch.delenv(floor.PLAN_ENV, raising=False)
    assert floor.wrap(the_app) is the_app  # without a plan: the app itself
    served = Client(floor.wrap(the_app, str(path)))
    assert served.get("/admin/").get_data() == b"app /admin/"
    assert served.get("/_floorx").get_data() == b"app /_floorx"
    assert "<td>42</td>" in served.get("/_floor/page/0").get_data(as_text=True)


def test_the_month_list_export_is_judged_against_the_same_rows_bare(app, login_as):
    """A month's reports exported (csv) has an SQL equivalent: its floor replays the export's own SELECT, which
    brings every row the file has — and the pages computed from many rows are judged against the reference."""
    from bench import scenarios
    from bench.verdict import FLOOR, REFERENCE
    from models import MonthlyReport, Unit, db
    from services import reports

    from .factories import make_account, make_report

    period = reports.reporting_period()
    with app.app_context():
        for unit in db.session.query(Unit):
            for n in range(3):
                make_report(make_account(unit, f"{unit.name}月报帐号{n}"), period=period)
        db.session.commit()
        rows = db.session.query(MonthlyReport).filter(MonthlyReport.period == period).count()
    with app.test_request_context():
        month_filter = scenarios.month_filter_query()
        pages = {s.name.rsplit(" ", 1)[0] if "export" in s.name else s.name: s
                 for s in scenarios.other_scenarios("dept", None, month_filter)}
    month = period.strftime("%Y-%m")
    assert pages[f"month list export {month}"].rule is FLOOR  # the .csv (the last of the two)
    assert {pages["home page"].rule, pages[f"missing reports {month}"].rule,
            pages[f"month summary {month} .csv"].rule} == {REFERENCE}
    client = login_as("dept_admin")
    path = pages[f"month list export {month}"].path
    csv_lines = client.get(path).get_data(as_text=True).strip().splitlines()
    assert len(csv_lines) == rows + 1 and rows >= 6  # the header and every report of the month
    statements, _ = floor.capture(app, {"dept": client}, [("dept", path)], None)
    html = Client(floor.make_floor_app(plan_for(app, statements))).get("/page/0").get_data(as_text=True)
    assert all(f"月报帐号{n}" in html for n in range(3))
    assert html.count("<tr>") >= rows  # the same rows, bare


def test_the_write_page_makes_the_next_home_page_count_anew(app, world, login_as):
    """``/_floor/write`` (the "home page, after a write" pages of `bench run`) commits a raise of the data version,
    as any change through the app does: the home page's kept figures no longer apply and are counted anew."""
    from admin.home_figures import figures_kept
    from bench import scenarios
    from models import data_version, db

    client = login_as("unit_editor")
    client.get("/admin/")
    kept = len(figures_kept)
    with app.app_context():
        before = data_version.current()
        db.session.remove()
    assert Client(floor.make_floor_app(plan_for(app))).get("/write?role=unit").status_code == 204
    with app.app_context():
        assert data_version.current() == (before or 0) + 1
        db.session.remove()
    client.get("/admin/")
    assert len(figures_kept) == kept + 1  # counted anew, under the new number
    pages = {s.name: s for s in scenarios.other_scenarios("unit", None, "")}
    assert pages["home page, after a write"].after_a_write and not pages["home page"].after_a_write
    assert pages["home page, after a write"].path == pages["home page"].path
    assert pages["home page, after a write of a count"].after_a_write == scenarios.COUNT


@pytest.mark.parametrize("role", ["unit", "dept"])
def test_a_write_of_a_count_moves_one_change_request_and_the_next_moves_it_back(app, world, role):
    """``/_floor/write?kind=count`` (the "after a write of a count" home pages): one change request of the unit
    between the two states of bench/scenarios.py FLIPPED, so that a count on the page moves; the next write (for
    the department: of the same unit, each is taken twice) moves it back."""
    from bench import data as bench_data
    from bench import floor, scenarios
    from models import ChangeRecord, ReviewStatus, Unit, data_version, db

    from .factories import make_account, make_change, make_user

    one, other = scenarios.FLIPPED[role]
    with app.app_context():
        unit = db.session.query(Unit).order_by(Unit.id).first()  # the department's first write takes the first unit
        if role == "unit":
            make_user(bench_data.EDITOR_LOGIN, Role.unit_editor, unit)
        change = make_change(make_account(unit, "翻转帐号"), status=ReviewStatus[one])
        db.session.commit()
        change_id, before = change.id, data_version.current() or 0
        db.session.remove()
    scenarios._turn = 0  # the department's next two writes: the first unit
    served = Client(floor.make_floor_app(plan_for(app)))
    states = []
    for _ in range(2):
        assert served.get(f"/write?role={role}&kind=count").status_code == 204
        with app.app_context():
            states.append(db.session.get(ChangeRecord, change_id).status.name)
            db.session.remove()
    assert states == [other, one]
    with app.app_context():
        assert data_version.current() == before + 2


def test_the_export_and_its_dump_take_turns_after_an_unmeasured_dump():
    """The full export against its bare dump (bench/run.py): the dump is run once unmeasured (the database file's
    pages read before either is timed: whichever ran first on a cold file paid for reading it, 71.6 s against
    4.95 s on SQLite), then dump and export in turn; the export is judged against the dumps' median."""
    import os

    from bench import run
    from bench.verdict import DUMP

    class Served:
        def worker_pid(self):
            return os.getpid()

    class Browser:
        def __init__(self):
            self.paths = []

        def request(self, method, path, form=None, headers=None, sink=None):
            self.paths.append(path)
            sink(b"header\nrow 1\nrow 2\n")
            return 200, {}, b"", 2.0 if path == run.EXPORT_PATH else 1.0

    browser = Browser()
    export, dump = run.export_against_dump(browser, Served(), 3, "bare dump")
    dump_path = floor.PREFIX + "/export"
    assert browser.paths == [dump_path] + [dump_path, run.EXPORT_PATH] * 3
    assert len(dump.times) == len(export.times) == 3  # the unmeasured dump is not among them
    assert export.rule is DUMP and export.base_ms == 1000.0 and export.passed is True
    assert dump.rule is None and "2 rows" in dump.note


def test_the_bare_dump_reads_the_exports_rows_with_the_apps_plan(app, login_as):
    """The floor's raw connection runs the export's own SELECT as the app's engine does: the same plan (the same
    indexes, the same per-connection settings), the same rows in the same order."""
    import csv

    import sqlalchemy as sa

    from models import db

    client = login_as("dept_admin")
    _pages, (statement, parameters) = floor.capture(app, {"dept": client}, [], "/admin/reports/export/csv/")
    plan = plan_for(app, export=(statement, parameters))
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (COSTS OFF) "
        settings = "PRAGMA foreign_keys" if sqlite else "SELECT 1"
        with db.engine.connect() as conn:
            app_plan = [tuple(r) for r in conn.exec_driver_sql(explain + statement, parameters or ())]
            app_settings = conn.exec_driver_sql(settings).all()
            app_names = [row[0] for row in conn.exec_driver_sql(statement, parameters or ())]
    raw = sa.create_engine(plan.database_url).raw_connection()  # as make_floor_app makes its connections
    try:
        cursor = raw.cursor()
        cursor.execute(explain + statement, parameters or ())
        floor_plan = [tuple(r) for r in cursor.fetchall()]
        cursor.execute(settings)
        floor_settings = cursor.fetchall()
    finally:
        raw.close()
    assert floor_plan == app_plan and [tuple(r) for r in floor_settings] == [tuple(r) for r in app_settings]
    dumped = list(csv.reader(Client(floor.make_floor_app(plan)).get("/export").get_data(as_text=True).splitlines()))
    assert [row[0] for row in dumped[1:]] == app_names and len(app_names) == 2
