"""`flask bench seed` (bench/seed.py): every table gets its rows, the rows made inside PostgreSQL (bench/sqlgen.py)
have the shape of the rows built in Python, the references hold (the foreign keys' checks are off during a load),
and a stopped seed resumes where it stopped with the same rows."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from bench import data as bench_data
from bench.seed import ORDER, seed
from models import db

TODAY = dt.date(2026, 12, 1)
SCALE = 0.01  # 2 units, 30 accounts, 3,600 reports, 300 changes, 10,000 audit rows


def quiet(*_args, **_kwargs):
    pass


def counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one() for name in ORDER}


def shares(sql: str) -> dict:
    """{value: share of the rows} of a ``SELECT value, count(*) … GROUP BY`` query."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    total = sum(n for _value, n in rows)
    return {value: n / total for value, n in rows}


def shape() -> dict:
    """What the pages and the floors depend on, per table (counts, states, months, actions, texts)."""
    with db.engine.connect() as conn:
        one = lambda sql: conn.execute(sa.text(sql)).one()  # noqa: E731
        return {
            "counts": counts(),
            "report months": one("SELECT count(DISTINCT period), min(period), max(period) FROM monthly_reports"),
            "reports per month": set(conn.execute(sa.text(
                "SELECT count(*) FROM monthly_reports GROUP BY period")).scalars()),
            "report ids by month": report_ids_by_month(conn),
            "old report states": shares("SELECT status, count(*) FROM monthly_reports WHERE period < "
                                        "(SELECT max(period) FROM monthly_reports) - interval '3 months' GROUP BY 1"),
            "newest report states": set(conn.execute(sa.text(
                "SELECT DISTINCT status FROM monthly_reports WHERE period = (SELECT max(period) FROM "
                "monthly_reports)")).scalars()),
            "approved reports have a time": one("SELECT count(*) FROM monthly_reports WHERE status = 'approved' "
                                                "AND (approved_at IS NULL OR approved_by_id IS NULL)"),
            "late reports": shares("SELECT is_late, count(*) FROM monthly_reports GROUP BY 1"),
            "report topics": shares("SELECT length(topics) - length(replace(topics, '、', '')), count(*) "
                                    "FROM monthly_reports GROUP BY 1"),
            "audit actions": shares("SELECT action, count(*) FROM audit_log GROUP BY 1"),
            "audit objects": shares("SELECT coalesce(object_type, '-'), count(*) FROM audit_log GROUP BY 1"),
            "audit in order": one("SELECT bool_and(at >= prev) FROM (SELECT at, lag(at, 1, at) OVER "
                                  "(ORDER BY id) AS prev FROM audit_log) AS t"),
            "audit labels of reports": one("SELECT count(*) FROM audit_log WHERE object_type = 'MonthlyReport' "
                                           "AND object_label NOT LIKE '% · 20__-__'"),
            "audit users": one("SELECT count(*) FROM audit_log l JOIN users u ON u.id = l.user_id "
                               "WHERE u.username <> l.username"),
            "assessment grades": set(conn.execute(sa.text("SELECT DISTINCT grade FROM assessments")).scalars()),
            "assessment ranks": one("SELECT count(DISTINCT year), min(rank), max(rank), "
                                    "count(*) FILTER (WHERE commended) FROM assessments"),
        }


def report_ids_by_month(conn) -> bool:
    """Reports are numbered month by month, oldest first, in the accounts' order (bench/world.py report_id)."""
    n = conn.execute(sa.text("SELECT count(*) FROM accounts")).scalar_one()
    rows = conn.execute(sa.text("SELECT id, account_id, period FROM monthly_reports")).all()
    first = min(period for _id, _account, period in rows)
    return all(rid == ((p.year - first.year) * 12 + p.month - first.month) * n + account for rid, account, p in rows)


def audit_rows() -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(
            "SELECT id, at, user_id, username, ip, action, object_type, object_id, object_label, unit_id, note "
            "FROM audit_log ORDER BY id"))]


def dangling_references() -> list[str]:
    """Rows whose foreign key points at no row (the seed turns the per-row checks off while it loads)."""
    found = []
    with db.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(bind=conn, only=ORDER)
        for table in meta.sorted_tables:
            for fk in table.foreign_keys:
                child, parent = fk.parent, fk.column
                missing = conn.execute(sa.select(sa.func.count()).select_from(
                    table.outerjoin(parent.table, child == parent)).where(
                    child.is_not(None), parent.is_(None))).scalar_one()
                if missing:
                    found.append(f"{table.name}.{child.name}: {missing}")
    return found


def close(a: dict, b: dict, within: float) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= within for k in a)


def test_every_table_gets_its_rows_and_every_reference_holds(app):
    with app.app_context():
        result = seed(SCALE, TODAY, False, echo=quiet)
        assert counts() == result["world"].expected_counts()
        assert all(counts().values())
        assert dangling_references() == []
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM users WHERE username = 'bench_dept'")).scalar() == 1
            if conn.dialect.name == "sqlite":  # the planner's statistics of the loaded rows (PostgreSQL: VACUUM ANALYZE)
                analyzed = set(conn.execute(sa.text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars())
                assert {"monthly_reports", "audit_log", "accounts", "change_records"} <= analyzed


def test_the_rows_made_in_postgresql_have_the_shape_of_the_rows_made_in_python(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the rows are made inside the database on PostgreSQL only")
        seed(SCALE, TODAY, False, echo=quiet, in_database=False)
        python = shape()
        result = seed(SCALE, TODAY, False, echo=quiet)  # (the default there)
        assert set(result["timings"]) >= {"monthly_reports", "audit_log"}
        made = shape()
        assert dangling_references() == []
    assert made["counts"] == python["counts"]
    for exact in ("report months", "reports per month", "report ids by month", "newest report states",
                  "approved reports have a time", "audit in order", "audit labels of reports", "audit users",
                  "assessment grades", "assessment ranks"):
        assert made[exact] == python[exact], exact
    assert made["report ids by month"] is True
    assert made["approved reports have a time"] == (0,)
    # The same shares, within what 3,600 reports and 10,000 audit rows drawn at random allow.
    assert close(made["old report states"], python["old report states"], 0.01), made["old report states"]
    assert close(made["late reports"], python["late reports"], 0.03)
    assert close(made["report topics"], python["report topics"], 0.04)
    assert close(made["audit actions"], python["audit actions"], 0.015), made["audit actions"]
    assert close(made["audit objects"], python["audit objects"], 0.02), made["audit objects"]


def test_a_stopped_seed_resumes_with_the_same_rows(app):
    """Each table is committed on its own: a seed stopped during the audit log keeps the tables before it;
    ``resume`` loads only the rest, and the rows are the ones an uninterrupted seed makes."""
    with app.app_context():
        seed(SCALE, TODAY, False, echo=quiet)
        whole = audit_rows()
        with db.engine.begin() as conn:
            reports = conn.execute(sa.text("SELECT max(updated_at), sum(post_count) FROM monthly_reports")).one()
            conn.execute(sa.text("DELETE FROM audit_log WHERE id > 5000"))  # stopped in the middle of the table
        lines = []
        result = seed(SCALE, TODAY, False, echo=lambda text="", **_k: lines.append(text), resume=True)
        assert "Resuming: units, users, managers, work_calendar, accounts, account_team, monthly_reports, " \
               "change_records, violations, assessments, attachments complete, kept." in lines
        assert set(result["timings"]) - {"(wipe)", "(vacuum analyze)", "(analyze)"} == {"audit_log"}
        assert counts() == result["world"].expected_counts()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT max(updated_at), sum(post_count) FROM monthly_reports")).one() \
                == reports
        assert audit_rows() == whole
        assert dangling_references() == []


def test_resume_refuses_another_scale(app):
    import click

    with app.app_context():
        seed(SCALE, TODAY, False, echo=quiet)
        with pytest.raises(click.ClickException, match="another scale"):
            seed(0.02, TODAY, False, echo=quiet, resume=True)


def test_a_freshly_migrated_database_is_empty_but_real_data_is_refused(app):
    """The migration leaves one bookkeeping row (the data version); that is no one's data. A unit is."""
    import click

    from models import data_version

    with app.app_context():
        with db.engine.begin() as conn:
            data_version.raise_number(conn)
        seed(SCALE, TODAY, False, echo=quiet)
        assert counts()["units"] == 2
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET username = 'someone' WHERE username = :u"),
                         {"u": bench_data.DEPT_LOGIN})
        with pytest.raises(click.ClickException, match="did not make") as refused:
            seed(SCALE, TODAY, False, echo=quiet)
        assert "data_version" not in str(refused.value)
