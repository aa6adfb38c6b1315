"""Reading is audited too (issue 13, item 6): a family page viewed, a search, every download write one access
event with who, what and when, kept apart from the change trail so a read never moves a family's data version."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pandas as pd
import pytest
from flask import Response, current_app, g, url_for
from flask_login import login_user
from sqlalchemy import func, select

from tests import factories
from tests.claims_cohort import make_claimable, make_window
from tfclaims.audit import downloads, queries
from tfclaims.audit.models import AccessEvent, AuditEvent
from tfclaims.audit.services import record_access
from tfclaims.auth.roles import Role
from tfclaims.claims import queries as claims_queries
from tfclaims.claims import services as claims_services
from tfclaims.engine.models import FamilyVerdict
from tfclaims.extensions import db
from tfclaims.families.models import Member


def access_events() -> list[AccessEvent]:
    return list(db.session.scalars(select(AccessEvent).order_by(AccessEvent.id)))


add_access = factories.access_event


# ---------------------------------------------------------------- who has looked at this family (queries)


def test_reads_of_family_and_of_member(db_session, users):
    family = factories.make_family("RDS-000001", members=2)
    other = factories.make_family("RDS-000002", members=1)
    first, second = db.session.scalars(select(Member).where(Member.family_id == family.id).order_by(Member.id))
    base = datetime(2026, 1, 5, 9, tzinfo=UTC)
    reader = next(iter(users.values()))
    add_access(reader, base, family_id=family.id)
    add_access(reader, base + timedelta(minutes=1), action="searched", what="family search",
               detail={"terms": "x", "results": 3, "family_ids": [other.id, family.id, 10**6]})
    add_access(reader, base + timedelta(minutes=2), action="searched", what="family search",
               detail={"terms": f"[{family.id}]", "results": 1, "family_ids": [other.id]})
    add_access(reader, base + timedelta(minutes=3), action="downloaded", what="subject access export",
               family_id=family.id, member_id=first.id)
    add_access(reader, base + timedelta(minutes=4), family_id=other.id)
    add_access(reader, base + timedelta(minutes=5), action="searched", what="family search",
               detail={"terms": "y", "results": 1, "family_ids": [family.id]})

    reads = queries.reads_of_family(family.id)
    assert [(r.action, r.what) for r in reads] == [
        ("searched", "family search"), ("downloaded", "subject access export"), ("searched", "family search"),
        ("viewed", "family page"),
    ]
    assert reads[0].actor_label == reader.name and reads[0].at == base + timedelta(minutes=5)
    assert [r.what for r in queries.reads_of_member(first.id)] == [
        "family search", "subject access export", "family search", "family page"]
    # The export for the first member is not a read of the second's record.
    assert [r.what for r in queries.reads_of_member(second.id)] == ["family search", "family search", "family page"]
    assert [r.action for r in queries.reads_of_family(other.id)] == ["viewed", "searched", "searched"]
    assert queries.reads_of_family(10**6 + 1) == []


# ---------------------------------------------------------------- every download is a read

TODAY = date(2026, 12, 2)
QUARTER = "2019-20-q2"
EXTENSIONS = (".csv", ".xlsx", ".pdf", ".zip", ".yaml", ".yml", ".json")
# Files drawn inside a page: not downloads of data.
NOT_DOWNLOADS = {"forecasts.attachments_chart", "forecasts.curve_chart", "forecasts.results_chart"}


def download_endpoints(app) -> set[str]:
    """Every GET route that gives a file, found by its name ending in a file's extension. A new export whose URL
    has no extension is still audited by the commit hook (``audit.downloads.is_download``), named by its file."""
    return {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.rule.lower().endswith(EXTENSIONS) and rule.endpoint not in NOT_DOWNLOADS
    }


def role_for(app, endpoint: str) -> Role:
    allowed = app.view_functions[endpoint].allowed_roles
    if not isinstance(allowed, frozenset):  # any signed-in user
        return Role.COORDINATOR
    return next(role for role in Role if role in allowed)


@pytest.fixture
def claimed(users, today_is):
    """Four families claimable by the end of September 2019, three of them in a claim built today."""
    today_is(TODAY)
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    families = [make_claimable(f"BRK-D{i}", version, users[Role.MANAGER]) for i in range(1, 4)]
    families.append(make_claimable("BRK-DCE", version, users[Role.MANAGER], route="CE"))
    claim = claims_services.build_claim(make_window(), [f.id for f in families[:3]], users[Role.CLAIMS_OFFICER],
                                        TODAY)
    db.session.commit()
    return {"version": version, "families": families, "claim": claim}


def _import_batch() -> int:
    from sqlalchemy import select

    from tfclaims.imports.models import ImportBatch

    held = db.session.scalar(select(ImportBatch.id).order_by(ImportBatch.id))
    if held is not None:
        return held
    batch = ImportBatch(kind="attendance", filename="school.csv", sha256="0" * 64, status="confirmed",
                        counts={"received": 3, "valid": 3, "exact": 3})
    db.session.add(batch)
    db.session.commit()
    return batch.id


def download_url(endpoint: str, claimed) -> str:
    args = {"claim_id": claimed["claim"].id, "version_id": claimed["version"].id, "quarter": QUARTER,
            "kind": "attendance", "slug": "visits-due"}
    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == endpoint)
    if "batch_id" in rule.arguments:
        args["batch_id"] = _import_batch()
    query = {"returns": f"?quarter={QUARTER}", "engine": "?as_of=1&as_of=8&as_of=2019"}.get(endpoint.split(".")[0], "")
    return url_for(endpoint, **{name: args[name] for name in rule.arguments}) + query


def test_every_download_route_is_named_in_words(app):
    """A new download route must be added to ``audit.downloads.WHAT`` (and so to the test below), or record its
    own read and be listed in ``RECORDED_BY_VIEW`` (and the test after)."""
    assert download_endpoints(app) - set(downloads.WHAT) - downloads.RECORDED_BY_VIEW == set()
    assert set(downloads.WHAT) | downloads.RECORDED_BY_VIEW <= set(app.view_functions)
    assert not set(downloads.WHAT) & downloads.RECORDED_BY_VIEW


@pytest.mark.parametrize("endpoint", sorted(downloads.WHAT))
def test_each_download_writes_one_access_event(app, client, sign_in, claimed, endpoint):
    user = sign_in(role_for(app, endpoint))
    before = len(access_events())
    response = client.get(download_url(endpoint, claimed))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Disposition"].startswith("attachment")
    [event] = access_events()[before:]
    assert (event.action, event.what, event.actor_id, event.actor_label) == (
        "downloaded", downloads.WHAT[endpoint], user.id, user.name)
    assert event.detail["file"] == downloads.file_name(response) != ""
    assert event.path == urlsplit(download_url(endpoint, claimed)).path  # never the query string
    if response.mimetype == "text/csv" and "Family reference" in response.get_data(as_text=True).split("\n")[0]:
        assert endpoint in downloads.FAMILIES_LISTED  # a file naming families says which
    if endpoint.startswith("claims."):
        # A claim's files name each of its families: "who has looked at this family" finds the download.
        claim_family_ids = sorted(f.id for f in claimed["families"][:3])
        assert event.detail["family_ids"] == claim_family_ids
        assert event.detail["claim_id"] == claimed["claim"].id
        assert queries.reads_of_family(claim_family_ids[0])[0].what == downloads.WHAT[endpoint]
        assert queries.reads_of_family(claimed["families"][3].id) == []
    elif endpoint in downloads.FAMILIES_LISTED:
        # The cohort's lists name families by reference: each listed family's reads include the file.
        frame = pd.read_csv(io.BytesIO(response.data), dtype=str, keep_default_na=False)
        by_reference = {f.reference: f.id for f in claimed["families"]}
        listed = sorted(by_reference[r] for r in set(frame["Family reference"]))
        assert event.detail["family_ids"] == listed
        if endpoint in ("engine.calendar_csv", "engine.claimed_csv"):
            assert listed  # the one family not yet claimed; the three claimed
        for family_id in listed:
            assert queries.reads_of_family(family_id)[0].what == downloads.WHAT[endpoint]
    else:
        assert "family_ids" not in event.detail  # a plan, a return's or a scorecard's counts name no family
    # Committed with the request: still there after the session forgets what it held.
    db.session.expire_all()
    assert len(access_events()) == before + 1


def test_downloads_that_record_their_own_read_write_one_event(app, client, sign_in, claimed):
    from tfclaims.dataprotection import rules as dataprotection_rules

    user = sign_in(Role.MANAGER)
    member = claimed["families"][0].members[0]
    urls = {
        "dataprotection.pseudonymised_csv": "/data-protection/pseudonymised-export/evaluation.csv",
        "dataprotection.subject_access_person": f"/data-protection/subject-access/{member.id}?"
        + urlencode({"received_on": ["1", "12", "2026"], "requested_by": next(iter(dataprotection_rules.WHO_ASKED)),
                     "download": "Download"}, doseq=True),
        # The claim pack, made in the background: its file names every family of the claim.
        "jobs.job_file": client.post(f"/claims/{claimed['claim'].id}/claim-pack").headers["Location"] + "/file",
    }
    assert set(urls) == downloads.RECORDED_BY_VIEW
    for endpoint, url in urls.items():
        before = len(access_events())
        response = client.get(url)
        assert response.status_code == 200 and downloads.is_download(response), endpoint
        [event] = access_events()[before:]
        assert (event.action, event.actor_id) == ("downloaded", user.id), endpoint
        assert event.what not in downloads.WHAT.values()
        if endpoint == "jobs.job_file":
            assert event.what == f"Claim pack for claim {claimed['claim'].reference} (PDF)"
            assert event.detail["family_ids"] == sorted(f.id for f in claimed["families"][:3])


def test_a_refused_or_missing_download_writes_nothing(app, client, sign_in, claimed):
    sign_in(Role.COORDINATOR)  # claims are not a coordinator's work
    assert client.post(f"/claims/{claimed['claim'].id}/claim-pack").status_code == 403
    assert access_events() == []
    client.post("/sign-out")
    sign_in(Role.CLAIMS_OFFICER)
    assert client.get(f"/claims/{claimed['claim'].id + 1000}/claim.csv").status_code == 404
    assert client.get(f"/claims/{claimed['claim'].id}/lines/{10**6}").status_code == 404
    assert access_events() == []


def test_a_download_when_signed_out_writes_nothing(client, claimed):
    response = client.get(f"/claims/{claimed['claim'].id}/claim.csv")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert access_events() == []


def test_pages_charts_and_assets_are_not_downloads(client, sign_in, claimed):
    sign_in(Role.MANAGER)
    for url in ("/home", f"/claims/{claimed['claim'].id}", "/forecasts/charts/curve.svg", "/audit-trail/",
                "/healthz"):
        assert client.get(url).status_code == 200, url
    assert access_events() == []


def test_a_head_request_reads_nothing(client, sign_in, claimed):
    sign_in(Role.CLAIMS_OFFICER)
    assert client.head(f"/claims/{claimed['claim'].id}/claim.csv").status_code == 200
    assert access_events() == []


def test_a_view_that_records_its_own_read_is_not_recorded_twice(app, db_session, users):
    with app.test_request_context("/data-protection/members/7/export.zip"):
        login_user(users[Role.MANAGER])
        response = Response(b"PK", content_type="application/zip",
                            headers={"Content-Disposition": 'attachment; filename="subject-access.zip"'})
        assert downloads.record_download(response) is True  # the hook alone: one event
        g.pop("access_recorded")
        record_access(db.session, "downloaded", "subject access export", member_id=7)
        assert downloads.record_download(response) is False
        db.session.flush()
    events = access_events()
    assert [(e.what, e.member_id) for e in events] == [("subject-access.zip (ZIP)", None),
                                                       ("subject access export", 7)]
    assert events[0].actor_id == users[Role.MANAGER].id and events[0].path == "/data-protection/members/7/export.zip"


@pytest.mark.parametrize(("content_type", "disposition", "is_download"), [
    ("text/csv; charset=utf-8", None, True),
    ("application/pdf", None, True),
    ("application/zip", None, True),
    (downloads.XLSX, None, True),
    ("application/yaml", None, True),
    ("application/json", 'attachment; filename="plan.json"', True),
    ("application/json", None, False),  # an answer to a script, not a file
    ("image/svg+xml; charset=utf-8", None, False),  # a chart inside a page
    ("text/html; charset=utf-8", None, False),
    ("text/html; charset=utf-8", 'attachment; filename="page.html"', True),
    ("text/csv", 'inline; filename="x.csv"', True),
])
def test_what_counts_as_a_download(app, content_type, disposition, is_download):
    headers = {"Content-Disposition": disposition} if disposition else {}
    with app.test_request_context("/somewhere"):
        assert downloads.is_download(Response(b"x", content_type=content_type, headers=headers)) is is_download
        assert downloads.is_download(Response(b"x", status=404, content_type=content_type, headers=headers)) is False


def test_an_unnamed_download_is_described_by_its_file(app):
    with app.test_request_context("/somewhere"):
        response = Response(b"x", content_type="application/zip",
                            headers={"Content-Disposition": 'attachment; filename="evaluation-2026-12.zip"'})
        assert downloads.describe("dataprotection.something_new", response) == "evaluation-2026-12.zip (ZIP)"
        assert downloads.describe(None, Response(b"x", content_type="text/csv")) == "download (CSV)"
        assert downloads.describe("claims.claim_csv", response) == "claim lines (CSV)"


def test_a_file_answering_a_post_is_committed_with_its_read(app, db_session, users):
    """A POST answered with a file succeeded: the hook's read is committed, not rolled back like a form shown again
    with errors (whose page is HTML)."""
    for content_type, kept in (("application/zip", True), ("text/html; charset=utf-8", False)):
        with app.test_request_context("/data-protection/export", method="POST"):
            login_user(users[Role.MANAGER])
            db.session.add(AccessEvent(actor_label="marker", action="viewed", what=content_type))
            app.process_response(Response(b"x", content_type=content_type))
        db.session.expire_all()
        assert (content_type in [e.what for e in access_events()]) is kept
    assert [e.what for e in access_events()] == ["application/zip", "download (ZIP)"]


# ---------------------------------------------------------------- a family page viewed, a search of the register


def test_viewing_a_family_page_writes_one_viewed_event(client, sign_in):
    family = factories.make_family("VEW-000001")
    user = sign_in(Role.AUDITOR)
    assert client.get(f"/families/{family.id}").status_code == 200
    [event] = access_events()
    assert (event.action, event.what, event.family_id, event.member_id, event.actor_id, event.actor_label) == (
        "viewed", "family page", family.id, None, user.id, user.name)
    assert event.path == f"/families/{family.id}"
    assert client.get(f"/families/{family.id}").status_code == 200
    assert len(access_events()) == 2  # each view is a read


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR])
def test_a_refused_view_writes_nothing(client, sign_in, role):
    family = factories.make_family("VEW-000002")
    sign_in(role)
    assert client.get(f"/families/{family.id}").status_code == 403
    assert client.get("/families/?q=VEW-000002").status_code == 403
    assert access_events() == []


def test_a_missing_family_writes_nothing(client, sign_in):
    sign_in(Role.COORDINATOR)
    assert client.get("/families/987654").status_code == 404
    assert access_events() == []


def test_a_search_writes_one_searched_event_with_its_terms_and_the_families_shown(client, sign_in):
    first, second = factories.make_family("SRC-000001"), factories.make_family("SRC-000002")
    factories.make_family("OTH-000003")
    user = sign_in(Role.COORDINATOR)
    assert client.get("/families/?q=SRC-00000").status_code == 200
    [event] = access_events()
    assert (event.action, event.what, event.family_id, event.actor_id) == ("searched", "family search", None, user.id)
    assert event.detail == {"terms": "SRC-00000", "results": 2, "family_ids": [first.id, second.id]}
    assert event.path == "/families/"  # the terms are in the masked detail, never in the path
    # By a member's name: the name is the search's terms.
    surname = first.members[0].surname
    assert client.get(f"/families/?q={surname}").status_code == 200
    assert access_events()[-1].detail == {"terms": surname, "results": 1, "family_ids": [first.id]}
    # Nothing found is a search too.
    assert client.get("/families/?q=NOBODY-HERE").status_code == 200
    assert access_events()[-1].detail == {"terms": "NOBODY-HERE", "results": 0, "family_ids": []}
    assert [r.action for r in queries.reads_of_family(second.id)] == ["searched"]


def test_listing_the_register_without_search_terms_is_not_a_search(client, sign_in):
    factories.make_family("LST-000001")
    sign_in(Role.COORDINATOR)
    for url in ("/families/", "/families/?status=open", "/families/?q=+++", "/families/?page=2"):
        assert client.get(url).status_code == 200, url
    assert access_events() == []


def test_a_second_page_of_results_names_the_families_on_it(client, sign_in):
    made = [factories.make_family(f"PGS-{n:06d}", members=0) for n in range(27)]
    sign_in(Role.COORDINATOR)
    assert client.get("/families/?q=PGS-&page=2").status_code == 200
    [event] = access_events()
    assert event.detail == {"terms": "PGS-", "results": 27, "family_ids": [f.id for f in made[25:]]}


def test_the_home_page_and_other_pages_without_personal_data_write_nothing(client, sign_in):
    sign_in(Role.MANAGER)
    for url in ("/", "/home", "/outcomes-plans/", "/audit-trail/", "/forecasts/"):
        assert client.get(url).status_code in (200, 302), url
    assert access_events() == []


# ---------------------------------------------------------------- reads never move a family's data version


def data_version(family_id: int) -> int | None:
    return db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.family_id == family_id))


def test_viewing_a_family_twice_keeps_its_stored_verdict(client, sign_in, claimed):
    from datetime import date

    from tfclaims.engine import store

    family = claimed["families"][0]
    store.build_set(date.today())
    db.session.commit()
    version = data_version(family.id)
    # The verdict's own version: the family's latest change to what the engine reads (its claim line is not).
    judged_on = store._latest_change(family.id)[0]
    stored = db.session.get(FamilyVerdict, (date.today(), family.id))
    assert stored is not None and stored.version == judged_on and not stored.stale
    computed_at = stored.computed_at
    sign_in(Role.MANAGER)
    assert client.get(f"/families/{family.id}").status_code == 200
    assert client.get(f"/families/{family.id}").status_code == 200
    assert client.get("/families/?q=BRK-D1").status_code == 200
    db.session.expire_all()
    assert data_version(family.id) == version  # reads are not changes
    stored = db.session.get(FamilyVerdict, (date.today(), family.id))
    assert (stored.version, stored.computed_at, stored.stale) == (judged_on, computed_at, False)
    assert len(access_events()) == 3


def test_reads_do_not_show_as_drift_of_a_claim_line(client, sign_in, claimed):
    claim = claimed["claim"]
    assert claims_queries.drifted(claim) == []
    sign_in(Role.CLAIMS_OFFICER)
    for family in claimed["families"][:3]:
        assert client.get(f"/families/{family.id}").status_code == 200
    job_page = client.post(f"/claims/{claim.id}/claim-pack").headers["Location"]
    assert client.get(f"{job_page}/file").status_code == 200
    assert client.get(f"/claims/{claim.id}/claim.csv").status_code == 200
    db.session.expire_all()
    assert claims_queries.drifted(claim) == []
    assert len(access_events()) == 5
