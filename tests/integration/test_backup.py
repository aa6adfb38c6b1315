"""Backups (issue 14, item 7): ``flask tfclaims backup --to PATH`` copies the database while the app runs, and
``flask tfclaims restore --from PATH --yes`` puts it back, on SQLite (sqlite3's online backup) and on PostgreSQL
(pg_dump and pg_restore); both say what they did and nothing of the data.

Each test runs on databases of its own (the commands commit, and restore replaces everything): SQLite files in a
temporary folder, and for the PostgreSQL test a database it creates and drops."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid

import click
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests import factories
from tests.conftest import make_test_app
from tfclaims import cli
from tfclaims.audit.models import AuditEvent
from tfclaims.extensions import db
from tfclaims.families.models import Family, Member

REFERENCE = "FAM-BACKUP-1"
URL = os.environ.get("DATABASE_URL", "")


def _app(path, **extra):
    return make_test_app(f"sqlite:///{path}", **extra)


def _migrated(path, reference: str | None = None, **extra):
    """An app on its own migrated SQLite file, holding one family (with its members) when a reference is given."""
    app = _app(path, **extra)
    with app.app_context():
        upgrade()
        if reference:
            factories.make_family(reference)
            db.session.commit()
    return app


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["tfclaims", *args])


def _counts(path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return cli._sqlite_counts(connection)[0]
    finally:
        connection.close()


def _references(app) -> list[str]:
    with app.app_context():
        try:
            return list(db.session.scalars(select(Family.reference).order_by(Family.reference)))
        finally:
            db.session.remove()


def _restores(app) -> list[str]:
    with app.app_context():
        try:
            return list(db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "database_restored")))
        finally:
            db.session.remove()


@pytest.fixture
def apps():
    made = []

    def _track(app):
        made.append(app)
        return app

    yield _track
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _assert_no_personal_data(output: str) -> None:
    assert REFERENCE not in output
    for name in ("Alex", "Jordan", "Adult", "Sam Keyworker"):
        assert name not in output


def test_a_sqlite_backup_restored_into_a_fresh_app_gives_the_same_rows(tmp_path, apps):
    source = apps(_migrated(tmp_path / "live.sqlite", REFERENCE))
    backup = tmp_path / "backups" / "tfclaims-backup.sqlite"
    backup.parent.mkdir()
    made = _run(source, "backup", "--to", str(backup))
    assert made.exit_code == 0, made.output
    backed_up = _counts(backup)
    assert backed_up == _counts(tmp_path / "live.sqlite")
    assert backed_up["family"] == 1 and backed_up["member"] == 3
    assert f"to {backup} (" in made.output and "kB)" in made.output
    assert f"{len(backed_up)} tables, {sum(backed_up.values()):,} rows, at migration" in made.output
    assert "  member  " in made.output.replace(" " * 10, "  ")
    assert "encrypt it" in made.output
    _assert_no_personal_data(made.output)
    # One file, readable by its owner only: no -wal or -shm beside it, now or when it is opened.
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]
    assert backup.read_bytes()[18:20] == b"\x01\x01"  # a rollback-journal database, not WAL: it stays one file

    # A fresh app, migrated and in use (its own family, its WAL), gets the backup's rows, and only those.
    fresh = apps(_migrated(tmp_path / "fresh.sqlite", "FAM-OTHER-9"))
    assert _references(fresh) == ["FAM-OTHER-9"]
    restored = _run(fresh, "restore", "--from", str(backup), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"from {backup} (" in restored.output and f"{sum(backed_up.values()):,} rows" in restored.output
    _assert_no_personal_data(restored.output)
    assert _references(fresh) == [REFERENCE]
    after = _counts(tmp_path / "fresh.sqlite")
    # The restore itself is on the trail of the restored database: one event more, naming the file, no data.
    assert after == {**backed_up, "audit_event": backed_up["audit_event"] + 1}
    assert _restores(fresh) == [f"Database restored from the backup {backup.name} ({cli._size(backup.stat().st_size)})"]
    with fresh.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 3
        db.session.remove()


def test_the_backup_is_consistent_while_the_app_writes(tmp_path, apps):
    """A write under way in another connection (holding SQLite's write lock) neither blocks the backup nor gets into
    it half done: the backup holds what was committed."""
    app = apps(_migrated(tmp_path / "live.sqlite", REFERENCE))
    writer = sqlite3.connect(tmp_path / "live.sqlite", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE family SET team = 'Uncommitted team'")
        writer.execute("DELETE FROM member")
        made = _run(app, "backup", "--to", str(tmp_path / "during.sqlite"))
        assert made.exit_code == 0, made.output
        writer.execute("COMMIT")
    finally:
        writer.close()
    copy = sqlite3.connect(tmp_path / "during.sqlite")
    try:
        assert copy.execute("SELECT team FROM family").fetchall() == [("North locality",)]
        assert copy.execute("SELECT count(*) FROM member").fetchone()[0] == 3
    finally:
        copy.close()


def test_a_backup_never_overwrites_a_file(tmp_path, apps):
    app = apps(_migrated(tmp_path / "live.sqlite", REFERENCE))
    existing = tmp_path / "precious.sqlite"
    existing.write_bytes(b"keep me")
    refused = _run(app, "backup", "--to", str(existing))
    assert refused.exit_code == 1
    assert "already exists" in refused.output and existing.read_bytes() == b"keep me"


def test_a_backup_of_a_database_that_is_not_there_makes_nothing(tmp_path, apps):
    app = apps(_app(tmp_path / "missing.sqlite"))
    refused = _run(app, "backup", "--to", str(tmp_path / "backup.sqlite"))
    assert refused.exit_code == 1 and "There is no database at" in refused.output
    assert not (tmp_path / "backup.sqlite").exists() and not (tmp_path / "missing.sqlite").exists()


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_restore_without_yes_changes_nothing(tmp_path, apps, env):
    source = apps(_migrated(tmp_path / "live.sqlite", REFERENCE))
    assert _run(source, "backup", "--to", str(tmp_path / "backup.sqlite")).exit_code == 0
    target = apps(_migrated(tmp_path / "target.sqlite", "FAM-OTHER-9", TFCLAIMS_ENV=env))
    before = _counts(tmp_path / "target.sqlite")
    refused = _run(target, "restore", "--from", str(tmp_path / "backup.sqlite"))
    assert refused.exit_code == 1 and "with --yes" in refused.output
    assert ("This is the production database." in refused.output) == (env == "production")
    assert _references(target) == ["FAM-OTHER-9"] and _counts(tmp_path / "target.sqlite") == before
    confirmed = _run(target, "restore", "--from", str(tmp_path / "backup.sqlite"), "--yes")
    assert confirmed.exit_code == 0, confirmed.output
    assert _references(target) == [REFERENCE]


def test_a_restore_refuses_what_is_not_a_backup_of_its_kind(tmp_path, apps):
    app = apps(_migrated(tmp_path / "live.sqlite", REFERENCE))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    refused = _run(app, "restore", "--from", str(notes), "--yes")
    assert refused.exit_code == 1 and "is not a tfclaims backup" in refused.output
    archive = tmp_path / "tfclaims.dump"
    archive.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    refused = _run(app, "restore", "--from", str(archive), "--yes")
    assert refused.exit_code == 1
    assert "is a backup of a PostgreSQL database, but this app's database is SQLite" in refused.output
    assert _references(app) == [REFERENCE]


def test_restoring_an_older_backup_says_to_upgrade(tmp_path, apps):
    source = apps(_migrated(tmp_path / "live.sqlite", REFERENCE))
    backup = tmp_path / "backup.sqlite"
    assert _run(source, "backup", "--to", str(backup)).exit_code == 0
    old = sqlite3.connect(backup)
    old.execute("UPDATE alembic_version SET version_num = '0001_initial_schema'")
    old.commit()
    old.close()
    target = apps(_migrated(tmp_path / "target.sqlite"))
    restored = _run(target, "restore", "--from", str(backup), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "at migration 0001_initial_schema" in restored.output and "run `flask db upgrade`" in restored.output
    assert _restores(target) == []  # its schema is not this code's: nothing written into it


def test_postgresql_without_pg_dump_says_so(tmp_path, apps, monkeypatch):
    app = apps(make_test_app("postgresql+psycopg://tfclaims:s3cret@127.0.0.1:1/tfclaims"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    refused = _run(app, "backup", "--to", str(tmp_path / "backup.dump"))
    assert refused.exit_code == 1
    assert "pg_dump was not found on PATH" in refused.output and "s3cret" not in refused.output
    assert not (tmp_path / "backup.dump").exists()


def test_the_password_goes_in_the_environment_only():
    url = make_url("postgresql+psycopg://tfclaims:s3cret@db.internal:5433/tfclaims?sslmode=require")
    env = cli._pg_environment(url, "tfclaims")
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.internal", "5433", "tfclaims", "s3cret", "tfclaims", "require")
    assert "s3cret" not in cli._pg_described(url, "tfclaims")


def test_a_failing_pg_program_is_reported_without_the_rows_it_quoted(tmp_path):
    said = tmp_path / "stderr.txt"
    said.write_text('pg_restore: error: COPY failed for table "member"\n'
                    "DETAIL: Key (nhs_number)=(9990001234) already exists.\n"
                    'CONTEXT: COPY member, line 1: "7 Zebedee Quartermaine"\n')
    program = f"import sys; sys.stderr.write(open({str(said)!r}).read()); sys.exit(1)"
    with pytest.raises(click.ClickException) as refused:
        cli._run_pg([sys.executable, "-c", program], dict(os.environ), "pg_restore")
    assert "pg_restore failed (exit status 1)" in refused.value.message
    assert 'COPY failed for table "member"' in refused.value.message
    assert "9990001234" not in refused.value.message and "Zebedee" not in refused.value.message


@pytest.mark.skipif(not URL.startswith("postgresql"), reason="pg_dump and pg_restore need PostgreSQL")
def test_a_postgresql_backup_brings_back_deleted_rows(tmp_path, monkeypatch):
    name = f"tfclaims_backup_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    app = None
    try:
        app = make_test_app(make_url(URL).set(database=name).render_as_string(hide_password=False))
        with app.app_context():
            upgrade()
            factories.make_family(REFERENCE)
            db.session.commit()
            password = db.engine.url.password or os.environ.get("PGPASSWORD")
        ran = []
        real_run = subprocess.run

        def watched(argv, **kwargs):
            ran.append(argv)
            return real_run(argv, **kwargs)

        monkeypatch.setattr(subprocess, "run", watched)
        backup = tmp_path / "tfclaims.dump"
        made = _run(app, "backup", "--to", str(backup))
        assert made.exit_code == 0, made.output
        assert backup.read_bytes().startswith(b"PGDMP") and oct(backup.stat().st_mode & 0o777) == "0o600"
        assert f"Backed up the PostgreSQL database {name}" in made.output and "member" in made.output
        _assert_no_personal_data(made.output)

        with app.app_context():
            before = {table: db.session.scalar(text(f'SELECT count(*) FROM "{table}"'))
                      for table in ("family", "member", "audit_event")}
            db.session.execute(text("DELETE FROM member"))
            db.session.execute(text("DELETE FROM family"))
            db.session.commit()
            db.session.remove()
        assert _references(app) == []

        assert _run(app, "restore", "--from", str(backup)).exit_code == 1  # not without --yes
        restored = _run(app, "restore", "--from", str(backup), "--yes")
        assert restored.exit_code == 0, restored.output
        _assert_no_personal_data(restored.output)
        assert _references(app) == [REFERENCE]
        with app.app_context():
            after = {table: db.session.scalar(text(f'SELECT count(*) FROM "{table}"'))
                     for table in ("family", "member", "audit_event")}
            db.session.remove()
        assert after == {**before, "audit_event": before["audit_event"] + 1}  # and the restore's own event
        assert len(_restores(app)) == 1
        assert [os.path.basename(argv[0]) for argv in ran] == ["pg_dump", "pg_restore"]
        if password:
            assert not any(password in part for argv in ran for part in argv)
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
