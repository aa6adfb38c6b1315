"""The early-help pathway of the benchmark cohort, and the time to judge it (``make bench``).

``generate(connection, as_of, seed)`` bulk-inserts one episode per benchmark family (most worked, some waiting for
a decision, a third closed): its allocation to one of fifty practitioners, visits, the assessment of the family's
members, the plan, team around the family meetings and supervision, dated in the eighteen months to the as-of day,
some late and some overdue. ``time_pathway(app, as_of)`` then times what the lists and the scorecard's indicators
cost for the whole service: reading the pathway, judging every episode against its practice standards, the six
lists of what is due with their counts, the caseloads, and the early-help indicators for the last 24 months.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from bench.cohort import REFERENCE_PREFIX, _dates, _insert, _password_hash, _table, _user
from tfclaims.auth.roles import Role

PRACTITIONERS = 50
TEAMS = ["North locality", "South locality", "East locality", "West locality", "Early help hub"]
TARGET_SECONDS = 5.0
BLOCK = 20_000


def has_pathway(connection: Connection) -> bool:
    return bool(connection.scalar(select(func.count()).select_from(_table("help_request"))))


def generate(connection: Connection, as_of: date, seed: int = 2016) -> dict[str, int]:
    """Insert the benchmark families' episodes. Commits nothing: the caller owns the transaction."""
    family, member = _table("family"), _table("member")
    rows = connection.execute(
        select(family.c.id, func.min(member.c.id), func.max(member.c.id))
        .join(member, member.c.family_id == family.c.id)
        .where(family.c.reference.like(f"{REFERENCE_PREFIX}%")).group_by(family.c.id).order_by(family.c.id)
    ).all()
    password_hash = _password_hash()
    users = np.array([_user(connection, f"bench-practitioner-{n}@bench.example", f"Practitioner {n:02d}",
                            Role.PRACTITIONER, password_hash) for n in range(1, PRACTITIONERS + 1)])
    counts = {name: 0 for name in ("help_request", "case_allocation", "contact", "assessment", "assessed_member",
                                   "family_plan", "taf_meeting", "supervision")}
    next_id = {name: int(connection.scalar(select(func.coalesce(func.max(_table(name).c.id), 0))))
               for name in counts}
    end = int(np.datetime64(as_of, "D").astype(np.int64))
    for number, start in enumerate(range(0, len(rows), BLOCK)):
        rng = np.random.default_rng([seed, number])
        block = np.array(rows[start:start + BLOCK], dtype=np.int64)
        for name, columns in _block(rng, block, users, end, next_id).items():
            counts[name] += _insert(connection, name, columns)
    if connection.dialect.name == "postgresql":
        for name in counts:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
    return counts


def _ids(next_id: dict, table: str, count: int) -> np.ndarray:
    first = next_id[table] + 1
    next_id[table] += count
    return np.arange(first, first + count)


def _moments(days: np.ndarray, minutes: np.ndarray) -> list:
    base = datetime(1970, 1, 1)
    return [base + timedelta(days=int(d), minutes=int(m)) for d, m in zip(days, minutes, strict=True)]


def _repeat_days(rng, owners, first, every_low, every_high, last):
    """For each owner, days from ``first`` every ``every_low`` to ``every_high`` days up to ``last``: (owner index,
    day) per row, set-based (at most 40 per owner)."""
    steps = rng.integers(every_low, every_high, size=(owners.size, 40))
    days = first[:, None] + np.cumsum(steps, axis=1) - steps[:, :1]
    keep = days <= last[:, None]
    index = np.nonzero(keep)
    return index[0], days[keep]


def _block(rng, block: np.ndarray, users: np.ndarray, end: int, next_id: dict) -> dict[str, dict[str, list]]:
    n = len(block)
    family_ids, first_member, last_member = block[:, 0], block[:, 1], block[:, 2]
    request_ids = _ids(next_id, "help_request", n)
    received = end - rng.integers(1, 540, size=n)
    decided = rng.random(n) < 0.95
    closed = decided & (rng.random(n) < 0.35) & (received < end - 120)
    closed_on = np.minimum(received + rng.integers(90, 330, size=n), end)
    late = rng.random(n) < 0.15
    allocated = received + np.where(late, rng.integers(3, 9, size=n), rng.integers(0, 2, size=n))
    worked = decided & (allocated <= end)
    last = np.where(closed, closed_on, end)
    out = {
        "help_request": {
            "id": request_ids.tolist(), "family_id": family_ids.tolist(),
            "received_at": _moments(received, rng.integers(510, 1020, size=n)),
            "source": rng.choice(["school", "health", "police", "front_door", "family"], size=n).tolist(),
            "reason": ["Benchmark request"] * n,
            "decision": np.where(decided, "early_help", None).tolist(),
            "decided_on": _dates(received, decided),
            "closed_on": _dates(closed_on, closed),
            "closure_reason": np.where(closed, "outcomes_met", None).tolist(),
            "closure_letter_sent": np.where(closed, True, None).tolist(),
        },
    }
    w = np.nonzero(worked)[0]
    out["case_allocation"] = {
        "id": _ids(next_id, "case_allocation", w.size).tolist(), "request_id": request_ids[w].tolist(),
        "family_id": family_ids[w].tolist(), "practitioner_id": users[rng.integers(0, users.size, w.size)].tolist(),
        "team": np.array(TEAMS, dtype=object)[rng.integers(0, len(TEAMS), w.size)].tolist(),
        "allocated_at": _moments(allocated[w], rng.integers(540, 1000, size=w.size)),
    }
    first_visit = allocated[w] + np.where(late[w], rng.integers(6, 12, w.size), rng.integers(0, 6, w.size))
    owner, days = _repeat_days(rng, w, first_visit, 8, 16, last[w])
    out["contact"] = {
        "id": _ids(next_id, "contact", owner.size).tolist(), "request_id": request_ids[w][owner].tolist(),
        "family_id": family_ids[w][owner].tolist(), "occurred_on": _dates(days),
        "kind": rng.choice(["home_visit", "home_visit", "school_visit", "phone"], size=owner.size).tolist(),
        "child_seen_alone": (rng.random(owner.size) < 0.4).tolist(), "note": [""] * owner.size,
    }
    completed = allocated[w] + rng.integers(10, 40, w.size)
    done = completed <= last[w]
    assessment_ids = _ids(next_id, "assessment", w.size)
    out["assessment"] = {
        "id": assessment_ids.tolist(), "request_id": request_ids[w].tolist(), "family_id": family_ids[w].tolist(),
        "started_on": _dates(np.minimum(first_visit, last[w])), "completed_on": _dates(completed, done),
    }
    members = np.stack([first_member[w], last_member[w]], axis=1)
    two = members[:, 0] != members[:, 1]
    assessed = np.concatenate([np.arange(w.size), np.nonzero(two)[0]])
    out["assessed_member"] = {
        "id": _ids(next_id, "assessed_member", assessed.size).tolist(),
        "assessment_id": assessment_ids[assessed].tolist(),
        "member_id": np.concatenate([members[:, 0], members[two, 1]]).tolist(),
        "family_id": family_ids[w][assessed].tolist(),
    }
    p = np.nonzero(done)[0]
    out["family_plan"] = {
        "id": _ids(next_id, "family_plan", p.size).tolist(), "request_id": request_ids[w][p].tolist(),
        "family_id": family_ids[w][p].tolist(), "opened_on": _dates(np.minimum(completed[p] + 2, last[w][p])),
        "copy_given_on": _dates(np.minimum(completed[p] + 5, last[w][p])),
    }
    first_taf = completed[p] + rng.integers(3, 20, p.size)
    owner, days = _repeat_days(rng, p, first_taf, 30, 60, last[w][p])
    first_of_owner = np.r_[True, owner[1:] != owner[:-1]] if owner.size else np.array([], dtype=bool)
    out["taf_meeting"] = {
        "id": _ids(next_id, "taf_meeting", owner.size).tolist(), "request_id": request_ids[w][p][owner].tolist(),
        "family_id": family_ids[w][p][owner].tolist(), "held_on": _dates(days),
        "kind": np.where(first_of_owner, "initial", "review").tolist(), "agencies": ["school,health"] * owner.size,
    }
    owner, days = _repeat_days(rng, w, allocated[w] + 20, 20, 45, last[w])
    out["supervision"] = {
        "id": _ids(next_id, "supervision", owner.size).tolist(), "request_id": request_ids[w][owner].tolist(),
        "family_id": family_ids[w][owner].tolist(), "held_on": _dates(days), "kind": ["individual"] * owner.size,
        "note": ["Benchmark supervision"] * owner.size,
    }
    return out


def _line(label: str, value: str, width: int = 34) -> None:
    print(f"  {label:<{width}} {value}")


def time_pathway(app, as_of: date, runs: int = 3) -> None:
    """Time the service's lists and indicators, as the early-help pages compute them."""
    from tfclaims.extensions import db
    from tfclaims.pathway import lists, queries

    try:
        from tfclaims.pathway import indicators
    except ImportError:  # pragma: no cover
        indicators = None
    steps: dict[str, list[float]] = {"read the pathway (load_frames)": [], "judge every episode (episodes)": [],
                                     "the six lists and their counts": [], "caseloads per practitioner": [],
                                     "indicators, 24 months": [], "total": []}
    with app.app_context():
        for _ in range(runs):
            started = time.perf_counter()
            frames = queries.load_frames()
            t1 = time.perf_counter()
            e = lists.episodes(frames, lists.standards_frame(queries.all_standards()), as_of)
            t2 = time.perf_counter()
            counts = lists.list_counts(e, as_of)
            t3 = time.perf_counter()
            lists.caseloads(e, as_of)
            t4 = time.perf_counter()
            if indicators is not None:
                indicators.monthly(frames, e, date(as_of.year - 2, as_of.month, 1), as_of)
            t5 = time.perf_counter()
            for label, seconds in zip(steps, (t1 - started, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - started),
                                      strict=True):
                steps[label].append(seconds)
            db.session.remove()
    print(f"\nEarly-help pathway: {len(e):,} episodes judged as of {as_of:%d %B %Y} ({runs} runs)")
    _line("", f"{'best':>9} {'median':>9}")
    for label, values in steps.items():
        _line(label, f"{min(values):>7.2f} s {statistics.median(values):>7.2f} s")
    total = statistics.median(steps["total"])
    _line("", f"{'met' if total < TARGET_SECONDS else 'NOT met'}: target under {TARGET_SECONDS:.0f} s (median)")
    _line("overdue now", ", ".join(f"{slug} {late:,}" for slug, (_n, late) in counts.items()))
