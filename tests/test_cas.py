"""统一身份认证 (CAS) sign-in against a CAS 3.0 server on loopback (issue 17, part 1).

The server below answers as the CAS protocol specification (apereo.github.io/cas, "CAS Protocol 3.0
Specification") says: /login redirects to the service with a one-time service ticket; /serviceValidate and
/p3/serviceValidate answer ``authenticationSuccess`` (with ``cas:attributes``) or ``authenticationFailure``
with INVALID_TICKET (unknown or already validated ticket) or INVALID_SERVICE (the ticket was issued for
another service; the ticket is then invalidated too)."""
from __future__ import annotations

import itertools
import socket
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from models import AuditAction, AuditLog, CasTicket, RevokedSession, User, db

from .conftest import USERNAMES, csrf_from, sign_out
from .factories import PASSWORD

SERVICE_BASE = "https://xmt.example.edu.cn"
SERVICE = SERVICE_BASE + "/cas/callback"
NS = "http://www.yale.edu/tp/cas"


class CasServer:
    """A CAS 3.0 server: ``self.user`` is who signs in at /login; tickets are valid once, for one service."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.user = delay, "2001001"
        self.tickets: dict[str, tuple[str, str]] = {}  # ticket → (service, user)
        self.validations: list[str] = []
        self.logouts: list[str | None] = []
        self.counter = itertools.count(1)
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cas/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def issue(self, service: str = SERVICE, user: str | None = None) -> str:
        ticket = f"ST-{next(self.counter)}-loopbackcas"
        self.tickets[ticket] = (service, user or self.user)
        return ticket

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if self.delay:
            time.sleep(self.delay)
        path = request.path.removeprefix("/cas")
        if path == "/login":
            service = request.args["service"]
            ticket = self.issue(service)
            response = Response(status=302, headers={"Location": f"{service}?{urlencode({'ticket': ticket})}"})
        elif path in ("/serviceValidate", "/p3/serviceValidate"):
            response = Response(self.validate(request.args.get("ticket", ""), request.args.get("service", ""),
                                              attributes=path.startswith("/p3")),
                                content_type="application/xml; charset=utf-8")
            self.validations.append(path)
        elif path == "/logout":  # CAS 3.0: sign out, then follow ``service`` (when the server allows it)
            self.logouts.append(request.args.get("service"))
            response = (Response(status=302, headers={"Location": request.args["service"]})
                        if request.args.get("service") else Response("已退出统一身份认证"))
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def validate(self, ticket: str, service: str, attributes: bool) -> str:
        issued = self.tickets.pop(ticket, None)  # a ticket is validated once, whatever the answer
        if issued is None:
            return self.failure("INVALID_TICKET", f"Ticket {ticket} not recognized")
        if issued[0] != service:
            return self.failure("INVALID_SERVICE", f"Ticket {ticket} does not match supplied service.")
        extra = ("<cas:attributes><cas:displayName>张伟</cas:displayName><cas:mail>zw@example.edu.cn</cas:mail>"
                 "<cas:memberOf>staff</cas:memberOf><cas:memberOf>kjxy</cas:memberOf></cas:attributes>"
                 if attributes else "")
        return (f'<cas:serviceResponse xmlns:cas="{NS}"><cas:authenticationSuccess>'
                f"<cas:user>{escape(issued[1])}</cas:user>{extra}</cas:authenticationSuccess></cas:serviceResponse>")

    @staticmethod
    def failure(code: str, text: str) -> str:
        return (f'<cas:serviceResponse xmlns:cas="{NS}"><cas:authenticationFailure code="{code}">{text}'
                "</cas:authenticationFailure></cas:serviceResponse>")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def logout_request(ticket: str) -> str:
    return ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1-abc" Version="2.0" '
            'IssueInstant="2026-12-01T10:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
            f"<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>")


@pytest.fixture
def cas_server():
    with CasServer() as server:
        yield server


def configure(monkeypatch, app, server_url: str, version: str = "3", timeout: float = 5, local: bool = True):
    for key, value in {"CAS_SERVER_URL": server_url, "CAS_VERSION": version, "CAS_SERVICE_URL": SERVICE_BASE,
                       "CAS_TIMEOUT": timeout, "CAS_LOCAL_LOGIN": local}.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def cas(app, world, cas_server, monkeypatch):
    configure(monkeypatch, app, cas_server.url)
    with app.app_context():
        for role, staff_no in (("unit_editor", "2001001"), ("dept_admin", "1990001"), ("unit_leader", "2001002")):
            db.session.query(User).filter_by(username=USERNAMES[role]).one().staff_no = staff_no
        db.session.commit()
    return cas_server


def round_trip(client, server: CasServer, next_url: str | None = None, user: str | None = None):
    """The browser's CAS round trip: /cas/login → the CAS server's /login → back to /cas/callback."""
    if user:
        server.user = user
    response = client.get("/cas/login" + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    assert response.status_code == 302
    to_cas = urlsplit(response.headers["Location"])
    assert f"{to_cas.scheme}://{to_cas.netloc}{to_cas.path}" == server.url + "login"
    assert parse_qs(to_cas.query)["service"] == [SERVICE]  # fixed by the configuration
    import requests

    back = requests.get(response.headers["Location"], allow_redirects=False, timeout=5)
    target = urlsplit(back.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == SERVICE
    return client.get(f"{target.path}?{target.query}"), parse_qs(target.query)["ticket"][0]


def entries(app, action):
    with app.app_context():
        return [(e.username, e.note) for e in db.session.query(AuditLog).filter_by(action=action).order_by(AuditLog.id)]


@pytest.mark.parametrize("role", ["unit_editor", "dept_admin"])
def test_sign_in_through_cas(app, cas, role):
    client = app.test_client()
    staff_no = {"unit_editor": "2001001", "dept_admin": "1990001"}[role]
    response, ticket = round_trip(client, cas, user=staff_no)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200
    assert cas.validations == ["/p3/serviceValidate"]
    with client.session_transaction() as stored:
        assert stored["_cas"] is True and stored["_sid"]
        sid = stored["_sid"]
    with app.app_context():
        row = db.session.get(CasTicket, ticket)
        assert row.session_id == sid
        user = db.session.get(User, row.user_id)
        assert user.username == USERNAMES[role] and user.last_login_at is not None
    assert entries(app, AuditAction.login) == [(USERNAMES[role], "CAS")]


def test_cas_2_protocol(app, cas, monkeypatch):
    monkeypatch.setitem(app.config, "CAS_VERSION", "2")
    response, _ = round_trip(app.test_client(), cas)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/admin/"
    assert cas.validations == ["/serviceValidate"]


def test_next_is_kept_same_site_only(app, cas):
    client = app.test_client()
    response, _ = round_trip(client, cas, next_url="/admin/accounts/?page=2")
    assert response.headers["Location"].endswith("/admin/accounts/?page=2")
    for evil in ("//evil.example", "http://evil.example", "/\\evil.example", "javascript:alert(1)"):
        client = app.test_client()
        # Dropped before the CAS round trip (app.py refuses an off-site next= on every path) …
        dropped = client.get(f"/cas/login?{urlencode({'next': evil})}")
        assert dropped.status_code == 302 and dropped.headers["Location"] == "/cas/login"
        # … and an off-site page never waits in the session for the way back.
        with client.session_transaction() as stored:
            stored["_cas_next"] = evil
        response = client.get(f"/cas/callback?ticket={cas.issue()}")
        assert urlsplit(response.headers["Location"]).path == "/admin/"
        assert "evil" not in response.headers["Location"]


def test_replayed_ticket_refused(app, cas):
    client = app.test_client()
    response, ticket = round_trip(client, cas)
    assert response.status_code == 302
    other = app.test_client()
    replay = other.get(f"/cas/callback?ticket={ticket}")
    assert replay.status_code == 403
    assert "该登录票据已经使用过" in replay.get_data(as_text=True)
    assert other.get("/admin/").status_code == 302  # not signed in
    assert len(cas.validations) == 1  # refused here, not even sent to the CAS server again
    assert ("ticket used before" in (entries(app, AuditAction.login_failed)[-1][1] or ""))


@pytest.mark.parametrize("case", ["invalid_ticket", "invalid_service", "validated_elsewhere"])
def test_ticket_the_cas_server_refuses(app, cas, case):
    if case == "invalid_ticket":
        ticket = "ST-999-forged"
    elif case == "invalid_service":
        ticket = cas.issue(service="https://other-system.example.edu.cn/cas/callback")
    else:  # validated once by the CAS server already (another app server, a replay), never seen here
        ticket = cas.issue()
        cas.tickets.pop(ticket)
    client = app.test_client()
    response = client.get(f"/cas/callback?ticket={ticket}")
    assert response.status_code == 403
    assert "统一身份认证未通过本次登录" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert entries(app, AuditAction.login_failed) == [(None, "CAS: ticket not accepted")]
    assert entries(app, AuditAction.login) == []


def test_unknown_staff_number_refused(app, cas):
    client = app.test_client()
    response, _ = round_trip(client, cas, user="2999999")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "工号 2999999" in page and "宣传部系统管理员" in page
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(staff_no="2999999").count() == 0  # no account created
    assert entries(app, AuditAction.login_failed) == [("2999999", "CAS: unknown staff number")]


def test_deactivated_login_refused(app, cas):
    with app.app_context():
        db.session.query(User).filter_by(username="editor").one().active = False
        db.session.commit()
    client = app.test_client()
    response, _ = round_trip(client, cas, user="2001001")
    assert response.status_code == 403
    assert "登录帐号已停用" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert entries(app, AuditAction.login_failed) == [("editor", "CAS: login deactivated")]


def test_sign_out_goes_to_cas_logout(app, cas):
    client = app.test_client()
    round_trip(client, cas)
    with client.session_transaction() as stored:
        sid = stored["_sid"]
    response = sign_out(client)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == cas.url + "logout"
    assert parse_qs(location.query)["service"] == [SERVICE_BASE + "/login"]
    with app.app_context():
        assert db.session.get(RevokedSession, sid) is not None
    assert entries(app, AuditAction.logout)[-1][0] == "editor"


def test_password_sign_out_stays_here(app, cas, login_as):
    client = login_as("dept_admin")
    response = sign_out(client)
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_back_channel_logout_ends_the_session(app, cas):
    client = app.test_client()
    _, ticket = round_trip(client, cas)
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as stored:
        copied = dict(stored)
    # The CAS server posts from elsewhere: no cookie, no CSRF token.
    posted = app.test_client().post("/cas/callback", data={"logoutRequest": logout_request(ticket)})
    assert posted.status_code == 200
    assert urlsplit(client.get("/admin/").headers["Location"]).path == "/login"
    replay = app.test_client()  # the copied cookie, on any server, goes to the login page
    with replay.session_transaction() as stored:
        stored.update(copied)
    response = replay.get("/admin/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    with app.app_context():
        assert db.session.get(RevokedSession, copied["_sid"]) is not None
    assert entries(app, AuditAction.logout) == [("editor", "CAS back-channel logout")]


@pytest.mark.parametrize("body", [{"logoutRequest": logout_request("ST-unknown")}, {"logoutRequest": "<not xml"},
                                  {}])
def test_back_channel_logout_of_nothing(app, cas, body):
    client = app.test_client()
    round_trip(client, cas)
    assert app.test_client().post("/cas/callback", data=body).status_code == 200
    assert client.get("/admin/").status_code == 200  # still signed in


def test_only_the_back_channel_is_csrf_exempt(app, cas):
    assert app.test_client().post("/login", data={"username": "dept", "password": "x"}).status_code == 400


@pytest.mark.parametrize("kind", ["slow", "unreachable"])
def test_cas_server_down_gives_a_clear_page(app, world, monkeypatch, kind):
    if kind == "slow":
        server = CasServer(delay=2.0)
        server.__enter__()
        url = server.url
    else:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{sock.getsockname()[1]}/cas/"
        server = None
    try:
        configure(monkeypatch, app, url, timeout=0.3)
        client = app.test_client()
        response = client.get("/cas/callback?ticket=ST-1-abc")
        assert response.status_code == 503
        assert "统一身份认证服务器没有及时响应" in response.get_data(as_text=True)
        assert client.get("/admin/").status_code == 302
        note = entries(app, AuditAction.login_failed)[0][1]
        assert note.startswith("CAS: server unavailable")
    finally:
        if server is not None:
            server.__exit__()


def test_login_page_offers_cas(app, cas):
    page = app.test_client().get("/login?next=/admin/accounts/").get_data(as_text=True)
    assert "统一身份认证登录" in page and 'name="password"' in page
    assert "/cas/login?next=/admin/accounts/" in page or "/cas/login?next=%2Fadmin%2Faccounts%2F" in page


def test_cas_only_hides_and_refuses_the_password_form(app, cas, monkeypatch):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))  # a form opened before the switch
    monkeypatch.setitem(app.config, "CAS_LOCAL_LOGIN", False)
    page = client.get("/login").get_data(as_text=True)
    assert "统一身份认证登录" in page and 'name="password"' not in page
    response = client.post("/login", data={"username": "dept", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 403
    assert client.get("/admin/").status_code == 302
    assert entries(app, AuditAction.login) == []


def test_without_cas(app, world):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "统一身份认证登录" not in page and 'name="password"' in page
    assert client.get("/cas/login").status_code == 404
    assert client.get("/cas/callback?ticket=ST-1").status_code == 404
    assert client.post("/cas/callback", data={"logoutRequest": logout_request("ST-1")}).status_code == 404


def test_cas_server_allowed_as_form_target(app, cas):
    """The sign-out form's answer redirects to the CAS server: the CSP's form-action lets it (browsers apply
    form-action to a form's redirects); without CAS it stays 'self'."""
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    origin = cas.url.rsplit("/cas/", 1)[0]
    assert f"form-action 'self' {origin};" in policy


@pytest.mark.parametrize("settings", [{"CAS_VERSION": "4"}, {"CAS_SERVICE_URL": ""},
                                      {"CAS_SERVER_URL": "authserver.example.edu.cn"}])
def test_half_configured_cas_refuses_to_start(settings):
    from app import create_app

    config = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "CAS_SERVER_URL": "https://authserver.example.edu.cn/authserver/",
              "CAS_SERVICE_URL": SERVICE_BASE, "CAS_VERSION": "3", **settings}
    with pytest.raises(RuntimeError, match="CAS_"):
        create_app(config)


def test_unknown_staff_number_is_shown_as_text(app, cas):
    """The 工号 comes from the CAS server: shown escaped, never as markup."""
    response, _ = round_trip(app.test_client(), cas, user="<b>2001</b>")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "<b>2001</b>" not in page and "&lt;b&gt;2001&lt;/b&gt;" in page
