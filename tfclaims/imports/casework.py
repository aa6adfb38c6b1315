"""The case-management export written into the register: families, members, identifiers and attachments.

Called by ``services`` when a case-management file is confirmed (or a row of one is decided in review). Each row is
a person of a family named by its reference:

- a person matched to a member (by identifier, automatically or in review) has the identifiers the register lacks
  filled in (never overwritten: a different identifier is a matter for the family's page);
- a person the register does not hold (unmatched, not for conflicting identifiers) is added to their family, made
  first when the register does not hold the family's reference;
- a family with an attachment date and no attachment then is attached under the plan in force on that day, with the
  problems its rows name (descriptor codes, identified on the attachment date); a closure date closes it.

An attachment that the programme's rules refuse (too few problems, no plan in force, an open attachment already) is
not made, and the family's rows say why: the rest of the file is still written. Every creation and update is kept
on its row (``ImportRow.replaced``), so that undoing the import takes it back. Members, families and attachments are
written through the ORM, so that each is audited as when typed in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select

from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.families import services as family_services
from tfclaims.families.models import Attachment, Family, Member
from tfclaims.imports import records, sources
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

KIND = "case_management"
IDENTIFIERS = {"UPN": "upn", "NHS number": "nhs_number", "NI number": "ni_number", "PNC number": "pnc_number",
               "Case reference": "case_reference"}
_DATES = frozenset(c.name for c in sources.SOURCES[KIND].columns if c.holds == "date")


def values_of(row: ImportRow) -> dict[str, Any]:
    return records.from_json(row.values or {}, _DATES)


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
    outcomes: Counter = Counter()
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
        outcomes[row.outcome] += 1
    db.session.flush()
    for family_id, members in by_family.items():
        _attach(db.session.get(Family, family_id), members)
    db.session.flush()
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


def undo(rows: list[ImportRow]) -> dict[int, Counter]:
    """Take back what the rows wrote, newest first: values put back, attachments, members and families made by the
    import deleted (through the ORM: each deletion audited). Returns the changes per family."""
    per_family: dict[int, Counter] = defaultdict(Counter)
    models = {"member": Member, "family": Family, "attachment": Attachment}
    order = {"attachment": 0, "member": 1, "family": 2}
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
                setattr(record, column, date.fromisoformat(value) if column == "closed_on" and value else value)
        db.session.flush()
        if row.family_id is not None:
            per_family[row.family_id][row.outcome or UPDATED] += 1
    return per_family
