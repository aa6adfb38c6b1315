"""A manager opens the monthly scorecard, adds an indicator, imports a bad CSV file and then a good one, reads the
direction of travel, writes the month's commentary and sets a target; axe scan of each page."""

from __future__ import annotations

from playwright.sync_api import expect

from tfclaims.auth.roles import Role

CODE = "BRJ1"  # no other journey uses it
BAD = b"code,month,value\nBRJ1,2025-09,100\nSF01,2025-09,4\nBRJ1,2025-10,lots\n"
GOOD = b"code,month,value\nBRJ1,09/2025,100\nBRJ1,Oct-25,90\n"  # months in the council's usual styles


def test_monthly_scorecard(page, base_url, sign_in_as, axe):
    sign_in_as(Role.MANAGER)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Scorecard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly scorecard")
    expect(page.locator("#indicator-SF01")).to_be_visible()
    axe()

    page.get_by_role("link", name="Add an indicator").click()
    page.get_by_label("Reference code").fill(CODE)
    page.get_by_label("Indicator", exact=True).fill("Repeat referrals to children's social care")
    page.get_by_label("Owner (optional)").fill("Head of Early Help")
    page.get_by_label("No: a lower value is better").check()
    page.get_by_label("Number", exact=True).check()
    page.get_by_label("Monthly").check()
    axe()
    page.get_by_role("button", name="Save indicator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Repeat referrals to children's social care")
    axe()

    page.goto(f"{base_url}/scorecard/import")
    page.get_by_label("Upload a CSV file").set_input_files(
        files=[{"name": "values.csv", "mimeType": "text/csv", "buffer": BAD}]
    )
    page.get_by_role("button", name="Import values").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The selected file has 2 rows with problems")
    expect(summary).to_contain_text("Row 3: SF01 is computed")
    expect(summary).to_contain_text('Row 4: the value "lots" is not a number')
    axe()

    page.get_by_label("Upload a CSV file").set_input_files(
        files=[{"name": "values.csv", "mimeType": "text/csv", "buffer": GOOD}]
    )
    page.get_by_role("button", name="Import values").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 values imported: 2 added, 0 replaced")
    expect(page.locator("#month-heading")).to_have_text("October 2025")
    row = page.locator(f"#indicator-{CODE}")
    expect(row.locator("td").nth(9)).to_have_text("-10.0%")
    expect(row.locator(".app-dot")).to_have_text("↓down better")  # the arrow, then "down" for screen readers
    # Two of the twelve months have a value: the 12-month figures say so.
    expect(row.locator("td").nth(12)).to_have_text("2 months: 95")
    expect(row.locator("td").nth(13)).to_have_text("2 months: 100")
    axe()

    page.get_by_role("link", name=f"Add commentary for {CODE}, October 2025").click()
    page.get_by_label("Commentary").fill("Fewer repeat referrals after the new front door.")
    axe()
    page.get_by_role("button", name="Save commentary").click()
    expect(page.locator(f"#commentary-{CODE}")).to_contain_text("Fewer repeat referrals after the new front door.")

    page.get_by_role("link", name="Repeat referrals to children's social care").click()
    page.get_by_role("link", name=f"Set a target for {CODE}").click()
    page.get_by_label("Financial year").fill("2025-26")
    page.get_by_label("Target").fill("85")
    axe()
    page.get_by_role("button", name="Save target").click()
    expect(page.locator("#targets-table")).to_contain_text("2025-26")
    page.get_by_role("link", name=f"Set a benchmark for {CODE}").click()
    axe()
    page.get_by_role("link", name=f"Back to {CODE}").click()
    page.get_by_role("link", name=f"Enter a value for {CODE}").click()
    axe()
