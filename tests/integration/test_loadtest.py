"""The load test's harness (``bench/loadtest``, ``make loadtest``) works, and never fails silently.

- The whole run on a tiny SQLite cohort: migrate, generate, refresh, gunicorn and the huey worker, the Locust mix of
  a coordinator, a manager and a claims officer; it prints the figures per page and no error.
- Against a stub server: an answer 500 and a form shown again with its error summary are counted and printed as
  errors, and the run exits 1.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import REPO_ROOT

SIGN_IN_PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>Sign in</title></head><body><h1>Sign in</h1>
<form method="post" novalidate action="/sign-in"><input id="csrf_token" name="csrf_token" type="hidden" value="t0k">
<input id="email" name="email" type="text"><input id="password" name="password" type="password"></form></body></html>"""
FORM_AGAIN = b"""<!DOCTYPE html><html lang="en"><head><title>Error: Sign in</title></head><body>
<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2><div class="govuk-error-summary__body">
<ul class="govuk-list govuk-error-summary__list"><li><a href="#email">Enter your email address</a></li></ul>
</div></div></div><h1>Sign in</h1></body></html>"""


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.loadtest", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout)


def _stub(mode: str):
    """A loopback server that answers every request 500 ("500"); or shows the sign-in form and answers its post
    with the form again and an error summary ("form"); or answers the first sign-in 500 and the next ones with a
    session, sending the other pages to the sign-in page without one ("sign-in once")."""
    posts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if mode == "500":
                self._answer(500, b"<h1>Sorry, there is a problem with the service</h1>")
            elif self.path.startswith("/sign-in"):
                self._answer(200, SIGN_IN_PAGE)
            elif mode == "sign-in once" and not self._signed_in():
                self.send_response(302)
                self.send_header("Location", f"/sign-in?next={self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._answer(200, b"<h1>A page</h1>")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if mode == "sign-in once":
                posts.append(self.path)
                if len(posts) > 1:  # signed in, the second time
                    self.send_response(302)
                    self.send_header("Location", "/home")
                    self.send_header("Set-Cookie", "session=signed-in; Path=/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            self._answer(200, FORM_AGAIN) if mode == "form" else self._answer(500, b"<h1>Sorry</h1>")

        def _signed_in(self) -> bool:
            return "session=signed-in" in (self.headers.get("Cookie") or "")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def stub(request):
    server = _stub(request.param)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_small_run_on_sqlite_prints_the_figures_and_no_error():
    done = _run("--database", "sqlite", "--families", "40", "--sqlite-users", "3", "--sqlite-requests", "45",
                "--wait", "0-0.2", "--spawn-rate", "10", "--no-cache")
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "== SQLite: 3 users, 45 requests ==" in out
    assert "requests a second" in out and "machine load:" in out
    for name in ("GET sign-in page", "POST sign in", "GET family search", "GET family page", "GET forecast",
                 "GET scorecard", "GET ready to claim", "POST build claim"):
        assert f"  {name} " in out, name
    assert "errors: 0" in out
    assert "no error: met" in out


@pytest.mark.slow
@pytest.mark.parametrize("stub", ["500"], indirect=True)
def test_an_answer_500_is_an_error(stub):
    done = _run("--host", stub, "--users", "1", "--requests", "6", "--wait", "0-0.05", timeout=120)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    errors = int(re.search(r"errors: (\d+) \(first 5\):", out).group(1))
    assert errors >= 6  # every request (and those in flight when the sixth ended)
    assert "GET sign-in page: 500 from /sign-in" in out
    assert f"no error: NOT met ({errors} errors seen by the users)" in out


@pytest.mark.slow
@pytest.mark.parametrize("stub", ["form"], indirect=True)
def test_a_form_shown_again_with_its_error_summary_is_an_error(stub):
    done = _run("--host", stub, "--users", "1", "--requests", "4", "--wait", "0-0.05", timeout=120)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert ("POST sign in: 200 from /sign-in, the form shown again: There is a problem Enter your email address"
            in out)
    assert "no error: NOT met" in out


@pytest.mark.slow
@pytest.mark.parametrize("stub", ["sign-in once"], indirect=True)
def test_a_failed_sign_in_is_one_error_and_the_user_signs_in_again(stub):
    done = _run("--host", stub, "--users", "1", "--requests", "8", "--wait", "0-0.05", timeout=120)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "POST sign in: 500 from /sign-in" in out
    assert re.search(r"  POST sign in +2 +1 ", out), out  # tried again at the next task, and signed in
    assert "to /sign-in" not in out  # no page sent to the sign-in page: the user did not go on signed out


def test_the_host_must_be_loopback():
    done = _run("--host", "http://192.168.1.10:8000", timeout=60)
    assert done.returncode == 2
    assert "--host must be a loopback address" in done.stderr
