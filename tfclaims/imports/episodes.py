"""The early-help pathway in the case-management export: a request, its decision, assessment, family plan and closure,
as optional columns of a person's row. Pure: plain values in, facts and reasons out; nothing of the database.

How rows become records (``docs/imports.md``, the case-management export):

- **One request per family per day received.** The pathway columns speak of the family's request received on the
  row's *Request received on* day; they may be repeated on every person's row of the family or given on one. Rows of
  one family (its *Family reference*) with the same day received are the same request: a value given on one row and
  left empty on another is the request's; two rows giving different values are not both right, and the later row is
  not valid, saying which row it disagrees with (``gather``).
- **The assessment and the family plan belong to that request** (one of each, as in tfclaims). The people assessed
  are the people whose rows give the assessment's dates.
- **The order the records keep** is the pathway's (``tfclaims.pathway.services``): nothing before the request was
  received nor after today; an assessment completes on or after it started; a plan follows the assessment's start;
  the assessment, the plan and the closure need a decision to work with the family; nothing after the episode
  closed, and it closes on or after its latest record (``order_problems``). A row that breaks it is not valid: its
  row number, column and reason are shown at the preview, and nothing of it is written.
- **Facts already held** (``merge``): a request the family already has on that day (typed or imported) is the same
  request; a value the file gives that tfclaims lacks is added, one it gives otherwise replaces it (what it replaced
  kept for undo), and an empty cell never empties a value held. The order is checked again on the request as it
  would stand, with the records typed since (allocations, contacts, meetings, supervision, steps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from tfclaims.pathway.vocabulary import CLOSURE_REASONS, DECISIONS, REQUEST_SOURCES, WORKED_DECISIONS

# The columns (``sources.CASE_MANAGEMENT``) and the fact each holds.
RECEIVED_ON = "Request received on"
RECEIVED_AT = "Request received at"
SOURCE = "Request source"
DECISION = "Decision"
DECIDED_ON = "Decided on"
ASSESSMENT_STARTED = "Assessment started"
ASSESSMENT_COMPLETED = "Assessment completed"
PLAN_OPENED = "Plan opened"
CLOSED_ON = "Episode closed on"
CLOSURE_REASON = "Episode closure reason"
FACTS = {
    RECEIVED_ON: "received_on",
    RECEIVED_AT: "received_time",
    SOURCE: "source",
    DECISION: "decision",
    DECIDED_ON: "decided_on",
    ASSESSMENT_STARTED: "assessment_started",
    ASSESSMENT_COMPLETED: "assessment_completed",
    PLAN_OPENED: "plan_opened",
    CLOSED_ON: "closed_on",
    CLOSURE_REASON: "closure_reason",
}
COLUMNS = tuple(FACTS)
COLUMN_OF = {fact: column for column, fact in FACTS.items()}
DATE_FACTS = ("received_on", "decided_on", "assessment_started", "assessment_completed", "plan_opened", "closed_on")
DATE_COLUMNS = frozenset(COLUMN_OF[f] for f in DATE_FACTS)
TIME_COLUMNS = frozenset({RECEIVED_AT})
# The facts of each record, as the records name them.
REQUEST_FACTS = ("received_time", "source", "decision", "decided_on", "closed_on", "closure_reason")
ASSESSMENT_FACTS = ("assessment_started", "assessment_completed")
PLAN_FACTS = ("plan_opened",)
WORDS = {"source": REQUEST_SOURCES, "decision": DECISIONS, "closure_reason": CLOSURE_REASONS}

_WORKED = ", ".join(DECISIONS[d] for d in DECISIONS if d in WORKED_DECISIONS)


def _day(on: date) -> str:
    return f"{on:%d/%m/%Y}"


def shown(fact: str, value: Any) -> str:
    """A fact's value as a coordinator reads it in a reason."""
    if value is None:
        return "empty"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, date):
        return _day(value)
    return WORDS.get(fact, {}).get(value, str(value))


def facts(row: dict[str, Any]) -> dict[str, Any]:
    """The pathway facts a row's values give (empty cells left out): ``{fact: value}``."""
    return {fact: row[column] for column, fact in FACTS.items() if row.get(column) is not None}


def row_problems(row: dict[str, Any], today: date) -> list[tuple[str, str]]:
    """A row's pathway columns checked alone: (column, reason), or nothing. ``row`` as ``sources`` read it."""
    given = facts(row)
    if not given:
        return []
    if "received_on" not in given:
        named = ", ".join(COLUMN_OF[f] for f in given)
        return [(RECEIVED_ON, f"{named} {'is' if len(given) == 1 else 'are'} given but not the date the request for "
                              "early help was received")]
    problems = [(COLUMN_OF[f], f"{_day(given[f])} is in the future") for f in DATE_FACTS
                if f in given and given[f] > today]
    return problems + order_problems(given, complete=False)


@dataclass(frozen=True)
class Held:
    """A request tfclaims already holds for the family on that day: its facts (as ``facts`` names them) and what of
    it the import never writes: the latest of its other records (allocations, contacts, meetings, supervision,
    steps: the day and what it is), its first allocation, and the day the family was given a copy of its plan."""

    facts: dict[str, Any]
    latest: tuple[date, str] | None = None
    allocated_at: datetime | None = None
    copy_given_on: date | None = None


def order_problems(f: dict[str, Any], held: Held | None = None, *, complete: bool = True) -> list[tuple[str, str]]:
    """The order rules of the pathway on one request's facts (a row's, rows together, or what tfclaims holds with
    what the file gives): (column, reason) for each broken. With ``complete`` false, only the facts given are
    compared (a row alone: what it lacks may be on another row); with it, what a fact needs must be there too (a
    source; a decision to work with the family for an assessment, plan or closure; an assessment's start for its
    completion and for a plan; a closure's date and reason together)."""
    problems: list[tuple[str, str]] = []
    received, source = f.get("received_on"), f.get("source")
    decision, decided = f.get("decision"), f.get("decided_on")
    started, completed = f.get("assessment_started"), f.get("assessment_completed")
    opened, closed, reason = f.get("plan_opened"), f.get("closed_on"), f.get("closure_reason")

    def before_request(fact: str, what: str) -> None:
        if received is not None and f.get(fact) is not None and f[fact] < received:
            problems.append((COLUMN_OF[fact], f"{what} ({_day(f[fact])}) before the request was received "
                                              f"({_day(received)})"))

    if complete and received is not None and source is None:
        problems.append((SOURCE, f"the request received {_day(received)} needs its source (who asked for early "
                                 "help), on this row or another of the family's"))
    if complete and decided is not None and decision is None:
        problems.append((DECISION, "a decision date is given but no decision"))
    before_request("decided_on", "the decision was made")
    if held is not None and held.allocated_at is not None:
        if decision is not None and decision not in WORKED_DECISIONS:
            problems.append((DECISION, "the request is allocated to a lead practitioner in tfclaims: it can only be "
                                       f"decided as work with the family ({_WORKED})"))
        if received is not None and received_at(f) > held.allocated_at:
            problems.append((RECEIVED_AT if f.get("received_time") else RECEIVED_ON,
                             f"the request was allocated in tfclaims on {_day(held.allocated_at)} at "
                             f"{held.allocated_at:%H:%M}, before the time it was received ({received_at(f):%H:%M})"))
    if (started or completed or opened or closed) and decision not in WORKED_DECISIONS and (complete or decision):
        problems.append((DECISION, "an assessment, a family plan or a closure needs a decision to work with the "
                                   f"family ({_WORKED})" + (f", not {shown('decision', decision)}" if decision
                                                            else "")))
    if complete and completed is not None and started is None:
        problems.append((ASSESSMENT_STARTED, "an assessment completed needs the date it started"))
    before_request("assessment_started", "the assessment started")
    before_request("assessment_completed", "the assessment was completed")
    if started is not None and completed is not None and completed < started:
        problems.append((ASSESSMENT_COMPLETED, f"the assessment was completed ({_day(completed)}) before it started "
                                               f"({_day(started)})"))
    if complete and opened is not None and started is None:
        problems.append((PLAN_OPENED, "a family plan follows the assessment: give the date the assessment started"))
    before_request("plan_opened", "the family plan opened")
    if opened is not None and started is not None and opened < started:
        problems.append((PLAN_OPENED, f"the family plan opened ({_day(opened)}) before the assessment started "
                                      f"({_day(started)})"))
    if opened is not None and held is not None and held.copy_given_on is not None and held.copy_given_on < opened:
        problems.append((PLAN_OPENED, f"the family was given a copy of the plan on {_day(held.copy_given_on)} (in "
                                      f"tfclaims), before the day it opened ({_day(opened)})"))
    if complete and closed is not None and reason is None:
        problems.append((CLOSURE_REASON, "a closed episode needs its closure reason"))
    if complete and reason is not None and closed is None:
        problems.append((CLOSED_ON, "a closure reason is given but no date the episode closed"))
    before_request("closed_on", "the episode closed")
    if closed is not None:
        latest = [(f[fact], COLUMN_OF[fact].lower()) for fact in ("decided_on", "assessment_started",
                                                                  "assessment_completed", "plan_opened")
                  if f.get(fact) is not None]
        if held is not None and held.latest is not None:
            latest.append(held.latest)
        if latest:
            day, what = max(latest)
            if day > closed:
                problems.append((CLOSED_ON, f"the episode closed ({_day(closed)}) before its latest record ({what}, "
                                            f"{_day(day)})"))
    return problems


def merge(held: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The facts ``given`` laid over those ``held``: the merged facts, and the facts given otherwise than held (in
    ``FACTS`` order). An empty cell (a fact not given) never empties a held one."""
    merged = dict(held)
    differ = []
    for fact in FACTS.values():
        if given.get(fact) is not None:
            if held.get(fact) is not None and held[fact] != given[fact]:
                differ.append(fact)
            merged[fact] = given[fact]
    return merged, differ


@dataclass
class Request:
    """One request as a file gives it: its facts (over what tfclaims holds, when it holds the request), the row that
    first gave each fact, and the rows that gave any."""

    facts: dict[str, Any]
    held: Held | None = None
    given_by: dict[str, int] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)

    def changed(self) -> list[str]:
        """The facts the file adds to or changes in what tfclaims holds (all it gives, for a request not held)."""
        before = self.held.facts if self.held else {}
        return [fact for fact in FACTS.values() if self.facts.get(fact) is not None
                and self.facts[fact] != before.get(fact)]


def gather(rows: list[tuple[int, Any, dict[str, Any]]], held: dict[tuple, Held] | None = None
           ) -> tuple[dict[tuple, Request], dict[int, list[tuple[str, str]]]]:
    """A file's requests: its rows (row number, the family they belong to, values), in row order, gathered into one
    request per family and day received, over what tfclaims holds (``held``, by (family, day)). Returns the
    requests by (family, day), and the problems of each row that disagrees with an earlier row of its request,
    would change a request closed in tfclaims, or would put the request out of order: such a row adds nothing.

    When ``held`` is given (what tfclaims holds is known, if nothing), each request is then checked whole, as it
    would stand: one that lacks what a fact needs (its source; the decision an assessment needs...) is not made or
    changed, and each of its rows says why. Without it (the file alone, before its families are known) only the
    facts given are compared."""
    requests: dict[tuple, Request] = {}
    problems: dict[int, list[tuple[str, str]]] = {}
    for number, family, row in sorted(rows, key=lambda r: r[0]):
        given = facts(row)
        if "received_on" not in given:
            continue
        key = (family, given["received_on"])
        request = requests.get(key)
        if request is None:
            before = (held or {}).get(key)
            request = Request(dict(before.facts) if before else {}, before)
        merged, differ = merge(request.facts, given)
        found = [(COLUMN_OF[fact], f"{shown(fact, given[fact])} is not what row {request.given_by[fact]} says of the "
                                   f"same request ({shown(fact, request.facts[fact])}): the rows of a family's "
                                   "request must agree") for fact in differ if fact in request.given_by]
        if not found and request.held and request.held.facts.get("closed_on") and merged != request.facts:
            fact = next(f for f in FACTS.values() if merged.get(f) != request.facts.get(f))
            found = [(COLUMN_OF[fact], f"the request received {_day(key[1])} closed on "
                                       f"{_day(request.held.facts['closed_on'])} in tfclaims: its records are kept as "
                                       "they were")]
        if not found:
            known = (set(order_problems(request.facts, request.held, complete=False))
                     | set(order_problems(given, complete=False)))
            found = [(column, reason + _taken_with(request))
                     for column, reason in order_problems(merged, request.held, complete=False)
                     if (column, reason) not in known]
        if found:
            problems[number] = found
            continue
        request.facts = merged
        request.rows.append(number)
        for fact in given:
            request.given_by.setdefault(fact, number)
        requests[key] = request
    if held is not None:
        for key, request in list(requests.items()):
            already = set(order_problems(request.held.facts, request.held)) if request.held else set()
            lacking = [p for p in order_problems(request.facts, request.held) if p not in already]
            if lacking:
                for number in request.rows:
                    problems[number] = lacking
                del requests[key]
    return requests, dict(sorted(problems.items()))


def _taken_with(request: Request) -> str:
    parts = []
    numbers = sorted(set(request.given_by.values()))
    if numbers:
        listed = str(numbers[0]) if len(numbers) == 1 else ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
        parts.append(f"row{'s' if len(numbers) > 1 else ''} {listed} of the same request")
    if request.held is not None:
        parts.append("what tfclaims holds of it")
    return f", taken with {' and '.join(parts)}" if parts else ""


def received_at(f: dict[str, Any]) -> datetime:
    """The moment a request was received: its day and time (midnight when no time is given, as when typed)."""
    return datetime.combine(f["received_on"], f.get("received_time") or time(0))
