"""A compiled SELECT run before gets the description of its first run instead of psycopg describing its columns again
(models/described.py): the same rows, the same keys, the same objects as SQLAlchemy's own way; only what SQLAlchemy
already knows is skipped; the SQLAlchemy and psycopg code it relies on pinned by its source."""
from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import cursor as sa_cursor
from sqlalchemy.engine import default as sa_default

from models import Account, Unit, UnitKind, db, described

from .factories import make_account


def _postgres(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's descriptions: PostgreSQL only")


def _units(n: int = 3) -> None:
    for i in range(n):
        db.session.add(Unit(code=f"D{i}", name=f"描述单位{i}", kind=UnitKind.college))
    db.session.flush()


def _uninstalled(app):
    """The engine's dialect with SQLAlchemy's own execution context, for the length of a ``with``."""
    class Off:
        def __enter__(self):
            self.dialect = db.engine.dialect
            self.kept = self.dialect.execution_ctx_cls
            self.dialect.execution_ctx_cls = self.kept.__mro__[1]

        def __exit__(self, *_exc):
            self.dialect.execution_ctx_cls = self.kept
    return Off()


def test_installed_on_postgresql_only(app):
    with app.app_context():
        dialect = db.engine.dialect
        installed = dialect.execution_ctx_cls.__name__.startswith("DescribedOnce")
        assert installed == (dialect.name == "postgresql" and dialect.driver == "psycopg")
        described.install(db.engine)  # a second install changes nothing
        assert not dialect.execution_ctx_cls.__mro__[1].__name__.startswith("DescribedOnce")


def test_a_select_run_again_uses_its_kept_description_and_reads_the_same(app):
    _postgres(app)
    with app.app_context():
        _units()
        statement = sa.select(Unit.id, Unit.code, Unit.name.label("label"), Unit.kind).order_by(Unit.code)
        conn = db.session.connection()
        results = [conn.execute(statement) for _ in range(4)]
        strategies = [r.cursor_strategy for r in results]
        rows = [(r.keys(), [tuple(row) for row in r]) for r in results]
        with _uninstalled(app):
            plain = conn.execute(statement)
            assert not isinstance(plain.cursor_strategy, described.KeptDescription)
            expected = (plain.keys(), [tuple(row) for row in plain])
        db.session.rollback()
    # the first run builds SQLAlchemy's metadata, the second keeps the description, the others use it
    assert not isinstance(strategies[0], described.KeptDescription)
    assert all(isinstance(s, described.KeptDescription) for s in strategies[1:])
    assert strategies[2] is strategies[3]
    assert all(r == expected for r in rows)
    assert expected[1] and expected[0] == ["id", "code", "label", "kind"]
    assert isinstance(expected[1][0][3], UnitKind)


def test_orm_objects_and_eager_loads_are_the_same(app):
    _postgres(app)
    from sqlalchemy.orm import joinedload

    with app.app_context():
        _units(2)
        for unit in db.session.query(Unit).all():
            make_account(unit, name=f"描述账号{unit.code}")
        db.session.flush()
        query = lambda: db.session.query(Account).options(joinedload(Account.unit)).order_by(Account.id)  # noqa: E731
        seen = []
        for _ in range(4):
            db.session.expunge_all()
            seen.append([(a.id, a.name, a.unit.code, a.unit.name) for a in query().all()])
        with _uninstalled(app):
            db.session.expunge_all()
            expected = [(a.id, a.name, a.unit.code, a.unit.name) for a in query().all()]
        db.session.rollback()
    assert expected and all(s == expected for s in seen)


def test_results_it_leaves_alone(app):
    """Text statements, streamed results, a statement asking for the driver's column names, and a statement
    returning rows of a DML go SQLAlchemy's way every time."""
    _postgres(app)
    with app.app_context():
        _units()
        select = sa.select(Unit.code).order_by(Unit.code)
        for _ in range(3):
            conn = db.session.connection()
            conn.execute(select).all()
            text = conn.execute(sa.text("SELECT code FROM units ORDER BY code"))
            assert not isinstance(text.cursor_strategy, described.KeptDescription)
            assert [r[0] for r in text] == ["D0", "D1", "D2"]
            streamed = conn.execute(select.execution_options(stream_results=True))
            assert not isinstance(streamed.cursor_strategy, described.KeptDescription)
            assert [r[0] for r in streamed] == ["D0", "D1", "D2"]
            driver = conn.execute(select.execution_options(driver_column_names=True))
            assert not isinstance(driver.cursor_strategy, described.KeptDescription)
            assert list(driver.keys()) == ["code"]
            returned = conn.execute(sa.update(Unit).where(Unit.code == "D0").values(name="改名")
                                          .returning(Unit.name))
            assert not isinstance(returned.cursor_strategy, described.KeptDescription)
            assert returned.scalar_one() == "改名"
        db.session.rollback()


def test_an_empty_result_is_empty(app):
    _postgres(app)
    with app.app_context():
        statement = sa.select(Unit.id, Unit.code).where(Unit.code == sa.bindparam("code"))
        for code in ("none", "none", "none", "still none"):
            result = db.session.connection().execute(statement, {"code": code})
            assert result.keys() == ["id", "code"] and result.all() == []
        db.session.rollback()


def test_the_code_it_relies_on_is_unchanged():
    """SQLAlchemy asks a fetch strategy's ``alternate_cursor_description`` before the cursor's, and with a compiled
    statement's kept metadata reads nothing of the description but whether it is None; psycopg builds a new list
    of Column objects at each read of ``description``."""
    setup = inspect.getsource(sa_default.DefaultExecutionContext._setup_result_proxy)
    assert ("strategy.alternate_cursor_description\n                or self.cursor.description" in setup)
    assert "if sr and strategy is _cursor._DEFAULT_FETCH:" in setup
    init = inspect.getsource(sa_cursor.CursorResult._init_metadata)
    assert "elif compiled._cached_metadata:\n                metadata = compiled._cached_metadata" in init
    assert "if cursor_description is not None:" in inspect.getsource(sa_cursor.CursorResult.__init__)
    assert sa_cursor.CursorFetchStrategy.__slots__ == ()
    assert sa_cursor.ResultFetchStrategy.alternate_cursor_description is None
    from psycopg import _cursor_base

    description = inspect.getsource(_cursor_base.BaseCursor.description.fget)
    assert "return [Column(self, i) for i in range(res.nfields)]" in description
