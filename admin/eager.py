"""The list queries' loader options made once per attribute instead of on every request (issue 18 item 2).

Every list page builds its eager loads anew: the view's ``get_query`` (``joinedload(MonthlyReport.unit)``),
Flask-Admin's auto joins in ``get_list`` (``query.options(joinedload(j))`` for each relationship the list shows)
and the JSON columns the list leaves out (``defer``). A new option costs SQLAlchemy some 20 µs to make and as
much again when the query takes it in (its path worked out), and a new option object's part of the statement's
cache key is computed anew; an option already made is taken in some ten times faster. An option of one mapped
attribute is a constant — it names a relationship or a column of a model, nothing of a user, a unit, a language
or a request — and SQLAlchemy's options are immutable (each method returns a new one), so one object serves every
query.

:func:`joinedload` and :func:`defer` are SQLAlchemy's, kept per attribute of a mapped class (an aliased class's
attributes, chains and options with arguments are made anew each time, as before); :func:`install` has
Flask-Admin's ``get_list`` use them for its auto joins (flask_admin/contrib/sqla/view.py imports ``joinedload``
into its module; tests/test_eager_options.py pins that line and compares every list's statement with SQLAlchemy's
own options)."""
from __future__ import annotations

from sqlalchemy import orm
from sqlalchemy.orm.attributes import QueryableAttribute

#: (kind, id of the attribute) → (the attribute, the option). Bounded by the mapped attributes of the models.
_KEPT: dict[tuple[str, int], tuple] = {}
_KEPT_MAX = 2000


def _kept(kind: str, attribute, make):
    key = (kind, id(attribute))
    entry = _KEPT.get(key)
    if entry is None or entry[0] is not attribute:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        entry = _KEPT[key] = (attribute, make(attribute))
    return entry[1]


def _keepable(keys: tuple, kw: dict) -> bool:
    """One attribute as its mapped class holds it (not an aliased class's or an ``of_type``, made anew each time),
    no arguments."""
    if len(keys) != 1 or kw:
        return False
    attribute = keys[0]
    return (isinstance(attribute, QueryableAttribute) and getattr(attribute.parent, "is_mapper", False)
            and getattr(attribute.class_, attribute.key, None) is attribute)


def joinedload(*keys, **kw):
    """``sqlalchemy.orm.joinedload``; the option of one mapped attribute made once."""
    if _keepable(keys, kw):
        return _kept("joinedload", keys[0], orm.joinedload)
    return orm.joinedload(*keys, **kw)


def defer(key, *addl_attrs, **kw):
    """``sqlalchemy.orm.defer``; the option of one mapped column made once."""
    if not addl_attrs and _keepable((key,), kw):
        return _kept("defer", key, orm.defer)
    return orm.defer(key, *addl_attrs, **kw)


def install() -> None:
    """Flask-Admin's list query takes its auto joins from :func:`joinedload` (the name its module imported)."""
    from flask_admin.contrib.sqla import view

    view.joinedload = joinedload
