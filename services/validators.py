"""WTForms validators for the register's rules, with messages an office worker understands."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.validators import URL, Email, Regexp

from services.text import local_today

#: Mainland mobile (1[3-9]xxxxxxxxx) or landline with area code (0871-65023456, extension optional).
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$"

unit_code = Regexp(r"^[A-Z0-9]{1,20}$",
                   message=_l("A unit code is 1 to 20 upper-case letters or digits, e.g. XCB or CS01."))
phone = Regexp(PHONE_PATTERN,
               message=_l("Enter a mainland mobile number (11 digits) or a landline such as 0871-65023456."))
email = Email(message=_l("Enter a valid e-mail address."), check_deliverability=False)


def optional_phone(form, field):
    if field.data:
        field.data = field.data.strip()
        if not re.match(PHONE_PATTERN, field.data):
            raise ValidationError(phone.message)


#: A web address as the account form checks it (homepage_url) and the 发布报批's publication link.
web_address = URL(message=_l("Enter a full address starting with http:// or https://."))


def web_address_problem(value: str | None) -> str | None:
    """Why ``value`` is not a full http(s) address (None: it is one): the account form's check, for the rules."""
    try:
        web_address(None, SimpleNamespace(data=value or "", errors=[]))
    except ValidationError as error:
        return str(error)
    return None


def in_future(value) -> bool:
    """Whether a date, or a stored time (naive UTC), lies in the future. For a date: after today where the user
    is (the configured zone) or on the server, whichever is later — never a false refusal. The rule every entry
    point asks (the forms below, services/incidents.py, services/violations.py)."""
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        return value > dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=1)
    return value > max(dt.date.today(), local_today())


#: The message of :func:`in_future`.
FUTURE_DATE = _l("This date is in the future.")


def not_in_future(form, field):
    if in_future(field.data):
        raise ValidationError(FUTURE_DATE)
