"""A rule's refusal as data: which field is wrong and why, in the user's language.

The rules (services/accounts.py) return lists of problems and never raise; each entry point turns
them into what it shows: the form a ``wtforms.ValidationError``, the workflow and the bulk actions a
``TransitionError``, the Excel import an error at the sheet's row and column.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field as dataclass_field

from flask_babel import gettext


@dataclass(frozen=True)
class Problem:
    #: The model attribute, or a logical field ("team", "head", "admins", …) the entry point maps.
    field: str
    #: Translated text shown to the user.
    message: str
    #: The row the problem is about, where a field has several (a person of a management team), for an entry
    #: point that shows the problem next to that row; not part of the problem's identity.
    about: object = dataclass_field(default=None, compare=False, repr=False)


def first_message(problems: Iterable[Problem], record=None) -> str | None:
    """The first problem's message (prefixed with the record's name when one is given), or None."""
    problem = next(iter(problems), None)
    if problem is None:
        return None
    if record is None:
        return problem.message
    return gettext("“%(record)s”: %(problem)s", record=str(record), problem=problem.message)


def raise_first(problems: Iterable[Problem], exc_type: type[Exception], record=None) -> None:
    """Raise ``exc_type`` with the first problem's message; nothing when there is none. ``record`` names
    the row in a message of a step taken on many rows at once."""
    message = first_message(problems, record)
    if message is not None:
        raise exc_type(message)
