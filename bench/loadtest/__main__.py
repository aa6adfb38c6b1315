"""``python -m bench.loadtest`` (``make loadtest``): tfclaims under a realistic load, with figures and targets.

For each database asked for (PostgreSQL 15, then SQLite, by default):

1. a throwaway database: a PRIVATE PostgreSQL 15 cluster (``initdb`` into a temporary folder, ``pg_ctl`` on its own
   port and socket folder, stopped at the end whatever happens), or a SQLite file in a temporary folder;
2. ``flask db upgrade``, the synthetic cohort and the load test's users (``bench.loadtest.data``; kept in
   ``instance/bench/``, a ``pg_dump`` file or a copy of the SQLite file, and restored on the next run while the
   migrations and the generators are the same), then the nightly verdict refresh (``flask tfclaims
   refresh-verdicts``);
3. gunicorn with 4 workers on 127.0.0.1 (a free port; production's other settings from ``deploy/gunicorn.conf.py``
   when it is there) and the huey worker (``huey_consumer``, its queue in the temporary folder); the app runs in
   development mode with a fixed "today" (``TFCLAIMS_TODAY``, the cohort's as-of date: production refuses one);
4. Locust headless (``bench/loadtest/locustfile.py``) with the mix of coordinators, managers and a claims officer,
   stopped after a fixed number of requests (``--run-time`` is only a safety cap);
5. prints the requests per second, p50/p95/p99 per page, the errors (and the first few), the machine's load at the
   start and the end, and whether the targets are met: no error; p95 under 500 ms for pages and under 1 s for
   form posts (on PostgreSQL), no error on SQLite.

Exits 1 when a run had an error or could not run, 0 otherwise (a page slower than its target is printed, not
fatal: these are measurements). ``--host URL`` runs only the Locust mix against a server already running.
The servers' logs are kept in ``instance/bench/loadtest-<database>-*.log``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from bench import REPO_ROOT
from bench.loadtest.data import AS_OF

BENCH_DIR = REPO_ROOT / "instance" / "bench"
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
GUNICORN_CONFIG = REPO_ROOT / "deploy" / "gunicorn.conf.py"
PAGE_TARGET_MS, FORM_TARGET_MS = 500.0, 1000.0
FIRST_ERRORS = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("both", "postgres", "sqlite"), default="both",
                        help="which database to run on (default both: PostgreSQL, then SQLite)")
    parser.add_argument("--families", type=int, default=10_000, help="size of the cohort (default 10000)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users on PostgreSQL (default 50)")
    parser.add_argument("--requests", type=int, default=3000, help="requests on PostgreSQL (default 3000)")
    parser.add_argument("--sqlite-users", type=int, default=10, help="concurrent users on SQLite (default 10)")
    parser.add_argument("--sqlite-requests", type=int, default=1000, help="requests on SQLite (default 1000)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    # Users arrive one a second (50 in the first 50 seconds, each signing in): a busy morning's sign-ins. At 5 a
    # second, 50 argon2 password checks (each about 0.25 s of both cores) in 10 seconds held every page up.
    parser.add_argument("--spawn-rate", type=float, default=1, help="users started a second (default 1)")
    # People read a page before the next step: 2 to 6 seconds is brisk for someone reading a family's page.
    parser.add_argument("--wait", default="2-6", help="think time between steps, MIN-MAX seconds (default 2-6)")
    parser.add_argument("--max-minutes", type=float, default=30, help="safety cap of each Locust run (default 30)")
    parser.add_argument("--no-cache", action="store_true",
                        help="generate the database afresh, and keep no copy in instance/bench/")
    parser.add_argument("--host", help="run only the Locust mix against this running server (loopback only)")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args(argv)
    if min(args.families, args.users, args.requests, args.sqlite_users, args.sqlite_requests, args.workers) < 1:
        parser.error("--families, --users, --requests, --sqlite-users, --sqlite-requests and --workers must be >= 1")
    if args.host and not args.host.startswith(("http://127.", "http://localhost")):
        parser.error("--host must be a loopback address (http://127.0.0.1:PORT): the load test sends no traffic out")
    return args


class HarnessError(RuntimeError):
    """The load test could not run (a step failed): printed, and the run counts as failed."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.host:
        print(f"tfclaims load test against {args.host}")
    else:
        print(f"tfclaims load test: {args.families:,} families, gunicorn {args.workers} workers, as of "
              f"{AS_OF:%d %B %Y}")
    print(f"machine: {os.cpu_count()} cores, load {_load()} at the start")
    ok = True
    if args.host:
        with tempfile.TemporaryDirectory(prefix="tfclaims-loadtest-") as tmp:
            try:
                record = _locust(args, args.host, args.users, args.requests, Path(tmp))
            except HarnessError as error:
                print(f"  THE LOAD TEST COULD NOT RUN: {error}")
                return 1
        ok = _report("the running server", record, args.users, latency_targets=True)
    else:
        runs = [("PostgreSQL 15", "postgres", args.users, args.requests, True),
                ("SQLite", "sqlite", args.sqlite_users, args.sqlite_requests, False)]
        for title, kind, users, requests, latency in runs:
            if args.database not in ("both", kind):
                continue
            print(f"\n== {title}: {users} users, {requests:,} requests ==")
            try:
                record = _run(args, kind, users, requests)
            except HarnessError as error:
                print(f"  THE LOAD TEST COULD NOT RUN: {error}")
                ok = False
                continue
            ok = _report(title, record, users, latency_targets=latency) and ok
    print(f"\nload test done in {time.perf_counter() - started:.0f} s, machine load {_load()} at the end: "
          + ("no error" if ok else "ERRORS (see above)"))
    return 0 if ok else 1


# ---------------------------------------------------------------- one run


def _run(args: argparse.Namespace, kind: str, users: int, requests: int) -> dict:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="tfclaims-loadtest-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        if kind == "postgres":
            url = stack.enter_context(private_postgres(tmp))
        else:
            url = f"sqlite:///{tmp / 'tfclaims.sqlite'}"
        env = server_env(url, tmp)
        suffix = "dump" if kind == "postgres" else "sqlite"
        cache = BENCH_DIR / f"loadtest-{kind}-{args.families}-{args.seed}-{_generation_key()}.{suffix}"
        sqlite_file = tmp / "tfclaims.sqlite"
        if cache.exists() and not args.no_cache:
            if kind == "postgres":
                _step("restore the cohort (pg_restore)", [PG_BIN / "pg_restore", "--no-owner", "-j", "2", "-d",
                                                          _libpq(url), cache], env)
            else:
                _copy("restore the cohort (a copy)", cache, sqlite_file)
            _step("migrate (flask db upgrade)", [BIN / "flask", "db", "upgrade"], env)
        else:
            _step("migrate (flask db upgrade)", [BIN / "flask", "db", "upgrade"], env)
            _step("generate the cohort", [sys.executable, "-m", "bench.loadtest.data", str(args.families),
                                          str(args.seed)], env)
            if not args.no_cache:
                for old in BENCH_DIR.glob(f"loadtest-{kind}-{args.families}-{args.seed}-*.{suffix}"):
                    old.unlink()
                partial = cache.with_name(cache.name + ".partial")  # renamed once whole: never half a cohort
                if kind == "postgres":
                    _step("keep it for next time (pg_dump)", [PG_BIN / "pg_dump", "-Fc", "-f", partial, _libpq(url)],
                          env)
                else:
                    _copy("keep it for next time (a copy)", sqlite_file, partial)
                partial.rename(cache)
        _step("refresh the verdicts", [BIN / "flask", "tfclaims", "refresh-verdicts"], env)
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        logs = {name: BENCH_DIR / f"loadtest-{kind}-{name}.log" for name in ("server", "worker", "locust")}
        # Production's settings (deploy/gunicorn.conf.py) where they are; the workers and address given here win.
        config = ["--config", GUNICORN_CONFIG] if GUNICORN_CONFIG.exists() else ["--timeout", "120"]
        stack.enter_context(_process(
            "gunicorn", [BIN / "gunicorn", *config, "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                         "tfclaims:create_app()"], env, logs["server"]))
        stack.enter_context(_process(
            "huey worker", [BIN / "huey_consumer", "tfclaims.jobs.worker.huey", "--workers", "2",
                            "--worker-type", "thread"], env, logs["worker"]))
        _wait_ready(host, logs["server"])
        print(f"  servers: gunicorn on {host}, huey worker; logs in {BENCH_DIR.relative_to(REPO_ROOT)}/"
              f"loadtest-{kind}-*.log")
        record = _locust(args, host, users, requests, tmp, logs["locust"])
        record["server_errors"] = {name: log_errors(logs[name]) for name in ("server", "worker")}
        return record


def server_env(url: str, tmp: Path) -> dict[str, str]:
    """The app's environment: development mode (production refuses the fixed date, and its secure cookies are not
    sent over plain HTTP on loopback), a fixed today, the queue in the temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "JOBS_", "TFCLAIMS_", "FLASK_"))}
    env.update(DATABASE_URL=url, FLASK_APP="tfclaims", TFCLAIMS_ENV="development", TFCLAIMS_TODAY=AS_OF.isoformat(),
               SECRET_KEY="loadtest-not-a-secret", JOBS_URL=f"sqlite:///{tmp / 'jobs.sqlite'}",
               PYTHONPATH=str(REPO_ROOT))
    return env


def _generation_key() -> str:
    """What the kept database depends on: the migrations and the generators."""
    digest = hashlib.sha256()
    files = sorted((REPO_ROOT / "migrations" / "versions").glob("*.py"))
    for path in [*files, REPO_ROOT / "bench" / "cohort.py", REPO_ROOT / "bench" / "loadtest" / "data.py"]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _step(label: str, command: list, env: dict) -> None:
    started = time.perf_counter()
    done = subprocess.run([str(c) for c in command], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise HarnessError(f"{label} failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    print(f"  {label:<36} {time.perf_counter() - started:6.1f} s")


def _copy(label: str, source: Path, target: Path) -> None:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    print(f"  {label:<36} {time.perf_counter() - started:6.1f} s")


@contextlib.contextmanager
def _process(label: str, command: list, env: dict, log: Path):
    with open(log, "w") as out:
        process = subprocess.Popen([str(c) for c in command], cwd=REPO_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(host: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{host}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise HarnessError(f"gunicorn was not ready within {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


# ---------------------------------------------------------------- a private PostgreSQL


@contextlib.contextmanager
def private_postgres(tmp: Path):
    """A throwaway PostgreSQL 15 cluster in ``tmp``, on its own port and socket folder (no TCP), stopped at the end;
    yields its database's URL. As root, the server runs as the ``postgres`` system user (initdb refuses root)."""
    if not (PG_BIN / "initdb").exists():
        raise HarnessError(f"PostgreSQL 15 is not installed ({PG_BIN}): apt-get install postgresql-15")
    data, sockets = tmp / "pg", tmp / "sock"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(tmp, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    run = {"cwd": tmp, "capture_output": True, "text": True}

    def pg(*command) -> subprocess.CompletedProcess:
        return subprocess.run([*as_user, *(str(c) for c in command)], **run)

    started = time.perf_counter()
    done = pg(PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
    if done.returncode:
        raise HarnessError(f"initdb failed:\n{done.stdout}{done.stderr}")
    options = f"-p {port} -k {sockets} -c listen_addresses='' -c max_connections=100"
    done = pg(PG_BIN / "pg_ctl", "-D", data, "-o", options, "-l", tmp / "postgres.log", "-w", "start")
    if done.returncode:
        log = (tmp / "postgres.log").read_text(errors="replace") if (tmp / "postgres.log").exists() else ""
        raise HarnessError(f"pg_ctl start failed:\n{done.stdout}{done.stderr}{log[-2000:]}")
    try:
        done = subprocess.run([PG_BIN / "createdb", "-h", str(sockets), "-p", str(port), "-U", "postgres",
                               "tfclaims"], capture_output=True, text=True)
        if done.returncode:
            raise HarnessError(f"createdb failed:\n{done.stderr}")
        print(f"  {'private PostgreSQL 15 (initdb)':<36} {time.perf_counter() - started:6.1f} s")
        yield f"postgresql+psycopg://postgres@/tfclaims?host={sockets}&port={port}"
    finally:
        pg(PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq's (for pg_dump and pg_restore)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# ---------------------------------------------------------------- Locust


def mix(users: int) -> tuple[int, int]:
    """Claims officers and managers among ``users``: one officer, a tenth managers (one at least from three users
    on); the others are coordinators."""
    officers = 1
    managers = max(1, round(users / 10)) if users >= 3 else 0
    return officers, managers


def _locust(args: argparse.Namespace, host: str, users: int, requests: int, tmp: Path,
            log: Path | None = None) -> dict:
    results = tmp / "locust-results.json"
    officers, managers = mix(users)
    env = dict(os.environ, LOADTEST_REQUESTS=str(requests), LOADTEST_RESULTS=str(results),
               LOADTEST_MANAGERS=str(managers), LOADTEST_OFFICERS=str(officers),
               LOADTEST_FAMILIES=str(args.families), LOADTEST_WAIT=args.wait, LOADTEST_SEED=str(args.seed),
               PYTHONPATH=str(REPO_ROOT))
    log = log or tmp / "locust.log"
    command = [sys.executable, "-m", "locust", "-f", REPO_ROOT / "bench" / "loadtest" / "locustfile.py",
               "--headless", "--users", str(users), "--spawn-rate", str(args.spawn_rate), "--host", host,
               "--run-time", f"{int(args.max_minutes * 60)}s", "--only-summary"]
    load_start = _load()
    with open(log, "w") as out:
        try:
            done = subprocess.run([str(c) for c in command], cwd=REPO_ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=args.max_minutes * 60 + 120)
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(f"Locust did not stop within its cap (see {log})") from exc
    if not results.exists():
        raise HarnessError(f"Locust ended (exit {done.returncode}) without its results:\n"
                           f"{log.read_text(errors='replace')[-3000:]}")
    record = json.loads(results.read_text())
    record.update(load_start=load_start, load_end=_load())
    return record


# ---------------------------------------------------------------- the report

LOG_NAMES = {"server": "gunicorn: tracebacks", "worker": "huey: ERROR lines, failed tasks and attempts included"}
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit))\b(.*)$")


def log_errors(log: Path) -> tuple[int, list[str]]:
    """How many errors a server's log shows (gunicorn: tracebacks; huey: ERROR lines) and their distinct kinds (the
    last line of each traceback, without the values, which the app's logs never hold anyway)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    count = text.count("Traceback") if log.name.endswith("-server.log") else len(re.findall(r"\] ERROR:", text))
    kinds: list[str] = []
    for line in text.splitlines():
        match = EXCEPTION_LINE.match(line)
        if match and line not in kinds:
            kinds.append(line[:300])
    return count, kinds


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, {os.cpu_count()} cores)"


def _report(title: str, record: dict, users: int, latency_targets: bool) -> bool:
    """Print the figures of a run; whether it had no error (latency targets are printed, not counted)."""
    rows = record["requests"]
    timed = [r for r in rows if r[1] != "CHECK"]
    errors = [r for r in rows if r[3] is not None]
    seconds = max((record["end"] or 0) - (record["start"] or 0), 1e-9)
    officers, managers = mix(users)
    plural = "s" if users > 1 else ""
    print(f"\n  {title}: {len(timed):,} requests in {seconds:.1f} s by {users} user{plural} "
          f"({users - officers - managers} coordinators, {managers} managers, {officers} claims officer): "
          f"{len(timed) / seconds:.1f} requests a second")
    if len(timed) < record["target"]:
        print(f"  STOPPED BEFORE {record['target']:,} REQUESTS (the safety cap of --max-minutes)")
    print(f"  machine load: {record.get('load_start', '?')} at the start, {record.get('load_end', '?')} at the end")
    print(f"\n  {'page or form':<28} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  target")
    slow = []
    names = sorted({r[0] for r in timed}, key=lambda n: (n.startswith("POST"), n))
    for name in names:
        times = np.array([r[2] for r in timed if r[0] == name], dtype=float)
        failed = sum(1 for r in timed if r[0] == name and r[3] is not None)
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        limit = FORM_TARGET_MS if name.startswith("POST") else PAGE_TARGET_MS
        verdict = ""
        if latency_targets:
            verdict = f"p95 < {limit:,.0f} ms: " + ("met" if p95 < limit else "NOT met")
            if p95 >= limit:
                slow.append(name)
        print(f"  {name:<28} {times.size:>6,} {failed:>6,} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}  {verdict}")
    all_times = np.array([r[2] for r in timed], dtype=float) if timed else np.zeros(1)
    p50, p95, p99 = np.percentile(all_times, [50, 95, 99])
    print(f"  {'all':<28} {len(timed):>6,} {len(errors):>6,} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}")
    print(f"\n  errors: {len(errors):,}" + (f" (first {min(FIRST_ERRORS, len(errors))}):" if errors else ""))
    for name, _, _, error, _ in errors[:FIRST_ERRORS]:
        print(f"    {name}: {error}")
    logged = record.get("server_errors", {})
    logged_count = sum(count for count, _ in logged.values())
    for name, (count, kinds) in logged.items():
        print(f"  errors in the {name}'s log ({LOG_NAMES[name]}): {count:,}")
        for kind in kinds[:FIRST_ERRORS]:
            print(f"    {kind}")
    print("\n  targets:")
    print(f"    no error: {'met' if not (errors or logged_count) else 'NOT met'} ({len(errors):,} errors seen by the "
          f"users" + (f", {logged_count:,} in the servers' logs)" if logged else ")"))
    if latency_targets:
        print(f"    p95 under {PAGE_TARGET_MS:,.0f} ms for pages and under {FORM_TARGET_MS:,.0f} ms for form posts at "
              f"{users} user{'s' if users > 1 else ''}: " + ("met" if not slow else f"NOT met ({', '.join(slow)})"))
    return not errors and not logged_count and len(timed) >= record["target"]


if __name__ == "__main__":
    sys.exit(main())
