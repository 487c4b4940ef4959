"""What production installs is the runtime only (issue 14): the test, browser and benchmark tools live in
requirements-dev.txt, and neither the app nor its CLI loads them when it starts."""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEV_ONLY = ("pytest", "pypdf", "aiosmtpd", "hypothesis", "playwright", "locust")


def _names(path: pathlib.Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0].lower())
    return names


def test_production_requirements_hold_no_test_or_benchmark_tool():
    runtime = _names(ROOT / "requirements.txt")
    assert not runtime & set(DEV_ONLY)
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev
    assert set(DEV_ONLY) <= _names(ROOT / "requirements-dev.txt")


def test_every_runtime_import_is_a_runtime_requirement():
    """Modules the product imports (app, admin, models, services, views, seeds, cli) that come from PyPI are
    pinned in requirements.txt; a development tool imported by the product would fail in production."""
    distributions = {"flask_admin": "flask-admin", "flask_login": "flask-login", "flask_sqlalchemy": "flask-sqlalchemy",
                     "flask_wtf": "flask-wtf", "flask_babel": "flask-babel", "flask_migrate": "flask-migrate",
                     "flask_limiter": "flask-limiter", "chinese_calendar": "chinesecalendar", "fpdf": "fpdf2",
                     "psycopg": "psycopg[binary]", "email_validator": "email-validator"}
    runtime = _names(ROOT / "requirements.txt") | {"psycopg[binary]"}
    imported = set()
    for folder in ("admin", "models", "services", "views", "seeds"):
        for path in (ROOT / folder).rglob("*.py"):
            imported |= set(re.findall(r"^\s*(?:from|import) ([a-z_]+)", path.read_text(), re.M))
    for path in ("app.py", "cli.py", "config.py", "extensions.py", "wsgi.py"):
        imported |= set(re.findall(r"^\s*(?:from|import) ([a-z_]+)", (ROOT / path).read_text(), re.M))
    for module in sorted(imported):
        assert module not in DEV_ONLY, f"the product imports the development tool {module}"
        if module in distributions:
            assert distributions[module].split("[")[0] in {name.split("[")[0] for name in runtime}, module


def test_starting_the_app_and_its_cli_loads_no_benchmark_or_test_tool():
    code = ("import sys\nfrom app import create_app\napp = create_app()\n"
            "app.cli.list_commands(None)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'bench', 'locust', 'pytest', 'playwright', "
            "'hypothesis', 'pypdf', 'aiosmtpd'}))")
    env = {**os.environ, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_bench_commands_load_when_called(app):
    result = app.test_cli_runner().invoke(args=["bench", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("seed", "run", "queries", "load"):
        assert command in result.output
