"""How values look on screen: Chinese dates, Shanghai times, 是/否, coloured states.

One format everywhere on screen, as on the paper forms (备案审批表, 管理月报表): a date is
2026年11月25日, a time 2026年11月25日 14:30 (Asia/Shanghai), a month 2026年10月. In English the same
helpers give "November 25, 2026", "November 25, 2026 14:30" and "Oct 2026". Exports keep ISO dates
(2026-11-25), which spreadsheets sort and filter as dates.
"""
from __future__ import annotations

import datetime as dt
import enum

from babel.dates import format_skeleton
from flask_admin.model import typefmt
from flask_babel import format_date, format_datetime, format_time, get_locale, gettext
from markupsafe import Markup

from models.base import YES_NO


def date_text(value) -> str:
    """2026年11月25日 (a datetime is first moved to the user's time zone)."""
    if value is None:
        return ""
    return format_date(value, "long")


def datetime_text(value) -> str:
    """2026年11月25日 14:30 in the user's time zone (times are stored in UTC)."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return date_text(value)
    return f"{format_date(value, 'long')} {format_time(value, 'HH:mm')}"


def month_text(value) -> str:
    """2026年10月: a report's month (stored as the first day of the month)."""
    if value is None:
        return ""
    return format_skeleton("yMMM", value, locale=get_locale())


def register_filters(app) -> None:
    """The same formats in our own templates: {{ day|date_text }}, {{ at|datetime_text }}, {{ period|month_text }}."""
    app.add_template_filter(date_text, "date_text")
    app.add_template_filter(datetime_text, "datetime_text")
    app.add_template_filter(month_text, "month_text")
    app.add_template_global(lambda: str(get_locale() or "").startswith("zh"), "chinese_page")


def _date(_view, value, *_args):
    if isinstance(value, dt.datetime):
        return _datetime(_view, value)
    return date_text(value)


def _datetime(_view, value, *_args):
    return datetime_text(value)


def _bool(_view, value, *_args):
    return Markup('<span class="badge badge-{}">{}</span>').format(
        "success" if value else "light", YES_NO[bool(value)])


def _enum(_view, value, *_args):
    return str(getattr(value, "label", value.name))


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({dt.date: _date, dt.datetime: _datetime, bool: _bool, enum.Enum: _enum})
DETAIL_FORMATTERS = dict(typefmt.DETAIL_FORMATTERS)
DETAIL_FORMATTERS.update({dt.date: _date, dt.datetime: _datetime, bool: _bool, enum.Enum: _enum})
EXPORT_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update({dt.date: lambda v, value, *a: value.isoformat(),
                          dt.datetime: lambda v, value, *a: format_datetime(value, "yyyy-MM-dd HH:mm"),
                          bool: lambda v, value, *a: str(YES_NO[bool(value)]), enum.Enum: _enum})


def platform_text(code: str | None) -> str:
    """A snapshot's platform code ("weibo", or "other:名称") as the label in the user's language."""
    from models import Platform

    if not code:
        return ""
    name, _, other = code.partition(":")
    try:
        label = str(Platform[name].label)
    except KeyError:
        return code
    return f"{label}（{other}）" if other else label


def late_badge(_view, _context, model, name):
    """逾期 in red, on time in grey: lateness is what the department looks for in a list."""
    if getattr(model, name):
        return Markup('<span class="badge badge-danger">{}</span>').format(gettext("Late"))
    return Markup('<span class="badge badge-light">{}</span>').format(YES_NO[False])


#: Colours of the workflow states: grey before submission, blue under review, green done, red stopped.
STATUS_COLOURS = {"draft": "secondary", "unit_review": "info", "dept_review": "primary", "approved": "success",
                  "returned": "warning", "suspended": "danger", "closed": "dark"}


def status_badge(_view, _context, model, name):
    status = getattr(model, name)
    if status is None:
        return ""
    return Markup('<span class="badge badge-{}">{}</span>').format(STATUS_COLOURS.get(status.name, "light"),
                                                                   status.label)
