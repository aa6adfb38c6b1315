"""Demo data: a believable fictional council, Brackenshire County Council, as it stands on 20 November 2024.

The demo lives on a fixed day, ``DEMO_TODAY``, inside the programme's own time: payment by results ran to March 2025,
and on 20 November 2024 the Supporting Families 2022-25 framework is the live one, in the third quarter of 2024-25.
``seed()`` builds the council as of that day whatever the real date (the app's clock reads ``DEMO_TODAY`` while it
runs), and the app shows it as its users would see it when served with ``TFCLAIMS_TODAY=2024-11-20`` (``make run``
sets it).

It creates one user per role and two phases of work:

- **the 2015-21 history**: the "Brackenshire Troubled Families outcomes plan" (two versions, so attachments either
  side of 1 April 2018 are judged under different versions), families attached from June 2015 to December 2020 and
  every case closed by 31 March 2021, when the programme ended (cases still open then were stepped down to early
  help), and a claim in every quarter from 2016-17 Q1 to 2020-21 Q4, audited, signed off, submitted and reconciled;
- **the live 2022-25 work**: the "Brackenshire Supporting Families outcomes plan" (version 1 in force from
  1 October 2022, with descriptors for the ten headline outcomes and their success criteria), families attached from
  October 2022 to the demo day (a few of them known from 2015-21, attached afresh), cases closed with outcomes
  achieved, successful family outcomes claimed in the claim windows of 2023-24 and 2024-25 (the finished quarters;
  the 2024-25 Q2 claim is submitted and awaits the department's verdict), an allocation for each phase, the 2024-25
  target, and early-help indicators for the monthly scorecard to October 2024.

The 2022-25 data obeys the framework's rules: at least three needs in a family with dependent children or an
expectant parent; each descriptor used only for a member who fits who it applies to; a manager's sign-off of
practitioner evidence dated on or after the case closed; continuous employment only from a spell that began after
attachment, of an adult who was on an out-of-work benefit and not in work at attachment; each child with the school
need's attendance recorded every term; plans that ended by a step-down or a closure (and a few because the family
moved away, which is not progress). Everything is invented: names are common British names put together at random,
postcodes are in a made-up "BR" area, NHS numbers are in the 999 range that NHS England keeps for testing.

The data is the same on every run (seeded generators, and the demo day instead of today), and a second run adds
nothing. ``seed`` only adds and flushes; the command that calls it commits (``flask tfclaims seed-demo``, refused in
production).
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from tfclaims import people
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

# The day the demo lives on: inside Supporting Families 2022-25 (1 October 2022 to 31 March 2025), in 2024-25 Q3.
# The Makefile's `run` target serves the app with TFCLAIMS_TODAY set to it (a test checks the two agree).
DEMO_TODAY = date(2024, 11, 20)

COUNCIL = "Brackenshire County Council"
DOMAIN = "brackenshire.example"
PASSWORD = "demo-password-2026"
# The live plan (2022-25) and the history's plan (2015-21).
PLAN_NAME = "Brackenshire Supporting Families outcomes plan"
HISTORY_PLAN_NAME = "Brackenshire Troubled Families outcomes plan"
HISTORY_FRAMEWORK = "TF2015"
LIVE_FRAMEWORK = "SF2022"
REFERENCE_PREFIX = "BRK-"
VERSION_2_FROM = date(2018, 4, 1)
LIVE_VERSION_FROM = date(2022, 10, 1)
# The ends of the two phases, as the reference frameworks have them (migration 0002).
HISTORY_ENDS_ON = date(2021, 3, 31)
LIVE_ENDS_ON = date(2025, 3, 31)

# One user per role: (role, email local part, name).
USERS = [
    (Role.COORDINATOR, "coordinator", "Priya Whitfield"),
    (Role.PRACTITIONER, "practitioner", "Sophie Harland"),
    (Role.CLAIMS_OFFICER, "claims-officer", "Gareth Moss"),
    (Role.AUDITOR, "auditor", "Helen Achebe"),
    (Role.MANAGER, "manager", "Dominic Farrow"),
    (Role.ADMINISTRATOR, "administrator", "Joanne Pryce"),
]

SIGN_IN_HELP = "\n".join(
    [
        f"Demo sign-in for {COUNCIL} (fictional data), password for every account: {PASSWORD}",
        *(f"  {role.label:<24} {local}@{DOMAIN}" for role, local, _ in USERS),
    ]
)

DEMO_DAY_HELP = (
    f"The demo council lives on {long_date(DEMO_TODAY)}, inside Supporting Families 2022-25: serve it with "
    f"TFCLAIMS_TODAY={DEMO_TODAY.isoformat()} (`make run` sets it)."
)

# ---------------------------------------------------------------- the 2015-21 outcomes plan

# Per headline problem code: (descriptor code, wording, evidence source, who it concerns).
# "Who" is one of: child (0-17), school (5-15), youth (10-17), young_adult (16-24), teen (16-17), adult (18+),
# lead (the lead adult), older_child_or_adult (12+), any10 (10+), any.
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
# Who each 2015-21 descriptor applies to (``Descriptor.applies_to``), from who it concerns.
HISTORY_APPLIES_TO = {"child": "child", "youth": "child", "teen": "child", "school": "school_age", "adult": "adult"}

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

# ---------------------------------------------------------------- the 2022-25 outcomes plan

# Per headline outcome code: (descriptor code, wording, evidence source, who it applies to, whom it is used for).
# ``applies_to`` is the plan's rule (``Descriptor.applies_to``); the last column narrows the demo's choice within it
# (a pupil young enough to stay at school for the demo's two years, a child under five, an expectant parent...).
LIVE_DESCRIPTORS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "education": [
        ("EDU1", "A child persistently absent: missing 10% or more of school sessions across the last three terms",
         "school", "school_age", "pupil"),
        ("EDU2", "A child with suspensions from school in the last three terms, or at risk of permanent exclusion",
         "school", "school_age", "pupil"),
        ("EDU3", "A child in alternative provision, or not receiving a suitable full-time education", "school",
         "school_age", "pupil"),
    ],
    "early_years": [
        ("EY1", "A child under five whose development, including speech and language, gives cause for concern",
         "health", "child", "under_five"),
        ("EY2", "An expectant or new parent who needs support with the baby's care or their own wellbeing",
         "health", "any", "parent_to_be"),
    ],
    "health": [
        ("MH1", "An adult with a mental health problem that affects the family's daily life", "health", "adult",
         "adult"),
        ("MH2", "A child with a mental health need known to child and adolescent mental health services (CAMHS) or "
                "raised by the school", "health", "child", "child_over_five"),
        ("MH3", "A family member with a long-term physical health problem or disability that affects daily life",
         "health", "any", "anyone"),
    ],
    "substance_use": [
        ("SU1", "An adult whose drug or alcohol use affects the family", "health", "adult", "adult"),
        ("SU2", "A young person misusing drugs or alcohol", "practitioner", "child", "over_twelve"),
    ],
    "relationships": [
        ("FR1", "Conflict between parents, together or apart, that harms the children", "practitioner", "any",
         "adult"),
        ("FR2", "A child whose violent or harmful behaviour at home affects the family", "practitioner", "child",
         "over_ten"),
        ("FR3", "A young carer, or a parent who needs help with parenting", "practitioner", "any", "anyone"),
    ],
    "safe_from_abuse": [
        ("SA1", "A child in need under section 17 of the Children Act 1989", "social_care", "child", "child"),
        ("SA2", "A child subject to a child protection plan, or to an enquiry under section 47 of the Children Act "
                "1989 in the last 12 months", "social_care", "child", "child"),
        ("SA3", "A child at risk of criminal or sexual exploitation, or going missing from home", "social_care",
         "child", "over_ten"),
    ],
    "crime": [
        ("CR1", "A child with a proven offence or anti-social behaviour in the last 12 months", "youth_justice",
         "child", "over_ten"),
        ("CR2", "An adult with an offence, or an anti-social behaviour intervention, in the last 12 months",
         "police", "adult", "adult"),
    ],
    "domestic_abuse": [
        ("DA1", "A victim or perpetrator of domestic abuse, including a police call-out in the last 12 months",
         "police", "any", "adult"),
        ("DA2", "A child affected by domestic abuse in the household, known to the school or children's social care",
         "practitioner", "child", "child"),
    ],
    "housing": [
        ("HO1", "A family at risk of losing their home: rent arrears, a notice seeking possession, or in temporary "
                "accommodation", "housing", "any", "lead"),
        ("HO2", "A family in overcrowded or unsuitable housing that affects the children", "housing", "any", "lead"),
    ],
    "financial": [
        ("FS1", "An adult on an out-of-work benefit, including Universal Credit claimants with earnings below the "
                "administrative earnings threshold", "dwp", "adult", "adult"),
        ("FS2", "An adult with problem debt, or at risk of financial exclusion", "practitioner", "adult", "adult"),
        ("FS3", "A young adult aged 18 to 24 not in education, employment or training, claiming Universal Credit",
         "dwp", "adult", "young_adult"),
    ],
}
# How often each headline outcome is found, roughly as in the national Supporting Families data.
LIVE_OUTCOME_WEIGHTS = {
    "education": 6, "health": 7, "financial": 6, "relationships": 5, "domestic_abuse": 4, "safe_from_abuse": 4,
    "housing": 4, "crime": 3, "substance_use": 3, "early_years": 3,
}
# A non-resident parent may concern only these descriptors (and at most one need per family).
LIVE_NON_RESIDENT_DESCRIPTORS = {"DA1", "SU1", "CR2", "FR1"}
# The descriptor the demo judges by continuous employment; the other financial descriptors by practitioner evidence.
EMPLOYMENT_DESCRIPTOR = "FS1"
# The statements a lead practitioner records for the needs judged by practitioner evidence.
LIVE_STATEMENTS = {
    "early_years": "Attending the children's centre weekly; the health visitor confirms the development checks are "
                   "back on track.",
    "health": "Engaged with the community mental health team and sustaining treatment; the GP confirms attendance.",
    "substance_use": "Completed the structured treatment programme with the drug and alcohol service; tests clear.",
    "relationships": "Completed the parenting and reducing parental conflict programmes; arrangements for the "
                     "children agreed and kept.",
    "housing": "Tenancy sustained: arrears cleared under the agreed repayment plan and the notice withdrawn.",
    "financial": "Debts consolidated with the money adviser's help; the budget plan kept for three months.",
}
LIVE_SIGN_OFF = "Closing review: progress confirmed with the family and the partners, and still in place."
LIVE_DECLINED = "The case closed before the progress could be shown to last: not enough to sign off."

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
# Cases still open when Troubled Families 2015-21 ended were closed that day and stepped down to early help.
PROGRAMME_END_NOTE = (
    "Troubled Families 2015-21 ended on 31 March 2021: case closed and stepped down to the council's early help "
    "service."
)

FIRST_ATTACHMENT = date(2015, 6, 1)
LAST_ATTACHMENT = date(2020, 12, 31)
# The 2022-25 attachments: from the framework's first week to a few days before the demo day.
LIVE_FIRST_ATTACHMENT = date(2022, 10, 3)
LIVE_LAST_ATTACHMENT = DEMO_TODAY - timedelta(days=4)
# Of the families asked for, this share is the 2015-21 history; the rest are new to the programme since 2022.
HISTORY_SHARE = 0.6
# Of the live families, this share is on the register, referred in the last weeks, and not attached yet.
NOT_ATTACHED_SHARE = 0.1
# And this share was attached in the framework's first month, as the council moved across the early help cases it
# was already working with: on the good path, their needs show progress and their cases close sooner (``LAUNCH_PACE``
# times the usual time), so the first successful family outcomes fall due in 2023-24 Q1.
LAUNCH_SHARE = 0.1
LAUNCH_ENDS_ON = date(2022, 10, 31)
LAUNCH_PACE = 0.4
# The shortest case that closes with outcomes achieved, in days.
SHORTEST_CASE = 120
# Of the 2015-21 families with a child still under 18, about this share is attached again under 2022-25.
RETURNING_SHARE = 0.1
# How the live families fare: a good path, a setback on the way, or little progress.
LIVE_PATHS = {"good": 58, "mixed": 24, "poor": 18}
BATCH = 100


@dataclass
class SeedResult:
    users: int = 0
    plan_versions: int = 0
    families: int = 0
    members: int = 0
    attachments: int = 0
    live_attachments: int = 0  # of which under Supporting Families 2022-25
    returning: int = 0  # 2015-21 families attached again under 2022-25
    problems: int = 0
    progress_records: int = 0
    claim_windows: int = 0
    allocations: int = 0
    # The claims history: past quarterly claims, taken through audit, submission and the department's verdict.
    history_windows: int = 0
    claims: int = 0
    lines_claimed: int = 0
    results_accepted: int = 0
    rejections: int = 0
    # The same for the live phase (2023-24 and 2024-25, to the demo day).
    live_claims: int = 0
    live_lines: int = 0
    live_accepted: int = 0
    live_rejections: int = 0
    live_awaiting: int = 0  # lines of claims submitted whose verdict is not in yet
    targets: int = 0
    indicators: int = 0
    pathway_records: int = 0  # early-help requests and the records of their work
    already_loaded: bool = False
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.already_loaded:
            head = f"The {COUNCIL} demo data is already loaded: nothing added."
        else:
            head = (
                f"Loaded demo data for {COUNCIL} as it stands on {long_date(DEMO_TODAY)}: {self.users} users, "
                f"{self.plan_versions} published outcomes plan versions, {self.families} families with "
                f"{self.members} members, {self.attachments} attachments ({self.attachments - self.live_attachments} "
                f"under Troubled Families 2015-21, {self.live_attachments} under Supporting Families 2022-25, "
                f"{self.returning} of them families known from 2015-21) and {self.problems} identified problems, and "
                f"{self.progress_records} records of their progress; {self.pathway_records} records of the early-help "
                f"pathway."
            )
            if self.history_windows:
                head += (
                    f"\nClaims history 2015-21: {self.claims} quarterly claims in {self.history_windows} claim "
                    f"windows ({HISTORY_FIRST_LABEL} to {HISTORY_LAST_LABEL}), {self.lines_claimed} families claimed, "
                    f"{self.results_accepted} results accepted and {self.rejections} rejected by the department."
                )
            if self.live_claims:
                head += (
                    f"\nClaims 2022-25: {self.live_claims} quarterly claims of successful family outcomes to "
                    f"{long_date(DEMO_TODAY)}, {self.live_lines} families claimed, {self.live_accepted} accepted, "
                    f"{self.live_rejections} rejected and {self.live_awaiting} awaiting the department's verdict."
                )
        return "\n".join([head, *self.notes, "", DEMO_DAY_HELP, "", SIGN_IN_HELP])


# ---------------------------------------------------------------- the early-help pathway


PATHWAY_SOURCES = {"school": 30, "health": 15, "police": 12, "front_door": 15, "family": 10, "housing": 6,
                   "social_care": 6, "voluntary": 6}
PATHWAY_ON_TIME = 0.85  # the share of each timescale met; the rest late
PATHWAY_DRIFTING = 0.15  # open episodes whose visits, reviews or supervision have slipped by the demo day
PATHWAY_CLOSURE = {"outcomes_achieved": "outcomes_met", "stepped_down": "outcomes_met", "stepped_up": "stepped_up",
                   "disengaged": "declined", "moved_away": "moved_away", "not_eligible": "other", "other": "other"}
PATHWAY_AGENCIES = ["school", "health", "police", "housing", "dwp", "mental_health", "voluntary", "domestic_abuse"]


def _seed_pathway(rng: random.Random, users: dict[Role, User], result: SeedResult) -> None:
    """Each 2022-25 family's early-help episode, from the request a few weeks before attachment to its closure:
    allocation, visits, the assessment, the plan, the team around the family and its reviews, supervision. Most
    timescales are met, some late; some open episodes have slipped by the demo day, so the lists of what is overdue
    have something to show. Families referred in the last weeks and not attached yet have a request waiting for a
    decision or allocation; a few closed families came back with a second request within the year."""
    from tfclaims.pathway import rules as pathway_rules
    from tfclaims.pathway.models import (
        AssessedMember,
        Assessment,
        CaseAllocation,
        Contact,
        ContactMember,
        FamilyPlan,
        HelpRequest,
        OutcomeArea,
        OutcomeScore,
        Supervision,
        TafMeeting,
    )

    areas = list(db.session.scalars(select(OutcomeArea).where(OutcomeArea.active.is_(True))))
    practitioners = {u.name: u for u in db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.PRACTITIONER.value))}
    manager = users[Role.MANAGER]
    live = db.session.scalars(
        select(Attachment).where(Attachment.attached_on >= LIVE_FIRST_ATTACHMENT).order_by(Attachment.id)).all()
    waiting = db.session.scalars(
        select(Family).where(~Family.attachments.any(), Family.reference.startswith(REFERENCE_PREFIX))
        .order_by(Family.id)).all()

    def working(day: date, days: int) -> date:
        return pathway_rules.add_days(day, days, True)

    def moment(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(8 * 60 + 30, 17 * 60, 5))

    def on_time() -> bool:
        return rng.random() < PATHWAY_ON_TIME

    added = 0
    for attachment in live:
        family = attachment.family
        end = min(attachment.closed_on or DEMO_TODAY, DEMO_TODAY)
        received_on = attachment.attached_on - timedelta(days=rng.randrange(7, 29))
        received_at = moment(received_on)
        request = HelpRequest(family_id=family.id, received_at=received_at, source=_weighted(rng, PATHWAY_SOURCES),
                              reason="Concerns about school attendance and the family's wellbeing",
                              decision=_weighted(rng, {"early_help": 85, "partner_taf": 10, "step_down": 5}),
                              decided_on=received_on)
        practitioner = practitioners.get(family.lead_practitioner) or rng.choice(list(practitioners.values()))
        allocated_at = received_at + timedelta(hours=rng.randrange(2, 44) if on_time() else rng.randrange(80, 200))
        request.allocations = [CaseAllocation(family_id=family.id, practitioner=practitioner,
                                              team=family.team or "Early help hub", allocated_at=allocated_at)]
        db.session.add(request)
        db.session.flush()
        drifting = attachment.closed_on is None and rng.random() < PATHWAY_DRIFTING
        resident = [m for m in family.members if m.resident]
        records = []
        first_visit = working(received_on, rng.randrange(1, 6) if on_time() else rng.randrange(6, 12))
        first_visit = max(first_visit, allocated_at.date())
        visit = first_visit
        while visit <= end:
            contact = Contact(request_id=request.id, family_id=family.id, occurred_on=visit,
                              kind=rng.choice(["home_visit"] * 4 + ["school_visit", "office"]),
                              child_seen_alone=rng.random() < 0.4)
            contact.seen = [ContactMember(member_id=m.id, family_id=family.id)
                            for m in rng.sample(resident, k=min(len(resident), rng.randrange(1, 4)))]
            records.append(contact)
            gap = rng.randrange(6, 11) if on_time() else rng.randrange(11, 16)
            visit = working(visit, gap)
            if drifting and visit > DEMO_TODAY - timedelta(days=40):
                break
        completed = working(allocated_at.date(), rng.randrange(10, 21) if on_time() else rng.randrange(21, 30))
        stalled = drifting and attachment.attached_on >= DEMO_TODAY - timedelta(days=90)  # assessment not finished
        assessment = Assessment(request_id=request.id, family_id=family.id, started_on=first_visit,
                                completed_on=completed if completed <= end and not stalled else None)
        assessment.assessed = [AssessedMember(member_id=m.id, family_id=family.id) for m in resident]
        records.append(assessment)
        if assessment.completed_on:
            opened = completed + timedelta(days=rng.randrange(0, 4))
            if opened <= end:
                copy = opened + timedelta(days=rng.randrange(0, 6))
                records.append(FamilyPlan(request_id=request.id, family_id=family.id, opened_on=opened,
                                          copy_given_on=copy if copy <= end else None))
            meeting = working(completed, rng.randrange(2, 11) if on_time() else rng.randrange(11, 20))
            kind = "initial"
            while meeting <= end:
                records.append(TafMeeting(request_id=request.id, family_id=family.id, held_on=meeting, kind=kind,
                                          agencies=",".join(sorted(rng.sample(PATHWAY_AGENCIES, k=rng.randrange(1, 4)),
                                                                   key=PATHWAY_AGENCIES.index))))
                kind = "review"
                meeting += timedelta(days=rng.randrange(30, 43) if on_time() else rng.randrange(43, 60))
                if drifting and meeting > DEMO_TODAY - timedelta(days=50):
                    break
        supervised = allocated_at.date() + timedelta(days=rng.randrange(20, 31))
        while supervised <= end:
            records.append(Supervision(request_id=request.id, family_id=family.id, held_on=supervised,
                                       kind="individual" if rng.random() < 0.8 else "group", supervisor_id=manager.id,
                                       note="Plan reviewed; actions agreed with the lead practitioner."))
            supervised += timedelta(days=rng.randrange(24, 31) if not drifting else rng.randrange(30, 50))
            if drifting and supervised > DEMO_TODAY - timedelta(days=45):
                break
        # The lead adult's outcome scores: at the assessment, and at the latest review or closure (distance
        # travelled: most improve, a few stand still or slip back).
        lead = next((m for m in family.members if m.relationship_to_lead == "lead_adult"), None)
        later = [r.held_on for r in records if isinstance(r, TafMeeting) and r.kind == "review"]
        if attachment.closed_on and attachment.closed_on <= DEMO_TODAY:
            later.append(max(attachment.closed_on, max(later, default=first_visit)))
        if lead is not None and areas:
            start = {area.id: rng.randrange(2, 7) for area in areas}
            for area in areas:
                records.append(OutcomeScore(request_id=request.id, family_id=family.id, member_id=lead.id,
                                            area_id=area.id, occasion="assessment", scored_on=first_visit,
                                            score=start[area.id]))
            if later:
                step = rng.choice([2, 2, 3, 1, 0, -1]) if not drifting else rng.choice([0, -1, 1])
                for area in areas:
                    records.append(OutcomeScore(
                        request_id=request.id, family_id=family.id, member_id=lead.id, area_id=area.id,
                        occasion="closure" if attachment.closed_on and later[-1] >= attachment.closed_on else "review",
                        scored_on=later[-1], score=max(1, min(10, start[area.id] + step + rng.randrange(-1, 2)))))
        db.session.add_all(records)
        if attachment.closed_on and attachment.closed_on <= DEMO_TODAY:
            latest = max([r.occurred_on for r in records if isinstance(r, Contact)]
                         + [r.scored_on for r in records if isinstance(r, OutcomeScore)]
                         + [r.held_on for r in records if isinstance(r, TafMeeting | Supervision)]
                         + [r.opened_on for r in records if isinstance(r, FamilyPlan)]
                         + [d for d in (assessment.started_on, assessment.completed_on, allocated_at.date()) if d])
            request.closed_on = max(attachment.closed_on, latest)
            request.closure_reason = PATHWAY_CLOSURE.get(attachment.closure_reason or "other", "other")
            request.closure_letter_sent = rng.random() < 0.9
            # A few families come back within the year: a second request, decided as advice and signposting.
            again = request.closed_on + timedelta(days=rng.randrange(30, 300))
            if rng.random() < 0.08 and again <= DEMO_TODAY:
                db.session.add(HelpRequest(family_id=family.id, received_at=moment(again), source="school",
                                           reason="School asking for support again", decision="advice",
                                           decided_on=again))
                added += 1
        added += 1 + len(records)
    for family in waiting:  # referred in the last weeks: a request waiting for a decision, or for allocation
        received_on = DEMO_TODAY - timedelta(days=rng.randrange(1, 12))
        decided = rng.random() < 0.7
        db.session.add(HelpRequest(family_id=family.id, received_at=moment(received_on),
                                   source=_weighted(rng, PATHWAY_SOURCES), reason="Referred by a professional",
                                   decision="early_help" if decided else None,
                                   decided_on=received_on if decided else None))
        added += 1
    db.session.flush()
    result.pathway_records += added


class Plans(NamedTuple):
    history: tuple[PlanVersion, PlanVersion]  # 2015-21, versions 1 and 2
    live: PlanVersion  # 2022-25, version 1


def seed(families: int = 300) -> SeedResult:
    """Create the demo council's users, outcomes plans, families and claims as of ``DEMO_TODAY``, unless they are
    already there. Flushes only."""
    result = SeedResult()
    with _on_demo_day():
        users = _seed_users(result)
        plans = _seed_plans(users[Role.MANAGER], result)
        if plans is None:
            result.already_loaded = not result.users
            return result
        _seed_allocations(result, families)
        _seed_claim_calendar(result)
        if not _demo_families_exist():
            history_count = round(families * HISTORY_SHARE)
            number, serials, history = _seed_families(random.Random(2015), history_count, plans.history, result,
                                                      users[Role.MANAGER])
            if result.attachments:
                _seed_claims_history(users, result)
            _seed_live_families(random.Random(2022), families - history_count, plans.live, history, number,
                                serials, result, users)
            _seed_pathway(random.Random(2016), users, result)
            if result.live_attachments:
                _seed_live_claims(users, result)
            _seed_data_protection(users)
        _seed_target(result)
        _seed_indicators(result)
    if not (result.users or result.plan_versions or result.families or result.claim_windows or result.targets
            or result.indicators or result.allocations):
        result.already_loaded = True
    return result


def _seed_data_protection(users: dict[Role, User]) -> None:
    """A legal hold on one family of the 2015-21 history (a complaint under investigation), and one member's
    details corrected with the reason, so that the retention pages and "Changes to this record" have something
    to show."""
    from tfclaims.families import services as family_services
    from tfclaims.families.services import MEMBER_FIELDS
    from tfclaims.retention import services as retention_services

    families = list(db.session.scalars(select(Family).order_by(Family.reference)))
    closed = next((f for f in families if f.attachments and all(a.closed_on for a in f.attachments)), None)
    if closed is not None:
        retention_services.place_hold(
            closed, "Complaint to the Local Government and Social Care Ombudsman under investigation (ref. 24 001 234)",
            users[Role.MANAGER], DEMO_TODAY - timedelta(days=40),
        )
    corrected = next((m for f in reversed(families) for m in f.members if m.relationship_to_lead == "child"), None)
    if corrected is not None:
        values = {key: getattr(corrected, key) for key in MEMBER_FIELDS}
        values["forenames"] = f"{corrected.forenames} {'Grace' if corrected.sex == 'F' else 'James'}"
        family_services.update_member(
            corrected, correction_reason="Forenames as on the birth certificate; checked with the school", **values
        )


@contextlib.contextmanager
def _on_demo_day():
    """The app's clock reads the demo day while the demo is seeded, whatever today is, so everything the services
    date or check against today (``tfclaims.clock``) is as of ``DEMO_TODAY``. Restored afterwards."""
    from flask import current_app

    config = current_app.config
    before = config.get("TFCLAIMS_TODAY")
    config["TFCLAIMS_TODAY"] = DEMO_TODAY
    try:
        yield
    finally:
        config["TFCLAIMS_TODAY"] = before


# ---------------------------------------------------------------- claims

# The live phase's claim windows: the programme years 2023-24 and 2024-25 (the first successful family outcomes
# were due six months after the first cases closed, in 2023).
LIVE_YEARS = (2023, 2024)
# The allocations: (label, from, to, results for the 300 families of the default demo).
ALLOCATIONS = [
    ("Troubled Families 2015-21 allocation", date(2015, 4, 1), HISTORY_ENDS_ON, 400),
    ("Supporting Families 2022-25 allocation", LIVE_VERSION_FROM, LIVE_ENDS_ON, 120),
]


def _seed_allocations(result: SeedResult, families: int) -> None:
    """The results the council can be paid for in each phase (scaled to the number of families asked for)."""
    from tfclaims.claims import queries as claim_queries
    from tfclaims.claims import services as claim_services

    if claim_queries.list_allocations():
        return
    for label, starts_on, ends_on, results in ALLOCATIONS:
        results = max(results, round(results * families / 300))
        claim_services.save_allocation(None, label=label, starts_on=starts_on, ends_on=ends_on, results=results)
        result.allocations += 1
        result.notes.append(f"Allocation: {label}, {results:,} results.")


def _seed_claim_calendar(result: SeedResult) -> None:
    """The quarterly claim windows of 2023-24 and 2024-25, the live phase's programme years."""
    from tfclaims.claims import rules as claim_rules
    from tfclaims.claims import services as claim_services
    from tfclaims.errors import DomainError

    added = []
    for year in LIVE_YEARS:
        with contextlib.suppress(DomainError):  # every quarter of the year already has a window
            added += claim_services.add_quarter_windows(year)
    result.claim_windows = len(added)
    if added:
        years = " and ".join(claim_rules.financial_year_label(y) for y in LIVE_YEARS)
        result.notes.append(f"Claims: {len(added)} quarterly claim windows for {years}.")


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
LIVE_REJECTION_CHANCE = 1 / 15
LIVE_REJECTION_REASONS = [
    "Spot check: the six-month check after closure was not evidenced for the family's housing.",
    "Spot check: the school attendance for the summer term was missing for one of the children.",
    "Spot check: the family plan did not show how the need for help with parenting was worked on.",
]
# Each live quarter the claims officer leaves about this share of the families found ready for the next claim, while
# the evidence is collated: some are ready to claim on the demo day.
LIVE_HELD_OVER = 0.15


@dataclass(frozen=True)
class _Phase:
    routes: tuple[str, ...]
    prefix: str  # of the department's reference
    rejection_chance: float
    rejection_reasons: list[str]
    held_over: float


HISTORY_PHASE = _Phase(("SSP", "CE"), "TF-PBR", REJECTION_CHANCE, REJECTION_REASONS, 0.0)
LIVE_PHASE = _Phase(("SFO",), "SF-PBR", LIVE_REJECTION_CHANCE, LIVE_REJECTION_REASONS, LIVE_HELD_OVER)


def _at(day: date, days_after: int, hour: int) -> datetime:
    when = day + timedelta(days=days_after)
    return datetime(when.year, when.month, when.day, hour, 0, tzinfo=UTC)


def _windows(labels: list[str]):
    from tfclaims.claims.models import ClaimWindow

    return list(db.session.scalars(
        select(ClaimWindow).where(ClaimWindow.label.in_(labels)).order_by(ClaimWindow.starts_on)
    ))


def _seed_claims_history(users: dict[Role, User], result: SeedResult) -> None:
    """Every quarter's claim window from 2016-17 Q1 to 2020-21 Q4, each with a claim of all the families the
    engine found claimable as of the window's end and no claim held: audited (every sampled family passes), signed
    off, submitted 20 days after the quarter and reconciled, about 1 family in 40 rejected (returned to the
    pipeline; in the programme's last year, when no later claim could be made, marked invalid). The steps' dates
    are those of the quarter, not today's. One engine evaluation per quarter."""
    from tfclaims.claims import rules as claim_rules
    from tfclaims.claims import services as claim_services
    from tfclaims.errors import DomainError

    rng = random.Random(2015)
    labels = []
    for year in HISTORY_YEARS:
        with contextlib.suppress(DomainError):  # raised when every quarter of the year already has a window
            claim_services.add_quarter_windows(year)
        labels += [spec["label"] for spec in claim_rules.quarter_windows(year)]
    windows = _windows(labels)
    result.history_windows = len(windows)
    last_year = claim_rules.financial_year_label(HISTORY_YEARS[-1])
    for window in windows:
        _seed_historic_claim(rng, window, users, result, HISTORY_PHASE,
                             final_year=window.label.startswith(last_year))


def _seed_live_claims(users: dict[Role, User], result: SeedResult) -> None:
    """The live phase's claims: one in each quarter of 2023-24 and 2024-25 that ended before the demo day, of the
    successful family outcomes the engine found as of the window's end (a few left for the next claim). Each step is
    taken only if its day has come by the demo day: the 2024-25 Q2 claim is submitted and awaits the verdict."""
    from tfclaims.claims import rules as claim_rules

    rng = random.Random(2022)
    labels = [spec["label"] for year in LIVE_YEARS for spec in claim_rules.quarter_windows(year)]
    windows = [w for w in _windows(labels) if w.ends_on + timedelta(days=BUILT) <= DEMO_TODAY]
    for window in windows:
        _seed_historic_claim(rng, window, users, result, LIVE_PHASE, final_year=False)


def _seed_historic_claim(rng: random.Random, window, users: dict[Role, User], result: SeedResult, phase: _Phase,
                         final_year: bool) -> None:
    from tfclaims.claims import services as claim_services
    from tfclaims.claims.models import ACCEPTED, INVALID, PASS, PIPELINE, REJECTED

    officer, auditor, manager = users[Role.CLAIMS_OFFICER], users[Role.AUDITOR], users[Role.MANAGER]
    end = window.ends_on
    built_on = end + timedelta(days=BUILT)
    _as_of, ready = claim_services.candidates_judged_now(window, built_on)
    ready = ready[ready["route"].isin(phase.routes)]
    family_ids = [int(f) for f in ready["family_id"] if not phase.held_over or rng.random() >= phase.held_over]
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
    claim_services.submit(claim, officer, submitted_on=submitted_on, today=submitted_on,
                          department_reference=f"{phase.prefix}-{window.label.replace(' ', '-')}-BRK")
    # The department's verdict comes six weeks after submission: not in yet on the demo day for the latest claim.
    reconciled = end + timedelta(days=RECONCILED) <= DEMO_TODAY
    rejected = 0
    if reconciled:
        for line in lines:
            if rng.random() < phase.rejection_chance:
                # A family rejected in a phase's last year cannot be claimed again: marked invalid. Otherwise it
                # returns to the pipeline, to be claimed again once the evidence is put right.
                claim_services.record_outcome(line, outcome=REJECTED, reason=rng.choice(phase.rejection_reasons),
                                              disposition=INVALID if final_year else PIPELINE)
                rejected += 1
        claim_services.reconcile(claim, officer)
        claim.reconciled_at = _at(end, RECONCILED, 15)
    db.session.flush()
    accepted = sum(line.state == ACCEPTED for line in lines)
    if phase is LIVE_PHASE:
        result.live_claims += 1
        result.live_lines += len(lines)
        result.live_accepted += accepted
        result.live_rejections += rejected
        result.live_awaiting += 0 if reconciled else len(lines)
    else:
        result.claims += 1
        result.lines_claimed += len(lines)
        result.results_accepted += accepted
        result.rejections += rejected


# ---------------------------------------------------------------- targets and the scorecard

# The 2024-25 target (the programme's last year of payment by results): results, attachments, assumed conversion.
TARGET_YEAR = 2024
TARGET_RESULTS, TARGET_ATTACHMENTS, TARGET_RATE = 50, 60, 40
TARGET_ATTACHMENT_DEADLINE = date(2024, 12, 31)


def _seed_target(result: SeedResult) -> None:
    """The 2024-25 target. Its attachment deadline is 31 December 2024, three months before the claim deadline of
    31 March 2025, when payment by results ends."""
    from tfclaims.claims.rules import financial_year_label
    from tfclaims.forecasts.models import Target

    label = financial_year_label(TARGET_YEAR)
    if db.session.scalar(select(Target.id).where(Target.label == label)) is not None:
        return
    claim_deadline = date(TARGET_YEAR + 1, 3, 31)
    db.session.add(Target(
        label=label, starts_on=date(TARGET_YEAR, 4, 1), ends_on=claim_deadline, results_target=TARGET_RESULTS,
        attachment_target=TARGET_ATTACHMENTS, attachment_deadline=TARGET_ATTACHMENT_DEADLINE,
        claim_deadline=claim_deadline, assumed_rate_percent=TARGET_RATE,
    ))
    db.session.flush()
    result.targets = 1
    result.notes.append(
        f"Forecasts: a {label} target of {TARGET_RESULTS} results ({TARGET_ATTACHMENTS} attachments, assumed "
        f"conversion {TARGET_RATE}%), attachments by {long_date(TARGET_ATTACHMENT_DEADLINE)}, claims by "
        f"{long_date(claim_deadline)}."
    )


# Owner and reporter of the programme's own indicators and of the early-help pathway's (made by the migrations).
PROGRAMME_INDICATOR_PEOPLE = {
    "SF01": ("Dominic Farrow, Head of Early Help", "Priya Whitfield, Programme coordinator"),
    "SF02": ("Dominic Farrow, Head of Early Help", "Priya Whitfield, Programme coordinator"),
    "SF03": ("Dominic Farrow, Head of Early Help", "Gareth Moss, Claims officer"),
    "SF04": ("Dominic Farrow, Head of Early Help", "Gareth Moss, Claims officer"),
} | {f"SF{n:02d}": ("Dominic Farrow, Head of Early Help", "Amina Farah, Early help hub") for n in range(5, 15)}

# Early-help indicators with entered values (the pathway's own are computed, SF05 to SF14): code, name, up is good,
# unit, owner, reporter, the monthly level at
# the start and its drift a month, the noise (a share of the level, or points for a percentage), whether term
# dates shape it, targets by year (for the monthly figure), benchmarks (statistical neighbours, England, region).
EARLY_HELP_INDICATORS = [
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
    """Owners and reporters for the computed indicators, and an early-help indicator tfclaims does not record (families
    stepped down from social care, counted by the social care system) with 24 months of
    entered values to the last complete month before the demo day (October 2024), targets for the years they
    cover, benchmarks and a commentary on the last month."""
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
    last = _month_add(DEMO_TODAY.replace(day=1), -1)
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
        f"Scorecard: {result.indicators} entered early-help indicator{'s' if result.indicators != 1 else ''} with "
        f"values from {months[0]:%B %Y} to {last:%B %Y}; "
        "owners for the programme's own indicators."
    )


def _commentary(code: str, months: list[date], values: list[float]) -> str:
    """The owner's paragraph on the last month, in step with the figures."""
    now, before = values[-1], values[-2]
    month, previous = f"{months[-1]:%B %Y}", f"{months[-2]:%B}"
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
    # Every practitioner of the demo is a user who can be allocated families (the first signs in as
    # practitioner@...; the others as first.last@..., with the same password).
    for name, _team in PRACTITIONERS:
        email = f"{name.lower().replace(' ', '.')}@{DOMAIN}"
        if name == made[Role.PRACTITIONER].name or get_user_by_email(email):
            continue
        password_hash = password_hash or hash_password(PASSWORD)
        user = User(email=email, name=name, password_hash=password_hash, active=True)
        user.role_rows = [UserRole(role=Role.PRACTITIONER.value)]
        db.session.add(user)
        result.users += 1
    db.session.flush()
    return made


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


# ---------------------------------------------------------------- plans


def _seed_plans(manager: User, result: SeedResult) -> Plans | None:
    """The 2015-21 plan (two published versions) and the 2022-25 plan (one), made unless they are there."""
    existing = {
        plan.name: plan
        for plan in db.session.scalars(select(OutcomesPlan).where(OutcomesPlan.name.in_([PLAN_NAME,
                                                                                           HISTORY_PLAN_NAME])))
    }
    live = existing.get(PLAN_NAME)
    if live is not None and live.framework.code != LIVE_FRAMEWORK:
        result.notes.append(
            f"The plan '{PLAN_NAME}' is under {live.framework.name}: an older demo is loaded, so no families were "
            "added. Load the demo into an empty database to see it as it now stands."
        )
        return None
    history = existing.get(HISTORY_PLAN_NAME) or _create_history_plan(manager, result)
    live = live or _create_live_plan(manager, result)
    history_versions = [v for v in history.versions if v.status == PUBLISHED]
    live_versions = [v for v in live.versions if v.status == PUBLISHED]
    if len(history_versions) < 2 or not live_versions:
        result.notes.append("The demo's outcomes plans exist without their published versions: no families added.")
        return None
    return Plans((history_versions[0], history_versions[1]), live_versions[0])


def _framework(code: str):
    framework = get_framework_by_code(code)
    if framework is None:
        raise RuntimeError(f"The {code} framework is missing: run `flask db upgrade` first.")
    return framework


def _add_criteria(version: PlanVersion, framework_code: str, problems: dict, attendance: int) -> None:
    """The framework's typical success criteria (``EXAMPLE_CRITERIA``), attendance at the version's threshold."""
    for problem_code, items in EXAMPLE_CRITERIA[framework_code].items():
        for position, (kind, parameters) in enumerate(items, start=1):
            if kind == "held_over_periods":
                parameters = parameters | {"threshold": attendance}
            version.criteria.append(SuccessCriterion(
                problem_id=problems[problem_code].id, position=position, kind=kind, parameters=parameters,
                wording=default_wording(kind, parameters),
            ))


def _published(plan_name: str, versions: list[PlanVersion]) -> None:
    for version in versions:
        record(db.session, "plan_published", "plan_version", version.id,
               f"{plan_name} version {version.number} published, in force from {long_date(version.effective_from)}")


def _create_history_plan(manager: User, result: SeedResult) -> OutcomesPlan:
    framework = _framework(HISTORY_FRAMEWORK)
    problems = {p.code: p for p in framework.problems}
    plan = OutcomesPlan(framework_id=framework.id, name=HISTORY_PLAN_NAME)
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
        for code, text, source, who in rows:
            if source not in EVIDENCE_SOURCES:  # pragma: no cover - guards the table above
                raise ValueError(f"Unknown evidence source {source}")
            applies_to = HISTORY_APPLIES_TO.get(who, "any")
            first.descriptors.append(Descriptor(problem_id=problems[problem_code].id, code=code, text=text,
                                                evidence_source=source, applies_to=applies_to))
            second.descriptors.append(Descriptor(problem_id=problems[problem_code].id, code=code,
                                                 text=VERSION_2_WORDING.get(code, text), evidence_source=source,
                                                 applies_to=applies_to))
    # Version 1 asked for 85% attendance; the annual review raised it to 90%.
    _add_criteria(first, HISTORY_FRAMEWORK, problems, 85)
    _add_criteria(second, HISTORY_FRAMEWORK, problems, 90)
    db.session.add(plan)
    db.session.flush()
    second.copied_from_id = first.id
    db.session.flush()
    _published(HISTORY_PLAN_NAME, [first, second])
    result.plan_versions += 2
    return plan


def _create_live_plan(manager: User, result: SeedResult) -> OutcomesPlan:
    framework = _framework(LIVE_FRAMEWORK)
    problems = {p.code: p for p in framework.problems}
    plan = OutcomesPlan(framework_id=framework.id, name=PLAN_NAME)
    version = PlanVersion(
        plan=plan,
        number=1,
        status=PUBLISHED,
        effective_from=LIVE_VERSION_FROM,
        notes="Brackenshire's outcomes plan for the Supporting Families national outcome framework 2022-25: "
              "descriptors for the ten headline outcomes, with the evidence and the success criteria agreed with the "
              "partnership board.",
        published_by_id=manager.id,
        published_at=datetime(2022, 9, 22, 11, 0, tzinfo=UTC),
    )
    for outcome_code, rows in LIVE_DESCRIPTORS.items():
        for code, text, source, applies_to, _whom in rows:
            if source not in EVIDENCE_SOURCES:  # pragma: no cover - guards the table above
                raise ValueError(f"Unknown evidence source {source}")
            version.descriptors.append(Descriptor(problem_id=problems[outcome_code].id, code=code, text=text,
                                                  evidence_source=source, applies_to=applies_to))
    _add_criteria(version, LIVE_FRAMEWORK, problems, 90)
    db.session.add(plan)
    db.session.flush()
    _published(PLAN_NAME, [version])
    result.plan_versions += 1
    return plan


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


def _make_expectant_members(rng: random.Random, on: date, serials: list[int]) -> list[Member]:
    """A young household expecting a baby: an expectant lead adult, often a partner, and at most two young
    children (sometimes none: the expectant parent is what makes the family eligible)."""
    surname = rng.choice(SURNAMES)
    area = postcode(rng)
    lead_age = rng.randrange(18, 34)
    members = [Member(forenames=_pick_name(rng, "F", True), surname=surname,
                      date_of_birth=_birth_date(rng, lead_age, on), sex="F", relationship_to_lead="lead_adult",
                      resident=True, expectant=True, postcode=area)]
    if rng.random() < 0.5:
        members.append(Member(forenames=_pick_name(rng, "M", True),
                              surname=surname if rng.random() < 0.5 else rng.choice(SURNAMES),
                              date_of_birth=_birth_date(rng, max(18, lead_age + rng.randrange(-2, 6)), on), sex="M",
                              relationship_to_lead="partner", resident=True, postcode=area))
    for _ in range(rng.choice([0, 0, 1, 2])):
        sex = rng.choice("FM")
        members.append(Member(forenames=_pick_name(rng, sex, False), surname=surname,
                              date_of_birth=_birth_date(rng, rng.randrange(0, max(1, min(10, lead_age - 17))), on),
                              sex=sex, relationship_to_lead="child", resident=True, postcode=area))
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


def fits(applies_to: str, date_of_birth: date, on: date) -> bool:
    """Whether a member born on that day fits a descriptor's ``applies_to`` on a day (``tfclaims.people``'s ages):
    the rule every demo problem keeps, on the attachment date and, for a problem found later, on its evidence date."""
    if applies_to == "adult":
        return date_of_birth <= on and people.is_adult_on(date_of_birth, on)
    if applies_to == "child":
        return people.is_child_on(date_of_birth, on)
    if applies_to == "school_age":
        return date_of_birth <= on and people.is_school_age_on(date_of_birth, on)
    return True


def has_dependent_children(members: list[Member], on: date) -> bool:
    """A resident child under 18, or an expectant parent, on the day."""
    return any(m.expectant or (m.resident and people.is_child_on(m.date_of_birth, on)) for m in members)


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
    return [m for m in members if m.date_of_birth <= on and tests[who](m)]


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
                people_ = [m for m in _candidates(who[descriptor.code], members, on)
                           if (m.resident or (descriptor.code in NON_RESIDENT_DESCRIPTORS and not non_resident_used))
                           and fits(descriptor.applies_to, m.date_of_birth, on)]
                people_ = [m for m in people_ if (descriptor, m) not in chosen]
                if not people_:
                    continue
                member = rng.choice(people_)
                chosen.append((descriptor, member))
                non_resident_used = non_resident_used or not member.resident
                # Now and then a second child under the same problem (two children missing school, say).
                if len(chosen) < wanted and rng.random() < 0.2:
                    others = [m for m in people_ if m is not member and m.resident]
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
) -> tuple[int, list[int], list[Family]]:
    """The 2015-21 history: families attached from June 2015 to December 2020, every case closed by the end of the
    programme (31 March 2021; cases still open then were stepped down to early help), and what they did until
    then. Returns the last reference number and pupil serial used, and the families attached."""
    who = {code: w for rows in DESCRIPTORS.values() for code, _t, _s, w in rows}
    problem_codes = {p.id: p.code for p in _framework(HISTORY_FRAMEWORK).problems}
    horizon = HISTORY_ENDS_ON
    serials = [0]
    number = 100
    attached_families: list[Family] = []
    for start in range(0, count, BATCH):
        planned = []
        for _ in range(min(BATCH, count - start)):
            number += rng.randrange(1, 4)
            practitioner, team = rng.choice(PRACTITIONERS)
            state = "closed" if rng.random() < 0.35 else "open"
            if state == "open":
                # Cases open at the programme's end lean towards later attachments; closed cases span the period.
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
            _add_consents(rng, family, on, horizon)
            version = versions[1] if on >= VERSION_2_FROM else versions[0]
            chosen = _choose_problems(rng, family.members, version, on, who, problem_codes)
            if not chosen:
                continue
            attachment = Attachment(family_id=family.id, plan_version_id=version.id, attached_on=on)
            if state == "closed":
                reason = _weighted(rng, CLOSURE_WEIGHTS)
                attachment.closed_on = min(horizon, on + timedelta(days=rng.randrange(120, 720)))
                attachment.closure_reason = reason
                attachment.closure_note = CLOSURE_NOTES[reason]
            else:
                attachment.closed_on = horizon
                attachment.closure_reason = "stepped_down"
                attachment.closure_note = PROGRAMME_END_NOTE
            for descriptor, member in chosen:
                attachment.problems.append(_problem(family, descriptor, member,
                                                    on - timedelta(days=rng.randrange(0, 91)), False))
            late = _late_problem(rng, family, attachment, version, chosen, who, horizon)
            if late is not None:
                attachment.problems.append(late)
            db.session.add(attachment)
            attached.append((family, attachment))
            result.attachments += 1
            result.problems += len(attachment.problems)
        db.session.flush()
        for family, attachment in attached:
            _record_attachment_events(family, attachment)
            result.progress_records += _seed_progress(rng, family, attachment, manager, horizon, problem_codes)
            attached_families.append(family)
        db.session.flush()
    return number, serials, attached_families


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
    """Now and then a problem comes to light after attachment (it must then be resolved too). Its member fits the
    descriptor on the attachment date and on the day it was found."""
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
        people_ = [m for m in _candidates(who[descriptor.code], family.members, found)
                   if m.resident and (descriptor.id, m.id) not in taken
                   and fits(descriptor.applies_to, m.date_of_birth, attachment.attached_on)
                   and fits(descriptor.applies_to, m.date_of_birth, found)]
        if people_:
            return _problem(family, descriptor, rng.choice(people_), found, True)
    return None


DEMO_STATUTES = "Children Act 2004 s.10; Data Protection Act 2018 Sch. 1 para 18"


def _add_consents(rng: random.Random, family: Family, on: date, until: date) -> None:
    """Consent asked of the adults (most non-resident parents are not asked) before attachment, for programme work
    and, from most, for matching partner data and the national evaluation; now and then refused, or withdrawn later
    by ``until``; a parent's consent to the evaluation for a teenager now and then. Without consent, the family is
    worked with under public task and substantial public interest, with the statute recorded.

    The scopes and the teenager are drawn from a generator of the family's own, so that the demo's main sequence
    of random draws (and so every family after this one) is what it was before consent had scopes."""
    basis = rng.choices(list(LAWFUL_BASES), weights=[3, 6, 2, 0])[0]
    own = random.Random(f"consent {family.reference}")
    no_consent = {"lawful_basis": "public_task", "special_category_basis": "substantial_public_interest",
                  "statute": DEMO_STATUTES}
    for member in family.members:
        if not people.is_adult_on(member.date_of_birth, on):
            continue
        if not member.resident and rng.random() < 0.6:
            continue  # non-resident parents are often not asked
        asked_on = on - timedelta(days=rng.randrange(1, 21))
        roll = rng.random()
        if roll < 0.06:
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="refused", recorded_on=asked_on,
                                   scope="programme", note="Declined to share information with partners.",
                                   **no_consent))
            continue
        scopes = ["programme"] + [scope for scope in ("matching", "evaluation") if own.random() < 0.85]
        for scope in scopes:
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="given", recorded_on=asked_on,
                                   scope=scope, lawful_basis=basis, note=""))
        withdrawn_on = asked_on + timedelta(days=rng.randrange(60, 400))
        if withdrawn_on > until:
            continue
        if roll > 0.96:
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="withdrawn",
                                   recorded_on=withdrawn_on, scope="programme",
                                   note="Withdrew consent by telephone to the lead practitioner.", **no_consent))
        elif len(scopes) > 1 and own.random() < 0.04:
            scope = own.choice(scopes[1:])
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="withdrawn",
                                   recorded_on=withdrawn_on, scope=scope,
                                   note="Asked in writing that their data no longer be used this way.", **no_consent))
    for member in family.members:
        if 13 <= people.age_on(member.date_of_birth, on) < 18 and own.random() < 0.3:
            db.session.add(Consent(member_id=member.id, family_id=family.id, status="given", scope="evaluation",
                                   given_by="parent", recorded_on=on - timedelta(days=2), lawful_basis=basis,
                                   note="Given by the young person's mother."))


def _record_attachment_events(family: Family, attachment: Attachment) -> None:
    count = len({p.problem_id for p in attachment.problems if not p.identified_after_attachment})
    record(db.session, "family_attached", "attachment", attachment.id,
           f"Attached on {long_date(attachment.attached_on)} with {len(attachment.problems)} problems "
           f"across {count} headline problems", family_id=family.id)
    if attachment.closed_on:
        record(db.session, "attachment_closed", "attachment", attachment.id,
               f"Attachment closed on {long_date(attachment.closed_on)}", family_id=family.id)


# ---------------------------------------------------------------- progress


def term_ends(start: date, end: date) -> list[tuple[str, date, date]]:
    """School terms (label, first day, last day) ending after ``start`` and on or before ``end``: the terms each
    child with a school problem has attendance recorded for."""
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


def _seed_progress(rng: random.Random, family: Family, attachment: Attachment, manager: User, today: date,
                   problem_codes: dict[int, str]) -> int:
    """What happened next under 2015-21, to the programme's end (``today``): a family on a good, mixed or poor
    path, in the records each problem is judged by. Returns how many records it added."""
    added = []
    on = attachment.attached_on
    path = rng.choices(["good", "mixed", "poor"], weights=[55, 25, 20])[0]
    good = {"good": 0.92, "mixed": 0.6, "poor": 0.25}[path]
    codes = {problem_codes[p.problem_id]: p for p in attachment.problems}
    horizon = min(today, on + timedelta(days=900))

    def add(record):
        record.family_id = family.id
        db.session.add(record)
        added.append(record)

    def day_between(start: date, end: date) -> date:
        return _random_date(rng, start, max(start, end))

    # Every school-age child's attendance each term, and always that of each child with the school problem.
    school_problem = {p.member_id for p in attachment.problems if problem_codes[p.problem_id] == "school"}
    children = [m for m in family.members
                if m.id in school_problem or (m.resident and m.date_of_birth <= on and 5 <= m.age_on(on) <= 15)]
    if "school" in codes:
        for child in children:
            level = rng.uniform(72, 86)
            for label, first, last in term_ends(on - timedelta(days=120), horizon):
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
            again = day_between(on + timedelta(days=20), on + timedelta(days=200))
            if again <= horizon:
                add(Event(member_id=member.id, kind="domestic_abuse", source="police", occurred_on=again))
    if "children_need_help" in codes:
        member = codes["children_need_help"].member
        kind = rng.choice(["child_in_need", "child_protection"])
        started = max(on - timedelta(days=rng.randrange(30, 300)), member.date_of_birth)
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
                                    employer=rng.choice(EMPLOYERS)))
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
            _signed_off(evidence, manager, decided, "Evidence seen in the case file and confirmed with the family.")
        if since <= today:
            add(evidence)
    return len(added)


EMPLOYERS = ["Brackenshire Foods", "Tillbury Care", "Northgate Retail", "Marlow Logistics", "Brackenshire Council"]
MANUAL_STATEMENTS = {
    "health": "Engaged with the community mental health team and sustaining treatment; GP confirms attendance.",
    "worklessness": "Completed the work-readiness course and volunteering weekly; adviser reports steady progress.",
}


def _signed_off(evidence: ManualEvidence, manager: User, on: date, reason: str, status: str = "accepted") -> None:
    evidence.status = status
    evidence.decided_by_id = manager.id
    evidence.decided_on = on
    evidence.decided_at = datetime(on.year, on.month, on.day, 12, 0, tzinfo=UTC)
    evidence.decision_reason = reason


# ---------------------------------------------------------------- the live phase: Supporting Families 2022-25

# Needs found after attachment are of these outcomes (judged by practitioner evidence).
LATE_OUTCOMES = ("health", "relationships", "housing")
# How the cases that do not end with outcomes achieved are closed.
LIVE_OTHER_CLOSURES = {"disengaged": 4, "moved_away": 3, "stepped_up": 3, "other": 1}
# The closures after which a manager signs the practitioner evidence off.
ACHIEVED_CLOSURES = ("outcomes_achieved", "stepped_down")


def _live_candidates(whom: str, members: list[Member], on: date) -> list[Member]:
    """The members a 2022-25 descriptor is used for in the demo (within who it applies to)."""
    def age(m: Member) -> int:
        return people.age_on(m.date_of_birth, on)

    born = [m for m in members if m.date_of_birth <= on]
    has_baby = any(m.resident and age(m) < 1 for m in born)
    tests = {
        "pupil": lambda m: m.resident and 5 <= age(m) <= 13,  # still at school on the demo day
        "under_five": lambda m: m.resident and age(m) < 5,
        "parent_to_be": lambda m: m.expectant or (has_baby and m.relationship_to_lead == "lead_adult"),
        "adult": lambda m: age(m) >= 18,
        "child_over_five": lambda m: m.resident and 5 <= age(m) <= 17,
        "over_ten": lambda m: m.resident and 10 <= age(m) <= 17,
        "over_twelve": lambda m: m.resident and 12 <= age(m) <= 17,
        "child": lambda m: m.resident and age(m) < 18,
        "lead": lambda m: m.relationship_to_lead == "lead_adult",
        "young_adult": lambda m: 18 <= age(m) <= 24,
        "anyone": lambda m: m.resident,
    }
    return [m for m in born if tests[whom](m)]


LIVE_WHOM = {row[0]: row[4] for rows in LIVE_DESCRIPTORS.values() for row in rows}


def _choose_needs(
    rng: random.Random, members: list[Member], version: PlanVersion, on: date, problem_codes: dict[int, str],
) -> list[tuple[Descriptor, Member]]:
    """Needs under three to five headline outcomes, each for a member who fits the descriptor on the attachment
    date (a non-resident parent for one at most), or [] when the family cannot have three."""
    by_outcome: dict[str, list[Descriptor]] = {}
    for descriptor in version.descriptors:
        by_outcome.setdefault(problem_codes[descriptor.problem_id], []).append(descriptor)
    for _attempt in range(20):
        wanted = rng.choice([3, 3, 3, 4, 4, 5])
        order = sorted(LIVE_OUTCOME_WEIGHTS, key=lambda c: rng.random() ** (1 / LIVE_OUTCOME_WEIGHTS[c]),
                       reverse=True)
        chosen: list[tuple[Descriptor, Member]] = []
        non_resident_used = False
        for code in order:
            if len({d.problem_id for d, _m in chosen}) >= wanted:
                break
            descriptors = by_outcome.get(code, [])[:]
            rng.shuffle(descriptors)
            for descriptor in descriptors:
                people_ = [
                    m for m in _live_candidates(LIVE_WHOM.get(descriptor.code, "anyone"), members, on)
                    if fits(descriptor.applies_to, m.date_of_birth, on)
                    and (m.resident or (descriptor.code in LIVE_NON_RESIDENT_DESCRIPTORS and not non_resident_used))
                ]
                if not people_:
                    continue
                member = rng.choice(people_)
                chosen.append((descriptor, member))
                non_resident_used = non_resident_used or not member.resident
                # Now and then two children with the same need (two children missing school, say).
                if code in ("education", "safe_from_abuse") and rng.random() < 0.2:
                    others = [m for m in people_ if m is not member and m.resident]
                    if others:
                        chosen.append((descriptor, rng.choice(others)))
                break
        if rules.eligible_problem_count((d.problem_id, not m.resident) for d, m in chosen) >= 3:
            return chosen
    return []


def _late_need(
    rng: random.Random, family: Family, attachment: Attachment, version: PlanVersion,
    needs: list[tuple[Descriptor, Member]], problem_codes: dict[int, str],
) -> IdentifiedProblem | None:
    """A need that came to light after attachment, for a member who fits the descriptor on the attachment date
    and on the day it was found."""
    on = attachment.attached_on
    found = on + timedelta(days=rng.randrange(14, 150))
    if found >= DEMO_TODAY:
        return None
    taken = {d.problem_id for d, _m in needs}
    descriptors = [d for d in version.descriptors
                   if problem_codes[d.problem_id] in LATE_OUTCOMES and d.problem_id not in taken]
    rng.shuffle(descriptors)
    for descriptor in descriptors:
        people_ = [m for m in _live_candidates(LIVE_WHOM.get(descriptor.code, "anyone"), family.members, found)
                   if m.resident and fits(descriptor.applies_to, m.date_of_birth, on)
                   and fits(descriptor.applies_to, m.date_of_birth, found)]
        if people_:
            return _problem(family, descriptor, rng.choice(people_), found, True)
    return None


def _still_open_records(family: Family) -> bool:
    """Whether a plan or a spell in work of the family's 2015-21 records is still open."""
    return bool(
        db.session.scalar(select(func.count(StatusEpisode.id)).where(StatusEpisode.family_id == family.id,
                                                                    StatusEpisode.ended_on.is_(None)))
        or db.session.scalar(select(func.count(EmploymentSpell.id)).where(EmploymentSpell.family_id == family.id,
                                                                         EmploymentSpell.ended_on.is_(None)))
    )


def _seed_live_families(
    rng: random.Random, count: int, version: PlanVersion, history: list[Family], number: int, serials: list[int],
    result: SeedResult, users: dict[Role, User],
) -> None:
    """The families of Supporting Families 2022-25: new families attached from October 2022 to the demo day (some
    expecting a baby), a few referred in the last weeks and not attached yet, and some 2015-21 families with a
    child still at home, attached afresh; their needs, what they did to the demo day, and how their cases closed."""
    problem_codes = {p.id: p.code for p in _framework(LIVE_FRAMEWORK).problems}
    descriptor_codes = {d.id: d.code for d in version.descriptors}
    planned: list[tuple[Family, str, date]] = []
    for _ in range(count):
        number += rng.randrange(1, 4)
        practitioner, team = rng.choice(PRACTITIONERS)
        roll = rng.random()
        if roll < NOT_ATTACHED_SHARE:
            state, on = "not_attached", DEMO_TODAY - timedelta(days=rng.randrange(3, 80))
        elif roll < NOT_ATTACHED_SHARE + LAUNCH_SHARE:
            state, on = "attached", _random_date(rng, LIVE_FIRST_ATTACHMENT, LAUNCH_ENDS_ON)
        else:
            state, on = "attached", _random_date(rng, LIVE_FIRST_ATTACHMENT, LIVE_LAST_ATTACHMENT)
        family = Family(reference=f"{REFERENCE_PREFIX}{number:06d}", lead_practitioner=practitioner, team=team,
                        notes="")
        # Expecting a baby: attached in the months before the demo day, so the baby is not born yet.
        expectant = state == "attached" and on >= DEMO_TODAY - timedelta(days=150) and rng.random() < 0.3
        family.members = (_make_expectant_members(rng, on, serials) if expectant
                          else _make_members(rng, rng.choice([2, 3, 3, 4, 4, 4, 5, 5, 6]), on, serials))
        db.session.add(family)
        planned.append((family, state, on))
    db.session.flush()
    result.families += len(planned)
    result.members += sum(len(f.members) for f, _s, _o in planned)
    for family in history:
        if rng.random() >= RETURNING_SHARE:
            continue
        on = _random_date(rng, LIVE_FIRST_ATTACHMENT, date(2023, 12, 31))
        if has_dependent_children(family.members, on) and not _still_open_records(family):
            planned.append((family, "returning", on))

    for start in range(0, len(planned), BATCH):
        attached = []
        for family, state, on in planned[start : start + BATCH]:
            _add_consents(rng, family, on, DEMO_TODAY)
            if state == "not_attached" or not has_dependent_children(family.members, on):
                continue
            needs = _choose_needs(rng, family.members, version, on, problem_codes)
            if not needs:
                continue
            attachment = Attachment(family_id=family.id, plan_version_id=version.id, attached_on=on)
            for descriptor, member in needs:
                attachment.problems.append(_problem(family, descriptor, member,
                                                    on - timedelta(days=rng.randrange(0, 91)), False))
            path = _weighted(rng, LIVE_PATHS)
            if path != "poor" and rng.random() < 0.1:
                late = _late_need(rng, family, attachment, version, needs, problem_codes)
                if late is not None:
                    attachment.problems.append(late)
            records, evidence = _live_progress(rng, family, attachment, path, problem_codes, descriptor_codes,
                                               users)
            db.session.add(attachment)
            attached.append((family, attachment, records, evidence))
            result.attachments += 1
            result.live_attachments += 1
            result.returning += state == "returning"
            result.problems += len(attachment.problems)
        db.session.flush()
        for family, attachment, records, evidence in attached:
            _record_attachment_events(family, attachment)
            for item in records:
                item.family_id = family.id
                db.session.add(item)
            for item in evidence:
                item.family_id, item.attachment_id = family.id, attachment.id
                db.session.add(item)
            result.progress_records += len(records) + len(evidence)
        db.session.flush()


def _live_progress(
    rng: random.Random, family: Family, attachment: Attachment, path: str, problem_codes: dict[int, str],
    descriptor_codes: dict[int, str], users: dict[Role, User],
) -> tuple[list, list[ManualEvidence]]:
    """What a 2022-25 family did to the demo day, need by need, in the records its success criteria read, and how
    the case closed (set on the attachment). A family on the good path makes progress on every need and its case
    closes with outcomes achieved once the last need shows progress; now and then a need slips back within six
    months of closure (so the family is not a successful family outcome). Practitioner evidence is signed off by
    the manager at the closing review, on or after the closure. Returns the records (without family) and the
    practitioner evidence (without family and attachment)."""
    on = attachment.attached_on
    members = {m.id: m for m in family.members}
    lead = next(m for m in family.members if m.relationship_to_lead == "lead_adult")
    needs: dict[str, list[IdentifiedProblem]] = {}
    for problem in attachment.problems:
        needs.setdefault(problem_codes[problem.problem_id], []).append(problem)
    records: list = []
    progress: dict[str, date | None] = {}
    manual: dict[str, tuple[int, date | None]] = {}
    attendance: dict[date, list[Measure]] = {}
    open_episodes: list[StatusEpisode] = []
    victims: list[Member] = []
    offenders: list[Member] = []

    def days(low: int, high: int) -> timedelta:
        return timedelta(days=rng.randrange(low, high))

    pace = LAUNCH_PACE if on <= LAUNCH_ENDS_ON and path == "good" else 1

    def soon(low: int, high: int) -> timedelta:
        """Days to progress: fewer for the cases moved across at the framework's launch."""
        return timedelta(days=rng.randrange(round(low * pace), round(high * pace)))

    def by_then(day: date | None) -> date | None:
        return day if day is not None and day <= DEMO_TODAY else None

    for code, problems in needs.items():
        whose = list(dict.fromkeys(members[p.member_id] for p in problems))
        if code == "education":
            terms = term_ends(on - timedelta(days=240), DEMO_TODAY)
            after = [t for t in terms if t[2] > on]
            passes = []
            for k in range(len(after)):
                if path == "good":
                    passes.append(k > 0 or rng.random() < 0.6)
                else:
                    passes.append(rng.random() < (0.7 if path == "mixed" else 0.25))
            for pupil in whose:
                for label, first, last in terms:
                    if last <= on:
                        value = rng.uniform(72, 86.5)
                    else:
                        value = rng.uniform(90.5, 98.5) if passes[after.index((label, first, last))] \
                            else rng.uniform(80, 89.4)
                    measure = Measure(member_id=pupil.id, kind="attendance", period_label=label, period_start=first,
                                      period_end=last, value=round(value, 1), source="school_census")
                    records.append(measure)
                    attendance.setdefault(last, []).append(measure)
            # Progress shows at the end of the second of two terms in a row at 90% or more.
            progress[code] = next((after[i][2] for i in range(1, len(after)) if passes[i] and passes[i - 1]), None)
        elif code == "crime":
            offender = whose[0]
            offenders.append(offender)
            source = "police" if people.is_adult_on(offender.date_of_birth, on) else "youth_justice"
            for _ in range(rng.randrange(2, 6)):
                records.append(Event(member_id=offender.id, kind=rng.choice(["asb", "asb", "offence"]), source=source,
                                     occurred_on=on - days(0, 170)))
            after_events = {"good": 0, "mixed": 1, "poor": rng.randrange(3, 5)}[path]
            for _ in range(after_events):
                day = on + (days(10, 120) if path == "mixed" else days(1, 300))
                if day <= DEMO_TODAY:
                    records.append(Event(member_id=offender.id, kind="asb", source=source, occurred_on=day))
            progress[code] = by_then({"good": on + soon(75, 150), "mixed": on + days(150, 220), "poor": None}[path])
        elif code == "domestic_abuse":
            victim = whose[0] if people.is_adult_on(whose[0].date_of_birth, on) else lead
            victims.append(victim)
            for _ in range(rng.choice([1, 1, 2])):
                records.append(Event(member_id=victim.id, kind="domestic_abuse", source="police",
                                     occurred_on=on - days(3, 120)))
            if path == "good":
                progress[code] = by_then(on + soon(75, 150))
            elif path == "mixed":
                again = on + days(20, 120)
                if again <= DEMO_TODAY:
                    records.append(Event(member_id=victim.id, kind="domestic_abuse", source="police",
                                         occurred_on=again))
                progress[code] = by_then(again + days(90, 150))
            else:
                for _ in range(2):
                    again = on + days(10, 300)
                    if again <= DEMO_TODAY:
                        records.append(Event(member_id=victim.id, kind="domestic_abuse", source="police",
                                             occurred_on=again))
                progress[code] = None
        elif code == "safe_from_abuse":
            ends: list[date | None] = []
            for problem in problems:
                child = members[problem.member_id]
                kind = "child_protection" if descriptor_codes[problem.descriptor_id] == "SA2" else "child_in_need"
                started = max(on - days(20, 300), child.date_of_birth)
                if path == "poor":
                    episode = StatusEpisode(member_id=child.id, kind=kind, started_on=started)
                    records.append(episode)
                    open_episodes.append(episode)
                    ends.append(None)
                    continue
                ended = on + (soon(30, 180) if path == "good" else days(30, 120))
                reason = "stepped_down" if rng.random() < 0.7 else "closed"
                episode = StatusEpisode(member_id=child.id, kind=kind, started_on=started)
                records.append(episode)
                if ended > DEMO_TODAY:
                    open_episodes.append(episode)
                    ends.append(None)
                    continue
                episode.ended_on, episode.end_reason = ended, reason
                if path == "mixed":
                    # Stepped down, then a child in need plan again a few months later, and stepped down again.
                    again = ended + days(30, 120)
                    ended = again + days(60, 150)
                    if again <= DEMO_TODAY:
                        second = StatusEpisode(member_id=child.id, kind="child_in_need", started_on=again)
                        records.append(second)
                        if ended <= DEMO_TODAY:
                            second.ended_on, second.end_reason = ended, "stepped_down"
                        else:
                            open_episodes.append(second)
                ends.append(by_then(ended))
            progress[code] = None if None in ends else max(ends)
        elif code == "financial" and any(descriptor_codes[p.descriptor_id] == EMPLOYMENT_DESCRIPTOR
                                         for p in problems):
            # Into work after attachment, from an out-of-work benefit (the adult was not in work at attachment).
            adult = members[next(p.member_id for p in problems
                                 if descriptor_codes[p.descriptor_id] == EMPLOYMENT_DESCRIPTOR)]
            benefit = rng.choice(["JSA", "ESA", "IS", "UC", "UC", "UC"])
            if path == "good":
                spells = [(on + soon(21, 150), None)]
            elif path == "mixed":
                first = on + days(21, 100)
                lost = first + days(28, 80)
                spells = [(first, lost), (lost + days(30, 100), None)]
            else:
                spells = []
            for started, ended in spells:
                if started > DEMO_TODAY:
                    break
                records.append(EmploymentSpell(member_id=adult.id, started_on=started, ended_on=by_then(ended),
                                               hours_per_week=rng.choice([16, 20, 25, 30, 37.5]),
                                               prior_benefit=benefit, employer=rng.choice(EMPLOYERS)))
            progress[code] = by_then(spells[-1][0] + timedelta(weeks=6)) if spells else None
        else:
            # Judged by the practitioner's evidence, signed off by a manager.
            found = max(p.evidence_date for p in problems) if any(p.identified_after_attachment
                                                                  for p in problems) else on
            since = {"good": on + soon(60, 240), "mixed": on + days(150, 330),
                     "poor": on + days(60, 200) if rng.random() < 0.3 else None}[path]
            if since is not None:
                since = by_then(max(since, found + timedelta(days=30)))
            manual[code] = (problems[0].problem_id, since)
            progress[code] = since if path != "poor" else None

    # How the case closed: with outcomes achieved once every need shows progress, or otherwise.
    closed_on = reason = None
    if path != "poor" and None not in progress.values():
        day = max(max(progress.values()) + soon(14, 60), on + timedelta(days=round(SHORTEST_CASE * pace)))
        if day < DEMO_TODAY:
            closed_on, reason = day, "outcomes_achieved" if rng.random() < 0.85 else "stepped_down"
    elif (path == "poor" and rng.random() < 0.55) or (path == "mixed" and rng.random() < 0.4):
        day = on + (days(60, 360) if path == "poor" else days(300, 500))
        if day < DEMO_TODAY:
            closed_on, reason = day, _weighted(rng, LIVE_OTHER_CLOSURES)
    if closed_on is not None:
        attachment.closed_on, attachment.closure_reason = closed_on, reason
        attachment.closure_note = CLOSURE_NOTES[reason]
    if reason == "moved_away":
        # The plans still open end because the family moved away: an ending that is not progress.
        for episode in open_episodes:
            if episode.started_on <= closed_on:
                episode.ended_on, episode.end_reason = closed_on, "moved_away"
    if reason in ACHIEVED_CLOSURES and rng.random() < 0.12:
        # A need slips back within six months of closure: not a successful family outcome.
        if victims:
            day = closed_on + days(20, 150)
            if day <= DEMO_TODAY:
                records.append(Event(member_id=victims[0].id, kind="domestic_abuse", source="police",
                                     occurred_on=day))
        elif offenders:
            for _ in range(3):
                day = closed_on + days(10, 150)
                if day <= DEMO_TODAY:
                    records.append(Event(member_id=offenders[0].id, kind="asb", source="police", occurred_on=day))
        else:
            later = sorted(end for end in attendance if end > closed_on)
            if later:
                for measure in attendance[later[0]]:
                    measure.value = round(rng.uniform(82, 88.5), 1)

    evidence = []
    coordinator, manager = users[Role.COORDINATOR], users[Role.MANAGER]
    for code, (problem_id, since) in manual.items():
        if since is None or (closed_on is not None and since > closed_on):
            continue
        item = ManualEvidence(problem_id=problem_id, progress_from=since, statement=LIVE_STATEMENTS[code],
                              recorded_by_id=coordinator.id)
        if closed_on is not None:
            # Signed off (or not) at the closing review, on or after the day the case closed.
            decided = closed_on + (days(0, 29) if reason in ACHIEVED_CLOSURES else days(0, 15))
            if decided <= DEMO_TODAY:
                if reason in ACHIEVED_CLOSURES:
                    _signed_off(item, manager, decided, LIVE_SIGN_OFF)
                else:
                    _signed_off(item, manager, decided, LIVE_DECLINED, status="declined")
        evidence.append(item)
    return records, evidence
