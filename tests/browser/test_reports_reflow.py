"""The forecast and scorecard pages at any size (issue 12), on the demo council's data: every page under forecasts/
and scorecard/, and the forms shown with their errors.

At 1280 and 320 CSS px no axe-core violation; at 640 px, 320 px and 320 px with the WCAG text spacing overrides no
horizontal scroll of the page, and whatever scrolls sideways is a labelled, keyboard-focusable region; charts never
wider than their container, each with a text alternative and a link to its table; links in tables meet the 2.5.8
target size (24 by 24 px) or its spacing exception. Runs on SQLite only, like the crawl: the pages are the same on
PostgreSQL.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import AXE_TAGS, _axe_source
from tests.browser.test_accessibility_crawl import TEXT_SPACING
from tfclaims import demo
from tfclaims.auth.roles import Role

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs on SQLite (the pages are the same on PostgreSQL)"
)

# The demo's indicators: SF01 is computed from the programme's data (SF01 to SF14, the first fourteen), EH03 entered,
# with targets and benchmarks.
COMPUTED, ENTERED = 1, 15
PAGES = [
    "/forecasts/",
    "/forecasts/?as_of-day=31&as_of-month=3&as_of-year=2024",
    "/forecasts/?as_of-day=31&as_of-month=2&as_of-year=2024",  # not a real date: the error summary, no forecast
    "/forecasts/targets",
    "/forecasts/targets/1",
    "/forecasts/targets/new",
    "/forecasts/targets/1/edit",
    "/scorecard/",
    "/scorecard/?month=2024-10",
    f"/scorecard/indicators/{COMPUTED}",
    f"/scorecard/indicators/{ENTERED}",
    "/scorecard/indicators/new",
    f"/scorecard/indicators/{ENTERED}/edit",
    f"/scorecard/indicators/{ENTERED}/values",
    f"/scorecard/indicators/{COMPUTED}/values",
    f"/scorecard/indicators/{ENTERED}/targets",
    f"/scorecard/indicators/{ENTERED}/benchmarks",
    f"/scorecard/indicators/{ENTERED}/commentary",
    "/scorecard/import",
]
# Forms sent wrong, to see their error summaries at every size: (page, {field label: text}, button).
SENT_WRONG = [
    ("/forecasts/targets/new", {}, "Save target"),
    ("/scorecard/indicators/new", {}, "Save indicator"),
    (f"/scorecard/indicators/{ENTERED}/targets", {"Target": "a great many"}, "Save target"),
    ("/scorecard/import", {}, "Import values"),
]

# In one round trip: the page's overflow; what scrolls sideways and whether it is a labelled, focusable region;
# images wider than their container.
LAYOUT = """() => {
  const root = document.documentElement;
  const scrollers = [...document.querySelectorAll('main *')].filter(e => {
    const s = getComputedStyle(e);
    return (s.overflowX === 'auto' || s.overflowX === 'scroll') && e.scrollWidth > e.clientWidth;
  }).map(e => ({what: e.tagName.toLowerCase() + '.' + e.className, role: e.getAttribute('role'),
                label: e.getAttribute('aria-label') || '', tabindex: e.getAttribute('tabindex')}));
  const images = [...document.querySelectorAll('main img')].map(img => ({
    src: img.getAttribute('src'), width: img.getBoundingClientRect().width,
    room: img.parentElement.getBoundingClientRect().width}));
  return {scroll: root.scrollWidth, width: root.clientWidth, scrollers, images};
}"""
# Links in tables: their boxes, for the 2.5.8 target size check.
TABLE_LINKS = """() => [...document.querySelectorAll('main table a[href]')].filter(a => a.offsetParent !== null)
  .map(a => { const r = a.getBoundingClientRect();
              return {text: a.textContent.trim(), x: r.left, y: r.top, w: r.width, h: r.height}; })"""


@pytest.fixture(scope="module")
def manager_page(browser, demo_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    email = next(f"{local}@{demo.DOMAIN}" for role, local, _ in demo.USERS if role == Role.MANAGER)
    page.goto(f"{demo_url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo_url}/home")
    yield page
    context.close()


def _axe(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def _layout(page, width: int, label: str) -> list[str]:
    page.set_viewport_size({"width": width, "height": 900})
    layout = page.evaluate(LAYOUT)
    problems = []
    if layout["scroll"] > layout["width"]:
        problems.append(f"{label}: the page is {layout['scroll']} px wide in {layout['width']} px")
    for s in layout["scrollers"]:
        if s["role"] != "region" or not s["label"].strip() or s["tabindex"] != "0":
            problems.append(f"{label}: {s['what']} scrolls sideways but is not a labelled, focusable region ({s})")
    for img in layout["images"]:
        if img["width"] > img["room"] + 0.5:
            problems.append(f"{label}: the image {img['src']} is {img['width']:.0f} px wide in {img['room']:.0f} px")
    return problems


def undersized_targets(links: list[dict]) -> list[str]:
    """The links that fail WCAG 2.5.8: smaller than 24 by 24 px, and a 24 px circle on the centre of their box meets
    another link's box, or the circle of another undersized link."""

    def small(a):
        return a["w"] < 24 or a["h"] < 24

    def centre(a):
        return a["x"] + a["w"] / 2, a["y"] + a["h"] / 2

    def circle_meets_box(a, b):
        cx, cy = centre(a)
        nx, ny = min(max(cx, b["x"]), b["x"] + b["w"]), min(max(cy, b["y"]), b["y"] + b["h"])
        return (cx - nx) ** 2 + (cy - ny) ** 2 < 12**2

    def circles_meet(a, b):
        (ax, ay), (bx, by) = centre(a), centre(b)
        return (ax - bx) ** 2 + (ay - by) ** 2 < 24**2

    failing = []
    for i, a in enumerate(links):
        if not small(a):
            continue
        others = [b for j, b in enumerate(links) if j != i]
        if any(circle_meets_box(a, b) or (small(b) and circles_meet(a, b)) for b in others):
            failing.append(f"{a['text']!r} ({a['w']:.0f} by {a['h']:.0f} px)")
    return failing


def check(page) -> list[str]:
    """Everything wrong with the page now shown, as sentences."""
    problems = []
    page.set_viewport_size({"width": 1280, "height": 900})
    problems += [f"at 1280 px: {p}" for p in _axe(page)]
    problems += _layout(page, 1280, "at 1280 px")
    problems += _layout(page, 640, "at 640 px")
    problems += _layout(page, 320, "at 320 px")
    problems += [f"at 320 px: {p}" for p in _axe(page)]
    problems += [f"at 320 px: the link {t} is below the 24 px target size"
                 for t in undersized_targets(page.evaluate(TABLE_LINKS))]
    page.evaluate(
        "(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);"
        " document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }",
        TEXT_SPACING,
    )
    problems += _layout(page, 320, "at 320 px with the text spacing overrides")
    return problems


@pytest.mark.parametrize("path", PAGES)
def test_each_forecast_and_scorecard_page_passes_at_every_size(manager_page, demo_url, path):
    response = manager_page.goto(demo_url + path)
    assert response.status == 200, path
    problems = check(manager_page)
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("path", "fills", "button"), SENT_WRONG)
def test_forms_sent_wrong_show_their_errors_at_every_size(manager_page, demo_url, path, fills, button):
    manager_page.goto(demo_url + path)
    for label, text in fills.items():
        manager_page.get_by_label(label, exact=True).fill(text)
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name=button).click()
    # The click returns before the answer is drawn: wait for the page the POST returned, then count.
    assert manager_page.locator(".govuk-error-summary").count() == 1
    problems = check(manager_page)
    assert not problems, f"{path} sent wrong:\n  " + "\n  ".join(problems)


def test_every_chart_has_a_text_alternative_and_a_link_to_its_table(manager_page, demo_url):
    manager_page.goto(f"{demo_url}/forecasts/")
    figures = manager_page.eval_on_selector_all(
        "figure.app-chart",
        """figures => figures.map(f => {
          const img = f.querySelector('img'), link = f.querySelector('figcaption a[href^="#"]');
          const target = link && document.getElementById(link.getAttribute('href').slice(1));
          return {alt: img.getAttribute('alt'), table: target ? target.tagName.toLowerCase() : null,
                  rows: target ? target.querySelectorAll('tbody tr').length : 0};
        })""",
    )
    assert len(figures) == 3  # attachments, results against the target, the time-to-claim curve
    for figure in figures:
        assert len(figure["alt"]) > 40, figure  # says what the chart shows, with its figures
        assert figure["table"] == "table" and figure["rows"] > 0, figure
    # The alternative carries the figures the chart shows, not only its kind.
    assert "in all" in figures[0]["alt"] and "dashed line" in figures[0]["alt"]
    assert "within 12 months" in figures[2]["alt"]


def test_a_chart_link_opens_the_table_hidden_in_its_details(manager_page, demo_url):
    manager_page.goto(f"{demo_url}/forecasts/")
    manager_page.set_viewport_size({"width": 320, "height": 900})
    table = manager_page.locator("#attachments-table")
    assert not table.is_visible()
    manager_page.locator("#attachments-figure figcaption a[href=\"#attachments-table\"]").click()
    assert table.is_visible()


def test_scorecard_table_scrolls_inside_its_region_not_the_page(manager_page, demo_url):
    """The 1,854 px scorecard: its visually hidden words (absolutely positioned) escaped the wrapper."""
    manager_page.goto(f"{demo_url}/scorecard/")
    manager_page.set_viewport_size({"width": 320, "height": 900})
    region = manager_page.get_by_role("region", name="Scorecard for October 2024")
    widths = region.evaluate("e => [e.scrollWidth, e.clientWidth, document.documentElement.scrollWidth]")
    assert widths[0] > 1000 and widths[1] < 320 and widths[2] == 320
    region.focus()
    assert region.evaluate("e => document.activeElement === e")  # reached by the keyboard (tabindex 0)
    region.press("ArrowRight")
    region.press("End")
    # Scrolled by the keyboard (the scroll is animated: wait for it).
    manager_page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle(), timeout=3000)


def test_the_target_size_check_can_fail():
    """Two short links one above the other, 20 px apart (the indicator page's old action cell), fail 2.5.8; the
    same links 29 px apart, each 24 px tall, pass."""
    crowded = [{"text": "Change value", "x": 0, "y": 0, "w": 90, "h": 18},
               {"text": "Change commentary", "x": 0, "y": 20, "w": 130, "h": 18}]
    assert len(undersized_targets(crowded)) == 2
    spaced = [{"text": "Change value", "x": 0, "y": 0, "w": 90, "h": 24},
              {"text": "Change commentary", "x": 0, "y": 29, "w": 130, "h": 24}]
    assert undersized_targets(spaced) == []
