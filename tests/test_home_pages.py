"""Each role's home page (issue 15 "Shaped" 4, 5; issue 18 item 3): every number links to exactly the rows it
counts, the cards are the role's own work, empty cards fold into one line, and the counts and first rows come
from at most five SQL statements, each count equal to a plain recount."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
import sqlalchemy as sa

from models import (Account, AccountStatus, ChangeRecord, EmploymentStatus, Incident, IncidentStatus, MonthlyReport,
                    Publication, PublicationStatus, ReviewStatus, Role, Unit, UnitResponsibility, UnitRules, Urgency,
                    User, Violation, db)
from services import reports

from .conftest import (count_statements, make_account, make_change, make_incident, make_publication, make_report,
                       make_violation)
from .factories import make_responsibility, make_unit, make_unit_rules

LONG_AGO_TIME = dt.datetime(2020, 1, 1, 8)

ROLES = ["dept_admin", "auditor", "unit_editor", "unit_leader"]
LONG_AGO = dt.date(2026, 1, 5)  # a deadline past whatever day the tests run


@pytest.fixture
def busy(app, world):
    """In each of the two units: registrations in every state (one returned and overdue), change requests and
    monthly reports waiting at each step (one 涉密), an approved account that has not reported (and is dormant),
    one whose administrator left, and an open violation."""
    with app.app_context():
        period = reports.reporting_period()
        for key, prefix in (("own_unit", "本单位"), ("other_unit", "外单位")):
            unit = db.session.get(Unit, world[key])
            for status in (AccountStatus.unit_review, AccountStatus.dept_review, AccountStatus.suspended,
                           AccountStatus.closed):
                make_account(unit, f"{prefix}{status.name}帐号", status=status)
            make_account(unit, f"{prefix}退回逾期帐号", status=AccountStatus.returned, registration_due=LONG_AGO)
            quiet = make_account(unit, f"{prefix}未报送帐号", status=AccountStatus.approved)
            left = make_account(unit, f"{prefix}人员离职帐号", status=AccountStatus.approved)
            left.team[1].manager.employment_status = EmploymentStatus.left
            reported = make_account(unit, f"{prefix}已报送帐号", status=AccountStatus.approved)
            done = make_report(reported, period=period, status=ReviewStatus.approved)
            done.submitted_at = dt.datetime(2026, 1, 3)
            for status in (ReviewStatus.draft, ReviewStatus.unit_review, ReviewStatus.dept_review):
                change = make_change(quiet, status=status)
                change.due_on = LONG_AGO
            for months_back, status in ((1, ReviewStatus.unit_review), (2, ReviewStatus.dept_review)):
                report = make_report(left, period=reports.add_months(period, -months_back), status=status)
                report.submitted_at = dt.datetime(2026, 1, 3)
                report.involves_classified = status == ReviewStatus.dept_review
            make_violation(quiet)
            make_incident(quiet)  # 第十四条: open ones (a draft, one the department reviews), one handled
            make_incident(quiet, status=IncidentStatus.dept_review)
            make_incident(reported, status=IncidentStatus.handled)
            for status, urgency in ((PublicationStatus.dept_review, Urgency.urgent),  # 发布报批 (第十二条)
                                    (PublicationStatus.dept_review, Urgency.normal),
                                    (PublicationStatus.unit_review, Urgency.urgent)):
                make_publication(quiet, status=status, urgency=urgency, due_at=LONG_AGO_TIME)
        # 第九条, 第十条: the own unit named its persons but filed no rules, the other unit neither; a third unit
        # with accounts has both (never on the list), a fourth has no account (nothing to govern).
        make_responsibility(db.session.get(Unit, world["own_unit"]))
        complete = make_unit("WZWB", "制度齐全单位")
        make_account(complete, "制度齐全帐号", status=AccountStatus.approved)
        make_responsibility(complete)
        make_unit_rules(complete)
        make_unit("KDW", "无帐号单位")
        db.session.commit()
    return world


# --- every number is a link to exactly the rows it counts -----------------------------------------------
COUNT_LINK = re.compile(r'<a [^>]*class="[^"]*home-count[^"]*" data-count="(\d+)" href="([^"]+)"')


def count_links(html: str) -> list[tuple[int, str]]:
    return [(int(n), html_lib.unescape(url)) for n, url in COUNT_LINK.findall(html)]


def rows_listed(client, url: str) -> int:
    """How many records the page at ``url`` lists (a Flask-Admin list, the missing-reports or dormant page)."""
    response = client.get(url + ("&" if "?" in url else "?") + "page_size=100")
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert "alert-danger" not in page and "无效的筛选" not in page, url  # every filter of the link was applied
    if "/admin/reports/missing/" in url:
        missing = page.split('<h2 class="h5 mt-4">')[1]  # the "Not reported" section (a ticked box before each name for the department)
        return len(re.findall(r'<li>(?:<input [^>]*>)?<a href="/admin/accounts/details/\?id=', missing))
    if "/admin/responsibles/unit/" in url:  # the unit's page: what its new-media management still lacks
        return page.count('class="governance-missing')
    if "/admin/reports/dormant/" in url:
        return page.count('<td><a href="/admin/accounts/details/?id=')
    table = page[page.index('class="table table-striped table-bordered table-hover model-list"'):]
    table = table[:table.index("</table>")]
    return table.count("<tr>") - 1 - table.count('colspan="999"')


@pytest.mark.parametrize("role", ROLES)
def test_every_number_links_to_exactly_its_rows(app, busy, login_as, role):
    client = login_as(role)
    html = client.get("/admin/").get_data(as_text=True)
    links = count_links(html)
    assert sum(1 for n, _url in links if n) >= 5, links  # positive control: the busy world gives every role work
    for count, url in links:
        assert rows_listed(client, url) == count, (role, url, count)


@pytest.mark.parametrize("role", ROLES)
def test_card_counts_are_the_cards_links(app, busy, login_as, role):
    """Each to-do card's badge is a count link, and the card lists at most five of those rows."""
    from admin.dashboard import PREVIEW

    html = login_as(role).get("/admin/").get_data(as_text=True)
    cards = re.findall(r'<div class="col-lg-6 mb-3" id="todo-(\w+)">(.*?)</ul>', html, re.S)
    assert cards
    for key, card in cards:
        count, _url = count_links(card)[0]
        items = card.count('<li class="list-group-item py-1"><a href=')
        assert count and items == min(count, PREVIEW), key


# --- each role's own work ---------------------------------------------------------------------------------
def test_department_sees_what_waits_for_it_and_what_needs_attention(app, busy, login_as):
    html = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert "待您处理" in html and "需要关注" in html
    for key in ("pending_accounts", "pending_changes", "pending_reports", "red_flags", "overdue_accounts",
                "overdue_changes", "missing_reports", "dormant", "staff", "incidents"):
        assert f'id="todo-{key}"' in html, key
    assert "本单位dept_review帐号" in html and "外单位dept_review帐号" in html
    assert "已备案帐号（按单位类别）" in html


def test_the_auditor_has_nothing_waiting(app, busy, login_as):
    html = login_as("auditor").get("/admin/").get_data(as_text=True)
    assert "需要关注" in html and "外单位退回逾期帐号" in html  # positive control
    assert "待您处理" not in html and "待审核的" not in html and "pending_accounts" not in html


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader"])
def test_a_unit_sees_its_own_accounts_and_deadlines(app, busy, login_as, role):
    html = login_as(role).get("/admin/").get_data(as_text=True)
    assert "本单位应办事项" in html and 'id="own-accounts"' in html
    assert "本单位未报送帐号" in html and "本单位退回逾期帐号" in html
    assert "截止 2026年1月5日" in html  # the deadline of the overdue registration, on the card
    assert "外单位" not in html
    assert "按单位类别" not in html and "按媒体类型" not in html  # no university-wide categories
    assert ("待您审核" in html) == (role == "unit_leader")
    assert ('id="todo-review_accounts"' in html) == (role == "unit_leader")
    for key in ("submit_accounts", "submit_changes", "missing_reports", "staff", "violations", "incidents"):
        assert f'class="col-lg-6 mb-3" id="todo-{key}"' in html, key


@pytest.mark.parametrize("role", ROLES)
def test_cards_with_nothing_to_do_fold_into_one_line(app, world, login_as, role):
    """The plain world: two drafts and two draft reports; most cards are empty and fold."""
    html = login_as(role).get("/admin/").get_data(as_text=True)
    folded = re.findall(r'<p class="text-muted small home-folded"[^>]*>(.*?)</p>', html, re.S)
    assert folded and "暂无待办" in folded[0]
    for key in ("overdue_changes", "dormant", "red_flags", "incidents") if role in ("dept_admin", "auditor") else (
            "submit_changes", "violations", "dormant", "incidents"):
        assert f'class="col-lg-6 mb-3" id="todo-{key}"' not in html, key  # no card of its own …
        assert any(f'id="todo-{key}"' in line for line in folded), key  # … one name in the folded line


# --- at most five statements, every count a plain recount ---------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_the_home_page_counts_in_at_most_five_statements(app, busy, login_as, role):
    """Counted anew (the figures kept for the scope were dropped): the settings, the data version, the accounts'
    and the records' summaries, the cards' first rows. Kept (nothing changed since): the data version alone."""
    from admin.home_figures import forget

    client = login_as(role)
    client.get("/admin/")
    client.get("/account/password")
    with count_statements(app) as baseline:  # what any page of the user costs: the user (and the unit's name)
        assert client.get("/account/password").status_code == 200
    forget()
    with count_statements(app) as counted:
        assert client.get("/admin/").status_code == 200
    assert len(counted) - len(baseline) <= 5, counted
    with count_statements(app) as kept:
        html = client.get("/admin/").get_data(as_text=True)
    assert len(kept) - len(baseline) <= 1, kept
    assert [s for s in kept if "data_version" in s], kept
    assert count_links(html)  # the same page: every number still there


# --- the figures are kept until the data changes ------------------------------------------------------------
def _write_report_submitted(world):  # the account that had not reported now has
    account = db.session.query(Account).filter_by(name="本单位未报送帐号").one()
    report = make_report(account, period=reports.reporting_period(), status=ReviewStatus.unit_review)
    report.submitted_at = dt.datetime(2026, 1, 3)


def _write_new_account(world):
    make_account(db.session.get(Unit, world["own_unit"]), "新登记帐号")


def _write_delete_changes(world):
    for change in db.session.query(ChangeRecord).filter(ChangeRecord.unit_id == world["own_unit"]):
        db.session.delete(change)


def _write_bulk_update(world):  # a statement executed by the session, no objects loaded
    db.session.execute(sa.update(Account).where(Account.unit_id == world["own_unit"])
                       .values(status=AccountStatus.returned, registration_due=LONG_AGO))


def _write_manager_left(world):
    for member in db.session.query(Account).filter_by(name="本单位已报送帐号").one().team:
        member.manager.employment_status = EmploymentStatus.left


def _write_violation_resolved(world):
    for violation in db.session.query(Violation).filter(Violation.unit_id == world["own_unit"]):
        violation.resolved_on = violation.occurred_on


WRITES = [_write_report_submitted, _write_new_account, _write_delete_changes, _write_bulk_update,
          _write_manager_left, _write_violation_resolved]
USERNAMES = {"dept_admin": "dept", "auditor": "auditor", "unit_editor": "editor", "unit_leader": "leader"}


def _page_and_recount(app, role: str, today: dt.date) -> tuple[dict, dict]:
    """The counts the home page shows (cards and accounts by status) and the same by a plain recount."""
    from admin.dashboard import home_context

    with app.test_request_context():
        user = db.session.query(User).filter_by(username=USERNAMES[role]).one()
        context = home_context(user, today)
        expected = _recount(user, today)
        page = {key: card.count for key, card in context["cards"].items()}
        page.update({f"status:{status.name}": count for status, count, _url in context["by_status"]})
        return page, {key: expected[key] for key in page}


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__[len("_write_"):])
@pytest.mark.parametrize("role", ROLES)
def test_kept_figures_follow_every_committed_change(app, busy, role, write):
    """The page kept from before a change is never shown after it: each count equals a recount again, and the
    page changed exactly when the recount did."""
    today = dt.date.today()
    page_before, recount_before = _page_and_recount(app, role, today)
    assert page_before == recount_before
    with app.app_context():
        write(busy)
        db.session.commit()
    page_after, recount_after = _page_and_recount(app, role, today)
    assert page_after == recount_after, role
    assert (page_after != page_before) == (recount_after != recount_before)


def test_every_role_sees_the_changes_that_concern_it(app, busy):
    """Positive control of the case above: each change moves some count of each role that sees its rows."""
    today = dt.date.today()
    for write in WRITES:
        with app.app_context():
            db.session.rollback()
        before = {role: _page_and_recount(app, role, today)[0] for role in ROLES}
        with app.app_context():
            write(busy)
            db.session.commit()
        after = {role: _page_and_recount(app, role, today)[0] for role in ROLES}
        moved = {role for role in ROLES if before[role] != after[role]}
        sees = set(ROLES) if write is not _write_violation_resolved else {"unit_editor", "unit_leader"}
        assert moved == sees, (write.__name__, moved)


def test_the_data_version_moves_with_committed_changes_only(app, busy):
    from models import AuditAction, data_version
    from services import audit

    with app.app_context():
        start = data_version.current()
        assert start is not None
        _write_new_account(busy)
        db.session.flush()
        db.session.rollback()  # not committed: not a change
        db.session.commit()
        assert data_version.current() == start
        audit.record(AuditAction.export, note="an export")  # the audit log is not what the page counts
        db.session.commit()
        assert data_version.current() == start
        _write_report_submitted(busy)
        db.session.commit()
        assert data_version.current() == start + 1
        _write_bulk_update(busy)
        db.session.commit()
        assert data_version.current() == start + 2


def _recount(user: User, today: dt.date) -> dict[str, int]:
    """The home page's counts again, by plain queries and Python over the rows the user may see."""
    def mine(rows):
        return [r for r in rows if user.unit_id is None or r.unit_id == user.unit_id]

    accounts = mine(db.session.query(Account).all())
    changes = mine(db.session.query(ChangeRecord).all())
    monthly = mine(db.session.query(MonthlyReport).all())
    publications = mine(db.session.query(Publication).all())
    period = reports.reporting_period(today)
    submitted = {r.account_id for r in db.session.query(MonthlyReport).filter(
        MonthlyReport.period == period, MonthlyReport.submitted_at.is_not(None))}
    to_submit = (AccountStatus.draft, AccountStatus.returned)
    review_to_submit = (ReviewStatus.draft, ReviewStatus.returned)
    flagged = (EmploymentStatus.left, EmploymentStatus.student)
    counts = {
        **{f"status:{s.name}": sum(a.status == s for a in accounts) for s in AccountStatus},
        "overdue_accounts": sum(a.status in to_submit and a.registration_due is not None
                                and a.registration_due < today for a in accounts),
        "overdue_changes": sum(c.status in review_to_submit and c.due_on is not None and c.due_on < today
                               for c in changes),
        "missing_reports": sum(a.status == AccountStatus.approved and a.created_on <= reports.month_end(period)
                               and a.id not in submitted for a in accounts),
        "staff": sum(a.status != AccountStatus.closed and any(
            m.manager.employment_status in flagged or (a.verified and m.role.name == "admin"
                                                       and m.manager.employment_status != EmploymentStatus.staff)
            for m in a.team) for a in accounts),
        "dormant": len(reports.dormant_accounts(user, today)),
        "red_flags": sum(r.involves_classified and r.status != ReviewStatus.approved for r in monthly),
        "violations": len(mine(db.session.query(Violation).filter(Violation.resolved_on.is_(None)).all())),
        "incidents": len(mine(db.session.query(Incident).filter(
            Incident.status.not_in((IncidentStatus.handled, IncidentStatus.escalated))).all())),
    }
    # 第九条, 第十条: units with an account not closed, lacking rules on file or named persons.
    with_rules = {r.unit_id for r in db.session.query(UnitRules)}
    with_persons = {r.unit_id for r in db.session.query(UnitResponsibility)}
    governed = {a.unit_id for a in accounts if a.status != AccountStatus.closed}
    counts["governance"] = sum(u not in with_rules or u not in with_persons for u in governed)
    counts["unit_governance"] = sum((u not in with_rules) + (u not in with_persons) for u in governed)
    for prefix, states in (("pending", ("dept_review",)), ("review", ("unit_review",)),
                           ("submit", ("draft", "returned"))):
        counts[f"{prefix}_accounts"] = sum(a.status.name in states for a in accounts)
        counts[f"{prefix}_changes"] = sum(c.status.name in states for c in changes)
        counts[f"{prefix}_reports"] = sum(r.status.name in states for r in monthly)
        counts[f"{prefix}_publications"] = sum(p.status.name in states for p in publications)
    counts["urgent_publications"] = sum(p.status.name == "dept_review" and p.urgency == Urgency.urgent
                                        for p in publications)
    return counts


@pytest.mark.parametrize("role", ROLES)
def test_every_count_equals_a_plain_recount(app, busy, role):
    from admin.dashboard import home_context

    today = dt.date.today()
    with app.test_request_context():
        user = db.session.query(User).filter_by(
            username={"dept_admin": "dept", "auditor": "auditor", "unit_editor": "editor",
                      "unit_leader": "leader"}[role]).one()
        context = home_context(user, today)
        expected = _recount(user, today)
        for status, count, _url in context["by_status"]:
            assert count == expected[f"status:{status.name}"], status
        assert context["cards"], role
        for key, card in context["cards"].items():
            assert card.count == expected[key], (role, key)
            if card.part:
                part = "urgent_publications" if key == "pending_publications" else key.replace("submit", "overdue")
                assert card.part[1] == expected[part], (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_the_missing_and_dormant_cards_list_the_first_rows_of_a_plain_recount(app, busy, role):
    """These two cards read their first rows account by account (``per_account``: NOT EXISTS the month's report, a
    LATERAL subquery of each account's window on PostgreSQL), not from the grouped figures the counts use: they
    are the first rows of the plain recount — the accounts without the month's report in (unit, name) order, and
    reports.dormant_accounts (the dormant list's own query) — with the same reasons."""
    from admin.dashboard import PREVIEW, home_context

    today = dt.date.today()
    with app.app_context():
        period = reports.reporting_period(today)
        units = db.session.query(Unit).order_by(Unit.id).limit(2).all()
        for n in (9, 5, 1, 4, 0, 8, 3, 10, 2, 7, 6):  # more than a card lists in each unit, named out of order
            quiet = make_account(units[n % 2], f"未报送{n}号", status=AccountStatus.approved)
            if n % 3 == 0:  # reported this month, with no posts: not missing, but dormant by its posts
                for back in range(3):
                    report = make_report(quiet, period=reports.add_months(period, -back), status=ReviewStatus.approved)
                    report.submitted_at, report.post_count = dt.datetime(2026, 1, 3), 0
        db.session.commit()
    with app.test_request_context():
        user = db.session.query(User).filter_by(
            username={"dept_admin": "dept", "auditor": "auditor", "unit_editor": "editor",
                      "unit_leader": "leader"}[role]).one()
        cards = home_context(user, today)["cards"]
        submitted = {r.account_id for r in db.session.query(MonthlyReport).filter(
            MonthlyReport.period == period, MonthlyReport.submitted_at.is_not(None))}
        missing = sorted((a for a in db.session.query(Account).all()
                          if (user.unit_id is None or a.unit_id == user.unit_id) and a.status == AccountStatus.approved
                          and a.created_on <= reports.month_end(period) and a.id not in submitted),
                         key=lambda a: (a.unit.name, a.name, a.id))
        dormant = reports.dormant_accounts(user, today)
        assert len(missing) > PREVIEW and len(dormant) > PREVIEW  # the cards show the first rows only
        assert [row["name"] for row in cards["missing_reports"].rows] == [a.name for a in missing[:PREVIEW]]
        assert [row["name"] for row in cards["dormant"].rows] == [d["account"].name for d in dormant[:PREVIEW]]
        for row, entry in zip(cards["dormant"].rows, dormant):
            assert all(reason in row["note"] for reason in entry["reasons"]), (row, entry)


def test_a_card_lists_its_first_rows_in_its_order(app, world):
    """The first rows come from one UNION ALL (which keeps no order): each card numbers its own."""
    from admin.dashboard import PREVIEW, home_context

    days = [dt.date(2026, 3, d) for d in (9, 2, 7, 4, 1, 8, 3)]
    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        for n, day in enumerate(days):
            make_account(unit, f"逾期{n}号", registration_due=day)
        db.session.commit()
    with app.test_request_context():
        dept = db.session.query(User).filter_by(username="dept").one()
        rows = home_context(dept)["cards"]["overdue_accounts"].rows
    expected = [f"逾期{days.index(day)}号" for day in sorted(days)[:PREVIEW]]
    assert [row["name"] for row in rows] == expected


def test_the_departments_kept_home_follows_the_clock_of_urgent_answers(app, busy, monkeypatch):
    """发布报批 (第十二条): urgent answers are due in hours and the department's card shows the time left, so its kept
    figures and page last one minute at most, even when no data changed; a unit's keep until the data changes."""
    import admin.home_figures as home_figures

    with app.test_request_context():
        dept = db.session.query(User).filter_by(role=Role.dept_admin).first()
        unit_user = db.session.query(User).filter_by(role=Role.unit_editor).first()
        today = dt.date.today()
        monkeypatch.setattr(home_figures, "utcnow", lambda: dt.datetime(2026, 12, 1, 8, 0, 5))
        dept_first, unit_first = home_figures.figures_key(dept, today), home_figures.figures_key(unit_user, today)
        monkeypatch.setattr(home_figures, "utcnow", lambda: dt.datetime(2026, 12, 1, 8, 0, 55))
        assert home_figures.figures_key(dept, today) == dept_first  # the same minute
        monkeypatch.setattr(home_figures, "utcnow", lambda: dt.datetime(2026, 12, 1, 8, 1, 0))
        assert home_figures.figures_key(dept, today) != dept_first
        assert home_figures.figures_key(unit_user, today) == unit_first
