"""Every page that takes ?month=YYYY-MM: a malformed month or one far outside the registry's years is a 400
with a Chinese sentence saying what to write — never a 500 (issue 16, finding 5: ?month=9999-12 crashed in
month_end with "year 10000")."""
import datetime as dt

import pytest

from services import reports

#: The pages that read ?month= (with the role that may open them).
MONTH_PAGES = [
    ("unit_editor", "/admin/reports/missing/?month={month}"),
    ("dept_admin", "/admin/reports/missing/?month={month}"),
    ("dept_admin", "/admin/reports/missing/?month={month}&format=xlsx"),
    ("dept_admin", "/admin/reports/missing/?month={month}&format=csv"),
    ("dept_admin", "/admin/reports/summary/?month={month}"),
    ("dept_admin", "/admin/reports/summary/?month={month}&format=csv"),
]
NEXT_YEAR = dt.date.today().year + 1
BAD_MONTHS = ["9999-12", "0001-01", f"{NEXT_YEAR + 1}-01", "1999-12", "2026-13", "2026-00", "garbage",
              "2026-1", "20261", "9999999-01", "2026-10-01"]


@pytest.mark.parametrize("month", BAD_MONTHS)
@pytest.mark.parametrize("role,page", MONTH_PAGES)
def test_a_month_outside_the_years_or_malformed_is_a_400_in_chinese(app, world, login_as, role, page, month):
    response = login_as(role).get(page.format(month=month))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "月份" in html and "2026-10" in html and f"{NEXT_YEAR}" in html


@pytest.mark.parametrize("month", ["2000-01", f"{NEXT_YEAR}-12", ""])
@pytest.mark.parametrize("role,page", MONTH_PAGES)
def test_the_first_and_last_allowed_months_and_none_are_served(app, world, login_as, role, page, month):
    assert login_as(role).get(page.format(month=month)).status_code == 200


def test_parse_month():
    assert reports.parse_month("2026-10") == dt.date(2026, 10, 1)
    assert reports.parse_month("") is None and reports.parse_month(None) is None
    with pytest.raises(ValueError):
        reports.parse_month("9999-12")
