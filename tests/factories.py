"""Small builders for test data.

They commit, which inside a test is only a savepoint: the test's outer transaction is rolled back afterwards.
Committing matters because a page that shows a form again with errors rolls the session back, which would
otherwise take the test's own data with it.
"""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import select

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
