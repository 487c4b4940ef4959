"""Monthly reports (第十五条): preparing drafts, missing and late, dormant accounts, red flags."""
import datetime as dt
import io

import openpyxl
import pytest

from models import Account, AccountStatus, MonthlyReport, ReviewStatus, Unit, db
from services import reports

from .conftest import make_account, make_report

TODAY = dt.date.today()
LAST = reports.reporting_period(TODAY)


def _approve(account):
    account.status, account.approved_at, account.in_matrix = AccountStatus.approved, dt.datetime(2026, 1, 5), True
    account.created_on = dt.date(2025, 1, 1)


@pytest.fixture
def registered(app, world):
    with app.app_context():
        for key in ("own_account", "other_account"):
            _approve(db.session.get(Account, world[key]))
        db.session.query(MonthlyReport).delete()
        db.session.commit()
    return world


def test_prepare_creates_drafts_for_the_units_active_accounts(app, registered, login_as):
    client = login_as("unit_editor")
    assert client.post("/admin/reports/prepare/", data={"action": "prepare"}).status_code == 302
    with app.app_context():
        drafts = db.session.query(MonthlyReport).all()
        assert [(r.account_id, r.period, r.status) for r in drafts] == [
            (registered["own_account"], LAST, ReviewStatus.draft)]
        assert {p["role"] for p in drafts[0].snapshot_staff} == {"head", "admin"}
    client.post("/admin/reports/prepare/", data={"action": "prepare"})
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 1


@pytest.mark.parametrize("role", ["dept_admin", "auditor"])
def test_prepare_is_a_unit_chore(app, registered, login_as, role):
    assert login_as(role).post("/admin/reports/prepare/", data={"action": "prepare"}).status_code == 403


def test_missing_and_late_view(app, registered, login_as):
    with app.app_context():
        own = db.session.get(Account, registered["own_account"])
        late = make_report(db.session.get(Account, registered["other_account"]), period=LAST,
                           status=ReviewStatus.dept_review)
        late.submitted_at, late.is_late = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=40), True
        db.session.commit()
        own_name = own.name
    dept = login_as("dept_admin")
    html = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}").get_data(as_text=True)
    assert own_name in html and "外单位帐号" in html  # one missing, one late
    editor_html = login_as("unit_editor").get(f"/admin/reports/missing/?month={LAST:%Y-%m}").get_data(as_text=True)
    assert own_name in editor_html and "外单位帐号" not in editor_html
    xlsx = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "状态" and any(own_name in row for row in values)
    csv_text = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}&format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff") and own_name in csv_text
    submitted = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=40)
    assert f"{submitted:%Y-%m-%d} 08:00" in csv_text and f"{submitted:%Y-%m-%d} 00:00" not in csv_text  # Beijing time


def test_a_long_missing_list_is_counted_per_unit(app, registered, login_as, monkeypatch):
    """Beyond ReportView.MISSING_LIST_LIMIT accounts (or late reports) the page gives the number per unit, each
    linking to its unit's list (3,672 accounts without a report in a month at province scale); a chosen unit
    and the exports still list every row; the remind button stays."""
    from admin.reports import ReportView

    with app.app_context():
        own, other = (db.session.get(Account, registered[k]) for k in ("own_account", "other_account"))
        late = make_report(other, period=LAST, status=ReviewStatus.dept_review)
        late.submitted_at, late.is_late = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=40), True
        db.session.commit()
        own_name, own_unit, own_unit_name = own.name, own.unit_id, own.unit.name
        other_unit, other_unit_name = other.unit_id, other.unit.name
    monkeypatch.setattr(ReportView, "MISSING_LIST_LIMIT", 0)
    dept = login_as("dept_admin")
    html = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}").get_data(as_text=True)
    assert 'id="missing-units"' in html and 'id="late-units"' in html
    assert f'?month={LAST:%Y-%m}&amp;unit={own_unit}">{own_unit_name}</a></td><td>1</td>' in html
    assert f'?month={LAST:%Y-%m}&amp;unit={other_unit}">{other_unit_name}</a></td><td>1</td>' in html
    assert own_name not in html and "外单位帐号" not in html  # counted, not listed
    assert "超过 0 个帐号，按单位列出数量" in html and 'id="remind-form"' in html
    chosen = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}&unit={own_unit}").get_data(as_text=True)
    assert own_name in chosen and 'id="missing-units"' not in chosen  # a chosen unit: its accounts
    csv_text = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}&format=csv").get_data(as_text=True)
    assert own_name in csv_text and "外单位帐号" in csv_text
    editor = login_as("unit_editor").get(f"/admin/reports/missing/?month={LAST:%Y-%m}").get_data(as_text=True)
    assert own_unit_name in editor and other_unit_name not in editor and "外单位帐号" not in editor
    with app.app_context():
        from models import User

        user = db.session.query(User).filter_by(role="dept_admin").first()
        result = reports.missing_and_late(user, LAST, limit=0)
        assert (result["missing"], result["late"]) == ([], [])
        assert result["missing_count"] == 1 and result["late_count"] == 1
        assert [name for _id, name, _n in result["missing_units"]] == [own_unit_name]
        whole = reports.missing_and_late(user, LAST)
        assert [row.name for row in whole["missing"]] == [own_name] and whole["missing_units"] is None


@pytest.mark.parametrize("month", ["", "2026-10"])
def test_missing_view_survives_bad_units(app, registered, login_as, month):
    # Bad months are a 400 with a message: tests/test_month_parameter.py.
    assert login_as("dept_admin").get(f"/admin/reports/missing/?month={month}&unit=abc").status_code == 200


def test_dormant_accounts(app, registered, login_as):
    with app.app_context():
        quiet = db.session.get(Account, registered["own_account"])
        for i in range(3):
            report = make_report(quiet, period=reports.add_months(LAST, -i), status=ReviewStatus.approved)
            report.post_count, report.submitted_at = 0, dt.datetime(2026, 1, 3)
            report.approved_at = dt.datetime(2026, 1, 4)
        silent = make_account(db.session.get(Unit, registered["own_unit"]), "沉默帐号", account_id="silent-1")
        _approve(silent)
        busy = make_account(db.session.get(Unit, registered["own_unit"]), "活跃帐号", account_id="busy-1")
        _approve(busy)
        for i in range(3):
            report = make_report(busy, period=reports.add_months(LAST, -i), status=ReviewStatus.approved)
            report.post_count, report.submitted_at = 9, dt.datetime(2026, 1, 3)
            report.approved_at = dt.datetime(2026, 1, 4)
        db.session.commit()
    html = login_as("unit_editor").get("/admin/reports/dormant/").get_data(as_text=True)
    assert "本单位帐号" in html and "沉默帐号" in html and "活跃帐号" not in html
    assert "外单位帐号" not in html
    assert "kind=closure" in html


def test_classified_report_is_red_in_the_list(app, registered, login_as):
    with app.app_context():
        report = make_report(db.session.get(Account, registered["own_account"]), period=LAST)
        report.involves_classified = True
        db.session.commit()
    html = login_as("dept_admin").get("/admin/reports/").get_data(as_text=True)
    assert "badge-danger" in html and "涉密" in html


def _classified_cells(html: str) -> list[str]:
    """The 是否涉密 cell of a details page (the row after its label) or of each list row (by the column's class)."""
    import re

    cells = re.findall(r"<b>\s*是否涉密\s*</b>\s*</td>\s*<td>(.*?)</td>", html, re.S)
    cells += re.findall(r'<td class="[^"]*col-involves_classified[^"]*">(.*?)</td>', html, re.S)
    return [cell.strip() for cell in cells]


def _flagged_and_plain_reports(app, registered) -> tuple[int, int]:
    """Two reports of the unit's account: one that says 涉密 = 是, one that does not."""
    with app.app_context():
        account = db.session.get(Account, registered["own_account"])
        flagged, plain = make_report(account, period=LAST), make_report(account, period=dt.date(2026, 1, 1))
        flagged.involves_classified = True
        db.session.commit()
        return flagged.id, plain.id


@pytest.mark.parametrize("role", ["unit_editor", "dept_admin", "auditor"])
def test_classified_is_red_on_the_details_page_and_in_the_list(app, registered, login_as, role):
    """涉密 = 是 is a red flag (第十一条) wherever it shows; 否 is neutral, never green."""
    ids = _flagged_and_plain_reports(app, registered)
    client = login_as(role)
    red, neutral = (_classified_cells(client.get(f"/admin/reports/details/?id={pk}").get_data(as_text=True))
                    for pk in ids)
    assert len(red) == 1 and "badge-danger" in red[0] and "涉密" in red[0], red
    assert len(neutral) == 1 and "badge-danger" not in neutral[0] and "success" not in neutral[0], neutral
    listed = _classified_cells(client.get("/admin/reports/").get_data(as_text=True))
    assert len(listed) == 2 and sum("badge-danger" in cell for cell in listed) == 1, listed
    assert not any("success" in cell for cell in listed), listed


def test_classified_is_red_on_the_printable_form(app, registered, login_as):
    """The 月报表's 是否涉密 = 是 printed in red (否 in black)."""
    import re

    from pypdf import PdfReader

    ids = _flagged_and_plain_reports(app, registered)
    client = login_as("unit_editor")
    colours = []
    for pk in ids:
        reader = PdfReader(io.BytesIO(client.get(f"/print/reports/{pk}.pdf").data))
        content = b"".join(page.get_contents().get_data() for page in reader.pages).decode("latin-1")
        colours.append({tuple(float(v) for v in match) for match in
                        re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", content)})
    def is_red(rgb):
        return rgb[0] > 0.5 and rgb[1] < 0.2 and rgb[2] < 0.2

    assert any(is_red(rgb) for rgb in colours[0]), colours[0]
    assert not any(is_red(rgb) for rgb in colours[1]), colours[1]


def test_report_before_the_account_existed_is_refused(app, registered, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": registered["own_account"], "period": "2024-06-01", "post_count": "1"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 0


def test_huge_topics_text_is_refused_cleanly(app, registered, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": registered["own_account"], "period": f"{LAST:%Y-%m-%d}", "post_count": "1", "topics": "字" * 100_000})
    assert response.status_code == 200 and "20000" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 0


def _dormant_reference(accounts, reports_by_account, last, no_posts, no_report):
    """The rules read literally (第十五条 settings), one account at a time."""
    window = max(no_posts, no_report)
    months = [reports.add_months(last, -i) for i in range(window)]
    found = {}
    for account_id in accounts:
        got = {m: p for m, p in reports_by_account.get(account_id, {}).items() if m in months}
        reasons = []
        if not any(m in got for m in months[:no_report]):
            reasons.append("report")
        reported = sorted(got.items(), reverse=True)[:no_posts]
        if len(reported) == no_posts and all(p == 0 for _m, p in reported):
            reasons.append("posts")
        if reasons:
            found[account_id] = reasons
    return found


@pytest.mark.parametrize("no_posts, no_report", [(3, 2), (2, 4), (1, 1), (4, 4)])
def test_dormant_aggregate_matches_the_rules(app, registered, no_posts, no_report, monkeypatch):
    import random

    rng = random.Random(no_posts * 10 + no_report)
    monkeypatch.setitem(app.config, "DORMANT_NO_POSTS_MONTHS", no_posts)
    monkeypatch.setitem(app.config, "DORMANT_NO_REPORT_MONTHS", no_report)
    with app.app_context():
        unit = db.session.get(Unit, registered["own_unit"])
        plan = {}
        for n in range(25):
            account = make_account(unit, f"帐号{n:02d}", account_id=f"dormant-{n}")
            _approve(account)
            plan[account] = {reports.add_months(LAST, -i): rng.choice([0, 0, 3])
                             for i in range(6) if rng.random() < 0.6}
            for period, posts in plan[account].items():
                report = make_report(account, period=period, status=ReviewStatus.approved)
                report.post_count, report.submitted_at = posts, dt.datetime(2026, 1, 3)
                report.approved_at = dt.datetime(2026, 1, 4)
        db.session.commit()
        expected = _dormant_reference([a.id for a in plan], {a.id: p for a, p in plan.items()}, LAST,
                                      no_posts, no_report)
        from models import User

        dept = db.session.query(User).filter_by(username="dept").one()
        got = reports.dormant_accounts(dept)
        mine = {row["account"].id: row["reasons"] for row in got if row["account"].id in {a.id for a in plan}}
        assert {k: len(v) for k, v in mine.items()} == {k: len(v) for k, v in expected.items()}
        assert expected, "the random plan should make some dormant accounts"
        limited = reports.dormant_accounts(dept, limit=3)
        assert [row["account"].id for row in limited] == [row["account"].id for row in got][:3]


def test_prepare_opens_the_list_filtered_to_the_month(app, registered, login_as):
    client = login_as("unit_editor")
    response = client.post("/admin/reports/prepare/", data={"action": "prepare"})
    location = response.headers["Location"]
    assert f"={LAST.isoformat()}" in location and "flt0_" in location
    html = client.get(location).get_data(as_text=True)
    assert LAST.strftime("%Y-%m") in html and "本单位帐号" in html


@pytest.mark.parametrize("term, found", [("本单位", True), ("id-本单位", False), ("外单位", False), ("不存在", False)])
def test_search_finds_the_reports_of_matching_accounts(app, world, login_as, term, found):
    """The search box looks up accounts (name, platform ID, 原始ID) and lists their reports, in scope."""
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.platform_account_id = "pid-own-7"
        db.session.commit()
    client = login_as("unit_editor")
    html = client.get(f"/admin/reports/?search={term}").get_data(as_text=True)
    assert ("本单位帐号" in html) is found
    assert "本单位帐号" in client.get("/admin/reports/?search=pid-own").get_data(as_text=True)
    assert "外单位帐号" not in client.get("/admin/reports/?search=帐号").get_data(as_text=True)


def test_the_missing_reports_month_is_chosen_from_chinese_months(app, registered, login_as):
    """Not the browser's month input, which writes "November 2026" in an English browser."""
    html = login_as("dept_admin").get("/admin/reports/missing/?month=2020-03").get_data(as_text=True)
    assert 'type="month"' not in html
    assert f'<option value="{LAST:%Y-%m}" >{LAST.year}年{LAST.month}月</option>' in html
    assert '<option value="2020-03" selected>2020年3月</option>' in html
