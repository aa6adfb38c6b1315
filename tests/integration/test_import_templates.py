"""Partner data's pages: the kinds of file, each source's columns explained, and its templates (CSV and Excel) that
read back through the import's own checks as one valid row. Coordinators and managers only."""

from __future__ import annotations

from datetime import date

import pytest

from tests.pages import text
from tfclaims.auth.roles import Role
from tfclaims.imports import sources
from tfclaims.imports.reading import read_table


def test_the_partner_data_page_lists_every_kind_with_its_templates(sign_in, pages):
    sign_in(Role.COORDINATOR)
    page = pages.get("/partner-data/")
    rows = page.select("#sources tbody tr")
    assert [row["id"] for row in rows] == [f"source-{kind}" for kind in sources.SOURCES]
    attendance = page.select_one("#source-attendance")
    assert "School attendance" in text(attendance) and "Schools or the education welfare service" in text(attendance)
    links = [a["href"] for a in attendance.select("a")]
    assert links == ["/partner-data/attendance/columns", "/partner-data/attendance/template.xlsx",
                     "/partner-data/attendance/template.csv"]
    nav = [text(a) for a in page.select(".govuk-service-navigation__link")]
    assert "Partner data" in nav


def test_a_source_s_columns_are_explained(sign_in, pages):
    sign_in(Role.MANAGER)
    page = pages.get("/partner-data/social_care/columns")
    assert text(page.select_one("h1")) == "Children's social care episodes: the columns"
    rows = {text(r.select_one("th")): [text(c) for c in r.select("td")] for r in page.select("#columns tbody tr")}
    assert list(rows) == [c.name for c in sources.SOURCES["social_care"].columns]
    assert rows["Date of birth"][0] == "Yes" and "A date, day first" in rows["Date of birth"][1]
    assert rows["End reason"][0] == "No" and rows["End reason"][3] == "reason for closure, closure reason"
    assert "An episode that ended has its end reason" in text(page.select_one("#rules"))


@pytest.mark.parametrize("kind", sorted(sources.SOURCES))
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_each_template_reads_back_as_one_valid_row(sign_in, client, kind, suffix):
    sign_in(Role.COORDINATOR)
    response = client.get(f"/partner-data/{kind}/template.{suffix}")
    assert response.status_code == 200
    name = f"tfclaims-{kind.replace('_', '-')}-template.{suffix}"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    table = read_table(response.data, name)
    checked = sources.check(sources.SOURCES[kind], table, date(2024, 11, 20))
    assert checked.problems == [] and len(checked.rows) == 1
    assert table.headings == tuple(c.name for c in sources.SOURCES[kind].columns)


def test_an_unknown_kind_is_not_found(sign_in, client):
    sign_in(Role.COORDINATOR)
    assert client.get("/partner-data/tax_returns/columns").status_code == 404
    assert client.get("/partner-data/tax_returns/template.csv").status_code == 404


@pytest.mark.parametrize("role", [Role.CLAIMS_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_other_roles_may_not(sign_in, client, role):
    sign_in(role)
    for url in ("/partner-data/", "/partner-data/police/columns", "/partner-data/police/template.xlsx"):
        assert client.get(url).status_code == 403, url
