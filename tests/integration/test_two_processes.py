"""Two app processes on one database (as two gunicorn workers, or two machines) show the same cohort lists after a
change made through the other: the lists read the stored verdicts, and each process checks its decoded copy
against the database on every read (``engine.store``).

Runs on the suite's database server (PostgreSQL in the PostgreSQL pass: a database of its own, dropped afterwards;
a SQLite file otherwise), with the demo council, two ``flask run`` servers and real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
PASSWORD = "demo-password-2026"
NEW_TEAM = "Two processes locality"


@pytest.fixture
def database(tmp_path):
    """A database for this test alone: its servers commit, which the suite's rolled-back tests must not see."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'two.sqlite'}"
        return
    name = f"tfclaims_two_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def servers(database, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "FLASK_APP": "tfclaims",
        "TFCLAIMS_TODAY": "2024-11-20",
        "SECRET_KEY": "two-processes-secret",
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        # No worker here: each process runs the refresh job after its own commits.
        "JOBS_IMMEDIATE": "1",
        "SIGN_IN_RATE_LIMITS": "0",
    }
    for args in (["db", "upgrade"], ["tfclaims", "seed-demo", "--families", "12"]):
        done = subprocess.run([FLASK, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    started = []
    try:
        for _ in range(2):
            port = _free_port()
            process = subprocess.Popen([FLASK, "run", "--port", str(port), "--no-reload"], env=env, cwd=REPO,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started.append((process, f"http://127.0.0.1:{port}"))
        for process, base in started:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


def _page(session: requests.Session, url: str) -> BeautifulSoup:
    response = session.get(url, timeout=30)
    assert response.status_code == 200, (url, response.status_code)
    return BeautifulSoup(response.text, "html.parser")


def _signed_in(base: str) -> requests.Session:
    session = requests.Session()
    token = _page(session, f"{base}/sign-in").select_one("input[name=csrf_token]")["value"]
    response = session.post(f"{base}/sign-in", data={"csrf_token": token, "password": PASSWORD,
                                                     "email": "coordinator@brackenshire.example"},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:500]
    return session


def _calendar_rows(session: requests.Session, base: str, **filters) -> list[tuple[str, str]]:
    """(family reference, team) of every family in the claim calendar's families with no date yet and in each
    quarter, as this process lists them."""
    page = _page(session, f"{base}/cohort/calendar?{urlencode(filters)}")
    rows = []
    for link in page.select("#claim-calendar tbody tr td:last-child a"):
        listed = _page(session, f"{base}{link['href']}")
        for row in listed.select("table tbody tr"):
            cells = [c.get_text(" ", strip=True) for c in row.select("td")]
            rows.append((cells[0], cells[1]))
    return sorted(rows)


def test_two_processes_show_the_same_lists_after_a_change_made_through_the_other(servers):
    a_base, b_base = servers
    a, b = _signed_in(a_base), _signed_in(b_base)
    before_a, before_b = _calendar_rows(a, a_base), _calendar_rows(b, b_base)  # each process keeps its copy
    assert before_a == before_b and before_b

    reference = before_b[0][0]
    family_link = _page(b, f"{b_base}/families/?{urlencode({'q': reference})}").select_one(
        f"a[href^='/families/']:-soup-contains('{reference}')")
    edit_url = f"{a_base}{family_link['href']}/edit"
    form = _page(a, edit_url).select_one("form[method=post]")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]") if i.get("type") != "checkbox"}
    data["team"] = NEW_TEAM
    response = a.post(edit_url, data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:1000]

    after_b = _calendar_rows(b, b_base)
    assert (reference, NEW_TEAM) in after_b and after_b != before_b
    assert _calendar_rows(a, a_base) == after_b
    assert _calendar_rows(b, b_base, team=NEW_TEAM) == [(reference, NEW_TEAM)]
