"""Every page, every role, every size: a crawl of the demo council that signs in as each role, follows every link it
can reach, and checks each page shape (a path with its numbers taken out, and its query's names) once:

- no axe-core violation of WCAG 2.2 AA at 1280 CSS px wide and at 320 CSS px (the width of 1280 px at 400% zoom);
- no horizontal scroll of the page as a whole at 320 px, at 640 px (200% zoom) and at 320 px with the WCAG text
  spacing overrides applied (1.4.10, 1.4.4, 1.4.12): wide tables scroll inside a labelled, focusable region instead;
- a skip link to the main content, and nothing fixed or sticky that could hide the focus (2.4.11).

Pages that later issues add are covered when a link reaches them. Downloads (CSV, XLSX, PDF, SVG) and sign-out are
not followed. Runs on SQLite only: the pages are the same on PostgreSQL and the crawl is the slowest browser test.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import AXE_TAGS, CRAWL_REPORT, _axe_source
from tfclaims import demo
from tfclaims.auth.roles import Role

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the crawl runs on SQLite (the pages are the same on PostgreSQL)"
)

WIDE, NARROW, ZOOMED = 1280, 320, 640
NOT_FOLLOWED = re.compile(r"(\.(csv|xlsx|pdf|svg|zip|yaml|json|txt)$)|^/(sign-out|assets/|static/|healthz)")
# Pages of one shape visited per role to find links (a claim in audit links to pages a submitted one does not);
# only the first is checked.
VISITS_PER_SHAPE = 3
# The WCAG 1.4.12 text spacing overrides.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# Per page, in one round trip: the page's overflow, the skip link, anything fixed or sticky.
LAYOUT = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('main *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > root.clientWidth + 1 && !e.closest('[role=region][tabindex="0"]');
  }).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                          (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''));
  const stuck = [...document.querySelectorAll('body *')].filter(e => {
    const p = getComputedStyle(e).position; return p === 'fixed' || p === 'sticky';
  }).length;
  const skip = document.querySelector('a.govuk-skip-link[href="#main-content"]') !== null
               && document.getElementById('main-content') !== null;
  return {scroll: root.scrollWidth, width: root.clientWidth, wide, stuck, skip};
}"""


def shape(url: str) -> str:
    """A page's shape: its path with numbers as {n}, and the names of its query (not their values)."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{n}", parts.path)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


@pytest.fixture(scope="module")
def crawled():
    """The page shapes checked so far, across the roles: each is checked once, by the first role to reach it."""
    return {}


def _axe(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def _overflow(page, width: int, label: str) -> list[str]:
    page.set_viewport_size({"width": width, "height": 900})
    layout = page.evaluate(LAYOUT)
    problems = []
    if layout["scroll"] > layout["width"]:
        problems.append(f"{label}: the page is {layout['scroll']} px wide in {layout['width']} px ({layout['wide']})")
    return problems


def check_page(page) -> list[str]:
    """Everything wrong with the page now shown, as sentences (none when it passes)."""
    problems = []
    page.set_viewport_size({"width": WIDE, "height": 900})
    layout = page.evaluate(LAYOUT)
    if not layout["skip"]:
        problems.append("no skip link to #main-content")
    if layout["stuck"]:
        problems.append(f"{layout['stuck']} fixed or sticky elements could hide the focus")
    problems += [f"at {WIDE} px: {p}" for p in _axe(page)]
    problems += _overflow(page, ZOOMED, f"at {ZOOMED} px (200% zoom)")
    problems += _overflow(page, NARROW, f"at {NARROW} px (400% zoom)")
    problems += [f"at {NARROW} px: {p}" for p in _axe(page)]
    # A constructed style sheet: the page's Content-Security-Policy (style-src 'self') refuses a <style> element.
    page.evaluate(
        "(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);"
        " document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }",
        TEXT_SPACING,
    )
    problems += _overflow(page, NARROW, f"at {NARROW} px with the text spacing overrides")
    return problems


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href.split("#")[0])
        parts = urlsplit(url)
        if not url.startswith(base) or NOT_FOLLOWED.search(parts.path):
            continue
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        found.append(f"{base}{parts.path}" + (f"?{query}" if query else ""))
    return found


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_every_page_a_role_can_reach_passes_at_every_size(browser, demo_url, crawled, role, request):
    context = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = context.new_page()
    try:
        email = next(f"{local}@{demo.DOMAIN}" for r, local, _ in demo.USERS if r == role)
        page.goto(f"{demo_url}/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(demo.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{demo_url}/home")

        queue, seen, visits, failures, checked = [f"{demo_url}/home"], set(), {}, {}, 0
        while queue:
            url = queue.pop(0)
            key = shape(url.removeprefix(demo_url))
            if url in seen or visits.get(key, 0) >= VISITS_PER_SHAPE:
                continue
            seen.add(url)
            visits[key] = visits.get(key, 0) + 1
            try:
                response = page.goto(url)
            except PlaywrightError as error:  # a download (an export the pattern above does not name)
                if "Download is starting" in str(error):
                    continue
                raise
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            if response.status >= 500:
                failures[key] = [f"{url} answered {response.status}"]
                continue
            if response.status >= 400:
                continue
            if key not in crawled:
                crawled[key] = role.value
                checked += 1
                problems = check_page(page)
                if problems:
                    failures[key] = [f"{page.url}"] + problems
            queue += [link for link in _links(page, demo_url) if link not in seen]
    finally:
        context.close()

    request.config.stash.setdefault(CRAWL_REPORT, {})[role.label] = (checked, len(failures))
    assert not failures, "\n\n".join("\n  ".join(problems) for problems in failures.values())
