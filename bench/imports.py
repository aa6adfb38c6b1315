"""``python -m bench.imports`` (``make bench-import``): a school's attendance file against a council's register.

Takes the benchmark cohort of ``--families`` families (``bench.cohort``; made first when ``instance/bench`` does not
hold it), copies it, and writes an attendance file of ``--rows`` rows drawn from the register's children with the
errors partner data has: most rows with the child's UPN; the rest without, some with a short form of the first name,
a typo in the surname, the day and month of birth transposed, or a moved postcode; a few children not in the
register at all. Then, in a fresh process (for its peak memory), it times each step of the import as a coordinator
runs it: upload, read and check every row, match (identifiers, then Splink), keep the preview, confirm and write.
It prints each step's time, the total against the target (under 60 s) and the peak memory against its target (under
2 GB), and the match figures against the truth the file was drawn with.

Figures, not a test: nothing fails when a target is missed, the line says so.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench import REPO_ROOT, make_app

BENCH_DIR = REPO_ROOT / "instance" / "bench"
TARGET_SECONDS = 60.0
TARGET_MB = 2048
TERM = ("Autumn 2020", date(2020, 9, 2), date(2020, 12, 18))
HEADINGS = ["UPN", "Forename", "Surname", "Date of birth", "Sex", "Postcode", "Term", "Term start", "Term end",
            "Sessions possible", "Authorised absence", "Unauthorised absence"]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=100_000, help="families in the register (default 100000)")
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the attendance file (default 200000)")
    parser.add_argument("--without-upn", type=float, default=0.2,
                        help="share of rows without a UPN, matched by name (default 0.2)")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process: the database to import into
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.measure:
        return _measure(args)
    print(f"tfclaims import benchmark: an attendance file of {args.rows:,} rows against {args.families:,} families")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    cohort = BENCH_DIR / f"cohort-{args.families}.sqlite"
    if not cohort.exists():
        started = time.perf_counter()
        _make_register(cohort, args.families, args.seed)
        _line("make the register", f"{time.perf_counter() - started:.1f} s (bench.cohort)")
    copy = BENCH_DIR / f"import-{args.families}.sqlite"
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(cohort, copy)
    _line("copy the register", f"{time.perf_counter() - started:.1f} s")
    done = subprocess.run([sys.executable, "-m", "bench.imports", "--families", str(args.families), "--rows",
                           str(args.rows), "--without-upn", str(args.without_upn), "--seed", str(args.seed),
                           "--measure", str(copy)], cwd=REPO_ROOT, capture_output=True, text=True)
    print(done.stdout, end="")
    if done.returncode:
        print(done.stderr[-4000:], file=sys.stderr)
        return done.returncode
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return 0


def _make_register(path: Path, families: int, seed: int) -> None:
    """The benchmark cohort, as ``python -m bench`` makes it (and keeps, for ``--reuse``)."""
    import logging

    from flask_migrate import upgrade

    from bench.cohort import generate
    from tfclaims.extensions import db

    logging.disable(logging.WARNING)
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            generate(connection, families, seed)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    logging.disable(logging.NOTSET)


def _line(what: str, figure: str) -> None:
    print(f"  {what:<42}{figure}", flush=True)


def _verdict(value: float, target: float, unit: str) -> str:
    return f"(target under {target:,.0f} {unit}: {'met' if value < target else 'NOT met'})"


# ---------------------------------------------------------------- the file


def _children(connection) -> list[dict]:
    from sqlalchemy import text

    rows = connection.execute(text(
        "SELECT id, forenames, surname, date_of_birth, sex, postcode, upn FROM member "
        "WHERE relationship_to_lead = 'child' ORDER BY id")).mappings().all()
    return [dict(r) for r in rows]


def _typo(r: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = r.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def attendance_file(children: list[dict], rows: int, without_upn: float, seed: int) -> tuple[bytes, dict[int, int]]:
    """The CSV and its truth: the file's row number -> the member it was drawn from (absent: no one)."""
    from tfclaims.imports.nicknames import NICKNAMES

    r = random.Random(seed)
    short = {}
    for name, canonical in NICKNAMES.items():
        short.setdefault(canonical, name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    truth: dict[int, int] = {}
    for number in range(2, rows + 2):
        child = children[(number - 2) % len(children)]
        outsider = r.random() < 0.02
        forename, surname = str(child["forenames"]).split()[0], str(child["surname"])
        born = child["date_of_birth"] if isinstance(child["date_of_birth"], date) else date.fromisoformat(
            str(child["date_of_birth"]))
        postcode, upn = child["postcode"] or "", child["upn"] or ""
        if outsider:
            forename, surname = r.choice(["Zinnia", "Tobiah", "Marisol", "Caspian"]), r.choice(
                ["Quennell", "Vorster", "Ashgrove", "Pemberton-Hale"])
            born, upn = born - timedelta(days=r.randint(30, 900)), ""
            postcode = f"ZZ{r.randint(1, 9)} {r.randint(1, 9)}AA"
        else:
            truth[number] = child["id"]
            if r.random() < without_upn or not upn:
                upn = ""
                change = r.random()
                if change < 0.15:
                    forename = short.get(forename.lower(), forename.lower()).capitalize()
                elif change < 0.25:
                    surname = _typo(r, surname)
                elif change < 0.30 and born.day <= 12 and born.day != born.month:
                    born = date(born.year, born.day, born.month)
                elif change < 0.40:
                    postcode = f"BR{r.randint(1, 9)} {r.randint(1, 9)}ZZ"
        possible = r.randint(120, 150)
        authorised = r.randint(0, 12)
        unauthorised = r.randint(0, 30)
        writer.writerow([upn, forename, surname, born.strftime("%d/%m/%Y"), child["sex"], postcode, TERM[0],
                         TERM[1].strftime("%d/%m/%Y"), TERM[2].strftime("%d/%m/%Y"), possible, authorised,
                         unauthorised])
    return out.getvalue().encode(), truth


# ---------------------------------------------------------------- the measured run


def _committed(*results):
    from tfclaims.extensions import db

    db.session.commit()
    return results[0]


def _measure(args) -> int:
    import logging

    from flask_migrate import upgrade
    from sqlalchemy import select

    logging.disable(logging.WARNING)
    url = f"sqlite:///{args.measure}"
    app = make_app(url)
    from tfclaims.auth.models import User
    from tfclaims.extensions import db
    from tfclaims.imports import services
    from tfclaims.imports.models import ImportRow

    with app.app_context(), app.test_request_context():
        upgrade()
        user = db.session.scalars(select(User).order_by(User.id)).first()
        children = _children(db.session)
        started = time.perf_counter()
        content, truth = attendance_file(children, args.rows, args.without_upn, args.seed)
        _line("write the file", f"{time.perf_counter() - started:.1f} s ({len(content) / 1e6:.1f} MB, "
                                f"{len(children):,} children in the register)")
        app.config["IMPORT_MAX_BYTES"] = max(app.config["IMPORT_MAX_BYTES"], len(content) + 1)
        steps: dict[str, float] = {}

        def step(name, function):
            begun = time.perf_counter()
            result = function()
            steps[name] = time.perf_counter() - begun
            _line(name, f"{steps[name]:.1f} s")
            return result

        timings: dict[str, float] = {}

        def progress(done, total, what):
            timings[what] = time.perf_counter()

        batch = step("upload", lambda: _committed(services.upload("attendance", "bench-school.csv", content, user)))
        step("read, check, match and keep the preview", lambda: _committed(services.read_batch(batch, progress)))
        marks = sorted(timings.items(), key=lambda item: item[1])
        ends = [at for _what, at in marks[1:]] + [marks[-1][1] + 0.0]
        finished = time.perf_counter()
        ends[-1] = finished
        for (what, at), end in zip(marks, ends, strict=True):
            _line(f"  {what.lower()}", f"{end - at:.1f} s")
        step("confirm, write and commit", lambda: _committed(services.confirm(batch, user),
                                                             services.write_batch(batch)))
        total = sum(steps.values())
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        counts = batch.counts
        print()
        _line("total", f"{total:.1f} s  {_verdict(total, TARGET_SECONDS, 's')}")
        _line("peak memory", f"{peak_mb:,.0f} MB  {_verdict(peak_mb, TARGET_MB, 'MB')}")
        _line("rows", ", ".join(f"{k} {counts.get(k, 0):,}" for k in (
            "received", "valid", "exact", "auto", "review", "unmatched", "created", "duplicates")))
        matched = dict(db.session.execute(select(ImportRow.row_number, ImportRow.member_id).where(
            ImportRow.batch_id == batch.id, ImportRow.status.in_(("exact", "auto")))).all())
        review = dict(db.session.execute(select(ImportRow.row_number, ImportRow.candidates).where(
            ImportRow.batch_id == batch.id, ImportRow.status == "review")).all())
        right = sum(1 for n, m in matched.items() if truth.get(n) == m)
        precision = right / len(matched) if matched else 1.0
        # In review with the true person among the candidates a coordinator is shown.
        offered = sum(1 for n, candidates in review.items() if n in truth
                      and truth[n] in [c["member_id"] for c in candidates])
        found = (right + offered) / len(truth) if truth else 1.0
        _line("automatic matches right", f"{precision:.2%} (target at least 99.5%)")
        _line("true matches found automatically", f"{right / len(truth):.2%}")
        _line("true matches found (auto or review)", f"{found:.2%} (target at least 97%)")
        _line("rows sent to review", f"{len(review) / args.rows:.2%} (target under 5%)")
        print(json.dumps({"total_s": round(total, 1), "peak_mb": round(peak_mb), "steps": {
            k: round(v, 2) for k, v in steps.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
