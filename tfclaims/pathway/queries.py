"""Reads of the early-help pathway: one family's episodes for its page, the records a form needs, and the frames
the service's lists and indicators are computed from (one query per table, straight from the driver)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, select

from tfclaims.auth.models import User, UserRole
from tfclaims.auth.roles import Role
from tfclaims.engine.queries import day_column, read_frame
from tfclaims.extensions import db
from tfclaims.pathway import distance, lists, rules
from tfclaims.pathway.models import (
    Assessment,
    CaseAllocation,
    Contact,
    FamilyPlan,
    HelpRequest,
    OutcomeArea,
    OutcomeScore,
    PracticeStandards,
    Step,
    Supervision,
    TafMeeting,
)
from tfclaims.pathway.vocabulary import VISIT_KINDS

RECORDS = {"contact": Contact, "meeting": TafMeeting, "supervision": Supervision, "step": Step}


def get_request(family_id: int, request_id: int) -> HelpRequest | None:
    request = db.session.get(HelpRequest, request_id)
    return request if request is not None and request.family_id == family_id else None


def get_record(request: HelpRequest, kind: str, record_id: int):
    model = RECORDS.get(kind)
    record = db.session.get(model, record_id) if model else None
    return record if record is not None and record.request_id == request.id else None


def requests_of(family_id: int) -> list[HelpRequest]:
    return list(db.session.scalars(
        select(HelpRequest).where(HelpRequest.family_id == family_id).order_by(HelpRequest.received_at.desc(),
                                                                               HelpRequest.id.desc())))


def assessment_of(request_id: int) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.request_id == request_id))


def plan_of(request_id: int) -> FamilyPlan | None:
    return db.session.scalar(select(FamilyPlan).where(FamilyPlan.request_id == request_id))


def meetings_of(request_id: int) -> list[TafMeeting]:
    return list(db.session.scalars(select(TafMeeting).where(TafMeeting.request_id == request_id)
                                   .order_by(TafMeeting.held_on, TafMeeting.id)))


def latest_record_day(request_id: int) -> date | None:
    """The latest day any record of the episode is dated (allocation, contact, assessment, plan, meeting,
    supervision, step, outcome score)."""
    days = [
        db.session.scalar(select(func.max(func.date(CaseAllocation.allocated_at)))
                          .where(CaseAllocation.request_id == request_id)),
        db.session.scalar(select(func.max(Contact.occurred_on)).where(Contact.request_id == request_id)),
        db.session.scalar(select(func.max(Assessment.started_on)).where(Assessment.request_id == request_id)),
        db.session.scalar(select(func.max(Assessment.completed_on)).where(Assessment.request_id == request_id)),
        db.session.scalar(select(func.max(FamilyPlan.opened_on)).where(FamilyPlan.request_id == request_id)),
        db.session.scalar(select(func.max(FamilyPlan.copy_given_on)).where(FamilyPlan.request_id == request_id)),
        db.session.scalar(select(func.max(TafMeeting.held_on)).where(TafMeeting.request_id == request_id)),
        db.session.scalar(select(func.max(Supervision.held_on)).where(Supervision.request_id == request_id)),
        db.session.scalar(select(func.max(Step.stepped_on)).where(Step.request_id == request_id)),
        db.session.scalar(select(func.max(OutcomeScore.scored_on)).where(OutcomeScore.request_id == request_id)),
    ]
    found = [date.fromisoformat(d) if isinstance(d, str) else d for d in days if d]
    return max(found) if found else None


def practitioners() -> list[User]:
    """The active users who may lead the work with a family, by name."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRACTITIONER.value, User.active.is_(True)).order_by(User.name)).unique())


def list_teams() -> list[str]:
    return [t for t in db.session.scalars(select(CaseAllocation.team).distinct().order_by(CaseAllocation.team)) if t]


# ---------------------------------------------------------------- the practice standards


def standards_versions() -> list[PracticeStandards]:
    return list(db.session.scalars(select(PracticeStandards).order_by(PracticeStandards.effective_from.desc())))


def as_rules(version: PracticeStandards) -> rules.Standards:
    return rules.Standards(**{name: getattr(version, name) for name in rules.STANDARD_FIELDS})


def all_standards() -> list[rules.Standards]:
    return [as_rules(v) for v in standards_versions()]


def standards_in_force(day: date) -> rules.Standards:
    return rules.in_force(all_standards(), day)


# ---------------------------------------------------------------- the frames for the lists and indicators


def _moment(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"


def _seconds(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column].astype("float64"), unit="s").astype("datetime64[s]")
    return frame


def load_frames(family_ids: list[int] | None = None) -> lists.Frames:
    """Every family's pathway rows (or the given families'): what ``lists.episodes`` and the indicators read. Of the
    contacts and supervision, the rows that decide the figures only (see below): the same answers, a twentieth of
    the rows."""
    d = db.session.get_bind().dialect.name
    marker = "?" if d == "sqlite" else "%s"

    def day(column: str) -> str:
        return day_column(column, d)

    def read(sql: str, columns: list[str], dates: list[str], alias: str) -> pd.DataFrame:
        params = None
        if family_ids is not None:
            where = f"{alias}.family_id IN ({', '.join([marker] * len(family_ids))})" if family_ids else "1 = 0"
            params = [int(i) for i in family_ids]
        else:
            where = "1 = 1"
        if params is not None:
            params = params * sql.count("{where}")
        return read_frame(sql.replace("{where}", where), columns, dates, params)

    requests = _seconds(read(
        f"""SELECT r.id, r.family_id, f.reference, {_moment('r.received_at', d)}, r.source, r.decision,
                   {day('r.decided_on')}, {day('r.closed_on')}, r.closure_reason
            FROM help_request r JOIN family f ON f.id = r.family_id WHERE {{where}}""",
        list(lists.REQUEST_COLUMNS), ["decided_on", "closed_on"], "r"), "received_at")
    allocations = _seconds(read(
        f"""SELECT a.request_id, a.practitioner_id, u.name, a.team, {_moment('a.allocated_at', d)}
            FROM case_allocation a JOIN "user" u ON u.id = a.practitioner_id WHERE {{where}}""",
        list(lists.ALLOCATION_COLUMNS), [], "a"), "allocated_at")
    # Of the contacts and supervision (the longest tables), only the rows that decide the figures, summed up by the
    # database: each episode's first and latest visit, its latest contact of any kind, its latest supervision.
    visits = ", ".join(f"'{kind}'" for kind in sorted(VISIT_KINDS))
    contacts = read(
        f"""SELECT c.request_id, {day('MIN(c.occurred_on)')}, 'home_visit' FROM contact c
            WHERE {{where}} AND c.kind IN ({visits}) GROUP BY c.request_id
            UNION ALL
            SELECT c.request_id, {day('MAX(c.occurred_on)')}, 'home_visit' FROM contact c
            WHERE {{where}} AND c.kind IN ({visits}) GROUP BY c.request_id
            UNION ALL
            SELECT c.request_id, {day('MAX(c.occurred_on)')}, 'phone' FROM contact c WHERE {{where}}
            GROUP BY c.request_id""",
        list(lists.CONTACT_COLUMNS), ["occurred_on"], "c")
    assessments = read(
        f"""SELECT s.request_id, s.id, {day('s.started_on')}, {day('s.completed_on')},
                   (SELECT {day('MIN(m.date_of_birth)')} FROM assessed_member am JOIN member m ON m.id = am.member_id
                    WHERE am.assessment_id = s.id),
                   (SELECT {day('MAX(m.date_of_birth)')} FROM assessed_member am JOIN member m ON m.id = am.member_id
                    WHERE am.assessment_id = s.id)
            FROM assessment s WHERE {{where}}""",
        list(lists.ASSESSMENT_COLUMNS), ["started_on", "completed_on", "oldest_born_on", "youngest_born_on"], "s")
    plans = read(f"SELECT p.request_id, {day('p.opened_on')} FROM family_plan p WHERE {{where}}",
                 list(lists.PLAN_COLUMNS), ["opened_on"], "p")
    meetings = read(f"SELECT t.request_id, {day('t.held_on')}, t.kind FROM taf_meeting t WHERE {{where}}",
                    list(lists.MEETING_COLUMNS), ["held_on"], "t")
    supervisions = read(
        f"SELECT s.request_id, {day('MAX(s.held_on)')} FROM supervision s WHERE {{where}} GROUP BY s.request_id",
        list(lists.SUPERVISION_COLUMNS), ["held_on"], "s")
    for frame, ints in ((requests, ["request_id", "family_id"]), (allocations, ["request_id", "practitioner_id"]),
                        (contacts, ["request_id"]), (assessments, ["request_id", "assessment_id"]),
                        (plans, ["request_id"]), (meetings, ["request_id"]), (supervisions, ["request_id"])):
        for column in ints:
            frame[column] = frame[column].astype("int64")
    return lists.Frames(requests, allocations, contacts, assessments, plans, meetings, supervisions)


def service_episodes(today: date, family_ids: list[int] | None = None) -> pd.DataFrame:
    """Every worked episode judged against its standards (``lists.episodes``)."""
    return lists.episodes(load_frames(family_ids), lists.standards_frame(all_standards()), today)


# ---------------------------------------------------------------- the family page


@dataclass
class EpisodeView:
    request: HelpRequest
    row: dict | None  # the episode's row of lists.episodes: due days and statuses (None until worked)
    standards: rules.Standards
    entries: list[dict]  # the timeline: each record with its day (or moment) and kind
    assessment: Assessment | None
    plan: FamilyPlan | None
    distance: list[dict]  # per member and area: first and latest score, and the change


def family_pathway(family, today: date) -> dict:
    """The family page's early-help area: each request (newest first) with its timeline and where it stands."""
    found = requests_of(family.id)
    if not found:
        return {"pathway": {"episodes": [], "members": {m.id: m for m in family.members}, "imported": {}}}
    e = service_episodes(today, [family.id])
    rows = {int(r["request_id"]): r for r in e.to_dict("records")}
    versions = all_standards()
    from tfclaims.imports.queries import row_places  # imports writes pathway records: imported here when needed

    episodes = []
    for request in found:
        episodes.append(EpisodeView(request, rows.get(request.id), rules.in_force(versions, request.received_on),
                                    _entries(request), assessment_of(request.id), plan_of(request.id),
                                    episode_distance(request, {m.id: m for m in family.members})))
    row_ids = {r.import_row_id for ep in episodes for r in (ep.request, ep.assessment, ep.plan)
               if r is not None and r.import_row_id}
    return {"pathway": {"episodes": episodes, "members": {m.id: m for m in family.members},
                        "imported": row_places(row_ids)}}


def _entries(request: HelpRequest) -> list[dict]:
    """The episode's records in date order, as the timeline shows them."""
    entries = [{"on": request.received_at, "kind": "request", "record": request}]
    if request.decided_on:
        entries.append({"on": request.decided_on, "kind": "decision", "record": request})
    entries += [{"on": a.allocated_at, "kind": "allocation", "record": a} for a in request.allocations]
    entries += [{"on": c.occurred_on, "kind": "contact", "record": c} for c in db.session.scalars(
        select(Contact).where(Contact.request_id == request.id))]
    assessment = assessment_of(request.id)
    if assessment:
        entries.append({"on": assessment.started_on, "kind": "assessment_started", "record": assessment})
        if assessment.completed_on:
            entries.append({"on": assessment.completed_on, "kind": "assessment_completed", "record": assessment})
    plan = plan_of(request.id)
    if plan:
        entries.append({"on": plan.opened_on, "kind": "plan", "record": plan})
    entries += [{"on": m.held_on, "kind": "meeting", "record": m} for m in meetings_of(request.id)]
    entries += [{"on": s.held_on, "kind": "supervision", "record": s} for s in db.session.scalars(
        select(Supervision).where(Supervision.request_id == request.id))]
    entries += [{"on": s.stepped_on, "kind": "step", "record": s} for s in db.session.scalars(
        select(Step).where(Step.request_id == request.id))]
    if request.closed_on:
        entries.append({"on": request.closed_on, "kind": "closure", "record": request})
    order = {"request": 0, "decision": 1, "allocation": 2}

    def key(entry):
        on = entry["on"]
        day = on.date() if hasattr(on, "date") and callable(on.date) else on
        return (day, order.get(entry["kind"], 5), getattr(entry["record"], "id", 0))

    return sorted(entries, key=key)


# ---------------------------------------------------------------- the scorecard's indicators


def monthly_indicators(first: date, last: date, today: date | None = None) -> pd.DataFrame:
    """The pathway's monthly indicators from ``first``'s month to ``last``'s (``indicators.monthly``), computed on
    every family's rows with each episode judged by the standards in force when its request was received."""
    from tfclaims import clock
    from tfclaims.pathway import indicators

    frames = load_frames()
    e = lists.episodes(frames, lists.standards_frame(all_standards()), today or clock.today())
    return indicators.monthly(frames, e, first, last)


# ---------------------------------------------------------------- outcome measures (distance travelled)


def outcome_areas(in_use_only: bool = False) -> list[OutcomeArea]:
    query = select(OutcomeArea).order_by(OutcomeArea.position, OutcomeArea.name)
    if in_use_only:
        query = query.where(OutcomeArea.active.is_(True))
    return list(db.session.scalars(query))


def get_area(area_id: int) -> OutcomeArea | None:
    return db.session.get(OutcomeArea, area_id)


def scores_frame(request_ids: list[int] | None = None) -> pd.DataFrame:
    """Outcome scores as rows (``distance.SCORE_COLUMNS``): every episode's, or the given episodes'."""
    query = select(*(getattr(OutcomeScore, c) for c in distance.SCORE_COLUMNS))
    if request_ids is not None:
        query = query.where(OutcomeScore.request_id.in_(request_ids or [0]))
    frame = pd.DataFrame(db.session.execute(query).all(), columns=list(distance.SCORE_COLUMNS))
    frame["scored_on"] = pd.to_datetime(frame["scored_on"]).astype("datetime64[s]")
    return frame


def episode_distance(request: HelpRequest, members: dict) -> list[dict]:
    """The episode's distance travelled: per member and area, the first and latest score and the change."""
    changes = distance.member_changes(scores_frame([request.id]))
    if changes.empty:
        return []
    areas = {a.id: a for a in outcome_areas()}
    rows = []
    for row in changes.to_dict("records"):
        member, area = members.get(row["member_id"]), areas.get(row["area_id"])
        rows.append(row | {"member": member.full_name if member else "", "area": area.name if area else "",
                           "position": area.position if area else 0})
    return sorted(rows, key=lambda r: (r["member"], r["position"], r["area"]))


def service_distance() -> list[dict]:
    """The service's summary per area of the scale: families measured, improved, the same, worse."""
    received = read_frame("SELECT id, received_at FROM help_request", ["request_id", "received_at"], [])
    received["received_at"] = pd.to_datetime(received["received_at"])
    summary = distance.service_summary(scores_frame(), received).set_index("area_id")
    rows = []
    for area in outcome_areas():
        found = summary.loc[area.id].to_dict() if area.id in summary.index else None
        rows.append({"area": area, "figures": found})
    return rows
