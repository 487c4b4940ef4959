"""Two people acting on the same record at the same moment: exactly one wins, nothing is lost."""

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Account, AccountStatus, MonthlyReport, ReviewStatus, User, db
from services import workflow


def test_two_approvers_approve_the_same_report_at_once(app, world, ctx):
    report = db.session.get(MonthlyReport, world["own_report"])
    report.status = ReviewStatus.dept_review
    db.session.commit()
    engine = db.engine
    with Session(engine) as first, Session(engine) as second:
        approver_1 = first.query(User).filter_by(username="dept").one()
        approver_2 = second.query(User).filter_by(username="dept").one()
        mine = first.get(MonthlyReport, world["own_report"])
        theirs = second.get(MonthlyReport, world["own_report"])
        workflow.approve(mine, approver_1, "第一位审核员")
        workflow.approve(theirs, approver_2, "第二位审核员")
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(MonthlyReport, world["own_report"]).dept_opinion == "第一位审核员"


def test_concurrent_approve_through_the_screen_reports_the_conflict(app, world, login_as, ctx):
    account = db.session.get(Account, world["own_account"])
    account.status = AccountStatus.dept_review
    db.session.commit()
    loaded_version = account.version
    # Someone else approves first …
    workflow.approve(account, db.session.query(User).filter_by(username="dept").one(), "先到")
    db.session.commit()
    # … and the second approver's button still carries the version they loaded.
    dept = login_as("dept_admin")
    dept.post("/admin/accounts/action/", data={"action": "approve", "rowid": str(world["own_account"]),
                                               "row_version": str(loaded_version), "opinion": "后到"})
    db.session.expire_all()
    assert db.session.get(Account, world["own_account"]).dept_opinion == "先到"
