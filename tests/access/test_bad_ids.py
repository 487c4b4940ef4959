"""Non-numeric, non-existent and out-of-range ids and numbers: 404 (or a refusal), never 500."""
from __future__ import annotations

import pytest

from .matrix import (BAD_IDS, HUGE, INT4_OVERFLOW, ON_POSTGRES, PG_BULK_DELETE_HOLE, VIEW_NAMES, deletes, may_open,
                     status_of, writes, xfail)


#: (name, method, path, form): every place a Flask-Admin view takes one row id (bulk actions: below).
ID_ENDPOINTS = [
    ("details", "get", "/details/?id={id}", None),
    ("edit-get", "get", "/edit/?id={id}", None),
    ("edit-post", "post", "/edit/?id={id}", {"name": "x"}),
    ("delete", "post", "/delete/", {"id": "{id}"}),
]


def expected_for_bad_id(role: str, view: str, endpoint: str) -> set[int]:
    if not may_open(role, view):
        return {403}
    if endpoint == "details" or (endpoint.startswith("edit") and writes(role, view)) \
            or (endpoint == "delete" and deletes(role, view)):
        return {404}
    return {302, 403, 404}  # a step the user may not take at all is refused before the id is read


def _fill(data, row_id):
    return {k: v.format(id=row_id) for k, v in data.items()} if data else None


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ["unit_editor", "dept_admin", "auditor"])
def test_bad_ids_answer_404_never_500(access_world, login_as, role, view, bad_id):
    client = login_as(role)
    for endpoint, method, path, data in ID_ENDPOINTS:
        url = f"/admin/{view}{path.format(id=bad_id)}"
        status = status_of(client, method, url, _fill(data, bad_id))
        expected = expected_for_bad_id(role, view, endpoint)
        if bad_id == "" and expected != {403}:
            expected = expected | {302}  # no id at all: Flask-Admin goes back to the list
        assert status in expected, f"{method.upper()} {url} {data or ''} → {status}"


def _huge_cases():
    """(role, view, endpoint, id): ids beyond the integer columns (a 500 before commit cd174b3)."""
    cases = []
    for role in ("unit_editor", "dept_admin"):
        for view in VIEW_NAMES:
            for endpoint, _method, _path, _data in ID_ENDPOINTS:
                for value, label in ((HUGE, "huge"), (INT4_OVERFLOW, "int4")):
                    cases.append(pytest.param(role, view, endpoint, value, id=f"{role}-{view}-{endpoint}-{label}"))
    return cases


@pytest.mark.parametrize("role, view, endpoint, value", _huge_cases())
def test_out_of_range_ids_answer_404_never_500(access_world, login_as, role, view, endpoint, value):
    _name, method, path, data = next(e for e in ID_ENDPOINTS if e[0] == endpoint)
    url = f"/admin/{view}{path.format(id=value)}"
    status = status_of(login_as(role), method, url, _fill(data, value))
    assert status in expected_for_bad_id(role, view, endpoint), f"{method.upper()} {url} → {status}"


#: The actions of each view: the built-in bulk delete, and the workflow steps where there are any.
VIEW_ACTIONS = {view: ("delete",) + (("submit", "approve") if view in ("accounts", "changes", "reports") else ())
                + (("submit", "approve", "escalate") if view == "incidents" else ()) for view in VIEW_NAMES}


def _rowid_cases():
    cases = []
    for role in ("unit_editor", "dept_admin", "auditor"):
        for view in VIEW_NAMES:
            for action in VIEW_ACTIONS[view]:
                for value in BAD_IDS + (HUGE, INT4_OVERFLOW):
                    reason = None
                    if action == "delete" and ON_POSTGRES and deletes(role, view):
                        reason = PG_BULK_DELETE_HOLE
                    label = {HUGE: "huge", INT4_OVERFLOW: "int4", "": "empty"}.get(value, value)
                    cases.append(pytest.param(role, view, action, value, id=f"{role}-{view}-{action}-{label}",
                                              marks=xfail(reason)))
    return cases


@pytest.mark.parametrize("role, view, action, value", _rowid_cases())
def test_bad_rowids_in_bulk_actions_never_500(access_world, login_as, role, view, action, value):
    status = status_of(login_as(role), "post", f"/admin/{view}/action/",
                       {"action": action, "rowid": value, "url": f"/admin/{view}/"})
    assert status == 403 if not may_open(role, view) else status in (302, 404), status


#: Other places that take a number from the request: paging, look-up windows, posted references.
OUT_OF_RANGE_REQUESTS = [
    ("list-page", "get", f"/admin/accounts/?page={HUGE}", None, {200, 404}),
    ("lookup-offset", "get", f"/admin/reports/ajax/lookup/?name=account&query=a&offset={HUGE}", None, {200, 404}),
    ("lookup-limit", "get", f"/admin/reports/ajax/lookup/?name=account&query=a&limit={HUGE}", None, {200, 404}),
    ("report-account-ref", "post", "/admin/reports/new/",
     {"account": HUGE, "period": "2025-06-01", "post_count": "1"}, {200}),
    ("account-team-ref", "post", "/admin/accounts/new/",
     {"name": "x", "platform": "weibo", "creator_entity": "x", "created_on": "2026-09-01",
      "maintenance": "self_run", "team-0-manager": HUGE, "team-0-role": "head"}, {200}),
    ("manager-unit-ref", "post", "/admin/managers/new/", {"name": "x", "unit": HUGE, "employment_status": "staff"},
     {200, 302}),
    ("audit-history", "get", f"/admin/audit/?object=Account:{HUGE}", None, {200}),
]


@pytest.mark.parametrize("name, method, url, data, expected", OUT_OF_RANGE_REQUESTS,
                         ids=[case[0] for case in OUT_OF_RANGE_REQUESTS])
@pytest.mark.parametrize("role", ["unit_editor", "dept_admin"])
def test_out_of_range_numbers_never_500(access_world, login_as, role, name, method, url, data, expected):
    assert status_of(login_as(role), method, url, data) in expected
