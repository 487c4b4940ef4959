"""Issue 16, finding 7: a session cookie copied before sign-out does not work after it, on any server; the
department ends all sessions of a user; deactivating a user or setting a new password ends theirs."""
import time

import pytest

from models import AuditLog, User, db
from views.auth import SESSION_ID_KEY, SESSION_SINCE_KEY, load_user

from .conftest import PASSWORD, count_statements, csrf_from, sign_out


def _login(client, username="editor", password=PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302
    return client


def _copy(cookie_from, to_client):
    """What a thief does with a captured cookie: sends it from another browser."""
    to_client.set_cookie("session", cookie_from.get_cookie("session").value, domain="localhost")
    return to_client


def _signed_in(client) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def second_server(app, app_servers):
    """Another app server: its own process state (Flask app, engine, pool), the same database and key."""
    return app_servers(LOGIN_RATE_LIMIT=app.config["LOGIN_RATE_LIMIT"])


def test_a_cookie_copied_before_sign_out_does_not_work_after_it(app, world):
    victim = _login(app.test_client())
    thief = _copy(victim, app.test_client())
    assert _signed_in(thief)  # the copy works while the session lives (what makes it worth stealing)
    sign_out(victim)
    response = thief.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not _signed_in(victim)


def test_sign_out_on_one_server_ends_the_session_on_the_other(app, world, second_server):
    on_a = _login(app.test_client())
    on_b = _copy(on_a, second_server.test_client())
    assert _signed_in(on_b)  # one session, both servers (the load balancer may send any request anywhere)
    sign_out(on_a)
    assert not _signed_in(on_b)


def test_other_sessions_of_the_user_go_on_after_one_signs_out(app, world):
    office, home = _login(app.test_client()), _login(app.test_client())
    sign_out(office)
    assert _signed_in(home) and not _signed_in(office)


def test_the_department_ends_all_sessions_of_a_user(app, world, login_as):
    editor_id = world["users"]["unit_editor"]
    office, home, leader = login_as("unit_editor"), _login(app.test_client()), login_as("unit_leader")
    dept = login_as("dept_admin")
    page = dept.get(f"/admin/users/details/?id={editor_id}").get_data(as_text=True)
    assert "结束全部登录" in page
    response = dept.post("/admin/users/action/", {"action": "end_sessions", "rowid": editor_id,
                                                  "url": f"/admin/users/details/?id={editor_id}"})
    assert response.status_code == 302
    assert not _signed_in(office.client) and not _signed_in(home)
    assert _signed_in(leader.client) and _signed_in(dept.client)  # only that user's sessions
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(object_type="User", object_id=editor_id,
                                                     note="all sessions ended").one()
        assert entry.username == "dept" and entry.changes == {"session_epoch": [0, 1]}
    assert _signed_in(_login(app.test_client()))  # the user logs in again as usual


def test_the_auditor_cannot_end_sessions(app, world, login_as):
    editor_id = world["users"]["unit_editor"]
    editor, auditor = login_as("unit_editor"), login_as("auditor")
    assert "结束全部登录" not in auditor.get(f"/admin/users/details/?id={editor_id}").get_data(as_text=True)
    auditor.post("/admin/users/action/", {"action": "end_sessions", "rowid": editor_id, "url": "/admin/users/"})
    assert _signed_in(editor.client)


def test_deactivation_ends_the_sessions_and_reactivation_does_not_revive_them(app, world, login_as):
    editor = login_as("unit_editor")
    with app.app_context():
        db.session.get(User, world["users"]["unit_editor"]).active = False
        db.session.commit()
    assert not _signed_in(editor.client)
    with app.app_context():
        db.session.get(User, world["users"]["unit_editor"]).active = True
        db.session.commit()
    assert not _signed_in(editor.client)
    assert _signed_in(_login(app.test_client()))


def test_deactivation_in_the_users_screen_ends_the_sessions(app, world, login_as):
    editor, dept = login_as("unit_editor"), login_as("dept_admin")
    editor_id = world["users"]["unit_editor"]
    response = dept.post(f"/admin/users/edit/?id={editor_id}", {
        "username": "editor", "display_name": "editor", "role": "unit_editor", "unit": world["own_unit"],
        "email": "", "new_password": ""})  # the "active" box left unticked
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, editor_id).active
    assert not _signed_in(editor.client)


def test_a_new_password_ends_the_sessions(app, world, login_as):
    editor = login_as("unit_editor")
    with app.app_context():
        db.session.get(User, world["users"]["unit_editor"]).set_password("another-pass-2026")
        db.session.commit()
    assert not _signed_in(editor.client)


def test_the_user_load_checks_the_revocation_in_the_same_query(app, world, login_as):
    """The per-request cost: one statement loads the user and tells whether the session was signed out."""
    client = login_as("unit_editor")
    with client.client.session_transaction() as stored:
        state = dict(stored)
    with app.test_request_context():
        from flask import session

        session.update(state)
        with count_statements(app) as statements:
            assert load_user(state["_user_id"]) is not None
    assert len(statements) == 1 and "revoked_sessions" in statements[0]


@pytest.mark.parametrize("change", ["no session id", "too old"])
def test_a_session_without_id_or_past_its_life_is_refused(app, world, login_as, change):
    """A reference without a session id (a remember-me cookie, a cookie from before the ids) cannot be
    revoked, so it is refused; a session older than PERMANENT_SESSION_LIFETIME too (that bounds how long a
    revoked id must be kept)."""
    client = login_as("unit_editor")
    with client.client.session_transaction() as stored:
        if change == "no session id":
            del stored[SESSION_ID_KEY]
        else:
            stored[SESSION_SINCE_KEY] = int(time.time() - app.permanent_session_lifetime.total_seconds()) - 1
    assert not _signed_in(client.client)


def test_two_sign_outs_of_one_cookie_at_once_both_end_well(app, world):
    """Two tabs (or two servers) signing out the same session at the same moment: both record the revocation,
    neither answers 500 (a primary-key race on revoked_sessions, found in review)."""
    import threading

    original = _login(app.test_client())
    clients = [_copy(original, app.test_client()) for _ in range(6)]
    start, answers = threading.Barrier(len(clients)), []

    def sign_out_now(client):
        start.wait()
        answers.append(client.get("/logout").status_code)  # GET|POST /logout: a scripted GET signs out

    threads = [threading.Thread(target=sign_out_now, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302] * len(clients)
    assert not _signed_in(original)
