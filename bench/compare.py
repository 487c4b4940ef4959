"""`flask --app wsgi bench compare --other URL`: the pages of `bench run` on two databases (e.g. scale 1 and
scale 10), in one process, request by request in turn (issue 18 item 4).

On a machine shared by other work the time of a page moves by 1.5–3 × between two runs minutes apart (the work
calendar's pages, whose rows do not change with the scale, did in this session), which hides a growth of 1.5 ×.
Here each request on one database is followed by the same page's request on the other, as the same role, so
both see the same moments of the machine; the ratio of the two medians is the figure to read. In-process (Flask
test client, no gunicorn, no HTTP): what differs between the two sides is the data alone. The database time of
each side is split out (SQLAlchemy's cursor events), as `bench queries` does.
"""
from __future__ import annotations

import contextlib
import statistics
import time
from collections import OrderedDict

import click

from admin import home_figures
from models import db

from . import data, scenarios
from .profile import StatementLog, login


def _side(url: str | None):
    from app import create_app

    config = {"RATELIMIT_ENABLED": False}
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    app = create_app(config)
    with app.app_context():
        users = scenarios.bench_users()
        month_filter = scenarios.month_filter_query()
        pages = {}
        for role in ("dept", "unit"):
            for s in scenarios.list_scenarios(role, users[role], db.engine.dialect.name) + \
                    scenarios.other_scenarios(role, users[role], month_filter):
                pages[(role, s.name)] = s
        counts = {name: n for name, n in _counts().items()}
        engine = db.engine
        db.session.remove()
    clients = {}
    for role, login_name in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN)):
        clients[role] = app.test_client()
        login(clients[role], login_name)
    return app, engine, pages, clients, counts


def _counts() -> dict:
    import sqlalchemy as sa

    return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("units", "accounts", "monthly_reports", "audit_log")}


#: What the home pages keep per process under (scope, day, data version): the two databases of one comparison may
#: have the same number and unit ids, so each side keeps its own (else one side would be served the other's page).
KEPT_PER_DATABASE = (home_figures.figures_kept, home_figures.bodies)


@contextlib.contextmanager
def kept_of(stores: list):
    """The home pages' kept figures and bodies of one side in place while it serves a request."""
    saved = [kept._items for kept in KEPT_PER_DATABASE]
    for kept, items in zip(KEPT_PER_DATABASE, stores):
        kept._items = items
    try:
        yield
    finally:
        for kept, items in zip(KEPT_PER_DATABASE, saved):
            kept._items = items


def compare(other_url: str, name_filter: str, repeat: int, echo=click.echo) -> list[dict]:
    """Rows of (page, role, this side's median ms and SQL ms, the other side's, the ratio other/this)."""
    this = _side(None)
    other = _side(other_url)
    echo(f"this:  {this[4]}\nother: {other[4]}")
    words = [w.strip().lower() for w in name_filter.split(",") if w.strip()]
    keys = [k for k in this[2] if k in other[2] and (not words or any(w in k[1].lower() for w in words))
            and "export" not in k[1] and "summary" not in k[1]]  # (exports keep files per month: one process, two DBs)
    logs = (StatementLog(this[1]), StatementLog(other[1]))
    results = []
    echo(f"{'page':<40} {'as':<5} {'this ms':>8} {'SQL':>6} {'other ms':>9} {'SQL':>6} {'other/this':>10}")
    stores = ([OrderedDict() for _kept in KEPT_PER_DATABASE], [OrderedDict() for _kept in KEPT_PER_DATABASE])
    engines = (this[1], other[1])
    try:
        for role, name in keys:
            sides = ((this[3][role], this[2][(role, name)].path, logs[0]),
                     (other[3][role], other[2][(role, name)].path, logs[1]))
            write_first = this[2][(role, name)].after_a_write
            times, sql = ([], []), ([], [])
            for j, (client, path, _log) in enumerate(sides):  # warm
                with kept_of(stores[j]):
                    if write_first:
                        scenarios.write(engines[j], role, write_first)
                    client.get(path).get_data()
            status = set()
            for i in range(repeat):
                order = (0, 1) if i % 2 == 0 else (1, 0)  # neither side always first
                for j in order:
                    client, path, log = sides[j]
                    with kept_of(stores[j]):
                        if write_first:
                            scenarios.write(engines[j], role, write_first)
                        log.reset()
                        began = time.perf_counter()
                        response = client.get(path)
                        response.get_data()
                    times[j].append(time.perf_counter() - began)
                    sql[j].append(sum(t for _s, _p, t in log.items))
                    status.add(response.status_code)
            a, b = (statistics.median(t) * 1000 for t in times)
            sa_, sb = (statistics.median(t) * 1000 for t in sql)
            row = {"page": name, "role": role, "this": a, "this_sql": sa_, "other": b, "other_sql": sb,
                   "ratio": b / a if a else 0, "status": sorted(status)}
            results.append(row)
            echo(f"{name[:40]:<40} {role:<5} {a:>8.1f} {sa_:>6.1f} {b:>9.1f} {sb:>6.1f} {row['ratio']:>9.2f}×"
                 + ("" if status == {200} else f"  HTTP {sorted(status)}"))
    finally:
        for log in logs:
            log.close()
    return results
