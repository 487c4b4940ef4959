"""The drop-downs written for speed (admin/fields.py, issue #6) show and accept what Flask-Admin's would."""
from __future__ import annotations

import re
from html import unescape

from flask_admin.form import Select2Widget

from admin.fields import FastSelect2Widget
from models import Account, Unit, db

from .conftest import make_unit

OPTION = re.compile(r"<option ([^>]*)>([^<]*)</option>")


def unit_options(html: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select[^>]*name="unit"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no unit drop-down"
    result = []
    for attrs, label in OPTION.findall(select.group(1)):
        value = re.search(r'value="([^"]*)"', attrs).group(1)
        result.append((value, unescape(label), "selected" in attrs.split('value="')[0]))
    return result


def unit_box(html: str) -> dict:
    """The unit search box of the department's form (admin/fields.py unit_lookup): its attributes."""
    box = re.search(r'<input([^>]*name="unit"[^>]*)>', html)
    assert box, "no unit search box"
    return {name: unescape(value) for name, value in re.findall(r'([\w-]+)="([^"]*)"', box.group(1))}


def test_the_unit_search_box_shows_the_accounts_own_and_looks_up_every_unit_by_code(app, world, login_as):
    """Province scale (issue 18): the unit is a search box, not a drop-down of every unit (1,500 options); the
    account's own unit is shown chosen, and the look-up offers the units in the order of their codes, escaped."""
    import json

    with app.app_context():
        extra = make_unit("AAA", "甲<乙>单位")
        db.session.commit()
        units = [[u.id, u.name] for u in db.session.query(Unit).order_by(Unit.code)]
        own_name = db.session.get(Unit, world["own_unit"]).name
        assert extra.id
    client = login_as("dept_admin")
    html = client.get(f"/admin/accounts/edit/?id={world['own_account']}").get_data(as_text=True)
    assert not re.search(r'<select[^>]*name="unit"', html)  # no drop-down of every unit
    box = unit_box(html)
    assert box["value"] == str(world["own_unit"]) and box["data-role"] == "select2-ajax"
    assert json.loads(box["data-json"]) == [world["own_unit"], own_name]
    assert box["data-placeholder"] == "输入单位名称或代码搜索" and box["data-minimum-input-length"] == "0"
    found = client.get("/admin/accounts/ajax/lookup/?name=unit&query=")
    assert json.loads(found.get_data(as_text=True)) == units[:20]
    assert "甲<乙>单位" not in client.get(f"/admin/accounts/edit/?id={world['own_account']}").get_data(as_text=True)


def test_a_posted_unit_is_checked_against_the_units(app, world, login_as):
    client = login_as("dept_admin")
    url = f"/admin/accounts/edit/?id={world['own_account']}"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="row_version" type="hidden" value="(\d+)"', html).group(1)
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        form = {"name": account.name, "platform": account.platform.name, "platform_account_id": account.platform_account_id,
                "creator_entity": account.creator_entity, "created_on": account.created_on.isoformat(),
                "maintenance": "self_run", "row_version": version,
                "team-0-id": account.team[0].id, "team-0-manager": account.team[0].manager_id, "team-0-role": "head",
                "team-1-id": account.team[1].id, "team-1-manager": account.team[1].manager_id, "team-1-role": "admin"}
    refused = client.post(url, data={**form, "unit": "999999"})
    errors = re.findall(r"<li>([^<]*)</li>", refused.get_data(as_text=True)); print(errors)
    assert refused.status_code == 200 and errors
    # The re-shown form still has the unit search box.
    assert unit_box(refused.get_data(as_text=True))["data-role"] == "select2-ajax"
    with app.app_context():
        assert db.session.get(Account, world["own_account"]).unit_id == world["own_unit"]
    moved = client.post(url, data={**form, "unit": str(world["other_unit"])})
    assert moved.status_code == 302, moved.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.get(Account, world["own_account"]).unit_id == world["other_unit"]


def test_a_unit_user_gets_no_unit_drop_down(app, world, login_as):
    html = login_as("unit_editor").get(f"/admin/accounts/edit/?id={world['own_account']}").get_data(as_text=True)
    assert 'name="unit"' not in html


class _Choice:
    def __init__(self, value, label, selected, render_kw=None):
        self.value, self.label, self.selected, self.render_kw = value, label, selected, render_kw


def test_fast_options_are_wtforms_options():
    for choice in [_Choice(3, "会计学院", True), _Choice("x", '<"&>', False), _Choice(True, "是", False),
                   _Choice("", None, False), _Choice("a", "b", True, {"disabled": True})]:
        assert FastSelect2Widget.render_option(choice) == Select2Widget.render_option(choice)
