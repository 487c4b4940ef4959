"""The password policy for new passwords (login screen, user admin, command line)."""
from __future__ import annotations

from flask_babel import gettext

MIN_PASSWORD = 10


def password_problem(username: str, password: str) -> str | None:
    """What is wrong with a new password, as a sentence for the user, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return gettext("A password has at least %(n)s characters.", n=MIN_PASSWORD)
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        return gettext("A password mixes letters and digits.")
    if username and username.lower() in password.lower():
        return gettext("A password must not contain the user name.")
    return None
