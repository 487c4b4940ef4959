"""未报送 (第十五条): the missing-reports page's body, kept the way the home pages' bodies are (issue 18).

What the page shows — which accounts have not reported for a month, which reports came late, the month and unit
drop-downs — is read from many rows (the department's month: every approved account against the month's reports)
and is the same for everyone who sees the same rows. It is kept per scope (``policy.scope_key``: role, and the unit
for unit users), month, chosen unit, day (the month drop-down starts at the month now due), language and site root,
under the data version (models/data_version.py), which every committed change of accounts, units, reports or the
calendar raises: a change through any app server is seen at the next request. The body has no user in it; the
remind form's CSRF token is the one per-request piece and is written between the kept parts
(templates/admin/reports_missing.html)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template, request, url_for
from markupsafe import Markup, escape

from models import Unit, data_version, db, policy
from services import reports
from services.text import datetime_text, locale_name, month_text

from .home_figures import bodies

#: Where the CSRF token stands in a made body (data in the body is escaped, so no row can contain this text).
CSRF_MARK = Markup("<!--csrf-token-->")
#: How many months back the month drop-down offers (older ones by ?month=YYYY-MM).
MONTH_CHOICES = 36


def missing_body(view, user, period: dt.date, unit_id: int | None) -> tuple:
    """The page's body as kept parts, the CSRF token to be written between them (none or one)."""
    version = data_version.key()  # read before the rows: what is kept under it is never older than it
    key = None if version is None else (
        "missing", *version, policy.scope_key(user), period, unit_id, dt.date.today(), locale_name(),
        request.script_root)
    parts = bodies.get(key) if key is not None else None
    if parts is None:
        html = render_template("admin/_missing_body.html", csrf_token=lambda: CSRF_MARK,
                               **_context(view, user, period, unit_id))
        parts = tuple(Markup(part) for part in html.split(CSRF_MARK))
        if key is not None:
            bodies.put(key, parts)
    return parts


def _context(view, user, period: dt.date, unit_id: int | None) -> dict:
    # Without a chosen unit, a list longer than the view's MISSING_LIST_LIMIT is shown as counts per unit, each
    # linking to its unit's list (a unit's whole list: a few hundred accounts at most).
    limit = view.MISSING_LIST_LIMIT
    result = reports.missing_and_late(user, period, unit_id, limit=None if unit_id else limit)
    units = db.session.execute(sa.select(Unit.id, Unit.name).order_by(Unit.name)).all() \
        if policy.sees_all_units(user) else []
    by_unit: dict = {}
    for account in result["missing"]:
        by_unit.setdefault(account.unit.name, []).append(account)
    can_remind = policy.can_remind(user)
    account_url = url_for("accounts.details_view") + "?id="
    groups = [(name, len(accounts), _missing_items(accounts, account_url, can_remind))
              for name, accounts in sorted(by_unit.items(), key=lambda item: item[0].lower())]
    month = period.strftime("%Y-%m")
    return {"result": result, "groups": groups, "units": units, "list_limit": limit, "unit_id": unit_id,
            "month": month, "can_remind": can_remind, "remind_url": view.get_url(".remind_view"),
            "month_options": _options(_month_choices(period), month),
            "unit_options": _options(units, unit_id),
            "missing_unit_rows": _unit_counts(result["missing_units"], month),
            "late_unit_rows": _unit_counts(result["late_units"], month),
            "late_rows": _late_rows(result["late"], url_for("reports.details_view") + "?id=")}


def _options(pairs, selected) -> Markup:
    """A drop-down's ``<option>``s of (value, label) pairs, ``selected`` marked."""
    return Markup("".join(f'<option value="{escape(value)}" {"selected" if value == selected else ""}>'
                          f'{escape(label)}</option>' for value, label in pairs))


def _unit_counts(rows, month: str) -> Markup:
    """The rows of a count per unit ((unit id, name, count)), each linking to that unit's list."""
    month = escape(month)
    return Markup("".join(f'<tr><td><a href="?month={month}&amp;unit={escape(unit_id)}">{escape(name)}</a></td>'
                          f'<td>{escape(count)}</td></tr>' for unit_id, name, count in rows or ()))


def _late_rows(rows, report_url: str) -> Markup:
    url = escape(report_url)
    return Markup("".join(f'<tr><td>{escape(r.unit.name)}</td><td><a href="{url}{escape(r.id)}">'
                          f'{escape(r.snapshot_account_name)}</a></td><td>{escape(datetime_text(r.submitted_at))}</td>'
                          '</tr>' for r in rows))


def _missing_items(accounts, account_url: str, can_remind: bool) -> Markup:
    """The ``<li>`` of each account of a unit that has not reported, with the department's tick box: made in one
    pass with each text escaped once (the department's month lists hundreds; a template loop escaped every
    attribute of every row, a third of the page's time)."""
    url = escape(account_url)
    items = []
    for account in accounts:
        name = escape(account.name)
        box = (f'<input type="checkbox" name="account_id" value="{int(account.id)}" aria-label="{name}" '
               'class="mr-1">') if can_remind else ""
        items.append(f'<li>{box}<a href="{url}{int(account.id)}">{name}</a> '
                     f'<small class="text-muted">{escape(account.platform_label)}</small></li>')
    return Markup("".join(items))


def _month_choices(chosen) -> list[tuple[str, str]]:
    """The month drop-down: (2026-10, 2026年10月), newest first; a drop-down rather than the browser's month
    input, which writes the month in the browser's language ("November 2026")."""
    latest = reports.reporting_period()
    months = [reports.add_months(latest, -i) for i in range(MONTH_CHOICES)]
    if chosen not in months:
        months = sorted({*months, chosen}, reverse=True)
    return [(m.strftime("%Y-%m"), month_text(m)) for m in months]
