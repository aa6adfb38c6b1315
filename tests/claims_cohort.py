"""Builders for claim tests: families the engine finds claimable as of the end of September 2019, and a window.

Like ``tests.factories`` they commit, which inside a test is only a savepoint.
"""

from __future__ import annotations

from datetime import date

from tests import factories
from tests.progress_helpers import attach, make_accepted_evidence
from tfclaims import clock
from tfclaims.auth.roles import Role
from tfclaims.claims import queries, services
from tfclaims.claims.models import ClaimWindow
from tfclaims.extensions import db
from tfclaims.progress.models import EmploymentSpell

WINDOW_START, WINDOW_END = date(2019, 7, 1), date(2019, 9, 30)


def make_window(label: str = "2019-20 Q2", deadline: date = date(2099, 10, 31)) -> ClaimWindow:
    """The July to September 2019 quarter, open for claims (its deadline is far away)."""
    window = ClaimWindow(label=label, starts_on=WINDOW_START, ends_on=WINDOW_END, submission_deadline=deadline)
    db.session.add(window)
    db.session.commit()
    return window


def make_claimable(reference: str, version, manager, route: str = "SSP"):
    """A family claimable as of 30 September 2019.

    SSP: attached 10 January 2019 with domestic abuse (no incidents for six months: sustained 9 July 2019) and
    health (practitioner evidence signed off). CE: attached 7 January 2019, the lead adult on JSA in work since."""
    family = factories.make_family(reference, team="North locality", lead_practitioner="Sam Keyworker")
    if route == "CE":
        attach(family, version, date(2019, 1, 7), (2, 4))
        db.session.add(
            EmploymentSpell(
                family_id=family.id,
                member_id=family.members[0].id,
                started_on=date(2019, 1, 7),
                ended_on=None,
                hours_per_week=30,
                prior_benefit="JSA",
            )
        )
    else:
        attachment = attach(family, version, date(2019, 1, 10), (5, 6))
        make_accepted_evidence(attachment, manager, 6, decided_on=date(2019, 4, 1))
    db.session.commit()
    return family


def submitted_claim(window: ClaimWindow, family_ids: list[int], users: dict, today: date | None = None):
    """A claim of the families taken through the services to "submitted" by three different people: a claims
    officer builds and submits it, an internal auditor passes its whole sample (100%), a manager signs it off."""
    today = today or clock.today()
    queries.settings().sample_percent = 100
    officer, auditor, manager = users[Role.CLAIMS_OFFICER], users[Role.AUDITOR], users[Role.MANAGER]
    claim = services.build_claim(window, family_ids, officer, today)
    services.send_to_audit(claim, officer, seed=7)
    for line in claim.lines:
        services.record_check(line, auditor, eligible=True, whole_family=True, evidenced=True, verdict="pass",
                              note="")
    services.sign_off(claim, manager)
    services.submit(claim, officer, submitted_on=today, department_reference="DLUHC-42", today=today)
    db.session.commit()
    return claim
