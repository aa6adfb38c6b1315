"""A claim from build to sign-off: a claims officer builds it (one family unticked) and sends it to internal audit,
the auditor passes every sampled family, a manager signs it off, and the claims officer downloads the CSV and the
PDF claim pack; then a claims officer who is also a manager sees the families of the claim they built marked claimed
on the ready list and the family page, removes a sampled family and sees the sample topped up, and is refused the
sign-off; axe scan of each page. Screenshots of the build page, the claim page and the worksheet go to
/tmp/claims-shots/ for a person to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.claims_cohort import make_claimable, make_window
from tfclaims.auth.models import User
from tfclaims.auth.roles import Role
from tfclaims.extensions import db
from tfclaims.outcomes_plan.models import OutcomesPlan

SHOTS = Path("/tmp/claims-shots")
CLAIMED = ["BRK-990001", "BRK-990002", "BRK-990004"]
UNTICKED = "BRK-990003"
ROUTES = {"BRK-990001": "SSP", "BRK-990002": "SSP", "BRK-990003": "SSP", "BRK-990004": "CE"}


@pytest.fixture
def cohort(live_app):
    """Four families claimable as of 30 September 2019 (three by SSP, one by CE) and the July-September window."""
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        manager = db.session.scalar(select(User).where(User.email == live_app.config["BROWSER_USERS"][Role.MANAGER]))
        for reference, route in ROUTES.items():
            make_claimable(reference, plan.versions[0], manager, route=route)
        return make_window().label


def shoot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_out(page):
    page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()


def open_claim(page, axe, reference: str):
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Claims").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment-by-results claims")
    axe()
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    axe()


def test_a_claim_is_built_audited_signed_off_and_downloaded(page, base_url, sign_in_as, axe, cohort):
    window = cohort
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. The claims officer builds the claim, leaving one family out, and sends it to internal audit.
    sign_in_as(Role.CLAIMS_OFFICER)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Claims").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment-by-results claims")
    axe()
    page.get_by_role("link", name=f"Build a claim for {window}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build a claim")
    candidates = page.locator("#candidates tbody tr")
    offered = [t.strip() for t in candidates.locator("td:nth-child(2)").all_text_contents()]
    assert set(ROUTES) <= set(offered)
    for reference in offered:
        expect(page.get_by_label(f"Claim for family {reference}")).to_be_checked()
    axe()
    shoot(page, "build")
    # The browser database is shared: a family another journey left claimable stays out of this claim too.
    for reference in offered:
        if reference not in CLAIMED:
            page.get_by_label(f"Claim for family {reference}").uncheck()
    expect(page.get_by_label(f"Claim for family {UNTICKED}")).not_to_be_checked()
    page.get_by_role("button", name="Build the draft claim").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    heading = page.get_by_role("heading", level=1).text_content()
    reference = re.search(r"(\S+ Q\d claim \d+)", heading).group(1)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Draft claim {reference} built with 3 families")
    expect(page.locator("#claim-families")).to_have_text("3 families (CE 1, SSP 2)")
    expect(page.locator("#claim-value")).to_have_text("£2,400")
    lines = page.locator("#claim-lines tbody tr td:first-child")
    expect(lines).to_have_text(CLAIMED)
    axe()
    shoot(page, "claim-draft")
    page.get_by_role("link", name="Send to internal audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send to internal audit")
    axe()
    page.get_by_role("button", name="Send to internal audit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("In audit")
    axe()
    sign_out(page)
    axe()

    # 2. The internal auditor checks every sampled family and passes it.
    sign_in_as(Role.AUDITOR)
    open_claim(page, axe, reference)
    page.get_by_role("link", name="Open the auditor worksheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Auditor worksheet")
    axe()
    shoot(page, "worksheet")
    sampled = [t.strip() for t in page.locator("#worksheet tbody tr td:first-child").all_text_contents()]
    assert sampled and set(sampled) <= set(CLAIMED)
    assert {ROUTES[r] for r in sampled} == {"SSP", "CE"}  # at least one family of each route
    for family in sampled:
        page.get_by_role("link", name=f"Check family {family}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Check family {family}")
        axe()
        for question in ("Eligible at attachment", "Whole-family working", "Result evidenced"):
            page.get_by_role("group", name=re.compile(question)).get_by_label("Yes", exact=True).check()
        page.get_by_label("Pass", exact=True).check()
        page.get_by_role("button", name="Save the check").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Check of {family} saved: pass")
        axe()
    expect(page.locator("#worksheet tbody")).not_to_contain_text("Not checked yet")
    shoot(page, "worksheet-checked")
    sign_out(page)

    # 3. A manager signs the claim off.
    sign_in_as(Role.MANAGER)
    open_claim(page, axe, reference)
    page.get_by_role("link", name="Sign off the claim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign off")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    axe()
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed off")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Claim {reference}: signed off")
    axe()
    sign_out(page)

    # 4. The claims officer downloads the submission file and the claim pack.
    sign_in_as(Role.CLAIMS_OFFICER)
    open_claim(page, axe, reference)
    shoot(page, "claim-signed-off")
    stem = reference.lower().replace(" ", "-")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Submission file \(CSV\)")).click()
    assert download.value.suggested_filename == f"{stem}.csv"
    frame = pd.read_csv(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8")), dtype=str)
    assert sorted(frame["Family reference"]) == CLAIMED
    assert UNTICKED not in set(frame["Family reference"])

    # The claim pack is made in the background: its progress page, then the file.
    page.get_by_role("button", name=re.compile(r"^Make the claim pack \(PDF\)")).click()
    expect(page.locator("h1")).to_have_text(f"Claim pack for claim {reference} (PDF)")
    expect(page.locator("#job-state")).to_contain_text("Your file is ready")
    axe()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download ")).click()
    assert download.value.suggested_filename == f"{stem}.pdf"
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert reference in text


# ---------------------------------------------------------------- claimed everywhere, the top-up, the builder
# (issue 11: a claims officer sees a claimed family marked claimed everywhere; removing a sampled line tops the
# sample up; the builder cannot sign off)

TOP_UP = {"BRK-991001": "SSP", "BRK-991002": "SSP", "BRK-991003": "SSP", "BRK-991004": "CE"}
TOP_UP_WINDOW = "2019-20 Q2 (second journey)"
BUILDER_EMAIL = "claims-officer-and-manager@browser.example"


@pytest.fixture
def builder(live_app):
    """Four families claimable as of 30 September 2019 (three by SSP, one by CE), a window of their own, and a
    claims officer who is a manager too."""
    with live_app.app_context():
        plan = db.session.scalar(select(OutcomesPlan).where(OutcomesPlan.name == "Brackenshire outcomes plan"))
        manager = db.session.scalar(select(User).where(User.email == live_app.config["BROWSER_USERS"][Role.MANAGER]))
        for reference, route in TOP_UP.items():
            make_claimable(reference, plan.versions[0], manager, route=route)
        make_window(TOP_UP_WINDOW)
        factories.make_user(Role.CLAIMS_OFFICER, Role.MANAGER, name="Casey Both", email=BUILDER_EMAIL)
        db.session.commit()
    return BUILDER_EMAIL


def sign_in_email(page, base_url, email: str):
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/home")


def test_claimed_everywhere_the_sample_topped_up_and_the_builder_cannot_sign_off(page, base_url, axe, builder):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_email(page, base_url, builder)

    # 1. The claims officer (a manager too) builds a claim of the four families and sends it to internal audit.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Claims").click()
    page.get_by_role("link", name=f"Build a claim for {TOP_UP_WINDOW}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build a claim")
    expect(page.locator("#candidates")).to_contain_text("Troubled Families 2015-21: results")
    axe()
    offered = [t.strip() for t in page.locator("#candidates tbody tr td:nth-child(2)").all_text_contents()]
    for reference in offered:
        if reference not in TOP_UP:
            page.get_by_label(f"Claim for family {reference}").uncheck()
    page.get_by_role("button", name="Build the draft claim").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    heading = page.get_by_role("heading", level=1).text_content()
    reference = re.search(rf"({re.escape(TOP_UP_WINDOW)} claim \d+)", heading).group(1)
    expect(page.locator("#claim-phase")).to_have_text("Troubled Families 2015-21: results")
    page.get_by_role("link", name="Send to internal audit").click()
    page.get_by_role("button", name="Send to internal audit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("In audit")
    claim_url = page.url

    # 2. The builder is not offered the sign-off, and is told why.
    expect(page.get_by_role("link", name="Sign off the claim")).to_have_count(0)
    expect(page.locator("#sign-off-duty")).to_have_text("You built this claim, so you cannot sign it off: another "
                                                        "manager must.")
    axe()
    shoot(page, "claim-builder-in-audit")

    # 3. The claimed families are marked claimed on the ready list and on the family page.
    page.goto(f"{base_url}/cohort/ready?as_of=30&as_of=9&as_of=2019")
    ready = page.locator("table.govuk-table:not(#claimed-families)")
    for family in TOP_UP:
        expect(ready).not_to_contain_text(family)
    claimed = page.locator("#claimed-families")
    expect(claimed.locator("tr", has_text="BRK-991001")).to_contain_text("Claimed")
    expect(claimed.locator("tr", has_text="BRK-991001")).to_contain_text(reference)
    expect(claimed.locator("tr", has_text="BRK-991004")).to_contain_text("CE")
    axe()
    shoot(page, "ready-with-claimed")
    claimed.get_by_role("link", name="BRK-991001", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("BRK-991001")
    expect(page.locator("#family-claimed")).to_contain_text("Claimed")
    expect(page.locator("#family-claimed")).to_contain_text(f"in claim {reference} (in audit), window {TOP_UP_WINDOW}")
    expect(page.locator("#claim-history tbody tr")).to_have_count(1)
    expect(page.locator("#claim-history tbody tr")).to_contain_text("Troubled Families 2015-21: results")
    axe()

    # 4. Removing the sampled SSP family tops the sample up from the claim's seed.
    page.goto(claim_url)
    page.get_by_role("link", name="Auditor worksheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Auditor worksheet")
    rows = page.locator("#worksheet tbody tr")
    sampled = {rows.nth(i).locator("td").nth(0).text_content().strip(): rows.nth(i).locator("td").nth(1)
               .text_content().strip() for i in range(rows.count())}
    assert sorted(sampled.values()) == ["CE", "SSP"]
    first_ssp = next(f for f, route in sampled.items() if route == "SSP")
    axe()
    page.get_by_role("link", name=first_ssp, exact=True).click()
    page.get_by_role("link", name="Remove from the claim").click()
    expect(page.locator("#top-up-note")).to_be_visible()
    axe()
    page.get_by_label("Why is the family removed from the claim?").fill("Failed audit: no family plan on file")
    page.get_by_role("button", name="Remove from the claim").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{first_ssp} removed from the claim")
    ssp = page.locator("#sample-report tbody tr", has_text="SSP")
    # Lines in the claim, first draw, top-up, removed, in the sample now, passed, failed, queried, not checked.
    expect(ssp.locator("td")).to_have_text(["2", "1", "1", "1", "1", "0", "0", "0", "1"])
    axe()
    shoot(page, "claim-topped-up")
    page.get_by_role("link", name="Auditor worksheet").click()
    topped = page.locator("#worksheet tbody tr", has_text="Top-up 1")
    expect(topped).to_have_count(1)
    expect(topped).to_contain_text("SSP")
    expect(page.locator("#worksheet")).not_to_contain_text(first_ssp)
    expect(page.locator("#sampled-removed")).to_contain_text(first_ssp)
    axe()

    # 5. Asked for directly, the sign-off page refuses the builder and offers no button.
    page.goto(f"{claim_url}/sign-off")
    expect(page.locator(".govuk-error-summary")).to_contain_text("You built this claim, so you cannot sign it off")
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)
    axe()
