"""Property-based fuzzing of every admin view's list parameters and forms, as each role:
never a server error, and never a change to another unit's rows."""
import hashlib
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from models import db

VIEWS = ["accounts", "managers", "changes", "reports", "violations", "assessments", "audit", "units", "users",
         "calendar"]
ROLES = ["unit_editor", "unit_leader", "dept_admin", "auditor"]
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

text = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "9" * 30, "abc", "<script>", "' OR 1=1 --",
                                                        "2026-13-45", "\x00", "None", "=1+1", "%", "_"]))
params = st.dictionaries(st.one_of(st.sampled_from(["page", "sort", "desc", "search", "page_size", "flt0_0",
                                                    "flt1_3", "flt0_12", "flt2_1", "flt0_7", "id", "url", "object",
                                                    "month", "unit"]), st.text(max_size=8)), text, max_size=5)


def _other_unit_fingerprint(world) -> str:
    """A digest of every row that belongs to the other unit, in every table with a unit column."""
    parts = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if "unit_id" in table.c and table.name != "audit_log":
                rows = conn.execute(sa.select(table).where(table.c.unit_id == world["other_unit"])
                                    .order_by(*table.primary_key.columns)).all()
                parts.append((table.name, [[str(v) for v in row] for row in rows]))
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEWS)
def test_list_parameters_never_break_a_page(app, world, login_as, role, view):
    client = login_as(role)

    @FUZZ
    @given(query=params)
    def check(query):
        response = client.get(f"/admin/{view}/", query_string=query)
        assert response.status_code < 500, (view, query, response.status_code)

    check()


FORM_FIELDS = {
    "accounts": ["name", "platform", "platform_account_id", "wechat_original_id", "creator_entity", "unit",
                 "created_on", "verified", "maintenance", "homepage_url", "in_matrix", "team-0-manager",
                 "team-0-role", "row_version"],
    "managers": ["name", "staff_no", "unit", "phone", "email", "employment_status"],
    "changes": ["account", "kind", "changed_on", "new_name", "new_head", "new_admins", "reason", "closure_notice"],
    "reports": ["account", "period", "post_count", "topics", "involves_classified", "classified_handling"],
    "violations": ["account", "occurred_on", "kind", "description", "measure", "rectification"],
    "units": ["code", "name", "kind", "phone", "established_on"],
    "users": ["username", "display_name", "role", "unit", "new_password"],
    "calendar": ["day", "kind", "name"],
}


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "dept_admin"])
@pytest.mark.parametrize("view", list(FORM_FIELDS))
def test_forms_never_break_and_never_touch_another_unit(app, world, login_as, role, view):
    client = login_as(role)
    with app.app_context():
        before = _other_unit_fingerprint(world)
    other_ids = {"accounts": world["other_account"], "managers": world["other_manager"],
                 "reports": world["other_report"]}

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={name: text for name in FORM_FIELDS[view]}),
           target=st.sampled_from(["new", "edit-other", "action-other"]))
    def check(data, target):
        if target == "new":
            url = f"/admin/{view}/new/"
        elif target == "edit-other":
            url = f"/admin/{view}/edit/?id={other_ids.get(view, 1)}"
        else:
            url = f"/admin/{view}/action/"
            data = {**data, "action": data.get("name") or "approve", "rowid": str(other_ids.get(view, 1))}
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data, response.status_code)

    check()
    with app.app_context():
        after = _other_unit_fingerprint(world)
    if role != "dept_admin":
        assert after == before, "a unit user changed another unit's rows"
