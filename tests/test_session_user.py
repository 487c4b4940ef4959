"""The signed-in user is read as a Core row and made into the session's own ORM objects (models/persistent.py,
views/auth.py ``load_user``): the same values and state as the ORM's load, changes flushed as usual, the columns
left out read on first use, no object kept beyond its request, and each request gets its own user."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models import Unit, User, db
from views import auth

from .conftest import USERNAMES, count_statements


def _session_user(app, username):
    user_id = db.session.query(User.id).filter_by(username=username).scalar()
    db.session.expunge_all()
    row = db.session.connection().execute(auth._user_statement(), {"user_id": user_id, "session_id": "none"}).one()
    return auth._session_user(row)


def test_the_user_made_from_a_row_is_the_orm_user(app, world):
    with app.test_request_context("/"):
        for username in (USERNAMES["unit_editor"], USERNAMES["dept_admin"]):
            user = _session_user(app, username)
            state = sa.inspect(user)
            assert state.persistent and not state.modified and user in db.session
            assert db.session.get(User, user.id) is user  # the session's own object for the row
            loaded = {key: getattr(user, key) for key in sa.inspect(User).column_attrs.keys()}  # unloaded ones read
            unit = user.unit
            assert unit is None or (sa.inspect(unit).persistent and db.session.get(Unit, unit.id) is unit)
            db.session.expunge_all()
            orm = db.session.get(User, loaded["id"])
            assert {key: getattr(orm, key) for key in loaded} == loaded
            assert (orm.unit.name if orm.unit else None) == (unit.name if unit else None)
            db.session.expunge_all()


def test_a_change_to_the_user_is_flushed_as_an_update_of_that_column(app, world):
    with app.test_request_context("/"):
        user = _session_user(app, USERNAMES["unit_editor"])
        with count_statements(app) as statements:
            user.display_name = "改过的名字"
            db.session.flush()
        updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
        assert len(updates) == 1 and "display_name" in updates[0] and "password_hash" not in updates[0]
        db.session.rollback()


def test_the_columns_left_out_are_read_on_first_use_in_one_statement(app, world):
    with app.test_request_context("/"):
        user = _session_user(app, USERNAMES["unit_editor"])
        with count_statements(app) as statements:
            assert user.failed_logins is not None
            assert [user.staff_no, user.locked_until, user.last_login_at] is not None  # read with the first
            assert user.unit.leader_name is None or user.unit.leader_name
        assert len(statements) == 2  # the user's other columns, then the unit's


def test_the_session_already_holding_the_user_gives_its_own_object(app, world):
    with app.test_request_context("/"):
        user_id = db.session.query(User.id).filter_by(username=USERNAMES["unit_editor"]).scalar()
        held = db.session.get(User, user_id)
        row = db.session.connection().execute(auth._user_statement(), {"user_id": user_id, "session_id": "x"}).one()
        assert auth._session_user(row) is held


def test_each_request_gets_its_own_user_and_unit(app, login_as):
    menu = re.compile(r'id="user-menu".*?</ul>', re.S)
    with app.app_context():
        expected = {role: (u.display_name, u.unit.name if u.unit else None) for role, u in (
            (role, db.session.query(User).filter_by(username=USERNAMES[role]).one())
            for role in ("unit_editor", "other_editor", "dept_admin"))}
    for _round in range(2):
        for role, (name, unit) in expected.items():
            html = menu.search(login_as(role).get("/admin/accounts/").get_data(as_text=True)).group(0)
            assert name in html and ((f" · {unit}" in html) if unit else (" · " not in html)), role
