"""The case-management export written into the register: families, members, identifiers and attachments.

Called by ``services`` when a case-management file is confirmed (or a row of one is decided in review). Each row is
a person of a family named by its reference:

- a person matched to a member (by identifier, automatically or in review) has the identifiers the register lacks
  filled in (never overwritten: a different identifier is a matter for the family's page);
- a person the register does not hold (unmatched, not for conflicting identifiers) is added to their family, made
  first when the register does not hold the family's reference;
- a family with an attachment date and no attachment then is attached under the plan in force on that day, with the
  problems its rows name (descriptor codes, identified on the attachment date); a closure date closes it;
- a family whose rows give an early-help request (``episodes``: the day received, its source, decision, assessment,
  family plan and closure) has that request, made when the family has none received that day, its facts added or
  changed when it has (the order rules checked on the request as it would stand); each request, assessment and plan
  made names the row that first gave it (``import_row_id``).

An attachment that the programme's rules refuse (too few problems, no plan in force, an open attachment already) is
not made, and the family's rows say why: the rest of the file is still written. The early-help columns are checked
when the file is read (``pathway_problems``: a row that breaks the order is not valid, and nothing of it is
written), and again when it is written, in case tfclaims changed meanwhile: a request refused then is not written,
and its rows say why. Every creation and update is kept on its row (``ImportRow.replaced``), so that undoing the
import takes it back. Members, families, attachments, requests, assessments and plans are written through the ORM, so
that each is audited as when typed in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.families import services as family_services
from tfclaims.families.models import Attachment, Family, Member
from tfclaims.imports import episodes, records, sources
from tfclaims.imports.models import ImportBatch, ImportRow
from tfclaims.imports.vocabulary import (
    ACCEPTED,
    AUTO,
    CREATED,
    DUPLICATE,
    EXACT,
    IDENTIFIERS_DISAGREE,
    NEW,
    UNMATCHED,
    UPDATED,
)
from tfclaims.pathway.models import (
    AssessedMember,
    Assessment,
    CaseAllocation,
    Contact,
    FamilyPlan,
    HelpRequest,
    OutcomeScore,
    Step,
    Supervision,
    TafMeeting,
)

KIND = "case_management"
IDENTIFIERS = {"UPN": "upn", "NHS number": "nhs_number", "NI number": "ni_number", "PNC number": "pnc_number",
               "Case reference": "case_reference"}
_DATES = frozenset(c.name for c in sources.SOURCES[KIND].columns if c.holds == "date")
_TIMES = frozenset(c.name for c in sources.SOURCES[KIND].columns if c.holds == "time")


def values_of(row: ImportRow) -> dict[str, Any]:
    return records.from_json(row.values or {}, _DATES, _TIMES)


def descriptor_problems(rows: list[tuple[int, dict[str, Any]]]) -> dict[int, list[dict[str, str]]]:
    """The rows whose problem codes are not descriptors of the plan in force on their attachment date: row number
    -> [{column, reason}]. Read when the file is read, so that the preview shows them."""
    from tfclaims.outcomes_plan.queries import get_version_in_force

    versions: dict[date, Any] = {}
    found: dict[int, list[dict[str, str]]] = {}
    for number, row in rows:
        codes, on = row.get("Problems") or (), row.get("Attached on")
        if not codes or on is None:
            continue
        if on not in versions:
            versions[on] = get_version_in_force(on)
        version = versions[on]
        if version is None:
            found[number] = [{"column": "Attached on", "reason": f"no outcomes plan is in force on {on:%d/%m/%Y}"}]
            continue
        known = {d.code.upper() for d in version.descriptors}
        unknown = [code for code in codes if code not in known]
        if unknown:
            found[number] = [{"column": "Problems", "reason": f"{', '.join(unknown)} "
                              f"{'is not a descriptor' if len(unknown) == 1 else 'are not descriptors'} of "
                              f"{version.label}"}]
    return found


def write(batch: ImportBatch, rows: list[ImportRow]) -> dict[str, int]:
    """Write the rows (matched, accepted, or to be added). Returns created, updated and duplicate counts (of rows)."""
    references = sorted({values_of(r)["Family reference"] for r in rows})
    families = {f.reference: f for f in db.session.scalars(select(Family).where(Family.reference.in_(references)))}
    by_family: dict[int, list[tuple[ImportRow, dict[str, Any]]]] = defaultdict(list)
    for row in rows:
        values = values_of(row)
        changes: list[dict[str, Any]] = list(row.replaced or [])
        if row.status in (EXACT, AUTO, ACCEPTED) and row.member_id is not None:
            member = db.session.get(Member, row.member_id)
            if member is None:
                continue
            before = {column: getattr(member, column) for column in IDENTIFIERS.values()}
            filled = {column: values[name] for name, column in IDENTIFIERS.items()
                      if values.get(name) and not before[column]}
            for column, value in filled.items():
                setattr(member, column, value)
            if filled:
                changes.append({"table": "member", "id": member.id, "values": {c: before[c] for c in filled}})
            row.outcome = UPDATED if filled else DUPLICATE
            family = member.family
        elif row.status == UNMATCHED and not _conflict(row):
            family = families.get(values["Family reference"])
            if family is None:
                family = Family(reference=values["Family reference"], lead_practitioner=values.get(
                    "Lead practitioner") or "", team=values.get("Team") or "")
                db.session.add(family)
                db.session.flush()
                families[family.reference] = family
                changes.append({"table": "family", "id": family.id, "created": True})
            member = Member(family_id=family.id, forenames=values["Forename"], surname=values["Surname"],
                            date_of_birth=values["Date of birth"], sex=values.get("Sex") or "X",
                            relationship_to_lead=values["Relationship"], resident=values.get("Resident", True),
                            postcode=values.get("Postcode") or "",
                            **{column: values.get(name) or None for name, column in IDENTIFIERS.items()})
            db.session.add(member)
            db.session.flush()
            changes.append({"table": "member", "id": member.id, "created": True})
            row.status, row.member_id, row.outcome, row.reasons = NEW, member.id, CREATED, []
        else:
            continue
        row.family_id = family.id
        row.replaced = changes
        by_family[family.id].append((row, values))
    db.session.flush()
    for family_id, members in by_family.items():
        _attach(db.session.get(Family, family_id), members)
        _pathway(db.session.get(Family, family_id), members)
    db.session.flush()
    outcomes = Counter(row.outcome for members in by_family.values() for row, _values in members)
    return {"created": outcomes.get(CREATED, 0), "updated": outcomes.get(UPDATED, 0),
            "duplicates": outcomes.get(DUPLICATE, 0)}


def _conflict(row: ImportRow) -> bool:
    return any(reason.get("reason") == IDENTIFIERS_DISAGREE for reason in row.reasons or [])


def _attach(family: Family, members: list[tuple[ImportRow, dict[str, Any]]]) -> None:
    """Attach (and close) the family as its rows say, when it is not attached on that day already; a refusal is
    written on the rows, the rest of the file stands."""
    dated = [(row, values) for row, values in members if values.get("Attached on")]
    if not dated:
        return
    row, values = dated[0]
    attached_on = values["Attached on"]
    db.session.refresh(family)
    if any(a.attached_on == attached_on for a in family.attachments):
        attachment = next(a for a in family.attachments if a.attached_on == attached_on)
    else:
        try:
            with db.session.begin_nested():
                version = family_services.check_attachment_date(family, attached_on)
                codes = {d.code.upper(): d.id for d in version.descriptors}
                problems = [family_services.ProblemInput(descriptor_id=codes[code], member_id=r.member_id,
                                                         evidence_date=attached_on)
                            for r, v in dated for code in (v.get("Problems") or ()) if code in codes]
                attachment = family_services.attach_family(family, attached_on, problems)
        except DomainError as refused:
            _note(dated, f"The family was not attached on {attached_on:%d/%m/%Y}: {refused.message}")
            return
        row.replaced = [*(row.replaced or []), {"table": "attachment", "id": attachment.id, "created": True}]
        if row.outcome == DUPLICATE:
            row.outcome = UPDATED
    closed_on = values.get("Closed on")
    if closed_on and attachment.is_open:
        try:
            with db.session.begin_nested():
                family_services.close_attachment(attachment, closed_on, values["Closure reason"],
                                                 note="Closed by the case-management export",
                                                 confirm_not_sustained=True)
        except DomainError as refused:
            _note(dated, f"The attachment was not closed on {closed_on:%d/%m/%Y}: {refused.message}")
            return
        row.replaced = [*(row.replaced or []), {"table": "attachment", "id": attachment.id, "values": {
            "closed_on": None, "closure_reason": None, "closure_note": ""}}]


def _note(rows: list[tuple[ImportRow, dict[str, Any]]], reason: str) -> None:
    for row, _values in rows:
        row.reasons = [*(row.reasons or []), {"column": "Attached on", "reason": reason}]


# ------------------------------------------------------------------ the early-help pathway


def _requests_on(keys: set[tuple[int, date]]) -> dict[tuple[int, date], HelpRequest]:
    """The families' requests received on those days, by (family, day) (the first, should a family have two)."""
    found: dict[tuple[int, date], HelpRequest] = {}
    families = sorted({family_id for family_id, _day in keys})
    for start in range(0, len(families), 500):
        for request in db.session.scalars(select(HelpRequest).where(
                HelpRequest.family_id.in_(families[start:start + 500]))
                .order_by(HelpRequest.received_at.desc(), HelpRequest.id.desc())):
            key = (request.family_id, request.received_at.date())
            if key in keys:
                found[key] = request
    return found


def _held(request: HelpRequest) -> episodes.Held:
    """What tfclaims holds of a request, as ``episodes`` reads it."""
    assessment = db.session.scalar(select(Assessment).where(Assessment.request_id == request.id))
    plan = db.session.scalar(select(FamilyPlan).where(FamilyPlan.request_id == request.id))
    facts = {"received_on": request.received_at.date(), "received_time": request.received_at.time(),
             "source": request.source, "decision": request.decision, "decided_on": request.decided_on,
             "closed_on": request.closed_on, "closure_reason": request.closure_reason,
             "assessment_started": assessment.started_on if assessment else None,
             "assessment_completed": assessment.completed_on if assessment else None,
             "plan_opened": plan.opened_on if plan else None}
    allocated_at = db.session.scalar(select(func.min(CaseAllocation.allocated_at))
                                     .where(CaseAllocation.request_id == request.id))
    others = [(allocated_at.date() if allocated_at else None, "an allocation")]
    others += [(_as_day(db.session.scalar(select(func.max(column)).where(model.request_id == request.id))), what)
               for model, column, what in ((Contact, Contact.occurred_on, "a contact"),
                                           (TafMeeting, TafMeeting.held_on, "a team around the family meeting"),
                                           (Supervision, Supervision.held_on, "a supervision"),
                                           (Step, Step.stepped_on, "a step up or down"))]
    if plan is not None and plan.copy_given_on:
        others.append((plan.copy_given_on, "the family given a copy of its plan"))
    dated = [(day, what) for day, what in others if day is not None]
    return episodes.Held({k: v for k, v in facts.items() if v is not None}, max(dated) if dated else None,
                         allocated_at, plan.copy_given_on if plan else None)


def _as_day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _held_requests(keys: set[tuple[int, date]]) -> tuple[dict[tuple, episodes.Held], dict[tuple, HelpRequest]]:
    found = _requests_on(keys)
    return {key: _held(request) for key, request in found.items()}, found


def pathway_problems(rows: list, matches: dict[int, dict[str, Any]],
                     family_of_member: dict[int, int]) -> dict[int, list[dict[str, str]]]:
    """The rows whose early-help columns disagree with an earlier row of the same request, or would put the request
    out of order, taken with what tfclaims holds of it: row number -> [{column, reason}]. Read when the file is read
    (after matching, to know each row's family), so that the preview shows them and nothing of them is written.
    ``rows``: the valid rows (``sources.ValidRow``); ``matches``: each row's match; ``family_of_member``: the
    matched members' families."""
    given = [r for r in rows if r.values.get(episodes.RECEIVED_ON) is not None]
    if not given:
        return {}
    # The file alone: one request per family reference and day.
    _requests, problems = episodes.gather([(r.number, r.values["Family reference"], r.values) for r in given])
    # With what tfclaims holds, for the rows whose family is known now (a row in review is checked when decided).
    references = sorted({r.values["Family reference"] for r in given})
    by_reference = dict(db.session.execute(select(Family.reference, Family.id).where(
        Family.reference.in_(references))).all())
    keyed = []
    for row in given:
        if row.number in problems:
            continue
        match = matches.get(row.number, {})
        if match.get("status") in (EXACT, AUTO) and match.get("member_id") is not None:
            family = family_of_member.get(match["member_id"])
        elif match.get("status") == UNMATCHED and not any(
                reason.get("reason") == IDENTIFIERS_DISAGREE for reason in match.get("reasons") or []):
            family = by_reference.get(row.values["Family reference"], ("new", row.values["Family reference"]))
        else:
            continue
        keyed.append((row.number, family, row.values))
    held, _found = _held_requests({(family, values[episodes.RECEIVED_ON]) for _number, family, values in keyed
                                   if isinstance(family, int)})
    _requests, more = episodes.gather(keyed, held)
    problems.update(more)
    return {number: [{"column": column, "reason": reason} for column, reason in found]
            for number, found in sorted(problems.items())}


def _pathway(family: Family, members: list[tuple[ImportRow, dict[str, Any]]]) -> None:
    """The family's early-help requests as its rows give them: made, or added to and changed (what they held kept on
    the row for undo), in the pathway's order; a row that would break it is noted, and adds nothing."""
    given = [(row.row_number, family.id, values) for row, values in members
             if values.get(episodes.RECEIVED_ON) is not None]
    if not given:
        return
    held, found = _held_requests({(family.id, values[episodes.RECEIVED_ON]) for _n, _f, values in given})
    requests, problems = episodes.gather(given, held)
    rows = {row.row_number: (row, values) for row, values in members}
    for number, reasons in problems.items():
        row = rows[number][0]
        row.reasons = [*(row.reasons or []), *({"column": column, "reason": "The early-help request was not written: "
                                                + reason} for column, reason in reasons)]
    for key, request in sorted(requests.items(), key=lambda kv: kv[1].rows[0]):
        changed = request.changed()
        if not changed:
            continue  # already held: skipped
        try:
            with db.session.begin_nested():
                _write_request(family, found.get(key), request, changed, rows)
        except DomainError as refused:  # a rule of the database's (a plan already made meanwhile, say)
            for number in request.rows:
                row = rows[number][0]
                row.reasons = [*(row.reasons or []), {"column": episodes.RECEIVED_ON, "reason": (
                    f"The early-help request was not written: {refused.message}")}]
            continue
        for number in {request.given_by[fact] for fact in changed}:
            row = rows[number][0]
            if row.outcome == DUPLICATE:
                row.outcome = UPDATED


def _write_request(family: Family, held: HelpRequest | None, request: episodes.Request, changed: list[str],
                   rows: dict[int, tuple[ImportRow, dict[str, Any]]]) -> None:
    f = request.facts

    def note(number: int, change: dict[str, Any]) -> None:
        row = rows[number][0]
        row.replaced = [*(row.replaced or []), change]

    def first(*facts: str) -> int:
        return min(request.given_by[fact] for fact in facts if fact in request.given_by)

    made = {"received_at": episodes.received_at(f), "source": f.get("source"), "decision": f.get("decision"),
            "decided_on": f.get("decided_on"), "closed_on": f.get("closed_on"),
            "closure_reason": f.get("closure_reason")}
    request_facts = [fact for fact in changed if fact in (*episodes.REQUEST_FACTS, "received_on")]
    if held is None:
        number = first("received_on")
        held = HelpRequest(family_id=family.id, import_row_id=rows[number][0].id, reason="", **made)
        db.session.add(held)
        db.session.flush()
        note(number, {"table": "help_request", "id": held.id, "created": True})
    elif request_facts:
        number = first(*request_facts)
        columns = {column for fact in request_facts for column in _COLUMNS_OF[fact]} | {"import_row_id"}
        note(number, {"table": "help_request", "id": held.id,
                      "values": {c: _jsonable(getattr(held, c)) for c in sorted(columns)}})
        for column in columns - {"import_row_id"}:
            setattr(held, column, made[column])
        held.import_row_id = rows[number][0].id
    assessment_facts = [fact for fact in changed if fact in episodes.ASSESSMENT_FACTS]
    if assessment_facts:
        number = first(*assessment_facts)
        assessed = sorted({rows[n][0].member_id for n in request.rows
                           if any(rows[n][1].get(episodes.COLUMN_OF[fact]) for fact in episodes.ASSESSMENT_FACTS)
                           and rows[n][0].member_id is not None})
        assessment = db.session.scalar(select(Assessment).where(Assessment.request_id == held.id))
        if assessment is None:
            assessment = Assessment(request_id=held.id, family_id=family.id, import_row_id=rows[number][0].id,
                                    started_on=f["assessment_started"], completed_on=f.get("assessment_completed"))
            assessment.assessed = [AssessedMember(member_id=m, family_id=family.id) for m in assessed]
            db.session.add(assessment)
            db.session.flush()
            note(number, {"table": "assessment", "id": assessment.id, "created": True})
        else:
            note(number, {"table": "assessment", "id": assessment.id, "values": {
                "started_on": _jsonable(assessment.started_on), "completed_on": _jsonable(assessment.completed_on),
                "import_row_id": assessment.import_row_id}})
            assessment.started_on, assessment.completed_on = f["assessment_started"], f.get("assessment_completed")
            assessment.import_row_id = rows[number][0].id
            known = {a.member_id for a in assessment.assessed}
            for member_id in assessed:
                if member_id not in known:
                    added = AssessedMember(assessment_id=assessment.id, member_id=member_id, family_id=family.id)
                    db.session.add(added)
                    db.session.flush()
                    note(number, {"table": "assessed_member", "id": added.id, "created": True})
    if "plan_opened" in changed:
        number = first("plan_opened")
        plan = db.session.scalar(select(FamilyPlan).where(FamilyPlan.request_id == held.id))
        if plan is None:
            plan = FamilyPlan(request_id=held.id, family_id=family.id, import_row_id=rows[number][0].id,
                              opened_on=f["plan_opened"])
            db.session.add(plan)
            db.session.flush()
            note(number, {"table": "family_plan", "id": plan.id, "created": True})
        else:
            note(number, {"table": "family_plan", "id": plan.id, "values": {
                "opened_on": _jsonable(plan.opened_on), "import_row_id": plan.import_row_id}})
            plan.opened_on, plan.import_row_id = f["plan_opened"], rows[number][0].id
    db.session.flush()


# The request's columns each fact sets.
_COLUMNS_OF = {"received_on": ("received_at",), "received_time": ("received_at",), "source": ("source",),
               "decision": ("decision",), "decided_on": ("decided_on",), "closed_on": ("closed_on",),
               "closure_reason": ("closure_reason",)}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def undo_refusal(rows: list[ImportRow]) -> str | None:
    """Why the rows' import cannot be undone, or None: an early-help request it made has had work recorded on it
    since (an allocation, a contact, a meeting, supervision, a step, outcome scores, or an assessment or plan the
    import did not make), which deleting the request would delete too."""
    made: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for change in row.replaced or []:
            if change.get("created"):
                made[change["table"]].add(change["id"])
    if not made["help_request"]:
        return None
    ids = sorted(made["help_request"])
    worked = set()
    for model in (CaseAllocation, Contact, TafMeeting, Supervision, Step, OutcomeScore):
        worked.update(db.session.scalars(select(model.request_id).where(model.request_id.in_(ids))))
    worked.update(db.session.scalars(select(Assessment.request_id).where(
        Assessment.request_id.in_(ids), Assessment.id.not_in(sorted(made["assessment"]) or [0]))))
    worked.update(db.session.scalars(select(FamilyPlan.request_id).where(
        FamilyPlan.request_id.in_(ids), FamilyPlan.id.not_in(sorted(made["family_plan"]) or [0]))))
    if not worked:
        return None
    references = sorted(set(db.session.scalars(
        select(Family.reference).join(HelpRequest, HelpRequest.family_id == Family.id)
        .where(HelpRequest.id.in_(sorted(worked))))))
    return ("This import cannot be undone: work has been recorded in tfclaims on the early-help requests it brought "
            f"in for {'family' if len(references) == 1 else 'families'} {', '.join(references)} since (an "
            "allocation, a contact, a meeting, or an assessment or plan typed or imported later). Undoing it would "
            "delete that work with the requests: remove it first, or keep the import.")


def undo(rows: list[ImportRow]) -> dict[int, Counter]:
    """Take back what the rows wrote, newest first: values put back, early-help plans, assessments and requests,
    attachments, members and families made by the import deleted (through the ORM: each deletion audited). Returns
    the changes per family."""
    per_family: dict[int, Counter] = defaultdict(Counter)
    models = {"family_plan": FamilyPlan, "assessed_member": AssessedMember, "assessment": Assessment,
              "help_request": HelpRequest, "member": Member, "family": Family, "attachment": Attachment}
    order = {"family_plan": 0, "assessed_member": 1, "assessment": 2, "help_request": 3, "attachment": 4,
             "member": 5, "family": 6}
    changes = [(row, change) for row in sorted(rows, key=lambda r: r.id, reverse=True) for change in
               reversed(row.replaced or [])]
    for row, change in sorted(changes, key=lambda rc: order[rc[1]["table"]]):
        record = db.session.get(models[change["table"]], change["id"])
        if record is None:
            continue
        if change.get("created"):
            db.session.refresh(record)  # its collections as they are now (what went before is gone)
            db.session.delete(record)
        else:
            for column, value in change["values"].items():
                setattr(record, column, _restored(column, value))
        db.session.flush()
        if row.family_id is not None:
            per_family[row.family_id][row.outcome or UPDATED] += 1
    return per_family


_DATE_COLUMNS = frozenset({"closed_on", "decided_on", "started_on", "completed_on", "opened_on"})


def _restored(column: str, value: Any) -> Any:
    """A value kept on a row (as JSON) as its column holds it."""
    if value and column in _DATE_COLUMNS:
        return date.fromisoformat(value)
    if value and column == "received_at":
        return datetime.fromisoformat(value)
    return value
