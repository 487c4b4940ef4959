"""How values look in lists and details: Chinese dates, Shanghai times, 是/否."""
from __future__ import annotations

import datetime as dt
import enum

from flask_admin.model import typefmt
from flask_babel import format_date, format_datetime, gettext
from markupsafe import Markup

from models.base import YES_NO


def _date(_view, value, *_args):
    if isinstance(value, dt.datetime):
        return _datetime(_view, value)
    return format_date(value, "long")


def _datetime(_view, value, *_args):
    return format_datetime(value, "yyyy-MM-dd HH:mm")


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
