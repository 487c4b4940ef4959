"""Loader options made once per mapped attribute (admin/eager.py): each is SQLAlchemy's own option, the list
pages send exactly the statements they sent with options made anew, and Flask-Admin's auto joins take them."""
from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from admin import eager
from models import Account, ChangeRecord, MonthlyReport, Unit, db

VIEWS = ("accounts", "managers", "reports", "changes", "violations", "assessments", "audit", "units", "users",
         "calendar")


def _sql(query) -> str:
    return str(query.statement.compile(dialect=db.engine.dialect))


def test_an_option_of_one_attribute_is_made_once_and_is_sqlalchemys(app):
    with app.app_context():
        assert eager.joinedload(MonthlyReport.unit) is eager.joinedload(MonthlyReport.unit)
        assert eager.defer(ChangeRecord.before) is eager.defer(ChangeRecord.before)
        assert eager.joinedload(MonthlyReport.unit) is not eager.joinedload(MonthlyReport.account)
        for model, kept, fresh in (
                (MonthlyReport, eager.joinedload(MonthlyReport.unit), orm.joinedload(MonthlyReport.unit)),
                (ChangeRecord, eager.defer(ChangeRecord.before), orm.defer(ChangeRecord.before))):
            query = db.session.query(model)
            assert _sql(query.options(kept)) == _sql(query.options(fresh))
            assert (query.options(kept).statement._generate_cache_key()
                    == query.options(fresh).statement._generate_cache_key())


def test_aliases_chains_and_arguments_are_made_anew(app):
    with app.app_context():
        other = orm.aliased(Unit)
        assert eager.joinedload(Account.unit.of_type(other)) is not eager.joinedload(Account.unit.of_type(other))
        assert eager.joinedload(Account.unit, innerjoin=True) is not eager.joinedload(Account.unit, innerjoin=True)
        query = db.session.query(Account)
        assert (_sql(query.options(eager.joinedload(Account.unit, innerjoin=True)))
                == _sql(query.options(orm.joinedload(Account.unit, innerjoin=True))))


def test_flask_admins_auto_joins_take_the_kept_options(app):
    from flask_admin.contrib.sqla import view

    assert view.joinedload is eager.joinedload
    source = inspect.getsource(view.ModelView.get_list)
    assert "for j in self._auto_joins:\n            query = query.options(joinedload(j))" in source


@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_every_list_sends_the_statements_it_sent_with_options_made_anew(app, access_world, login_as, monkeypatch,
                                                                          role):
    client = login_as(role)
    sent = []

    def note(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, repr(parameters)))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        pages = {}
        for keep in (True, False, True):
            if not keep:
                monkeypatch.setattr(eager, "_keepable", lambda keys, kw: False)
            else:
                monkeypatch.undo()
            for name in VIEWS:
                del sent[:]
                response = client.get(f"/admin/{name}/")
                pages.setdefault(name, []).append((response.status_code, list(sent)))
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    for name, runs in pages.items():
        assert runs[0][0] in (200, 403) and runs[0][1], name  # a unit user may not list units or users
        assert runs[0] == runs[1] == runs[2], name
