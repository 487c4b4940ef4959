"""The results table of `bench run`, the machine's description, and the section appended to docs/benchmarks.md."""
from __future__ import annotations

import datetime as dt
import math
import os
import platform
import sqlite3
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from models import db

from .verdict import Rule, judge, p95_ok, ratio as ratio_of

ROLE_NAMES = {"dept": "department approver", "unit": "unit editor", "public": "public (no login)"}


@dataclass
class Result:
    name: str
    role: str
    times: list[float]  # seconds
    target_ms: float | None
    p95_rule: bool = False
    note: str = ""
    #: Extra figures checked against targets (e.g. memory growth), as (text, passed).
    checks: tuple = ()
    error: str = ""
    #: The ratio verdict (issue 18): the rule and the median of its base (floor, reference or dump), in ms.
    rule: Rule | None = None
    base_ms: float | None = None
    #: The base's p95 over its median, measured with the page (bench/verdict.py ``p95_ok``).
    base_spread: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times) * 1000 if self.times else math.nan

    @property
    def p95(self) -> float:
        if not self.times:
            return math.nan
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    @property
    def ratio(self) -> float:
        return ratio_of(self.median, self.base_ms)

    @property
    def passed(self) -> bool | None:
        if self.error:
            return False
        timed = judge(self.median, self.base_ms, self.rule)
        if timed is None and self.target_ms is not None:
            timed = self.median <= self.target_ms
        if timed is None and not self.checks:
            return None
        ok = timed is not False
        if self.p95_rule and self.times:
            ok = ok and p95_ok(self.median, self.p95, self.base_spread)
        return ok and all(passed for _text, passed in self.checks)

    def target_text(self) -> str:
        if self.rule is not None:
            text = self.rule.text()
        elif self.target_ms is not None:
            text = f"≤ {self.target_ms / 1000:g} s" if self.target_ms >= 1000 else f"≤ {self.target_ms:g} ms"
        else:
            return "—"
        return text + (", p95 ≤ 2×med or base's spread" if self.p95_rule else "")


def verdict(result: Result) -> str:
    return {True: "PASS", False: "FAIL", None: "info"}[result.passed]


def table_rows(results: list[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        figures = [f"{r.median:.1f}", f"{r.p95:.1f}"] if r.times else ["—", "—"]
        base = f"{r.base_ms:.1f}" if r.base_ms is not None and not math.isnan(r.base_ms) else "—"
        times_over = f"{r.ratio:.2f}×" if not math.isnan(r.ratio) else "—"
        notes = "; ".join(filter(None, [r.error, r.note] + [text for text, _ok in r.checks]))
        rows.append([r.name, ROLE_NAMES.get(r.role, r.role), str(len(r.times)), *figures, base, times_over,
                     r.target_text(), verdict(r), notes])
    return rows


HEADERS = ["page", "as", "n", "median ms", "p95 ms", "base ms", "ratio", "target", "result", "notes"]


def text_table(results: list[Result]) -> str:
    rows = [HEADERS] + table_rows(results)
    widths = [max(_width(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines = []
    for row in rows:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(len(widths))]
        lines.append("  ".join(cells) + "  " + row[-1])
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2e80 else 1 for ch in text)


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in table_rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(next(line.split()[1] for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")))
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    import gunicorn

    info = {"CPU": f"{cpu}, {os.cpu_count()} cores", "RAM": ram,
            "OS": f"{platform.system()} {platform.release()}", "Python": platform.python_version(),
            "SQLite (library)": sqlite3.sqlite_version, "gunicorn": gunicorn.__version__}
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            info["PostgreSQL"] = conn.exec_driver_sql("SHOW server_version").scalar()
    info["Database"] = db.engine.url.render_as_string(hide_password=True)
    info["Code"] = code_revision()
    return info


def code_revision() -> str:
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"git {commit}" + (" with uncommitted changes" if dirty else "")


def row_counts() -> dict[str, int]:
    names = ["units", "accounts", "managers", "monthly_reports", "change_records", "audit_log", "users"]
    with db.engine.connect() as conn:
        return {n: conn.execute(sa.text(f"SELECT count(*) FROM {n}")).scalar() for n in names}


def command_line() -> str:
    url = db.engine.url.render_as_string(hide_password=True)
    return f"DATABASE_URL={url} SECRET_KEY=… flask " + " ".join(sys.argv[1:])


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def markdown_section(results: list[Result], counts: dict, seconds: float, extra: list[str],
                     code: str | None = None) -> str:
    info = machine()
    if code:
        info["Code"] = code  # as it was when the server started
    title = f"PostgreSQL {info['PostgreSQL']}" if "PostgreSQL" in info else f"SQLite {info['SQLite (library)']}"
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    passed = sum(1 for r in results if r.passed is True)
    failed = sum(1 for r in results if r.passed is False)
    lines = [f"### {title} — {now}", "", "```", command_line(), "```", ""]
    lines += [f"- **{key}**: {value}" for key, value in info.items()]
    lines.append("- **Rows**: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    lines.append(f"- **Server**: `gunicorn -w 1 -k sync` on 127.0.0.1, client on the same machine; "
                 f"run took {seconds:.0f} s; **{passed} PASS, {failed} FAIL**")
    lines += [f"- {line}" for line in extra]
    lines += ["", markdown_table(results), ""]
    return "\n".join(lines)


def append(path: Path, section: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("# Benchmarks\n\nSections below are appended by `flask --app wsgi bench run`.\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + section)
