"""The forecast charts: well-formed SVG with its text kept as text, PNG for PDFs, and no crash on no data."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tfclaims.forecasts import charts

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _monthly(first: str = "2025-01-01", last: str = "2026-12-01") -> pd.DataFrame:
    months = pd.date_range(first, last, freq="MS")
    return pd.DataFrame({
        "month": months.date,
        "attached": [(7 * i) % 23 + 3 for i in range(len(months))],
        "claimed": [(5 * i) % 11 for i in range(len(months))],
    })


def _curve() -> pd.DataFrame:
    ks = np.arange(1, 37)
    share = np.where(ks <= 30, np.minimum(ks * 1.7, 48.0), np.nan)
    return pd.DataFrame({"months": ks, "cohort": 200, "claimed_within": 0, "share_percent": share})


def _svg_text(data: bytes) -> tuple[ET.Element, str]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return root, " ".join(t for t in root.itertext() if t.strip())


def _check_svg(data: bytes, title: str, *labels: str) -> str:
    root, text = _svg_text(data)
    assert root.find(f"{SVG}title").text == title
    assert root.get("role") == "img"
    assert root.find(f"{SVG}desc").text
    assert root.findall(f".//{SVG}text"), "text is kept as text, not drawn as paths"
    for label in (title, *labels):
        assert label in text, label
    assert len(data) < 60_000
    return text


def test_attachments_chart_svg_with_the_required_line():
    data = charts.attachments_chart(_monthly(), 17)
    text = _check_svg(data, "Families attached each month", "Month attached", "Families attached",
                      "Required: 17 a month", "Dec 2026", "Sep 2026")
    assert "2026-" not in text  # months read "Apr 2026", not ISO dates


def test_attachments_chart_without_a_required_line():
    text = _check_svg(charts.attachments_chart(_monthly(), None), "Families attached each month", "Families attached")
    assert "Required" not in text


def test_results_chart_svg():
    data = charts.results_chart(_monthly("2026-04-01", "2026-11-01"), 120, date(2026, 4, 1), date(2027, 3, 31))
    text = _check_svg(data, "Results claimed against the target", "Results claimed (running total)", "Month",
                      "Target: 120 results by 31 March 2027", "Results claimed so far")
    running = int(_monthly("2026-04-01", "2026-11-01")["claimed"].sum())
    assert str(running) in text


def test_results_chart_counts_only_months_in_the_target_period():
    monthly = pd.DataFrame({"month": [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)],
                            "attached": [0, 0, 0], "claimed": [50, 3, 4]})
    root, _ = _svg_text(charts.results_chart(monthly, 40, date(2026, 4, 1), date(2027, 3, 31)))
    assert "7 results claimed" in root.find(f"{SVG}desc").text


def test_curve_chart_svg():
    text = _check_svg(charts.curve_chart(_curve()), "Share of a cohort claimed within k months",
                      "Months since attachment (k)", "Share of the cohort claimed", "20%")
    assert "36" in text


@pytest.mark.parametrize("draw", [
    lambda fmt: charts.attachments_chart(_monthly(), 12, fmt=fmt),
    lambda fmt: charts.results_chart(_monthly(), 120, date(2026, 4, 1), date(2027, 3, 31), fmt=fmt),
    lambda fmt: charts.curve_chart(_curve(), fmt=fmt),
])
def test_png_for_pdfs(draw):
    data = draw("png")
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000


def test_empty_data_gives_a_chart_saying_there_is_nothing_to_show():
    empty = _monthly().iloc[0:0]
    for data in (charts.attachments_chart(empty, 20),
                 charts.results_chart(empty, 120, date(2026, 4, 1), date(2027, 3, 31)),
                 charts.curve_chart(_curve().iloc[0:0]),
                 charts.curve_chart(_curve().assign(share_percent=np.nan))):
        _root, text = _svg_text(data)
        assert "Nothing to show" in text
    assert charts.attachments_chart(empty, None, fmt="png").startswith(PNG_SIGNATURE)
    assert charts.curve_chart(_curve().iloc[0:0], fmt="png").startswith(PNG_SIGNATURE)


def test_the_same_data_gives_the_same_svg():
    draw = charts.curve_chart.__wrapped__  # drawn twice, not remembered
    assert draw(_curve()) == draw(_curve())


@pytest.fixture
def drawings(monkeypatch):
    """The charts really drawn (not remembered) while the test runs, by title; the memory starts empty."""
    monkeypatch.setattr(charts, "_MEMORY", charts.OrderedDict())
    drawn: list[str] = []
    render = charts._render

    def counting(draw, title, fmt):
        drawn.append(title)
        return render(draw, title, fmt)

    monkeypatch.setattr(charts, "_render", counting)
    return drawn


def test_a_chart_of_the_same_figures_is_remembered_not_drawn_again(drawings):
    first = charts.attachments_chart(_monthly(), 17)
    assert charts.attachments_chart(_monthly(), 17) == first  # equal figures, new frames
    assert charts.attachments_chart(_monthly(), required_per_month=17) == first
    assert drawings == [charts.ATTACHMENTS_TITLE, charts.ATTACHMENTS_TITLE]  # the keyword call is its own key


@pytest.mark.parametrize("change", ["one month's count", "the required line", "the format", "another month",
                                    "the column's type", "another chart"])
def test_a_chart_of_other_figures_is_drawn(drawings, change):
    charts.attachments_chart(_monthly(), 17)
    monthly, required, fmt = _monthly(), 17, "svg"
    if change == "one month's count":
        monthly.loc[5, "attached"] += 1
    elif change == "the required line":
        required = 18
    elif change == "the format":
        fmt = "png"
    elif change == "another month":
        monthly["month"] = _monthly("2025-02-01", "2027-01-01")["month"]
    elif change == "the column's type":
        monthly["attached"] = monthly["attached"].astype(float)
    if change == "another chart":
        charts.results_chart(monthly, 17, date(2025, 1, 1), date(2026, 12, 31))
    else:
        changed = charts.attachments_chart(monthly, required, fmt=fmt)
        if change != "the column's type":  # the same picture, but a key of its own all the same
            assert changed != charts.attachments_chart(_monthly(), 17)
    assert len(drawings) == 2


def test_only_the_latest_charts_are_remembered(drawings, monkeypatch):
    monkeypatch.setattr(charts, "REMEMBERED", 2)
    for required in (1, 2, 3):
        charts.attachments_chart(_monthly(), required)
    charts.attachments_chart(_monthly(), 3)  # kept
    charts.attachments_chart(_monthly(), 1)  # forgotten: drawn again
    assert len(drawings) == 4 and len(charts._MEMORY) == 2


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="svg or png"):
        charts.curve_chart(_curve(), fmt="pdf")


def test_month_label_is_english_whatever_the_locale():
    assert charts.month_label(date(2026, 4, 1)) == "Apr 2026"
    assert charts.month_label(date(2027, 1, 31)) == "Jan 2027"


def test_charts_drawn_at_once_in_threads_keep_their_text():
    out: list[bytes] = []

    def work():  # really drawn, each time: not remembered
        out.append(charts.attachments_chart.__wrapped__(_monthly(), 9))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(out) == 6 and len(set(out)) == 1
    _root, text = _svg_text(out[0])
    assert "Required: 9 a month" in text


# ---------------------------------------------------------------- accessible at a glance (WCAG 1.4.1, 1.4.11)

XLINK = "{http://www.w3.org/1999/xlink}href"
STYLE_COLOUR = re.compile(r"\b(fill|stroke)\s*:\s*(#[0-9a-fA-F]{6})\b")
STYLE_OPACITY = re.compile(r"\b((?:fill-|stroke-)?opacity)\s*:\s*([0-9.]+)")


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour written #rrggbb."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio, from 1 to 21."""
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the well-known AA grey
    assert contrast(charts.LIGHT_GREY, "#ffffff") < 3  # the grid's grey would fail as a series colour


def _series(root: ET.Element, gid: str) -> list[ET.Element]:
    """The SVG groups of a series: the one with that id, or for bars every group named gid-0, gid-1, ..."""
    return [g for g in root.iter(f"{SVG}g") if g.get("id") == gid or re.fullmatch(rf"{gid}-\d+", g.get("id") or "")]


def _colours(root: ET.Element, groups: list[ET.Element]) -> tuple[set[str], list[str]]:
    """The fill and stroke colours a series is drawn in (markers included: a <use> and the <path> it points at),
    and any opacity below 1 found on the way."""
    defs = {e.get("id"): e for e in root.iter() if e.get("id")}
    colours, faint = set(), []
    for group in groups:
        for element in group.iter():
            targets = [element]
            if element.tag == f"{SVG}use" and element.get(XLINK, "").startswith("#"):
                targets.append(defs[element.get(XLINK)[1:]])
            for target in targets:
                style = target.get("style", "")
                colours |= {c.lower() for _, c in STYLE_COLOUR.findall(style)}
                for attribute in ("fill", "stroke"):
                    if (target.get(attribute) or "").startswith("#"):
                        colours.add(target.get(attribute).lower())
                faint += [f"{name}: {value}" for name, value in STYLE_OPACITY.findall(style) if float(value) < 1]
    return colours, faint


def _background(root: ET.Element) -> str:
    """The colour the series are drawn on: the axes' background, the same as the figure's."""
    fills = {}
    for gid in ("patch_1", "patch_2"):  # the figure, then the axes
        group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == gid)
        fills[gid] = STYLE_COLOUR.search(group.find(f"{SVG}path").get("style")).group(2).lower()
    assert fills["patch_1"] == fills["patch_2"]
    return fills["patch_2"]


CHARTS = {
    "attachments": lambda: charts.attachments_chart(_monthly(), 17),
    "results": lambda: charts.results_chart(_monthly("2026-04-01", "2026-11-01"), 120, date(2026, 4, 1),
                                            date(2027, 3, 31)),
    "curve": lambda: charts.curve_chart(_curve()),
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_series_has_3_to_1_contrast_against_the_background(name):
    root = ET.fromstring(CHARTS[name]())
    background = _background(root)
    assert background == charts.BACKGROUND
    for gid in charts.SERIES[name]:
        groups = _series(root, gid)
        assert groups, f"the series {gid} is in the SVG"
        colours, faint = _colours(root, groups)
        assert colours, gid
        assert not faint, f"{gid} is drawn faint: {faint}"
        for colour in colours:
            assert contrast(colour, background) >= 3, f"{gid} in {colour}: {contrast(colour, background):.2f}:1"


def test_the_required_line_stands_out_against_the_bars_it_crosses():
    root = ET.fromstring(CHARTS["attachments"]())
    bars, _ = _colours(root, _series(root, "attached-bar"))
    line, _ = _colours(root, _series(root, "required-line"))
    assert bars and line
    assert all(contrast(b, ln) >= 3 for b in bars for ln in line), (bars, line)


def _dashed(group: ET.Element) -> bool:
    return any("stroke-dasharray" in (e.get("style") or "") for e in group.iter())


def _dotted(group: ET.Element) -> bool:
    return any(e.tag == f"{SVG}use" for e in group.iter())  # markers are drawn as <use> of one marker path


def test_series_are_told_apart_without_colour():
    """In greyscale: bars against a dashed line; a solid line with dots against a dashed line without."""
    root = ET.fromstring(CHARTS["attachments"]())
    (required,) = _series(root, "required-line")
    assert _dashed(required)
    assert all(not _dashed(bar) and bar.find(f"{SVG}path").get("d").rstrip().endswith("z")  # filled shapes
               for bar in _series(root, "attached-bar"))

    root = ET.fromstring(CHARTS["results"]())
    (target,), (claimed,) = _series(root, "target-line"), _series(root, "claimed-line")
    assert _dashed(target) and not _dotted(target)
    assert _dotted(claimed) and not _dashed(claimed)
    (share,) = _series(ET.fromstring(CHARTS["curve"]()), "share-line")
    assert _dotted(share)


@pytest.mark.parametrize("name", list(CHARTS))
def test_svg_ids_are_unique(name):
    ids = [e.get("id") for e in ET.fromstring(CHARTS[name]()).iter() if e.get("id")]
    assert len(ids) == len(set(ids))
