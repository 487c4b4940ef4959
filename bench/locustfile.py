"""The virtual users of `flask --app wsgi bench load` (run by locust in its own process; see bench/load.py).

Four kinds of users work the monthly reports the way the offices do (第十五条): unit editors fill in and
submit drafts and returned reports, unit leaders give the unit's opinion, the department approves (or
returns a few), the auditor reads and exports. All of them browse lists, filters, searches and pages.

Every write the server confirms (a redirect to a page that shows a success message and no error) is
written to a ledger; bench/load.py compares it with the database after the run ("zero lost writes").
Settings come from the JSON file named by XMT_LOAD_CONFIG (written by bench/load.py). This module does
not import the application: locust monkey-patches the process with gevent.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["XMT_LOAD_CONFIG"], encoding="utf-8").read())
ROWID = re.compile(r'name="rowid"[^>]*value="(\d+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: The writes the server confirmed, as [kind, report id, details], and the number of 5xx answers.
LEDGER: dict = {"confirmed": [], "server_errors": 0, "refused": 0}
_turn = itertools.count()


@events.request.add_listener
def _count_server_errors(response=None, **_kwargs):
    if response is not None and getattr(response, "status_code", 0) >= 500:
        LEDGER["server_errors"] += 1


@events.quitting.add_listener
def _write_ledger(**_kwargs):
    with open(CONFIG["ledger"], "w", encoding="utf-8") as out:
        json.dump(LEDGER, out)


class AdminForm(HTMLParser):
    """The fields of Flask-Admin's edit form as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form or (tag != "option" and not a.get("name")):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            if self._textarea:  # the browser drops the newline right after <textarea>
                self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None


class Office(HttpUser):
    abstract = True
    wait_time = between(*CONFIG["think"])
    role = ""

    def on_start(self):
        logins = CONFIG["logins"][self.role]
        self.username = logins[next(_turn) % len(logins)]
        self.login()

    # --- pieces ---------------------------------------------------------------------------------
    def get(self, path: str, name: str, expect: int = 200):
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}, expected {expect}")
            return response

    def login(self):
        page = self.get("/login", "login page")
        token = CSRF.search(page.text)
        with self.client.post("/login", name="login", catch_response=True, allow_redirects=False,
                              data={"csrf_token": token.group(1) if token else "", "username": self.username,
                                    "password": CONFIG["password"]}) as response:
            if response.status_code == 302 and "/login" not in response.headers.get("Location", ""):
                LEDGER["confirmed"].append(["login", None, self.username])
            else:
                response.failure(f"login of {self.username}: HTTP {response.status_code}")

    def post_confirmed(self, path: str, form: dict, name: str) -> bool:
        """POST, follow the redirect like a browser, and tell whether the page confirms the write."""
        with self.client.post(path, data=form, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code == 403:
                # A colleague took the record on meanwhile (e.g. submitted it): it may no longer be edited.
                response.success()
                LEDGER["refused"] += 1
                return False
            if response.status_code != 302:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                return False  # a refused form is shown again with its messages (200)
            location = response.headers.get("Location", "")
        after = self.get(location, "page after a write (redirect target)")
        ok = after.status_code == 200 and "alert-success" in after.text and "alert-danger" not in after.text
        LEDGER["refused"] += not ok  # e.g. the step was taken by a colleague first, or the page was stale
        return ok

    def report_ids(self, status: str | None = None, **more) -> list[int]:
        args = dict(more)
        if status:
            args[CONFIG["filters"]["status"]] = status
        query = "&".join(f"{k}={v}" for k, v in args.items())
        page = self.get("/admin/reports/" + ("?" + query if query else ""),
                        f"reports list: {status or 'page'}" + (" + month" if more else ""))
        return [int(i) for i in ROWID.findall(page.text)] if page.status_code == 200 else []

    def step(self, report_id: int, action: str, opinion: str = "", source: str = "") -> bool:
        """A workflow button on the record's page: details (CSRF token, row version), then the POST."""
        page = self.get(f"/admin/reports/details/?id={report_id}", "report details")
        token, version = CSRF.search(page.text), re.search(r'name="row_version" value="(\d+)"', page.text)
        if page.status_code != 200 or not token or not version or f'value="{action}"' not in page.text:
            LEDGER["refused"] += page.status_code == 200  # someone took the step first: no longer offered
            return False
        ok = self.post_confirmed("/admin/reports/action/", {
            "csrf_token": token.group(1), "rowid": str(report_id), "row_version": version.group(1),
            "action": action, "opinion": opinion, "url": f"/admin/reports/details/?id={report_id}"},
            f"report step: {action}")
        if ok:
            LEDGER["confirmed"].append([action, report_id, source])
        return ok

    # --- reading, shared by everyone --------------------------------------------------------------
    @task(2)
    def browse_reports(self):
        ids = self.report_ids(page=random.randrange(CONFIG["pages"]))
        if ids:
            self.get(f"/admin/reports/details/?id={random.choice(ids)}", "report details")

    @task(1)
    def search_accounts(self):
        term = random.choice(CONFIG["search_terms"])
        page = self.get(f"/admin/accounts/?search={term}", "accounts list: search")
        ids = ROWID.findall(page.text)
        if ids:
            self.get(f"/admin/accounts/details/?id={random.choice(ids)}", "account details")

    @task(1)
    def home(self):
        self.get("/admin/", "home page (to-do)")


class UnitEditor(Office):
    """单位管理员: fills in the month's drafts and corrects returned reports, then submits them."""
    weight = 8
    role = "unit_editor"

    @task(4)
    def fill_and_submit(self):
        first = random.choice(("draft", "returned"))
        for source in (first, "returned" if first == "draft" else "draft"):
            ids = self.report_ids(source)
            if ids:
                break
        else:
            return
        report_id = random.choice(ids)
        with self.client.get(f"/admin/reports/edit/?id={report_id}", name="report edit form",
                             catch_response=True, allow_redirects=False) as page:
            if page.status_code == 302:  # no longer editable (a colleague submitted it): shown its page instead
                page.success()
                LEDGER["refused"] += 1
                return
            if page.status_code != 200:
                page.failure(f"HTTP {page.status_code}")
                return
        parser = AdminForm()
        parser.feed(page.text)
        form = parser.fields
        if "post_count" not in form:
            return  # no longer editable (submitted by a colleague meanwhile)
        posts, marker = random.randrange(0, 400), uuid.uuid4().hex[:12]
        form.update(post_count=str(posts), topics=f"迎新季专题报道、校园开放日 [{marker}]")
        if not self.post_confirmed(f"/admin/reports/edit/?id={report_id}&url=/admin/reports/", form,
                                   "report edit (save)"):
            return
        LEDGER["confirmed"].append(["edit", report_id, [posts, marker]])
        self.step(report_id, "submit", source=source)  # only the unit's editors move drafts and returned ones

    @task(1)
    def month_list(self):
        self.report_ids(**{CONFIG["filters"]["period"]: CONFIG["period"]})


class UnitLeader(Office):
    """单位负责人: gives the unit's opinion on what the editors submitted."""
    weight = 4
    role = "unit_leader"

    @task(4)
    def confirm(self):
        ids = self.report_ids("unit_review")
        if ids:
            self.step(random.choice(ids), "confirm", "同意报送。")

    @task(1)
    def missing(self):
        self.get(f"/admin/reports/missing/?month={CONFIG['period'][:7]}", "missing reports")


class DeptApprover(Office):
    """宣传部审核员: approves reports awaiting the department, returns about one in ten."""
    weight = 5
    role = "dept_admin"

    @task(5)
    def review(self):
        ids = self.report_ids("dept_review")
        if not ids:
            return
        if random.random() < 0.1:
            self.step(random.choice(ids), "reject", "主题及内容过于简略，请补充本月发布的主要栏目。")
        else:
            self.step(random.choice(ids), "approve", "同意。")

    @task(1)
    def missing(self):
        self.get(f"/admin/reports/missing/?month={CONFIG['period'][:7]}", "missing reports")

    @task(1)
    def accounts_pages(self):
        self.get(f"/admin/accounts/?page={random.randrange(CONFIG['account_pages'])}", "accounts list: page")


class Auditor(Office):
    """只读审计: reads lists, the audit log and exports the month's reports."""
    weight = 3
    role = "auditor"

    @task(2)
    def audit_log(self):
        self.get(f"/admin/audit/?page={random.randrange(20)}", "audit log list")

    @task(1)
    def export_month(self):
        response = self.get(f"/admin/reports/export/csv/?{CONFIG['filters']['period']}={CONFIG['period']}",
                            "reports export .csv (month)")
        if response.status_code == 200:
            LEDGER["confirmed"].append(["export", None, None])
