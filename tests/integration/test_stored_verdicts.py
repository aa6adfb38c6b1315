"""The stored verdicts (``engine.store``): the cohort lists, the claims and the progress return read the cohort as
judged by background jobs; no request judges the whole cohort; a change is judged again by a job; every web
worker's copy is checked against the database."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.integration.test_cohort_pages import AS_OF, cohort, references, url  # noqa: F401  (the fixture)
from tests.pages import text
from tfclaims.auth.roles import Role
from tfclaims.engine import lists, store
from tfclaims.engine.models import READY, WORKING, FamilyVerdict, VerdictSet
from tfclaims.engine.queries import evaluate_cohort
from tfclaims.extensions import db


@pytest.fixture(autouse=True)
def fresh_copies():
    store.forget_decoded()
    yield
    store.forget_decoded()


@pytest.fixture
def manager(sign_in):
    return sign_in(Role.MANAGER)


@pytest.fixture
def no_judging_of_the_cohort(app, monkeypatch):
    """Fail if a request judges the whole cohort (every family, as the lists once did), or any partition of it.
    Returns the partitions judged in requests (none, or the test has failed)."""
    from flask import request_finished, request_started

    judged, serving = [], []
    real = store._judge_range

    def started(sender, **extra):
        serving.append(True)

    def finished(sender, **extra):
        serving.clear()

    request_started.connect(started, app)
    request_finished.connect(finished, app)

    def judge_range(as_of, id_range):
        if serving:
            judged.append(id_range)
            raise AssertionError("the whole cohort (a partition of it) was judged in the request")
        return real(as_of, id_range)  # a job, as the worker runs it

    monkeypatch.setattr(store, "_judge_range", judge_range)
    yield judged
    request_started.disconnect(started, app)
    request_finished.disconnect(finished, app)


@pytest.fixture
def worker_queue(monkeypatch):
    """The queue as in production: jobs are queued, not run where they are asked for. Returns what was queued."""
    queued = {"builds": [], "refreshes": []}
    monkeypatch.setattr(store, "_immediate", lambda: False)
    monkeypatch.setattr(store, "_queue_build", lambda as_of: queued["builds"].append(as_of))
    monkeypatch.setattr(store, "_queue_refresh", lambda ids: queued["refreshes"].append(list(ids)))
    return queued


def build(as_of: date) -> VerdictSet:
    stored = store.build_set(as_of)
    db.session.commit()
    return stored


def test_the_lists_read_the_stored_set_and_judge_nothing(pages, manager, cohort, no_judging_of_the_cohort):  # noqa: F811
    build(AS_OF)
    page = pages.get(url("/cohort/ready"))
    assert references(page) == ["BRK-WORK", "BRK-READY"]
    page = pages.get(url("/cohort/nearly-there"))
    assert references(page) == ["BRK-SOON", "BRK-NEARLY"]
    assert no_judging_of_the_cohort == []


def test_a_date_not_stored_is_worked_out_by_a_job_while_the_page_says_so(pages, manager, cohort, worker_queue,  # noqa: F811
                                                                        no_judging_of_the_cohort):
    page = pages.get(url("/cohort/ready"))
    assert "The families are being judged as of 1 August 2019" in text(page.select_one("#list-working"))
    assert page.select_one('meta[http-equiv="refresh"]')["content"] == "5"
    assert page.select_one("table") is None and page.select_one("#download-csv") is None
    assert db.session.get(VerdictSet, AS_OF).status == WORKING
    assert worker_queue["builds"] == [AS_OF]

    # Asked again before the job has run: no second job; the CSV goes back to the page.
    pages.get(url("/cohort/nearly-there"))
    assert worker_queue["builds"] == [AS_OF]
    response = pages.client.get(url("/cohort/ready.csv"))
    assert response.status_code == 302

    # The job runs (in the worker): the page lists the families.
    build(AS_OF)
    page = pages.get(url("/cohort/ready"))
    assert page.select_one('meta[http-equiv="refresh"]') is None
    assert references(page) == ["BRK-WORK", "BRK-READY"]


def test_the_stored_lists_are_the_lists_the_engine_judges_now(app, cohort):  # noqa: F811
    build(AS_OF)
    stored = store.stored_verdicts(AS_OF).verdicts
    now = evaluate_cohort(AS_OF)
    for make in (lists.ready_to_claim, lists.nearly_there, lists.calendar_families, lists.calendar):
        pd.testing.assert_frame_equal(make(stored, AS_OF), make(now, AS_OF), check_dtype=False,
                                      check_categorical=False)
    sustained = lists.ListFilter(status="sustained")
    assert sorted(lists.cohort(stored, AS_OF, sustained)["reference"]) == \
        sorted(lists.cohort(now, AS_OF, sustained)["reference"])


def test_a_change_through_a_page_is_judged_again_in_every_set_by_a_job(pages, sign_in, cohort, worker_queue):  # noqa: F811
    build(AS_OF)
    build(date(2019, 12, 31))
    nothing = cohort["not"]
    sign_in(Role.COORDINATOR)
    pages.post(f"/families/{nothing.id}/edit", {
        "reference": nothing.reference, "team": "East locality", "lead_practitioner": "Sam Keyworker"},
        redirects_to=f"/families/{nothing.id}")
    # Marked stale in the change's own transaction, in both sets, and a refresh queued after the commit.
    rows = db.session.scalars(select(FamilyVerdict).where(FamilyVerdict.family_id == nothing.id)).all()
    assert len(rows) == 2 and all(row.stale for row in rows)
    assert worker_queue["refreshes"] == [[nothing.id]]
    others = db.session.scalar(select(func.count()).where(FamilyVerdict.stale.is_(True),
                                                          FamilyVerdict.family_id != nothing.id))
    assert others == 0

    # The list says one family is being judged again, and still shows what was stored.
    page = pages.get(url("/cohort/calendar/no-date"))
    assert "1 family was changed in the last moments" in text(page.select_one("#list-stale"))

    # The job (as the worker runs it) judges the family in both sets.
    store.refresh_families(worker_queue["refreshes"][0])
    db.session.commit()
    for row in db.session.scalars(select(FamilyVerdict).where(FamilyVerdict.family_id == nothing.id)):
        db.session.refresh(row)
        assert not row.stale and row.payload["family"]["team"] == "East locality"
    page = pages.get(url("/cohort/calendar/no-date", team="East locality"))
    assert references(page) == ["BRK-NOT"] and page.select_one("#list-stale") is None


@pytest.fixture
def judged_on_the_page(monkeypatch):
    """The families a family page judged itself (rather than reading the stored row)."""
    judged = []
    real = store.evaluate_family

    def evaluate(family_id, as_of):
        judged.append(family_id)
        return real(family_id, as_of)

    monkeypatch.setattr(store, "evaluate_family", evaluate)
    return judged


def test_just_after_a_change_the_family_page_shows_the_stored_verdict_and_refreshes_until_judged(
        pages, sign_in, cohort, worker_queue, today_is, judged_on_the_page):  # noqa: F811
    today_is(AS_OF)
    build(AS_OF)
    ready = cohort["ready"]
    sign_in(Role.COORDINATOR)
    page = pages.get(f"/families/{ready.id}")
    assert page.select_one("#verdict-refreshing") is None and not page.select('meta[http-equiv="refresh"]')
    assert "Claimable from" in text(page.select_one("#family-verdict"))
    pages.post(f"/families/{ready.id}/edit", {
        "reference": ready.reference, "team": "East locality", "lead_practitioner": "Sam Keyworker"},
        redirects_to=f"/families/{ready.id}")

    page = pages.get(f"/families/{ready.id}")
    assert "judging it again" in text(page.select_one("#verdict-refreshing"))
    assert page.select_one('meta[http-equiv="refresh"]')["content"] == str(store.REFRESHING_SECONDS)
    assert "Claimable from" in text(page.select_one("#family-verdict"))  # as stored, before the change
    assert judged_on_the_page == []  # the page judged nothing: the job will

    store.refresh_families(worker_queue["refreshes"][0])  # the job, as the worker runs it
    db.session.commit()
    page = pages.get(f"/families/{ready.id}")
    assert page.select_one("#verdict-refreshing") is None and not page.select('meta[http-equiv="refresh"]')
    assert judged_on_the_page == []


@pytest.mark.parametrize("why", ["the refresh seems lost", "no stored row", "no worker"])
def test_the_family_page_judges_the_family_itself_when_no_refresh_is_coming(
        pages, sign_in, cohort, worker_queue, today_is, judged_on_the_page, monkeypatch, why):  # noqa: F811
    from datetime import timedelta

    today_is(AS_OF)
    build(AS_OF)
    ready = cohort["ready"]
    sign_in(Role.COORDINATOR)
    pages.post(f"/families/{ready.id}/edit", {"reference": ready.reference, "team": "East locality"},
               redirects_to=f"/families/{ready.id}")
    if why == "the refresh seems lost":
        monkeypatch.setattr(store, "REFRESH_PATIENCE", timedelta(0))
    elif why == "no stored row":
        db.session.delete(db.session.get(FamilyVerdict, (AS_OF, ready.id)))
        db.session.commit()
    else:
        monkeypatch.setattr(store, "_immediate", lambda: True)
    page = pages.get(f"/families/{ready.id}")
    assert page.select_one("#verdict-refreshing") is None and not page.select('meta[http-equiv="refresh"]')
    assert judged_on_the_page == [ready.id]
    assert "Claimable from" in text(page.select_one("#family-verdict"))


def test_a_change_that_is_rolled_back_marks_nothing_and_queues_nothing(pages, sign_in, cohort, worker_queue):  # noqa: F811
    build(AS_OF)
    nothing = cohort["not"]
    sign_in(Role.COORDINATOR)
    # The reference is required: the form is shown again with its error and the change is rolled back.
    pages.post_with_errors(f"/families/{nothing.id}/edit", {"reference": "", "team": "East locality"})
    assert not db.session.get(FamilyVerdict, (AS_OF, nothing.id)).stale
    assert worker_queue["refreshes"] == []


def test_a_web_worker_copy_fetches_only_the_rows_written_since_it_looked(app, cohort, monkeypatch):  # noqa: F811
    build(AS_OF)
    first = store.stored_verdicts(AS_OF).verdicts
    fetched = []
    real = store._fetch
    monkeypatch.setattr(store, "_fetch", lambda as_of, after: fetched.append(after) or real(as_of, after))
    assert store.stored_verdicts(AS_OF).verdicts.families is first.families  # nothing changed: nothing read
    assert fetched == []

    ready = cohort["ready"]
    ready.team = "West locality"
    db.session.commit()
    store.refresh_families([ready.id])
    db.session.commit()
    again = store.stored_verdicts(AS_OF).verdicts
    assert len(fetched) == 1 and fetched[0] > 0  # only the rows written since
    teams = dict(zip(again.families["reference"], again.families["team"], strict=True))
    assert teams["BRK-READY"] == "West locality" and teams["BRK-WORK"] == "North locality"
    assert len(again.families) == len(first.families)


def test_a_web_worker_reads_todays_set_before_its_first_request(app, cohort, worker_queue, monkeypatch):  # noqa: F811
    from tfclaims.web import warm_up

    build(AS_OF)
    monkeypatch.setitem(app.config, "TFCLAIMS_TODAY", AS_OF)
    app.jinja_env.cache.clear()
    assert warm_up(app) is True
    compiled = {name for (_, name) in app.jinja_env.cache}
    assert {"engine/ready.html", "claims/build.html", "families/family.html", "forecasts/forecast.html"} <= compiled
    fetched = []
    real = store._fetch
    monkeypatch.setattr(store, "_fetch", lambda as_of, after: fetched.append(after) or real(as_of, after))
    assert len(store.stored_verdicts(AS_OF).verdicts.families) == 5
    assert fetched == []  # the first read found the set already in memory


def test_warming_up_asks_for_nothing_when_todays_set_is_not_there(app, cohort, worker_queue, monkeypatch):  # noqa: F811
    from tfclaims.web import warm_up

    monkeypatch.setitem(app.config, "TFCLAIMS_TODAY", AS_OF)
    assert warm_up(app) is False
    db.session.rollback()
    assert db.session.get(VerdictSet, AS_OF) is None and worker_queue["builds"] == []


def test_gunicorn_warms_each_worker_and_a_failure_does_not_stop_it(app, cohort, monkeypatch):  # noqa: F811
    import gc
    import logging
    from pathlib import Path
    from types import SimpleNamespace

    import tfclaims.web

    hooks: dict = {}
    frozen: list = []
    config = Path(__file__).parents[2] / "deploy" / "gunicorn.conf.py"
    exec(compile(config.read_text(), str(config), "exec"), hooks)
    build(AS_OF)
    monkeypatch.setitem(app.config, "TFCLAIMS_TODAY", AS_OF)
    log = logging.getLogger("test.gunicorn")
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # not the test process's own objects
    hooks["post_worker_init"](SimpleNamespace(wsgi=app, log=log))
    assert (str(db.engine.url), AS_OF) in store._decoded
    assert frozen == [True]  # then out of the collector's sight

    def broken(app):
        raise RuntimeError("the database is not there")

    monkeypatch.setattr(tfclaims.web, "warm_up", broken)
    warnings = []
    monkeypatch.setattr(log, "warning", lambda *args, **kwargs: warnings.append(args[0]))
    hooks["post_worker_init"](SimpleNamespace(wsgi=app, log=log))  # does not raise
    assert warnings == ["tfclaims: could not read today's verdicts before the first request"]
    assert frozen == [True, True]


def test_a_set_made_again_is_read_afresh_not_patched(app, cohort):  # noqa: F811
    first = build(AS_OF)
    token = first.token
    store.stored_verdicts(AS_OF)
    again = build(AS_OF)
    assert again.token != token
    assert len(store.stored_verdicts(AS_OF).verdicts.families) == 5


def test_a_refresh_never_replaces_a_verdict_judged_on_newer_data(app, cohort):  # noqa: F811
    build(AS_OF)
    ready = cohort["ready"]
    row = db.session.get(FamilyVerdict, (AS_OF, ready.id))
    row.version = 10**9  # as if a later refresh, on newer data, had written it
    row.payload = {**row.payload, "family": {**row.payload["family"], "team": "Newer"}}
    db.session.commit()
    assert store.refresh_families([ready.id]) == 0
    db.session.refresh(row)
    assert row.payload["family"]["team"] == "Newer"


def test_the_sweep_judges_what_is_still_stale(app, cohort):  # noqa: F811
    from tfclaims.engine.jobs import sweep_stale_verdicts

    build(AS_OF)
    nearly = cohort["nearly"]
    nearly.lead_practitioner = "Ali Swept"
    db.session.commit()  # outside a request, with the tests' immediate queue: stale until swept
    assert db.session.get(FamilyVerdict, (AS_OF, nearly.id)).stale
    sweep_stale_verdicts.call_local()
    row = db.session.get(FamilyVerdict, (AS_OF, nearly.id))
    db.session.refresh(row)
    assert not row.stale and row.payload["family"]["lead_practitioner"] == "Ali Swept"


def test_a_set_whose_job_was_lost_is_asked_for_again(app, cohort, monkeypatch):  # noqa: F811
    from datetime import timedelta

    from tfclaims.db import utcnow
    from tfclaims.engine import jobs

    db.session.add(VerdictSet(as_of=AS_OF, status=WORKING, token="t", seq=0, families=0,
                              requested_at=utcnow() - timedelta(minutes=11)))
    db.session.add(VerdictSet(as_of=date(2019, 9, 1), status=WORKING, token="u", seq=0, families=0,
                              requested_at=utcnow()))
    db.session.commit()
    asked = []
    monkeypatch.setattr(jobs, "build_verdict_set", lambda as_of: asked.append(as_of))
    jobs.sweep_stale_verdicts.call_local()
    assert asked == [AS_OF.isoformat()]  # the one asked for a minute ago has its job still coming


def test_the_nightly_refresh_makes_today_again_and_drops_old_dates(app, cohort, monkeypatch):  # noqa: F811
    from datetime import timedelta

    from tfclaims.db import utcnow

    old = build(date(2019, 6, 30))
    old.requested_at = utcnow() - timedelta(days=store.KEEP_DAYS + 1)
    recent = build(date(2019, 7, 31))
    db.session.commit()
    today = store.nightly(AS_OF)
    db.session.commit()
    assert today.status == READY and today.families == 5
    assert db.session.get(VerdictSet, date(2019, 6, 30)) is None
    assert db.session.get(VerdictSet, recent.as_of) is not None
    assert db.session.scalar(select(func.count()).where(FamilyVerdict.as_of == date(2019, 6, 30))) == 0


def test_the_claim_lists_stored_verdicts_and_builds_from_the_selected_families_judged_now(
    pages, sign_in, cohort, no_judging_of_the_cohort, worker_queue, monkeypatch  # noqa: F811
):
    from tests.claims_cohort import make_window
    from tfclaims.claims import services

    window = make_window()  # July to September 2019: the claim is as of 30 September 2019
    sign_in(Role.CLAIMS_OFFICER)
    page = pages.get(f"/claims/windows/{window.id}/build")
    assert "being judged as of 30 September 2019" in text(page.select_one("#candidates-working"))
    assert page.select_one("input[name=families]") is None
    build(date(2019, 9, 30))
    page = pages.get(f"/claims/windows/{window.id}/build")
    offered = {row["value"] for row in page.select("input[name=families]")}
    ready = cohort["ready"]
    assert str(ready.id) in offered
    judged_by_claim = []
    real = services.engine_queries.evaluate_cohort
    monkeypatch.setattr(services.engine_queries, "evaluate_cohort",
                        lambda as_of, ids=None: judged_by_claim.append(ids) or real(as_of, ids))
    pages.post(f"/claims/windows/{window.id}/build", {"families": [str(ready.id)]}, status=302)
    assert judged_by_claim == [[ready.id]]  # the claim judged its own family, not the cohort
    # Building the claim changed none of its family's data: its stored verdicts stay current (not stale, not judged
    # again), and its page shows the stored verdict without judging it.
    row = db.session.get(FamilyVerdict, (date(2019, 9, 30), ready.id))
    assert not row.stale and row.version == store._latest_change(ready.id)[0]
    assert worker_queue["refreshes"] == []


def test_a_change_to_a_familys_data_after_a_claim_still_makes_its_verdict_stale(app, cohort):  # noqa: F811
    """The other side of the claim's exclusion: only what the engine reads is left out of a verdict's version."""
    from tfclaims.claims.models import ClaimLine

    assert ClaimLine.__verdict_input__ is False
    assert store._not_inputs() == ["claim_line"]
    build(AS_OF)
    family = cohort["not"]
    family.team = "East locality"
    db.session.commit()
    assert db.session.get(FamilyVerdict, (AS_OF, family.id)).stale
