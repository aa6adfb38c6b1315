"""`flask tfclaims ...` commands. Each command is one transaction: it commits once at the end."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import text

from tfclaims import clock
from tfclaims.audit.services import set_system_actor
from tfclaims.auth.roles import Role
from tfclaims.db import utcnow
from tfclaims.errors import DomainError
from tfclaims.extensions import db

group = AppGroup("tfclaims", help="tfclaims administration commands.")


@group.command("create-user")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="A role; repeat for several.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password (prompted for when not given).")
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a user account from the shell."""
    from tfclaims.auth.services import create_user

    set_system_actor("command line")
    try:
        user = create_user(email, name, password, {Role(r) for r in roles})
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created user {user.email} with roles: {', '.join(user.role_labels)}")


@group.command("seed-demo")
@click.option("--families", default=300, show_default=True, help="How many families to create.")
def seed_demo_command(families: int) -> None:
    """Load a fictional council's demo data as of its demo day, 20 November 2024 (refused in production; does
    nothing if already loaded)."""
    from flask import current_app

    from tfclaims import demo

    if current_app.config["TFCLAIMS_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production: it creates demo users.")
    from tfclaims.engine import store

    set_system_actor("demo data")
    result = demo.seed(families=families)
    db.session.commit()
    # The cohort lists read stored verdicts: today's are stored now, so the lists are ready at the first visit.
    store.build_set(clock.today())
    db.session.commit()
    click.echo(result.describe())
    _warn_if_not_demo_day()


def _warn_if_not_demo_day() -> None:
    """The demo lives on its own day: say so when the app's today is another."""
    from tfclaims import demo
    from tfclaims.text import long_date

    if clock.today() != demo.DEMO_TODAY:
        click.echo(
            f"\nNote: this app's today is {long_date(clock.today())}, not the demo's {long_date(demo.DEMO_TODAY)}, "
            "so the demo council's live work will look out of date. Serve it with "
            f"TFCLAIMS_TODAY={demo.DEMO_TODAY.isoformat()} (`make run` sets it)."
        )


@group.command("refresh-verdicts")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date to judge on (default today).")
def refresh_verdicts_command(as_of) -> None:
    """Judge every family and store the verdicts the lists and family pages read (the worker's schedule runs it
    nightly; this runs it now, without the queue)."""

    from tfclaims.engine import store

    when = as_of.date() if as_of else clock.today()
    stored = store.nightly(when) if not as_of else store.build_set(when)
    db.session.commit()
    click.echo(f"Stored the verdicts of {stored.families} families as of {when.isoformat()}.")


DATE = click.DateTime(formats=["%Y-%m-%d"])


# What the forecast command asks for when an input is missing or refused, naming the option.
FORECAST_OPTIONS = {
    "results_target": "Give --target or set a target for the year",
    "attachment_deadline": "Give --attachment-deadline or set a target for the year",
    "rate": "Give --rate or set an assumed rate for the year",
    "claim_deadline": "Give a --claim-deadline on or after the attachment deadline",
}


@group.command("forecast")
@click.option("--as-of", "as_of", type=DATE, help="Date of the forecast (default today).")
@click.option("--target", "results_target", type=click.IntRange(min=1),
              help="Target results (default: the year's target).")
@click.option("--rate", type=click.FloatRange(min=0, max=100, min_open=True),
              help="Conversion rate in percent, more than 0 and at most 100 (default: the assumed rate, else the "
                   "observed).")
@click.option("--tracked", type=click.IntRange(min=0), help="Families tracked (default: counted from the data).")
@click.option("--claimed", type=click.IntRange(min=0), help="Results claimed in the target period (default: counted).")
@click.option("--attachment-deadline", type=DATE, help="Attachment deadline (default: the target's).")
@click.option("--claim-deadline", type=DATE,
              help="Claim deadline (default: the target's, when it is on or after the attachment deadline; otherwise "
                   "31 March at the end of the programme year in which the attachment deadline falls).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def forecast_command(as_of, results_target, rate, tracked, claimed, attachment_deadline, claim_deadline,
                     as_json) -> None:
    """How many more families must be attached, per month and per week, to hit the target; and the paragraph for
    the monthly report. Every figure not given is read from the year's target and the data."""
    import json

    from tfclaims.forecasts import rules
    from tfclaims.forecasts.services import forecast_page
    from tfclaims.text import long_date

    when = as_of.date() if as_of else clock.today()
    attachment_day = attachment_deadline.date() if attachment_deadline else None
    claim_day = claim_deadline.date() if claim_deadline else None
    if attachment_day and claim_day and claim_day < attachment_day:
        raise click.UsageError("--claim-deadline must be on or after --attachment-deadline")
    page = forecast_page(
        when, results_target=results_target, rate_percent=rate, tracked=tracked, claimed=claimed,
        attachment_deadline=attachment_day, claim_deadline=claim_day,
    )
    f = page.forecast
    asks = [FORECAST_OPTIONS[name] for name in page.missing]
    if page.at_fault in FORECAST_OPTIONS:
        asks.append(FORECAST_OPTIONS[page.at_fault])
    by_year = page.by_year.to_dict("records")
    if as_json:
        body = {
            "as_of": when.isoformat(),
            "target_label": page.target.label if page.target else None,
            "observed_rate_percent": page.observed_rate,
            "assumed_rate_percent": page.assumed_rate,
            "forecast": f.as_dict() if f else None,
            "tracked_by_year": by_year,
            "problem": page.problem or None,
            "asks": asks,
        }
        if f and page.curve_view:
            body["curve_view"] = page.curve_view.__dict__
        click.echo(json.dumps(body, indent=2, default=float))
        if f is None:
            raise SystemExit(1)
        return
    if f is None:
        if page.missing:
            raise click.UsageError(". ".join(asks) + ".")
        message = page.problem + (f" ({asks[0]}.)" if asks else "")
        raise click.ClickException(message)
    lines = [f"Forecast as of {long_date(when)}" + (f" (target {page.target.label})" if page.target else "")]
    rate = f"{rules.percent(f.rate_percent)} ({rules.RATE_SOURCES[f.rate_source]})"
    shown = [(t.label, t.text) for t in rules.terms(f)]
    at = next(i for i, (label, _) in enumerate(shown) if label == "Required cohort")
    shown[at:at] = [("Conversion rate", rate)]
    shown.append(("Observed rate", rules.percent(page.observed_rate)))
    width = max(len(label) for label, _ in shown) + 2
    lines += [f"  {label.lower():<{width}} {text}" for label, text in shown]
    lines += ["", "Families tracked by attachment year (April to March)"
              + (f": the data's, though {f.tracked:,} was given" if page.tracked_given else "")]
    headings = ["year", "attached", *(label.lower() for label in rules.TRACK_STATES.values())]
    rows = [[r["year"], *(f"{r[k]:,}" for k in ["attached", *rules.TRACK_STATES])] for r in by_year]
    totals = ["total", *(f"{sum(r[k] for r in by_year):,}" for k in ["attached", *rules.TRACK_STATES])]
    widths = [max(len(str(row[i])) for row in [headings, *rows, totals]) for i in range(len(headings))]
    for row in [headings, *rows, totals]:
        lines.append("  " + "  ".join(str(cell).rjust(w) if i else str(cell).ljust(w)
                                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    lines += ["", f.paragraph]
    click.echo("\n".join(lines))


@group.command("seed-if-empty")
@click.pass_context
def seed_if_empty_command(ctx: click.Context) -> None:
    """Load the demo data only when the database has no users (used by `make run`)."""
    from tfclaims.auth.queries import user_count

    if user_count():
        from tfclaims import demo
        from tfclaims.auth.queries import get_user_by_email

        click.echo("The database already has users: demo data not loaded.")
        if get_user_by_email(f"{demo.USERS[0][1]}@{demo.DOMAIN}"):
            click.echo(demo.SIGN_IN_HELP)
            _warn_if_not_demo_day()
        else:
            click.echo("Sign in with an account made by `flask tfclaims create-user`.")
        return
    ctx.invoke(seed_demo_command)


@group.command("demo-partner-files")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("demo/partner-files"))
def demo_partner_files_command(directory: Path) -> None:
    """Write the demo's sample partner files (a school's attendance, police incidents, social care episodes, a
    case-management export) drawn from the demo register, to try Partner data with. Reads only."""
    from tfclaims.imports.samples import sample_files

    directory.mkdir(parents=True, exist_ok=True)
    for name, content in sample_files(clock.today()).items():
        (directory / name).write_bytes(content)
        rows = content.count(b"\n") - 1
        click.echo(f"{directory / name}: {rows} rows")


@group.command("retention-due")
def retention_due_command() -> None:
    """List the families whose records are due for erasure today, and those due but held. Writes the list as a
    retention run a manager reads at /retention; erases nothing. The worker's schedule does the same each night at
    3am, as a job (``tfclaims.retention.jobs``): this runs the same work at once, here."""
    from tfclaims.jobs.vocabulary import FILE_DAYS
    from tfclaims.retention.jobs import nightly_list

    set_system_actor("nightly retention list")
    run, forgotten = nightly_list(clock.today(), utcnow())
    db.session.commit()
    def families(n: int) -> str:
        return f"{n:,} {'family' if n == 1 else 'families'}"

    click.echo(f"Retention run {run.id} as of {run.as_of.isoformat()}: {families(run.families_due)} due for "
               f"erasure, {families(run.families_held)} due but held. Nothing erased: a manager confirms a dry run "
               "at /retention.")
    click.echo(f"Files of background jobs older than {FILE_DAYS} days deleted: {forgotten:,}.")


# Backups. `backup` copies the database while the app runs: on SQLite with sqlite3's online backup API (one read
# transaction, so a consistent copy however busy the app is), on PostgreSQL with pg_dump in a snapshot whose rows are
# counted too. `restore` puts a backup back. Both say what they did (files, sizes, tables and rows counted) and print
# nothing of the data itself. The connection's password goes to pg_dump and pg_restore in PGPASSWORD, never in their
# arguments (which any user of the machine can list) nor in what is printed.

SQLITE_HEADER = b"SQLite format 3\x00"
PG_ARCHIVE_HEADER = b"PGDMP"  # pg_dump --format=custom
# URL query parameters libpq reads from the environment too, so pg_dump and pg_restore reach the same database.
PG_QUERY_ENVIRONMENT = {
    "host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE", "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT", "service": "PGSERVICE", "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "options": "PGOPTIONS",
}
# Lines of pg_dump's and pg_restore's errors that can quote rows (a failed COPY's CONTEXT, a constraint's DETAIL).
PG_QUOTING_LINES = ("DETAIL:", "CONTEXT:", "LINE ", "HINT:", "Command was:")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    for unit in ("kB", "MB", "GB"):
        n /= 1024
        if n < 1024 or unit == "GB":
            return f"{n:,.1f} {unit}"
    raise AssertionError  # pragma: no cover


def _counted(counts: dict[str, int], revision: str) -> str:
    """'N tables, M rows, at migration X', then one line a table (names and counts only)."""
    width = max((len(name) for name in counts), default=0)
    lines = [f"{len(counts)} tables, {sum(counts.values()):,} rows, at migration {revision}."]
    lines += [f"  {name:<{width}}  {rows:>12,}" for name, rows in sorted(counts.items())]
    return "\n".join(lines)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(connection) -> tuple[dict[str, int], str]:
    """Rows per table, and the migration revision, of a SQLite database (a plain sqlite3 connection)."""
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {name: connection.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0] for name in names}
    revision = "none (not a migrated tfclaims database)"
    if "alembic_version" in counts:
        revision = ", ".join(sorted(row[0] for row in connection.execute("SELECT version_num FROM alembic_version")))
    return counts, revision


def _sql_counts(connection) -> tuple[dict[str, int], str]:
    """Rows per table, and the migration revision, through a SQLAlchemy connection (PostgreSQL)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import func, inspect, select, table

    names = sorted(inspect(connection).get_table_names())
    counts = {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    revision = ", ".join(sorted(MigrationContext.configure(connection).get_current_heads()))
    return counts, revision or "none (not a migrated tfclaims database)"


def _head_revision() -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ", ".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def _sqlite_database(url) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise click.ClickException("This app's SQLite database is not a plain file: there is no file to back up.")
    return Path(url.database)


def _connect_sqlite(path: Path, *, create: bool = False, read_only: bool = False):
    """A plain sqlite3 connection (not the app's engine, whose connections switch to WAL and begin IMMEDIATE)
    that never makes a new, empty database by mistake unless ``create``."""
    import sqlite3

    mode = "ro" if read_only else ("rwc" if create else "rw")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)


def _new_private_file(path: Path) -> None:
    """Make the backup's file, readable by its owner only (it holds personal data); never overwrite one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError as error:
        raise click.ClickException(f"{path} already exists: give a new file name (a backup never overwrites a "
                                   "file).") from error
    except OSError as error:
        raise click.ClickException(f"Cannot create {path}: {error.strerror}.") from error


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise click.ClickException(
            f"{name} was not found on PATH. Install PostgreSQL's client programs, of the server's major version or "
            "newer (on Debian: apt install postgresql-client-15), or make the backup on a machine that has them."
        )
    return found


def _pg_environment(url, database: str) -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore: what the app's URL says, over what the environment says
    already (so a URL without a host or user uses PGHOST and PGUSER as the app does). The password goes here only."""
    env = dict(os.environ)
    for key, variable in PG_QUERY_ENVIRONMENT.items():
        value = url.query.get(key)
        if value:
            env[variable] = str(value if isinstance(value, str) else value[-1])
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password)):
        if value:
            env[variable] = str(value)
    env["PGDATABASE"] = database
    return env


def _run_pg(argv: list[str], env: dict[str, str], what: str) -> None:
    import subprocess

    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = [line for line in done.stderr.splitlines()
                if line.strip() and not any(mark in line for mark in PG_QUOTING_LINES)]
        raise click.ClickException(f"{what} failed (exit status {done.returncode}):\n" + "\n".join(said[-10:]))


def _pg_described(url, database: str) -> str:
    return f"the PostgreSQL database {database}" + (f" on {url.host}" if url.host else "")


def _record_restore(summary: str, revision: str) -> str:
    """An audit event in the restored database, when its schema is this code's; otherwise what to do next."""
    from tfclaims.audit.services import record

    head = _head_revision()
    if revision != head:
        return (f"\nThe backup is at migration {revision}; this version of tfclaims needs {head}: run "
                "`flask db upgrade` before starting the app.")
    set_system_actor("command line")
    record(db.session, "database_restored", "database", None, summary)
    db.session.commit()
    return ""


@group.command("backup")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (a new file: never overwritten).")
def backup_command(to: Path) -> None:
    """Back up the whole database to a file while the app runs: a SQLite copy made with SQLite's online backup, or
    on PostgreSQL a pg_dump archive (custom format). The file holds personal data: encrypt it and keep it no longer
    than the retention schedule allows."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_database(url)
        if not source_path.is_file():
            raise click.ClickException(f"There is no database at {source_path}.")
        _new_private_file(to)
        try:
            source = _connect_sqlite(source_path)
            try:
                target = _connect_sqlite(to)
                try:
                    source.backup(target)  # one step: one read transaction, a consistent copy
                    target.execute("PRAGMA journal_mode=DELETE")  # a single file, not one with -wal and -shm beside it
                    if target.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                        raise click.ClickException("The copy failed SQLite's integrity check: the backup is removed.")
                    counts, revision = _sqlite_counts(target)
                finally:
                    target.close()
            finally:
                source.close()
        except BaseException as error:
            to.unlink(missing_ok=True)
            if isinstance(error, sqlite3.Error):
                raise click.ClickException(f"The backup failed: {error}.") from error
            raise
        described = f"the SQLite database {source_path}"
    elif url.get_backend_name() == "postgresql":
        pg_dump = _pg_program("pg_dump")
        _new_private_file(to)
        try:
            # pg_dump reads the snapshot this transaction exports, so the rows counted here are the rows it dumps.
            with (db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
                  connection.begin()):
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                database = connection.scalar(text("SELECT current_database()"))
                _run_pg([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={to}"],
                        _pg_environment(url, database), "pg_dump")
                counts, revision = _sql_counts(connection)
        except BaseException:
            to.unlink(missing_ok=True)
            raise
        described = _pg_described(url, database)
    else:
        raise click.ClickException(f"Backups are of SQLite and PostgreSQL databases, not {url.get_backend_name()}.")
    click.echo(f"Backed up {described} to {to} ({_size(to.stat().st_size)}): {_counted(counts, revision)}")
    click.echo("The file holds personal data: encrypt it, keep it safe, and delete it when the retention schedule "
               "says.")


@group.command("restore")
@click.option("--from", "source", required=True,
              type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
              help="A backup file made by `flask tfclaims backup` (or pg_dump --format=custom).")
@click.option("--yes", is_flag=True, help="Confirm: replace everything in the database with the backup.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the whole database with a backup. Stop the app (web and workers) first, and start it again after."""
    from flask import current_app

    url = db.engine.url
    backend = url.get_backend_name()
    with source.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    kind = ("sqlite" if header == SQLITE_HEADER else
            "postgresql" if header.startswith(PG_ARCHIVE_HEADER) else None)
    if kind is None:
        raise click.ClickException(f"{source} is not a tfclaims backup: neither a SQLite database nor a pg_dump "
                                   "archive (--format=custom).")
    if kind != backend:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise click.ClickException(f"{source} is a backup of a {names[kind]} database, but this app's database is "
                                   f"{names.get(backend, backend)}.")
    if backend == "sqlite":
        described = f"the SQLite database {_sqlite_database(url)}"
    else:
        with db.engine.connect() as connection:
            database = connection.scalar(text("SELECT current_database()"))
        described = _pg_described(url, database)
    if not yes:
        production = " This is the production database." if current_app.config["TFCLAIMS_ENV"] == "production" else ""
        raise click.ClickException(f"Restoring replaces everything in {described} with the backup.{production} Stop "
                                   "the app first, then run the command again with --yes.")
    size = _size(source.stat().st_size)
    db.session.remove()
    db.engine.dispose()  # none of this command's own connections in the way
    if backend == "sqlite":
        try:
            backup = _connect_sqlite(source, read_only=True)
            try:
                if backup.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise click.ClickException(f"{source} fails SQLite's integrity check: nothing restored.")
                target = _connect_sqlite(_sqlite_database(url), create=True)
                try:
                    backup.backup(target)
                    counts, revision = _sqlite_counts(target)
                finally:
                    target.close()
            finally:
                backup.close()
        except sqlite3.Error as error:
            raise click.ClickException(f"The restore failed: {error}.") from error
    else:
        pg_restore = _pg_program("pg_restore")
        _run_pg([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                 "--no-password", f"--dbname={database}", str(source)],
                _pg_environment(url, database), "pg_restore")
        db.engine.dispose()
        with db.engine.connect() as connection:
            counts, revision = _sql_counts(connection)
    summary = f"Database restored from the backup {source.name} ({size})"
    click.echo(f"Restored {described} from {source} ({size}): {_counted(counts, revision)}"
               + _record_restore(summary, revision))


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
