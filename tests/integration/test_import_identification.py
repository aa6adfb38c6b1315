"""Identification: households in the partner data with at least the framework's minimum of problems, not attached.
Facts of the last 12 months only; an attached family is not offered; people the register does not hold grouped by
surname and postcode; the page, its CSV, and who may read it."""

from __future__ import annotations

import io
from datetime import date

import pytest

from tests import factories
from tests.pages import text
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.families.models import Attachment

TODAY = date(2020, 2, 1)
ATTENDANCE = ("UPN,Forename,Surname,Date of birth,Sex,Postcode,Term,Term start,Term end,Sessions possible,"
              "Authorised absence,Unauthorised absence")
POLICE = "PNC number,Forename,Surname,Date of birth,Sex,Postcode,Date,Type,Reference"


@pytest.fixture
def world(db_session, today_is):
    today_is(TODAY)
    version = factories.make_published_plan()
    families = [factories.make_family(members=4) for _ in range(3)]
    for family, surname in zip(families, ("Okafor", "Lindqvist", "Brennan"), strict=True):
        for member in family.members:
            member.surname = surname
    db.session.add(Attachment(family_id=families[2].id, plan_version_id=version.id, attached_on=date(2019, 6, 1)))
    db.session.commit()
    return families


def _import(client, kind: str, head: str, lines: list[str]) -> None:
    content = ("\n".join([head, *lines]) + "\n").encode()
    response = client.post("/partner-data/upload", data={"kind": kind, "file": (io.BytesIO(content), f"{kind}.csv")},
                           content_type="multipart/form-data")
    batch_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.post(f"/partner-data/imports/{batch_id}/confirm").status_code == 302


def _child(family, n=2):
    m = family.members[n]
    return f"{m.forenames},{m.surname},{m.date_of_birth:%d/%m/%Y},{m.sex},BR1 2AB"


def test_families_with_enough_recent_problems_and_not_attached_are_identified(world, sign_in, client, pages):
    sign_in(Role.COORDINATOR)
    okafor, lindqvist, brennan = world
    term = "Autumn 2019,02/09/2019,20/12/2019,140,4,24"  # 80% attendance
    _import(client, "attendance", ATTENDANCE, [
        f",{_child(okafor)},{term}", f",{_child(lindqvist)},{term}", f",{_child(brennan)},{term}",
        f",Zebedee,Quartermaine,01/01/2012,M,ZZ9 9ZZ,{term}",
    ])
    _import(client, "police", POLICE, [
        f",{_child(okafor)},03/10/2019,Anti-social behaviour,",
        f",{_child(brennan)},03/10/2019,Anti-social behaviour,",
        # More than 12 months before today: not counted.
        f",{_child(lindqvist)},15/01/2019,Anti-social behaviour,",
        ",Zebedee,Quartermaine,01/01/2012,M,ZZ9 9ZZ,05/11/2019,Offence,",
    ])
    page = pages.get("/partner-data/identification")
    assert text(page.select_one("#identified-count")) == "2 households found"
    cards = [text(c) for c in page.select(".govuk-summary-card")]
    assert any(f"Family {okafor.reference} : 2 problems" in c for c in cards), cards
    okafor_card = next(c for c in cards if okafor.reference in c)
    assert "Children not attending school regularly" in okafor_card and "80.0% attendance (Autumn 2019)" in okafor_card
    assert "Parents or children involved in crime or anti-social behaviour" in okafor_card
    assert any("Quartermaine at ZZ9 9ZZ (not in the register): 2 problems" in c for c in cards), cards
    assert not any(brennan.reference in c for c in cards), "an attached family is not offered"
    assert not any(lindqvist.reference in c for c in cards), "one recent problem is not enough"

    response = client.get("/partner-data/identification.csv")
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Household,Family reference,Problems,Problem,Descriptors,Person,Evidence,Date,Detail"
    assert sum(okafor.reference in line for line in lines) == 2


@pytest.mark.parametrize("role", [Role.CLAIMS_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_only_coordinators_and_managers_see_the_list(world, sign_in, client, role):
    sign_in(role)
    assert client.get("/partner-data/identification").status_code == 403
    assert client.get("/partner-data/identification.csv").status_code == 403


def test_the_forecast_says_how_many_candidate_families_the_partner_data_found(world, sign_in, client, pages):
    from tfclaims.forecasts.models import Target

    db.session.add(Target(label="2019-20", starts_on=date(2019, 4, 1), ends_on=date(2020, 3, 31), results_target=20,
                          attachment_target=50, attachment_deadline=date(2020, 3, 31),
                          claim_deadline=date(2020, 3, 31), assumed_rate_percent=50.0))
    db.session.commit()
    sign_in(Role.COORDINATOR)
    okafor = world[0]
    _import(client, "attendance", ATTENDANCE, [f",{_child(okafor)},Autumn 2019,02/09/2019,20/12/2019,140,4,24"])
    _import(client, "police", POLICE, [f",{_child(okafor)},03/10/2019,Offence,"])
    client.post("/sign-out")
    sign_in(Role.MANAGER)
    page = pages.get("/forecasts/")
    line = page.select_one("#candidates")
    assert "candidate families found in the partner data: 1" in text(line)
    assert line.select_one("a")["href"] == "/partner-data/identification"
    assert text(line).startswith("Further attachments needed: ")
    client.post("/sign-out")
    sign_in(Role.CLAIMS_OFFICER)  # sees the count, without a link to a list they may not open
    line = pages.get("/forecasts/").select_one("#candidates")
    assert "found in the partner data: 1" in text(line) and line.select_one("a") is None
