"""Each rule of an account and its team is one function (services/accounts.py); walked through every entry
point — the account form, the Excel import, the change-request form, the bulk replacement of a manager,
the workflow's submit and the approval of a change — it gives the same refusal with the same message."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from models import (Account, AccountStatus, ChangeKind, ChangeRecord, EmploymentStatus, Maintenance, Manager,
                    Platform, ReviewStatus, TeamMember, TeamRole, Unit, User, db)
from services import accounts, bulk, importer, workflow
from services.importer import ACCOUNT_SHEET
from services.problems import Problem, first_message, raise_first
from services.workdays import add_working_days

from .conftest import make_manager
from .test_admin_crud import account_form
from .test_importer import errors_at, xlsx

# --- the pure functions: no database ---------------------------------------------------------------------------


def person(name="甲", unit_id=1, phone="13800001111", email=None, status=EmploymentStatus.staff, id=None):
    return SimpleNamespace(id=id, name=name, unit_id=unit_id, phone=phone, email=email, employment_status=status)


HEAD, ADMIN = person("负责人", id=1), person("管理员", id=2)


@pytest.fixture
def en(app):
    with app.test_request_context(), force_locale("en"):
        yield


def fields(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


def test_a_complete_team_has_no_problem(en):
    assert accounts.team_problems(True, [(TeamRole.head, HEAD), (TeamRole.admin, ADMIN)], unit_id=1) == []


@pytest.mark.parametrize("team, field, fragment", [
    ([(TeamRole.admin, ADMIN)], "head", "exactly one person in charge"),
    ([(TeamRole.head, HEAD), (TeamRole.head, person("乙", id=3)), (TeamRole.admin, ADMIN)], "head", "exactly one"),
    ([(TeamRole.head, HEAD)], "admins", "at least one administrator"),
    ([(TeamRole.head, HEAD), (TeamRole.admin, HEAD)], "admins", "listed twice"),
    ([(TeamRole.head, HEAD), (TeamRole.admin, person("外人", unit_id=2))], "admins", "“外人” is not a person of"),
    ([(TeamRole.head, person("无联系", phone=None)), (TeamRole.admin, ADMIN)], "head", "“无联系” has neither"),
    ([(TeamRole.head, HEAD), (TeamRole.admin, person("学生", status=EmploymentStatus.student))], "admins",
     "“学生” is Student: the administrators of a verified account must be on-staff (在岗在编) employees (第八条)."),
])
def test_team_problems(en, team, field, fragment):
    problems = accounts.team_problems(True, team, unit_id=1)
    assert fields(problems) == [field] and fragment in problems[0].message


def test_article_8_concerns_the_administrators_of_verified_accounts_only(en):
    student = person("学生", status=EmploymentStatus.student)
    assert accounts.team_problems(False, [(TeamRole.head, HEAD), (TeamRole.admin, student)]) == []
    assert accounts.team_problems(True, [(TeamRole.head, student), (TeamRole.admin, ADMIN)]) == []
    assert not accounts.may_serve(True, TeamRole.admin, student)
    assert accounts.may_serve(False, TeamRole.admin, student)


def test_one_problem_per_person_and_only_the_people_asked_for(en):
    both = person("两错", unit_id=2, phone=None, status=EmploymentStatus.left)
    team = [(TeamRole.head, HEAD), (TeamRole.admin, both)]
    assert len(accounts.team_problems(True, team, unit_id=1)) == 1
    assert accounts.team_problems(True, team, unit_id=1, only=[HEAD]) == []
    assert len(accounts.member_problems(True, TeamRole.admin, both, unit_id=1)) == 3


def test_unknown_people_count_but_are_not_checked_and_keys_find_the_same_person_twice(en):
    team = [accounts.Member(TeamRole.head, None, "T1"), accounts.Member(TeamRole.admin, None, "T1")]
    assert fields(accounts.team_problems(True, team)) == ["admins"]  # listed twice, by staff number
    assert accounts.team_problems(True, [(TeamRole.head, None), (TeamRole.admin, None)]) == []


@pytest.mark.parametrize("facts, field", [
    (dict(platform=Platform.wechat_service), "wechat_original_id"),
    (dict(wechat_original_id="gh_xyz"), "wechat_original_id"),
    (dict(platform=Platform.weibo, wechat_original_id="gh_0123456789ag"), "wechat_original_id"),
    (dict(platform=Platform.other), "platform_other"),
    (dict(platform=Platform.other, platform_other="  "), "platform_other"),
    (dict(maintenance=Maintenance.outsourced), "vendor"),
    (dict(maintenance=Maintenance.outsourced, vendor=" "), "vendor"),
    (dict(created_on=dt.date(2020, 1, 1)), "created_on"),
    (dict(in_matrix=True, status=AccountStatus.returned), "in_matrix"),
])
def test_account_problems(en, facts, field):
    account = SimpleNamespace(**{**dict(platform=Platform.weibo, platform_other=None, wechat_original_id=None,
                                        maintenance=Maintenance.self_run, vendor=None,
                                        created_on=dt.date(2024, 1, 1), status=AccountStatus.approved,
                                        in_matrix=False), **facts})
    assert fields(accounts.account_problems(account, unit_established_on=dt.date(2021, 9, 1))) == [field]


def test_a_complete_account_has_no_problem(en):
    account = SimpleNamespace(platform=Platform.wechat_service, platform_other=None,
                              wechat_original_id=accounts.normal_original_id(" GH_0123456789AB "),
                              maintenance=Maintenance.outsourced, vendor="某公司", created_on=dt.date(2024, 1, 1),
                              status=AccountStatus.approved, in_matrix=True)
    assert account.wechat_original_id == "gh_0123456789ab"
    assert accounts.account_problems(account, dt.date(2020, 1, 1)) == []
    assert accounts.normal_original_id("  ") is None


def test_raise_first_raises_the_first_problem_named_for_its_record(en):
    problems = [Problem("head", "first"), Problem("admins", "second")]
    with pytest.raises(ValueError, match="^first$"):
        raise_first(problems, ValueError)
    with pytest.raises(KeyError, match="“帐号甲”: first"):
        raise_first(problems, KeyError, record="帐号甲")
    raise_first([], ValueError)
    assert first_message([]) is None


def test_due_dates_are_working_days_from_the_settings(app, ctx):
    day = dt.date(2026, 9, 30)  # before the National Day holiday: Monday–Friday without a calendar entered
    assert accounts.registration_due(day) == add_working_days(day, app.config["REGISTRATION_DUE_WORKING_DAYS"])
    assert accounts.change_due(day) == add_working_days(day, app.config["CHANGE_DUE_WORKING_DAYS"])
    app.config["CHANGE_DUE_WORKING_DAYS"] = 1
    try:
        assert accounts.change_due(dt.date(2026, 9, 4)) == dt.date(2026, 9, 7)  # Friday + 1 working day
    finally:
        app.config["CHANGE_DUE_WORKING_DAYS"] = 5


# --- every entry point ----------------------------------------------------------------------------------------
#: What the user reads for each rule (zh_Hans_CN, the default locale), with the scene's people.
MESSAGES = {
    "one head": "管理队伍须有且仅有一名负责人。",
    "an administrator": "管理队伍至少须有一名管理员。",
    "nobody twice": "同一人员在管理队伍中重复列出。",
    "reachable": "“丁无联系”既无联系电话也无邮箱。",
    "of the unit": "“戊外单位”不是该帐号责任单位的人员。",
    "第八条": "“丙学生”的人员状态为“学生”：完成认证的帐号，其管理员须由在岗在编教职工担任（第八条）。",
    "vendor": "请填写负责维护该帐号的第三方单位名称。",
    "原始ID required": "微信公众号须填写微信公众号原始ID（gh_…）。",
    "原始ID format": "微信公众号原始ID为 gh_ 加12位字符（0-9 或 a-f），例如 gh_1a2b3c4d5e6f。",
    "matrix (第五条)": "只有已备案的帐号才能纳入新媒体矩阵。",
    "other platform named": "选择“其他”时，请填写具体的媒体类型。",
}


@pytest.fixture
def scene(app, world):
    """The unit's people by staff number, and its verified draft account run by 甲负责人 and 乙管理员."""
    with app.app_context():
        own, other = db.session.get(Unit, world["own_unit"]), db.session.get(Unit, world["other_unit"])
        people = {"head": make_manager(own, "甲负责人", staff_no="H1"),
                  "admin": make_manager(own, "乙管理员", staff_no="A1"),
                  "student": make_manager(own, "丙学生", EmploymentStatus.student, staff_no="S1"),
                  "silent": make_manager(own, "丁无联系", staff_no="N1"),
                  "stranger": make_manager(other, "戊外单位", staff_no="X1")}
        people["silent"].phone = None
        account = db.session.get(Account, world["own_account"])
        account.verified = True
        account.team.clear()
        db.session.flush()
        account.team.extend([TeamMember(manager=people["head"], role=TeamRole.head),
                             TeamMember(manager=people["admin"], role=TeamRole.admin)])
        db.session.commit()
        return {**world, **{key: p.id for key, p in people.items()}}


def _ids(scene, value):
    """"@head" → the id of the scene's person; a list of them joined by commas (an Ajax multiple select)."""
    if isinstance(value, list):
        return ",".join(_ids(scene, v) for v in value)
    return str(scene[value[1:]]) if isinstance(value, str) and value.startswith("@") else value


# The account form: what is posted instead of the complete form of tests/test_admin_crud.py.
FORM = {
    "one head": {"team-0-role": "admin"},
    "an administrator": {"team-1-manager": None, "team-1-role": None},  # None: the line is not posted
    "nobody twice": {"team-1-manager": "@head"},
    "reachable": {"team-1-manager": "@silent"},
    "第八条": {"verified": "y", "team-1-manager": "@student"},
    "vendor": {"maintenance": "outsourced"},
    "原始ID required": {"platform": "wechat_service"},
    "原始ID format": {"wechat_original_id": "gh_xyz"},
    "matrix (第五条)": {"in_matrix": "y"},
    "other platform named": {"platform": "other"},
}
# The Excel import: the account row's cells, and the column where the error is expected.
IMPORT = {
    "one head": ({"负责人工号": None}, "负责人工号"),
    "an administrator": ({"管理员工号": None}, "管理员工号"),
    "nobody twice": ({"管理员工号": "A1、H1"}, "管理员工号"),
    "reachable": ({"管理员工号": "N1"}, "管理员工号"),
    "第八条": ({"是否认证": "是", "管理员工号": "S1"}, "管理员工号"),
    "vendor": ({"维护方式": "委托第三方"}, "第三方维护单位"),
    "原始ID required": ({"媒体类型": "微信公众号（服务号）"}, "微信公众号原始ID"),
    "原始ID format": ({"微信公众号原始ID": "gh_xyz"}, "微信公众号原始ID"),
}
# The change-request form (the account is verified).
CHANGE_FORM = {
    "one head": {"kind": "managers", "new_admins": "@admin"},
    "an administrator": {"kind": "managers", "new_head": "@head"},
    "nobody twice": {"kind": "managers", "new_head": "@head", "new_admins": ["@admin", "@head"]},
    "reachable": {"kind": "managers", "new_head": "@head", "new_admins": "@silent"},
    "of the unit": {"kind": "managers", "new_head": "@head", "new_admins": "@stranger"},
    "第八条": {"kind": "managers", "new_head": "@head", "new_admins": "@student"},
    "vendor": {"kind": "maintenance", "new_maintenance": "outsourced"},
}
# Approving a change request whose proposed team (or maintenance) breaks the rule now.
CHANGE_APPROVAL = {
    "one head": [("admin", "admin")],
    "an administrator": [("head", "head")],
    "nobody twice": [("head", "head"), ("head", "admin")],
    "reachable": [("head", "head"), ("silent", "admin")],
    "of the unit": [("head", "head"), ("stranger", "admin")],
    "第八条": [("head", "head"), ("student", "admin")],
    "vendor": {"maintenance": "outsourced", "vendor": None},
}
# Replacing 乙管理员 on the account's team by this person (the department's bulk action).
BULK_REPLACE = {"nobody twice": "head", "reachable": "silent", "of the unit": "stranger", "第八条": "student"}
# Publishing the (draft) account in the matrix (the department's bulk action).
BULK_PUBLISH = {"matrix (第五条)": True}
# Submitting the account after its 管理员 became this person (None: the role's line is gone).
SUBMIT = {"one head": ("head", None), "an administrator": ("admin", None), "reachable": ("admin", "silent"),
          "第八条": ("admin", "student")}


def _form_post(app, scene, login_as, changes):
    data = account_form(scene, unit=str(scene["own_unit"]), **{"team-0-manager": "@head", "team-1-manager": "@admin"})
    data.update(changes)
    data = {key: _ids(scene, value) for key, value in data.items() if value is not None}
    response = login_as("dept_admin").post("/admin/accounts/new/", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(Account).filter_by(name="新建帐号").count() == 0
    return response.get_data(as_text=True)


def _import(app, scene, login_as, changes):
    row = {"帐号名称": "导入帐号", "媒体类型": "微博", "帐号ID": "imp-1", "创建主体": "会计学院", "责任单位代码": "KJXY",
           "创建时间": dt.date(2026, 9, 1), "是否认证": "否", "维护方式": "自行维护", "负责人工号": "H1",
           "管理员工号": "A1", "状态": "草稿"}
    cells, column = changes
    row.update(cells)
    with app.app_context():
        report = importer.apply(xlsx({ACCOUNT_SHEET: [row]}), None)
        assert not report.applied and db.session.query(Account).filter_by(name="导入帐号").count() == 0
        return "\n".join(errors_at(report, ACCOUNT_SHEET, 2, column))


def _change_form(app, scene, login_as, changes):
    data = {"account": str(scene["own_account"]), "changed_on": "2026-09-25", "reason": "工作调整"}
    data.update({key: _ids(scene, value) for key, value in changes.items()})
    response = login_as("dept_admin").post("/admin/changes/new/", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0
    return response.get_data(as_text=True)


def _dept(app):
    return db.session.query(User).filter_by(username="dept").one()


def _change_approval(app, scene, login_as, after):
    with app.app_context():
        account = db.session.get(Account, scene["own_account"])
        if isinstance(after, dict):
            kind = ChangeKind.maintenance
        else:
            kind = ChangeKind.managers
            after = {"team": [{"manager_id": scene[who], "role": role} for who, role in after]}
        change = ChangeRecord(account=account, unit_id=account.unit_id, kind=kind, changed_on=dt.date(2026, 9, 25),
                              after=after, status=ReviewStatus.dept_review)
        db.session.add(change)
        db.session.commit()
        with pytest.raises(workflow.TransitionError) as refused:
            workflow.approve(change, _dept(app))
        assert change.status == ReviewStatus.dept_review
        assert [m.manager_id for m in account.team] == [scene["head"], scene["admin"]]
        assert account.maintenance == Maintenance.self_run
        db.session.rollback()
        return str(refused.value)


def _bulk_replace(app, scene, login_as, new):
    with app.app_context():
        account = db.session.get(Account, scene["own_account"])
        with pytest.raises(workflow.TransitionError) as refused:
            bulk.replace_manager(account, db.session.get(Manager, scene["admin"]),
                                 db.session.get(Manager, scene[new]), _dept(app))
        assert [m.manager_id for m in account.team] == [scene["head"], scene["admin"]]
        db.session.rollback()
        return str(refused.value)


def _bulk_publish(app, scene, login_as, published):
    with app.app_context():
        account = db.session.get(Account, scene["own_account"])
        with pytest.raises(workflow.TransitionError) as refused:
            bulk.set_in_matrix(account, _dept(app), published)
        assert not account.in_matrix
        return str(refused.value)


def _submit(app, scene, login_as, change):
    role, who = change
    with app.app_context():
        account = db.session.get(Account, scene["own_account"])
        member = next(m for m in account.team if m.role == TeamRole[role])
        if who is None:
            account.team.remove(member)
        else:
            member.manager = db.session.get(Manager, scene[who])
        db.session.flush()
        editor = db.session.query(User).filter_by(username="editor").one()
        with pytest.raises(workflow.TransitionError) as refused:
            workflow.submit(account, editor)
        assert account.status == AccountStatus.draft and account.submitted_at is None
        db.session.rollback()
        return str(refused.value)


ENTRY_POINTS = {"account form": (_form_post, FORM), "Excel import": (_import, IMPORT),
                "change-request form": (_change_form, CHANGE_FORM),
                "change approval": (_change_approval, CHANGE_APPROVAL),
                "bulk replace manager": (_bulk_replace, BULK_REPLACE), "bulk publish": (_bulk_publish, BULK_PUBLISH),
                "workflow submit": (_submit, SUBMIT)}
CASES = [(rule, entry) for rule in MESSAGES for entry, (_, table) in ENTRY_POINTS.items() if rule in table]


@pytest.mark.parametrize("rule, entry", CASES, ids=[f"{rule} × {entry}" for rule, entry in CASES])
def test_the_same_rule_refuses_with_the_same_message_everywhere(app, scene, login_as, rule, entry):
    drive, table = ENTRY_POINTS[entry]
    assert MESSAGES[rule] in drive(app, scene, login_as, table[rule])


def test_every_rule_reaches_every_entry_point_it_can():
    """Each team rule is checked by at least four entry points; the field rules by the form and the import;
    a team's people are compared with the account's unit where new people join it."""
    reached = {rule: {entry for r, entry in CASES if r == rule} for rule in MESSAGES}
    for rule in ("one head", "an administrator", "nobody twice", "reachable", "第八条"):
        assert len(reached[rule]) >= 4, (rule, reached[rule])
    assert reached["of the unit"] == {"change-request form", "change approval", "bulk replace manager"}
    for rule in ("vendor", "原始ID required", "原始ID format"):
        assert {"account form", "Excel import"} <= reached[rule]
    assert {"account form", "bulk publish"} <= reached["matrix (第五条)"]


def test_the_import_words_the_other_platform_rule_for_its_cell(app, scene):
    """The sheet names “其他” in the same cell (其他：名称), so its refusal says how; the rule is the same."""
    with app.app_context():
        row = {"帐号名称": "导入帐号", "媒体类型": "其他", "帐号ID": "imp-1", "创建主体": "会计学院",
               "责任单位代码": "KJXY", "创建时间": dt.date(2026, 9, 1), "负责人工号": "H1", "管理员工号": "A1"}
        report = importer.dry_run(xlsx({ACCOUNT_SHEET: [row]}))
        assert errors_at(report, ACCOUNT_SHEET, 2, "媒体类型") == [str(importer.SHEET_WORDING["platform_other"])]


def test_an_account_is_not_older_than_its_unit_in_the_form_and_the_import(app, scene, login_as):
    with app.app_context():
        db.session.get(Unit, scene["own_unit"]).established_on = dt.date(2026, 9, 15)
        db.session.commit()
    message = "帐号的创建时间不能早于其责任单位的成立时间（2026年9月15日）。"
    assert message in _form_post(app, scene, login_as, {"created_on": "2026-09-01"})
    assert message in _import(app, scene, login_as, ({"创建时间": dt.date(2026, 9, 1)}, "创建时间"))


def test_an_account_moved_to_another_unit_keeps_its_team(app, scene, ctx):
    """The department moves an account with its people (services/bulk.py); it can still be submitted."""
    account = db.session.get(Account, scene["own_account"])
    bulk.move_to_unit(account, db.session.get(Unit, scene["other_unit"]), _dept(app))
    db.session.flush()
    workflow.submit(account, db.session.query(User).filter_by(username="other_editor").one())
    assert account.status == AccountStatus.unit_review


def test_the_bulk_screen_shows_the_rules_message(app, scene, login_as):
    dept = login_as("dept_admin")
    ids = str(scene["own_account"])
    dept.post("/admin/accounts/replace-manager/", data={"ids": ids, "old": scene["admin"], "new": scene["student"]})
    html = dept.get("/admin/accounts/").get_data(as_text=True)
    assert f"“本单位帐号”：{MESSAGES['第八条']}" in html


def test_the_submit_button_shows_the_rules_message(app, scene, login_as):
    with app.app_context():
        db.session.get(Manager, scene["admin"]).employment_status = EmploymentStatus.left
        db.session.commit()
    editor = login_as("unit_editor")
    editor.post("/admin/accounts/action/", data={"action": "submit", "rowid": str(scene["own_account"]),
                                                 "url": "/admin/accounts/"})
    html = editor.get("/admin/accounts/").get_data(as_text=True)
    assert "“乙管理员”的人员状态为“离职”" in html and "（第八条）" in html
    with app.app_context():
        assert db.session.get(Account, scene["own_account"]).status == AccountStatus.draft


def test_due_dates_are_the_same_from_the_form_and_the_import(app, scene, login_as):
    data = account_form(scene, unit=str(scene["own_unit"]), created_on="2026-09-30")
    assert login_as("dept_admin").post("/admin/accounts/new/", data=data).status_code == 302
    row = {"帐号名称": "导入帐号", "媒体类型": "微博", "帐号ID": "imp-1", "创建主体": "会计学院", "责任单位代码": "KJXY",
           "创建时间": dt.date(2026, 9, 30), "负责人工号": "H1", "管理员工号": "A1"}
    change = {"account": str(scene["own_account"]), "changed_on": "2026-09-30", "kind": "name", "new_name": "新名"}
    assert login_as("unit_editor").post("/admin/changes/new/", data=change).status_code == 302
    with app.app_context():
        assert importer.apply(xlsx({ACCOUNT_SHEET: [row]}), None).applied
        db.session.commit()
        expected = accounts.registration_due(dt.date(2026, 9, 30))
        assert {a.registration_due for a in db.session.query(Account).filter(
            Account.name.in_(["新建帐号", "导入帐号"]))} == {expected}
        assert db.session.query(ChangeRecord).one().due_on == accounts.change_due(dt.date(2026, 9, 30))


def test_the_sql_form_of_article_8_agrees_with_may_serve(app, ctx):
    """services.staff lists existing accounts with breaks_article_8(); it must say what may_serve says for
    every verified flag × role × employment status."""
    import itertools

    from models import UnitKind

    unit = Unit(code="K8", name="第八条单位", kind=UnitKind.college)
    db.session.add(unit)
    db.session.flush()
    expected = {}
    for number, (verified, role, status) in enumerate(itertools.product(
            (True, False), (TeamRole.head, TeamRole.admin), list(EmploymentStatus))):
        person = Manager(name=f"人员{number}", unit=unit, phone="13800001111", employment_status=status)
        other_role = TeamRole.admin if role == TeamRole.head else TeamRole.head
        helper = Manager(name=f"搭档{number}", unit=unit, phone="13800001111", employment_status=EmploymentStatus.staff)
        account = Account(name=f"第八条{number}", platform=Platform.weibo, platform_account_id=f"a8-{number}",
                          creator_entity=unit.name, unit=unit, created_on=dt.date(2026, 9, 1), verified=verified,
                          team=[TeamMember(manager=person, role=role), TeamMember(manager=helper, role=other_role)])
        db.session.add(account)
        db.session.flush()
        expected[(account.id, person.id)] = not accounts.may_serve(verified, role, person)
    found = set(db.session.query(Account.id, Manager.id).select_from(TeamMember).join(Account).join(Manager)
                .filter(Account.unit_id == unit.id, accounts.breaks_article_8()).all())
    assert found == {key for key, breaks in expected.items() if breaks}
    assert any(expected.values()) and not all(expected.values())
    db.session.rollback()
