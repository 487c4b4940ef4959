"""Review values (models.review.ReviewMixin) survive every migration, on the database under test.

A scratch database is built at the first revision, filled with reviewed records (an approved account, change
request and monthly report with opinions, signers and times; a returned one of each), then upgraded one
revision at a time to head: after each step every review value is read back unchanged (SQLite's batch mode
copies whole tables), and at head through the models (relationships included). The newest migration's
downgrade and upgrade again keep them too. The scratch database is a temporary SQLite file, or on PostgreSQL
``<DATABASE_URL's database>_migrations``, created and dropped here (the session's app database is untouched).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from app import create_app
from models import Account, ChangeRecord, Incident, MonthlyReport, Publication, db

TABLES = {"accounts": Account, "change_records": ChangeRecord, "monthly_reports": MonthlyReport,
          "incidents": Incident, "publications": Publication}
#: Tables made by a later migration: their rows are written when that revision is reached and checked from there.
BORN = {"incidents": "ic4d2e8f1a93", "publications": "pb12a7c3e9f1"}
REVIEW_COLUMNS = ("submitted_at", "is_late", "unit_opinion", "unit_signed_by_id", "unit_signed_at", "dept_opinion",
                  "approved_by_id", "approved_at", "return_reason", "status")
EDITOR, LEADER, DEPT = 1, 2, 3
AT = dt.datetime(2026, 9, 7, 9, 30, 15, 123456)  # microseconds: no precision may be lost on the way


def _approved(day: int, words: str) -> dict:
    """Every review column filled, as services/workflow.py leaves an approved record."""
    return {"status": "approved", "submitted_at": AT.replace(day=day), "is_late": True,
            "unit_opinion": f"同意{words}，情况属实。", "unit_signed_by_id": LEADER,
            "unit_signed_at": AT.replace(day=day + 1, hour=14), "dept_opinion": f"同意{words}（宣传部）。",
            "approved_by_id": DEPT, "approved_at": AT.replace(day=day + 2, hour=16), "return_reason": None}


def _returned(day: int, words: str) -> dict:
    """Confirmed by the unit, then returned by the department: the approval columns stay empty."""
    return {"status": "returned", "submitted_at": AT.replace(day=day), "is_late": False,
            "unit_opinion": "已核实。", "unit_signed_by_id": LEADER, "unit_signed_at": AT.replace(day=day, hour=18),
            "dept_opinion": None, "approved_by_id": None, "approved_at": None,
            "return_reason": f"{words}：请补充说明 \"原因\" 与 O'Brien's 附件。"}


#: id → the review values of each row, per table.
EXPECTED = {
    "accounts": {1: _approved(7, "备案"), 2: _returned(8, "帐号简介不完整")},
    "change_records": {1: _approved(14, "变更"), 2: _returned(15, "变更理由不清")},
    "monthly_reports": {1: _approved(3, "月报"), 2: _returned(4, "发布数量有误")},
    # 第十四条: the department's approve is 已处置
    "incidents": {1: {**_approved(23, "处置"), "status": "handled"}, 2: _returned(24, "请补充处置措施")},
    "publications": {1: _approved(21, "发布"), 2: _returned(22, "拟发布内容需核实")},
}


def _session_url() -> sa.URL | None:
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return None
    return sa.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _scratch_url(tmpdir: str) -> str:
    session = _session_url()
    if session is None:
        return f"sqlite:///{tmpdir}/migrations.sqlite3"
    return session.set(database=f"{session.database}_migrations").render_as_string(hide_password=False)


def _recreate_scratch_database(url: str, drop_only: bool = False) -> None:
    """On PostgreSQL, (re)create the scratch database, connected to the session's database to do it."""
    session = _session_url()
    if session is None:
        return
    name = sa.make_url(url).database
    engine = sa.create_engine(session, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


@pytest.fixture
def scratch_app():
    tmpdir = tempfile.mkdtemp(prefix="xmt-migrations-")
    url = _scratch_url(tmpdir)
    _recreate_scratch_database(url)
    scratch = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                          "SERVER_NAME": "localhost"})
    try:
        with scratch.app_context():
            yield scratch
            db.session.remove()
            db.engine.dispose()
    finally:
        _recreate_scratch_database(url, drop_only=True)
        shutil.rmtree(tmpdir, ignore_errors=True)


def _revisions() -> list[str]:
    """Every revision, first to head (one line of history)."""
    from flask import current_app

    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1, "the migrations have more than one head"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _insert_records(conn) -> None:
    """The rows, written with the tables as they are at the first revision (not the models of today)."""
    meta = sa.MetaData()
    meta.reflect(conn, only=["units", "users", "accounts", "change_records", "monthly_reports"])
    t = meta.tables
    now = dt.datetime(2026, 9, 1, 8)
    stamps = {"created_at": now, "updated_at": now}
    conn.execute(t["units"].insert(), [{"id": 1, "code": "KJXY", "name": "会计学院", "kind": "college",
                                        "active": True, **stamps}])
    conn.execute(t["users"].insert(), [
        {"id": uid, "username": name, "display_name": name, "password_hash": "-", "role": role,
         "unit_id": unit, "active": True, "failed_logins": 0, **stamps}
        for uid, name, role, unit in ((EDITOR, "editor", "unit_editor", 1), (LEADER, "leader", "unit_leader", 1),
                                      (DEPT, "dept", "dept_admin", None))])
    conn.execute(t["accounts"].insert(), [
        {"id": aid, "name": f"会计学院帐号{aid}", "platform": "weibo", "platform_account_id": f"kjxy-{aid}",
         "creator_entity": "会计学院", "unit_id": 1, "created_on": dt.date(2026, 9, 1), "verified": False,
         "maintenance": "self_run", "in_matrix": values["status"] == "approved",
         "registration_due": dt.date(2026, 9, 8), "version": 3, **stamps, **values}
        for aid, values in EXPECTED["accounts"].items()])
    conn.execute(t["change_records"].insert(), [
        {"id": cid, "account_id": 1, "unit_id": 1, "kind": "name", "changed_on": dt.date(2026, 9, 10),
         "before": {"name": "会计学院帐号1"}, "after": {"name": f"会计学院新帐号{cid}"}, "reason": "更名",
         "due_on": dt.date(2026, 9, 17), "version": 3, **stamps, **values}
        for cid, values in EXPECTED["change_records"].items()])
    conn.execute(t["monthly_reports"].insert(), [
        {"id": rid, "account_id": 1, "unit_id": 1, "period": dt.date(2026, 8 + rid, 1),
         "snapshot_unit_name": "会计学院", "snapshot_platform": "weibo", "snapshot_account_name": "会计学院帐号1",
         "snapshot_staff": [{"name": "张伟", "role": "head"}], "post_count": 12, "topics": "迎新",
         "involves_classified": False, "version": 3, **stamps, **values}
        for rid, values in EXPECTED["monthly_reports"].items()])


def _insert_publications(conn) -> None:
    """发布报批 rows, written with the table as its own migration made it."""
    meta = sa.MetaData()
    meta.reflect(conn, only=["publications", "publication_accounts"])
    t = meta.tables
    now = dt.datetime(2026, 9, 20, 8)
    conn.execute(t["publications"].insert(), [
        {"id": pid, "unit_id": 1, "topic": "major_event", "urgency": "urgent", "headline": f"报批{pid}",
         "body": "拟发布的文字", "planned_at": dt.datetime(2026, 9, 30, 2), "version": 3, "created_at": now,
         "updated_at": now, **values}
        for pid, values in EXPECTED["publications"].items()])
    conn.execute(t["publication_accounts"].insert(), [{"publication_id": pid, "account_id": 1}
                                                      for pid in EXPECTED["publications"]])


def _insert_incidents(conn) -> None:
    """第十四条 incidents, written with the table as its own migration made it."""
    meta = sa.MetaData()
    meta.reflect(conn, only=["incidents"])
    now = dt.datetime(2026, 9, 20, 8)
    conn.execute(meta.tables["incidents"].insert(), [
        {"id": iid, "account_id": 1, "unit_id": 1, "kind": "public_opinion", "description": f"事件{iid}",
         "found_at": dt.datetime(2026, 9, 20, 1), "found_by": "值班员", "action_taken": "已删除",
         "handled_at": dt.datetime(2026, 9, 20, 5), "version": 3, "created_at": now, "updated_at": now, **values}
        for iid, values in EXPECTED["incidents"].items()])


#: How the rows of a table of BORN are written when its revision is reached.
BORN_INSERTS = {"incidents": _insert_incidents, "publications": _insert_publications}


def _insert_born(conn, revision: str) -> None:
    for name, born in BORN.items():
        if born == revision:
            BORN_INSERTS[name](conn)


def _present(revisions: list[str], revision: str) -> list[str]:
    """The tables of EXPECTED whose rows exist at ``revision``."""
    position = revisions.index(revision)
    return [name for name in EXPECTED if name not in BORN or revisions.index(BORN[name]) <= position]


def _assert_rows_kept(conn, revision: str, tables: list[str] | None = None) -> None:
    tables = list(EXPECTED) if tables is None else tables
    meta = sa.MetaData()
    meta.reflect(conn, only=tables)
    for name, rows in ((name, EXPECTED[name]) for name in tables):
        table = meta.tables[name]
        found = {row.id: row._asdict() for row in
                 conn.execute(sa.select(table.c.id, *(table.c[c] for c in REVIEW_COLUMNS)).order_by(table.c.id))}
        assert set(found) == set(rows), f"{name} rows after {revision}: {sorted(found)}"
        for row_id, values in rows.items():
            kept = {column: found[row_id][column] for column in values}
            assert kept == values, f"{name} #{row_id} after {revision}"


def _assert_models_read_them() -> None:
    for name, model in TABLES.items():
        for row_id, values in EXPECTED[name].items():
            record = db.session.get(model, row_id)
            for column, value in values.items():
                read = getattr(record, column)
                assert (read.name if column == "status" else read) == value, f"{model.__name__}#{row_id}.{column}"
            assert record.unit_signed_by.username == "leader"
            assert (record.approved_by.username if record.approved_by else None) == \
                ("dept" if values["approved_by_id"] else None)
        late = db.session.scalars(sa.select(model.id).where(model.is_late, model.approved_by_id == DEPT)).all()
        assert late == [1], model.__name__


def _assert_approved_needs_time() -> None:
    """ck_<table>_approved_has_time (an incident's ck_incidents_handled_is_approved) survived the table copies: an
    approved row cannot lose its time (the tables of EXPECTED all exist at head)."""
    for name in EXPECTED:
        with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text(f"UPDATE {name} SET approved_at = NULL WHERE id = 1"))


def test_review_values_survive_every_migration(scratch_app):
    revisions = _revisions()
    first, head = revisions[0], revisions[-1]
    flask_migrate.upgrade(revision=first)
    with db.engine.begin() as conn:
        _insert_records(conn)

    for revision in revisions[1:]:
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as conn:
            _insert_born(conn, revision)
        with db.engine.connect() as conn:
            _assert_rows_kept(conn, revision, _present(revisions, revision))

    _assert_models_read_them()
    db.session.remove()
    _assert_approved_needs_time()

    # Down one revision at a time to the first (rows in every table: on SQLite the batch migrations rebuild
    # tables that other rows point at), then up to head again.
    # A table made by a later migration goes with its downgrade (and its rows): written again when it is back.
    for previous in reversed(revisions[:-1]):
        flask_migrate.downgrade(revision=previous)
        with db.engine.connect() as conn:
            _assert_rows_kept(conn, f"downgrade to {previous}", _present(revisions, previous))
    for revision in revisions[1:]:
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as conn:
            _insert_born(conn, revision)
    with db.engine.connect() as conn:
        _assert_rows_kept(conn, f"upgrade to {head} again")
    _assert_models_read_them()


def test_every_reviewed_model_and_column_is_carried_above():
    """A new model with the review columns, or a new review column, joins the migration test above."""
    from models.review import ReviewMixin

    reviewed = {mapper.class_ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, ReviewMixin)}
    assert reviewed == set(TABLES.values())
    mixin_columns = {key for key in vars(ReviewMixin) if not key.startswith("_")} - {"unit_signed_by", "approved_by"}
    assert mixin_columns == set(REVIEW_COLUMNS) - {"status"}
    for rows in EXPECTED.values():
        for values in rows.values():
            assert set(values) == set(REVIEW_COLUMNS)
