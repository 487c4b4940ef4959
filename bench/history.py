"""Ten years of audit log (bench/seed.py): logins, edits, workflow steps and exports, oldest first."""
from __future__ import annotations

import bisect
import datetime as dt
import itertools

from .data import MONTHS, add_months
from .world import World

#: (action, weight): what a university's registry writes to its log over the years.
ACTIONS = [("update", 380), ("create", 140), ("login", 150), ("logout", 30), ("login_failed", 10), ("submit", 80),
           ("confirm", 50), ("approve", 80), ("reject", 10), ("export", 30), ("delete", 10), ("suspend", 5),
           ("reinstate", 5)]
OBJECTS = [("MonthlyReport", 60), ("Account", 15), ("ChangeRecord", 15), ("Manager", 10)]
STEP_CHANGES = {"submit": ["draft", "unit_review"], "confirm": ["unit_review", "dept_review"],
                "approve": ["dept_review", "approved"], "reject": ["dept_review", "returned"],
                "suspend": ["approved", "suspended"], "reinstate": ["suspended", "approved"]}
KIND_LABEL = "帐号名称"


def _picker(rng, pairs):
    names = [p[0] for p in pairs]
    cumulative = list(itertools.accumulate(p[1] for p in pairs))
    total = cumulative[-1]
    return lambda: names[bisect.bisect_right(cumulative, rng.random() * total)]


def audit_rows(world: World):
    cols = ("id", "at", "user_id", "username", "ip", "action", "object_type", "object_id", "object_label", "unit_id",
            "changes", "note")
    rng, n = world.rng_for("audit_log"), world.size["audit"]
    accounts, managers, users = world.accounts, world.managers, world.users
    n_accounts, n_changes = len(accounts), world.size["changes"]
    n_reports = n_accounts * MONTHS
    start = dt.datetime.combine(world.first_month, dt.time(8))
    step = (world.now - start).total_seconds() / max(n, 1)
    action_of, object_of = _picker(rng, ACTIONS), _picker(rng, OBJECTS)
    dept = [u for u in users if u["role"] == "dept_admin"]

    def obj(kind):
        if kind == "MonthlyReport":
            rid = rng.randrange(1, n_reports + 1)
            a = accounts[(rid - 1) % n_accounts]
            month = add_months(world.first_month, (rid - 1) // n_accounts)
            return rid, f"{a['name']} · {month:%Y-%m}", a["unit_id"]
        if kind == "Account":
            a = rng.choice(accounts)
            return a["id"], a["name"], a["unit_id"]
        if kind == "ChangeRecord":
            a = rng.choice(accounts)
            return rng.randrange(1, n_changes + 1), f"{a['name']} · {KIND_LABEL}", a["unit_id"]
        m = rng.choice(managers)
        return m["id"], f"{m['name']}（{m['staff_no']}）", m["unit_id"]

    def rows():
        for i in range(n):
            at = start + dt.timedelta(seconds=step * (i + rng.random()))
            action = action_of()
            changes = note = None
            if action in ("login", "logout", "login_failed"):
                user = rng.choice(users)
                kind, object_id, label, unit_id = "User", user["id"], f"{user['display_name']} ({user['username']})", \
                    user["unit_id"]
                if action == "login_failed":
                    user, note = None, None
                    username = rng.choice(users)["username"]
                else:
                    username = user["username"]
            elif action == "export":
                user = rng.choice(dept)
                kind = object_id = label = unit_id = None
                username = user["username"]
                note = f"reports csv flt0_{rng.randrange(5)}={rng.choice(('approved', 'dept_review'))}"
            else:
                kind = "Account" if action in ("suspend", "reinstate") else object_of()
                object_id, label, unit_id = obj(kind)
                if action in ("approve", "reject", "suspend", "reinstate") or rng.random() < 0.2:
                    user = rng.choice(dept)
                elif action == "confirm":
                    user = users[world.leader_of[unit_id] - 1]
                else:
                    user = users[world.editor_of[unit_id] - 1]
                username = user["username"]
                if action in STEP_CHANGES:
                    changes = {"status": STEP_CHANGES[action]}
                    note = "已阅。" if action == "approve" else "请补充。" if action == "reject" else None
                elif action == "update":
                    before = rng.randrange(40)
                    changes = {"post_count": [before, before + rng.randrange(1, 9)]} if kind == "MonthlyReport" \
                        else {"phone": ["13800001111", "13900002222"]} if kind == "Manager" \
                        else {"reason": ["", "人员岗位调整"]}
                elif action == "create":
                    changes = {"status": [None, "draft"], "unit_id": [None, unit_id]}
                elif action == "delete":
                    changes = {"status": ["draft", None]}
            ip = f"10.{20 + (unit_id or 0) % 200}.{i % 250}.{i % 7 + 2}"
            yield (i + 1, at, user["id"] if user else None, username, ip,
                   action, kind, object_id, label, unit_id, changes, note)
    return cols, rows()


def calendar_rows(holidays: dict[dt.date, tuple[str, str | None]]):
    cols = ("id", "day", "kind", "name", "source", "created_at", "updated_at")
    stamp = dt.datetime(2016, 1, 4, 9)
    return cols, [(i, day, kind, name, "chinese-calendar", stamp, stamp)
                  for i, (day, (kind, name)) in enumerate(sorted(holidays.items()), start=1)]
