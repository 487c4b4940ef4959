"""How much memory one .xlsx export of the audit log takes, by number of rows (issue 16, finding 4).

    SECRET_KEY=x .venv/bin/python deploy/export_memory.py 10000 50000 100000

Builds a throw-away SQLite database, fills the audit log with N entries (each with a changes dict, like a
real edit), signs in as the department and asks /admin/audit/export/xlsx/ through Flask's test client, with
tracemalloc measuring the peak of Python allocations during the request and the whole response read. Then,
for comparison, the same export through Flask-Admin's own tablib export (what the audit log used before).
The time is measured on a run without tracemalloc. The figures are in docs/deploy.md."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(sizes: list[int]) -> None:
    work = tempfile.mkdtemp(prefix="xmt-export-memory-")
    os.environ["INSTANCE_PATH"] = work
    from flask_migrate import upgrade

    from app import create_app
    from models import AuditAction, AuditLog, Role, User, db

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SERVER_NAME": "localhost", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/m.sqlite3", "EXPORT_XLSX_MAX_ROWS": 10**9})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        user = User(username="dept", display_name="宣传部", role=Role.dept_admin, active=True)
        user.set_password("m-password-123")
        db.session.add(user)
        db.session.commit()
        user_id, made = user.id, 0
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        from flask import session
        from flask_login import login_user

        login_user(db.session.get(User, user_id))
        state = dict(session)
    with client.session_transaction() as stored:
        stored.update(state)
    print("| rows | path | peak Python memory during the export | time (CPU) | file |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size in sizes:
        with app.app_context():
            rows = [{"at": dt.datetime(2026, 1, 1) + dt.timedelta(minutes=i), "username": "dept", "ip": "10.0.0.1",
                     "action": AuditAction.update, "object_type": "Account", "object_id": i,
                     "object_label": f"测试帐号{i}", "changes": {"name": [f"旧名{i}", f"新名{i}"], "post_count": [i, i + 1]},
                     "note": None} for i in range(made, size)]
            for start in range(0, len(rows), 10000):
                db.session.execute(AuditLog.__table__.insert(), rows[start:start + 10000])
            db.session.commit()
            made = size
        if size < sizes[-1] and os.environ.get("STREAMED_ONLY"):
            continue
        for label in ("streamed (this branch)", "Flask-Admin tablib (before)"):
            if label.startswith("Flask") and (size > 10000 or os.environ.get("STREAMED_ONLY")):
                continue  # minutes and hundreds of MiB: the trend is clear by 50,000
            measure(app, client, size, label)


def measure(app, client, size: int, label: str) -> None:
    from admin.audit import AuditView
    from flask_admin.model.base import BaseModelView

    patched = label.startswith("Flask")
    if patched:
        AuditView._export_tablib = lambda self, t, r: BaseModelView._export_tablib(self, t, r)
    client.get("/admin/audit/?page=0")  # warm: templates compiled, catalogs loaded
    started, cpu = time.perf_counter(), time.process_time()  # without tracemalloc, which slows allocation down
    response = client.get("/admin/audit/export/xlsx/")
    length = sum(len(chunk) for chunk in response.response)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    response = client.get("/admin/audit/export/xlsx/")
    sum(len(chunk) for chunk in response.response)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if patched:
        del AuditView._export_tablib
    assert response.status_code == 200, response.status_code
    print(f"| {size:,} | {label} | {peak / 2**20:,.1f} MiB | {elapsed:.1f} s ({cpu:.1f} s CPU) | "
          f"{length / 2**20:.1f} MiB |", flush=True)


if __name__ == "__main__":
    try:
        main([int(n) for n in sys.argv[1:]] or [2000, 10000, 50000])
    finally:
        import shutil

        shutil.rmtree(os.environ.get("INSTANCE_PATH", "/nonexistent"), ignore_errors=True)
