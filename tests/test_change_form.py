"""The change request form (issue 15, "Shaped by the tasks" 2): only what the chosen 变更事项 changes, prefilled
with the account's current values, started from the account's page with ?account_id=&kind=."""
import re

import pytest

from models import Account, ChangeKind, ChangeRecord, Maintenance, db
from services.text import local_today

#: The fields each 变更事项 shows besides the common ones (account, kind, changed_on, reason).
KIND_FIELDS = {
    "name": {"new_name"},
    "managers": {"new_head", "new_admins"},
    "maintenance": {"new_maintenance", "new_vendor"},
    "closure": {"closure_notice", "closure_notice_on"},
    "other": set(),
    "public_info": {"new_homepage_url", "new_qr"},
}
ALL_KIND_FIELDS = set().union(*KIND_FIELDS.values())
COMMON = {"account", "kind", "changed_on", "reason"}


def form_fields(html: str) -> set[str]:
    """The named inputs of the change form (the page's other forms, such as sign-out, left aside)."""
    form = html[html.index('class="admin-form"'):]
    form = form[:form.index("</form>")]
    return set(re.findall(r'name="([a-z_]+)"', form)) - {"csrf_token", "row_version", "_add_another",
                                                       "_continue_editing"}


def input_value(html: str, name: str) -> str | None:
    """The value of the form's <input name=...> (attributes in any order)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def test_every_kind_is_covered():
    assert set(KIND_FIELDS) == set(ChangeKind.__members__)


@pytest.mark.parametrize("kind", list(KIND_FIELDS))
def test_started_from_the_account_shows_only_the_fields_of_its_kind(world, login_as, kind):
    response = login_as("unit_editor").get(f"/admin/changes/new/?account_id={world['own_account']}&kind={kind}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert form_fields(html) == COMMON | KIND_FIELDS[kind]
    # The account is chosen and the kind selected.
    assert input_value(html, "account") == str(world["own_account"])
    assert f'<option selected value="{kind}">' in html


def test_prefilled_with_the_accounts_current_values(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.maintenance, account.vendor = Maintenance.outsourced, "云帆传媒"
        account.homepage_url = "https://weibo.com/u/1234567"
        db.session.commit()
    client = login_as("unit_editor")

    def page(kind):
        return client.get(f"/admin/changes/new/?account_id={world['own_account']}&kind={kind}").get_data(as_text=True)

    assert input_value(page("name"), "new_name") == "本单位帐号"
    managers = page("managers")
    assert input_value(managers, "new_head") == str(world["own_manager"])
    assert input_value(managers, "new_admins") == str(world["own_admin"])
    maintenance = page("maintenance")
    assert '<option selected value="outsourced">' in maintenance and input_value(maintenance, "new_vendor") == "云帆传媒"
    assert input_value(page("public_info"), "new_homepage_url") == "https://weibo.com/u/1234567"
    with app.app_context():
        today = local_today()
    assert input_value(page("closure"), "closure_notice_on") == today.isoformat()


def test_the_older_account_parameter_still_works(world, login_as):
    """The dormant-accounts page links with ?account=<id>&kind=closure."""
    html = login_as("unit_editor").get(f"/admin/changes/new/?account={world['own_account']}&kind=closure") \
        .get_data(as_text=True)
    assert input_value(html, "account") == str(world["own_account"])
    assert form_fields(html) == COMMON | KIND_FIELDS["closure"]


def test_another_units_account_is_not_found(world, login_as):
    response = login_as("unit_editor").get(f"/admin/changes/new/?account_id={world['other_account']}&kind=name")
    assert response.status_code == 404 and "外单位" not in response.get_data(as_text=True)


def test_without_a_kind_the_form_starts_at_the_first_and_offers_the_others_without_script(login_as, world):
    html = login_as("unit_editor").get(f"/admin/changes/new/?account_id={world['own_account']}") \
        .get_data(as_text=True)
    assert form_fields(html) == COMMON | KIND_FIELDS["name"]
    noscript = html[html.index("<noscript>"):html.index("</noscript>")]
    for kind in ChangeKind:
        if kind != ChangeKind.name:
            assert f"kind={kind.name}" in noscript and f"account_id={world['own_account']}" in noscript


def test_the_switch_script_carries_the_pages_nonce(login_as, world):
    response = login_as("unit_editor").get("/admin/changes/new/?kind=name")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    script = html[html.rindex("<script", 0, html.index('[name=kind]')):]
    assert script.startswith(f'<script nonce="{nonce}">')


def test_a_post_keeps_only_the_chosen_kinds_values(app, world, login_as):
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(world["own_account"]), "kind": "name", "changed_on": "2026-09-25", "new_name": "新名字",
        "new_maintenance": "outsourced", "new_vendor": "别的公司", "closure_notice": "不该保存",
        "new_homepage_url": "https://example.org/x"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        change = db.session.query(ChangeRecord).one()
        assert change.after == {"name": "新名字"} and change.closure_notice is None


@pytest.mark.parametrize("kind, field, message", [
    ("name", "new_name", "新的帐号名称"),
    ("maintenance", "new_maintenance", "维护方式"),
    ("managers", "new_head", "负责人"),
    ("closure", "closure_notice", "停更公告"),
    ("other", "reason", "变更"),
    ("public_info", "new_homepage_url", "二维码"),
])
def test_a_rule_refusal_is_shown_next_to_its_field(app, world, login_as, kind, field, message):
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(world["own_account"]), "kind": kind, "changed_on": "2026-09-25"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    after_field = html[html.index(f'name="{field}"'):]
    after_field = after_field[:after_field.index('<div class="form-group')]
    assert 'class="invalid-feedback"' in after_field and message in after_field
    assert after_field.count("<li>") == 1  # the rule's message alone (the asterisk's marker checks nothing)
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_the_edit_form_switches_kind_with_the_account_values(app, world, login_as):
    client = login_as("unit_editor")
    client.post("/admin/changes/new/", data={"account": str(world["own_account"]), "kind": "name",
                                             "changed_on": "2026-09-25", "new_name": "新名字"})
    with app.app_context():
        change_id = db.session.query(ChangeRecord.id).scalar()
    html = client.get(f"/admin/changes/edit/?id={change_id}").get_data(as_text=True)
    assert form_fields(html) == COMMON | KIND_FIELDS["name"] and input_value(html, "new_name") == "新名字"
    html = client.get(f"/admin/changes/edit/?id={change_id}&kind=maintenance").get_data(as_text=True)
    assert form_fields(html) == COMMON | KIND_FIELDS["maintenance"]
    assert '<option selected value="maintenance">' in html


def test_a_closed_account_gets_no_change_request(app, world, login_as):
    """Review finding: a unit could file (and the department approve) a change of a closed account — a new name
    or homepage on a record that keeps its history as it was (policy.can_edit refuses editing it)."""
    from models import AccountStatus, ReviewStatus, User
    from services import workflow
    from tests.factories import make_change
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status = AccountStatus.closed
        change_id = make_change(account, status=ReviewStatus.dept_review).id
        db.session.commit()
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(world["own_account"]), "kind": "name", "changed_on": "2026-09-25", "new_name": "新名字"})
    assert response.status_code == 200 and "已注销" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 1
        dept = db.session.query(User).filter_by(username="dept").one()
        with pytest.raises(workflow.TransitionError):
            workflow.approve(db.session.get(ChangeRecord, change_id), dept, "同意")
        db.session.rollback()
        assert db.session.get(Account, world["own_account"]).name == "本单位帐号"


def test_a_draft_switched_to_another_kind_shows_that_kinds_before(app, world, login_as):
    """Review finding: "before" was taken only when the request was created; a draft switched on its edit page to
    公开信息 showed the department "homepage: (none), QR code: (none)" for an account that had both."""
    from models import AccountStatus
    from tests.factories import make_change
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.homepage_url = AccountStatus.approved, "https://weibo.com/u/1000001"
        account.approved_at = account.created_at
        change = make_change(account)
        db.session.commit()
        change_id, version = change.id, change.version
    response = login_as("unit_editor").post(f"/admin/changes/edit/?id={change_id}", data={
        "account": str(world["own_account"]), "kind": "public_info", "changed_on": "2026-10-08",
        "row_version": str(version),
        "new_homepage_url": "https://weibo.com/u/2000002"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        change = db.session.get(ChangeRecord, change_id)
        assert change.kind == ChangeKind.public_info
        assert change.before.get("homepage_url") == "https://weibo.com/u/1000001"


def test_saving_a_new_change_opens_its_record_page_where_it_is_submitted(app, world, login_as):
    """Issue 15 journey 4: 办理注销 › the form › 保存 lands on the change's page (its 提交 button), not the list."""
    response = login_as("unit_editor").post(
        f"/admin/changes/new/?account_id={world['own_account']}&kind=closure&url=/admin/changes/", data={
            "account": str(world["own_account"]), "kind": "closure", "changed_on": "2026-09-25",
            "closure_notice": "本帐号即日起停止更新。", "closure_notice_on": "2026-09-25"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        change = db.session.query(ChangeRecord).one()
    assert response.headers["Location"].endswith(f"/admin/changes/details/?id={change.id}")


@pytest.mark.parametrize("query", ["", "?account_id=7", "?id=3&url=/admin/changes/?search=a%26b+c&flt1_0=x",
                                   "?account_id=7&url=/admin/accounts/details/?id=7&lang=en&_external=1"])
def test_the_kind_links_are_url_fors(app, query):
    """kind_links builds one URL and appends each kind (issue 18): the links url_for would give."""
    from flask import request, url_for

    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "changes")
    with app.test_request_context(f"/admin/changes/new/{query}"):
        args = {k: v for k, v in request.args.items() if k in ("id", "account_id", "account", "url")}
        assert [href for _label, href, _current in view.kind_links()] == [
            url_for("changes.create_view", **args, kind=kind.name) for kind in ChangeKind]
