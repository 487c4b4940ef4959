"""Database handle, constraint naming convention, enum helpers and mixins shared by every model."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import base as sqlite_base
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy import SQLAlchemy
from markupsafe import escape
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Stable constraint names so Alembic diffs are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


#: Largest value of an INTEGER primary key on PostgreSQL; bigger ids from a URL are simply "not found".
MAX_ID = 2**31 - 1


def to_id(value, max_id: int = MAX_ID) -> int | None:
    """A primary key from user input, or None when it is not a number in the columns' range."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= max_id else None


def utcnow() -> dt.datetime:
    """Timestamps are stored as naive UTC and shown in Asia/Shanghai."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class LabeledEnum(enum.Enum):
    """An enum whose members carry a translated label; the database stores the member name.

    Members are declared as ``draft = "draft", _l("Draft")``; names are lower-case codes so
    that the stored value, the URL value and the Python name are the same string.
    """

    def __new__(cls, value: str, label):  # noqa: D102
        obj = object.__new__(cls)
        obj._value_ = value
        obj.label = label
        return obj

    def __str__(self) -> str:
        return str(self.label)

    def __html__(self) -> str:
        return str(escape(str(self.label)))

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(member.name, member.label) for member in cls]


def enum_column(enum_cls: type[LabeledEnum], name: str, **kwargs) -> sa.Enum:
    """A VARCHAR + CHECK enum (no native PostgreSQL type: adding a member is a plain migration)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.name) for m in enum_cls) + 8,
        validate_strings=True,
        **kwargs,
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class VersionedMixin:
    """Optimistic locking: an UPDATE says WHERE version = <expected>, so no save is silently lost."""

    version: Mapped[int] = mapped_column(nullable=False, default=1)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


YES_NO = {True: _l("Yes"), False: _l("No")}


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite enforces foreign keys only when asked, per connection. A database file is kept in write-ahead-log
    mode (the mode stays with the file; asked again here, it is a no-op): a commit then syncs one append to the
    log instead of the rollback journal and the database file — 10.6 → 3.9 ms a commit on the 2-core VM of issue
    18 (every save, and every export, which writes its audit entry) — and the app's readers go on while another
    worker writes. ``synchronous=FULL`` (SQLite's default, said here): a committed change survives a power cut.
    The log lives beside the file (``-wal``, ``-shm``): copy the database with ``flask backup create`` (SQLite's
    online backup), not ``cp``."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA case_sensitive_like=OFF")  # the default; _ilike_as_like below relies on it
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # (an in-memory database answers "memory" and stays so)
        except sqlite3.OperationalError:  # another connection holds the file in the old mode: a later one switches
            pass
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _ilike_as_like(compiler, binary, operator, **kw):
    return compiler.visit_like_op_binary(binary, operator, **kw)


def _not_ilike_as_not_like(compiler, binary, operator, **kw):
    return compiler.visit_not_like_op_binary(binary, operator, **kw)


# On SQLite, ILIKE is written as plain LIKE instead of lower(x) LIKE lower(y): SQLite's LIKE already ignores
# the case of ASCII letters, and its lower() folds nothing else, so the result is the same, 3-4x faster (every
# search box: lower() copies each value of each searched column of each row). Checked by
# tests/test_list_rendering.py::test_ilike_on_sqlite_is_like.
sqlite_base.SQLiteCompiler.visit_ilike_op_binary = _ilike_as_like
sqlite_base.SQLiteCompiler.visit_not_ilike_op_binary = _not_ilike_as_not_like


#: Indexes that exist only on PostgreSQL, made by migrations (trigram GIN indexes for substring search; the red
#: flags card's partial index, whose condition SQLite would match only against literal values); the models do not
#: describe them, and autogenerate must not drop them.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_audit_log_object_label_trgm", "ix_audit_log_username_trgm",
                                     "ix_monthly_reports_topics_trgm", "ix_accounts_name_trgm",
                                     "ix_accounts_platform_account_id_trgm", "ix_accounts_wechat_original_id_trgm",
                                     "ix_accounts_homepage_url_trgm", "ix_managers_name_trgm",
                                     "ix_managers_staff_no_trgm", "ix_managers_phone_trgm",
                                     "ix_monthly_reports_red_flags_period_id"})


#: SQLite's full-text index of the audit log (a virtual FTS5 table and its shadow tables), made by a migration.
SQLITE_SEARCH_TABLE = "audit_log_fts"


#: Indexes with a descending column: Alembic reflects them without the direction and would report a difference.
DESCENDING_INDEXES = frozenset({"ix_assessments_year_desc_rank"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate filter: leave the database-specific search indexes and the descending ones alone."""
    if type_ == "index" and (name in POSTGRESQL_ONLY_INDEXES or name in DESCENDING_INDEXES):
        return False
    return not (type_ == "table" and name and name.startswith(SQLITE_SEARCH_TABLE))
