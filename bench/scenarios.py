"""What `bench run` measures: the pages of issue 6 with their targets, for the department approver and
the unit editor. Built in the CLI process from the database (ids, months, search terms in each
user's scope) and from the admin views themselves (filter URL arguments), before gunicorn starts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from models import policy
from models import (Account, AccountStatus, Assessment, AuditLog, ChangeRecord, Manager, MonthlyReport,
                    ReviewStatus, Unit, User, Violation, WorkCalendar, db)
from services.reports import reporting_period

from . import data
from .verdict import FLOOR, REFERENCE, Rule

#: Issue 6's absolute targets, kept only where no ratio applies: the worker's memory growth during the full export
#: (flat whatever the number of rows) and the bulk approval (one write request: its time is information).
FULL_EXPORT_RSS_MB = 100


@dataclass
class Scenario:
    name: str
    role: str  # "dept", "unit" or "public"
    path: str
    target_ms: float | None
    kind: str = "page"  # page | login | full_export | bulk
    p95_rule: bool = False  # p95 ≤ 2 × median (lists, details and edit pages)
    expect: int = 200
    form: dict | None = None
    headers: dict = field(default_factory=dict)
    note: str = ""
    #: The ratio verdict of issue 18: FLOOR (this page's own floor page), REFERENCE (the fixed reference page).
    rule: Rule | None = None
    #: Each request (warm-up included) follows a committed write (:func:`write`) of this kind: VERSION (one that
    #: raises the data version and changes nothing the page shows, as an edit or an upload: the page counts its
    #: figures anew) or COUNT (one that changes a count the page shows).
    after_a_write: str | None = None


#: The kinds of :func:`write`.
VERSION, COUNT = "version", "count"
#: What a COUNT write flips, per role: one change request of the unit between these two states — for the unit
#: editor 草稿 ↔ 单位审核 (its "to submit" card), for the department 单位审核 ↔ 宣传部审核 (its "to approve" card).
FLIPPED = {"unit": ("draft", "unit_review"), "dept": ("unit_review", "dept_review")}


def write(engine, role: str = "dept", kind: str = VERSION) -> None:
    """A write as the app's commits make it, for the pages kept under the data version (the home pages): the
    number raised in a transaction of its own, committed, and one unit noted as changed (models/data_version.py) —
    for a unit's user their own unit (whose home then counts anew), for the department the next unit in turn (the
    department's home counts that unit anew: admin/home_figures.Ledger).

    COUNT: the same transaction also moves the unit's first change request in :data:`FLIPPED`'s two states to the
    other one (a count on the page moves by one), and the department's writes take each unit twice in a row, so
    that every change request flipped is flipped back by the next write (an odd number of requests leaves one)."""
    from models import data_version

    global _turn
    with engine.begin() as connection:
        if role == "unit":
            unit_id = connection.execute(sa.text("SELECT unit_id FROM users WHERE username = :name"),
                                         {"name": data.EDITOR_LOGIN}).scalar()
        else:
            _turn += 1
            turn = (_turn - 1) // 2 if kind == COUNT else _turn  # (COUNT: each unit twice in a row)
            unit_id = connection.execute(sa.text("SELECT id FROM units ORDER BY id LIMIT 1 OFFSET :turn"),
                                         {"turn": turn % max(1, connection.execute(
                                             sa.text("SELECT count(*) FROM units")).scalar())}).scalar()
        if kind == COUNT and unit_id is not None:
            one, other = FLIPPED["unit" if role == "unit" else "dept"]
            connection.execute(sa.text(
                "UPDATE change_records SET status = CASE WHEN status = :one THEN :other ELSE :one END "
                "WHERE id = (SELECT min(id) FROM change_records WHERE unit_id = :unit AND status IN (:one, :other))"),
                {"one": one, "other": other, "unit": unit_id})
        data_version.raise_number(connection, {unit_id} if unit_id is not None else data_version.EVERYTHING)


_turn = 0


#: Per list: (column, filter class) pairs for "filtered by status and month", with the value maker.
FILTERS = {
    "accounts": [("status", "EnumEqualFilter", lambda c: "approved"), ("created_on", "DateBetweenFilter", "month")],
    "managers": [("employment_status", "EnumEqualFilter", lambda c: "staff")],
    "changes": [("status", "EnumEqualFilter", lambda c: "approved"), ("changed_on", "DateBetweenFilter", "month")],
    "reports": [("status", "EnumEqualFilter", lambda c: "dept_review"), ("period", "DateEqualFilter", "period")],
    "violations": [("kind", "EnumEqualFilter", lambda c: "late_report"), ("occurred_on", "DateBetweenFilter", "year")],
    "assessments": [("year", "IntEqualFilter", lambda c: str(c["anchor"].year - 1)),
                    ("grade", "EnumEqualFilter", lambda c: "good")],
    "units": [("kind", "EnumEqualFilter", lambda c: "college")],
    "users": [("role", "EnumEqualFilter", lambda c: "unit_editor")],
    "calendar": [("kind", "EnumEqualFilter", lambda c: "holiday"), ("day", "DateBetweenFilter", "year")],
    "audit": [("action", "EnumEqualFilter", lambda c: "update"), ("at", "DateTimeBetweenFilter", "month")],
}
MODELS = {"accounts": Account, "managers": Manager, "changes": ChangeRecord, "reports": MonthlyReport,
          "violations": Violation, "assessments": Assessment, "units": Unit, "users": User,
          "calendar": WorkCalendar, "audit": AuditLog}
DEPT_ONLY = {"units", "users"}
#: Lists whose edit page a unit editor may open (in an editable state).
UNIT_EDITABLE = {"accounts": AccountStatus, "changes": ReviewStatus, "reports": ReviewStatus}


def admin_views() -> dict:
    return {v.endpoint: v for v in current_app.extensions["admin"][0]._views if hasattr(v, "model")}


def filter_args(view, endpoint: str, ctx: dict) -> dict:
    args, n = {}, 0
    for column, cls, value in FILTERS[endpoint]:
        for i, flt in enumerate(view._filters or []):
            col = getattr(flt, "column", None)
            if type(flt).__name__ == cls and getattr(col, "key", None) == column and \
                    getattr(col, "table", None) is view.model.__table__:
                if value == "month":
                    first, last = ctx["month_of"][endpoint]
                    text = f"{first} to {last}" if cls == "DateBetweenFilter" else \
                        f"{first} 00:00:00 to {last} 23:59:59"
                elif value == "year":
                    text = f"{ctx['anchor'].year}-01-01 to {ctx['anchor'].year}-12-31"
                elif value == "period":
                    text = ctx["anchor"].isoformat()
                else:
                    text = value(ctx)
                args[f"flt{n}_{view.get_filter_arg(i, flt)}"] = text
                n += 1
                break
    return args


def _scoped(user, model, query):
    return policy.scope(user, model, query)


def _month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def context(user) -> dict:
    anchor = reporting_period()
    newest = lambda model, column: db.session.execute(  # noqa: E731
        _scoped(user, model, sa.select(sa.func.max(column)))).scalar()
    month_of = {"accounts": _month_range(newest(Account, Account.created_on) or anchor),
                "changes": _month_range(anchor), "audit": _month_range(anchor)}
    return {"anchor": anchor, "month_of": month_of}


def _first_id(user, model, *criteria, order=None):
    query = _scoped(user, model, sa.select(model.id)).where(*criteria).order_by(order if order is not None
                                                                               else model.id.desc()).limit(1)
    return db.session.execute(query).scalar()


def _search_term(user, endpoint: str) -> str:
    account = db.session.execute(_scoped(user, Account, sa.select(Account.name)).order_by(Account.id).limit(1)).scalar()
    if endpoint == "managers":
        query = _scoped(user, Manager, sa.select(Manager.name)).order_by(Manager.id).limit(1)
        return db.session.execute(query).scalar()
    if endpoint == "units":
        return "学院"
    if endpoint == "users":
        return "e_c0"
    if endpoint == "calendar":
        return "国庆节"
    return account or "帐号"


def list_scenarios(role: str, user, db_name: str) -> list[Scenario]:
    result, views, ctx = [], admin_views(), context(user)
    for endpoint, model in MODELS.items():
        if role == "unit" and endpoint in DEPT_ONLY:
            continue
        view = views[endpoint]
        base = view.url + "/"
        count = db.session.execute(_scoped(user, model, sa.select(sa.func.count()).select_from(model))).scalar()
        pages = max(1, -(-count // view.page_size))
        deep = min(500, pages)
        filtered = base + "?" + urlencode(filter_args(view, endpoint, ctx))
        variants = [("first page", base, ""), ("filtered", filtered, ""),
                    ("page 500" if deep == 500 else "last page", base + f"?page={deep - 1}",
                     "" if deep == 500 else f"page {deep}"),
                    ("search", base + "?" + urlencode({"search": _search_term(user, endpoint)}), "")]
        for label, path, note in variants:
            result.append(Scenario(f"{endpoint} list: {label}", role, path, None, p95_rule=True, note=note,
                                   rule=FLOOR))
        # One record of the user's scope: a pending one for the department (its review buttons show).
        pending = {Account: Account.status == AccountStatus.dept_review,
                   ChangeRecord: ChangeRecord.status == ReviewStatus.dept_review,
                   MonthlyReport: MonthlyReport.status == ReviewStatus.dept_review}.get(model)
        row_id = _first_id(user, model, *([pending] if pending is not None and role == "dept" else []))
        if row_id is None:
            continue
        result.append(Scenario(f"{endpoint} details", role, f"{base}details/?id={row_id}", None,
                               p95_rule=True, rule=FLOOR))
        if not policy.can_write(user, model) or endpoint == "audit":
            continue
        if role == "unit" and endpoint in UNIT_EDITABLE:
            states = UNIT_EDITABLE[endpoint]
            row_id = _first_id(user, model, model.status.in_([states.draft, states.returned]))
        elif model is Account:
            row_id = _first_id(user, model, Account.status != AccountStatus.closed)
        if row_id is not None:
            result.append(Scenario(f"{endpoint} edit", role, f"{base}edit/?id={row_id}", None,
                                   p95_rule=True, rule=FLOOR))
    return result


def other_scenarios(role: str, user, month_filter: str) -> list[Scenario]:
    anchor = reporting_period()
    month = anchor.strftime("%Y-%m")
    # The home page twice: as a request finds it (kept under the data version; the department's page made again
    # once a minute), and after a write of one unit (docs/benchmarks.md "The department's counts kept per unit").
    result = [Scenario("home page", role, "/admin/", None, rule=REFERENCE),
              Scenario("home page, after a write", role, "/admin/", None, rule=REFERENCE, after_a_write=VERSION,
                       note="each request follows a committed write of one unit that changes nothing the page shows: "
                            "for the department the next unit in turn (counted again in its ledger), for the unit "
                            "editor its own (counted anew)"),
              Scenario("home page, after a write of a count", role, "/admin/", None, rule=REFERENCE,
                       after_a_write=COUNT,
                       note="each request follows a committed write of one unit that moves a change request "
                            "between two states (bench/scenarios.py FLIPPED): a count and a card's rows change"),
              Scenario(f"missing reports {month}", role, f"/admin/reports/missing/?month={month}", None,
                       rule=REFERENCE)]
    export = "/admin/reports/export/{}/?" + month_filter
    if role == "dept":
        result += [Scenario(f"month summary {month} .xlsx", role, f"/admin/reports/summary/?month={month}&format=xlsx",
                            None, rule=REFERENCE),
                   Scenario(f"month summary {month} .csv", role, f"/admin/reports/summary/?month={month}&format=csv",
                            None, rule=REFERENCE)]
    # The month's list exported: the reports list filtered by the month, as a file. It has an SQL equivalent (the
    # list's own SELECTs), so it is judged, like the lists, against its floor: the same rows by bare SQL through
    # the minimal template (docs/benchmarks.md, "How a page is judged"); the reference page's 20 rows said
    # nothing of a file of 3,000.
    result += [Scenario(f"month list export {month} .xlsx", role, export.format("xlsx"), None, rule=FLOOR),
               Scenario(f"month list export {month} .csv", role, export.format("csv"), None, rule=FLOOR)]
    return result


def public_scenarios() -> list[Scenario]:
    name = db.session.execute(sa.select(Account.name).where(Account.in_matrix.is_(True)).order_by(Account.id)
                              .limit(1)).scalar() or "帐号"
    account_id = db.session.execute(sa.select(Account.platform_account_id).where(
        Account.in_matrix.is_(True)).order_by(Account.id.desc()).limit(1)).scalar() or "x"
    return [Scenario("matrix page", "public", "/matrix", None, rule=REFERENCE),
            Scenario("matrix page (revalidation, 304)", "public", "/matrix", None, expect=304,
                     note="If-None-Match with the page's ETag"),
            Scenario("matrix.json", "public", "/matrix.json", None, rule=REFERENCE),
            Scenario("matrix/verify (HTML)", "public", "/matrix/verify?" + urlencode({"q": name}), None,
                     rule=REFERENCE),
            Scenario("matrix/verify (JSON)", "public", "/matrix/verify?" + urlencode({"q": account_id,
                                                                                      "format": "json"}),
                     None, rule=REFERENCE)]


def bench_users() -> dict[str, User]:
    users = {name: db.session.query(User).filter_by(username=login).one_or_none()
             for name, login in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN))}
    missing = [login for login, user in users.items() if user is None]
    if missing:
        raise RuntimeError("No benchmark logins in this database: run `flask --app wsgi bench seed` first.")
    return users


def month_filter_query() -> str:
    """The reports list's URL arguments for "the reporting month" (period equal to its first day)."""
    view = admin_views()["reports"]
    for i, flt in enumerate(view._filters or []):
        if type(flt).__name__ == "DateEqualFilter" and getattr(flt.column, "key", None) == "period":
            return urlencode({f"flt0_{view.get_filter_arg(i, flt)}": reporting_period().isoformat()})
    raise RuntimeError("The reports list has no filter on the month.")


def bulk_ids(limit: int = 1000) -> list[int]:
    """Reports the department can approve in one go: awaiting it, no 涉密 flag (those need a handling note)."""
    return list(db.session.execute(
        sa.select(MonthlyReport.id).where(MonthlyReport.status == ReviewStatus.dept_review,
                                          MonthlyReport.involves_classified.is_(False))
        .order_by(MonthlyReport.id.desc()).limit(limit)).scalars())
