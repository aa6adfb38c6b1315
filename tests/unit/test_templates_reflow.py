"""Every table in every template fits a 320 px screen (WCAG 1.4.10) without the page scrolling sideways, the way the
house does it (templates/layouts/_tables.html): either in a scrolling region that is labelled and keyboard-focusable,
or stacked into rows with each value's column name beside it, or marked app-table--fits (a table of two or three
short columns that fits as it is). Checked on the template text, so a new page cannot
forget it; tests/browser/test_accessibility_crawl.py checks the pages themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FILES = sorted(TEMPLATES.rglob("*.html"))


def _without_comments(text: str) -> str:
    """The template with its Jinja comments blanked out (their line breaks kept, so line numbers hold)."""
    return re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


def _tables(text: str):
    """Each table: (line number, the line before it that is not blank, the table's text)."""
    text = _without_comments(text)
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if "<table" not in line:
            continue
        before = next((lines[k] for k in range(number - 1, -1, -1) if lines[k].strip()), "")
        end = text.find("</table>", text.find(line))
        yield number + 1, before, text[text.find(line) : end]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(TEMPLATES)) for p in FILES])
def test_every_table_scrolls_in_a_labelled_region_or_stacks(path):
    text = path.read_text()
    for number, before, table in _tables(text):
        where = f"{path.relative_to(TEMPLATES)}:{number}"
        opening = table.split(">", 1)[0]
        if "app-table--fits" in opening:
            continue  # two or three short columns that fit 320 px as they are (the crawl proves it)
        if "app-table--stack" in opening:
            body = table[table.find("<tbody") :]
            cells = re.findall(r"<td\b[^>]*>", body)
            unlabelled = [td for td in cells if "data-label" not in td and "colspan" not in td]
            assert not unlabelled, f"{where}: a stacked table's cells need data-label (their column): {unlabelled[:2]}"
        else:
            assert "app-table-wrapper" in before or "table_region(" in before, (
                f"{where}: put the table in table_region(label) or give it class app-table--stack"
            )


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(TEMPLATES)) for p in FILES])
def test_every_scrolling_region_is_labelled_and_focusable(path):
    for wrapper in re.findall(r"<div\b[^>]*app-table-wrapper[^>]*>", _without_comments(path.read_text())):
        assert 'role="region"' in wrapper and 'tabindex="0"' in wrapper, f"{path.name}: {wrapper}"
        assert re.search(r'aria-label(ledby)?="[^"]+"', wrapper), f"{path.name}: {wrapper} has no label"
