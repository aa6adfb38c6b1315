"""The load test's users, for Locust (``python -m bench.loadtest`` runs it headless; see ``bench/loadtest``).

- **Coordinators** (most users): sign in, search the family register (by surname or by reference), open family
  pages from the results, and now and then record an event on a family through the real form (the CSRF token and
  the family's members read from the form).
- **Managers**: open the forecast (and any chart it links as an image rather than carrying, as a browser does) and
  the scorecard.
- **A claims officer**: opens the ready-to-claim list, builds a draft claim of a few families through the
  build form, starts the claim pack job, follows its progress (the page, then its status as the page's script polls
  it), and downloads the pack.

Every request is named by its page or form (``GET family page``, ``POST record progress``) and checked: any answer
but the one expected (200 for a page, 302 for a form that saves), a form shown again with an error summary, a job
that fails or does not finish, or a pack that is not a PDF is a failure, with the reason. A page that refreshes
itself while the cohort is being judged is refreshed as a browser would (``<name> (refreshed)``). The test stops itself
after ``LOADTEST_REQUESTS`` requests (Locust's ``--run-time`` is only a safety cap), and writes every request's
name, time and failure to ``LOADTEST_RESULTS`` (JSON) for the runner to print.

Environment: ``LOADTEST_REQUESTS`` (default 3000), ``LOADTEST_RESULTS`` (a file path), ``LOADTEST_PASSWORD``,
``LOADTEST_FAMILIES`` (the cohort's size, for reference searches), ``LOADTEST_WAIT`` (think time between steps in
seconds, ``MIN-MAX``, default ``2-6``), ``LOADTEST_MANAGERS`` and ``LOADTEST_OFFICERS`` (how many of the users,
default 1 each; the others are coordinators), ``LOADTEST_SEED``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import time
from html import unescape
from html.parser import HTMLParser

import gevent
from locust import HttpUser, between, events, task

from bench.loadtest.data import COORDINATORS, MANAGERS, OFFICERS, email

REQUESTS = int(os.environ.get("LOADTEST_REQUESTS", "3000"))
FAMILIES = int(os.environ.get("LOADTEST_FAMILIES", "10000"))
RESULTS = os.environ.get("LOADTEST_RESULTS", "")
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "bench-password-not-a-secret")
WAIT = tuple(float(x) for x in os.environ.get("LOADTEST_WAIT", "2-6").split("-", 1))
RANDOM = random.Random(int(os.environ.get("LOADTEST_SEED", "2015")))
# How many of the users are managers and claims officers (the rest are coordinators): set by the runner.
MANAGER_USERS = int(os.environ.get("LOADTEST_MANAGERS", "1"))
OFFICER_USERS = int(os.environ.get("LOADTEST_OFFICERS", "1"))

# Surnames the synthetic cohort draws from (tfclaims.demo.SURNAMES), typed into the family search.
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
            "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke")
RECORD_SHARE = 0.25  # of the family pages a coordinator opens, those where they record an event
CLAIM_FAMILIES = 5  # families in each claim the claims officer builds
JOB_POLL_SECONDS = 3  # as the job page's meta refresh (without JavaScript)
JOB_STATUS_SECONDS = 2  # as static/jobs.js polls the job's status
JOB_POLLS = 90  # a job not finished after this many polls (3 to 4.5 minutes) is a failure
MAX_REFRESHES = 20  # of a page that refreshes itself while the cohort is judged
META_REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)')
FAMILY_LINK = re.compile(r'href="/families/(\d+)"')
BUILD_FAMILY = re.compile(r'name="families" type="checkbox" value="(\d+)"')
ERROR_SUMMARY = re.compile(r'<div class="govuk-error-summary"[^>]*>.*?</div>\s*</div>', re.S)
TAG = re.compile(r"<[^>]+>")


# ---------------------------------------------------------------- the fixed number of requests, and the record

_record: list[list] = []  # [name, method (CHECK: a failed check, not a request), milliseconds, error or None, ended]
_window = {"start": None, "end": None, "requests": 0}


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, context=None, **kwargs):
    now = time.time()
    if _window["start"] is None:
        _window["start"] = now - response_time / 1000
    _window["end"] = now
    _record.append([name, request_type, response_time, None if exception is None else str(exception)[:500], now])
    if request_type != "CHECK":
        _window["requests"] += 1
        if _window["requests"] == REQUESTS:  # enough: stop every user at once
            gevent.spawn(_ENVIRONMENT["runner"].quit)


_ENVIRONMENT: dict = {}


@events.init.add_listener
def _on_init(environment, **kwargs):
    _ENVIRONMENT["runner"] = environment.runner


@events.quitting.add_listener
def _on_quitting(environment, **kwargs):
    if RESULTS:
        with open(RESULTS, "w") as out:
            json.dump({"requests": _record, "start": _window["start"], "end": _window["end"],
                       "target": REQUESTS}, out)


# ---------------------------------------------------------------- forms


class _FormParser(HTMLParser):
    """The forms of a page: action, and for each field the values it offers (hidden and text: its value; select,
    radios, checkboxes: every option's value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            self._form["fields"].setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "textarea" and a.get("name"):
            self._form["fields"].setdefault(a["name"], [])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], [])
        elif tag == "option" and self._select:
            self._form["fields"][self._select].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def form(html: str, action: str) -> dict[str, list[str]] | None:
    """The fields of the page's form posting to ``action`` (None when the page has no such form)."""
    parser = _FormParser()
    parser.feed(html)
    for found in parser.forms:
        if unescape(found["action"]).split("?")[0] == action:
            return found["fields"]
    return None


def error_summary(html: str) -> str:
    """The text of the page's GOV.UK error summary ("" when it has none)."""
    match = ERROR_SUMMARY.search(html)
    return " ".join(unescape(TAG.sub(" ", match.group(0))).split()) if match else ""


class Refused(Exception):
    """A step could not go on (the failure is already recorded)."""


# ---------------------------------------------------------------- users


class _User(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    role = ""
    count = 1
    _started: dict[str, int] = {}

    def on_start(self):
        # Each user its own account, in turn (two users share one only beyond ``count``).
        _User._started[self.role] = _User._started.get(self.role, 0) + 1
        self.number = (_User._started[self.role] - 1) % self.count + 1
        self.signed_in = False
        self.ensure_signed_in()

    def ensure_signed_in(self) -> bool:
        """Sign in unless signed in. A sign-in that failed (a failure recorded) is tried again at the user's next
        task, as a person would, rather than every page after it being sent to the sign-in page."""
        if not self.signed_in:
            with contextlib.suppress(Refused):
                self.sign_in()
                self.signed_in = True
        return self.signed_in

    # -- checked requests

    def page(self, path: str, name: str, expect: int = 200, content_type: str = "text/html",
             follow_refresh: bool = True) -> str:
        """GET a page and check its answer. A page that refreshes itself (a list while the cohort is being judged
        by a background job) is refreshed as a browser does, up to ``MAX_REFRESHES`` times, each named
        ``<name> (refreshed)``; one still refreshing after that is a failure."""
        html = self._get(path, name, expect, content_type)
        for _ in range(MAX_REFRESHES if follow_refresh else 0):
            refresh = META_REFRESH.search(html)
            if not refresh:
                return html
            gevent.sleep(int(refresh.group(1)))
            html = self._get(path, f"{name} (refreshed)", expect, content_type)
        if follow_refresh and META_REFRESH.search(html):
            self.fail(name, f"{path} was still refreshing itself after {MAX_REFRESHES} refreshes")
        return html

    def _get(self, path: str, name: str, expect: int, content_type: str) -> str:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != expect:
                where = f" to {response.headers.get('Location')}" if response.is_redirect else ""
                if "/sign-in" in where:
                    self.signed_in = False  # the session was lost: sign in again at the next task
                response.failure(f"{response.status_code}{where} from {path}")
                raise Refused
            if expect == 200 and not response.headers.get("Content-Type", "").startswith(content_type):
                response.failure(f"{response.headers.get('Content-Type')} from {path}, not {content_type}")
                raise Refused
            response.success()
            return response.text if content_type.startswith("text") else ""

    def post(self, path: str, data: dict, name: str) -> str:
        """Post a form that saves and redirects: anything but a 302 is a failure (a 200 is the form again, with
        its error summary)."""
        with self.client.post(path, data=data, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                summary = error_summary(response.text) if response.status_code == 200 else ""
                response.failure(f"{response.status_code} from {path}"
                                 + (f", the form shown again: {summary[:300]}" if summary else ""))
                raise Refused
            response.success()
            return response.headers.get("Location", "")

    def form(self, html: str, action: str, name: str) -> dict[str, list[str]]:
        fields = form(html, action)
        if fields is None or "csrf_token" not in fields:
            self.fail(name, f"no form posting to {action} with a CSRF token on the page")
        return fields

    def think(self):
        """A person reads the page before the next step (Locust's ``wait_time`` is between tasks only)."""
        gevent.sleep(RANDOM.uniform(*WAIT))

    def fail(self, name: str, reason: str):
        """Record a failure found outside a request's answer (as Locust records a request's)."""
        self.environment.events.request.fire(request_type="CHECK", name=name, response_time=0, response_length=0,
                                             exception=Exception(reason), context={})
        raise Refused

    def sign_in(self):
        html = self.page("/sign-in", "GET sign-in page")
        self.think()
        fields = self.form(html, "/sign-in", "GET sign-in page")
        location = self.post("/sign-in", {"csrf_token": fields["csrf_token"][0], "email": email(self.role, self.number),
                                          "password": PASSWORD}, "POST sign in")
        if "/sign-in" in location:
            self.fail("POST sign in", f"sent to {location} instead of signed in")


class Coordinator(_User):
    """Searches the register, opens family pages, records progress."""

    weight = 1
    role, count = "coordinator", COORDINATORS

    @task
    def work(self):
        if not self.ensure_signed_in():
            return
        try:
            # A surname, or the start of a reference: BENCH-000123 finds BENCH-0001230 to BENCH-0001239.
            reference = f"BENCH-{RANDOM.randint(0, max(FAMILIES - 1, 0) // 10):06d}"
            query = RANDOM.choice(SURNAMES) if RANDOM.random() < 0.5 else reference
            html = self.page(f"/families/?q={query}", "GET family search")
            self.think()
            found = FAMILY_LINK.findall(html)
            if not found:
                html = self.page("/families/", "GET family register")
                found = FAMILY_LINK.findall(html)
                if not found:
                    self.fail("GET family register", "no family listed")
            for family_id in RANDOM.sample(found, min(len(found), RANDOM.choice((1, 1, 2)))):
                self.page(f"/families/{family_id}", "GET family page")
                self.think()
                if RANDOM.random() < RECORD_SHARE:
                    self.record_event(int(family_id))
                    self.think()
        except Refused:
            pass

    def record_event(self, family_id: int):
        """The family page's "Record an event": a member, what happened, when, who reported it, a note."""
        path = f"/families/{family_id}/progress/events/new"
        html = self.page(path, "GET record progress form")
        self.think()
        fields = self.form(html, path, "GET record progress form")
        members = [v for v in fields.get("member_id", []) if v]
        kinds = [v for v in fields.get("kind", []) if v]
        sources = [v for v in fields.get("source", []) if v]
        if not (members and kinds and sources):
            self.fail("GET record progress form", "the form offers no member, kind or source")
        day = RANDOM.randint(0, 364)
        occurred = time.gmtime(time.mktime((2020, 1, 1, 12, 0, 0, 0, 0, 0)) + day * 86400)
        location = self.post(path, {
            "csrf_token": fields["csrf_token"][0],
            "member_id": RANDOM.choice(members),
            "kind": RANDOM.choice(kinds),
            "occurred_on": [str(occurred.tm_mday), str(occurred.tm_mon), str(occurred.tm_year)],
            "source": RANDOM.choice(sources),
            "note": "Recorded by the load test (synthetic).",
            "submit": "y",
        }, "POST record progress")
        if f"/families/{family_id}" not in location:
            self.fail("POST record progress", f"sent to {location}, not the family page")
        self.page(f"/families/{family_id}", "GET family page")


class Manager(_User):
    """Opens the forecast (with its charts) and the scorecard."""

    fixed_count = MANAGER_USERS
    role, count = "manager", MANAGERS

    @task
    def look(self):
        if not self.ensure_signed_in():
            return
        try:
            html = self.page("/forecasts/", "GET forecast")
            for src in re.findall(r'<img src="(/[^"]+)"', html):  # the page carries its charts as data: images
                self.page(unescape(src), "GET forecast chart", content_type="image/svg+xml")
            self.think()
            self.page("/scorecard/", "GET scorecard")
        except Refused:
            pass


class ClaimsOfficer(_User):
    """Builds a claim of a few families and makes its claim pack, following the job to the file."""

    fixed_count = OFFICER_USERS
    role, count = "officer", OFFICERS

    @task
    def claim(self):
        if not self.ensure_signed_in():
            return
        try:
            self.page("/cohort/ready", "GET ready to claim")
            self.think()
            html = self.page("/claims/", "GET claims overview")
            self.think()
            builds = re.findall(r'href="(/claims/windows/\d+/build)"', html)
            if not builds:
                self.fail("GET claims overview", "no claim window open for building")
            build = builds[0]
            html = self.page(build, "GET build claim form")
            self.think()
            # Thousands of checkboxes: read with a pattern, not the parser (which would hold up the other users).
            fields = self.form(html.split('name="families"', 1)[0] + "</form>", build, "GET build claim form")
            offered = BUILD_FAMILY.findall(html)
            if not offered:
                self.fail("GET build claim form", "no claimable family offered")
            chosen = RANDOM.sample(offered, min(CLAIM_FAMILIES, len(offered)))
            location = self.post(build, {"csrf_token": fields["csrf_token"][0], "families": chosen, "submit": "y"},
                                 "POST build claim")
            claim = re.search(r"/claims/(\d+)$", location)
            if not claim:
                self.fail("POST build claim", f"sent to {location}, not the claim")
            path = f"/claims/{claim.group(1)}"
            html = self.page(path, "GET claim page")
            self.think()
            fields = self.form(html, f"{path}/claim-pack", "GET claim page")
            location = self.post(f"{path}/claim-pack", {"csrf_token": fields["csrf_token"][0]}, "POST start claim pack")
            job = re.search(r"/jobs/(\d+)$", location)
            if not job:
                self.fail("POST start claim pack", f"sent to {location}, not the job's page")
            self.follow_job(int(job.group(1)))
        except Refused:
            pass

    def follow_job(self, job_id: int):
        """As a browser with JavaScript: the job's page once, then its status (JSON) every 2 seconds, as
        ``static/jobs.js`` polls it; without a status address on the page, the page itself every 3 seconds, as its
        refresh. Then the file."""
        html = self.page(f"/jobs/{job_id}", "GET job page", follow_refresh=False)
        status_url = re.search(r'data-status-url="([^"]+)"', html)
        status = _job_status(html)
        for _ in range(JOB_POLLS):
            if status is None:
                self.fail("GET job page", "no job status on the page")
            if status[0] == "failed":
                self.fail("GET job page", f"the claim pack job failed: {status[1][:300]}")
            if status[0] == "done":
                self.page(f"/jobs/{job_id}/file", "GET claim pack file", content_type="application/pdf")
                return
            if status_url:
                gevent.sleep(JOB_STATUS_SECONDS)
                status = self.job_status(unescape(status_url.group(1)))
            else:
                gevent.sleep(JOB_POLL_SECONDS)
                status = _job_status(self.page(f"/jobs/{job_id}", "GET job page", follow_refresh=False))
        self.fail("GET job page", f"the claim pack job had not finished after {JOB_POLLS} polls")

    def job_status(self, path: str) -> tuple[str, str]:
        with self.client.get(path, name="GET job status", allow_redirects=False, catch_response=True,
                             headers={"Accept": "application/json"}) as response:
            try:
                job = response.json() if response.status_code == 200 else None
            except ValueError:
                job = None
            if not isinstance(job, dict) or "status" not in job:
                response.failure(f"{response.status_code} from {path}, not the job's status")
                raise Refused
            response.success()
            return job["status"], error_summary(job.get("html") or "")


def _job_status(html: str) -> tuple[str, str] | None:
    """The job's status on its page, and the error summary's text when it failed."""
    status = re.search(r'data-job-status="(\w+)"', html)
    return (status.group(1), error_summary(html)) if status else None
