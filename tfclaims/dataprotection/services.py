"""Use cases of the data-protection pages: a subject access export, the pseudonymised export, each audited.

Each export is a read and a record: an access event (``downloaded``, naming the family and member for a subject
access export) and an audit event (``subject_access_export`` or ``pseudonymised_export``) with who asked and how
many rows. Services flush, never commit. The pseudonymisation key never leaves ``_key``: it is not returned,
exported, logged or written to an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tfclaims import clock
from tfclaims.audit import services as audit
from tfclaims.dataprotection import exports, queries, rules
from tfclaims.db import as_utc, utcnow
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.families.models import Member
from tfclaims.web import format_datetime

# ---------------------------------------------------------------- subject access


@dataclass
class SubjectAccessRequest:
    received_on: date
    requested_by: str  # a key of rules.WHO_ASKED
    reference: str = ""


@dataclass
class Export:
    file_name: str
    content: bytes
    rows: int


def subject_access_export(member: Member, request: SubjectAccessRequest, produced_by: str,
                          council_name: str, generated_at: datetime | None = None) -> Export:
    """Everything held about ``member`` as a ZIP of a PDF and CSV files; records the read and an audit event."""
    generated_at = generated_at or utcnow()
    held = queries.held_about(member)
    sections = exports.sections(held)
    rows = sum(len(s.rows) for s in sections)
    cover = [
        ("About", f"{member.forenames} {member.surname}, born {member.date_of_birth.isoformat()}"),
        ("Family reference", held.family.reference),
        ("Request made by", rules.WHO_ASKED.get(request.requested_by, request.requested_by)),
        ("Request received on", request.received_on.isoformat()),
        ("Request reference", request.reference or "None given"),
        ("Produced by", f"{produced_by} on {format_datetime(generated_at)}"),
        ("Records in this export", f"{rows:,}"),
    ]
    pdf = exports.subject_access_pdf(sections, cover, council_name, generated_at)
    day = as_utc(generated_at).date()
    file_name = rules.export_file_name(member.id, day)
    content = exports.subject_access_zip(sections, pdf, file_name.removesuffix(".zip"))
    audit.record_access(db.session, "downloaded", queries.SUBJECT_ACCESS_WHAT, family_id=held.family.id,
                        member_id=member.id, detail={"file": file_name, "rows": rows})
    # Not filed under the family (family_id): an export is not a change to the family's records, and must not move
    # the family's data version (stored verdicts, claim line drift). The event names the member, so the member's
    # next subject access export lists it.
    audit.record(
        db.session, queries.SUBJECT_ACCESS_ACTION, "member", member.id,
        summary=f"Subject access export for a member of family {held.family.reference}",
        changes={"received_on": request.received_on.isoformat(), "requested_by": request.requested_by,
                 "request_reference": request.reference, "rows": rows,
                 "sections": rules.section_counts(sections)},
    )
    db.session.flush()
    return Export(file_name, content, rows)


# ---------------------------------------------------------------- pseudonymised export


def key_status(config) -> tuple[str | None, str]:
    """(why the export is refused or None, which key is used in words) for the page. Never the key itself."""
    configured = config.get("PSEUDONYMISATION_KEY") or ""
    problem = rules.key_problem(configured, config.get("TFCLAIMS_ENV") == "production")
    if problem:
        return problem, "none"
    return None, "the council's key (PSEUDONYMISATION_KEY)" if configured else (
        "a development key derived from SECRET_KEY: set PSEUDONYMISATION_KEY before exporting real data"
    )


def _key(config) -> bytes:
    configured = config.get("PSEUDONYMISATION_KEY") or ""
    problem = rules.key_problem(configured, config.get("TFCLAIMS_ENV") == "production")
    if problem:
        raise DomainError(problem)
    if configured:
        return configured.encode("utf-8")
    return rules.development_key(config["SECRET_KEY"])


def evaluation_rows(config, as_of: date | None = None) -> list[dict]:
    """One row per member of every attached family (their latest attachment), direct identifiers replaced by keyed
    pseudonyms, dates by months, the postcode by its district; members whose consent to the evaluation was refused
    or withdrawn left out. Raises DomainError when there is no usable key."""
    key = _key(config)
    as_of = as_of or clock.today()
    cohort = queries.evaluation_cohort()
    excluded = queries.excluded_from_evaluation([r.member_id for r in cohort]) if cohort else set()
    problems = queries.problems_by_attachment(sorted({r.attachment_id for r in cohort}))
    claimed = queries.claimed_results()
    verdicts = queries.stored_verdicts()
    rows = []
    for r in cohort:
        if r.member_id in excluded:
            continue
        # Problems identified only for people left out are about them alone: left out too.
        identified = [(n, m) for n, m in problems.get(r.attachment_id, []) if m not in excluded]
        family_numbers = sorted({number for number, _ in identified})
        person_numbers = sorted({number for number, member_id in identified if member_id == r.member_id})
        route, result_on, source, state = "", None, "", ""
        if r.attachment_id in claimed:
            route, result_on, state = claimed[r.attachment_id]
            source = "claim"
        elif r.family_id in verdicts:
            verdict_as_of, verdict = verdicts[r.family_id]
            if verdict.get("claimable") and verdict.get("attachment_id") == r.attachment_id and verdict.get("route"):
                route = verdict["route"]
                result_on = _date(verdict.get("claimable_on"))
                source = f"engine verdict as of {rules.month(verdict_as_of)}"
        rows.append({
            "family_pseudonym": rules.pseudonym(key, "family", r.family_id),
            "person_pseudonym": rules.pseudonym(key, "person", r.member_id),
            "sex": r.sex,
            "birth_month": rules.month(r.date_of_birth),
            "age_band_at_attachment": rules.age_band(r.date_of_birth, r.attached_on),
            "relationship_to_lead": r.relationship_to_lead,
            "resident": "yes" if r.resident else "no",
            "postcode_district": rules.postcode_district(r.postcode),
            "framework": r.framework,
            "attachment_month": rules.month(r.attached_on),
            "closure_month": rules.month(r.closed_on if r.closed_on and r.closed_on <= as_of else None),
            "closure_reason": (r.closure_reason or "") if r.closed_on and r.closed_on <= as_of else "",
            "family_problems_identified": ";".join(str(n) for n in family_numbers),
            "person_problems_identified": ";".join(str(n) for n in person_numbers),
            "result_route": route,
            "result_month": rules.month(result_on),
            "result_source": source,
            "claim_state": state,
        })
    return rows


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def pseudonymised_export(config, generated_at: datetime | None = None) -> Export:
    """The evaluation CSV; records the download and an audit event (rows and families, never the key)."""
    generated_at = generated_at or utcnow()
    rows = evaluation_rows(config)
    content = exports.evaluation_csv(rows)
    file_name = f"evaluation-pseudonymised-{as_utc(generated_at).date().isoformat()}.csv"
    families = len({r["family_pseudonym"] for r in rows})
    key_source = "council" if config.get("PSEUDONYMISATION_KEY") else "development"
    audit.record_access(db.session, "downloaded", queries.PSEUDONYMISED_WHAT,
                        detail={"file": file_name, "rows": len(rows), "families": families})
    audit.record(
        db.session, queries.PSEUDONYMISED_ACTION, "pseudonymised_export", None,
        summary=f"Pseudonymised export for the national evaluation: {len(rows):,} rows, {families:,} families",
        changes={"rows": len(rows), "families": families, "key": key_source},
    )
    db.session.flush()
    return Export(file_name, content, len(rows))
