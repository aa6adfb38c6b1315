"""Sample partner files for the demo council (``flask tfclaims demo-partner-files``; kept in ``demo/partner-files``).

Drawn from the demo register as ``seed-demo`` makes it (seeded: the same files every time), with what real partner
files hold: rows with a UPN and rows without, names spelt another way, a short form of a first name, a twin the
register does not hold (a match to review), people the register does not hold, and rows that are not valid. The
school's file gives a few attached families' children the attendance that makes their education need sustained; the
police file and the school's file together give families not yet attached enough needs to be identified. The
case-management export brings a new family with its early-help request worked (assessed and planned), a request for a
family of the register, and a request whose assessment it dates before the request (a row not valid). Fictional data
only: the demo's invented people, and invented people besides.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from sqlalchemy import select

from tfclaims.extensions import db
from tfclaims.families.models import Attachment, Family, IdentifiedProblem, Member
from tfclaims.imports.nicknames import NICKNAMES
from tfclaims.imports.sources import SOURCES
from tfclaims.outcomes_plan.models import HeadlineProblem
from tfclaims.progress.models import Measure

SHORT_FORMS = {canonical: short for short, canonical in NICKNAMES.items()}
STRANGERS = [("Zinnia", "Quennell", date(2012, 4, 17), "F", "BR7 9QZ"), ("Caspian", "Vorster", date(2010, 11, 3), "M",
                                                                           "BR3 4WW")]


def _csv(kind: str, rows: list[dict]) -> bytes:
    headings = [c.name for c in SOURCES[kind].columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headings, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in headings})
    return out.getvalue().encode("utf-8-sig")


def _person(member: Member, *, upn: bool = True, forename: str | None = None) -> dict:
    return {"UPN": (member.upn or "") if upn else "", "Forename": forename or member.forenames.split()[0],
            "Surname": member.surname, "Date of birth": f"{member.date_of_birth:%d/%m/%Y}", "Sex": member.sex,
            "Postcode": member.postcode}


def _sessions(percent: float, rng: random.Random) -> dict:
    possible = rng.choice([130, 136, 140, 146])
    missed = round(possible * (100 - percent) / 100)
    authorised = min(missed, rng.randrange(0, 4))
    return {"Sessions possible": str(possible), "Authorised absence": str(authorised),
            "Unauthorised absence": str(missed - authorised)}


def sample_files(today: date) -> dict[str, bytes]:
    """The demo's partner files by name."""
    rng = random.Random(2026)
    attached = set(db.session.scalars(select(Attachment.family_id)))
    education = list(db.session.execute(
        select(IdentifiedProblem.member_id, IdentifiedProblem.family_id)
        .join(HeadlineProblem, HeadlineProblem.id == IdentifiedProblem.problem_id)
        .where(HeadlineProblem.code == "education").order_by(IdentifiedProblem.family_id)).all())
    members = {m.id: m for m in db.session.scalars(select(Member).order_by(Member.id))}
    terms: dict[int, list[Measure]] = {}
    for measure in db.session.scalars(select(Measure).where(Measure.kind == "attendance").order_by(
            Measure.member_id, Measure.period_start)):
        terms.setdefault(measure.member_id, []).append(measure)
    free = [f for f in db.session.scalars(select(Family).order_by(Family.id)) if f.id not in attached]

    # School attendance: three attached families' pupils at 95% in every term since their attachment, a school's
    # latest term for other children, the unattached families' children well below 90%, and what goes wrong.
    school: list[dict] = []
    chosen = []
    for member_id, family_id in education:
        if family_id not in {c[1] for c in chosen} and len(terms.get(member_id, [])) >= 3:
            chosen.append((member_id, family_id))
        if len(chosen) == 3:
            break
    for member_id, _family_id in chosen:
        for measure in terms[member_id][-3:]:
            school.append({**_person(members[member_id]), "Term": measure.period_label,
                           "Term start": f"{measure.period_start:%d/%m/%Y}",
                           "Term end": f"{measure.period_end:%d/%m/%Y}", **_sessions(95, rng)})
    last_term = ("Summer 2024", date(2024, 4, 15), date(2024, 7, 19))
    children = [m for m in members.values() if m.relationship_to_lead == "child" and m.upn
                and m.family_id not in {c[1] for c in chosen}]
    for n, member in enumerate(rng.sample(children, min(24, len(children)))):
        way = n % 4
        row = _person(member, upn=way != 0, forename=SHORT_FORMS.get(member.forenames.split()[0].casefold(), "")
                      .capitalize() if way == 0 else None)
        school.append({**row, "Term": last_term[0], "Term start": f"{last_term[1]:%d/%m/%Y}",
                       "Term end": f"{last_term[2]:%d/%m/%Y}", **_sessions(rng.uniform(86, 99), rng)})
    free_children = [m for f in free for m in f.members if m.relationship_to_lead == "child"]
    for member in free_children[:6]:
        school.append({**_person(member), "Term": last_term[0], "Term start": f"{last_term[1]:%d/%m/%Y}",
                       "Term end": f"{last_term[2]:%d/%m/%Y}", **_sessions(rng.uniform(74, 84), rng)})
    if children:
        twin = children[0]  # a twin of a child of the register, not in it: to review
        school.append({**_person(twin, upn=False, forename="Marlowe"), "Term": last_term[0],
                       "Term start": f"{last_term[1]:%d/%m/%Y}", "Term end": f"{last_term[2]:%d/%m/%Y}",
                       **_sessions(93, rng)})
    for forename, surname, born, sex, postcode in STRANGERS:
        school.append({"Forename": forename, "Surname": surname, "Date of birth": f"{born:%d/%m/%Y}", "Sex": sex,
                       "Postcode": postcode, "Term": last_term[0], "Term start": f"{last_term[1]:%d/%m/%Y}",
                       "Term end": f"{last_term[2]:%d/%m/%Y}", **_sessions(81, rng)})
    broken = dict(school[-1])
    school.append({**broken, "Sessions possible": "20", "Authorised absence": "12", "Unauthorised absence": "15"})
    school.append({**school[5], "Date of birth": ""})
    school.append({**school[6], "Term": "Autumn 2030", "Term start": "02/09/2030", "Term end": "19/12/2030"})
    school.append(dict(school[7]))  # the same row twice

    # Police: anti-social behaviour and domestic abuse call-outs for the unattached families, and a type unknown.
    police: list[dict] = []
    for family in free[:6]:
        adults = [m for m in family.members if m.relationship_to_lead in ("lead_adult", "partner")]
        for member, kind, days in ((adults[0] if adults else family.members[0], "Domestic abuse", 40),
                                   (family.members[-1], "Anti-social behaviour", 75)):
            police.append({**_person(member), "Date": f"{today - timedelta(days=days + rng.randrange(20)):%d/%m/%Y}",
                           "Type": kind, "Reference": f"CAD {rng.randrange(1000, 9999)}"})
    police.append({**police[0], "Type": "Parking", "Reference": "CAD 0001"})

    # Children's social care: a child in need plan for two unattached families' children.
    care = [{**_person(member, upn=False), "NHS number": member.nhs_number or "", "Episode type": "CIN",
             "Started": f"{today - timedelta(days=200):%d/%m/%Y}", "Ended": "", "End reason": ""}
            for member in free_children[:2]]

    # The case-management export: a family new to the register, and people already in it.
    case = [{"Family reference": "EHM-30117", "Relationship": relationship, "Resident": "Yes", "Forename": forename,
             "Surname": "Okonkwo-Reid", "Date of birth": f"{born:%d/%m/%Y}", "Sex": sex, "Postcode": "BR2 6JH",
             "Lead practitioner": "Priya Lal", "Team": "South locality", "Case reference": f"P-{3000 + n}"}
            for n, (relationship, forename, born, sex) in enumerate((
                ("Lead adult", "Adaeze", date(1988, 6, 12), "F"), ("Child", "Kelechi", date(2014, 2, 3), "M"),
                ("Child", "Amara", date(2017, 9, 28), "F")))]
    # Its early-help request, worked: received, decided, assessed (the lead adult and the elder child) and planned.
    request = {"Request received on": f"{today - timedelta(days=65):%d/%m/%Y}", "Request received at": "10:15",
               "Request source": "School or college", "Decision": "Allocated to early help",
               "Decided on": f"{today - timedelta(days=63):%d/%m/%Y}",
               "Assessment started": f"{today - timedelta(days=56):%d/%m/%Y}",
               "Assessment completed": f"{today - timedelta(days=30):%d/%m/%Y}",
               "Plan opened": f"{today - timedelta(days=23):%d/%m/%Y}"}
    case[0].update(request)
    case[1].update({"Request received on": request["Request received on"],
                    "Assessment started": request["Assessment started"]})
    for member in [m for f in free[:3] for m in f.members][:5]:
        case.append({"Family reference": db.session.get(Family, member.family_id).reference,
                     "Relationship": member.relationship_to_lead, "Resident": "Yes", **_person(member),
                     "Case reference": f"P-{4000 + member.id}"})
    # A request for a family already in the register, advice given; and one whose assessment the case system dates
    # before the request was received (a row not valid).
    case[3].update({"Request received on": f"{today - timedelta(days=30):%d/%m/%Y}", "Request source": "Health",
                    "Decision": "Advice and signpost", "Decided on": f"{today - timedelta(days=28):%d/%m/%Y}"})
    other = next(row for row in case[4:] if row["Family reference"] != case[3]["Family reference"])
    other.update({"Request received on": f"{today - timedelta(days=40):%d/%m/%Y}", "Request source": "Police",
                  "Decision": "Early help", "Assessment started": f"{today - timedelta(days=45):%d/%m/%Y}"})
    return {
        "school-attendance.csv": _csv("attendance", school),
        "police-incidents.csv": _csv("police", police),
        "social-care-episodes.csv": _csv("social_care", care),
        "case-management-export.csv": _csv("case_management", case),
    }
