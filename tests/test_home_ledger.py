"""The department's home counts kept per unit (issue 18 item 3, admin/home_figures.Ledger): after each kind of
committed write the ledger, brought up to date by counting again only the units the write changed, gives the same
figures as a recount from nothing; a write of one unit recounts that unit only, a change of everything recounts
everything; a unit's own home stays kept while other units change (models/data_version.py ``unit_versions``)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from admin import home_figures
from models import (Account, AccountStatus, ChangeRecord, DayKind, EmploymentStatus, Incident, IncidentStatus,
                    Manager, MonthlyReport, ReviewStatus, Role, TeamMember, Unit, UnitKind, UnitVersion, User,
                    WorkCalendar, data_version, db)
from services import reports

from .conftest import count_statements, make_account, make_change, make_incident, make_report
from .factories import make_unit_rules
from .test_home_pages import busy  # noqa: F401 - the fixture: both units busy with work in every state


def _figures(user) -> dict:
    """Every count the department's home shows, from the ledger as it stands (brought up to date)."""
    from admin.dashboard import home_context

    context = home_context(user)
    cards = {key: card.count for key, card in context["cards"].items()}
    return {"cards": cards, "by_status": [(s.name, n) for s, n, _url in context["by_status"]],
            "by_platform": [(p.name, n) for p, n, _url in context["by_platform"]],
            "by_unit_kind": [(k.name, n) for k, n, _url in context["by_unit_kind"]],
            "charts": context["charts"], "rows": {key: [row["name"] for row in card.rows]
                                                    for key, card in context["cards"].items()}}


def _recount(user) -> dict:
    """The same, counted from nothing (every kept figure dropped)."""
    home_figures.forget()
    return _figures(user)


def _own(world):
    return db.session.get(Unit, world["own_unit"])


def _other(world):
    return db.session.get(Unit, world["other_unit"])


# Each write: what it does (committed by the test) and which units it changes (None: everything).
def _account_approved(world):
    account = db.session.query(Account).filter_by(name="本单位dept_review帐号").one()
    account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 11, 30, 8)
    return {world["own_unit"]}


def _report_submitted(world):
    account = db.session.query(Account).filter_by(name="外单位未报送帐号").one()
    report = make_report(account, period=reports.reporting_period(), status=ReviewStatus.unit_review)
    report.submitted_at = dt.datetime(2026, 1, 3)
    report.post_count = 7
    return {world["other_unit"]}


def _account_moved(world):
    account = db.session.query(Account).filter_by(name="本单位退回逾期帐号").one()
    account.unit_id = world["other_unit"]
    return {world["own_unit"], world["other_unit"]}


def _team_member_removed(world):
    account = db.session.query(Account).filter_by(name="外单位人员离职帐号").one()
    member = db.session.query(TeamMember).filter_by(account_id=account.id).order_by(TeamMember.id.desc()).first()
    db.session.delete(member)
    return {world["other_unit"]}


def _person_left(world):
    account = db.session.query(Account).filter_by(name="本单位未报送帐号").one()
    manager = db.session.get(Manager, account.team[0].manager_id)
    manager.employment_status = EmploymentStatus.left
    return {world["own_unit"]}  # the units of the accounts whose teams the person is on


def _rules_filed(world):
    make_unit_rules(_own(world))
    return {world["own_unit"]}


def _change_and_incident(world):
    account = db.session.query(Account).filter_by(name="外单位已报送帐号").one()
    make_change(account, status=ReviewStatus.dept_review)
    make_incident(account, status=IncidentStatus.dept_review)
    return {world["other_unit"]}


def _unit_kind_changed(world):
    _other(world).kind = UnitKind.functional
    return {world["other_unit"]}


def _new_unit_with_account(world):
    from .factories import make_unit

    unit = make_unit("XDW", "新单位")
    make_account(unit, "新单位帐号", status=AccountStatus.approved)
    db.session.flush()
    return {unit.id}


def _five_new_units(world):
    """More units changed at once than a statement has places for: their ids padded (home_figures._given_size)."""
    from .factories import make_unit

    units = [make_unit(f"XW{n}", f"新单位{n}") for n in range(5)]
    for n, unit in enumerate(units):
        make_account(unit, f"新单位{n}帐号", status=AccountStatus.approved if n % 2 else AccountStatus.draft)
    db.session.flush()
    return {unit.id for unit in units}


def _statement_over_many_rows(world):
    db.session.execute(sa.update(Account).where(Account.status == AccountStatus.returned)
                       .values(registration_due=dt.date.today() + dt.timedelta(days=30)))  # no longer overdue
    return None


def _report_deleted(world):
    report = db.session.query(MonthlyReport).filter(MonthlyReport.involves_classified.is_(True)).first()
    db.session.delete(report)
    return {report.unit_id}


WRITES = [_account_approved, _report_submitted, _account_moved, _team_member_removed, _person_left, _rules_filed,
          _change_and_incident, _unit_kind_changed, _new_unit_with_account, _five_new_units, _statement_over_many_rows,
          _report_deleted]


@pytest.mark.parametrize("role", ["dept_admin", "auditor"])
@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.strip("_") for w in WRITES])
def test_the_ledger_after_a_write_equals_a_recount(app, busy, role, write, monkeypatch):  # noqa: F811
    replaced = []
    original = home_figures.Ledger._replace

    def spy(self, units, account_rows, record_rows):
        replaced.append(None if units is None else set(units))
        return original(self, units, account_rows, record_rows)

    monkeypatch.setattr(home_figures.Ledger, "_replace", spy)
    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role[role]).first()
        before = _figures(user)  # the ledger made (every unit counted)
        assert replaced == [None]
        units = write(busy)
        db.session.commit()
        after = _figures(user)  # brought up to date
        assert replaced[-1] == units  # only the units the write changed were counted again (None: everything)
        assert after == _recount(user)
        assert after != before or write in (_person_left, _unit_kind_changed, _account_moved)  # the write shows on the page


def test_writes_in_turn_keep_the_ledger_equal_to_a_recount(app, busy):  # noqa: F811
    """Several writes one after the other, each followed by the page: the sums never drift."""
    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role.dept_admin).first()
        _figures(user)
        for write in (_report_submitted, _account_moved, _rules_filed, _account_approved, _change_and_incident,
                      _report_deleted):
            write(busy)
            db.session.commit()
            kept = _figures(user)
            assert kept == _recount(user), write.__name__
            _figures(user)  # the next write starts from a ledger made unit by unit again


def test_a_write_notes_its_units_and_a_change_of_everything_its_number(app, busy):  # noqa: F811
    with app.app_context():
        start, everything, _units, _database = data_version.numbers()
        _account_moved(busy)
        db.session.commit()
        number, everything_now, units, _database = data_version.numbers(since=start)
        assert number == start + 1 and everything_now == everything and units == {busy["own_unit"], busy["other_unit"]}
        noted = dict(db.session.execute(sa.select(UnitVersion.unit_id, UnitVersion.number)).all())
        assert noted[busy["own_unit"]] == noted[busy["other_unit"]] == number
        assert data_version.changed_units(db.session.connection(), start) == {busy["own_unit"], busy["other_unit"]}
        _statement_over_many_rows(busy)
        db.session.commit()
        assert data_version.numbers()[:3] == (number + 1, number + 1, None)
        db.session.rollback()
        account = db.session.query(Account).first()
        account.name = "改名后回滚"
        db.session.flush()
        db.session.rollback()  # a rolled-back change notes nothing
        assert data_version.numbers()[:3] == (number + 1, number + 1, None)


def test_the_department_page_after_a_unit_write_reads_that_unit_only(app, busy, login_as):  # noqa: F811
    """After a write of one unit: the user, the numbers with the changed units, the records and the accounts of
    the changed units, the cards' first rows — five statements, the counts read for the changed unit only."""
    client = login_as("dept_admin")
    client.get("/admin/")
    with app.app_context():
        _report_submitted(busy)
        db.session.commit()
    with count_statements(app) as statements:
        assert client.get("/admin/").status_code == 200
    counted = [s for s in statements if "count(*) AS count_1" in s]  # the two summaries
    assert len(statements) <= 5 and len(counted) == 2 and all("unit_id IN (" in s for s in counted), "\n".join(s[:100].replace("\n", " ") for s in statements)


@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_the_calendars_years_are_read_again_only_after_a_change_of_everything(app, busy, login_as, role):  # noqa: F811
    """The years whose 调休 schedule is entered change only with the calendar, a change of everything: a unit's
    write counts the unit again without them; the calendar's change reads them again, and the page shows it."""
    client = login_as(role)
    client.get("/admin/")
    with app.app_context():
        _rules_filed(busy)  # the own unit's (the department counts it again too)
        db.session.commit()
    with count_statements(app) as statements:
        assert client.get("/admin/").status_code == 200
    assert [s for s in statements if "count(" in s.lower()] and not [s for s in statements if "work_calendar" in s]
    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role[role]).first()
        on_file = {day.year for day in db.session.scalars(sa.select(WorkCalendar.day))}
        assert _years_shown(user) == on_file  # (kept)
    with app.app_context():
        db.session.add(WorkCalendar(day=dt.date(2031, 1, 1), kind=DayKind.holiday, name="元旦"))
        db.session.commit()
    with count_statements(app) as statements:
        assert client.get("/admin/").status_code == 200
    assert len([s for s in statements if "work_calendar" in s]) == 1
    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role[role]).first()
        assert _years_shown(user) == on_file | {2031}


def _years_shown(user) -> frozenset:
    from admin import dashboard

    today = dt.date.today()
    gathered = dashboard._gather(user, today, home_figures.figures_key(user, today))
    return gathered.figures.years


def test_after_a_unit_write_sqlite_groups_only_that_units_dormant_figures(app, busy, login_as):  # noqa: F811
    """Without LATERAL (SQLite), the dormant figures of the changed units' statements are grouped from those units'
    accounts' reports only, not every account's of the window."""
    client = login_as("dept_admin")
    client.get("/admin/")
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL reads each account's reports through a LATERAL subquery")
        _report_submitted(busy)
        db.session.commit()
    with count_statements(app) as statements:
        assert client.get("/admin/").status_code == 200
    dormant = [s for s in statements if "dormant_figures" in s]
    assert len(dormant) == 2  # the accounts' summary and the cards' first rows
    assert all("monthly_reports.account_id IN (SELECT accounts.id" in " ".join(s.split()) for s in dormant)


def test_a_units_home_stays_kept_while_other_units_change(app, busy, login_as):  # noqa: F811
    from admin.home_figures import figures_kept

    client = login_as("unit_editor")
    client.get("/admin/")
    kept = len(figures_kept)
    with app.app_context():
        _report_submitted(busy)  # the other unit's
        db.session.commit()
    with count_statements(app) as statements:
        client.get("/admin/")
    assert len(figures_kept) == kept and not [s for s in statements if "count(" in s.lower()], statements
    with app.app_context():
        _rules_filed(busy)  # its own
        db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert len(figures_kept) == kept + 1 and "本单位" in html


def test_a_persons_change_notes_the_units_of_their_teams_and_a_roster_sync_everything(app, busy, monkeypatch):  # noqa: F811
    with app.app_context():
        start, everything, _units, _database = data_version.numbers()
        _person_left(busy)  # on a team of the own unit's account
        db.session.commit()
        number, everything_now, units, _database = data_version.numbers(since=start)
        assert everything_now == everything and units == {busy["own_unit"]}
        monkeypatch.setattr(data_version, "MANY_PEOPLE", 0)  # as many people as a roster sync changes
        manager = db.session.query(Manager).filter(Manager.employment_status != EmploymentStatus.left).first()
        manager.employment_status = EmploymentStatus.left
        db.session.commit()
        assert data_version.numbers()[:2] == (number + 1, number + 1)


def _account_moved_alone(world):
    """The account moved, its reports left in the old unit (as the department's edit form did before it carried
    them along): their months and the account's missing report are counted under the new unit."""
    account = db.session.query(Account).filter_by(name="本单位人员离职帐号").one()
    account.unit_id = world["other_unit"]
    return {world["own_unit"], world["other_unit"]}


def _moved_accounts_report_submitted(world):
    account = db.session.query(Account).filter_by(name="本单位人员离职帐号").one()
    report = make_report(account, period=reports.reporting_period(), status=ReviewStatus.unit_review)
    report.unit_id = world["own_unit"]  # the record in the old unit, its account in the new one
    report.submitted_at = dt.datetime(2026, 1, 4)
    report.post_count = 3
    return {world["own_unit"], world["other_unit"]}


def test_records_left_in_an_old_unit_are_counted_under_their_accounts_unit(app, busy):  # noqa: F811
    """A report's change notes its own unit and its account's: the ledger never drifts when the two differ."""
    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role.dept_admin).first()
        _figures(user)
        for write in (_account_moved_alone, _rules_filed, _moved_accounts_report_submitted, _report_submitted):
            units = write(busy)
            db.session.commit()
            assert _figures(user) == _recount(user), write.__name__
            _figures(user)
            assert units is not None


def test_a_number_put_back_counts_everything_again(app, busy):  # noqa: F811
    """A database put back (a restore, a seed's wipe) may set the number below the one the ledger stands at."""
    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role.dept_admin).first()
        for write in (_report_submitted, _change_and_incident, _account_approved):
            write(busy)
            db.session.commit()
            _figures(user)  # the ledger stands at a number of a few commits
        assert data_version.numbers().number >= 3
        connection = db.session.connection()
        connection.execute(sa.update(data_version.DataVersion).values(number=1, everything_at=0))
        connection.execute(sa.update(Account).where(Account.status == AccountStatus.approved)
                           .values(status=AccountStatus.draft, approved_at=None))
        db.session.commit()
        _rules_filed(busy)  # and one ordinary write after it
        db.session.commit()
        assert _figures(user) == _recount(user)


def test_a_restore_makes_a_new_epoch(app, busy):  # noqa: F811
    with app.app_context():
        before = data_version.numbers()
        data_version.new_epoch(db.session.connection())
        db.session.commit()
        after = data_version.numbers()
        assert after.database != before.database and after.everything_at == after.number == before.number + 1


def test_a_unit_not_loaded_is_read_to_note_the_unit_left(app, busy):  # noqa: F811
    with app.app_context():
        account = db.session.query(Account).filter_by(name="本单位退回逾期帐号").one()
        db.session.commit()  # every attribute expired
        start = data_version.numbers().number
        account.unit_id = busy["other_unit"]
        db.session.commit()
        assert data_version.numbers(since=start).units == {busy["own_unit"], busy["other_unit"]}


def test_a_team_cleared_notes_the_accounts_unit_not_everything(app, busy):  # noqa: F811
    with app.app_context():
        account = db.session.query(Account).filter_by(name="外单位人员离职帐号").one()
        start, everything, _units, _database = data_version.numbers()
        account.team.clear()  # as a team change request's approval replaces the team (services/workflow.py)
        db.session.flush()
        db.session.rollback()
        account = db.session.query(Account).filter_by(name="外单位人员离职帐号").one()
        member = account.team[-1]
        account.team.remove(member)
        db.session.commit()
        numbers = data_version.numbers(since=start)
        assert numbers.everything_at == everything and numbers.units == {busy["other_unit"]}


# --- the cards led by the unit (missing reports, dormant, staff, governance): their rows kept per unit -------------
@pytest.fixture
def lettered(app, world):
    """Five units named in order (甲 … 戊, codes L1 … L5), each with three approved accounts that have not reported
    (so missing and dormant), one of whose administrator left; none has filed rules (governance gaps): every card
    led by the unit holds more rows than it lists."""
    from .factories import make_unit

    with app.app_context():
        ids = {}
        for n, name in enumerate("甲乙丙丁戊", start=1):
            unit = make_unit(f"L{n}", f"{name}单位")
            ids[name] = unit.id
            for k in (1, 2, 3):
                account = make_account(unit, f"{name}{k}号帐号", status=AccountStatus.approved)
                if k == 2:
                    account.team[1].manager.employment_status = EmploymentStatus.left
        db.session.commit()
    return ids


def _dept_page_in_turn(app, lettered, write, first_rows_calls: int):
    """The department's page after ``write`` (committed) equals a recount; ``first_rows_calls``: the statements the
    cards' first rows took."""
    calls = []
    original = home_figures.first_rows

    def spy(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    with app.test_request_context():
        user = db.session.query(User).filter_by(role=Role.dept_admin).first()
        home_figures.forget()
        _figures(user)
        write(lettered)
        db.session.commit()
        home_figures.first_rows = spy
        try:
            kept = _figures(user)
        finally:
            home_figures.first_rows = original
        assert len(calls) == first_rows_calls
        assert kept == _recount(user)
        return kept


def _late_unit_gains_a_first_row(lettered):  # 戊's new account sorts first in 戊, but 戊 comes after the five shown
    make_account(db.session.get(Unit, lettered["戊"]), "戊0号帐号", status=AccountStatus.approved)


def _first_unit_reports(lettered):  # 甲's rows fill the cards: one of them leaves the missing card
    account = db.session.query(Account).filter_by(name="甲1号帐号").one()
    report = make_report(account, period=reports.reporting_period(), status=ReviewStatus.unit_review)
    report.submitted_at = dt.datetime(2026, 1, 3)


def _moved_to_the_last_unit(lettered):
    account = db.session.query(Account).filter_by(name="乙2号帐号").one()
    account.unit_id = lettered["戊"]


def _person_back_in_a_later_unit(lettered):  # 丁's administrator who left is staff again: 丁 leaves the staff card
    account = db.session.query(Account).filter_by(name="丁2号帐号").one()
    account.team[1].manager.employment_status = EmploymentStatus.staff


@pytest.mark.parametrize("write", [_late_unit_gains_a_first_row, _first_unit_reports, _moved_to_the_last_unit,
                                   _person_back_in_a_later_unit], ids=lambda w: w.__name__.strip("_"))
def test_the_cards_led_by_the_unit_merge_the_changed_units_rows_with_the_kept_ones(app, lettered, write):
    """One statement for every card's first rows after a unit's write, equal to a recount: the changed units' first
    rows merged with the other units' kept ones by the units' order; a card that is full and held a changed unit's
    rows is read whole in that statement."""
    _dept_page_in_turn(app, lettered, write, first_rows_calls=1)


def _new_unit_first_in_order(lettered):
    from .factories import make_unit

    unit = make_unit("L0", "丙前单位")  # a new unit: its rank among the others is not known
    make_account(unit, "新1号帐号", status=AccountStatus.approved)


def _last_unit_renamed_first(lettered):
    db.session.get(Unit, lettered["戊"]).name = "一单位"  # 戊 renamed: now before 甲 by name (and not by code)


@pytest.mark.parametrize("write", [_new_unit_first_in_order, _last_unit_renamed_first],
                         ids=lambda w: w.__name__.strip("_"))
def test_a_new_or_renamed_unit_reads_the_units_order_again(app, lettered, write):
    """The units' ranks are kept with the rows: a changed unit that is new or renamed has them read again, with the
    cards led by the unit (one statement more), and the rows equal a recount."""
    kept = _dept_page_in_turn(app, lettered, write, first_rows_calls=2)
    if write is _last_unit_renamed_first:
        assert kept["rows"]["missing_reports"][0] == "戊1号帐号"


def test_merged_rows_keep_each_units_rows_in_their_order():
    from collections import namedtuple

    Row = namedtuple("Row", "unit_id name")
    rank = {1: 0, 2: 1, 3: 2}
    top = [Row(1, "a"), Row(1, "b"), Row(3, "c")]
    assert home_figures._merged(top, [Row(2, "z"), Row(2, "y")], {2}, rank, 5) == [
        Row(1, "a"), Row(1, "b"), Row(2, "z"), Row(2, "y"), Row(3, "c")]
    # full, but none of unit 2's: merged
    assert home_figures._merged(top, [Row(2, "z")], {2}, rank, 3) == [Row(1, "a"), Row(1, "b"), Row(2, "z")]
    assert home_figures._merged(top, [], {1}, rank, 3) is None  # full, and lost unit 1's rows: cannot tell
    assert home_figures._merged(top, [Row(1, "b")], {1}, rank, 4) == [Row(1, "b"), Row(3, "c")]  # not full: all known


@pytest.mark.parametrize("count, size", [(0, 1), (1, 1), (2, 2), (4, 4), (5, 8), (8, 8), (9, 16), (40, 64)])
def test_a_statement_for_some_units_takes_a_few_sizes_of_parameters(count, size):
    units = list(range(100, 100 + count))
    values = home_figures._given_values(list(reversed(units)))
    assert home_figures._given_size(units) == size == len(values)
    assert set(values.values()) == (set(units) or {0})  # the last id repeated up to the size, no other id


def test_the_staff_rule_asked_of_each_account_finds_the_same_accounts(app, busy):  # noqa: F811
    """services.staff: the flagged team lines' accounts (every account at once) and the same rule asked of each
    account (a few units' accounts) find the same accounts — both forms of one rule."""
    from services import staff

    with app.app_context():
        _person_left(busy)  # one more flagged line
        db.session.flush()
        every = set(db.session.scalars(staff.accounts_needing_staff_change()))
        each = set(db.session.scalars(sa.select(Account.id).where(staff.needs_staff_change())))
        assert every and each == every
        db.session.rollback()


def test_the_staff_cards_rows_read_account_by_account_are_the_joined_ones(app, busy, monkeypatch):  # noqa: F811
    """A unit's staff card on PostgreSQL reads each account's flagged team lines (LATERAL): the same rows, in the
    same order, as the plain join the department's whole card uses."""
    import types

    from admin import dashboard

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no LATERAL: the plain join everywhere")
        _person_left(busy)  # one more flagged line
        db.session.flush()
        user = db.session.query(User).filter_by(role=Role.unit_editor).first()
        home = dashboard._Home(user, Role.unit_editor, dt.date.today(), reports.reporting_period(),
                               types.SimpleNamespace(staff=0, years=frozenset()))
        home.staff_changes()
        select = dict(home.parts)["staff"]
        assert dashboard.few_units(user) and "LATERAL" in str(select())
        each = db.session.execute(select()).all()
        monkeypatch.setattr(dashboard, "few_units", lambda user: False)
        assert "LATERAL" not in str(select())
        joined = db.session.execute(select()).all()
        assert each and each == joined
        db.session.rollback()
