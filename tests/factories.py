"""Small builders for test data.

They commit, which inside a test is only a savepoint: the test's outer transaction is rolled back afterwards.
Committing matters because a page that shows a form again with errors rolls the session back, which would
otherwise take the test's own data with it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from sqlalchemy import select

from tfclaims.audit.models import AccessEvent
from tfclaims.auth.models import User, UserRole
from tfclaims.auth.roles import Role
from tfclaims.auth.services import hash_password
from tfclaims.engine.criteria import EXAMPLE_CRITERIA, check_parameters, default_wording
from tfclaims.extensions import db
from tfclaims.families.models import Family, Member
from tfclaims.outcomes_plan.models import (
    PUBLISHED,
    Descriptor,
    Framework,
    OutcomesPlan,
    PlanVersion,
    SuccessCriterion,
)

PASSWORD = "correct horse battery staple"
_HASH = None
_seq = itertools.count(1)


def _password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def make_user(*roles: Role, name: str | None = None, email: str | None = None, active: bool = True) -> User:
    n = next(_seq)
    label = roles[0].value if roles else "user"
    user = User(
        email=email or f"{label.replace('_', '-')}-{n}@brackenshire.example",
        name=name or f"Test {roles[0].label if roles else 'User'} {n}",
        password_hash=_password_hash(),
        active=active,
    )
    user.role_rows = [UserRole(role=r.value) for r in roles]
    db.session.add(user)
    db.session.commit()
    return user


def framework(code: str = "TF2015") -> Framework:
    return db.session.scalar(select(Framework).where(Framework.code == code))


def make_published_plan(
    code: str = "TF2015",
    effective_from: date = date(2015, 4, 1),
    name: str | None = None,
    descriptors_per_problem: int = 2,
    criteria: bool = True,
) -> PlanVersion:
    """A published plan version with ``descriptors_per_problem`` descriptors (P<n>.<i>) for every headline problem
    and, unless ``criteria`` is false, the framework's example success criteria (``EXAMPLE_CRITERIA``)."""
    fw = framework(code)
    plan = OutcomesPlan(framework=fw, name=name or f"Test plan {next(_seq)}")
    version = PlanVersion(plan=plan, number=1, status=PUBLISHED, effective_from=effective_from)
    for problem in fw.problems:
        for i in range(1, descriptors_per_problem + 1):
            version.descriptors.append(
                Descriptor(
                    problem=problem,
                    code=f"P{problem.number}.{i}",
                    text=f"{problem.name}: descriptor {i}",
                    evidence_source="practitioner",
                )
            )
        if criteria:
            for position, (kind, parameters) in enumerate(EXAMPLE_CRITERIA[code][problem.code], start=1):
                clean, errors = check_parameters(kind, parameters)
                assert not errors, (code, problem.code, kind, errors)
                version.criteria.append(
                    SuccessCriterion(
                        problem=problem,
                        position=position,
                        kind=kind,
                        parameters=clean,
                        wording=default_wording(kind, clean),
                    )
                )
    db.session.add(plan)
    db.session.commit()
    return version


def make_family(reference: str | None = None, members: int = 3, **fields) -> Family:
    n = next(_seq)
    family = Family(
        reference=reference or f"FAM-T{n:05d}",
        lead_practitioner=fields.pop("lead_practitioner", "Sam Keyworker"),
        team=fields.pop("team", "North locality"),
        **fields,
    )
    people = [
        ("Alex", "Adult", date(1985, 3, 14), "F", "lead_adult", True),
        ("Jordan", "Adult", date(1983, 7, 2), "M", "partner", True),
        ("Casey", "Adult", date(2012, 9, 20), "F", "child", True),
        ("Riley", "Adult", date(2014, 1, 5), "M", "child", True),
        ("Morgan", "Other", date(1980, 5, 30), "M", "non_resident_parent", False),
    ]
    for forenames, surname, dob, sex, rel, resident in people[:members]:
        family.members.append(
            Member(
                forenames=forenames,
                surname=f"{surname}{n}",
                date_of_birth=dob,
                sex=sex,
                relationship_to_lead=rel,
                resident=resident,
                postcode="BR1 2AB",
            )
        )
    db.session.add(family)
    db.session.commit()
    return family


# ---------------------------------------------------------------- forecasts (helper H3): attachments and claim lines
# written straight to the tables, so forecast tests do not depend on the engine or the claim services.


def forecast_attachment(version: PlanVersion, attached_on: date, closed_on: date | None = None,
                        closure_reason: str | None = None, reference: str | None = None):
    """A new family attached under ``version`` on ``attached_on`` (closed on ``closed_on`` for ``closure_reason``)."""
    from tfclaims.families.models import Attachment

    family = make_family(reference, members=1)
    attachment = Attachment(family_id=family.id, plan_version_id=version.id, attached_on=attached_on,
                            closed_on=closed_on, closure_reason=closure_reason)
    db.session.add(attachment)
    db.session.commit()
    return attachment


def forecast_claim_line(attachment, state: str = "included", status: str = "submitted",
                        submitted_on: date | None = date(2024, 7, 10), built_on: date = date(2024, 7, 1),
                        disposition: str | None = None):
    """A claim of its own (in its own window) with one line for ``attachment``: the line's ``state`` and the claim's
    ``status``, judged as of (and built on) ``built_on``. The line holds its family unless removed, or rejected or
    clawed back with the ``pipeline`` disposition."""
    from datetime import UTC, datetime

    from tfclaims.claims.models import Claim, ClaimLine, ClaimWindow

    n = next(_seq)
    window = ClaimWindow(label=f"Forecast window {n}", starts_on=built_on, ends_on=built_on,
                         submission_deadline=built_on)
    claim = Claim(window=window, reference=f"FC-{n}", status=status, as_of=built_on,
                  built_at=datetime(built_on.year, built_on.month, built_on.day, 12, tzinfo=UTC),
                  submitted_on=submitted_on if status in ("submitted", "reconciled") else None)
    version = attachment.plan_version
    holds = state in ("included", "accepted") or (state in ("rejected", "clawed_back") and disposition != "pipeline")
    claim.lines.append(ClaimLine(
        family_id=attachment.family_id, attachment_id=attachment.id, family_reference=attachment.family.reference,
        route="SSP", plan_version_id=version.id, plan_label="Test plan", framework=version.plan.framework.code,
        attached_on=attachment.attached_on, claimable_on=built_on, result_payment_pence=80000, snapshot={},
        line_hash="0" * 64, frozen_at=claim.built_at, state=state, holds_family=holds, disposition=disposition,
    ))
    db.session.add(claim)
    db.session.commit()
    return claim.lines[0]


# ---------------------------------------------------------------- eligibility (helper H4): one more member


def add_member(family: Family, forenames: str, date_of_birth: date, relationship: str = "child",
               resident: bool = True, expectant: bool = False, sex: str = "F") -> Member:
    """A member of ``family`` born on ``date_of_birth`` (a child by default), committed."""
    member = Member(
        family_id=family.id,
        forenames=forenames,
        surname=f"Member{next(_seq)}",
        date_of_birth=date_of_birth,
        sex=sex,
        relationship_to_lead=relationship,
        resident=resident,
        expectant=expectant,
        postcode="BR1 2AB",
    )
    db.session.add(member)
    db.session.commit()
    db.session.refresh(family)
    return member


def access_event(actor=None, at: datetime | None = None, **fields) -> AccessEvent:
    """A read of personal data as ``audit.services.record_access`` writes it, at a chosen moment, committed."""
    event = AccessEvent(
        at=at or datetime.now(UTC),
        actor_id=actor.id if actor else None,
        actor_label=actor.name if actor else "system",
        action=fields.pop("action", "viewed"),
        what=fields.pop("what", "family page"),
        family_id=fields.pop("family_id", None),
        member_id=fields.pop("member_id", None),
        path=fields.pop("path", ""),
        detail=fields.pop("detail", {}),
    )
    db.session.add(event)
    db.session.commit()
    return event
