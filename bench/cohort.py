"""A synthetic cohort for the benchmark: deterministic, believable enough for the rule engine, and fast to load.

``generate(connection, families, seed)`` adds, to an already-migrated database:

- two users (a programme coordinator and a manager, both with the password ``PASSWORD``);
- one published outcomes plan under the Troubled Families 2015-21 framework, with two descriptors per headline
  problem and the success criteria of ``tfclaims.engine.criteria.EXAMPLE_CRITERIA["TF2015"]``;
- ``families`` families (``BENCH-0000001``...) of four members (a lead adult, a partner, two school-age children),
  with consent, one attachment each (June 2015 to December 2019, about 30% closed), two to four problems identified
  at attachment (now and then one more after it), and the progress data the criteria read: termly attendance of
  each child, offences, anti-social behaviour, domestic abuse incidents and exclusions before and after
  attachment, employment spells, child in need and child protection plans (a few ending because the family moved
  away), and manual evidence. About 20 measures and events a family on average.

Rows are built column-wise with numpy, ten thousand families at a time, and inserted with SQLAlchemy Core
executemany (``COPY`` on PostgreSQL), never the ORM: the audit listeners are bypassed on purpose. Identifiers are
given explicitly, so the rows of a block can refer to each other without a round trip; PostgreSQL's sequences are
moved past them at the end. Each block draws from its own generator seeded by ``(seed, block number)``, so the
first ten thousand families are the same whatever the size of the cohort. Nothing is committed: the caller owns
the transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import Connection, DateTime, Table, func, select

import tfclaims.models  # noqa: F401  (every table in the metadata)
from tfclaims.auth.roles import Role
from tfclaims.auth.services import hash_password
from tfclaims.db import Base
from tfclaims.demo import (
    ADULT_FEMALE,
    ADULT_MALE,
    CHILD_FEMALE,
    CHILD_MALE,
    CLOSURE_NOTES,
    CLOSURE_WEIGHTS,
    INWARD_LETTERS,
    PRACTITIONERS,
    SURNAMES,
)
from tfclaims.engine.criteria import EXAMPLE_CRITERIA, default_wording
from tfclaims.families.rules import UPN_CHECK_LETTERS

FRAMEWORK_CODE = "TF2015"
REFERENCE_PREFIX = "BENCH-"
PLAN_NAME = "Benchmark outcomes plan (synthetic)"
DOMAIN = "bench.example"
COORDINATOR_EMAIL = f"bench-coordinator@{DOMAIN}"
MANAGER_EMAIL = f"bench-manager@{DOMAIN}"
PASSWORD = "bench-password-not-a-secret"
STAMP = datetime(2021, 3, 31, 12, 0, tzinfo=UTC)  # created_at and updated_at of every generated row
FIRST_ATTACHMENT = date(2015, 6, 1)
LAST_ATTACHMENT = date(2019, 12, 31)
BLOCK = 10_000
MEMBERS_PER_FAMILY = 4  # lead adult, partner, two children

# In the order of the framework's headline problems; per problem: two (descriptor wording, evidence source).
PROBLEMS = ("crime_asb", "school", "children_need_help", "worklessness", "domestic_abuse", "health")
DESCRIPTORS = {
    "crime_asb": [
        ("An adult or child with a proven offence in the last 12 months", "police"),
        ("An adult or child with an anti-social behaviour intervention in the last 12 months", "police"),
    ],
    "school": [
        ("A child missing 10% or more of school sessions across the last three terms", "school"),
        ("A child with three or more fixed-term exclusions in the last three consecutive terms", "school"),
    ],
    "children_need_help": [
        ("A child in need under section 17 of the Children Act 1989", "social_care"),
        ("A child subject to a child protection plan", "social_care"),
    ],
    "worklessness": [
        ("An adult on out-of-work benefits", "dwp"),
        ("A family in rent arrears of eight weeks or more, or at risk of eviction", "housing"),
    ],
    "domestic_abuse": [
        ("A police call-out for a domestic incident in the last 12 months", "police"),
        ("An adult known to local domestic abuse services in the last 12 months", "practitioner"),
    ],
    "health": [
        ("An adult with a mental health problem", "health"),
        ("An adult or young person with a drug or alcohol problem", "health"),
    ],
}
# How often each headline problem is found (as in the demo council).
PROBLEM_WEIGHTS = np.array([3, 5, 5, 6, 3, 6], dtype=float)
PROBLEM_COUNTS = np.array([2, 2, 3, 3, 3, 4])
STATEMENTS = {
    "worklessness": "Lead adult completed a work programme and volunteers two days a week; family budget agreed.",
    "health": "Engaging with the community mental health team for six months; GP confirms improvement.",
}
EMPLOYERS = [
    "Brackenshire Care Ltd",
    "Northgate Retail",
    "Greenfield Logistics",
    "The Red Lion",
    "Harbour Cleaning Services",
    "Brackenshire County Council",
]
LAWFUL_BASES = ["public_task", "public_task_substantial_public_interest", "consent"]
NI_PREFIXES = ["JA", "JB", "JC", "JE", "JG", "JH", "JJ", "JK", "JL", "JM", "JN", "JP", "JR", "JS", "JT", "JW"]

# Tables with identifiers given by the generator, in the order they are inserted (parents first).
BULK_TABLES = (
    "family",
    "member",
    "consent",
    "attachment",
    "identified_problem",
    "measure",
    "event",
    "employment_spell",
    "status_episode",
    "manual_evidence",
)


@dataclass
class Generated:
    families: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    coordinator_email: str = COORDINATOR_EMAIL
    password: str = PASSWORD

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass
class _Context:
    plan_version_id: int
    coordinator_id: int
    manager_id: int
    problem_ids: np.ndarray  # (6,)
    descriptor_ids: np.ndarray  # (6, 2)
    descriptor_sources: np.ndarray  # (6, 2) of str
    base: dict[str, int]  # identifiers of a table's rows start after base[table]
    next_id: dict[str, int]  # for tables whose row count varies per family


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def cohort_size(connection: Connection) -> int:
    """The number of benchmark families already in the database."""
    family = _table("family")
    return connection.scalar(
        select(func.count()).select_from(family).where(family.c.reference.like(f"{REFERENCE_PREFIX}%"))
    )


def generate(connection: Connection, families: int, seed: int = 2015) -> Generated:
    """Bulk-insert a synthetic cohort of ``families`` families. Commits nothing: the caller owns the transaction."""
    started = time.perf_counter()
    if cohort_size(connection):
        raise RuntimeError("The database already holds a benchmark cohort: use an empty database.")
    context = _reference_data(connection)
    rows = {name: 0 for name in BULK_TABLES}
    for number, start in enumerate(range(0, families, BLOCK)):
        rng = np.random.default_rng([seed, number])
        for name, columns in _block(rng, start, min(BLOCK, families - start), context).items():
            rows[name] += _insert(connection, name, columns)
    if connection.dialect.name == "postgresql":
        for name in BULK_TABLES:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
            )
    return Generated(families=families, seconds=time.perf_counter() - started, rows=rows)


# ---------------------------------------------------------------- users, plan, identifiers


def _reference_data(connection: Connection) -> _Context:
    framework, problem = _table("framework"), _table("headline_problem")
    framework_id = connection.scalar(select(framework.c.id).where(framework.c.code == FRAMEWORK_CODE))
    if framework_id is None:
        raise RuntimeError(f"The {FRAMEWORK_CODE} framework is missing: migrate the database first.")
    problem_ids = dict(
        connection.execute(select(problem.c.code, problem.c.id).where(problem.c.framework_id == framework_id)).all()
    )
    password_hash = _password_hash()
    coordinator_id = _user(connection, COORDINATOR_EMAIL, "Benchmark Coordinator", Role.COORDINATOR, password_hash)
    manager_id = _user(connection, MANAGER_EMAIL, "Benchmark Manager", Role.MANAGER, password_hash)
    version_id, descriptor_ids, sources = _plan(connection, framework_id, problem_ids, manager_id)
    base = {name: connection.scalar(select(func.coalesce(func.max(_table(name).c.id), 0))) for name in BULK_TABLES}
    return _Context(
        plan_version_id=version_id,
        coordinator_id=coordinator_id,
        manager_id=manager_id,
        problem_ids=np.array([problem_ids[code] for code in PROBLEMS]),
        descriptor_ids=descriptor_ids,
        descriptor_sources=sources,
        base=base,
        next_id=dict(base),
    )


_PASSWORD_HASH: str | None = None


def _password_hash() -> str:
    """Hashed once per process: argon2 is slow on purpose."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def _user(connection: Connection, email: str, name: str, role: Role, password_hash: str) -> int:
    user, user_role = _table("user"), _table("user_role")
    found = connection.scalar(select(user.c.id).where(user.c.email == email))
    if found is not None:
        return found
    user_id = connection.execute(
        user.insert()
        .values(email=email, name=name, password_hash=password_hash, active=True, failed_logins=0)
        .values(created_at=STAMP, updated_at=STAMP)
        .returning(user.c.id)
    ).scalar_one()
    connection.execute(user_role.insert().values(user_id=user_id, role=role.value))
    return user_id


def _plan(
    connection: Connection, framework_id: int, problem_ids: dict[str, int], manager_id: int
) -> tuple[int, np.ndarray, np.ndarray]:
    plan, version, descriptor, criterion = (
        _table("outcomes_plan"),
        _table("plan_version"),
        _table("descriptor"),
        _table("success_criterion"),
    )
    plan_id = connection.scalar(select(plan.c.id).where(plan.c.name == PLAN_NAME))
    if plan_id is None:
        plan_id = connection.execute(
            plan.insert()
            .values(framework_id=framework_id, name=PLAN_NAME, created_at=STAMP, updated_at=STAMP)
            .returning(plan.c.id)
        ).scalar_one()
        version_id = connection.execute(
            version.insert()
            .values(
                plan_id=plan_id,
                number=1,
                status="published",
                effective_from=date(2015, 4, 1),
                notes="Synthetic plan for the benchmark.",
                published_by_id=manager_id,
                published_at=datetime(2015, 3, 20, 10, 0, tzinfo=UTC),
                created_at=STAMP,
                updated_at=STAMP,
            )
            .returning(version.c.id)
        ).scalar_one()
        for number, code in enumerate(PROBLEMS, start=1):
            for i, (wording, source) in enumerate(DESCRIPTORS[code], start=1):
                connection.execute(
                    descriptor.insert().values(
                        plan_version_id=version_id,
                        problem_id=problem_ids[code],
                        code=f"B{number}.{i}",
                        text=wording,
                        evidence_source=source,
                    )
                )
            for position, (kind, parameters) in enumerate(EXAMPLE_CRITERIA[FRAMEWORK_CODE][code], start=1):
                connection.execute(
                    criterion.insert().values(
                        plan_version_id=version_id,
                        problem_id=problem_ids[code],
                        position=position,
                        kind=kind,
                        parameters=parameters,
                        wording=default_wording(kind, parameters),
                    )
                )
    else:
        version_id = connection.scalar(select(version.c.id).where(version.c.plan_id == plan_id, version.c.number == 1))
    by_code = {
        code: (row_id, source)
        for code, row_id, source in connection.execute(
            select(descriptor.c.code, descriptor.c.id, descriptor.c.evidence_source).where(
                descriptor.c.plan_version_id == version_id
            )
        )
    }
    ids = np.array([[by_code[f"B{n}.{i}"][0] for i in (1, 2)] for n in range(1, 7)])
    sources = np.array([[by_code[f"B{n}.{i}"][1] for i in (1, 2)] for n in range(1, 7)], dtype=object)
    return version_id, ids, sources


_NHS_NUMBERS = np.empty(0, dtype=np.int64)


def _nhs_numbers(count: int) -> np.ndarray:
    """The first ``count`` valid NHS numbers (modulus 11) in the 999 range that NHS England keeps for test data
    (fewer when the range runs out: about 909,000 are valid)."""
    global _NHS_NUMBERS
    if _NHS_NUMBERS.size < count:
        body = 999_000_000 + np.arange(min(1_000_000, count + count // 8 + 100), dtype=np.int64)
        digits = (body[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        check = 11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
        check[check == 11] = 0
        valid = check != 10
        _NHS_NUMBERS = body[valid] * 10 + check[valid]
    return _NHS_NUMBERS


def _upns(serials: np.ndarray) -> list[str]:
    """Unique pupil numbers: a check letter, then local authority 990 and a nine-digit serial."""
    body = 990_000_000_000 + serials.astype(np.int64)
    digits = (body[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    letters = np.array(list(UPN_CHECK_LETTERS))[(digits * np.arange(2, 14)).sum(axis=1) % 23]
    return [f"{letter}{b}" for letter, b in zip(letters.tolist(), body.tolist(), strict=True)]


# ---------------------------------------------------------------- one block of families


def _day(value: date) -> int:
    return int(np.datetime64(value, "D").astype(np.int64))


def _dates(days: np.ndarray, present: np.ndarray | None = None) -> list:
    """Day numbers to ISO dates, ``YYYY-MM-DD`` (``None`` where not present): what SQLite stores for a ``Date``,
    and what PostgreSQL's ``COPY`` reads."""
    text = np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]")).astype(object)
    if present is not None:
        text[~present] = None
    return text.tolist()


def _pick(rng: np.random.Generator, options: list, size, p=None) -> np.ndarray:
    return np.array(options, dtype=object)[rng.choice(len(options), size=size, p=p)]


def _spread(rng: np.random.Generator, families: np.ndarray, counts: np.ndarray, low: np.ndarray, high: np.ndarray):
    """``counts[i]`` days drawn in ``[low, high)`` for each of ``families[i]``: (family per row, day per row)."""
    rows = np.repeat(families, counts)
    span = np.repeat(high - low, counts)
    return rows, np.repeat(low, counts) + (rng.random(rows.size) * span).astype(np.int64)


def _terms() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    starts, ends, labels = [], [], []
    for year in range(2012, 2026):
        for label, start, end in (
            (f"Autumn term {year}", date(year, 9, 1), date(year, 12, 19)),
            (f"Spring term {year + 1}", date(year + 1, 1, 5), date(year + 1, 3, 31)),
            (f"Summer term {year + 1}", date(year + 1, 4, 15), date(year + 1, 7, 21)),
        ):
            starts.append(_day(start))
            ends.append(_day(end))
            labels.append(label)
    return np.array(starts), np.array(ends), np.array(labels, dtype=object)


TERM_STARTS, TERM_ENDS, TERM_LABELS = _terms()


def _ids(context: _Context, table: str, count: int) -> np.ndarray:
    first = context.next_id[table] + 1
    context.next_id[table] += count
    return np.arange(first, first + count)


def _block(rng: np.random.Generator, start: int, size: int, context: _Context) -> dict[str, dict[str, list]]:
    n = size
    index = start + np.arange(n)  # the families' numbers in the cohort, from 0
    family_ids = context.base["family"] + index + 1
    attachment_ids = context.base["attachment"] + index + 1
    # Members in family order: lead adult, partner, child, child.
    member_index = MEMBERS_PER_FAMILY * index[:, None] + np.arange(MEMBERS_PER_FAMILY)
    member_ids = context.base["member"] + member_index + 1

    attached = _day(FIRST_ATTACHMENT) + rng.integers(0, _day(LAST_ATTACHMENT) - _day(FIRST_ATTACHMENT) + 1, n)
    closed = rng.random(n) < 0.3
    closed_on = attached + rng.integers(120, 721, n)
    reasons = list(CLOSURE_WEIGHTS)
    weights = np.array(list(CLOSURE_WEIGHTS.values()), dtype=float)
    reason = _pick(rng, reasons, n, p=weights / weights.sum())
    practitioner = rng.integers(0, len(PRACTITIONERS), n)
    out: dict[str, dict[str, list]] = {}

    out["family"] = {
        "id": family_ids.tolist(),
        "reference": [f"{REFERENCE_PREFIX}{i + 1:07d}" for i in index.tolist()],
        "lead_practitioner": [PRACTITIONERS[i][0] for i in practitioner.tolist()],
        "team": [PRACTITIONERS[i][1] for i in practitioner.tolist()],
        "notes": [""] * n,
    }

    # ---- members
    lead_female = rng.random(n) < 0.78
    sex = np.empty((n, MEMBERS_PER_FAMILY), dtype=object)
    sex[:, 0] = np.where(lead_female, "F", "M")
    sex[:, 1] = np.where(lead_female, "M", "F")
    sex[:, 2:] = np.where(rng.random((n, 2)) < 0.5, "F", "M")
    lead_age = rng.integers(24, 49, n)
    ages = np.column_stack([lead_age, np.maximum(20, lead_age + rng.integers(-4, 7, n)), rng.integers(5, 13, (n, 2))])
    dob = attached[:, None] - (ages * 365.25).astype(np.int64) - rng.integers(0, 365, (n, MEMBERS_PER_FAMILY))
    female = sex == "F"
    forenames = np.where(
        female,
        np.where(
            np.arange(MEMBERS_PER_FAMILY) < 2,
            _pick(rng, ADULT_FEMALE, (n, MEMBERS_PER_FAMILY)),
            _pick(rng, CHILD_FEMALE, (n, MEMBERS_PER_FAMILY)),
        ),
        np.where(
            np.arange(MEMBERS_PER_FAMILY) < 2,
            _pick(rng, ADULT_MALE, (n, MEMBERS_PER_FAMILY)),
            _pick(rng, CHILD_MALE, (n, MEMBERS_PER_FAMILY)),
        ),
    )
    surname = np.repeat(_pick(rng, SURNAMES, (n, 1)), MEMBERS_PER_FAMILY, axis=1)
    surname[:, 1] = np.where(rng.random(n) < 0.6, surname[:, 1], _pick(rng, SURNAMES, n))
    letters = np.array(list(INWARD_LETTERS), dtype=object)
    postcode = [
        f"BR{d} {s}{a}{b}"
        for d, s, a, b in zip(
            rng.integers(1, 10, n).tolist(),
            rng.integers(1, 10, n).tolist(),
            letters[rng.integers(0, len(letters), n)].tolist(),
            letters[rng.integers(0, len(letters), n)].tolist(),
            strict=True,
        )
    ]
    flat = member_index.ravel()
    nhs_pool = _nhs_numbers(int(flat.max()) + 1)
    has_nhs = (rng.random(flat.size) < 0.75) & (flat < nhs_pool.size)
    nhs = np.full(flat.size, None, dtype=object)
    nhs[has_nhs] = nhs_pool[flat[has_nhs]].astype(str)
    child = np.tile(np.arange(MEMBERS_PER_FAMILY) >= 2, n)
    upn = np.full(flat.size, None, dtype=object)
    has_upn = child & (rng.random(flat.size) < 0.9)
    upn[has_upn] = _upns(flat[has_upn])
    ni = np.full(flat.size, None, dtype=object)
    has_ni = ~child & (rng.random(flat.size) < 0.8)
    ni[has_ni] = [
        f"{NI_PREFIXES[(m // 1_000_000) % len(NI_PREFIXES)]}{m % 1_000_000:06d}{'ABCD'[m % 4]}"
        for m in flat[has_ni].tolist()
    ]
    case = np.full(flat.size, None, dtype=object)
    has_case = rng.random(flat.size) < 0.35
    case[has_case] = [f"LCS-{m + 1:07d}" for m in flat[has_case].tolist()]
    out["member"] = {
        "id": member_ids.ravel().tolist(),
        "family_id": np.repeat(family_ids, MEMBERS_PER_FAMILY).tolist(),
        "forenames": forenames.ravel().tolist(),
        "surname": surname.ravel().tolist(),
        "date_of_birth": _dates(dob.ravel()),
        "sex": sex.ravel().tolist(),
        "relationship_to_lead": ["lead_adult", "partner", "child", "child"] * n,
        "resident": [True] * (n * MEMBERS_PER_FAMILY),
        "expectant": [False] * (n * MEMBERS_PER_FAMILY),
        "postcode": np.repeat(np.array(postcode, dtype=object), MEMBERS_PER_FAMILY).tolist(),
        "upn": upn.tolist(),
        "nhs_number": nhs.tolist(),
        "ni_number": ni.tolist(),
        "pnc_number": [None] * (n * MEMBERS_PER_FAMILY),
        "case_reference": case.tolist(),
    }

    # ---- consent of the lead adult (always asked) and the partner (mostly)
    asked = np.column_stack([np.ones(n, dtype=bool), rng.random(n) < 0.9])
    fam, who = np.nonzero(asked)
    status = np.where(rng.random(fam.size) < 0.94, "given", "refused")
    refused = status == "refused"
    out["consent"] = {
        "id": _ids(context, "consent", fam.size).tolist(),
        "member_id": member_ids[fam, who].tolist(),
        "family_id": family_ids[fam].tolist(),
        "status": status.tolist(),
        "recorded_on": _dates(attached[fam] - rng.integers(1, 21, fam.size)),
        "lawful_basis": np.where(refused, "public_task",
                                 _pick(rng, LAWFUL_BASES, fam.size, p=[3 / 11, 6 / 11, 2 / 11])).tolist(),
        "note": [""] * fam.size,
        # Consent to programme work; without it, the Article 9 condition and the statute relied on.
        "scope": ["programme"] * fam.size,
        "given_by": ["self"] * fam.size,
        "special_category_basis": np.where(refused, "substantial_public_interest", "").tolist(),
        "statute": np.where(refused, "Children Act 2004 s.10", "").tolist(),
    }

    out["attachment"] = {
        "id": attachment_ids.tolist(),
        "family_id": family_ids.tolist(),
        "plan_version_id": [context.plan_version_id] * n,
        "attached_on": _dates(attached),
        "closed_on": _dates(closed_on, closed),
        "closure_reason": np.where(closed, reason, None).tolist(),
        "closure_note": [CLOSURE_NOTES[r] if c else "" for r, c in zip(reason.tolist(), closed.tolist(), strict=True)],
    }

    # ---- problems: 2 to 4 distinct headline problems at attachment, weighted; now and then one more after it
    keys = rng.random((n, len(PROBLEMS))) ** (1 / PROBLEM_WEIGHTS)
    rank = np.empty((n, len(PROBLEMS)), dtype=np.int64)
    np.put_along_axis(rank, np.argsort(-keys, axis=1), np.arange(len(PROBLEMS))[None, :].repeat(n, 0), axis=1)
    wanted = PROBLEM_COUNTS[rng.integers(0, PROBLEM_COUNTS.size, n)]
    at_attachment = rank < wanted[:, None]
    late = (rank == wanted[:, None]) & ((rng.random(n) < 0.08) & (wanted < 4))[:, None]
    has = at_attachment | late
    # The member each problem concerns (0 lead adult, 1 partner, 2 and 3 children), and its descriptor.
    member_of = np.column_stack(
        [
            rng.integers(0, 2, n),  # crime and anti-social behaviour: an adult
            rng.integers(2, 4, n),  # school: a child
            rng.integers(2, 4, n),  # children who need help: a child
            np.where(rng.random(n) < 0.7, 0, 1),  # worklessness: an adult
            np.zeros(n, dtype=np.int64),  # domestic abuse: the lead adult
            rng.integers(0, 4, n),  # health: anyone
        ]
    )
    descriptor_of = rng.integers(0, 2, (n, len(PROBLEMS)))
    fam, problem = np.nonzero(has)
    is_late = late[fam, problem]
    evidence = np.where(
        is_late,
        attached[fam] + rng.integers(14, 241, fam.size),
        attached[fam] - rng.integers(0, 91, fam.size),
    )
    chosen_descriptor = descriptor_of[fam, problem]
    out["identified_problem"] = {
        "id": _ids(context, "identified_problem", fam.size).tolist(),
        "attachment_id": attachment_ids[fam].tolist(),
        "family_id": family_ids[fam].tolist(),
        "problem_id": context.problem_ids[problem].tolist(),
        "descriptor_id": context.descriptor_ids[problem, chosen_descriptor].tolist(),
        "member_id": member_ids[fam, member_of[fam, problem]].tolist(),
        "evidence_source": context.descriptor_sources[problem, chosen_descriptor].tolist(),
        "evidence_date": _dates(evidence),
        "identified_after_attachment": is_late.tolist(),
    }
    crime, school, need_help, work, abuse, health = (has[:, i] for i in range(len(PROBLEMS)))
    improving = rng.random(n) < 0.6  # the family's progress, shared by its measures and events

    # ---- termly attendance of both children: from two terms before attachment, 6 to 9 terms
    current_term = np.searchsorted(TERM_STARTS, attached, side="right") - 1
    terms = rng.integers(6, 10, (n, 2)).ravel()
    child_family = np.repeat(np.arange(n), 2)
    child_number = np.tile([2, 3], n)
    fam = np.repeat(child_family, terms)
    who = np.repeat(child_number, terms)
    within = np.arange(terms.sum()) - np.repeat(np.cumsum(terms) - terms, terms)
    term = current_term[fam] - 2 + within
    after = TERM_STARTS[term] >= attached[fam]
    absent_child = school[fam] & (member_of[fam, 1] == who)
    rows = fam.size
    usual = np.clip(rng.normal(95, 3.5, rows), 70, 100)
    before = np.clip(rng.normal(82, 5, rows), 50, 89.9)
    better = np.where(rng.random(rows) < 0.1, np.clip(rng.normal(87, 3, rows), 75, 100), rng.normal(94.5, 3, rows))
    worse = np.clip(rng.normal(86, 5, rows), 60, 98)
    value = np.where(absent_child, np.where(after, np.where(improving[fam], better, worse), before), usual)
    out["measure"] = {
        "id": _ids(context, "measure", rows).tolist(),
        "family_id": family_ids[fam].tolist(),
        "member_id": member_ids[fam, who].tolist(),
        "kind": ["attendance"] * rows,
        "period_label": TERM_LABELS[term].tolist(),
        "period_start": _dates(TERM_STARTS[term]),
        "period_end": _dates(TERM_ENDS[term]),
        "value": np.round(np.clip(value, 0, 100), 1).tolist(),
        "source": np.where(rng.random(rows) < 0.85, "school_census", "school").tolist(),
    }

    # ---- events: (family, member, kind, day, source) from several sources of trouble
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    everyone = np.arange(n)
    year_before, year_after = attached - 365, attached + 365

    def add(families, counts, low, high, member, kinds, sources):
        rows_family, day = _spread(rng, families, counts, low, high)
        count = rows_family.size
        source = sources(count) if callable(sources) else sources
        parts.append((rows_family, np.repeat(member, counts), day, kinds(count), source))

    def offence_or_asb(count):
        return np.where(rng.random(count) < 0.4, "offence", "asb")

    f = everyone[crime]
    add(f, 1 + rng.poisson(2.5, f.size), year_before[f], attached[f], member_of[f, 0], offence_or_asb, "police")
    add(
        f,
        np.where(improving[f], rng.poisson(0.4, f.size), rng.poisson(2.5, f.size)),
        attached[f],
        year_after[f],
        member_of[f, 0],
        offence_or_asb,
        "police",
    )
    f = everyone[abuse]
    abuse_kind = _const("domestic_abuse")
    add(f, 1 + rng.poisson(1.2, f.size), year_before[f], attached[f], member_of[f, 4], abuse_kind, "police")
    add(
        f,
        np.where(improving[f], 0, 1 + rng.poisson(1.0, f.size)),
        attached[f],
        attached[f] + 540,
        member_of[f, 4],
        _const("domestic_abuse"),
        "police",
    )
    f = everyone[school]
    add(f, rng.poisson(0.8, f.size), year_before[f], attached[f], member_of[f, 1], _const("exclusion"), "school")
    add(f, rng.poisson(0.3, f.size), attached[f], year_after[f], member_of[f, 1], _const("exclusion"), "school")
    add(
        everyone,
        rng.poisson(1.5, n),
        attached - 730,
        attached + 730,
        rng.integers(0, MEMBERS_PER_FAMILY, n),
        offence_or_asb,
        lambda count: np.where(rng.random(count) < 0.75, "police", "housing"),
    )
    fam, who, day, kind = (np.concatenate([part[i] for part in parts]) for i in range(4))
    sources = np.concatenate([np.broadcast_to(np.asarray(part[4], dtype=object), part[0].shape) for part in parts])
    out["event"] = {
        "id": _ids(context, "event", fam.size).tolist(),
        "family_id": family_ids[fam].tolist(),
        "member_id": member_ids[fam, who].tolist(),
        "kind": kind.tolist(),
        "occurred_on": _dates(day),
        "source": sources.tolist(),
        "note": [""] * fam.size,
    }

    # ---- employment: out-of-work adults finding work after attachment; partners in work all along
    finds_work = work & (rng.random(n) < 0.45)
    f = everyone[finds_work]
    started_on = attached[f] + rng.integers(30, 361, f.size)
    ended = rng.random(f.size) < 0.3
    prior = _pick(rng, ["JSA", "ESA", "IS", "UC"], f.size, p=[0.25, 0.2, 0.1, 0.45])
    g = everyone[~work & (rng.random(n) < 0.15)]
    f_all = np.concatenate([f, g])
    out["employment_spell"] = {
        "id": _ids(context, "employment_spell", f_all.size).tolist(),
        "family_id": family_ids[f_all].tolist(),
        "member_id": member_ids[f_all, np.concatenate([member_of[f, 3], np.ones(g.size, dtype=np.int64)])].tolist(),
        "started_on": _dates(np.concatenate([started_on, attached[g] - rng.integers(100, 2000, g.size)])),
        "ended_on": _dates(
            np.concatenate([started_on + rng.integers(40, 301, f.size), attached[g]]),
            np.concatenate([ended, np.zeros(g.size, dtype=bool)]),
        ),
        "hours_per_week": np.concatenate(
            [_pick(rng, [16.0, 20.0, 25.0, 30.0, 37.5], f.size), _pick(rng, [30.0, 37.5], g.size)]
        ).tolist(),
        "prior_benefit": np.concatenate([prior, np.full(g.size, "none", dtype=object)]).tolist(),
        "employer": _pick(rng, EMPLOYERS, f_all.size).tolist(),
    }

    # ---- child in need and child protection plans: open at attachment, most ended, a few opened again
    f = everyone[need_help]
    kind = np.where(rng.random(f.size) < 0.75, "child_in_need", "child_protection")
    started_on = attached[f] - rng.integers(30, 401, f.size)
    ended = rng.random(f.size) < 0.65
    ended_on = attached[f] + rng.integers(60, 501, f.size)
    reopened = ended & (rng.random(f.size) < 0.1)
    r = f[reopened]
    old = everyone[~need_help & (rng.random(n) < 0.05)]  # an old plan long closed before attachment
    old_start = attached[old] - rng.integers(900, 1500, old.size)
    all_f = np.concatenate([f, r, old])
    out["status_episode"] = {
        "id": _ids(context, "status_episode", all_f.size).tolist(),
        "family_id": family_ids[all_f].tolist(),
        "member_id": member_ids[
            all_f, np.concatenate([member_of[f, 2], member_of[r, 2], np.full(old.size, 2, dtype=np.int64)])
        ].tolist(),
        "kind": np.concatenate([kind, kind[reopened], np.full(old.size, "child_in_need", dtype=object)]).tolist(),
        "started_on": _dates(
            np.concatenate([started_on, ended_on[reopened] + rng.integers(30, 201, r.size), old_start])
        ),
        "ended_on": _dates(
            np.concatenate([ended_on, ended_on[reopened], old_start + rng.integers(100, 400, old.size)]),
            np.concatenate([ended, np.zeros(r.size, dtype=bool), np.ones(old.size, dtype=bool)]),
        ),
        "end_reason": np.concatenate(
            [
                # Most plans end by a step-down or a closure; now and then the family moves away (not progress).
                np.where(ended, _pick(rng, ["stepped_down", "closed", "moved_away"], f.size, p=[0.5, 0.4, 0.1]), None),
                np.full(r.size, None, dtype=object),
                np.full(old.size, "closed", dtype=object),
            ]
        ).tolist(),
    }

    # ---- manual evidence: for most health problems and some worklessness, with a manager's decision or not
    evidence_for = np.column_stack([health & (rng.random(n) < 0.5), work & (rng.random(n) < 0.15)])
    fam, which = np.nonzero(evidence_for)
    problem = np.where(which == 0, PROBLEMS.index("health"), PROBLEMS.index("worklessness"))
    progress_from = attached[fam] + rng.integers(90, 401, fam.size)
    status = _pick(rng, ["awaiting", "accepted", "declined"], fam.size, p=[0.25, 0.6, 0.15])
    decided = status != "awaiting"
    decided_on = _dates(progress_from + rng.integers(7, 61, fam.size), decided)
    out["manual_evidence"] = {
        "id": _ids(context, "manual_evidence", fam.size).tolist(),
        "family_id": family_ids[fam].tolist(),
        "attachment_id": attachment_ids[fam].tolist(),
        "problem_id": context.problem_ids[problem].tolist(),
        "statement": [STATEMENTS[PROBLEMS[p]] for p in problem.tolist()],
        "progress_from": _dates(progress_from),
        "recorded_by_id": [context.coordinator_id] * fam.size,
        "status": status.tolist(),
        "decided_by_id": np.where(decided, context.manager_id, None).tolist(),
        "decided_at": [
            None if d is None else datetime.fromisoformat(d).replace(hour=10, tzinfo=UTC) for d in decided_on
        ],
        "decided_on": decided_on,
        "decision_reason": np.select(
            [status == "accepted", status == "declined"],
            ["Checked against the family plan review and partner records.", "Progress not yet sustained."],
            "",
        ).tolist(),
    }
    return out


def _const(value: str):
    return lambda count: np.full(count, value, dtype=object)


# ---------------------------------------------------------------- inserting


def _insert(connection: Connection, name: str, columns: dict[str, list]) -> int:
    """Insert rows given column-wise (dates as ISO text); returns how many.

    PostgreSQL: ``COPY``. SQLite: one executemany of the table's Core ``INSERT`` with the values already in the form
    SQLAlchemy's SQLite types store (ISO text for dates and timestamps): the per-row parameter processing of
    ``connection.execute(table.insert(), dicts)`` took three quarters of the time, for the same rows.
    """
    table = _table(name)
    count = len(next(iter(columns.values())))
    if not count:
        return 0
    dialect = connection.dialect.name
    columns = dict(columns)
    if dialect == "sqlite":
        for column, values in columns.items():
            if isinstance(table.c[column].type, DateTime):
                columns[column] = [_sqlite_timestamp(v) for v in values]
    stamp = _sqlite_timestamp(STAMP) if dialect == "sqlite" else STAMP
    for column in ("created_at", "updated_at"):
        if column in table.c:
            columns[column] = [stamp] * count
    names = list(columns)
    if dialect == "postgresql":
        quoted = ", ".join(f'"{c}"' for c in names)
        text_columns = [[_copy_text(v) for v in values] for values in columns.values()]
        with (
            connection.connection.driver_connection.cursor() as cursor,
            cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy,
        ):
            for start in range(0, count, 100_000):
                lines = zip(*(values[start : start + 100_000] for values in text_columns), strict=True)
                copy.write("\n".join(map("\t".join, lines)) + "\n")
        return count
    if dialect != "sqlite":
        raise NotImplementedError(f"The benchmark cohort loads into SQLite or PostgreSQL, not {dialect}.")
    statement = str(table.insert().compile(dialect=connection.dialect, column_keys=names))
    rows = list(zip(*columns.values(), strict=True))
    for start in range(0, count, 100_000):
        connection.exec_driver_sql(statement, rows[start : start + 100_000])
    return count


def _copy_text(value) -> str:
    """A value in COPY's text format (faster than psycopg's ``write_row``, which was a third of the load)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _sqlite_timestamp(value: datetime | None) -> str | None:
    """As SQLAlchemy's SQLite ``DateTime`` stores a timestamp (in UTC, without the zone)."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
