"""flask CLI commands (`flask --app wsgi …`): users, seed, calendar."""
from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from models import Role, Unit, User, db

users_cli = AppGroup("users", help="Manage logins.")
seed_cli = AppGroup("seed", help="Load reference and demo data.")
calendar_cli = AppGroup("calendar", help="The work calendar (holidays and make-up working days).")
staff_cli = AppGroup("staff", help="Keep the managers and logins in step with the HR staff roster.")
import_cli = AppGroup("import", help="Import the existing inventory from Excel.")
backup_cli = AppGroup("backup", help="Back up and restore the whole register (attachments included).")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.name for r in Role]))
@click.option("--unit", "unit_code", help="Unit code (required for unit_editor and unit_leader).")
@click.option("--password", help="Initial password; a random one is generated and printed if omitted.")
@click.option("--name", "display_name", help="Full name shown in the interface.")
def create_user(username: str, role: str, unit_code: str | None, password: str | None,
                display_name: str | None) -> None:
    """Create a login: USERNAME --role ROLE [--unit UNIT_CODE] [--password PW]."""
    role_enum = Role[role]
    unit = None
    if role_enum.is_unit_role:
        if not unit_code:
            raise click.UsageError(f"--unit is required for the role {role}.")
        unit = db.session.query(Unit).filter_by(code=unit_code.upper()).one_or_none()
        if unit is None:
            raise click.UsageError(f"No unit with the code {unit_code!r}.")
    elif unit_code:
        raise click.UsageError(f"The role {role} sees every unit; do not give --unit.")
    if db.session.query(User).filter_by(username=username).first():
        raise click.UsageError(f"The user name {username!r} is taken.")
    generated = password is None
    while password is None or (generated and not any(c.isdigit() for c in password)):
        password = secrets.token_urlsafe(12)
    from services.passwords import password_problem

    problem = password_problem(username, password)
    if problem:
        raise click.UsageError(problem)
    user = User(username=username, display_name=display_name or username, role=role_enum, unit=unit)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username} ({role}{', ' + unit.code if unit else ''}).")
    if generated:
        click.echo(f"Password: {password}")


@users_cli.command("deactivate-idle")
def deactivate_idle() -> None:
    """Deactivate logins not used for IDLE_LOGIN_DAYS days (default 90); run daily from cron."""
    import datetime as dt

    from flask import current_app

    from models import utcnow

    days = current_app.config["IDLE_LOGIN_DAYS"]
    cutoff = utcnow() - dt.timedelta(days=days)
    idle = db.session.query(User).filter(User.active.is_(True), db.func.coalesce(User.last_login_at, User.created_at)
                                         < cutoff).all()
    for user in idle:
        user.active = False
    db.session.commit()
    click.echo(f"Deactivated {len(idle)} logins idle for more than {days} days.")


@seed_cli.command("demo")
@click.option("--logins-only", is_flag=True, help="Only print the demo logins.")
def seed_demo(logins_only: bool) -> None:
    """Load the demo data (idempotent) and print the demo logins."""
    from seeds.demo import DEMO_PASSWORD, LOGINS, load_demo

    if logins_only:
        logins = [(username, role.name, unit) for username, role, unit, _name in LOGINS]
    else:
        logins = load_demo()
        db.session.commit()
        click.echo("Demo data loaded.")
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for username, role, unit in logins:
        click.echo(f"  {username:<14} {role:<12} {unit or ''}")


@calendar_cli.command("sync")
def calendar_sync() -> None:
    """Load holidays and make-up working days from the chinese-calendar package."""
    from services.workdays import sync_from_chinese_calendar

    added, updated = sync_from_chinese_calendar()
    db.session.commit()
    click.echo(f"Work calendar: {added} days added, {updated} updated.")


@click.command("assess")
@with_appcontext
@click.argument("year", type=click.IntRange(2000, 2100))
def assess(year: int) -> None:
    """Compute the annual assessment (年度考核) of YEAR per account and per unit."""
    from services.assessment import compute

    count = compute(year)
    db.session.commit()
    click.echo(f"Assessment {year}: {count} accounts scored and ranked.")


@click.command("remind")
@with_appcontext
def remind() -> None:
    """E-mail each responsible unit user what is due soon or overdue (run daily from cron)."""
    from services.reminders import send_reminders

    sent, skipped, notices = send_reminders()
    click.echo(f"Reminders: {sent} sent, {skipped} users already reminded today.")
    if notices:
        failed = [(unit, notice) for unit, notice in notices if not notice.ok]
        click.echo(f"Group notices: {len(notices) - len(failed)} sent, {len(failed)} failed.")
        for unit, notice in failed:  # the unit and the platform, never the webhook's address
            click.echo(f"Group notice to {unit.code} ({notice.platform}) failed: {notice.reason}", err=True)


@import_cli.command("accounts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only check the file and list every problem; import nothing.")
def import_accounts(path: str, dry_run: bool) -> None:
    """Import units, managers and accounts (with teams) from an .xlsx made from the template: all rows or none."""
    from services import importer

    with open(path, "rb") as handle:
        data = handle.read()
    report = importer.dry_run(data) if dry_run else importer.apply(data, None)
    for issue in report.errors:
        where = " ".join(str(part) for part in (issue.sheet, f"row {issue.row}" if issue.row else None,
                                                issue.column) if part)
        click.echo(f"{where}: {issue.message}" if where else issue.message, err=True)
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    if not report.ok:
        db.session.rollback()
        raise click.ClickException(f"{len(report.errors)} problems found; nothing was imported ({counts} in file).")
    if dry_run:
        click.echo(f"The file is correct: {counts} would be imported.")
        return
    db.session.commit()
    click.echo(f"Imported {counts}.")


@staff_cli.command("sync")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--from-url", "from_url", is_flag=True,
              help="Pull the roster (JSON) from the HR system at STAFF_ROSTER_URL instead of reading a file.")
@click.option("--dry-run", "dry_run", is_flag=True,
              help="Only check the roster and list, person by person, what would change; change nothing.")
@click.option("--apply", "apply_", is_flag=True, hidden=True,
              help="Make the changes (the default; kept for the scripts of the first release).")
def staff_sync(path: str | None, from_url: bool, dry_run: bool, apply_: bool) -> None:
    """Sync the managers and logins with the HR roster (PATH: .xlsx or .csv, or --from-url): all rows are
    applied or none; --dry-run only lists what would change."""
    from services import roster, roster_pull

    if bool(path) == from_url:
        raise click.UsageError("Give either a roster file or --from-url.")
    if dry_run and apply_:
        raise click.UsageError("Give --dry-run or --apply, not both.")
    apply_ = not dry_run
    if from_url:
        try:
            report = roster_pull.pull(apply_, None)
        except roster_pull.PullError as error:
            db.session.commit()  # the audit entry of the failed pull, nothing else
            raise click.ClickException(str(error)) from None
    else:
        with open(path, "rb") as handle:
            data = handle.read()
        report = roster.apply(data, None) if apply_ else roster.check(data)
    for line in roster.describe(report):
        click.echo(line, err=not report.ok)
    if not report.ok:
        db.session.rollback()
        raise click.ClickException(f"{len(report.problems)} problems found; nothing was changed "
                                   f"({report.rows} rows in {'the answer' if from_url else 'file'}).")
    summary = (f"{report.rows} rows, {len(report.changes)} managers changed, {len(report.deactivations)} "
               f"logins deactivated, {len(report.mismatches)} mismatches, {len(report.alerts)} Article 8 alerts")
    if not apply_:
        click.echo(f"Dry run, nothing changed: {summary} (run again without --dry-run to apply).")
        return
    db.session.commit()
    click.echo(f"Applied: {summary}.")


@backup_cli.command("create")
@click.argument("path")
def backup_create(path: str) -> None:
    """Write a backup of the configured database (SQLite file, or pg_dump custom format) to PATH."""
    from services import backup

    target = backup.create(path)
    click.echo(f"Backup written to {target} ({target.stat().st_size} bytes).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(path: str, yes: bool) -> None:
    """Replace the configured database's content with the backup at PATH."""
    from services import backup

    if not yes:
        click.confirm("This replaces everything in the configured database. Continue?", abort=True)
    backup.restore(path)
    click.echo("Restored.")


class _BenchCommands(click.Group):
    """`flask bench …`, loaded only when it is called: the benchmark and load tools (bench/, locust from
    requirements-dev.txt) stay out of the product's CLI and of every server process."""

    def _group(self) -> click.Group:
        from bench.cli import bench_cli

        return bench_cli

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._group().get_command(ctx, name)


bench_commands = _BenchCommands("bench", help="Benchmark data, page timings and the load test (development tools).")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_cli)
    app.cli.add_command(bench_commands)
    app.cli.add_command(import_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(assess)
    app.cli.add_command(remind)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(calendar_cli)
