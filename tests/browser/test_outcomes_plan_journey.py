"""A manager's outcomes plan journey, in chromium with CSRF on, with an accessibility scan of every page.

The browser database is shared by the browser tests, so nothing here publishes a 2015-21 version: that would
change which version is in force for the other journeys.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tfclaims.auth.roles import Role


def link(page, name: str):
    """A link by its whole accessible name, however the visually hidden part of it is spaced."""
    pattern = r"^\s*" + r"\s+".join(re.escape(word) for word in name.split()) + r"\s*$"
    return page.get_by_role("link", name=re.compile(pattern))


def fill_date(page, legend: str, day: str, month: str, year: str):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_manager_creates_a_plan_and_copies_a_published_version(page, base_url, sign_in_as, axe, tmp_path):
    """Also: success criteria added, changed and deleted, two versions compared, a version shared and imported."""
    sign_in_as(Role.MANAGER)
    page.get_by_role("link", name="Outcomes plans", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes plans")
    axe()
    page.get_by_role("link", name="National frameworks and their headline problems").click()
    expect(page.get_by_role("heading", name="Supporting Families 2022-25")).to_be_visible()
    axe()
    page.get_by_role("link", name="Back to outcomes plans").click()

    page.get_by_role("link", name="Create an outcomes plan").click()
    axe()
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the plan name")
    axe()
    page.get_by_label("Plan name").fill("Brackenshire Supporting Families plan")
    page.get_by_label("Supporting Families 2022-25").check()
    fill_date(page, "Effective from", "1", "10", "2022")
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1")
    axe()

    page.get_by_role("link", name="Add a descriptor", exact=True).click()
    axe()
    page.get_by_label("1. Getting a good education", exact=False).first.check()
    page.get_by_label("Descriptor code").fill("ed1")
    page.get_by_label("Wording").fill("A child missing 10% or more of school sessions")
    page.get_by_label("Usual evidence source").select_option(label="School census and attendance")
    page.get_by_role("button", name="Save descriptor").click()
    expect(page.get_by_text("Descriptor ED1 added")).to_be_visible()

    # A success criterion in two steps: the kind, then its settings. Errors first, as people make them.
    link(page, "Add a success criterion for headline outcome 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What kind of success criterion?")
    axe()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Select a kind of success criterion")
    axe()
    page.get_by_label("A measure held at or beyond a threshold for consecutive periods").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a success criterion")
    axe()
    page.get_by_label("Threshold").fill("120")
    page.get_by_role("button", name="Save success criterion").click()
    expect(page.get_by_role("alert")).to_contain_text("Threshold must be between 0 and 100")
    axe()
    page.get_by_label("Measure").select_option(label="School attendance")
    page.get_by_label("Threshold").fill("90")
    page.get_by_label("Consecutive periods").fill("3")
    page.get_by_role("button", name="Save success criterion").click()
    expect(page.get_by_text("Success criterion added to 1. Getting a good education")).to_be_visible()
    link(page, "Add a success criterion for headline outcome 1").click()
    page.get_by_label("Practitioner evidence signed off by a manager").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Wording (optional)").fill("A head teacher's report of steady progress, signed off")
    page.get_by_role("button", name="Save success criterion").click()
    expect(page.get_by_text("Meeting any one of these 2 success criteria is enough.")).to_be_visible()
    expect(page.get_by_role("heading", name="Continuous employment: the framework's settings")).to_be_visible()
    axe()

    page.get_by_role("link", name="Publish this version").click()
    axe()
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_role("alert")).to_contain_text("None yet for: 2.")
    axe()

    page.goto(f"{base_url}/outcomes-plans/")
    page.get_by_role("link", name="Brackenshire outcomes plan", exact=True).click()
    axe()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("This version is published and cannot be changed")).to_be_visible()
    axe()
    page.get_by_role("link", name="Copy to a new version").click()
    axe()
    fill_date(page, "Effective from", "1", "4", "2020")
    page.get_by_role("button", name="Copy to a new draft").click()
    expect(page.get_by_text(re.compile(r"Version 1 copied to draft version \d+"))).to_be_visible()
    axe()
    page.get_by_role("link", name="Change descriptor P2.1").click()
    axe()
    page.get_by_label("Descriptor code").fill("ED2")
    page.get_by_role("button", name="Save descriptor").click()
    expect(page.get_by_text("Descriptor ED2 saved")).to_be_visible()
    page.get_by_role("link", name="Delete descriptor P3.1").click()
    axe()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("Descriptor P3.1 deleted")).to_be_visible()
    link(page, "Change success criterion 1 of headline problem 2").click()
    axe()
    page.get_by_label("Threshold").fill("85")
    page.get_by_role("button", name="Save success criterion").click()
    expect(page.get_by_text("Success criterion of 2. Children not attending school regularly saved")).to_be_visible()
    link(page, "Delete success criterion 1 of headline problem 6").click()
    axe()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("None yet for: 6. Parents and children with a range of health problems")).to_be_visible()
    axe()

    # Compare the draft with version 1: text marks say what changed.
    page.get_by_role("link", name="Back to Brackenshire outcomes plan").click()
    page.get_by_role("link", name="Compare versions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare versions")
    expect(page.locator("#compare-summary")).to_contain_text("1 added, 3 removed, 1 changed")
    axe()

    # Share version 1 as a file and import it as a new plan; a broken file first.
    page.goto(f"{base_url}/outcomes-plans/")
    page.get_by_role("link", name="Brackenshire outcomes plan", exact=True).click()
    page.get_by_role("link", name="Version 1").click()
    with page.expect_download() as download:
        link(page, "YAML (version 1)").click()
    shared = tmp_path / download.value.suggested_filename
    download.value.save_as(shared)
    assert shared.name == "brackenshire-outcomes-plan-version-1.yaml"
    page.goto(f"{base_url}/outcomes-plans/")
    page.get_by_role("link", name="Import an outcomes plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an outcomes plan")
    axe()
    page.get_by_label("Upload a plan file").set_input_files(
        files=[{"name": "broken.yaml", "mimeType": "application/yaml", "buffer": b"framework: TF1999\nplan: x\n"}]
    )
    page.get_by_role("button", name="Import plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Unknown framework code 'TF1999'")
    expect(page.get_by_role("alert")).to_contain_text("The effective-from date (effective_from) is missing")
    axe()
    page.get_by_label("Upload a plan file").set_input_files(shared)
    page.get_by_label("Name for the new plan (optional)").fill("Plan shared by a neighbouring council")
    page.get_by_role("button", name="Import plan").click()
    imported = "Outcomes plan Plan shared by a neighbouring council imported as draft version 1"
    expect(page.get_by_text(imported)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1")
    axe()


def test_manager_changes_a_frameworks_national_settings(page, base_url, sign_in_as, axe):
    """A bad number first, as people make them; the change is then in the history. The payment is put back after,
    so the other journeys on the shared database see the national figures."""
    sign_in_as(Role.MANAGER)
    page.goto(f"{base_url}/outcomes-plans/")
    page.get_by_role("link", name="National frameworks and their headline problems").click()
    settings = re.compile(r"National settings and their history\W+Supporting Families 2022-25")
    page.get_by_role("link", name=settings).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supporting Families 2022-25: national settings")
    axe()
    page.get_by_role("link", name="Change the national settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the national settings")
    axe()
    page.get_by_label("Results payment, in pounds").fill("eight hundred")
    page.get_by_role("button", name="Save settings").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the results payment as an amount in pounds, like 800 or 800.50")
    expect(page).to_have_title(re.compile("^Error: "))
    axe()
    page.get_by_label("Results payment, in pounds").fill("850")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Results payment: £800 to £850").first).to_be_visible()
    expect(page.locator("#settings-history")).to_contain_text("Results payment: £800 to £850")
    axe()
    page.get_by_role("link", name="Change the national settings").click()
    page.get_by_label("Results payment, in pounds").fill("800")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-history tbody tr")).to_have_count(2)
