"""Details pages by id: a foreign id is refused, the own id (positive control) shown."""
from __future__ import annotations

import pytest

from .matrix import ROLES, UNIT_ROLES, VIEWS, VIEW_NAMES, body, leaks, may_open, sees_row


@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_details_of_a_foreign_id(access_world, login_as, role, view):
    row_id = access_world["rows"][view]["other"]
    response = login_as(role).get(f"/admin/{view}/details/?id={row_id}")
    if not may_open(role, view):
        assert response.status_code == 403
    elif sees_row(role, view, "other"):
        assert response.status_code == 200 and VIEWS[view].foreign in body(response)
    else:
        assert response.status_code in (403, 404), f"{role} opened {view} #{row_id} of the other unit"
    if role in UNIT_ROLES:
        assert not leaks(body(response))


@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_details_of_an_own_id(access_world, login_as, role, view):
    """Positive control for the 404s above: the same URL with the own unit's id works."""
    response = login_as(role).get(f"/admin/{view}/details/?id={access_world['rows'][view]['own']}")
    if not may_open(role, view):
        assert response.status_code == 403
    else:
        assert response.status_code == 200 and VIEWS[view].own in body(response)
        assert not leaks(body(response))
