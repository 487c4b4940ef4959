"""The benchmark world: rows of every table, generated in memory from one seed (no ORM, no database).

Each method returns the column names and an iterable of tuples in that order, ready for COPY or an
``insert()`` executemany. Ids are explicit so that rows can refer to each other; the ids follow the
order in which a real installation would have created the rows (reports month by month, audit
entries by time).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random

from . import data
from .data import add_months, random_time, weighted

TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                         "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class World:
    def __init__(self, scale: float, today: dt.date, password_hash: str, holidays: dict | None = None):
        self.scale, self.today, self.password_hash = scale, today, password_hash
        self.rng = random.Random(data.SEED)
        self.holidays = holidays or {}  # date -> ("holiday" | "workday", name)
        self.now = dt.datetime.combine(today, dt.time(9, 0))
        #: The month whose reports are due now (services.reports.reporting_period), and the first one.
        self.anchor = add_months(today.replace(day=1), -1)
        self.first_month = add_months(self.anchor, -(data.MONTHS - 1))
        size = {k: max(2 if k == "units" else 1, round(v * scale)) for k, v in data.SCALE_1.items()}
        size["accounts"] = max(size["accounts"], size["units"])
        size["managers"] = max(size["managers"], 3 * size["units"])
        self.size = size
        self._plan()

    # --- the skeleton: units, users, managers, accounts and teams ---------------------------------------
    def _plan(self) -> None:
        rng, n_units = self.rng, self.size["units"]
        kinds = [weighted(rng, data.UNIT_KIND_SHARES) for _ in range(n_units)]
        kinds[0] = "college"  # the benchmark unit: the largest college
        pools = {"functional": list(data.FUNCTIONAL), "college": [s + "学院" for s in data.SUBJECTS],
                 "affiliated": list(data.AFFILIATED), "student_org": list(data.STUDENT), "other": list(data.OTHER)}
        used, self.units = set(), []
        for i, kind in enumerate(kinds):
            base = pools[kind][i % len(pools[kind])] if i else "会计学院"
            name, n = base, 2
            while name in used:
                name, n = f"{base}（第{n}分部）", n + 1
            used.add(name)
            code = f"{kind[0].upper()}{i + 1:03d}"
            self.units.append({"id": i + 1, "code": code, "name": name, "kind": kind})
        # Units differ in size: the first ones run most accounts (a Zipf-like spread).
        weights = [1 / (i + 8) ** 0.8 for i in range(n_units)]
        self.accounts_per_unit = data.spread(self.size["accounts"], weights)
        managers_per_unit = [max(3, n) for n in data.spread(self.size["managers"], self.accounts_per_unit)]

        self.users, uid = [], 0

        def user(username, display, role, unit_id):
            nonlocal uid
            uid += 1
            self.users.append({"id": uid, "username": username, "display_name": display, "role": role,
                               "unit_id": unit_id})
            return uid

        self.dept_ids = [user(data.DEPT_LOGIN, "宣传部审核员", "dept_admin", None),
                         user("bench_dept2", "宣传部审核员二", "dept_admin", None)]
        user(data.AUDITOR_LOGIN, "审计员", "auditor", None)
        self.editor_of, self.leader_of = {}, {}
        for unit in self.units:
            first = unit["id"] == 1
            self.editor_of[unit["id"]] = user(data.EDITOR_LOGIN if first else f"e_{unit['code'].lower()}",
                                              f"{unit['name']}管理员", "unit_editor", unit["id"])
            self.leader_of[unit["id"]] = user(data.LEADER_LOGIN if first else f"l_{unit['code'].lower()}",
                                              f"{unit['name']}负责人", "unit_leader", unit["id"])

        self.managers, self.managers_of, mid = [], {}, 0
        for unit, count in zip(self.units, managers_per_unit):
            ids = []
            for j in range(count):
                mid += 1
                status = weighted(rng, data.EMPLOYMENT)
                staff_no = f"{2022 + j % 4}{unit['id']:03d}{j:04d}" if status == "student" else \
                    f"{1995 + j % 28}{unit['id']:03d}{j:04d}"
                self.managers.append({
                    "id": mid, "name": data.person_name(rng), "staff_no": staff_no, "unit_id": unit["id"],
                    "title": rng.choice(data.TITLES), "phone": f"13{rng.randrange(10**9):09d}",
                    "email": f"m{mid}@example.edu.cn" if rng.random() < 0.4 else None, "status": status})
                ids.append(mid)
            self.managers_of[unit["id"]] = ids

        self.accounts, self.team, aid, tid = [], [], 0, 0
        for unit, count in zip(self.units, self.accounts_per_unit):
            people = self.managers_of[unit["id"]]
            staff = [m for m in people if self.managers[m - 1]["status"] == "staff"] or people
            for _ in range(count):
                aid += 1
                account = self._account(aid, unit)
                head = rng.choice(staff)
                # 第八条: the administrators of a verified account are on-staff employees.
                candidates = [m for m in (staff if account["verified"] else people) if m != head]
                if not candidates:
                    account["verified"] = False
                    candidates = [m for m in people if m != head]
                admins = rng.sample(candidates, k=min(rng.choice((1, 1, 2)), len(candidates)))
                members = [(head, "head")] + [(m, "admin") for m in admins]
                account["staff"] = [{"role": role, "name": self.managers[m - 1]["name"],
                                     "title": self.managers[m - 1]["title"], "phone": self.managers[m - 1]["phone"],
                                     "email": self.managers[m - 1]["email"]} for m, role in members]
                for m, role in members:
                    tid += 1
                    self.team.append((tid, aid, m, role))
                self.accounts.append(account)

    def _account(self, aid: int, unit: dict) -> dict:
        rng = self.rng
        platform = weighted(rng, data.PLATFORMS)
        short = next(p[2] for p in data.PLATFORMS if p[0] == platform)
        other = rng.choice(data.OTHER_PLATFORMS) if platform == "other" else None
        status = weighted(rng, data.ACCOUNT_STATUSES)
        created = dt.date(2009, 1, 1) + dt.timedelta(days=rng.randrange(
            max(1, (self.first_month - dt.date(2009, 1, 1)).days - 1)))
        due = self.add_working_days(created, 5)
        submitted = None if status == "draft" else random_time(
            rng, due + dt.timedelta(days=rng.randrange(-4, 3) if rng.random() < 0.9 else rng.randrange(3, 40)))
        registered = status in ("approved", "suspended", "closed")
        wechat = platform in ("wechat_subscription", "wechat_service")
        account_id = f"{unit['code'].lower()}_{platform[:4]}_{aid}"
        return {
            "id": aid, "unit_id": unit["id"], "unit_name": unit["name"], "platform": platform,
            "platform_code": f"other:{other}" if other else platform, "platform_other": other,
            "name": f"{unit['name']}{rng.choice(data.TOPICS)}{short or other}",
            "platform_account_id": account_id,
            "wechat_original_id": f"gh_{(aid * 2654435761) % 16 ** 12:012x}" if wechat else None,
            "homepage_url": f"https://{data.DOMAINS[platform]}/{account_id}" if platform in data.DOMAINS
            and rng.random() < 0.7 else None,
            "created_on": created, "registration_due": due, "status": status,
            "verified": wechat and rng.random() < 0.6 or platform == "weibo" and rng.random() < 0.3,
            "outsourced": rng.random() < 0.1, "submitted_at": submitted,
            "is_late": submitted is not None and submitted.date() > due,
            "in_matrix": status == "approved" and rng.random() < 0.95, "registered": registered,
            "signed_at": submitted + dt.timedelta(hours=rng.randrange(1, 48)) if status in (
                "dept_review", "approved", "suspended", "closed") else None,
            "approved_at": submitted + dt.timedelta(days=rng.randrange(1, 10)) if registered else None,
            "base_posts": max(1, int(rng.lognormvariate(2.6, 0.7))),
            "dormant": registered and rng.random() < 0.02,
        }

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """services.workdays.add_working_days, on the calendar loaded in memory."""
        current = start
        while days:
            current += dt.timedelta(days=1)
            kind = self.holidays.get(current, ("",))[0]
            if kind == "workday" or (kind != "holiday" and current.weekday() < 5):
                days -= 1
        return current

    # --- tables ------------------------------------------------------------------------------------
    def rng_for(self, table: str) -> random.Random:
        """Each table draws from a generator of its own, so a table's rows do not depend on whether the tables
        before it were generated in this process (a resumed seed skips the tables already loaded)."""
        return random.Random(f"{data.SEED}:{table}")

    def expected_counts(self) -> dict[str, int]:
        """The rows each table gets (bench/seed.py: a resumed seed keeps a table that has exactly these)."""
        n = len(self.accounts)
        attachments = sum((a["in_matrix"] and a["id"] % 5 == 0) + (a["id"] % 2 == 0) for a in self.accounts)
        return {"units": len(self.units), "users": len(self.users), "managers": len(self.managers),
                "work_calendar": len(self.holidays), "accounts": n, "account_team": len(self.team),
                "monthly_reports": n * data.MONTHS, "change_records": self.size["changes"],
                "violations": self.size["violations"], "assessments": 10 * (n + len(self.units)),
                "attachments": attachments, "audit_log": self.size["audit"]}

    def unit_rows(self):
        cols = ("id", "code", "name", "kind", "leader_name", "leader_title", "phone", "active", "established_on",
                "created_at", "updated_at")
        stamp, rng = dt.datetime(2016, 1, 4, 9), self.rng_for("units")
        rows = [(u["id"], u["code"], u["name"], u["kind"], data.person_name(rng), "负责人",
                 f"0871-6502{u['id']:04d}", True, dt.date(1990 + u["id"] % 15, 9, 1) if u["id"] % 10 < 7 else None,
                 stamp, stamp) for u in self.units]
        return cols, rows

    def user_rows(self):
        cols = ("id", "username", "display_name", "password_hash", "role", "unit_id", "email", "active",
                "failed_logins", "last_login_at", "created_at", "updated_at")
        stamp, rng = dt.datetime(2016, 1, 4, 9), self.rng_for("users")
        # Everybody logged in during the last month (`flask users deactivate-idle` keeps them).
        return cols, [(u["id"], u["username"], u["display_name"], self.password_hash, u["role"], u["unit_id"],
                       f"{u['username']}@example.edu.cn", True, 0,
                       self.now - dt.timedelta(days=rng.randrange(30), minutes=rng.randrange(600)),
                       stamp, stamp) for u in self.users]

    def manager_rows(self):
        cols = ("id", "name", "staff_no", "unit_id", "title", "phone", "email", "employment_status", "version",
                "created_at", "updated_at")
        stamp = dt.datetime(2016, 1, 4, 9)
        return cols, [(m["id"], m["name"], m["staff_no"], m["unit_id"], m["title"], m["phone"], m["email"],
                       m["status"], 1, stamp, stamp) for m in self.managers]

    def account_rows(self):
        cols = ("id", "name", "platform", "platform_other", "platform_account_id", "wechat_original_id",
                "creator_entity", "unit_id", "created_on", "verified", "positioning_function", "positioning_content",
                "positioning_audience", "maintenance", "vendor", "homepage_url", "status", "in_matrix",
                "unit_opinion", "unit_signed_by_id", "unit_signed_at", "dept_opinion", "approved_by_id",
                "approved_at", "submitted_at", "return_reason", "registration_due", "is_late", "version",
                "created_at", "updated_at")
        rows, rng = [], self.rng_for("accounts")
        for a in self.accounts:
            signed = a["signed_at"] is not None
            created_at = dt.datetime.combine(a["created_on"], dt.time(10))
            rows.append((
                a["id"], a["name"], a["platform"], a["platform_other"], a["platform_account_id"],
                a["wechat_original_id"], a["unit_name"], a["unit_id"], a["created_on"], a["verified"],
                "发布本单位工作动态、通知公告", "、".join(rng.sample(data.TOPIC_PHRASES, 3)), "本单位师生及校友",
                "outsourced" if a["outsourced"] else "self_run",
                rng.choice(data.VENDORS) if a["outsourced"] else None,
                a["homepage_url"], a["status"], a["in_matrix"], data.OPINIONS_UNIT[0] if signed else None,
                self.leader_of[a["unit_id"]] if signed else None, a["signed_at"],
                "同意备案。" if a["registered"] else None, self.dept_ids[0] if a["registered"] else None,
                a["approved_at"], a["submitted_at"], data.RETURN_REASONS[0] if a["status"] == "returned" else None,
                a["registration_due"], a["is_late"], 4 if a["registered"] else 2, created_at,
                a["approved_at"] or a["submitted_at"] or created_at))
        return cols, rows

    def team_rows(self):
        return ("id", "account_id", "manager_id", "role"), self.team

    def report_id(self, k: int, account_index: int) -> int:
        """Reports are numbered month by month, oldest first: k months before the anchor month."""
        return (data.MONTHS - 1 - k) * len(self.accounts) + account_index + 1

    def report_statuses(self, k: int) -> list[tuple[str, int]]:
        if k == 0:
            return [("draft", 12), ("unit_review", 8), ("dept_review", 53), ("returned", 2), ("approved", 25)]
        if k == 1:
            return [("dept_review", 30), ("returned", 2), ("approved", 68)]
        if k == 2:
            return [("dept_review", 10), ("approved", 90)]
        return [("dept_review", 2), ("returned", 3), ("approved", 995)]

    def report_rows(self):
        cols = ("id", "account_id", "unit_id", "period", "snapshot_unit_name", "snapshot_platform",
                "snapshot_account_name", "snapshot_account_id", "snapshot_staff", "post_count", "topics",
                "involves_classified", "classified_handling", "status", "submitted_at", "is_late", "unit_opinion",
                "unit_signed_by_id", "unit_signed_at", "dept_opinion", "approved_by_id", "approved_at",
                "return_reason", "version", "created_at", "updated_at")
        rng, phrases = self.rng_for("monthly_reports"), data.TOPIC_PHRASES
        dept, now = self.dept_ids[0], self.now
        versions = {"draft": 1, "unit_review": 2, "dept_review": 3, "returned": 3, "approved": 4}

        def rows():
            for k in range(data.MONTHS - 1, -1, -1):
                period = add_months(self.anchor, -k)
                window = add_months(period, 1)
                statuses = self.report_statuses(k)
                for index, a in enumerate(self.accounts):
                    status = weighted(rng, statuses)
                    month_factor = 0.6 + 0.8 * rng.random()
                    posts = 0 if a["dormant"] and k < 4 else int(a["base_posts"] * month_factor)
                    classified = rng.random() < 0.002
                    submitted = late = None
                    if status != "draft":
                        day = rng.randrange(1, 6) if rng.random() < 0.85 else rng.randrange(6, 21)
                        submitted = min(random_time(rng, window.replace(day=day)), now)
                        late = submitted.date() > window.replace(day=5)
                    signed = status in ("dept_review", "approved")
                    signed_at = submitted + dt.timedelta(hours=rng.randrange(1, 30)) if signed else None
                    approved_at = min(signed_at + dt.timedelta(days=rng.randrange(1, 8)), now) \
                        if status == "approved" else None
                    created = dt.datetime.combine(window, dt.time(8)) if k else min(
                        dt.datetime.combine(window, dt.time(8)), now)
                    yield (
                        self.report_id(k, index), a["id"], a["unit_id"], period, a["unit_name"], a["platform_code"],
                        a["name"], a["wechat_original_id"] or a["platform_account_id"], a["staff"], posts,
                        "、".join(rng.sample(phrases, rng.randrange(1, 4))), classified,
                        "已删除相关内容并报保密办备案。" if classified and status == "approved" else None, status,
                        submitted, bool(late), rng.choice(data.OPINIONS_UNIT[1:]) if signed else None,
                        self.leader_of[a["unit_id"]] if signed else None, signed_at,
                        "已阅。" if approved_at else None, dept if approved_at else None, approved_at,
                        rng.choice(data.RETURN_REASONS) if status == "returned" else None, versions[status],
                        created, approved_at or signed_at or submitted or created)
        return cols, rows()

    def change_rows(self):
        cols = ("id", "account_id", "unit_id", "kind", "changed_on", "before", "after", "reason", "closure_notice",
                "closure_notice_on", "status", "due_on", "is_late", "submitted_at", "unit_opinion",
                "unit_signed_by_id", "unit_signed_at", "dept_opinion", "approved_by_id", "approved_at",
                "return_reason", "version", "created_at", "updated_at")
        rng, n = self.rng_for("change_records"), self.size["changes"]
        start = self.first_month
        span = (self.today - start).days - 3
        plans = []
        closed = [a for a in self.accounts if a["status"] == "closed"]
        for a in closed[:n]:
            plans.append((start + dt.timedelta(days=rng.randrange(span)), a, "closure"))
        while len(plans) < n:
            kind = weighted(rng, [("name", 25), ("managers", 40), ("maintenance", 15), ("other", 20)])
            plans.append((start + dt.timedelta(days=rng.randrange(span)), rng.choice(self.accounts), kind))
        plans.sort(key=lambda p: p[0])
        rows = []
        for cid, (changed, a, kind) in enumerate(plans, start=1):
            recent = (self.today - changed).days < 60
            status = "approved" if kind == "closure" else weighted(rng, [
                ("draft", 20), ("unit_review", 20), ("dept_review", 30), ("returned", 5), ("approved", 25)]
                if recent else [("approved", 97), ("returned", 3)])
            due = self.add_working_days(changed, 5)
            submitted = None if status == "draft" else min(random_time(
                rng, changed + dt.timedelta(days=rng.randrange(1, 8) if rng.random() < 0.9 else rng.randrange(8, 30))),
                self.now)
            signed = status in ("dept_review", "approved")
            signed_at = submitted + dt.timedelta(hours=rng.randrange(1, 30)) if signed else None
            approved_at = min(signed_at + dt.timedelta(days=rng.randrange(1, 6)), self.now) \
                if status == "approved" else None
            before = {"name": a["name"], "platform": a["platform"], "platform_account_id": a["platform_account_id"],
                      "wechat_original_id": a["wechat_original_id"], "unit": a["unit_name"],
                      "maintenance": "outsourced" if a["outsourced"] else "self_run", "vendor": None,
                      "team": a["staff"]}
            if kind == "name":
                after = {"name": a["name"] + rng.choice(("（新）", "官方", "发布"))}
            elif kind == "maintenance":
                after = {"maintenance": "self_run" if a["outsourced"] else "outsourced",
                         "vendor": None if a["outsourced"] else rng.choice(data.VENDORS)}
            elif kind == "managers":
                people = rng.sample(self.managers_of[a["unit_id"]], 2)
                after = {"team": [{"manager_id": people[0], "role": "head"},
                                  {"manager_id": people[1], "role": "admin"}]}
            else:
                after = {}
            created = dt.datetime.combine(changed, dt.time(9)) + dt.timedelta(days=1)
            rows.append((
                cid, a["id"], a["unit_id"], kind, changed, before, after,
                rng.choice(data.CHANGE_REASONS) if kind != "closure" else "帐号停止运营",
                "本帐号自即日起停止更新，感谢关注。" if kind == "closure" else None,
                changed if kind == "closure" else None, status, due, bool(submitted and submitted.date() > due),
                submitted, "同意。" if signed else None, self.leader_of[a["unit_id"]] if signed else None, signed_at,
                "准予变更备案。" if approved_at else None, self.dept_ids[0] if approved_at else None, approved_at,
                data.RETURN_REASONS[0] if status == "returned" else None, 1 + ("draft", "unit_review", "dept_review",
                                                                           "approved").index(status)
                if status != "returned" else 3, min(created, self.now),
                approved_at or submitted or min(created, self.now)))
        return cols, rows

    def violation_rows(self):
        cols = ("id", "account_id", "unit_id", "occurred_on", "kind", "description", "measure", "responsible_persons",
                "rectification_due", "rectification", "resolved_on", "version", "created_at", "updated_at")
        rng, rows = self.rng_for("violations"), []
        suspended = [a for a in self.accounts if a["status"] == "suspended"]
        registered = [a for a in self.accounts if a["registered"]] or self.accounts
        for vid in range(1, self.size["violations"] + 1):
            a = suspended[vid - 1] if vid <= len(suspended) else rng.choice(registered)
            occurred = self.first_month + dt.timedelta(days=rng.randrange((self.today - self.first_month).days))
            measure = "suspend" if a["status"] == "suspended" and vid <= len(suspended) else \
                weighted(rng, [("rectify", 70), ("criticise", 25), ("accountability", 5)])
            resolved = None if measure == "suspend" or (self.today - occurred).days < 30 else \
                occurred + dt.timedelta(days=rng.randrange(3, 30))
            stamp = dt.datetime.combine(occurred, dt.time(15))
            rows.append((vid, a["id"], a["unit_id"], occurred,
                         weighted(rng, [("late_report", 40), ("late_registration", 10), ("ip_infringement", 20),
                                        ("unauthorised_sensitive", 15), ("classified", 5), ("other", 10)]),
                         rng.choice(data.VIOLATION_TEXTS), measure, data.person_name(rng),
                         occurred + dt.timedelta(days=30), "已整改并加强审核。" if resolved else None, resolved,
                         2 if resolved else 1, stamp, stamp))
        return cols, rows

    def assessment_rows(self):
        cols = ("id", "year", "unit_id", "account_id", "registered_on_time", "reports_expected", "reports_on_time",
                "posts", "violations", "score", "rank", "grade", "commended", "version", "created_at", "updated_at")
        rng, rows, aid = self.rng_for("assessments"), [], 0
        for year in range(self.anchor.year - 10, self.anchor.year):
            stamp = dt.datetime(year + 1, 1, 20, 10)
            scored = []
            for a in self.accounts:
                on_time = rng.randrange(8, 13)
                posts = a["base_posts"] * 12
                score = round(20 * (not a["is_late"]) + 50 * on_time / 12 + 20 * min(1, posts / 120) + 10, 2)
                scored.append((score, a, on_time, posts))
            scored.sort(key=lambda s: -s[0])
            for rank, (score, a, on_time, posts) in enumerate(scored, start=1):
                aid += 1
                grade = "excellent" if score >= 90 else "good" if score >= 80 else "pass_" if score >= 60 else "fail"
                rows.append((aid, year, a["unit_id"], a["id"], not a["is_late"], 12, on_time, posts, 0, score, rank,
                             grade, rank <= 10, 1, stamp, stamp))
            for unit in self.units:
                aid += 1
                rows.append((aid, year, unit["id"], None, None, 12 * self.accounts_per_unit[unit["id"] - 1], 0, 0, 0,
                             None, None, None, False, 1, stamp, stamp))
        return cols, rows

    def attachment_rows(self):
        cols = ("id", "unit_id", "account_id", "kind", "filename", "content_type", "size", "sha256", "content",
                "uploaded_by_id", "created_at", "updated_at")
        rows, fid = [], 0
        for a in self.accounts:
            stamp = dt.datetime.combine(a["created_on"], dt.time(11))
            if a["in_matrix"] and a["id"] % 5 == 0:
                fid += 1
                rows.append((fid, a["unit_id"], a["id"], "qr_code", "qrcode.png", "image/png", len(TINY_PNG),
                             hashlib.sha256(TINY_PNG).hexdigest(), TINY_PNG, self.editor_of[a["unit_id"]],
                             stamp, stamp))
            if a["id"] % 2 == 0:
                fid += 1
                rows.append((fid, a["unit_id"], a["id"], "signed_form", "备案审批表.pdf", "application/pdf",
                             len(TINY_PDF), hashlib.sha256(TINY_PDF).hexdigest(), TINY_PDF,
                             self.editor_of[a["unit_id"]], stamp, stamp))
        return cols, rows
