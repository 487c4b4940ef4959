"""Lists, search and filters, the home page, deep pages, and scope that follows the user at once."""
from __future__ import annotations

import re

import pytest

from models import Account, AuditLog, EmploymentStatus, Manager, Unit, User, db

from .matrix import (ALL_SEEING, ROLES, UNIT_ROLES, VIEWS, VIEW_NAMES, body, fetch, filter_index, leaks, may_open,
                     rows_in_scope)


LIST_QUERIES = ["", "?search=外", "?search=帐号&page_size=100&sort=1&desc=1"]


@pytest.mark.parametrize("query", LIST_QUERIES, ids=["plain", "search", "search-sort-pagesize"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_list(app, access_world, login_as, role, view, query):
    response = login_as(role).get(f"/admin/{view}/{query}")
    if not may_open(role, view):
        assert response.status_code == 403
        assert not leaks(body(response))
        return
    assert response.status_code == 200
    html = body(response)
    if role in ALL_SEEING or VIEWS[view].is_global:
        if query == "":
            assert VIEWS[view].foreign in html  # positive control
    else:
        assert not leaks(html), f"{view}{query} shows the other unit's rows to {role}"
        if query == "":
            assert VIEWS[view].own in html  # positive control: own rows are listed
    if query == "" and view != "audit":  # (the audit log has no count: simple pager)
        shown = re.search(r"(?:列表|List) \((\d+)\)", html)
        assert shown, "the list tab shows no count"
        assert int(shown.group(1)) == rows_in_scope(app, role, view, access_world), "the count leaks"


@pytest.mark.parametrize("role", ROLES)
def test_filter_on_the_other_units_name(app, access_world, login_as, role):
    index = filter_index(app, "accounts", Unit.__table__.c.name, "FilterEqual")
    html = body(login_as(role).get(f"/admin/accounts/?flt0_{index}=校团委"))
    if role in ALL_SEEING:
        assert "外单位帐号" in html
    else:  # (the typed filter value 校团委 is echoed back; the rows are what must not appear)
        assert "外单位帐号" not in html


@pytest.mark.parametrize("view", [v for v in VIEW_NAMES if VIEWS[v].unit_reads and not VIEWS[v].is_global])
def test_the_other_units_editor_sees_only_its_own(access_world, login_as, view):
    """The same boundary from the other side (scoping is not tied to one unit's id)."""
    client = login_as("other_editor")
    for url in (f"/admin/{view}/", f"/admin/{view}/export/csv/",
                f"/admin/{view}/details/?id={access_world['rows'][view]['own']}"):
        response = fetch(client, url)
        text = body(response)
        assert "本单位" not in text and "会计学院" not in text, url
        if "/details/" in url:
            assert response.status_code == 404
        else:
            assert response.status_code == 200 and VIEWS[view].foreign in text


@pytest.mark.parametrize("role", ROLES)
def test_home_page_to_do_is_scoped(app, access_world, login_as, role):
    """The staff check on the home page lists only the user's own unit's accounts."""
    with app.app_context():
        for manager in db.session.query(Manager):
            manager.employment_status = EmploymentStatus.left
        db.session.commit()
    html = body(login_as(role).get("/admin/"))
    assert ("本单位帐号" if role in UNIT_ROLES else "外单位帐号") in html  # positive control
    if role in UNIT_ROLES:
        assert not leaks(html)


@pytest.mark.parametrize("role", ROLES)
def test_the_home_pages_list_filters_are_scoped(app, access_world, login_as, role):
    """The filters the home page's counts link to (team needs a change, kind of unit) keep the unit's scope."""
    with app.app_context():
        for manager in db.session.query(Manager):
            manager.employment_status = EmploymentStatus.left
        db.session.commit()
    client = login_as(role)
    staff = filter_index(app, "accounts", Account.__table__.c.id, "StaffChangeFilter")
    kind = filter_index(app, "accounts", Unit.__table__.c.kind, "EnumEqualFilter")
    html = body(client.get(f"/admin/accounts/?flt0_{staff}=1"))
    assert "本单位帐号" in html  # positive control: both accounts' teams need a change
    for url in (f"/admin/accounts/?flt0_{staff}=1", f"/admin/accounts/?flt0_{kind}=student_org",
                f"/admin/accounts/?flt0_{staff}=1&flt1_{kind}=student_org"):
        html = body(client.get(url))
        if role in ALL_SEEING:
            assert "外单位帐号" in html, url
        else:
            assert not leaks(html), url


def test_deactivated_user_loses_access_in_the_same_session(app, access_world, login_as):
    client = login_as("unit_editor")
    with app.app_context():
        db.session.get(User, access_world["users"]["unit_editor"]).active = False
        db.session.commit()
    for url in ("/admin/accounts/", f"/admin/accounts/details/?id={access_world['own_account']}",
                "/admin/accounts/export/csv/"):
        response = fetch(client, url)
        assert response.status_code in (302, 403) and "本单位帐号" not in body(response), url


def test_user_moved_to_another_unit_sees_the_new_unit_at_once(app, access_world, login_as):
    client = login_as("unit_editor")
    assert "本单位帐号" in body(client.get("/admin/accounts/"))
    with app.app_context():
        db.session.get(User, access_world["users"]["unit_editor"]).unit_id = access_world["other_unit"]
        db.session.commit()
    html = body(client.get("/admin/accounts/"))
    assert "外单位帐号" in html and "本单位帐号" not in html
    assert client.get(f"/admin/accounts/details/?id={access_world['own_account']}").status_code == 404


@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_deep_pages_by_ids_first_stay_scoped(app, access_world, login_as, monkeypatch, role, view):
    """With the deferred join from the first page on, no page of any list shows the other unit's rows."""
    from admin.base import ScopedModelView

    monkeypatch.setattr(ScopedModelView, "deferred_join_offset", 1)
    client = login_as(role)
    if not may_open(role, view):
        return
    for page in range(4):
        response = client.get(f"/admin/{view}/?page_size=1&page={page}")
        assert response.status_code == 200
        assert not leaks(body(response)), f"{view} page {page} shows the other unit's rows to {role}"


@pytest.mark.parametrize("inline", [0, 1, 1000], ids=["as-ilike", "one-id", "as-ids"])
@pytest.mark.parametrize("term", ["外单位帐号", "单位帐号", "外单位", "帐号 单位帐号 本单位"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_a_unit_users_audit_search_returns_only_its_units_rows(app, access_world, login_as, monkeypatch, role, term,
                                                                inline):
    """On PostgreSQL a unit user's search word is looked up in the whole log first and passed on as the ids of its
    matches when they are few (admin/audit.py ``search_ids_inline``): those ids are of every unit, and the list
    must still show only the user's own unit's entries — whether a word goes as ids, as one id or as ILIKE."""
    from admin.audit import AuditView

    monkeypatch.setattr(AuditView, "search_ids_inline", inline)
    monkeypatch.setattr(AuditView, "search_lookup_min_length", 1)  # every word looked up (their ids: both units')
    monkeypatch.setattr(AuditView, "search_lookup_above", -2)  # whatever the log's size (-1: never analysed)
    html = body(login_as(role).get("/admin/audit/?search=" + term))
    rows = " ".join(re.findall(r'<td class="col-[a-z_]+">(.*?)</td>', html, re.S))
    assert not leaks(rows), f"the audit search {term!r} shows the other unit's entries to {role} (inline {inline})"
    if "外" not in term:
        assert "本单位帐号" in rows  # positive control: the unit's own entries are found
    with app.app_context():
        assert db.session.query(AuditLog).filter(AuditLog.object_label.contains("外单位帐号")).count()  # they exist


@pytest.mark.parametrize("term", ["外单位帐号", "单位帐号", "外单位"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_audit_search_through_the_text_index_stays_scoped(app, access_world, login_as, role, term):
    html = body(login_as(role).get("/admin/audit/?search=" + term))
    # The cells of the list (the search box echoes the typed words).
    rows = " ".join(re.findall(r'<td class="col-[a-z_]+">(.*?)</td>', html, re.S))
    assert not leaks(rows), f"the audit search {term!r} shows the other unit's entries to {role}"
    if "外" not in term:
        assert "本单位帐号" in rows  # positive control: the unit's own entries are found
