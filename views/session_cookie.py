"""Flask's signed-cookie sessions, with a cookie's verified content kept per process (issue 18 item 2).

Every request verified the session cookie afresh — a key derived and an HMAC computed, the payload's base64 and
tagged JSON decoded: about a twentieth of a list page's time outside SQL, for a cookie that does not change
between a user's requests (the session is not permanent, so Flask writes the cookie only when it changes).

Here a cookie verified once is remembered with what it says: the same cookie text is then answered from memory,
as long as the app's secret keys are the ones that verified it and the cookie is younger than the sessions' lifetime
(the age is checked on every request, as itsdangerous checks it). Only that exact cookie text gets the content — a
changed or forged cookie is verified the usual way — and only content of plain values (text, numbers) is kept. The
content says who the user is; whether that session is still valid (signed out on any server, password changed,
deactivated) is decided by views/auth.py ``load_user`` from the database on every request, as before."""
from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

#: Most cookies kept (a full store is emptied: the next request of each user verifies its cookie again).
KEPT_MAX = 10_000
_PLAIN = (str, int, float, bool, type(None))


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        val = request.cookies.get(self.get_cookie_name(app))
        if not val or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept: dict = app.extensions.setdefault("xmt_session_cookies", {})
        entry = kept.get(val)
        if entry is not None and entry[0] == keys and 0 <= int(time.time()) - entry[1] <= max_age:
            return self.session_class(entry[2])
        serializer = self.get_signing_serializer(app)
        try:
            data, signed_at = serializer.loads(val, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(type(value) in _PLAIN for value in data.values()):
            if len(kept) >= KEPT_MAX:
                kept.clear()
            kept[val] = (keys, int(signed_at.timestamp()), tuple(data.items()))
        return self.session_class(data)
