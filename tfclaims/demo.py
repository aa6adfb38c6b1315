"""Demo data: a believable fictional council, Brackenshire County Council.

``seed()`` creates one user per role, a published outcomes plan under the Troubled Families 2015-21 framework (two
versions, so attachments either side of 1 April 2018 are judged under different versions) and a register of
families in varied states. With the families comes a claims history: a claim in every quarter from 2016-17 Q1 to
2020-21 Q4, audited, signed off, submitted and reconciled, so forecasts have conversion to observe. It also adds
this financial year's claim windows, allocation and target, and early-help indicators for the monthly scorecard
(24 months to the last complete month). Everything is invented: names are common British names put together at
random, postcodes are in a made-up "BR" area, NHS numbers are in the 999 range that NHS England keeps for testing.

The data is the same on every run (``random.Random(2015)``; what depends on today's date, the current year's
windows, target and indicator months, moves with it), and a second run adds nothing. ``seed`` only adds and
flushes; the command that calls it commits (``flask tfclaims seed-demo``, refused in production).
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from tfclaims import clock, people
from tfclaims.audit.services import record
from tfclaims.auth.models import User, UserRole
from tfclaims.auth.queries import get_user_by_email
from tfclaims.auth.roles import Role
from tfclaims.auth.services import hash_password
from tfclaims.engine.criteria import EXAMPLE_CRITERIA, default_wording
from tfclaims.extensions import db
from tfclaims.families import rules
from tfclaims.families.models import LAWFUL_BASES, Attachment, Consent, Family, IdentifiedProblem, Member
from tfclaims.outcomes_plan.models import (
    EVIDENCE_SOURCES,
    PUBLISHED,
    Descriptor,
    OutcomesPlan,
    PlanVersion,
    SuccessCriterion,
)
from tfclaims.outcomes_plan.queries import get_framework_by_code
from tfclaims.progress.models import EmploymentSpell, Event, ManualEvidence, Measure, StatusEpisode
from tfclaims.text import long_date

COUNCIL = "Brackenshire County Council"
DOMAIN = "brackenshire.example"
PASSWORD = "demo-password-2026"
PLAN_NAME = "Brackenshire Supporting Families outcomes plan"
FRAMEWORK_CODE = "TF2015"
REFERENCE_PREFIX = "BRK-"
VERSION_2_FROM = date(2018, 4, 1)

# One user per role: (role, email local part, name).
USERS = [
    (Role.COORDINATOR, "coordinator", "Priya Whitfield"),
    (Role.CLAIMS_OFFICER, "claims-officer", "Gareth Moss"),
    (Role.AUDITOR, "auditor", "Helen Achebe"),
    (Role.MANAGER, "manager", "Dominic Farrow"),
    (Role.ADMINISTRATOR, "administrator", "Joanne Pryce"),
]

SIGN_IN_HELP = "\n".join(
    [
        f"Demo sign-in for {COUNCIL} (fictional data), password for every account: {PASSWORD}",
        *(f"  {role.label:<22} {local}@{DOMAIN}" for role, local, _ in USERS),
    ]
)

# ---------------------------------------------------------------- the outcomes plan

# Per headline problem code: (descriptor code, wording, evidence source, who it concerns).
# "Who" is one of: child (0-17), school (5-15), youth (10-17), young_adult (16-24), teen (16-17), adult (18+),
# lead (the lead adult), older_child_or_adult (12+), any.
DESCRIPTORS: dict[str, list[tuple[str, str, str, str]]] = {
    "crime_asb": [
        ("ASB1", "A child with a proven offence in the last 12 months", "youth_justice", "youth"),
        ("ASB2", "An adult or child with an anti-social behaviour intervention in the last 12 months, such as an "
                 "injunction, a community protection notice or an acceptable behaviour contract", "police", "any10"),
        ("ASB3", "An adult offender on a community order or licence, or a prisoner due for release within "
                 "12 months who will have parenting responsibilities", "police", "adult"),
        ("ASB4", "An adult or child the police or lead practitioner believe to be at risk of offending, "
                 "including gang involvement or exploitation", "practitioner", "any10"),
    ],
    "school": [
        ("ED1", "A child permanently excluded, or with three or more fixed-term exclusions in the last three "
                "consecutive terms", "school", "school"),
        ("ED2", "A child missing 10% or more of school sessions across the last three terms", "school", "school"),
        ("ED3", "A child in alternative provision for behaviour, or in a pupil referral unit", "school", "school"),
        ("ED4", "A child of school age not registered with a school and not receiving a suitable education "
                "elsewhere", "school", "school"),
    ],
    "children_need_help": [
        ("CIN1", "A child in need under section 17 of the Children Act 1989", "social_care", "child"),
        ("CIN2", "A child subject to a child protection plan, or to an enquiry under section 47 of the Children "
                 "Act 1989 in the last 12 months", "social_care", "child"),
        ("CIN3", "A child identified through an early help assessment as needing help, including with behaviour "
                 "or emotional wellbeing", "practitioner", "child"),
        ("CIN4", "A child on the edge of care, or a looked-after child who has returned home in the last "
                 "12 months", "social_care", "child"),
    ],
    "worklessness": [
        ("WK1", "An adult on out-of-work benefits", "dwp", "adult"),
        ("WK2", "A young person aged 16 to 24 not in education, employment or training", "practitioner",
         "young_adult"),
        ("WK3", "A family in rent arrears of eight weeks or more, or at risk of eviction", "housing", "lead"),
        ("WK4", "An adult with problem debt, assessed by a money adviser as at risk of financial exclusion",
         "practitioner", "adult"),
    ],
    "domestic_abuse": [
        ("DA1", "A police call-out for a domestic incident in the last 12 months", "police", "lead"),
        ("DA2", "An adult or child known to local domestic abuse services, or discussed at a multi-agency risk "
                "assessment conference (MARAC) in the last 12 months", "practitioner", "adult"),
        ("DA3", "A young person aged 16 or 17 who is a victim or perpetrator of abuse in a relationship",
         "practitioner", "teen"),
    ],
    "health": [
        ("HL1", "An adult or young person with a drug or alcohol problem", "health", "older_child_or_adult"),
        ("HL2", "A child under five whose development gives cause for concern, or a new mother with a mental "
                "health problem", "health", "lead"),
        ("HL3", "An adult with a mental health problem", "health", "adult"),
        ("HL4", "A child with a mental health problem known to child and adolescent mental health services "
                "(CAMHS)", "health", "school"),
        ("HL5", "An adult or child with a health problem that affects the family's daily life, referred by a "
                "health professional", "health", "any"),
    ],
}

# Version 2 (April 2018) rewords two descriptors, as councils did after the 2017 framework refresh.
VERSION_2_WORDING = {
    "ED2": "A child persistently absent: missing 10% or more of school sessions in the last three consecutive "
           "terms, authorised or unauthorised",
    "WK1": "An adult on out-of-work benefits, including Universal Credit claimants with earnings below the "
           "administrative earnings threshold",
}

# How often each headline problem is found, roughly as in national family progress data.
PROBLEM_WEIGHTS = {
    "school": 5, "worklessness": 6, "health": 6, "children_need_help": 5, "domestic_abuse": 3, "crime_asb": 3,
}

# Within a headline problem, the descriptors most often met (persistent absence, out-of-work benefits...).
DESCRIPTOR_WEIGHTS = {"ED2": 4, "ED1": 2, "WK1": 4, "CIN3": 2, "CIN1": 2, "DA1": 3, "HL3": 3, "ASB2": 2}

# A non-resident parent may concern only these descriptors (and at most one problem per family).
NON_RESIDENT_DESCRIPTORS = {"ASB3", "DA2", "HL1", "WK1"}

# ---------------------------------------------------------------- people

PRACTITIONERS = [
    ("Sophie Harland", "North locality"),
    ("Marcus Oyelaran", "North locality"),
    ("Rebecca Tunstall", "South locality"),
    ("Imran Qureshi", "South locality"),
    ("Claire Devereux", "East locality"),
    ("Owen Prichard", "East locality"),
    ("Natalie Brook", "West locality"),
    ("Tomasz Wrobel", "West locality"),
    ("Dean Ashworth", "Youth offending team"),
    ("Amina Farah", "Early help hub"),
]

ADULT_FEMALE = [
    "Sarah", "Emma", "Kelly", "Lisa", "Michelle", "Nicola", "Claire", "Gemma", "Leanne", "Stacey", "Donna",
    "Samantha", "Rebecca", "Laura", "Jodie", "Kirsty", "Amy", "Danielle", "Natalie", "Joanne", "Tracey", "Hayley",
    "Shabana", "Nazia", "Aisha", "Agnieszka", "Chantelle", "Siobhan", "Charlotte", "Victoria", "Zoe", "Carly",
]
ADULT_MALE = [
    "David", "Paul", "Mark", "Lee", "Craig", "Darren", "Wayne", "Jason", "Stuart", "Gary", "Daniel", "Ryan",
    "Scott", "Carl", "Shaun", "Adam", "Michael", "Christopher", "Matthew", "Jamie", "Liam", "Imran", "Tariq",
    "Piotr", "Kwame", "Dean", "Anthony", "Richard", "Steven", "Ashley", "Martin", "Neil",
]
CHILD_FEMALE = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Lily", "Ella", "Grace", "Chloe", "Ruby", "Evie", "Poppy", "Freya",
    "Jessica", "Sophie", "Megan", "Holly", "Leah", "Maisie", "Summer", "Willow", "Aaliyah", "Zara", "Maja", "Tia",
    "Lacey", "Ellie", "Phoebe", "Courtney", "Paige",
]
CHILD_MALE = [
    "Oliver", "Harry", "Jack", "Charlie", "George", "Noah", "Alfie", "Leo", "Freddie", "Archie", "Oscar", "Jacob",
    "Riley", "Kai", "Mason", "Tyler", "Logan", "Callum", "Connor", "Kian", "Ethan", "Lewis", "Jayden", "Bailey",
    "Ibrahim", "Yusuf", "Szymon", "Reggie", "Tommy", "Max",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Hughes",
    "Edwards", "Lewis", "Harris", "Martin", "Cooper", "Patel", "Khan", "Hussain", "Ali", "Ahmed", "Begum",
    "Kowalski", "Nowak", "Okafor", "Mensah", "O'Brien", "Murphy", "Kelly", "Campbell", "Stewart", "Baker",
    "Turner", "Hill", "Moore", "Ward", "Morris", "King", "Price", "Bennett", "Fletcher", "Pearson", "Dixon",
    "Barker", "Holmes", "Marsh", "Lloyd", "Gallagher", "Doherty", "Shaw", "Atkinson", "Booth", "Lambert",
    "Rahman", "Mahmood", "Brennan", "Hartley", "Whitehouse", "Pickering", "Cartwright",
]

# A fictional postcode area: districts BR1 to BR9, inward codes built from the letters the Royal Mail uses.
POSTCODE_DISTRICTS = [f"BR{n}" for n in range(1, 10)]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
LA_NUMBER = "990"  # a made-up local authority number for unique pupil numbers

CLOSURE_WEIGHTS = {
    "outcomes_achieved": 40, "stepped_down": 25, "stepped_up": 8, "disengaged": 10, "moved_away": 10,
    "not_eligible": 2, "other": 5,
}
CLOSURE_NOTES = {
    "outcomes_achieved": "Family plan completed; outcomes agreed at the closing team around the family meeting.",
    "stepped_down": "Stepped down to the school and health visitor with a clear plan.",
    "stepped_up": "Referred to children's social care after a strategy discussion.",
    "disengaged": "Family stopped engaging after repeated attempts to make contact.",
    "moved_away": "Family moved out of Brackenshire; case transferred to the receiving council.",
    "not_eligible": "Evidence did not confirm eligibility on review.",
    "other": "Closed at the family's request.",
}

FIRST_ATTACHMENT = date(2015, 6, 1)
LAST_ATTACHMENT = date(2020, 12, 31)
BATCH = 100


@dataclass
class SeedResult:
    users: int = 0
    plan_versions: int = 0
    families: int = 0
    members: int = 0
    attachments: int = 0
    problems: int = 0
    progress_records: int = 0
    claim_windows: int = 0
    # The claims history: past quarterly claims, taken through audit, submission and the department's verdict.
    history_windows: int = 0
    claims: int = 0
    lines_claimed: int = 0
    results_accepted: int = 0
    rejections: int = 0
    targets: int = 0
    indicators: int = 0
    already_loaded: bool = False
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.already_loaded:
            head = f"The {COUNCIL} demo data is already loaded: nothing added."
        else:
            head = (
                f"Loaded demo data for {COUNCIL}: {self.users} users, {self.plan_versions} published outcomes plan "
                f"versions, {self.families} families with {self.members} members, {self.attachments} attachments "
                f"and {self.problems} identified problems, and {self.progress_records} records of their progress."
            )
            if self.history_windows:
                head += (
                    f"\nClaims history: {self.claims} quarterly claims in {self.history_windows} past claim windows "
                    f"({HISTORY_FIRST_LABEL} to {HISTORY_LAST_LABEL}), {self.lines_claimed} families claimed, "
                    f"{self.results_accepted} results accepted and {self.rejections} rejected by the department "
                    "(returned to the pipeline)."
                )
        return "\n".join([head, *self.notes, "", SIGN_IN_HELP])


def seed(families: int = 300) -> SeedResult:
    """Create the demo council's users, outcomes plan and families, unless they are already there. Flushes only."""
    rng = random.Random(2015)
    result = SeedResult()
    users = _seed_users(result)
    versions = _seed_plan(users[Role.MANAGER], result)
    if versions is not None and not _demo_families_exist():
        _seed_families(rng, families, versions, result, users[Role.MANAGER])
        if result.attachments:
            _seed_claims_history(users, result)
    _seed_claim_calendar(result)
    _seed_target(result)
    _seed_indicators(result)
    if not (result.users or result.plan_versions or result.families or result.claim_windows or result.targets
            or result.indicators):
        result.already_loaded = True
    return result


# ---------------------------------------------------------------- claims


def _seed_claim_calendar(result: SeedResult) -> None:
    """This financial year's quarterly claim windows and the programme's allocation, so a claim can be built today."""
    from tfclaims.claims import queries as claim_queries
    from tfclaims.claims import rules as claim_rules
    from tfclaims.claims import services as claim_services
    from tfclaims.errors import DomainError

    year = claim_rules.financial_year(clock.today())
    try:
        added = claim_services.add_quarter_windows(year)
    except DomainError:
        return  # already there
    result.claim_windows = len(added)
    if not claim_queries.list_allocations():
        claim_services.save_allocation(
            None, label="Brackenshire programme allocation", starts_on=FIRST_ATTACHMENT,
            ends_on=date(year + 1, 3, 31), results=400,
        )
    result.notes.append(
        f"Claims: {len(added)} quarterly claim windows for {claim_rules.financial_year_label(year)} and an "
        "allocation of 400 results."
    )


# The claims history: a claim in every quarter of the financial years 2016-17 to 2020-21, taken through internal
# audit, sign-off, submission and the department's verdict, so that forecasts have conversion to observe.
HISTORY_YEARS = range(2016, 2021)
HISTORY_FIRST_LABEL, HISTORY_LAST_LABEL = "2016-17 Q1", "2020-21 Q4"
# Days after the window's end each step was taken (built, sent to audit, checked, signed off, submitted, reconciled).
BUILT, SENT, CHECKED, SIGNED, SUBMITTED, RECONCILED = 10, 11, 14, 17, 20, 62
REJECTION_CHANCE = 1 / 40  # per family claimed: the department's spot checks reject a few
REJECTION_REASONS = [
    "Spot check: the school attendance evidence covered two terms, not three.",
    "Spot check: the family plan was not signed by the lead practitioner before the outcome date.",
    "Spot check: the police data did not cover the full six months after attachment.",
    "Spot check: the employment was not continuous for 26 weeks; a gap of three weeks was found.",
]


def _at(day: date, days_after: int, hour: int) -> datetime:
    when = day + timedelta(days=days_after)
    return datetime(when.year, when.month, when.day, hour, 0, tzinfo=UTC)


def _seed_claims_history(users: dict[Role, User], result: SeedResult) -> None:
    """Every quarter's claim window from 2016-17 Q1 to 2020-21 Q4, each with a claim of all the families the
    engine found claimable as of the window's end and no claim held: audited (every sampled family passes), signed
    off, submitted 20 days after the quarter and reconciled, about 1 family in 40 rejected and returned to the
    pipeline. The steps' dates are those of the quarter, not today's. One engine evaluation per quarter."""
    from tfclaims.claims import rules as claim_rules
    from tfclaims.claims import services as claim_services
    from tfclaims.claims.models import ClaimWindow
    from tfclaims.errors import DomainError

    rng = random.Random(2015)
    labels = []
    for year in HISTORY_YEARS:
        with contextlib.suppress(DomainError):  # raised when every quarter of the year already has a window
            claim_services.add_quarter_windows(year)
        labels += [spec["label"] for spec in claim_rules.quarter_windows(year)]
    windows = list(db.session.scalars(
        select(ClaimWindow).where(ClaimWindow.label.in_(labels)).order_by(ClaimWindow.starts_on)
    ))
    result.history_windows = len(windows)
    with _engine_cache_on():
        for window in windows:
            _seed_historic_claim(rng, window, users, result)


@contextlib.contextmanager
def _engine_cache_on():
    """Keep the engine's cohort cache on while the history is seeded: ``build_claim`` judges the cohort again just
    after ``candidates`` has, with no change between, so the cache (keyed on the latest audit event) spares the
    second evaluation. Where the cache is off (the tests, whose rolled-back transactions reuse audit event ids) it
    is switched on for the seeding only and emptied afterwards, so nothing seeded in a rolled-back transaction
    can be served later."""
    from flask import current_app

    from tfclaims.engine import queries as engine_queries

    was_on = current_app.config.get("ENGINE_CACHE", True)
    current_app.config["ENGINE_CACHE"] = True
    try:
        yield
    finally:
        current_app.config["ENGINE_CACHE"] = was_on
        if not was_on:
            engine_queries.forget_cohort()


def _seed_historic_claim(rng: random.Random, window, users: dict[Role, User], result: SeedResult) -> None:
    from tfclaims.claims import services as claim_services
    from tfclaims.claims.models import ACCEPTED, PASS, PIPELINE, REJECTED

    officer, auditor, manager = users[Role.CLAIMS_OFFICER], users[Role.AUDITOR], users[Role.MANAGER]
    end = window.ends_on
    built_on = end + timedelta(days=BUILT)
    _as_of, ready = claim_services.candidates(window, built_on)
    family_ids = [int(f) for f in ready["family_id"]]
    if not family_ids:
        return
    claim = claim_services.build_claim(window, family_ids, officer, today=built_on)
    claim_services.send_to_audit(claim, officer, seed=rng.randrange(2**31))
    lines = sorted(claim.lines, key=lambda line: line.family_reference)
    for line in lines:
        if line.sampled:
            claim_services.record_check(line, auditor, eligible=True, whole_family=True, evidenced=True,
                                        verdict=PASS, note="")
    claim_services.sign_off(claim, manager)
    # The steps were taken in the quarter after the window, not today (and submission cannot precede sign-off).
    claim.built_at, claim.sent_to_audit_at = _at(end, BUILT, 10), _at(end, SENT, 9)
    claim.signed_off_at = _at(end, SIGNED, 16)
    for line in lines:
        line.frozen_at = claim.built_at
        if line.sampled:
            line.audited_at = _at(end, CHECKED, 11)
    submitted_on = end + timedelta(days=SUBMITTED)
    claim_services.submit(claim, officer, submitted_on=submitted_on,
                          department_reference=f"TF-PBR-{window.label.replace(' ', '-')}-BRK", today=submitted_on)
    for line in lines:
        if rng.random() < REJECTION_CHANCE:
            claim_services.record_outcome(line, outcome=REJECTED, reason=rng.choice(REJECTION_REASONS),
                                          disposition=PIPELINE)
            result.rejections += 1
    claim_services.reconcile(claim, officer)
    claim.reconciled_at = _at(end, RECONCILED, 15)
    db.session.flush()
    result.claims += 1
    result.lines_claimed += len(lines)
    result.results_accepted += sum(line.state == ACCEPTED for line in lines)


# ---------------------------------------------------------------- targets and the scorecard

TARGET_RESULTS, TARGET_ATTACHMENTS, TARGET_RATE = 120, 300, 40


def _seed_target(result: SeedResult) -> None:
    """This financial year's target. Its attachment deadline is 31 December, three months before the claim
    deadline: the latest an attachment could still turn into a claim in time, so the forecast still has months
    left to spread the attachments over for most of the year."""
    from tfclaims.claims.rules import financial_year, financial_year_label
    from tfclaims.forecasts.models import Target

    year = financial_year(clock.today())
    label = financial_year_label(year)
    if db.session.scalar(select(Target.id).where(Target.label == label)) is not None:
        return
    db.session.add(Target(
        label=label, starts_on=date(year, 4, 1), ends_on=date(year + 1, 3, 31), results_target=TARGET_RESULTS,
        attachment_target=TARGET_ATTACHMENTS, attachment_deadline=date(year, 12, 31),
        claim_deadline=date(year + 1, 3, 31), assumed_rate_percent=TARGET_RATE,
    ))
    db.session.flush()
    result.targets = 1
    result.notes.append(
        f"Forecasts: a {label} target of {TARGET_RESULTS} results ({TARGET_ATTACHMENTS} attachments, assumed "
        f"conversion {TARGET_RATE}%), attachments by {long_date(date(year, 12, 31))}, claims by "
        f"{long_date(date(year + 1, 3, 31))}."
    )


# Owner and reporter of the programme's own indicators (made by the migration).
PROGRAMME_INDICATOR_PEOPLE = {
    "SF01": ("Dominic Farrow, Head of Early Help", "Priya Whitfield, Programme coordinator"),
    "SF02": ("Dominic Farrow, Head of Early Help", "Priya Whitfield, Programme coordinator"),
    "SF03": ("Dominic Farrow, Head of Early Help", "Gareth Moss, Claims officer"),
    "SF04": ("Dominic Farrow, Head of Early Help", "Gareth Moss, Claims officer"),
}

# Early-help indicators with entered values: code, name, up is good, unit, owner, reporter, the monthly level at
# the start and its drift a month, the noise (a share of the level, or points for a percentage), whether term
# dates shape it, targets by year (for the monthly figure), benchmarks (statistical neighbours, England, region).
EARLY_HELP_INDICATORS = [
    ("EH01", "Early help assessments started", True, "number", "Dominic Farrow, Head of Early Help",
     "Amina Farah, Early help hub", 148.0, 0.9, 0.07, True, (150, 160, 170), (158, 171, 149)),
    ("EH02", "Re-referrals to early help within 12 months", False, "percent", "Dominic Farrow, Head of Early Help",
     "Amina Farah, Early help hub", 18.6, -0.09, 1.2, False, (18, 17, 16), (16.4, 17.9, 18.8)),
    ("EH03", "Families stepped down from social care to early help", True, "number",
     "Karen Lindqvist, Head of Children's Social Care", "Amina Farah, Early help hub", 23.0, 0.25, 0.15, True,
     (24, 26, 28), (27, 25, 22)),
]
# Referrals follow the school year: fewer in August and over Christmas, more in the autumn term.
SEASON = {1: 1.04, 2: 1.0, 3: 1.06, 4: 0.92, 5: 1.0, 6: 1.04, 7: 0.94, 8: 0.72, 9: 1.08, 10: 1.12, 11: 1.07,
          12: 0.84}
INDICATOR_MONTHS = 24


def _month_add(month: date, n: int) -> date:
    total = month.year * 12 + month.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def _year_label(month: date) -> str:
    start = month.year if month.month >= 4 else month.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _seed_indicators(result: SeedResult) -> None:
    """Owners and reporters for the programme's own indicators, and three early-help indicators with 24 months of
    entered values to the last complete month, targets for the years they cover, benchmarks and a commentary on
    the last month."""
    from tfclaims.scorecard.models import (
        ENTERED,
        Indicator,
        IndicatorBenchmark,
        IndicatorComment,
        IndicatorTarget,
        IndicatorValue,
    )

    existing = {i.code: i for i in db.session.scalars(select(Indicator))}
    for code, (owner, reporter) in PROGRAMME_INDICATOR_PEOPLE.items():
        indicator = existing.get(code)
        if indicator is not None and not indicator.owner and not indicator.reporter:
            indicator.owner, indicator.reporter = owner, reporter
    if any(row[0] in existing for row in EARLY_HELP_INDICATORS):
        db.session.flush()
        return
    rng = random.Random(2015)
    last = _month_add(clock.today().replace(day=1), -1)
    months = [_month_add(last, k) for k in range(1 - INDICATOR_MONTHS, 1)]
    years = sorted({_year_label(m) for m in months})
    position = max((i.position for i in existing.values()), default=0)
    for (code, name, up_is_good, unit, owner, reporter, level, drift, noise, seasonal, targets,
         benchmarks) in EARLY_HELP_INDICATORS:
        position += 1
        indicator = Indicator(code=code, name=name, owner=owner, reporter=reporter, up_is_good=up_is_good, unit=unit,
                              source=ENTERED, period_months=1, position=position)
        values = []
        for k, month in enumerate(months):
            base = level + drift * k
            if unit == "percent":
                value = round(min(max(base + rng.gauss(0, noise), 5.0), 40.0), 1)
            else:
                value = round(max(base * (SEASON[month.month] if seasonal else 1) * (1 + rng.gauss(0, noise)), 0))
            values.append(value)
            indicator.values.append(IndicatorValue(month=month, value=value))
        for year, target in zip(years, targets[-len(years):], strict=True):
            indicator.targets.append(IndicatorTarget(year_label=year, value=target))
        benchmark_period = f"{_year_label(_month_add(last, -12))} monthly average"
        for kind, value in zip(("neighbours", "england", "region"), benchmarks, strict=True):
            indicator.benchmarks.append(IndicatorBenchmark(kind=kind, value=value, period=benchmark_period))
        indicator.comments.append(IndicatorComment(month=last, text=_commentary(code, months, values)))
        db.session.add(indicator)
        result.indicators += 1
    db.session.flush()
    result.notes.append(
        f"Scorecard: {result.indicators} early-help indicators with values from {months[0]:%B %Y} to {last:%B %Y}; "
        "owners for the programme's own indicators."
    )


def _commentary(code: str, months: list[date], values: list[float]) -> str:
    """The owner's paragraph on the last month, in step with the figures."""
    now, before, year_ago = values[-1], values[-2], values[-13]
    month, previous = f"{months[-1]:%B %Y}", f"{months[-2]:%B}"

    def trend(a: float, b: float) -> str:
        return "up" if a > b else "down" if a < b else "unchanged"

    if code == "EH01":
        return (
            f"{now:.0f} early help assessments were started in {month}, {trend(now, before)} from {before:.0f} in "
            f"{previous} and {trend(now, year_ago)} on {year_ago:.0f} a year ago. Referrals from schools rose "
            "through the autumn term as usual; the early help hub has added a duty worker on Mondays to keep "
            "assessments starting within ten working days."
        )
    if code == "EH02":
        return (
            f"{now:.1f}% of families referred in {month} had been referred to early help in the previous 12 months "
            f"({before:.1f}% in {previous}, {year_ago:.1f}% a year ago). Lower is better: the step-down review at "
            "three months after closure, introduced last year, is helping families keep their progress."
        )
    return (
        f"{now:.0f} families were stepped down from children's social care to early help in {month} "
        f"({before:.0f} in {previous}). Joint step-down meetings between social workers and lead practitioners are "
        "now held for every family, so that no family waits for a lead practitioner after the transfer."
    )


# ---------------------------------------------------------------- users


def _seed_users(result: SeedResult) -> dict[Role, User]:
    made: dict[Role, User] = {}
    password_hash = None  # hashed once: argon2 is deliberately slow, and every demo account shares the password
    for role, local, name in USERS:
        email = f"{local}@{DOMAIN}"
        user = get_user_by_email(email)
        if user is None:
            password_hash = password_hash or hash_password(PASSWORD)
            user = User(email=email, name=name, password_hash=password_hash, active=True)
            user.role_rows = [UserRole(role=role.value)]
            db.session.add(user)
            result.users += 1
        made[role] = user
    db.session.flush()
    return made


# ---------------------------------------------------------------- plan


def _seed_plan(manager: User, result: SeedResult) -> tuple[PlanVersion, PlanVersion] | None:
    existing = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == PLAN_NAME))
    if existing is not None:
        published = [v for v in existing.versions if v.status == PUBLISHED]
        if len(published) < 2:
            result.notes.append(f"The plan '{PLAN_NAME}' exists without two published versions: no families added.")
            return None
        return published[0], published[1]
    framework = get_framework_by_code(FRAMEWORK_CODE)
    if framework is None:
        raise RuntimeError(f"The {FRAMEWORK_CODE} framework is missing: run `flask db upgrade` first.")
    problems = {p.code: p for p in framework.problems}
    plan = OutcomesPlan(framework_id=framework.id, name=PLAN_NAME)
    first = PlanVersion(
        plan=plan,
        number=1,
        status=PUBLISHED,
        effective_from=date(2015, 4, 1),
        notes="First Brackenshire outcomes plan under the expanded Troubled Families programme.",
        published_by_id=manager.id,
        published_at=datetime(2015, 3, 20, 10, 0, tzinfo=UTC),
    )
    second = PlanVersion(
        plan=plan,
        number=2,
        status=PUBLISHED,
        effective_from=VERSION_2_FROM,
        notes="Annual review: school attendance and worklessness descriptors reworded (ED2, WK1).",
        published_by_id=manager.id,
        published_at=datetime(2018, 3, 22, 14, 30, tzinfo=UTC),
    )
    for problem_code, rows in DESCRIPTORS.items():
        for code, text, source, _who in rows:
            if source not in EVIDENCE_SOURCES:  # pragma: no cover - guards the table above
                raise ValueError(f"Unknown evidence source {source}")
            first.descriptors.append(
                Descriptor(problem_id=problems[problem_code].id, code=code, text=text, evidence_source=source)
            )
            second.descriptors.append(
                Descriptor(problem_id=problems[problem_code].id, code=code,
                           text=VERSION_2_WORDING.get(code, text), evidence_source=source)
            )
    for version, attendance in ((first, 85), (second, 90)):
        # Version 1 asked for 85% attendance; the annual review raised it to 90%.
        for problem_code, items in EXAMPLE_CRITERIA[FRAMEWORK_CODE].items():
            for position, (kind, parameters) in enumerate(items, start=1):
                if kind == "held_over_periods":
                    parameters = parameters | {"threshold": attendance}
                version.criteria.append(SuccessCriterion(
                    problem_id=problems[problem_code].id, position=position, kind=kind, parameters=parameters,
                    wording=default_wording(kind, parameters),
                ))
    db.session.add(plan)
    db.session.flush()
    second.copied_from_id = first.id
    db.session.flush()
    for version in (first, second):
        record(db.session, "plan_published", "plan_version", version.id,
               f"{PLAN_NAME} version {version.number} published, in force from {long_date(version.effective_from)}")
    result.plan_versions = 2
    return first, second


# ---------------------------------------------------------------- identifiers


def nhs_number(rng: random.Random) -> str:
    """A valid NHS number (modulus 11) in the 999 range NHS England reserves for test data."""
    while True:
        body = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)


_NI_FIRST = "ABCEGHJKLMNPRSTWXYZ"
_NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NI_BANNED = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def ni_number(rng: random.Random) -> str:
    """A National Insurance number in the valid format (prefix rules, six digits, suffix A to D)."""
    while True:
        prefix = rng.choice(_NI_FIRST) + rng.choice(_NI_SECOND)
        if prefix not in _NI_BANNED:
            return prefix + "".join(str(rng.randrange(10)) for _ in range(6)) + rng.choice("ABCD")


def upn(rng: random.Random, serial: int, year_allocated: int) -> str:
    """A permanent unique pupil number: check letter, LA number, school number, year allocated, serial."""
    body = f"{LA_NUMBER}{rng.randrange(2000, 5000):04d}{year_allocated % 100:02d}{serial % 1000:03d}"
    return rules.upn_check_letter(body) + body


def postcode(rng: random.Random) -> str:
    return f"{rng.choice(POSTCODE_DISTRICTS)} {rng.randrange(1, 10)}{rng.choice(INWARD_LETTERS)}" \
           f"{rng.choice(INWARD_LETTERS)}"


# ---------------------------------------------------------------- families


def _demo_families_exist() -> bool:
    return bool(db.session.scalar(
        select(func.count(Family.id)).where(Family.reference.like(f"{REFERENCE_PREFIX}%"))
    ))


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    """A date of birth giving ``age`` completed years on ``on``."""
    latest = date(on.year - age, on.month, min(on.day, 28))
    return latest - timedelta(days=rng.randrange(0, 364))


def _pick_name(rng: random.Random, sex: str, adult: bool) -> str:
    if adult:
        return rng.choice(ADULT_FEMALE if sex == "F" else ADULT_MALE)
    return rng.choice(CHILD_FEMALE if sex == "F" else CHILD_MALE)


def _make_members(rng: random.Random, size: int, on: date, serials: list[int]) -> list[Member]:
    """Two to six people: a lead adult, sometimes a partner, children, occasionally a non-resident parent."""
    lead_sex = "F" if rng.random() < 0.78 else "M"
    other_sex = "M" if lead_sex == "F" else "F"
    surname = rng.choice(SURNAMES)
    area = postcode(rng)
    lead_age = rng.randrange(22, 51)
    members = [Member(forenames=_pick_name(rng, lead_sex, True), surname=surname,
                      date_of_birth=_birth_date(rng, lead_age, on), sex=lead_sex,
                      relationship_to_lead="lead_adult", resident=True, postcode=area)]
    slots = size - 1
    has_partner = slots >= 2 and rng.random() < 0.4
    has_non_resident = slots >= 2 and not has_partner and rng.random() < 0.3
    if has_partner:
        members.append(Member(forenames=_pick_name(rng, other_sex, True),
                              surname=surname if rng.random() < 0.6 else rng.choice(SURNAMES),
                              date_of_birth=_birth_date(rng, max(20, lead_age + rng.randrange(-4, 7)), on),
                              sex=other_sex, relationship_to_lead="partner", resident=True, postcode=area))
        slots -= 1
    other_surname = rng.choice(SURNAMES)
    if has_non_resident:
        members.append(Member(forenames=_pick_name(rng, other_sex, True), surname=other_surname,
                              date_of_birth=_birth_date(rng, max(20, lead_age + rng.randrange(-3, 8)), on),
                              sex=other_sex, relationship_to_lead="non_resident_parent", resident=False,
                              postcode=postcode(rng)))
        slots -= 1
    oldest_possible = max(0, min(17, lead_age - 17))
    for _ in range(slots):
        sex = rng.choice("FM")
        age = rng.randrange(0, oldest_possible + 1)
        stepchild = has_partner and rng.random() < 0.15
        members.append(Member(forenames=_pick_name(rng, sex, False),
                              surname=other_surname if has_non_resident and rng.random() < 0.4 else surname,
                              date_of_birth=_birth_date(rng, age, on), sex=sex,
                              relationship_to_lead="stepchild" if stepchild else "child", resident=True,
                              postcode=area))
    for member in members:
        _add_identifiers(rng, member, on, serials)
    return members


def _add_identifiers(rng: random.Random, member: Member, on: date, serials: list[int]) -> None:
    age = people.age_on(member.date_of_birth, on)
    if 4 <= age <= 17 and rng.random() < 0.85:
        serials[0] += 1
        member.upn = upn(rng, serials[0], min(member.date_of_birth.year + 5, on.year))
    if rng.random() < 0.75:
        member.nhs_number = nhs_number(rng)
    if age >= 16 and rng.random() < 0.8:
        member.ni_number = ni_number(rng)
    if member.relationship_to_lead != "non_resident_parent" and rng.random() < 0.35:
        member.case_reference = f"LCS-{rng.randrange(100000, 999999)}"


def _candidates(who: str, members: list[Member], on: date) -> list[Member]:
    def age(m: Member) -> int:
        return people.age_on(m.date_of_birth, on)

    tests = {
        "child": lambda m: age(m) < 18,
        "school": lambda m: 5 <= age(m) <= 15,
        "youth": lambda m: 10 <= age(m) <= 17,
        "teen": lambda m: 16 <= age(m) <= 17,
        "young_adult": lambda m: 16 <= age(m) <= 24,
        "adult": lambda m: age(m) >= 18,
        "lead": lambda m: m.relationship_to_lead == "lead_adult",
        "older_child_or_adult": lambda m: age(m) >= 12,
        "any10": lambda m: age(m) >= 10,
        "any": lambda m: True,
    }
    return [m for m in members if tests[who](m)]


def _choose_problems(
    rng: random.Random, members: list[Member], version: PlanVersion, on: date, who: dict[str, str],
    problem_codes: dict[int, str],
) -> list[tuple[Descriptor, Member]]:
    """Two to four (descriptor, member) pairs over at least two distinct headline problems, or [] if impossible."""
    by_problem: dict[str, list[Descriptor]] = {}
    for descriptor in version.descriptors:
        by_problem.setdefault(problem_codes[descriptor.problem_id], []).append(descriptor)
    for _attempt in range(20):
        wanted = rng.choice([2, 2, 3, 3, 3, 4])
        codes = list(PROBLEM_WEIGHTS)
        order = sorted(codes, key=lambda c: rng.random() ** (1 / PROBLEM_WEIGHTS[c]), reverse=True)
        chosen: list[tuple[Descriptor, Member]] = []
        non_resident_used = False
        for code in order:
            if len(chosen) >= wanted:
                break
            descriptors = sorted(by_problem[code], reverse=True,
                                 key=lambda d: rng.random() ** (1 / DESCRIPTOR_WEIGHTS.get(d.code, 1)))
            for descriptor in descriptors:
                people = [m for m in _candidates(who[descriptor.code], members, on)
                          if m.resident or (descriptor.code in NON_RESIDENT_DESCRIPTORS and not non_resident_used)]
                people = [m for m in people if (descriptor, m) not in chosen]
                if not people:
                    continue
                member = rng.choice(people)
                chosen.append((descriptor, member))
                non_resident_used = non_resident_used or not member.resident
                # Now and then a second child under the same problem (two children missing school, say).
                if len(chosen) < wanted and rng.random() < 0.2:
                    others = [m for m in people if m is not member and m.resident]
                    if others:
                        chosen.append((descriptor, rng.choice(others)))
                break
        if rules.eligible_problem_count((d.problem_id, not m.resident) for d, m in chosen) >= 2:
            return chosen
    return []


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _seed_families(
    rng: random.Random, count: int, versions: tuple[PlanVersion, PlanVersion], result: SeedResult,
    manager: User,
) -> None:
    who = {code: w for rows in DESCRIPTORS.values() for code, _t, _s, w in rows}
    problem_codes = {p.id: p.code for p in get_framework_by_code(FRAMEWORK_CODE).problems}
    today = clock.today()
    serials = [0]
    number = 100
    for start in range(0, count, BATCH):
        planned = []
        for _ in range(min(BATCH, count - start)):
            number += rng.randrange(1, 4)
            practitioner, team = rng.choice(PRACTITIONERS)
            roll = rng.random()
            state = "not_attached" if roll < 0.15 else "closed" if roll < 0.40 else "open"
            if state == "not_attached":
                on = _random_date(rng, date(2020, 6, 1), date(2021, 3, 31))
            elif state == "open":
                # Open cases lean towards later attachments; closed cases span the whole period.
                span = (LAST_ATTACHMENT - FIRST_ATTACHMENT).days
                on = FIRST_ATTACHMENT + timedelta(days=int(span * rng.random() ** 0.6))
            else:
                on = _random_date(rng, FIRST_ATTACHMENT, LAST_ATTACHMENT)
            family = Family(reference=f"{REFERENCE_PREFIX}{number:06d}", lead_practitioner=practitioner, team=team,
                            notes="")
            family.members = _make_members(rng, rng.choice([2, 3, 3, 4, 4, 4, 5, 5, 6]), on, serials)
            db.session.add(family)
            planned.append((family, state, on))
        db.session.flush()
        result.families += len(planned)
        result.members += sum(len(f.members) for f, _s, _o in planned)

        attached: list[tuple[Family, Attachment]] = []
        for family, state, on in planned:
            _add_consents(rng, family, on)
            if state == "not_attached":
                continue
            version = versions[1] if on >= VERSION_2_FROM else versions[0]
            chosen = _choose_problems(rng, family.members, version, on, who, problem_codes)
            if not chosen:
                continue
            attachment = Attachment(family_id=family.id, plan_version_id=version.id, attached_on=on)
            if state == "closed":
                reason = _weighted(rng, CLOSURE_WEIGHTS)
                attachment.closed_on = min(today, on + timedelta(days=rng.randrange(120, 720)))
                attachment.closure_reason = reason
                attachment.closure_note = CLOSURE_NOTES[reason]
            for descriptor, member in chosen:
                attachment.problems.append(_problem(family, descriptor, member,
                                                    on - timedelta(days=rng.randrange(0, 91)), False))
            late = _late_problem(rng, family, attachment, version, chosen, who, today)
            if late is not None:
                attachment.problems.append(late)
            db.session.add(attachment)
            attached.append((family, attachment))
            result.attachments += 1
            result.problems += len(attachment.problems)
        db.session.flush()
        for family, attachment in attached:
            _record_attachment_events(family, attachment)
            result.progress_records += _seed_progress(rng, family, attachment, manager, today)
        db.session.flush()


def _problem(family: Family, descriptor: Descriptor, member: Member, evidence_date: date,
             after: bool) -> IdentifiedProblem:
    return IdentifiedProblem(
        family_id=family.id,
        problem_id=descriptor.problem_id,
        descriptor_id=descriptor.id,
        member_id=member.id,
        evidence_source=descriptor.evidence_source,
        evidence_date=evidence_date,
        identified_after_attachment=after,
    )


def _late_problem(
    rng: random.Random, family: Family, attachment: Attachment, version: PlanVersion,
    chosen: list[tuple[Descriptor, Member]], who: dict[str, str], today: date,
) -> IdentifiedProblem | None:
    """Now and then a problem comes to light after attachment (it must then be resolved too)."""
    if rng.random() >= 0.1:
        return None
    end = min(attachment.closed_on or today, attachment.attached_on + timedelta(days=240))
    if end <= attachment.attached_on + timedelta(days=14):
        return None
    found = _random_date(rng, attachment.attached_on + timedelta(days=14), end)
    descriptors = version.descriptors[:]
    rng.shuffle(descriptors)
    taken = {(d.id, m.id) for d, m in chosen}
    for descriptor in descriptors:
        people = [m for m in _candidates(who[descriptor.code], family.members, found)
                  if m.resident and (descriptor.id, m.id) not in taken]
        if people:
            return _problem(family, descriptor, rng.choice(people), found, True)
    return None


def _add_consents(rng: random.Random, family: Family, on: date) -> None:
    basis = rng.choices(list(LAWFUL_BASES), weights=[3, 6, 2, 0])[0]
    for member in family.members:
        if not people.is_adult_on(member.date_of_birth, on):
            continue
        if not member.resident and rng.random() < 0.6:
            continue  # non-resident parents are often not asked
        asked_on = on - timedelta(days=rng.randrange(1, 21))
        roll = rng.random()
        if roll < 0.06:
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="refused", recorded_on=asked_on,
                                   lawful_basis=basis, note="Declined to share information with partners."))
            continue
        db.session.add(Consent(member_id=member.id, family_id=family.id, status="given", recorded_on=asked_on,
                               lawful_basis=basis, note=""))
        withdrawn_on = asked_on + timedelta(days=rng.randrange(60, 400))
        if roll > 0.96 and withdrawn_on <= clock.today():
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="withdrawn",
                                   recorded_on=withdrawn_on, lawful_basis=basis,
                                   note="Withdrew consent by telephone to the lead practitioner."))


def _record_attachment_events(family: Family, attachment: Attachment) -> None:
    count = len({p.problem_id for p in attachment.problems if not p.identified_after_attachment})
    record(db.session, "family_attached", "attachment", attachment.id,
           f"Attached on {long_date(attachment.attached_on)} with {len(attachment.problems)} problems "
           f"across {count} headline problems", family_id=family.id)
    if attachment.closed_on:
        record(db.session, "attachment_closed", "attachment", attachment.id,
               f"Attachment closed on {long_date(attachment.closed_on)}", family_id=family.id)


# ---------------------------------------------------------------- progress


def _term_ends(start: date, end: date) -> list[tuple[str, date, date]]:
    """School terms (label, first day, last day) ending between two dates."""
    terms = []
    for year in range(start.year - 1, end.year + 1):
        for label, first, last in (
            (f"Autumn term {year}", date(year, 9, 3), date(year, 12, 19)),
            (f"Spring term {year + 1}", date(year + 1, 1, 5), date(year + 1, 3, 31)),
            (f"Summer term {year + 1}", date(year + 1, 4, 17), date(year + 1, 7, 21)),
        ):
            if start < last <= end:
                terms.append((label, first, last))
    return sorted(terms, key=lambda t: t[2])


def _seed_progress(rng: random.Random, family: Family, attachment: Attachment, manager: User, today: date) -> int:
    """What happened next: a family on a good, mixed or poor path, in the records each problem is judged by.
    Returns how many records it added."""
    added = []
    on = attachment.attached_on
    path = rng.choices(["good", "mixed", "poor"], weights=[55, 25, 20])[0]
    good = {"good": 0.92, "mixed": 0.6, "poor": 0.25}[path]
    codes = {p.problem.code: p for p in attachment.problems}
    horizon = min(today, on + timedelta(days=900))

    def add(record):
        record.family_id = family.id
        db.session.add(record)
        added.append(record)

    def day_between(start: date, end: date) -> date:
        return _random_date(rng, start, max(start, end))

    children = [m for m in family.members if m.resident and 5 <= m.age_on(on) <= 15]
    if "school" in codes:
        for child in children:
            level = rng.uniform(72, 86)
            for label, first, last in _term_ends(on - timedelta(days=120), horizon):
                if last > on:
                    level = rng.uniform(90.5, 99) if rng.random() < good else rng.uniform(78, 89.5)
                add(Measure(member_id=child.id, kind="attendance", period_label=label, period_start=first,
                            period_end=last, value=round(level, 1), source="school_census"))
    if "crime_asb" in codes:
        member = codes["crime_asb"].member
        for _ in range(rng.randrange(2, 6)):
            add(Event(member_id=member.id, kind=rng.choice(["asb", "asb", "offence"]), source="police",
                      occurred_on=day_between(on - timedelta(days=170), on)))
        for _ in range(rng.choices([0, 1, 3], weights=[good, 0.2, 1 - good])[0]):
            add(Event(member_id=member.id, kind="asb", source="police",
                      occurred_on=day_between(on + timedelta(days=1), horizon)))
    if "domestic_abuse" in codes:
        member = codes["domestic_abuse"].member
        add(Event(member_id=member.id, kind="domestic_abuse", source="police",
                  occurred_on=day_between(on - timedelta(days=90), on)))
        if rng.random() > good:
            add(Event(member_id=member.id, kind="domestic_abuse", source="police",
                      occurred_on=day_between(on + timedelta(days=20), on + timedelta(days=200))))
    if "children_need_help" in codes:
        member = codes["children_need_help"].member
        kind = rng.choice(["child_in_need", "child_protection"])
        started = on - timedelta(days=rng.randrange(30, 300))
        ended = on + timedelta(days=rng.randrange(30, 300)) if rng.random() < good + 0.05 else None
        ended = ended if ended and ended <= today else None
        add(StatusEpisode(member_id=member.id, kind=kind, started_on=started, ended_on=ended,
                          end_reason="stepped_down" if ended else None))
        if ended and rng.random() > good + 0.05:
            again = ended + timedelta(days=rng.randrange(20, 170))
            if again <= today:
                add(StatusEpisode(member_id=member.id, kind="child_in_need", started_on=again, ended_on=None))
    adults = [m for m in family.members if m.resident and m.age_on(on) >= 18]
    if "worklessness" in codes and adults:
        adult = codes["worklessness"].member if codes["worklessness"].member in adults else adults[0]
        if rng.random() < good * 0.7:
            start = on + timedelta(days=rng.randrange(14, 240))
            length = rng.choice([60, 120, 200, 400, None])
            end = start + timedelta(days=length) if length else None
            if start <= today:
                add(EmploymentSpell(member_id=adult.id, started_on=start,
                                    ended_on=end if end and end <= today else None,
                                    hours_per_week=rng.choice([16, 20, 25, 30, 37.5]),
                                    prior_benefit=rng.choice(["JSA", "JSA", "ESA", "IS", "UC"]),
                                    employer=rng.choice(["Brackenshire Foods", "Tillbury Care", "Northgate Retail"])))
    for code in ("health", "worklessness"):
        if code not in codes or rng.random() > good:
            continue
        since = on + timedelta(days=rng.randrange(60, 300))
        decided = since + timedelta(days=rng.randrange(10, 60))
        evidence = ManualEvidence(
            attachment_id=attachment.id, problem_id=codes[code].problem_id, progress_from=since,
            statement=MANUAL_STATEMENTS[code], recorded_by_id=manager.id,
        )
        if decided <= today and rng.random() < 0.8:
            evidence.status = "accepted"
            evidence.decided_by_id = manager.id
            evidence.decided_on = decided
            evidence.decided_at = datetime(decided.year, decided.month, decided.day, 12, 0, tzinfo=UTC)
            evidence.decision_reason = "Evidence seen in the case file and confirmed with the family."
        add(evidence)
    return len(added)


MANUAL_STATEMENTS = {
    "health": "Engaged with the community mental health team and sustaining treatment; GP confirms attendance.",
    "worklessness": "Completed the work-readiness course and volunteering weekly; adviser reports steady progress.",
}
