"""`flask --app wsgi bench …`: `seed` loads the benchmark data (bench/seed.py), `run` measures the pages
(bench/run.py), `queries` counts the SQL statements of each page in-process (bench/profile.py), `fixedcost` measures what a
page costs outside SQL (bench/fixedcost.py), `load` runs
many users of the four roles at once and checks that no write was lost (bench/load.py)."""
import datetime as dt

import click
from flask.cli import AppGroup

bench_cli = AppGroup("bench", help="Generate benchmark data and measure the pages.")


@bench_cli.command("seed")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="1 = a large university over ten years (150 units, 3,000 accounts, 360,000 reports, "
                   "1,000,000 audit rows); fractions such as 0.01 for quick checks.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference day (default: today); the reports run for the 120 months before it.")
@click.option("--yes", is_flag=True, help="Delete data that the benchmark did not make, then load.")
@click.option("--resume", is_flag=True, help="Keep the tables an earlier, stopped seed of the same scale finished "
                                             "(each table is committed on its own) and load the rest.")
@click.option("--rows-in-python", is_flag=True,
              help="PostgreSQL: build the reports, assessments and audit rows in Python and COPY them, as on SQLite, "
                   "instead of INSERT … SELECT generate_series inside the database (the default there).")
def seed_command(scale: float, today, yes: bool, resume: bool, rows_in_python: bool) -> None:
    """Fill the configured database with deterministic benchmark data (empties earlier benchmark data)."""
    from .seed import print_logins, seed

    if scale <= 0:
        raise click.BadParameter("must be positive", param_hint="--scale")
    result = seed(scale, today.date() if today else dt.date.today(), yes, resume=resume,
                  in_database=not rows_in_python and None)
    print_logins(result["world"])


@bench_cli.command("run")
@click.option("--requests", "n", type=click.IntRange(1), default=100, show_default=True,
              help="Measured requests per page (after the warm-up).")
@click.option("--warmup", type=click.IntRange(0), default=3, show_default=True, help="Unmeasured requests per page.")
@click.option("--max-seconds", type=float, default=5, show_default=True,
              help="Stop measuring a page after this many seconds once it has 20 samples (0: never), so that a "
                   "run stays bounded while some pages are far over their target; such rows say so.")
@click.option("--full-export-runs", type=click.IntRange(1), default=1, show_default=True)
@click.option("--bulk", "bulk_size", type=click.IntRange(0), default=1000, show_default=True,
              help="Reports approved in one bulk action (each run uses up that many awaiting reports).")
@click.option("--out", default="docs/benchmarks.md", show_default=True,
              help="Markdown file the results are appended to ('-' for none).")
@click.option("--only", default="", help="Only the pages whose name contains one of these comma-separated words "
                                         "(\"full\", \"bulk\", \"login\" for those measurements).")
@click.option("--wsgi-app", default="wsgi:app", show_default=True,
              help="The app gunicorn serves, with the floor pages mounted beside it (e.g. a module that patches the "
                   "app, to measure a fix before making it).")
def run_command(n: int, warmup: int, max_seconds: float, full_export_runs: int, bulk_size: int, out: str,
                only: str, wsgi_app: str) -> None:
    """Serve the app with one sync gunicorn worker on 127.0.0.1 and time every page against its floor, the
    reference page or the bare dump, measured in the same run (issue 18: verdicts as ratios, docs/benchmarks.md)."""
    from pathlib import Path

    import config

    from .run import run

    run(n, warmup, max_seconds, full_export_runs, bulk_size,
        None if out == "-" else (Path(out) if Path(out).is_absolute() else config.BASE_DIR / out), wsgi_app, only)


@bench_cli.command("queries")
@click.option("--role", type=click.Choice(["all", "dept", "unit", "public"]), default="all", show_default=True)
@click.option("--page", "name_filter", default="", help="Only the pages whose name contains this text.")
@click.option("--repeat", type=click.IntRange(1), default=5, show_default=True)
@click.option("--explain", "explain_plans", is_flag=True, help="Query plans of the three slowest statements.")
@click.option("--profile", is_flag=True, help="A pyinstrument profile of each page (installed by make dev).")
def queries_command(role: str, name_filter: str, repeat: int, explain_plans: bool, profile: bool) -> None:
    """Count the SQL statements of each page and split its time into database and the rest (in-process)."""
    from .profile import queries

    queries(role, name_filter, repeat, explain_plans, profile)


@bench_cli.command("compare")
@click.option("--other", "other_url", required=True,
              help="The other database's URL (e.g. scale 1 when DATABASE_URL holds scale 10).")
@click.option("--page", "name_filter", default="", help="Only the pages whose name contains one of these "
                                                        "comma-separated words.")
@click.option("--repeat", type=click.IntRange(1), default=10, show_default=True)
def compare_command(other_url: str, name_filter: str, repeat: int) -> None:
    """The pages on this database and on another, in-process, request by request in turn: the ratio of the
    two medians, which a busy machine moves far less than two runs minutes apart (issue 18 item 4)."""
    from .compare import compare

    compare(other_url, name_filter, repeat)


@bench_cli.command("fixedcost")
@click.option("--role", type=click.Choice(["all", "dept", "unit"]), default="all", show_default=True)
@click.option("--pages", "name_filter", default="",
              help="Only the pages whose name or kind (list, details, edit, form) contains one of these "
                   "comma-separated words.")
@click.option("--repeat", type=click.IntRange(1), default=10, show_default=True, help="Timed requests per page.")
@click.option("--out", default=None, help="Write the figures to this JSON file.")
@click.option("--against", default=None, type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of an earlier run (e.g. main's): print the change page by page and of the medians.")
@click.option("--gc-freeze/--no-gc-freeze", "freeze", default=False, show_default=True,
              help="Freeze the measured app out of the garbage collector's passes, as wsgi.py does for the served app.")
@click.option("--gc-collect/--no-gc-collect", "collect", default=True, show_default=True,
              help="A full garbage collection before each timed request (it leaves the caches cold for it).")
def fixedcost_command(role: str, name_filter: str, repeat: int, out: str | None, against: str | None,
                      freeze: bool, collect: bool) -> None:
    """The fixed cost of the list, details and edit pages and the account form, in-process and warm: Python
    function calls (deterministic), CPU and wall time outside SQL, statements (issue 18 item 2)."""
    from .fixedcost import fixedcost

    fixedcost(role, name_filter, repeat, out, against, freeze=freeze, collect=collect)


@bench_cli.command("load")
@click.option("--users", type=click.IntRange(1), default=50, show_default=True, help="Virtual users at once.")
@click.option("--seconds", type=click.IntRange(1), default=60, show_default=True, help="Run time.")
@click.option("--workers", type=click.IntRange(2), default=5, show_default=True,
              help="gunicorn sync workers (gunicorn.conf.py's default is 2 × cores + 1).")
@click.option("--spawn-rate", type=float, default=10, show_default=True, help="Users started per second.")
@click.option("--scale", type=float, default=0.05, show_default=True,
              help="Seed the benchmark data at this scale first (refuses a database holding other data); "
                   "0 to use the database as it is.")
@click.option("--think", default="1-3", show_default=True, help="Seconds a user waits between two tasks (min-max).")
@click.option("--out", default="docs/load.md", show_default=True, help="Markdown file written ('-' for none).")
def load_command(users: int, seconds: int, workers: int, spawn_rate: float, scale: float, think: str,
                 out: str) -> None:
    """Users of the four roles at once against gunicorn (locust); fails on a server error or a lost write."""
    import importlib.util
    from pathlib import Path

    if importlib.util.find_spec("locust") is None:
        raise click.ClickException("locust is not installed: it is a development tool "
                                   "(.venv/bin/pip install -r requirements-dev.txt, or make dev).")

    import config

    from .load import load

    try:
        low, high = (float(x) for x in think.split("-"))
    except ValueError:
        raise click.BadParameter("two numbers, e.g. 1-3", param_hint="--think") from None
    path = None if out == "-" else (Path(out) if Path(out).is_absolute() else config.BASE_DIR / out)
    if not load(users, seconds, workers, spawn_rate, scale or None, path, (low, high)):
        raise SystemExit(1)
