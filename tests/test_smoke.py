import pytest

PAGES = ["/admin/", "/admin/accounts/", "/admin/managers/", "/admin/changes/", "/admin/reports/",
         "/admin/violations/", "/admin/assessments/", "/admin/audit/"]


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "dept_admin", "auditor"])
@pytest.mark.parametrize("url", PAGES)
def test_pages_render(login_as, role, url):
    response = login_as(role).get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
