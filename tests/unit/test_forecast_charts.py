"""The forecast charts: well-formed SVG with its text kept as text, PNG for PDFs, and no crash on no data."""

from __future__ import annotations

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
    assert charts.curve_chart(_curve()) == charts.curve_chart(_curve())


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="svg or png"):
        charts.curve_chart(_curve(), fmt="pdf")


def test_month_label_is_english_whatever_the_locale():
    assert charts.month_label(date(2026, 4, 1)) == "Apr 2026"
    assert charts.month_label(date(2027, 1, 31)) == "Jan 2027"


def test_charts_drawn_at_once_in_threads_keep_their_text():
    out: list[bytes] = []

    def work():
        out.append(charts.attachments_chart(_monthly(), 9))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(out) == 6 and len(set(out)) == 1
    _root, text = _svg_text(out[0])
    assert "Required: 9 a month" in text
