"""Builders for tests that need a family's early-help pathway: whole-family working recorded, written straight to
the tables (like tests.factories they commit, which inside a test is only a savepoint)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests import factories
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Family
from tfclaims.pathway.models import (
    AssessedMember,
    Assessment,
    CaseAllocation,
    FamilyPlan,
    HelpRequest,
    TafMeeting,
)


def whole_family_working(family: Family, received_on: date, practitioner=None, closed_on: date | None = None,
                         leave_out: tuple[str, ...] = ()) -> HelpRequest:
    """An episode received on a day, allocated the next, assessed within two weeks, with a plan and an initial
    team around the family meeting three weeks in; ``leave_out`` names elements not to record ("allocation",
    "assessment", "plan", "meeting")."""
    practitioner = practitioner or factories.make_user(Role.PRACTITIONER)
    request = HelpRequest(family_id=family.id, received_at=datetime.combine(received_on, datetime.min.time()),
                          source="school", reason="Test", decision="early_help", decided_on=received_on,
                          closed_on=closed_on, closure_reason="outcomes_met" if closed_on else None)
    db.session.add(request)
    db.session.flush()
    if "allocation" not in leave_out:
        db.session.add(CaseAllocation(request_id=request.id, family_id=family.id, practitioner_id=practitioner.id,
                                      team="North", allocated_at=request.received_at + timedelta(days=1)))
    if "assessment" not in leave_out:
        assessment = Assessment(request_id=request.id, family_id=family.id, started_on=received_on + timedelta(days=2),
                                completed_on=received_on + timedelta(days=14))
        assessment.assessed = [AssessedMember(member_id=m.id, family_id=family.id) for m in family.members]
        db.session.add(assessment)
        if "plan" not in leave_out:
            db.session.add(FamilyPlan(request_id=request.id, family_id=family.id,
                                      opened_on=received_on + timedelta(days=15)))
    if "meeting" not in leave_out:
        db.session.add(TafMeeting(request_id=request.id, family_id=family.id, held_on=received_on + timedelta(days=21),
                                  kind="initial", agencies="school"))
    db.session.commit()
    return request
