from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from tfclaims.audit.models import AuditEvent
from tfclaims.extensions import db
from tfclaims.families import rules
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member

STATUSES = {"attached": "Attached", "closed": "Closed", "not_attached": "Not attached"}
SORTS = {
    "reference": Family.reference,
    "practitioner": Family.lead_practitioner,
    "team": Family.team,
    "updated": Family.updated_at,
}


def register_counts() -> dict[str, int]:
    families = db.session.scalar(select(func.count(Family.id))) or 0
    open_attachments = db.session.scalar(select(func.count(Attachment.id)).where(Attachment.closed_on.is_(None))) or 0
    closed = db.session.scalar(select(func.count(Family.id)).where(_status_clause("closed"))) or 0
    return {"families": families, "attached": open_attachments, "closed": closed}


def get_family(family_id: int) -> Family | None:
    return db.session.scalar(
        select(Family)
        .where(Family.id == family_id)
        .options(
            selectinload(Family.members).selectinload(Member.consents),
            selectinload(Family.attachments).selectinload(Attachment.problems),
        )
    )


def get_member(family_id: int, member_id: int) -> Member | None:
    return db.session.scalar(select(Member).where(Member.id == member_id, Member.family_id == family_id))


def get_attachment(family_id: int, attachment_id: int) -> Attachment | None:
    return db.session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.family_id == family_id)
    )


def family_reference_exists(reference: str, excluding_id: int | None = None) -> bool:
    q = select(Family.id).where(func.upper(Family.reference) == reference.upper())
    if excluding_id:
        q = q.where(Family.id != excluding_id)
    return db.session.scalar(q.limit(1)) is not None


def member_has_problems(member_id: int) -> bool:
    return (
        db.session.scalar(select(IdentifiedProblem.id).where(IdentifiedProblem.member_id == member_id).limit(1))
        is not None
    )


def list_teams() -> list[str]:
    return list(db.session.scalars(select(Family.team).where(Family.team != "").distinct().order_by(Family.team)))


# ---------------------------------------------------------------- search


def _open_attachment_exists():
    return exists().where(Attachment.family_id == Family.id, Attachment.closed_on.is_(None))


def _any_attachment_exists():
    return exists().where(Attachment.family_id == Family.id)


def _status_clause(status: str):
    if status == "attached":
        return _open_attachment_exists()
    if status == "closed":
        return and_(_any_attachment_exists(), ~_open_attachment_exists())
    return ~_any_attachment_exists()


def _search_clause(term: str):
    """Reference, member name (forenames, surname or both) or any identifier."""
    words = term.split()
    like = f"%{term.lower()}%"
    ident = rules.compact(term)
    member_match = or_(
        Member.upn == ident,
        Member.nhs_number == ident,
        Member.ni_number == ident,
        Member.pnc_number == ident,
        func.upper(Member.case_reference) == ident,
        func.lower(Member.surname).like(like),
        func.lower(Member.forenames).like(like),
        and_(
            *(
                or_(
                    func.lower(Member.forenames).like(f"%{w.lower()}%"),
                    func.lower(Member.surname).like(f"%{w.lower()}%"),
                )
                for w in words
            )
        )
        if len(words) > 1
        else False,
    )
    return or_(
        func.upper(Family.reference).like(f"%{ident}%"),
        Family.id.in_(select(Member.family_id).where(member_match)),
    )


@dataclass
class FamilySearch:
    q: str = ""
    status: str = ""
    team: str = ""
    sort: str = "reference"
    order: str = "asc"


def _latest_attachment_date():
    return (
        select(func.max(Attachment.attached_on))
        .where(Attachment.family_id == Family.id)
        .correlate(Family)
        .scalar_subquery()
    )


def search_families(search: FamilySearch, page: int, per_page: int) -> tuple[list[dict], int]:
    q: Select = select(Family)
    if search.q.strip():
        q = q.where(_search_clause(search.q.strip()))
    if search.status in STATUSES:
        q = q.where(_status_clause(search.status))
    if search.team:
        q = q.where(Family.team == search.team)
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    attached_on = _latest_attachment_date().label("attached_on")
    sort_column = attached_on if search.sort == "attached" else SORTS.get(search.sort, Family.reference)
    ordering = sort_column.desc() if search.order == "desc" else sort_column.asc()
    rows = db.session.execute(
        q.add_columns(attached_on)
        .order_by(ordering.nulls_last() if search.sort == "attached" else ordering, Family.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(selectinload(Family.members), selectinload(Family.attachments))
    ).all()
    return [{"family": family, "attached_on": latest} for family, latest in rows], total


# ---------------------------------------------------------------- possible duplicates


@dataclass(frozen=True)
class PossibleDuplicate:
    member: Member
    other: Member
    reason: str


def possible_duplicates(family_id: int) -> list[PossibleDuplicate]:
    """Members of this family whose identifier, or name and date of birth, appear in another open family.

    A family is open unless every attachment it had is closed (a family not yet attached is open too).
    """
    other = aliased(Member)
    other_family_open = or_(
        exists().where(Attachment.family_id == other.family_id, Attachment.closed_on.is_(None)),
        ~exists().where(Attachment.family_id == other.family_id),
    )
    reasons = [
        ("unique pupil number", Member.upn),
        ("NHS number", Member.nhs_number),
        ("National Insurance number", Member.ni_number),
        ("police national computer number", Member.pnc_number),
        ("case-management reference", Member.case_reference),
    ]
    found: dict[tuple[int, int], PossibleDuplicate] = {}
    pairs = []
    for label, column in reasons:
        other_column = getattr(other, column.key)
        pairs.append((label, and_(column.is_not(None), other_column == column)))
    pairs.append(
        (
            "name and date of birth",
            and_(
                func.lower(other.surname) == func.lower(Member.surname),
                func.lower(other.forenames) == func.lower(Member.forenames),
                other.date_of_birth == Member.date_of_birth,
            ),
        )
    )
    for label, condition in pairs:
        rows = db.session.execute(
            select(Member, other)
            .join(other, and_(other.family_id != Member.family_id, condition))
            .where(Member.family_id == family_id, other_family_open)
            .options(selectinload(other.family))
        ).all()
        for member, match in rows:
            key = (member.id, match.id)
            if key not in found:
                found[key] = PossibleDuplicate(member, match, label)
    return sorted(found.values(), key=lambda d: (d.member.id, d.other.family_id))


# ---------------------------------------------------------------- consent and lawful basis


def holds_special_category(family_id: int) -> bool:
    """Whether the family's records hold special-category or criminal offence data: problems identified (the
    programme's problems are about health, offending, domestic abuse and children's social care), progress events
    (offences, incidents, exclusions), child in need or protection plans, or a police national computer number."""
    from tfclaims.progress.models import Event, StatusEpisode  # progress reads families: imported when used

    checks = (
        select(IdentifiedProblem.id).where(IdentifiedProblem.family_id == family_id),
        select(Event.id).where(Event.family_id == family_id),
        select(StatusEpisode.id).where(StatusEpisode.family_id == family_id),
        select(Member.id).where(Member.family_id == family_id, Member.pnc_number.is_not(None)),
    )
    return any(db.session.scalar(q.limit(1)) is not None for q in checks)


_CHUNK = 5000  # bound parameters per query: SQLite and PostgreSQL both take this many comfortably


def excluded_from_evaluation(member_ids: Iterable[int] | None = None) -> set[int]:
    """The members to leave out of the pseudonymised export for the national evaluation: those whose latest
    decision about the evaluation (scope "evaluation") is refused or withdrawn (``rules.excluded_from_evaluation``).

    ``member_ids`` limits the answer to those members (None: every member). The export must drop these members'
    rows, and with them anything that is only about them.
    """
    ids = None if member_ids is None else sorted(set(member_ids))
    chunks = [None] if ids is None else [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    latest: dict[int, str] = {}
    for chunk in chunks:
        q = select(Consent.member_id, Consent.status).where(Consent.scope == "evaluation")
        if chunk is not None:
            q = q.where(Consent.member_id.in_(chunk))
        for member_id, status in db.session.execute(q.order_by(Consent.recorded_on, Consent.id)):
            latest[member_id] = status  # ordered by date, then id: the last one wins
    return {member_id for member_id, status in latest.items() if rules.excluded_from_evaluation(status)}


# ---------------------------------------------------------------- rectification: changes to a member's record


def member_record_changes(family_id: int) -> dict[int, list[AuditEvent]]:
    """Each member's corrections, newest first: the audit events changing the member's details, and the reasons given
    (``member_corrected`` events). For readers who may open the family's record only."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.family_id == family_id,
            AuditEvent.entity == "member",
            AuditEvent.action.in_(("update", "member_corrected")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    changes: dict[int, list[AuditEvent]] = {}
    for event in events:
        changes.setdefault(event.entity_id, []).append(event)
    return changes
