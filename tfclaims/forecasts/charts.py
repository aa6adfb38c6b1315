"""Charts a manager would rather look at than read: families attached each month against the rate required,
results claimed against the target's trajectory, and the time-to-claim curve.

Each function is pure (data in, bytes out) and draws on its own ``matplotlib.figure.Figure``, never pyplot's global
state. Matplotlib's settings (``rcParams``) are global, and ``rc_context`` changes them for the whole process while
it is open, so drawing and saving happen under one lock: two requests drawing at once take turns (a chart takes a
few tens of milliseconds). ``fmt="svg"`` gives a small SVG for pages, its text kept as text (``svg.fonttype``
"none") with a ``<title>`` and a ``<desc>`` saying what it shows; ``fmt="png"`` gives a PNG for PDFs.

A chart is a pure function of its figures, so each process keeps the last ``REMEMBERED`` charts it drew, keyed by
their figures (``_remembered``): matplotlib takes 100 to 250 ms to lay out and save one, and managers open the same
forecast again and again while its figures stay the same. Different figures make a different key, so a remembered
chart is never out of date.

``scorecard_charts_png`` is the one function that reads the database (inside an app context), for the scorecard PDF.

Accessible at a glance (WCAG 1.4.1, 1.4.11): every series is told apart without colour, by its shape (bars against a
dashed line; a solid line with dots against a dashed line without), and every line, bar and dot has at least 3:1
contrast against the white background (and the required line against the bars it crosses). Each series carries an
SVG id (``SERIES``) so ``tests/unit/test_forecast_charts.py`` can read its colours from the SVG and compute the
contrast. The pages put a table of the same figures below each chart.
"""

from __future__ import annotations

import functools
import io
import math
import re
import threading
from collections import OrderedDict
from datetime import date, timedelta
from xml.sax.saxutils import escape

import matplotlib
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from tfclaims.text import long_date

BLUE, GREEN, GREY, LIGHT_GREY, BLACK, WHITE = "#1d70b8", "#00703c", "#505a5f", "#b1b4b6", "#0b0c0c", "#ffffff"
BACKGROUND = WHITE
# The SVG ids of each chart's data series (a bar's id is its series' id and its position: attached-bar-0, ...). The
# light grid and the faint area under the curve are decoration, not data, and have none.
SERIES = {
    "attachments": ("attached-bar", "required-line"),
    "results": ("target-line", "claimed-line"),
    "curve": ("share-line",),
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FORMATS = ("svg", "png")
SIZE = (8, 3.8)  # inches
PNG_DPI = 150

ATTACHMENTS_TITLE = "Families attached each month"
RESULTS_TITLE = "Results claimed against the target"
CURVE_TITLE = "Share of a cohort claimed within k months"

_RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, read out by screen readers
    "svg.hashsalt": "tfclaims",  # the same chart gives the same bytes
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": 10,
    "figure.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "savefig.facecolor": BACKGROUND,
    "axes.edgecolor": GREY,
    "axes.labelcolor": BLACK,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": GREY,
    "ytick.color": GREY,
    "xtick.labelcolor": BLACK,
    "ytick.labelcolor": BLACK,
    "legend.frameon": False,
    "legend.fontsize": 9,
}
_LOCK = threading.Lock()
REMEMBERED = 64  # charts kept per process (20 KB each as SVG)
_MEMORY: OrderedDict[tuple, bytes] = OrderedDict()
_MEMORY_LOCK = threading.Lock()


def _figures(value):
    """A chart argument as part of a key: a DataFrame or Series by its columns, types and a hash of every value
    (index included), anything else as itself."""
    if isinstance(value, pd.DataFrame | pd.Series):
        columns = tuple(value.columns) if isinstance(value, pd.DataFrame) else (value.name,)
        types = tuple(str(t) for t in (value.dtypes if isinstance(value, pd.DataFrame) else [value.dtype]))
        return (type(value).__name__, columns, types, len(value),
                pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    return value


def _remembered(chart):
    """Keep the charts a function drew, keyed by its arguments' figures (the last ``REMEMBERED`` of them)."""

    @functools.wraps(chart)
    def remembered(*args, **kwargs):
        key = (chart.__name__, tuple(_figures(a) for a in args),
               tuple(sorted((name, _figures(v)) for name, v in kwargs.items())))
        with _MEMORY_LOCK:
            if key in _MEMORY:
                _MEMORY.move_to_end(key)
                return _MEMORY[key]
        data = chart(*args, **kwargs)
        with _MEMORY_LOCK:
            _MEMORY[key] = data
            while len(_MEMORY) > REMEMBERED:
                _MEMORY.popitem(last=False)
        return data

    return remembered


def month_label(day: date) -> str:
    """1 April 2026 -> "Apr 2026", in English whatever the server's locale."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def _month_end(day: date) -> date:
    return (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date()


def _as_dates(values: pd.Series) -> list[date]:
    return [pd.Timestamp(v).date() for v in values]


# ---------------------------------------------------------------- the charts


@_remembered
def attachments_chart(monthly: pd.DataFrame, required_per_month: int | None, fmt: str = "svg") -> bytes:
    """Bars of families attached per month (columns ``month``, a date, and ``attached``), with a line at the
    number required a month when one is given."""
    _check(fmt)
    rows = monthly.sort_values("month") if not monthly.empty else monthly
    months = _as_dates(rows["month"]) if not rows.empty else []
    counts = [int(v) for v in rows["attached"]] if not rows.empty else []

    def draw(fig: Figure) -> str:
        ax = _axes(fig, ATTACHMENTS_TITLE)
        if not months:
            return _nothing(ax, "Nothing to show: there are no months to chart.")
        positions = list(range(len(months)))
        bars = ax.bar(positions, counts, color=BLUE, width=0.7, label="Families attached", zorder=2)
        for i, bar in enumerate(bars):
            bar.set_gid(f"attached-bar-{i}")
        if len(months) <= 36:
            ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], padding=2, fontsize=8, color=GREY)
        step = max(1, math.ceil(len(months) / 8))
        ticks = [p for p in positions if (len(months) - 1 - p) % step == 0]  # the latest month always labelled
        ax.set_xticks(ticks, [month_label(months[p]) for p in ticks])
        ax.set_xlim(-0.6, len(months) - 0.4)
        top = max(counts + [0])
        if required_per_month is not None:
            # Near-black and dashed: 3.8:1 against the blue bars it crosses, 19:1 against the background.
            ax.axhline(required_per_month, color=BLACK, linestyle="--", linewidth=2, zorder=3, gid="required-line",
                       label=f"Required: {required_per_month:,} a month")
            top = max(top, required_per_month)
        ax.set_ylim(0, max(top * 1.2, 5))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color=LIGHT_GREY, linewidth=0.6, zorder=0)
        ax.set_xlabel("Month attached")
        ax.set_ylabel("Families attached")
        ax.legend(loc="upper left", ncols=2)
        total = sum(counts)
        desc = (
            f"{total:,} families attached from {month_label(months[0])} to {month_label(months[-1])}; "
            f"{counts[-1]:,} in {month_label(months[-1])}."
        )
        if required_per_month is not None:
            desc += f" Required: {required_per_month:,} a month."
        return desc

    return _render(draw, ATTACHMENTS_TITLE, fmt)


@_remembered
def results_chart(monthly: pd.DataFrame, target: int, starts_on: date, claim_deadline: date,
                  fmt: str = "svg") -> bytes:
    """The running total of results claimed (column ``claimed``, counted from the month ``starts_on`` falls in) at
    each month's end, against a straight trajectory from 0 on ``starts_on`` to ``target`` on ``claim_deadline``."""
    _check(fmt)
    first_month = starts_on.replace(day=1)
    rows = monthly
    if not rows.empty:
        when = pd.to_datetime(rows["month"])
        rows = rows[(when >= pd.Timestamp(first_month)) & (when <= pd.Timestamp(claim_deadline))].sort_values("month")
    months = _as_dates(rows["month"]) if not rows.empty else []
    running = [int(v) for v in rows["claimed"].cumsum()] if not rows.empty else []

    def draw(fig: Figure) -> str:
        ax = _axes(fig, RESULTS_TITLE)
        ax.plot([starts_on, claim_deadline], [0, target], color=GREY, linestyle="--", linewidth=2, gid="target-line",
                label=f"Target: {target:,} results by {long_date(claim_deadline)}")
        top = target
        if months:
            xs = [starts_on] + [min(_month_end(m), claim_deadline) for m in months]
            ys = [0] + running
            ax.plot(xs, ys, color=BLUE, linewidth=2.5, marker="o", markersize=5, gid="claimed-line",
                    label="Results claimed so far")
            ax.annotate(f"{running[-1]:,}", (xs[-1], ys[-1]), xytext=(6, 4), textcoords="offset points",
                        color=BLUE, fontweight="bold")
            top = max(top, running[-1])
            desc = (
                f"{running[-1]:,} results claimed from {long_date(starts_on)} to the end of "
                f"{month_label(months[-1])}, against a target of {target:,} by {long_date(claim_deadline)}."
            )
        else:
            ax.text(0.98, 0.08, f"Nothing to show yet: no results claimed since {long_date(starts_on)}.",
                    transform=ax.transAxes, ha="right", va="bottom", color=GREY, fontsize=11)
            desc = f"Nothing to show yet: no results claimed since {long_date(starts_on)}. Target: {target:,}."
        ax.set_xlim(starts_on - timedelta(days=5), claim_deadline + timedelta(days=5))
        ax.set_ylim(0, max(top * 1.1, 5))
        span_months = (claim_deadline.year - starts_on.year) * 12 + claim_deadline.month - starts_on.month
        interval = max(1, math.ceil((span_months + 1) / 8))
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=interval))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: month_label(mdates.num2date(x).date())))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color=LIGHT_GREY, linewidth=0.6, zorder=0)
        ax.set_xlabel("Month")
        ax.set_ylabel("Results claimed (running total)")
        ax.legend(loc="upper left")
        return desc

    return _render(draw, RESULTS_TITLE, fmt)


@_remembered
def curve_chart(curve: pd.DataFrame, fmt: str = "svg") -> bytes:
    """The time-to-claim curve: for k = 1 to 36 months (column ``months``), the share of the families at least k
    months old that were claimed within k months of attachment (``share_percent``; empty where no family is old
    enough)."""
    _check(fmt)
    known = curve.dropna(subset=["share_percent"]).sort_values("months") if not curve.empty else curve
    ks = [int(k) for k in known["months"]] if not known.empty else []
    shares = [float(s) for s in known["share_percent"]] if not known.empty else []

    def draw(fig: Figure) -> str:
        ax = _axes(fig, CURVE_TITLE)
        if not ks:
            return _nothing(ax, "Nothing to show yet: no attachment cohort is old enough to show the curve.")
        ax.plot(ks, shares, color=GREEN, linewidth=2.5, marker="o", markersize=4, gid="share-line",
                label="Share claimed")
        ax.fill_between(ks, shares, color=GREEN, alpha=0.08)
        for k in (12, 24, 36):
            if k in ks:
                share = shares[ks.index(k)]
                ax.annotate(f"{share:.0f}%", (k, share), xytext=(-5, 6), textcoords="offset points", ha="right",
                            color=GREEN, fontweight="bold")
        ax.set_xlim(0, max(36, ks[-1]) + 0.5)
        ax.set_ylim(0, min(100, max(max(shares) * 1.25, 10)))
        ax.xaxis.set_major_locator(MultipleLocator(6))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:.0f}%"))
        ax.grid(axis="y", color=LIGHT_GREY, linewidth=0.6, zorder=0)
        ax.set_xlabel("Months since attachment (k)")
        ax.set_ylabel("Share of the cohort claimed")
        parts = [f"{shares[ks.index(k)]:.0f}% within {k} months" for k in (6, 12, 18, 24, 36) if k in ks]
        return "Share of families claimed within k months of attachment: " + (", ".join(parts) or
                                                                              f"{shares[-1]:.0f}% by {ks[-1]} months")

    return _render(draw, CURVE_TITLE, fmt)


def scorecard_charts_png(month: date) -> list[tuple[str, bytes]]:
    """The charts for the scorecard PDF of ``month``, as (title, PNG bytes): families attached in the 24 months to
    it, results claimed against the month's target (``queries.target_for``: the one covering it, else the latest
    before it; no chart when there is none), and the time-to-claim curve as of the month's last day. Reads the
    database: call it inside an app context."""
    from tfclaims.forecasts import queries, rules

    last = _month_end(month)
    first = rules.add_months(month.replace(day=1), -23)
    charts = [(ATTACHMENTS_TITLE, attachments_chart(queries.monthly_counts(first, last), None, fmt="png"))]
    target = queries.target_for(month)
    if target is not None:
        monthly = queries.monthly_counts(target.starts_on, min(last, target.claim_deadline))
        charts.append((
            f"{RESULTS_TITLE} {target.label}",
            results_chart(monthly, target.results_target, target.starts_on, target.claim_deadline, fmt="png"),
        ))
    from tfclaims.forecasts.services import observed

    charts.append((CURVE_TITLE, curve_chart(observed(last).curve, fmt="png")))
    return charts


# ---------------------------------------------------------------- drawing


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"A chart is drawn as svg or png, not {fmt!r}")


def _axes(fig: Figure, title: str):
    ax = fig.add_subplot()
    ax.set_title(title, color=BLACK)
    return ax


def _nothing(ax, message: str) -> str:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=GREY, fontsize=11)
    return message


def _render(draw, title: str, fmt: str) -> bytes:
    """Draw on a new figure with the house style and save it; SVG gets a <title> and a <desc>."""
    buffer = io.BytesIO()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=SIZE, layout="constrained")
        desc = draw(fig)
        if fmt == "svg":
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
        else:
            fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    data = buffer.getvalue()
    if fmt == "svg":
        data = _label_svg(data, title, desc)
    return data


def _label_svg(data: bytes, title: str, desc: str) -> bytes:
    """Make the SVG an image with an accessible name and description."""
    text = data.decode("utf-8")
    start = text.index("<svg ")
    end = text.index(">", start)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    head = text[start:end].replace("<svg ", f'<svg role="img" aria-labelledby="{slug}-title {slug}-desc" ', 1)
    labels = f'\n <title id="{slug}-title">{escape(title)}</title>\n <desc id="{slug}-desc">{escape(desc)}</desc>'
    return (text[:start] + head + ">" + labels + text[end + 1 :]).encode("utf-8")
