"""Values as a person reads them: Chinese dates, times in the configured zone, months, translated labels, and
the cells of an export. Used by the screens (admin/formatters.py adds Flask-Admin's type formatters and
badges on top), the blueprints, the exports and the services that write summaries.

One format everywhere, as on the paper forms (备案审批表, 管理月报表): a date is 2026年11月25日, a time
2026年11月25日 14:30 (Asia/Shanghai), a month 2026年10月. In English the same helpers give "November 25, 2026",
"November 25, 2026 14:30" and "Oct 2026". Exports keep ISO dates (2026-11-25), which spreadsheets sort and
filter as dates.
"""
from __future__ import annotations

import datetime as dt
import enum
import zoneinfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask.globals import _cv_app
from flask_babel import format_date, get_locale

from models.base import YES_NO
from models.context import app_globals, locale as request_locale, timezone as request_timezone
from services.exports import FORMULA_START, neutralise


def locale_name() -> str:
    """``str(get_locale())`` ("zh_Hans_CN", "en"): the request's language as a key, without Babel building the
    identifier on every call (a list page asks some 60 times). The name is kept per Locale object, which
    Flask-Babel keeps per request (and ``force_locale`` swaps), so a forced language gives its own name. The Locale
    is read from the request's context (models/context.py), not through three proxies of ``g``."""
    ctx = _cv_app.get(None)
    # models/context.py ``locale``, inlined: a page asks this some hundred times.
    locale = getattr(ctx.g.__dict__.get("_flask_babel"), "babel_locale", None) if ctx is not None else None
    if locale is None:
        locale = request_locale()
    entry = _LOCALE_NAMES.get(id(locale))
    if entry is None or entry[0] is not locale:
        if len(_LOCALE_NAMES) >= _TRANSLATED_MAX:
            _LOCALE_NAMES.clear()
        entry = _LOCALE_NAMES[id(locale)] = (locale, "" if locale is None else str(locale))
    return entry[1]


def date_text(value) -> str:
    """2026年11月25日 (a datetime is first moved to the user's time zone)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    if app_globals() is None:
        return format_date(value, "long")
    # A day's text in a language is the same for everyone and for ever: kept for the process (a list shows
    # some 40 dates; Babel's formatting of each was a good part of the page's time).
    key = (locale_name(), value)
    text = _DATE_TEXTS.get(key)
    if text is None:
        if len(_DATE_TEXTS) >= _DATE_TEXTS_MAX:
            _DATE_TEXTS.clear()
        text = _DATE_TEXTS[key] = format_date(value, "long")
    return text


#: (language, day) -> the day's text (date_text); bounded (ten years of days in two languages fit).
_DATE_TEXTS: dict[tuple[str, dt.date], str] = {}
_DATE_TEXTS_MAX = 20_000


def datetime_text(value) -> str:
    """2026年11月25日 14:30 in the user's time zone (times are stored in UTC)."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return date_text(value)
    local = _local(value)
    return f"{date_text(local.date())} {local:%H:%M}"


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) as the time in the configured zone: the day a deadline is judged by."""
    return _local(value)


def local_today() -> dt.date:
    """Today in the configured zone (a change reported at 04:40 in Beijing happened on Beijing's day)."""
    return _local(dt.datetime.now(dt.timezone.utc)).date()


def stored_time(local: dt.datetime) -> dt.datetime:
    """A time a person typed (in the configured zone) as it is stored: naive UTC (for filters)."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=_zone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _local(value: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) in the user's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(_zone())


def _zone():
    """The request's time zone (Flask-Babel's, a pytz zone) as a ``zoneinfo`` zone (C implementation: ~5x faster
    than pytz), looked up once per pytz zone object for the process (the name is all it depends on)."""
    chosen = request_timezone()
    entry = _ZONES.get(id(chosen))
    if entry is None or entry[0] is not chosen:
        try:
            zone = zoneinfo.ZoneInfo(str(chosen))
        except zoneinfo.ZoneInfoNotFoundError:
            zone = chosen
        if len(_ZONES) >= 100:
            _ZONES.clear()
        entry = _ZONES[id(chosen)] = (chosen, zone)
    return entry[1]


#: id of a pytz zone -> (the zone, its zoneinfo twin); the zone is held so that its id is not reused.
_ZONES: dict[int, tuple] = {}


def month_text(value) -> str:
    """2026年10月: a report's month (stored as the first day of the month)."""
    if value is None:
        return ""
    if app_globals() is None:
        return format_skeleton("yMMM", value, locale=get_locale())
    # Kept for the process as a day's text is (date_text): a list shows the same few months on every row, the
    # missing-reports page 36 in its drop-down.
    key = (locale_name(), value)
    text = _MONTH_TEXTS.get(key)
    if text is None:
        if len(_MONTH_TEXTS) >= _DATE_TEXTS_MAX:
            _MONTH_TEXTS.clear()
        text = _MONTH_TEXTS[key] = format_skeleton("yMMM", value, locale=get_locale())
    return text


#: (language, first day of a month) -> the month's text (month_text); bounded as the days' texts.
_MONTH_TEXTS: dict[tuple[str, dt.date], str] = {}


def register_filters(app) -> None:
    """The same formats in our own templates: {{ day|date_text }}, {{ at|datetime_text }}, {{ period|month_text }}."""
    app.add_template_filter(date_text, "date_text")
    app.add_template_filter(datetime_text, "datetime_text")
    app.add_template_filter(month_text, "month_text")
    app.add_template_global(lambda: locale_name().startswith("zh"), "chinese_page")


def text(label) -> str:
    """A translated label (a module-level lazy string or an enum member) as text, once per request.

    flask_babel resolves locale and catalog on every call (~25 µs); a list, an export or a summary
    shows the same few labels thousands of times.
    """
    request_g = app_globals()
    if request_g is None:
        return str(getattr(label, "label", label))
    memo = request_g.__dict__.get("label_text")
    if memo is None:
        memo = request_g.label_text = {}
    # Enum members with their class (two str enums' "approved" are equal, their labels are not); lazy strings
    # (unhashable) by identity: they are module constants.
    key = (type(label), label) if isinstance(label, enum.Enum) else id(label)
    try:
        return memo[key]
    except KeyError:
        memo[key] = result = translated(label)
        return result


def translated(label) -> str:
    """A lazy string or an enum member in the request's language, translated once per language for the process:
    the catalogs do not change while it runs, and the text depends on nothing but the label and the language.
    The label is kept beside its text, so that an id reused by another object is never taken for it."""
    if app_globals() is None:
        return str(getattr(label, "label", label))
    key = (locale_name(), type(label), label) if isinstance(label, enum.Enum) else (locale_name(), id(label))
    entry = _TRANSLATED.get(key)
    if entry is None or entry[0] is not label:
        if len(_TRANSLATED) >= _TRANSLATED_MAX:
            _TRANSLATED.clear()
        entry = _TRANSLATED[key] = (label, str(getattr(label, "label", label)))
    return entry[1]


def translated_with(gettext, msgid: str, **variables) -> str:
    """``gettext(msgid, **variables)`` (Flask-Babel's or Flask-Admin's, of a fixed msgid), with the catalog looked up
    once per language and function for the process: the text is then formatted as Flask-Babel formats it."""
    if app_globals() is None:
        return gettext(msgid, **variables)
    key = (locale_name(), gettext, msgid)
    text = _MSGIDS.get(key)
    if text is None:
        if len(_MSGIDS) >= _TRANSLATED_MAX:
            _MSGIDS.clear()
        text = _MSGIDS[key] = gettext(msgid)
    return text % variables if variables else text


_MSGIDS: dict[tuple, str] = {}
_LOCALE_NAMES: dict[int, tuple] = {}

#: (language, label or id of a lazy string) -> (label, text); bounded (a few hundred labels in two languages).
_TRANSLATED: dict[tuple, tuple] = {}
_TRANSLATED_MAX = 10_000


def export_cell_function(column, value_formatter=None):
    """value -> cell for one export column, chosen once from the column's type (the column-only CSV
    export: labels translated once, times converted with zoneinfo, texts neutralised, no babel per cell)."""
    if value_formatter is not None:
        return _memoised(lambda value: neutralise(value_formatter(value)))
    column_type = getattr(column, "type", None)
    enum_cls = getattr(column_type, "enum_class", None)
    if enum_cls is not None:
        names = {member: text(member) if hasattr(member, "label") else member.name for member in enum_cls}
        names.update({member.name: names[member] for member in enum_cls})  # the stored name, selected as text
        names[None] = ""
        return names.__getitem__
    if isinstance(column_type, sa.Boolean):
        return {True: text(YES_NO[True]), False: text(YES_NO[False]), None: ""}.__getitem__
    if isinstance(column_type, sa.DateTime):
        offset = _daily_offsets(_zone())

        def local_time(value):
            if value is None:
                return ""
            value = value + offset(value)  # (an f-string is ~5x faster than strftime)
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"

        return local_time
    if isinstance(column_type, sa.Date):
        return lambda value: value.isoformat() if value is not None else ""

    def plain(value):
        if value.__class__ is str:
            return "'" + value if value.startswith(FORMULA_START) else value
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        return neutralise(value)

    return plain


def _daily_offsets(zone):
    """naive UTC time -> the zone's UTC offset then, looked up once per day of the data (an export of
    360,000 times spends most of its formatting in ``astimezone``). A day in which the offset changes (a
    daylight-saving switch) is not memoised: each of its times is converted by itself."""
    utc, memo, day_end = dt.timezone.utc, {}, dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)

    def exact(value: dt.datetime) -> dt.timedelta:
        if value.tzinfo is None:
            value = value.replace(tzinfo=utc)
        local = value.astimezone(zone)
        return local.replace(tzinfo=None) - value.astimezone(utc).replace(tzinfo=None)

    def offset(value: dt.datetime) -> dt.timedelta:
        if value.tzinfo is not None:
            return exact(value) - (value.utcoffset() or dt.timedelta(0))
        key = value.toordinal()
        found = memo.get(key)
        if found is None:
            start = dt.datetime.fromordinal(key)
            found = exact(start)
            if exact(start + day_end) != found:
                memo[key] = False
                return exact(value)
            memo[key] = found
        elif found is False:
            return exact(value)
        return found

    return offset


def _memoised(function):
    memo = {}

    def cell(value):
        try:
            return memo[value]
        except KeyError:
            memo[value] = result = function(value)
            return result
        except TypeError:  # unhashable (a JSON list): no memo
            return function(value)

    return cell


def platform_text(code: str | None) -> str:
    """A snapshot's platform code ("weibo", or "other:名称") as the label in the user's language: made once per
    language and code for the process (a list of reports shows the same few platforms on every row)."""
    if not code:
        return ""
    if app_globals() is None:
        return _platform_text(code)
    key = (locale_name(), code)
    shown = _PLATFORM_TEXTS.get(key)
    if shown is None:
        if len(_PLATFORM_TEXTS) >= _TRANSLATED_MAX:
            _PLATFORM_TEXTS.clear()
        shown = _PLATFORM_TEXTS[key] = _platform_text(code)
    return shown


def _platform_text(code: str) -> str:
    from models import Platform

    name, _, other = code.partition(":")
    try:
        label = translated(Platform[name])
    except KeyError:
        return code
    return f"{label}（{other}）" if other else label


#: (language, platform code) -> its text (platform_text); bounded as the translated labels.
_PLATFORM_TEXTS: dict[tuple, str] = {}