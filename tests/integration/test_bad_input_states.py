"""No 500 from any input, for the forms the demo crawl cannot reach (issue 13, item 7).

``test_bad_input.py`` crawls a small demo council and fuzzes every form it finds. Some forms only appear in a state
the demo does not hold on its day: a claim at each step of its cycle, evidence awaiting a decision, the second step
of attaching a family, a draft plan's criterion form, a scorecard indicator entered by hand. Here each of those
states is made through the services, the form's own page is fetched, and the form is fuzzed the same way: never a
5xx, and a refusal leaves every table's row count as it was.

``test_every_post_route_is_fuzzed_somewhere`` keeps the two tests honest: a POST route that neither the crawl nor
``STATE_PAGES`` reaches fails it, so a new form cannot go unfuzzed.
"""

from __future__ import annotations

from datetime import date, timedelta

import pyotp
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests import factories
from tests.claims_cohort import make_claimable, make_window, submitted_claim
from tests.integration.test_bad_input import DESTRUCTIVE, SKIPPED, Client, endpoint_of, forms_on, fuzz_form
from tfclaims.auth.roles import Role
from tfclaims.claims import queries as claim_queries
from tfclaims.claims import services as claim_services
from tfclaims.db import utcnow
from tfclaims.extensions import db
from tfclaims.families import services as family_services
from tfclaims.outcomes_plan import services as plan_services
from tfclaims.outcomes_plan.models import HeadlineProblem
from tfclaims.progress import services as progress_services
from tfclaims.retention import services as retention_services
from tfclaims.retention.vocabulary import DRY_RUN
from tfclaims.scorecard import services as scorecard_services

TODAY = date(2026, 12, 2)

# Forms the demo crawl does not reach (the demo's day holds no claim at these steps, and so on), each with the role
# that may use it. ``test_bad_input`` reaches every other POST route; ``STATE_ONLY`` is asserted to be exactly the
# rest, so that a form newly out of the crawl's reach is added here.
STATE_ONLY = {
    "claims.build": Role.CLAIMS_OFFICER,
    "claims.remove_line": Role.CLAIMS_OFFICER,
    "claims.refreeze_line": Role.CLAIMS_OFFICER,
    "claims.check_line": Role.AUDITOR,
    "claims.sign_off": Role.MANAGER,
    "claims.submit": Role.CLAIMS_OFFICER,
    "claims.reconcile": Role.CLAIMS_OFFICER,
    "families.attach_problems": Role.COORDINATOR,
    "outcomes_plan.add_criterion": Role.MANAGER,
    "progress.edit_evidence": Role.COORDINATOR,
    "progress.delete_evidence": Role.COORDINATOR,
    "progress.decide_evidence": Role.MANAGER,
    "scorecard.value_form": Role.MANAGER,
    "admin.unlock_user": Role.ADMINISTRATOR,
    "admin.reset_two_factor": Role.ADMINISTRATOR,
    "retention.confirm_erasure": Role.MANAGER,
    "retention.erase_member": Role.MANAGER,
    "imports.confirm": Role.COORDINATOR,
    "imports.abandon": Role.COORDINATOR,
    "imports.mapping": Role.COORDINATOR,
    "imports.undo": Role.MANAGER,
    "imports.review_row": Role.COORDINATOR,
    "imports.bulk_accept": Role.MANAGER,
}

PARTNER_HEAD = ("UPN,Forename,Surname,Date of birth,Sex,Postcode,Term,Term start,Term end,Sessions possible,"
                "Authorised absence,Unauthorised absence")


def _partner_file(user, member, term: str, forename: str | None = None, confirm: bool = False):
    """An attendance file of one row for ``member`` (under another first name: a match to review), read and
    matched; confirmed and written when ``confirm``."""
    from tfclaims.imports import services as import_services

    line = (f",{forename or member.forenames},{member.surname},{member.date_of_birth:%d/%m/%Y},{member.sex},"
            f"{member.postcode},{term},02/09/2019,20/12/2019,140,4,10")
    batch = import_services.upload("attendance", f"{term}.csv", f"{PARTNER_HEAD}\n{line}\n".encode(), user)
    import_services.read_batch(batch)
    if confirm:
        import_services.confirm(batch, user)
        import_services.write_batch(batch)
    return batch


@pytest.fixture
def states(users, today_is, db_session):
    """One record in each state behind the forms above, and the URL of each form's page."""
    today_is(TODAY)
    queries_settings = claim_queries.settings()
    queries_settings.sample_percent = 100
    version = factories.make_published_plan(effective_from=date(2015, 4, 1))
    manager = users[Role.MANAGER]
    officer, auditor = users[Role.CLAIMS_OFFICER], users[Role.AUDITOR]
    families = [make_claimable(f"BRK-Z{i}", version, manager) for i in range(1, 8)]
    window = make_window()

    draft = claim_services.build_claim(window, [families[0].id], officer, TODAY)
    in_audit = claim_services.build_claim(window, [families[1].id], officer, TODAY)
    claim_services.send_to_audit(in_audit, officer, seed=1)
    passed = claim_services.build_claim(window, [families[2].id], officer, TODAY)
    claim_services.send_to_audit(passed, officer, seed=1)
    for line in passed.lines:
        claim_services.record_check(line, auditor, eligible=True, whole_family=True, evidenced=True,
                                    verdict="pass", note="")
    signed = claim_services.build_claim(window, [families[3].id], officer, TODAY)
    claim_services.send_to_audit(signed, officer, seed=1)
    for line in signed.lines:
        claim_services.record_check(line, auditor, eligible=True, whole_family=True, evidenced=True,
                                    verdict="pass", note="")
    claim_services.sign_off(signed, manager)
    db.session.commit()
    submitted = submitted_claim(window, [families[4].id], users, TODAY)

    # Evidence awaiting a manager's decision, on a family attached but not claimed.
    awaiting = families[5]
    attachment = awaiting.attachments[0]
    problem = progress_services.queries.problems_identified(attachment)[0]
    evidence = progress_services.add_evidence(awaiting, users[Role.COORDINATOR], problem_id=problem.id,
                                              statement="Attending every session", progress_from=date(2019, 3, 1))

    unattached = factories.make_family("BRK-Z-NEW")
    draft_version = plan_services.copy_version(version, date(2015, 6, 1), "Fuzz draft")
    headline = db.session.scalars(select(HeadlineProblem).order_by(HeadlineProblem.id)).first()
    indicator = scorecard_services.save_indicator(None, code="EH99", name="Early help requests")
    # A colleague locked out, with a second factor an administrator can turn off.
    locked = factories.make_user(Role.COORDINATOR, name="Locked Colleague", email="locked@brackenshire.example")
    locked.failed_logins, locked.locked_until = 5, utcnow() + timedelta(minutes=15)
    locked.totp_secret, locked.totp_enabled_at = pyotp.random_base32(), utcnow()
    # A family closed long ago and a one-year schedule: a dry run of today lists it, ready to confirm; and a member
    # of a family with no claim, who can be erased on request.
    closed = families[6]
    family_services.close_attachment(closed.attachments[0], date(2020, 1, 6), "stepped_down")
    retention_services.save_schedule(years=1, starts_from="attachment_closed", audit_years=6)
    dry_run = retention_services.list_due(TODAY, DRY_RUN, manager)
    assert dry_run.families_due >= 1
    db.session.commit()

    # Partner files: three read and waiting (to confirm, abandon, and map), one imported (to undo), and one
    # imported with a match waiting for review.
    coordinator, child = users[Role.COORDINATOR], factories.make_family("BRK-Z-PARTNER", members=3).members[-1]
    child.forenames, child.surname = "Ottoline", "Ravenscroft"
    to_confirm, to_abandon, to_map = (_partner_file(coordinator, child, f"Term {n}") for n in "ABC")
    to_undo = _partner_file(coordinator, child, "Term D", confirm=True)
    to_review = _partner_file(coordinator, child, "Term E", forename="Zachariah", confirm=True)
    assert to_undo.counts["created"] == 1 and to_review.counts["review"] == 1, (to_undo.counts, to_review.counts)
    from tfclaims.imports.models import ImportRow

    review_row = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == to_review.id)).one()
    db.session.commit()

    line_of = {claim.id: claim.lines[0].id for claim in (draft, in_audit)}
    return {
        "claims.build": f"/claims/windows/{window.id}/build",
        "claims.remove_line": f"/claims/{draft.id}/lines/{line_of[draft.id]}/remove",
        "claims.refreeze_line": f"/claims/{draft.id}/lines/{line_of[draft.id]}/refreeze",
        "claims.check_line": f"/claims/{in_audit.id}/lines/{line_of[in_audit.id]}/check",
        "claims.sign_off": f"/claims/{passed.id}/sign-off",
        "claims.submit": f"/claims/{signed.id}/submit",
        "claims.reconcile": f"/claims/{submitted.id}/reconcile",
        "families.attach_problems": f"/families/{unattached.id}/attach/problems?date=2016-01-04",
        "outcomes_plan.add_criterion": (
            f"/outcomes-plans/versions/{draft_version.id}/problems/{headline.id}/criteria/new/no-events"
        ),
        "progress.edit_evidence": f"/families/{awaiting.id}/progress/evidence/{evidence.id}/edit",
        "progress.delete_evidence": f"/families/{awaiting.id}/progress/evidence/{evidence.id}/delete",
        "progress.decide_evidence": f"/families/{awaiting.id}/progress/evidence/{evidence.id}/decision",
        "scorecard.value_form": f"/scorecard/indicators/{indicator.id}/values",
        "admin.unlock_user": f"/admin/users/{locked.id}",
        "admin.reset_two_factor": f"/admin/users/{locked.id}",
        "retention.confirm_erasure": f"/retention/runs/{dry_run.id}/erase",
        "retention.erase_member": f"/retention/members/{unattached.members[0].id}/erase",
        "imports.confirm": f"/partner-data/imports/{to_confirm.id}",
        "imports.abandon": f"/partner-data/imports/{to_abandon.id}",
        "imports.mapping": f"/partner-data/imports/{to_map.id}/columns",
        "imports.undo": f"/partner-data/imports/{to_undo.id}",
        "imports.review_row": f"/partner-data/review/{review_row.id}",
        "imports.bulk_accept": "/partner-data/review",
    }


def test_forms_behind_a_state_give_no_server_error_or_partial_write(app, client, users, states):
    checked = Client(client, users)
    # Forms that delete or remove go last, so that what they delete is there for the others.
    for endpoint, role in sorted(STATE_ONLY.items(), key=lambda item: bool(DESTRUCTIVE.search(item[0]))):
        checked.as_role(role)
        url = states[endpoint]
        response = checked.get(url)
        assert response.status_code == 200, f"GET {url} as {role} gave {response.status_code}"
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        found = [
            (action, fields) for method, action, fields in forms_on(page, url)
            if method == "post" and endpoint_of(app, action, "POST") == endpoint
        ]
        assert found, f"the page {url} shows no form posting to {endpoint}"
        action, fields = found[0]
        fuzz_form(checked, endpoint, role, action, fields)


def test_every_post_route_is_fuzzed_somewhere(app):
    """Every POST route is fuzzed: by the demo crawl (``test_bad_input``) unless listed in ``STATE_ONLY``. The crawl's
    reach is asserted there; here, that ``STATE_ONLY`` names only real POST routes with the role they allow."""
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in SKIPPED}
    assert set(STATE_ONLY) <= posts
    for endpoint, role in STATE_ONLY.items():
        allowed = getattr(app.view_functions[endpoint], "allowed_roles", frozenset())
        assert role in allowed, f"{endpoint} does not allow {role}"
