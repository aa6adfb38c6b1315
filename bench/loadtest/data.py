"""The load test's data: the synthetic cohort of ``bench.cohort`` and what the mix of users needs.

``prepare(url, families, seed)`` fills an already-migrated, empty database (``flask db upgrade`` first) with:

- ``families`` synthetic families (``bench.cohort.generate``), committed, then analysed (PostgreSQL) or checkpointed
  (SQLite) as a running server's database would be;
- the users the mix signs in as, all with the password ``PASSWORD``: ``COORDINATORS`` programme coordinators,
  ``MANAGERS`` managers and ``OFFICERS`` claims officers (``email(role, n)``);
- an open claim window ending on ``AS_OF`` (the app's "today" in the load test, ``TFCLAIMS_TODAY``), whose families
  the claims officer builds claims of, and the programme year's target the forecast page reads.

Rows are inserted with SQLAlchemy Core, as ``bench.cohort`` does: no audit events, it is synthetic data.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from bench.cohort import DOMAIN, PASSWORD, STAMP, _password_hash, _table, _user, cohort_size, generate
from tfclaims.auth.roles import Role

# The app's "today" during the load test: the benchmark cohort's as-of date (attachments from June 2015 to
# December 2019), so that families have results to claim and the forecast has a programme year to forecast.
AS_OF = date(2021, 3, 31)
WINDOW_LABEL = "Load test window: January to March 2021"
WINDOW = {"starts_on": date(2021, 1, 1), "ends_on": AS_OF, "submission_deadline": date(2021, 6, 30)}
TARGET = {
    "label": "2020-21",
    "starts_on": date(2020, 4, 1),
    "ends_on": AS_OF,
    "results_target": 3000,
    "attachment_target": 2500,
    "attachment_deadline": date(2020, 12, 31),
    "claim_deadline": AS_OF,
    "assumed_rate_percent": None,
}
COORDINATORS, MANAGERS, OFFICERS = 60, 5, 3
ROLES = {"coordinator": Role.COORDINATOR, "manager": Role.MANAGER, "officer": Role.CLAIMS_OFFICER}
ROLE_NAMES = {"coordinator": "Coordinator", "manager": "Manager", "officer": "Claims Officer"}


def email(role: str, number: int) -> str:
    """The sign-in of the ``number``-th (from 1) load-test user of a role: ``coordinator``, ``manager``, ``officer``."""
    return f"loadtest-{role}-{number:02d}@{DOMAIN}"


@dataclass
class Prepared:
    families: int
    rows: int
    seconds: float


def prepare(connection: Connection, families: int, seed: int = 2015) -> Prepared:
    """Generate the cohort and the load test's users, window and target. Commits nothing: the caller does."""
    started = time.perf_counter()
    if cohort_size(connection):
        raise RuntimeError("The database already holds a benchmark cohort: the load test starts from an empty one.")
    generated = generate(connection, families, seed)
    password_hash = _password_hash()
    for role, count in (("coordinator", COORDINATORS), ("manager", MANAGERS), ("officer", OFFICERS)):
        for number in range(1, count + 1):
            name = f"Load Test {ROLE_NAMES[role]} {number}"
            _user(connection, email(role, number), name, ROLES[role], password_hash)
    window = _table("claim_window")
    if connection.scalar(select(window.c.id).where(window.c.label == WINDOW_LABEL)) is None:
        connection.execute(window.insert().values(label=WINDOW_LABEL, created_at=STAMP, updated_at=STAMP, **WINDOW))
    target = _table("programme_target")
    if connection.scalar(select(target.c.id).where(target.c.label == TARGET["label"])) is None:
        connection.execute(target.insert().values(created_at=STAMP, updated_at=STAMP, **TARGET))
    return Prepared(families=families, rows=generated.total_rows, seconds=time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.loadtest.data FAMILIES [SEED]``: prepare the database named by ``DATABASE_URL`` (migrated
    already), commit, and analyse it (PostgreSQL) or move SQLite's write-ahead log into the file."""
    from bench import make_app
    from tfclaims.extensions import db

    args = sys.argv[1:] if argv is None else argv
    families, seed = int(args[0]), int(args[1]) if len(args) > 1 else 2015
    app = make_app(os.environ["DATABASE_URL"])
    with app.app_context():
        with db.engine.begin() as connection:
            prepared = prepare(connection, families, seed)
        # Outside any transaction (tfclaims.db begins SQLite's IMMEDIATE even under AUTOCOMMIT): the DBAPI's own.
        raw = db.engine.raw_connection()
        try:
            driver = raw.driver_connection
            if db.engine.dialect.name == "postgresql":
                driver.autocommit = True
                driver.execute("ANALYZE")
            else:
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        db.engine.dispose()
    print(f"{prepared.families:,} families ({prepared.rows:,} rows) and the load test's users in "
          f"{prepared.seconds:.1f} s")
    print(f"password of every load test user: {PASSWORD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
