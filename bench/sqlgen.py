"""The big tables of the benchmark world made inside PostgreSQL (bench/seed.py, issue 18 item 4).

At scale 10 the monthly reports (3.6 million rows) and the audit log (10 million) took Python most of an hour to
build and COPY on a busy two-core machine. Here they are one ``INSERT … SELECT … FROM generate_series(…)`` each:
no Python row, no COPY parsing, one pass. The shape is the one bench/world.py and bench/history.py give (the same
state shares per month, the same id order, the same texts for the searches, the same actors and labels); only
the random draws differ: ``hashint8extended(row key, salt)`` instead of ``random.Random``, so a row's values are a
pure function of its id and the same on every machine and every run (and a resumed seed makes the same rows).

The skeleton (units, users, managers, accounts, teams) stays in Python and is loaded first; two temporary tables
carry what the SQL needs of it that the tables do not hold (an account's base post count, dormancy and staff
snapshot; a unit's editor and leader).
"""
from __future__ import annotations

import datetime as dt
import json

from . import data
from .history import ACTIONS, KIND_LABEL, OBJECTS, STEP_CHANGES

#: The tables built here on PostgreSQL; the others come from bench/world.py through COPY.
TABLES = ("monthly_reports", "assessments", "audit_log")

PHRASES = data.TOPIC_PHRASES


def u(key: str, salt: int) -> str:
    """A uniform draw in [0, 1) for the row ``key`` (an integer SQL expression): the same for the same key and salt."""
    return f"((hashint8extended(({key})::bigint, {salt}) & 4294967295)::float8 / 4294967296.0)"


def pick(draw: str, pairs) -> str:
    """data.weighted in SQL: the first element of a (value, weight, …) pair chosen by weight."""
    total = sum(p[1] for p in pairs)
    parts, acc = [], 0
    for value, weight, *_ in pairs[:-1]:
        acc += weight
        parts.append(f"WHEN {draw} < {acc / total!r} THEN {literal(value)}")
    return f"(CASE {' '.join(parts)} ELSE {literal(pairs[-1][0])} END)"


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def text_array(values) -> str:
    return "ARRAY[" + ", ".join(literal(v) for v in values) + "]::text[]"


def ts(value: dt.datetime | dt.date) -> str:
    kind = "timestamp" if isinstance(value, dt.datetime) else "date"
    return f"{kind} '{value.isoformat(sep=' ') if kind == 'timestamp' else value.isoformat()}'"


def make_helpers(cursor, world) -> None:
    """Temporary tables (dropped with the connection) holding what the SQL needs of the skeleton."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.bench_acct, pg_temp.bench_unit")
    cursor.execute("CREATE TEMP TABLE bench_acct (idx int PRIMARY KEY, id int, unit_id int, unit_name text, "
                   "platform_code text, name text, snap_id text, staff text, base_posts int, dormant bool, "
                   "is_late bool, leader_id int)")
    with cursor.copy("COPY bench_acct FROM STDIN") as copy:
        for idx, a in enumerate(world.accounts):
            copy.write_row((idx, a["id"], a["unit_id"], a["unit_name"], a["platform_code"], a["name"],
                            a["wechat_original_id"] or a["platform_account_id"],
                            json.dumps(a["staff"], ensure_ascii=False), a["base_posts"], a["dormant"], a["is_late"],
                            world.leader_of[a["unit_id"]]))
    cursor.execute("CREATE TEMP TABLE bench_unit (unit_id int PRIMARY KEY, accounts int, editor_id int, "
                   "editor_name text, leader_id int, leader_name text)")
    users = {x["id"]: x["username"] for x in world.users}
    with cursor.copy("COPY bench_unit FROM STDIN") as copy:
        for unit, n in zip(world.units, world.accounts_per_unit):
            editor, leader = world.editor_of[unit["id"]], world.leader_of[unit["id"]]
            copy.write_row((unit["id"], n, editor, users[editor], leader, users[leader]))
    cursor.execute("ANALYZE bench_acct")
    cursor.execute("ANALYZE bench_unit")


def report_statuses_sql(world, k: str) -> str:
    return (f"(CASE WHEN {k} = 0 THEN {pick(u('rid', 1), world.report_statuses(0))} "
            f"WHEN {k} = 1 THEN {pick(u('rid', 1), world.report_statuses(1))} "
            f"WHEN {k} = 2 THEN {pick(u('rid', 1), world.report_statuses(2))} "
            f"ELSE {pick(u('rid', 1), world.report_statuses(3))} END)")


def reports_sql(world) -> tuple[tuple, str]:
    """bench/world.py ``report_rows``: every account × every month, numbered month by month, oldest first."""
    cols = ("id", "account_id", "unit_id", "period", "snapshot_unit_name", "snapshot_platform",
            "snapshot_account_name", "snapshot_account_id", "snapshot_staff", "post_count", "topics",
            "involves_classified", "classified_handling", "status", "submitted_at", "is_late", "unit_opinion",
            "unit_signed_by_id", "unit_signed_at", "dept_opinion", "approved_by_id", "approved_at",
            "return_reason", "version", "created_at", "updated_at")
    n, months, now = len(world.accounts), data.MONTHS, ts(world.now)
    n_phrases = len(PHRASES)
    phrase = f"({text_array(PHRASES)})"
    # 1–3 different phrases: s, s+d, s+2d (mod 22) with 1 ≤ d ≤ 10 never coincide (as rng.sample's).
    topics = (f"{phrase}[1 + s] || CASE WHEN c >= 2 THEN '、' || {phrase}[1 + (s + d) % {n_phrases}] ELSE '' END"
              f" || CASE WHEN c = 3 THEN '、' || {phrase}[1 + (s + 2 * d) % {n_phrases}] ELSE '' END")
    versions = "CASE status WHEN 'draft' THEN 1 WHEN 'unit_review' THEN 2 WHEN 'approved' THEN 4 ELSE 3 END"
    sql = f"""
INSERT INTO monthly_reports ({", ".join(cols)})
SELECT rid, id, unit_id, period, unit_name, platform_code, name, snap_id, staff::json, posts, {topics},
       classified, CASE WHEN classified AND status = 'approved' THEN '已删除相关内容并报保密办备案。' END, status,
       submitted, coalesce(submitted::date > win + 4, FALSE),
       CASE WHEN signed THEN ({text_array(data.OPINIONS_UNIT[1:])})[1 + floor({u('rid', 9)} * 2)::int] END,
       CASE WHEN signed THEN leader_id END, signed_at,
       CASE WHEN approved_at IS NOT NULL THEN '已阅。' END,
       CASE WHEN approved_at IS NOT NULL THEN {world.dept_ids[0]} END, approved_at,
       CASE WHEN status = 'returned' THEN ({text_array(data.RETURN_REASONS)})[1 + floor({u('rid', 10)} * 3)::int] END,
       {versions}, created, coalesce(approved_at, signed_at, submitted, created)
FROM (
  SELECT *, CASE WHEN status = 'approved'
                 THEN least(signed_at + (1 + floor({u('rid', 7)} * 7)::int) * interval '1 day', {now}) END AS approved_at
  FROM (
    SELECT *, status IN ('dept_review', 'approved') AS signed,
           CASE WHEN status IN ('dept_review', 'approved')
                THEN submitted + (1 + floor({u('rid', 6)} * 29)::int) * interval '1 hour' END AS signed_at
    FROM (
      SELECT *, CASE WHEN status <> 'draft' THEN least(
               win + (CASE WHEN {u('rid', 3)} < 0.85 THEN floor({u('rid', 4)} * 5)::int
                           ELSE 5 + floor({u('rid', 4)} * 15)::int END) * interval '1 day'
                   + (28800 + floor({u('rid', 5)} * 39600)::int) * interval '1 second', {now}) END AS submitted
      FROM (
        SELECT g.r + 1 AS rid, {months - 1} - g.r / {n} AS k, a.*,
               ({ts(world.first_month)} + (g.r / {n}) * interval '1 month')::date AS period,
               ({ts(world.first_month)} + (g.r / {n} + 1) * interval '1 month')::date AS win,
               least(({ts(world.first_month)} + (g.r / {n} + 1) * interval '1 month') + interval '8 hours',
                     {now}) AS created
        FROM generate_series(0, {n * months - 1}) AS g(r) JOIN bench_acct AS a ON a.idx = g.r % {n}
        OFFSET 0
      ) AS base
      CROSS JOIN LATERAL (SELECT {report_statuses_sql(world, 'k')} AS status,
                                 CASE WHEN dormant AND k < 4 THEN 0
                                      ELSE floor(base_posts * (0.6 + 0.8 * {u('rid', 2)}))::int END AS posts,
                                 {u('rid', 8)} < 0.002 AS classified,
                                 1 + floor({u('rid', 11)} * 3)::int AS c,
                                 floor({u('rid', 12)} * {n_phrases})::int AS s,
                                 1 + floor({u('rid', 13)} * 10)::int AS d) AS draw
      OFFSET 0
    ) AS step1
    OFFSET 0
  ) AS step2
  OFFSET 0
) AS step3"""
    return cols, sql


def assessments_sql(world) -> tuple[tuple, str]:
    """bench/world.py ``assessment_rows``: ten years, every account ranked by score, then one roll-up per unit."""
    cols = ("id", "year", "unit_id", "account_id", "registered_on_time", "reports_expected", "reports_on_time",
            "posts", "violations", "score", "rank", "grade", "commended", "version", "created_at", "updated_at")
    n, n_units = len(world.accounts), len(world.units)
    first = world.anchor.year - 10
    per_year = n + n_units
    sql = f"""
INSERT INTO assessments ({", ".join(cols)})
SELECT y.i * {per_year} + rank, {first} + y.i, unit_id, id, NOT is_late, 12, on_time, posts, 0, score, rank,
       CASE WHEN score >= 90 THEN 'excellent' WHEN score >= 80 THEN 'good' WHEN score >= 60 THEN 'pass_' ELSE 'fail' END,
       rank <= 10, 1, stamp, stamp
FROM generate_series(0, 9) AS y(i)
CROSS JOIN LATERAL (
  SELECT *, row_number() OVER (ORDER BY score DESC, idx) AS rank
  FROM (SELECT a.idx, a.id, a.unit_id, a.is_late, on_time, a.base_posts * 12 AS posts,
               round((20 * (NOT a.is_late)::int + 50 * on_time / 12.0
                      + 20 * least(1, a.base_posts * 12 / 120.0) + 10)::numeric, 2) AS score
        FROM bench_acct AS a
        CROSS JOIN LATERAL (SELECT 8 + floor({u(f'y.i * {n} + a.idx', 21)} * 5)::int AS on_time) AS o) AS s
) AS r
CROSS JOIN LATERAL (SELECT make_timestamp({first} + y.i + 1, 1, 20, 10, 0, 0) AS stamp) AS t
UNION ALL
SELECT y.i * {per_year} + {n} + b.unit_id, {first} + y.i, b.unit_id, NULL, NULL, 12 * b.accounts, 0, 0, 0,
       NULL, NULL, NULL, FALSE, 1, make_timestamp({first} + y.i + 1, 1, 20, 10, 0, 0),
       make_timestamp({first} + y.i + 1, 1, 20, 10, 0, 0)
FROM generate_series(0, 9) AS y(i) CROSS JOIN bench_unit AS b
ORDER BY 1"""
    return cols, sql


def audit_sql(world) -> tuple[tuple, str]:
    """bench/history.py ``audit_rows``: ten years of logins, edits, workflow steps and exports, oldest first."""
    cols = ("id", "at", "user_id", "username", "ip", "action", "object_type", "object_id", "object_label", "unit_id",
            "changes", "note")
    n = world.size["audit"]
    n_accounts, n_changes, n_users, n_managers = (len(world.accounts), world.size["changes"], len(world.users),
                                                   len(world.managers))
    n_reports = n_accounts * data.MONTHS
    start = dt.datetime.combine(world.first_month, dt.time(8))
    step = (world.now - start).total_seconds() / max(n, 1)
    dept = [x for x in world.users if x["role"] == "dept_admin"]
    dept_ids = "ARRAY[" + ", ".join(str(x["id"]) for x in dept) + "]"
    dept_names = text_array([x["username"] for x in dept])
    steps = " ".join(f"WHEN {literal(action)} THEN {literal(json.dumps({'status': change}, ensure_ascii=False))}"
                     for action, change in STEP_CHANGES.items())
    sql = f"""
INSERT INTO audit_log ({", ".join(cols)})
SELECT i + 1, {ts(start)} + ({step!r} * (i + {u('i', 31)})) * interval '1 second',
       CASE WHEN kind = 'User' THEN CASE WHEN action = 'login_failed' THEN NULL ELSE user_at END
            WHEN actor_is_dept THEN ({dept_ids})[dept_at]
            WHEN action = 'confirm' THEN bu.leader_id ELSE bu.editor_id END,
       CASE WHEN kind = 'User' THEN CASE WHEN action = 'login_failed' THEN user2_name ELSE user_name END
            WHEN actor_is_dept THEN ({dept_names})[dept_at]
            WHEN action = 'confirm' THEN bu.leader_name ELSE bu.editor_name END,
       '10.' || (20 + coalesce(o.unit_id, 0) % 200) || '.' || i % 250 || '.' || (i % 7 + 2),
       action, kind, object_id, label, o.unit_id,
       (CASE WHEN action IN ({", ".join(literal(a) for a in STEP_CHANGES)}) THEN CASE action {steps} END
             WHEN action = 'update' THEN CASE kind
                  WHEN 'MonthlyReport' THEN '{{"post_count": [' || before || ', ' || (before + delta) || ']}}'
                  WHEN 'Manager' THEN '{{"phone": ["13800001111", "13900002222"]}}'
                  ELSE '{{"reason": ["", "人员岗位调整"]}}' END
             WHEN action = 'create' THEN '{{"status": [null, "draft"], "unit_id": [null, ' || o.unit_id || ']}}'
             WHEN action = 'delete' THEN '{{"status": ["draft", null]}}' END)::json,
       CASE WHEN action = 'approve' THEN '已阅。' WHEN action = 'reject' THEN '请补充。'
            WHEN action = 'export' THEN 'reports csv flt0_' || floor({u('i', 41)} * 5)::int || '='
                 || CASE WHEN {u('i', 42)} < 0.5 THEN 'approved' ELSE 'dept_review' END END
FROM (
  SELECT l.*,
         CASE kind WHEN 'User' THEN uu.id WHEN 'MonthlyReport' THEN rid WHEN 'Account' THEN a.id
                   WHEN 'ChangeRecord' THEN change_id WHEN 'Manager' THEN m.id END AS object_id,
         CASE kind WHEN 'User' THEN uu.display_name || ' (' || uu.username || ')'
                   WHEN 'MonthlyReport' THEN a.name || ' · '
                        || to_char({ts(world.first_month)} + ((rid - 1) / {n_accounts}) * interval '1 month', 'YYYY-MM')
                   WHEN 'Account' THEN a.name
                   WHEN 'ChangeRecord' THEN a.name || ' · {KIND_LABEL}'
                   WHEN 'Manager' THEN m.name || '（' || m.staff_no || '）' END AS label,
         CASE WHEN kind = 'User' THEN uu.unit_id WHEN kind = 'Manager' THEN m.unit_id
              WHEN kind IS NULL THEN NULL ELSE a.unit_id END AS unit_id,
         uu.username AS user_name, u2.username AS user2_name
  FROM (
    SELECT *, CASE WHEN kind = 'MonthlyReport' THEN (rid - 1) % {n_accounts} ELSE account_at END AS aidx
    FROM (
      SELECT i, action,
             CASE WHEN action IN ('login', 'logout', 'login_failed') THEN 'User' WHEN action = 'export' THEN NULL
                  WHEN action IN ('suspend', 'reinstate') THEN 'Account' ELSE {pick(u('i', 33), OBJECTS)} END AS kind,
             action IN ('approve', 'reject', 'suspend', 'reinstate', 'export') OR {u('i', 34)} < 0.2 AS actor_is_dept,
             1 + floor({u('i', 35)} * {len(dept)})::int AS dept_at,
             1 + floor({u('i', 36)} * {n_reports})::int AS rid,
             floor({u('i', 37)} * {n_accounts})::int AS account_at,
             1 + floor({u('i', 38)} * {n_changes})::int AS change_id,
             1 + floor({u('i', 39)} * {n_managers})::int AS manager_at,
             1 + floor({u('i', 40)} * {n_users})::int AS user_at,
             1 + floor({u('i', 43)} * {n_users})::int AS user2_at,
             floor({u('i', 44)} * 40)::int AS before, 1 + floor({u('i', 45)} * 8)::int AS delta
      FROM generate_series(0, {n - 1}) AS g(i)
      CROSS JOIN LATERAL (SELECT {pick(u('i', 32), ACTIONS)} AS action) AS x
      OFFSET 0
    ) AS d
    OFFSET 0
  ) AS l
  JOIN bench_acct AS a ON a.idx = l.aidx
  JOIN managers AS m ON m.id = l.manager_at
  JOIN users AS uu ON uu.id = l.user_at
  JOIN users AS u2 ON u2.id = l.user2_at
  OFFSET 0
) AS o
LEFT JOIN bench_unit AS bu ON bu.unit_id = o.unit_id
"""
    return cols, sql
