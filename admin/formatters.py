"""How values look in Flask-Admin's lists, details and exports: Chinese dates, local times, 是/否, coloured
states. The text itself comes from services/text.py, shared with the blueprints and the services."""
from __future__ import annotations

import datetime as dt
import enum

from flask_admin.model import typefmt
from flask_babel import format_datetime, lazy_gettext
from markupsafe import Markup

from models.base import YES_NO
from models.context import app_globals
from services.text import date_text, datetime_text, locale_name, text, translated


def _date(_view, value, *_args):
    if isinstance(value, dt.datetime):
        return _datetime(_view, value)
    return date_text(value)


def _datetime(_view, value, *_args):
    return datetime_text(value)


def _bool(_view, value, *_args):
    return badge("success" if value else "light", YES_NO[bool(value)])


def _enum(_view, value, *_args):
    return text(value) if hasattr(value, "label") else value.name


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({dt.date: _date, dt.datetime: _datetime, bool: _bool, enum.Enum: _enum})
DETAIL_FORMATTERS = dict(typefmt.DETAIL_FORMATTERS)
DETAIL_FORMATTERS.update({dt.date: _date, dt.datetime: _datetime, bool: _bool, enum.Enum: _enum})
EXPORT_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)


def _export_date(_view, value, *_args):
    # Flask-Admin picks the first formatter whose type matches: a datetime is also a date.
    if isinstance(value, dt.datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return value.isoformat()


EXPORT_FORMATTERS.update({dt.date: _export_date, dt.datetime: _export_date,
                          bool: lambda v, value, *a: text(YES_NO[bool(value)]), enum.Enum: _enum})


LATE = lazy_gettext("Late")


def value_only(formatter):
    """Marks a column formatter whose text depends only on the column's value (``getattr(model, name)``), not on
    the rest of the row: a list page makes its cell once per distinct value (admin/list_rows.py)."""
    formatter.value_only = True
    return formatter


def badge(colour: str, label) -> Markup:
    """A coloured label. Its HTML depends only on the colour, the label and the language, so it is made once per
    language for the process (a list shows the same few on every row); a label is kept beside its HTML so that
    an id reused by another object is never taken for it (labels are module constants and enum members)."""
    if app_globals() is None:
        return Markup('<span class="badge badge-{}">{}</span>').format(colour, text(label))
    key = (locale_name(), colour, id(label))
    entry = _BADGES.get(key)
    if entry is None or entry[0] is not label:
        if len(_BADGES) >= _BADGES_MAX:
            _BADGES.clear()
        entry = _BADGES[key] = (label, Markup('<span class="badge badge-{}">{}</span>').format(colour, translated(label)))
    return entry[1]


#: (language, colour, id of the label) -> (label, HTML); bounded (a few dozen labels and colours in two languages).
_BADGES: dict[tuple, tuple] = {}
_BADGES_MAX = 2_000


@value_only
def late_badge(_view, _context, model, name):
    """逾期 in red, on time in grey: lateness is what the department looks for in a list."""
    if getattr(model, name):
        return badge("danger", LATE)
    return badge("light", YES_NO[False])


PROVISIONAL = lazy_gettext("Provisional")


def schedule_known(year: int) -> bool:
    """Whether ``year``'s holiday schedule has been entered (read once per request)."""
    from services.workdays import scheduled_years

    request_g = app_globals()
    years = request_g.__dict__.get("scheduled_years")
    if years is None:
        years = request_g.scheduled_years = scheduled_years()  # once per request, however many years a page shows
    return year in years


@value_only
def deadline_cell(_view, _context, model, name):
    """A deadline counted in working days: the date, marked 暂定 when its year has no holiday schedule (it was
    counted Monday to Friday). Not for exports: they hold the plain date."""
    from services.workdays import provisional_note

    value = getattr(model, name)
    if value is None:
        return ""
    if schedule_known(value.year):
        return date_text(value)
    return Markup('{} <span class="badge badge-warning provisional" title="{}">{}</span>').format(
        date_text(value), provisional_note(), text(PROVISIONAL))


#: Colours of the workflow states: grey before submission, blue under review, green done, red stopped.
STATUS_COLOURS = {"draft": "secondary", "unit_review": "info", "dept_review": "primary", "approved": "success",
                  "returned": "warning", "suspended": "danger", "closed": "dark",
                  # an incident (第十四条): accepted as handled, or escalated to a violation (第十三条)
                  "handled": "success", "escalated": "danger"}


@value_only
def status_badge(_view, _context, model, name):
    status = getattr(model, name)
    if status is None:
        return ""
    # The state's colour by its member (an enum's ``name`` is a Python property: read once per member).
    colour = _STATUS_COLOURS_BY_MEMBER.get(status)
    if colour is None:
        colour = _STATUS_COLOURS_BY_MEMBER[status] = STATUS_COLOURS.get(status.name, "light")
    return badge(colour, status)


#: Workflow state member -> its colour (filled as members are met; members are few and live for the process).
_STATUS_COLOURS_BY_MEMBER: dict = {}
