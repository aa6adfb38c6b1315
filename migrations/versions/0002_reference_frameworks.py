"""reference data: the two national frameworks and their headline problems

The frameworks are national reference data, not code in views: Troubled Families 2015-21 and Supporting
Families 2022-25 (see docs/domain.md). Councils copy them into their own outcomes plans.

Revision ID: 0002_reference_frameworks
Revises: 0001_initial_schema
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002_reference_frameworks"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None

FRAMEWORKS = [
    {
        "id": 1,
        "code": "TF2015",
        "name": "Troubled Families 2015-21",
        "starts_on": date(2015, 4, 1),
        "ends_on": date(2021, 3, 31),
        "min_problems": 2,
        "routes": "SSP CE",
        "attachment_payment_pence": 100_000,
        "result_payment_pence": 80_000,
        "outcome_months_after_closure": None,
        "requires_dependent_children": True,
        "description": (
            "Eligible with at least two of six headline problems. One result per family: significant and "
            "sustained progress against every problem, or continuous employment of an adult."
        ),
    },
    {
        "id": 2,
        "code": "SF2022",
        "name": "Supporting Families 2022-25",
        "starts_on": date(2022, 10, 1),
        "ends_on": date(2025, 3, 31),
        "min_problems": 3,
        "routes": "SFO",
        "attachment_payment_pence": 0,
        "result_payment_pence": 80_000,
        "outcome_months_after_closure": 6,
        "requires_dependent_children": True,
        "description": (
            "Eligible with at least three needs, in a family with dependent children or an expectant parent. "
            "One route: a successful family outcome, every need with a positive outcome still true six months "
            "after the case closed."
        ),
    },
]

TF2015_PROBLEMS = [
    ("crime_asb", "Parents or children involved in crime or anti-social behaviour"),
    ("school", "Children not attending school regularly"),
    ("children_need_help", "Children who need help"),
    ("worklessness", "Adults out of work or at risk of financial exclusion, and young people at risk of worklessness"),
    ("domestic_abuse", "Families affected by domestic violence and abuse"),
    ("health", "Parents and children with a range of health problems"),
]

SF2022_PROBLEMS = [
    ("education", "Getting a good education"),
    ("early_years", "Good early years development"),
    ("health", "Improved mental and physical health"),
    ("substance_use", "Promoting recovery and reducing harm from substance use"),
    ("relationships", "Improved family relationships"),
    ("safe_from_abuse", "Children safe from abuse and exploitation"),
    ("crime", "Crime prevention and tackling crime"),
    ("domestic_abuse", "Safe from domestic abuse"),
    ("housing", "Secure housing"),
    ("financial", "Financial stability"),
]


def upgrade():
    framework = sa.table(
        "framework",
        *(sa.column(name) for name in FRAMEWORKS[0]),
    )
    op.bulk_insert(framework, FRAMEWORKS)
    problem = sa.table(
        "headline_problem",
        sa.column("id"), sa.column("framework_id"), sa.column("number"), sa.column("code"), sa.column("name"),
    )
    rows = []
    for framework_id, problems, offset in ((1, TF2015_PROBLEMS, 0), (2, SF2022_PROBLEMS, 100)):
        for number, (code, name) in enumerate(problems, start=1):
            rows.append({"id": offset + number, "framework_id": framework_id, "number": number,
                         "code": code, "name": name})
    op.bulk_insert(problem, rows)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('framework_id_seq', (SELECT max(id) FROM framework))")
        op.execute("SELECT setval('headline_problem_id_seq', (SELECT max(id) FROM headline_problem))")


def downgrade():
    op.execute("DELETE FROM headline_problem WHERE framework_id IN (1, 2)")
    op.execute("DELETE FROM framework WHERE id IN (1, 2)")
