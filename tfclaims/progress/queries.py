"""Reads of a family's progress: one query per table, for the family page and the checks of the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Family, Member
from tfclaims.progress.models import (
    EPISODE_END_REASONS,
    EVENT_KINDS,
    EVENT_SOURCES,
    EVIDENCE_AWAITING,
    EVIDENCE_STATUSES,
    MEASURE_KINDS,
    MEASURE_SOURCES,
    MEASURE_UNITS,
    PRIOR_BENEFITS,
    STATUS_KINDS,
    EmploymentSpell,
    Event,
    ManualEvidence,
    Measure,
    StatusEpisode,
)

LABELS = {
    "measure_kinds": MEASURE_KINDS,
    "measure_units": MEASURE_UNITS,
    "measure_sources": MEASURE_SOURCES,
    "event_kinds": EVENT_KINDS,
    "event_sources": EVENT_SOURCES,
    "status_kinds": STATUS_KINDS,
    "end_reasons": EPISODE_END_REASONS,
    "prior_benefits": PRIOR_BENEFITS,
    "evidence_statuses": EVIDENCE_STATUSES,
}


# ---------------------------------------------------------------- one record


def get_measure(family_id: int, measure_id: int) -> Measure | None:
    return db.session.scalar(select(Measure).where(Measure.id == measure_id, Measure.family_id == family_id))


def get_event(family_id: int, event_id: int) -> Event | None:
    return db.session.scalar(select(Event).where(Event.id == event_id, Event.family_id == family_id))


def get_spell(family_id: int, spell_id: int) -> EmploymentSpell | None:
    return db.session.scalar(
        select(EmploymentSpell).where(EmploymentSpell.id == spell_id, EmploymentSpell.family_id == family_id)
    )


def get_episode(family_id: int, episode_id: int) -> StatusEpisode | None:
    return db.session.scalar(
        select(StatusEpisode).where(StatusEpisode.id == episode_id, StatusEpisode.family_id == family_id)
    )


def get_evidence(family_id: int, evidence_id: int) -> ManualEvidence | None:
    return db.session.scalar(
        select(ManualEvidence).where(ManualEvidence.id == evidence_id, ManualEvidence.family_id == family_id)
    )


# ---------------------------------------------------------------- a member's other records, for the checks


def member_measures(member_id: int, kind: str, excluding_id: int | None = None) -> list[Measure]:
    q = select(Measure).where(Measure.member_id == member_id, Measure.kind == kind)
    if excluding_id:
        q = q.where(Measure.id != excluding_id)
    return list(db.session.scalars(q.order_by(Measure.period_start)))


def member_spells(member_id: int, excluding_id: int | None = None) -> list[EmploymentSpell]:
    q = select(EmploymentSpell).where(EmploymentSpell.member_id == member_id)
    if excluding_id:
        q = q.where(EmploymentSpell.id != excluding_id)
    return list(db.session.scalars(q.order_by(EmploymentSpell.started_on)))


def member_episodes(member_id: int, kind: str, excluding_id: int | None = None) -> list[StatusEpisode]:
    q = select(StatusEpisode).where(StatusEpisode.member_id == member_id, StatusEpisode.kind == kind)
    if excluding_id:
        q = q.where(StatusEpisode.id != excluding_id)
    return list(db.session.scalars(q.order_by(StatusEpisode.started_on)))


def evidence_attachment(family: Family) -> Attachment | None:
    """The attachment manual evidence is recorded against: the open one, or else the latest."""
    if family.open_attachment is not None:
        return family.open_attachment
    return max(family.attachments, key=lambda a: (a.attached_on, a.id), default=None)


def problems_identified(attachment: Attachment) -> list:
    """The distinct headline problems identified in an attachment, in the framework's order."""
    found = {p.problem_id: p.problem for p in attachment.problems}
    return sorted(found.values(), key=lambda problem: problem.number)


# ---------------------------------------------------------------- the family page


@dataclass
class FamilyProgress:
    """Everything recorded about a family's progress, arranged for the family page."""

    attendance: list[tuple[Member, str, list[Measure]]]  # (member, kind of measure, its records)
    events: list[Event]
    spells: list[EmploymentSpell]
    episodes: list[StatusEpisode]
    evidence: list[ManualEvidence]
    evidence_attachment: Attachment | None
    # Where imported records came from: import row id -> (import id, the file's row number).
    imported: dict[int, tuple[int, int]] = field(default_factory=dict)
    labels: dict = field(default_factory=lambda: LABELS)

    @property
    def awaiting_evidence(self) -> int:
        return sum(1 for e in self.evidence if e.status == EVIDENCE_AWAITING)


def family_progress(family: Family) -> dict:
    """The ``progress`` of a family for the family page's template, one query per table."""
    measures = db.session.scalars(
        select(Measure).where(Measure.family_id == family.id).order_by(Measure.period_start, Measure.id)
    ).all()
    by_member: dict[tuple[int, str], list[Measure]] = {}
    for measure in measures:
        by_member.setdefault((measure.member_id, measure.kind), []).append(measure)
    # One table per member and kind of measure (attendance, then each kind of absence), members in family order.
    attendance = [
        (m, kind, by_member[(m.id, kind)])
        for m in family.members
        for kind in MEASURE_KINDS
        if (m.id, kind) in by_member
    ]
    events = db.session.scalars(
        select(Event).where(Event.family_id == family.id).order_by(Event.occurred_on.desc(), Event.id.desc())
    ).all()
    spells = db.session.scalars(
        select(EmploymentSpell)
        .where(EmploymentSpell.family_id == family.id)
        .order_by(EmploymentSpell.started_on.desc(), EmploymentSpell.id.desc())
    ).all()
    episodes = db.session.scalars(
        select(StatusEpisode)
        .where(StatusEpisode.family_id == family.id)
        .order_by(StatusEpisode.started_on.desc(), StatusEpisode.id.desc())
    ).all()
    evidence = db.session.scalars(
        select(ManualEvidence)
        .where(ManualEvidence.family_id == family.id)
        .order_by(ManualEvidence.progress_from.desc(), ManualEvidence.id.desc())
    ).all()
    row_ids = {r.import_row_id for r in (*measures, *events, *spells, *episodes) if r.import_row_id is not None}
    return {
        "progress": FamilyProgress(
            attendance=attendance,
            events=list(events),
            spells=list(spells),
            episodes=list(episodes),
            evidence=list(evidence),
            evidence_attachment=evidence_attachment(family),
            imported=_import_rows(row_ids),
        )
    }


def _import_rows(row_ids: set[int]) -> dict[int, tuple[int, int]]:
    from tfclaims.imports.queries import row_places  # imports reads the progress records: imported here when needed

    return row_places(row_ids)


def member_has_progress(member_id: int) -> bool:
    """Whether any measure, event, spell in work or plan is recorded for the member."""
    for model in (Measure, Event, EmploymentSpell, StatusEpisode):
        if db.session.scalar(select(model.id).where(model.member_id == member_id).limit(1)) is not None:
            return True
    return False
