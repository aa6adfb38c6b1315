"""Browser tests: Debian's chromium driven by Playwright, against the app served from a thread.

The app gets a database of its own (a fresh SQLite file, or a fresh PostgreSQL database inside
pg_virtualenv), migrated and given one user per role and a published plan, because the browser's requests
commit for real. CSRF protection stays on. Every test is skipped only when chromium is absent.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import make_test_app
from tfclaims import demo
from tfclaims.auth.roles import Role
from tfclaims.extensions import db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# What the accessibility crawl checked, per role, printed at the end of the run (test_accessibility_crawl.py).
CRAWL_REPORT = pytest.StashKey[dict]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The crawl's figures: page shapes checked per role (each shape by the first role to reach it), and in all."""
    report = config.stash.get(CRAWL_REPORT, {})
    if report:
        terminalreporter.section("accessibility crawl")
        for role, (checked, failing) in report.items():
            terminalreporter.write_line(f"{role}: {checked} page shapes checked, {failing} with problems")
        total = sum(checked for checked, _ in report.values())
        terminalreporter.write_line(f"in all: {total} page shapes checked at 1280, 640 and 320 px")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM:
                item.add_marker(pytest.mark.skip(reason="chromium is not installed (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def _browser_database(tmp_path_factory) -> tuple[str, callable]:
    if not os.environ.get("DATABASE_URL"):
        return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'tfclaims.sqlite'}", lambda: None
    import psycopg

    name = f"tfclaims_browser_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql+psycopg:///{name}", drop


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    url, drop = _browser_database(tmp_path_factory)
    app = make_test_app(url, SERVER_NAME=None, TESTING=False)
    with app.app_context():
        upgrade()
        users = {
            role: factories.make_user(role, email=f"{role.value.replace('_', '-')}@browser.example") for role in Role
        }
        factories.make_published_plan(name="Brackenshire outcomes plan")
        app.config["BROWSER_USERS"] = {role: user.email for role, user in users.items()}
    yield app
    with app.app_context():
        db.engine.dispose()
    drop()


@contextmanager
def served_demo(folder: Path):
    """The demo council as ``make run`` loads it (on the demo day) in a database in ``folder``, served from a thread
    of its own: (its app, its address)."""
    url = f"sqlite:///{folder / 'tfclaims.sqlite'}"
    app = make_test_app(url, SERVER_NAME=None, TESTING=False, TFCLAIMS_TODAY=demo.DEMO_TODAY.isoformat())
    with app.app_context():
        upgrade()
    loaded = app.test_cli_runner().invoke(args=["tfclaims", "seed-if-empty"])
    assert loaded.exit_code == 0, loaded.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory):
    """The demo council, for the accessibility crawl and the reports' reflow checks, which need every kind of page
    filled. They only read it (and send forms that are refused)."""
    with served_demo(tmp_path_factory.mktemp("demo")) as (_app, url):
        yield url


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def sign_in_as(page, base_url, live_app):
    def _sign_in(role: Role):
        page.goto(f"{base_url}/sign-in")
        page.get_by_label("Email address").fill(live_app.config["BROWSER_USERS"][role])
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base_url}/home")

    return _sign_in


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE.read_text())
    return _AXE_SOURCE[0]


def _navigated_away(message: str) -> bool:
    return any(
        sign in message
        for sign in ("documentElement", "Execution context was destroyed", "Cannot find context", "navigation")
    )


@pytest.fixture
def axe(page):
    """axe(): run axe-core on the current page and fail on any WCAG 2.2 AA violation."""

    def _run_axe():
        # A click that follows a link returns before the next page has loaded, so axe may start on a document that
        # is being replaced: wait for the page to load, and run again if the document went away under it.
        for attempt in range(3):
            page.wait_for_load_state("load")
            try:
                if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                    page.evaluate(_axe_source())
                return page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
            except PlaywrightError as error:
                if attempt == 2 or not _navigated_away(str(error)):
                    raise
        raise AssertionError("unreachable")

    def _check():
        # Evaluated through the DevTools protocol, which the page's CSP does not govern: the pages under test
        # keep their real Content-Security-Policy.
        result = _run_axe()
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        assert not problems, f"{page.url}: " + "; ".join(problems)

    return _check
