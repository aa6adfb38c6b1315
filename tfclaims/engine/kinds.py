"""How each kind of success criterion is judged, over every row of that kind at once.

A row is one family's headline problem under one criterion (or, for the continuous-employment route, one
family). Rows carry ``row`` (a key), ``family_id``, ``attachment_id``, ``attached_on``, ``closed_on``, ``as_of``
(the date the row is judged on: data after it is ignored), ``banking`` (True when a result once sustained stays
sustained, as under 2015-21; False when it must still hold on ``as_of``, as for a successful family outcome),
``reopens`` (under banking: a recurrence after the problem was sustained reopens it until it is sustained again,
the framework's ``recurrence_reopens``) and the criterion's parameters as columns.

Most kinds are judged the same way: the evidence gives *stretches*, spans of time over which the condition
holds (no incident since the last one, a plan ended and none reopened, terms at or above the threshold, weeks in
work). A stretch that lasts its sustain period sustains the problem; a stretch that ends early is a break, and
the problem is reopened. ``judge_stretches`` turns stretches into a status.

Every function returns one row per input row, indexed by ``row``, with: ``status``, ``status_on``,
``sustained_on``, ``expected_on`` (when the problem would be sustained if nothing changes; NaT if unknown),
``recurred_on`` (under banking, the latest day on or before ``as_of`` the problem recurred after it had been
sustained; NaT if it did not), ``reason`` and ``evidence``.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
import pandas as pd

from tfclaims.engine.criteria import EVENT_PLURALS, STATUS_PLURALS, listed
from tfclaims.engine.dates import DAY, add_months, words
from tfclaims.progress.vocabulary import EPISODE_END_REASONS, MEASURE_KINDS, PRIOR_BENEFITS, PROGRESS_END_REASONS

NOT_MET = "not_met"
PROGRESSING = "progressing"
ACHIEVED = "achieved"
SUSTAINED = "sustained"
REOPENED = "reopened"

STATUSES = {
    NOT_MET: "Not met",
    PROGRESSING: "Progressing",
    ACHIEVED: "Achieved",
    SUSTAINED: "Sustained",
    REOPENED: "Reopened",
}

# Best first: when a problem has several criteria, the one shown is the first in this order.
STATUS_ORDER = [SUSTAINED, ACHIEVED, PROGRESSING, REOPENED, NOT_MET]


STATUS_DTYPE = pd.CategoricalDtype(STATUS_ORDER)


def _status(values) -> pd.Categorical:
    """Statuses as a categorical: compared and sorted by code, not as text."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype) and values.dtype == STATUS_DTYPE:
        return pd.Categorical(values, dtype=STATUS_DTYPE)
    values = np.asarray(values, dtype=object)
    codes = np.full(len(values), -1, dtype="int8")  # -1: missing
    for code, status in enumerate(STATUS_ORDER):
        codes[values == status] = code
    return pd.Categorical.from_codes(codes, dtype=STATUS_DTYPE)


NAT = pd.NaT
# Expected length of a school term when forecasting the terms still to come.
MONTHS_PER_PERIOD = 4


def no_verdicts(rows: pd.DataFrame) -> pd.DataFrame:
    """One "not met" verdict per row, with no reason yet: the starting point of every kind."""
    index = pd.Index(rows["row"], name="row")
    n = len(index)

    def nat():
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")

    def text():
        return pd.Series(np.full(n, "", dtype=object), index=index, dtype=object)

    return pd.DataFrame(
        {
            "status": pd.Categorical.from_codes(np.full(n, STATUS_ORDER.index(NOT_MET)), dtype=STATUS_DTYPE),
            "status_on": nat(),
            "sustained_on": nat(),
            "expected_on": nat(),
            "recurred_on": nat(),
            "reason": text(),
            "evidence": text(),
        },
        index=index,
    )


def joined(parts, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Texts and plain strings joined element-wise, for the rows ``where`` is true (all when None), as an array of
    Python strings: one ``str.join`` per row, three times faster than adding arrays of objects part by part."""
    columns = []
    for part in parts:
        if isinstance(part, str):
            columns.append(None)
            continue
        value = part.to_numpy(dtype=object) if isinstance(part, pd.Series) else np.asarray(part, dtype=object)
        columns.append(value if where is None else value[where])
    rows = n if where is None else int(np.count_nonzero(where))
    iterables = [repeat(part, rows) if column is None else column for part, column in zip(parts, columns, strict=True)]
    out = np.empty(rows, dtype=object)
    if rows:
        out[:] = list(map("".join, zip(*iterables, strict=True)))
    return out


def choose(index: pd.Index, cases: list, default) -> pd.Series:
    """Like ``np.select`` over texts, each built only for the rows that take it (the first case whose condition
    holds), as a Series of Python strings on ``index``. A case's text is a string, a Series or array of texts, or
    a tuple of them to join."""
    n = len(index)
    out = np.empty(n, dtype=object)
    left = np.ones(n, dtype=bool)
    for condition, parts in [*cases, (True, default)]:
        rows = left & np.asarray(condition, dtype=bool)
        if rows.any():
            parts = parts if isinstance(parts, tuple) else (parts,)
            if all(isinstance(part, str) for part in parts):
                out[rows] = "".join(parts)
            else:
                out[rows] = joined(parts, n, rows)
        left &= ~rows
    return pd.Series(out, index=index, dtype=object)


def _text(*parts) -> pd.Series:
    """Concatenate Series of strings and plain strings element-wise (as Python objects)."""
    index = next(p.index for p in parts if isinstance(p, pd.Series))
    return pd.Series(joined(parts, len(index)), index=index, dtype=object)


def _digits(values) -> np.ndarray:
    """Whole numbers as text, as Python strings (``astype(str)`` would make pandas' Arrow-backed strings)."""
    numbers = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    return numbers.astype("int64").astype(str).astype(object)


def _str(values: pd.Series) -> pd.Series:
    """Text, with missing values as empty text."""
    return values.astype(object).where(values.notna(), "")


def _percent(values: pd.Series) -> pd.Series:
    """'92.5%', '90%'; empty when missing (each distinct value written once)."""
    codes, uniques = pd.factorize(values)
    written = np.array([f"{v:g}%" for v in uniques] + [""], dtype=object)
    return pd.Series(written[codes], index=values.index, dtype=object)


def _count(n: pd.Series, singular: str, plural: str) -> pd.Series:
    """'1 member', '3 members'."""
    n = n.fillna(0).astype("int64")
    unit = np.where(n.to_numpy() == 1, " " + singular, " " + plural).astype(object)
    return pd.Series(joined((_digits(n), unit), len(n)), index=n.index, dtype=object)


def _phrase(codes: pd.Series, names: dict[str, str]) -> pd.Series:
    """'offences or anti-social behaviour incidents' for each row's tuple of codes (few distinct values)."""
    keys, uniques = pd.factorize(codes)
    phrases = np.array([listed(list(c), names) for c in uniques] + [""], dtype=object)
    return pd.Series(phrases[keys], index=codes.index, dtype=object)


def _reopens(rows: pd.DataFrame) -> pd.Series:
    """Per row (indexed by ``row``): whether a recurrence reopens a sustained problem (banking rows only)."""
    index = pd.Index(rows["row"], name="row")
    if "reopens" not in rows:
        return pd.Series(False, index=index)
    reopens = rows["reopens"].fillna(False).to_numpy(dtype=bool) & rows["banking"].to_numpy(dtype=bool)
    return pd.Series(reopens, index=index)


def recurrence(rows: pd.DataFrame, reached: pd.DataFrame, recurrences: pd.DataFrame | None = None) -> pd.DataFrame:
    """From the stretches that sustained a problem (``row``, ``start``, ``end``: the day the problem came back and
    broke it, NaT while unbroken, ``sustain_at``), per row: ``recurred_on``, under banking the latest day on which
    the problem came back after it was first sustained, and ``sustained_on`` under banking: the first stretch to
    sustain, or, when a recurrence reopens the problem, the first to sustain after the latest recurrence (none:
    reopened until it is sustained again); ``from``, the start of that stretch.

    ``recurrences`` (``row``, ``on``): the days the problem came back, when these are not simply the ends of the
    stretches (a failing term after a term with no record)."""
    index = pd.Index(rows["row"], name="row")
    banking = pd.Series(rows["banking"].to_numpy(dtype=bool), index=index)
    out = pd.DataFrame(index=index)
    if reached.empty:
        out["sustained_on"] = out["from"] = out["recurred_on"] = pd.Series(NAT, index=index, dtype="datetime64[s]")
        return out
    r = out
    if recurrences is None:
        recurrences = reached.loc[reached["end"].notna(), ["row", "end"]].rename(columns={"end": "on"})
    if recurrences.empty:  # nothing came back: the first stretch to sustain
        chosen = reached.sort_values("sustain_at").drop_duplicates("row").set_index("row")
        out["sustained_on"] = chosen["sustain_at"].reindex(r.index).where(banking)
        out["from"] = chosen["start"].reindex(r.index).where(banking)
        out["recurred_on"] = pd.Series(NAT, index=index, dtype="datetime64[s]")
        return out.astype("datetime64[s]")
    first = reached.groupby("row")["sustain_at"].min().reindex(r.index).astype("datetime64[s]")
    came_back = recurrences[recurrences["on"] > recurrences["row"].map(first)]
    recurred = came_back.groupby("row")["on"].max().reindex(r.index).where(banking)
    after = reached["row"].map(recurred.where(_reopens(rows)))
    counted = reached[after.isna() | (reached["start"] >= after)]
    chosen = counted.sort_values("sustain_at").drop_duplicates("row").set_index("row")
    out["sustained_on"] = chosen["sustain_at"].reindex(r.index).where(banking)
    out["from"] = chosen["start"].reindex(r.index).where(banking)
    out["recurred_on"] = recurred
    return out.astype("datetime64[s]")


def judge_stretches(
    rows: pd.DataFrame, stretches: pd.DataFrame, recurrences: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Status from stretches: ``row``, ``start``, ``end`` (the day it was broken; NaT while it holds on as_of),
    ``sustain_at`` (the day it is sustained if unbroken; NaT if not foreseeable), and optionally ``recurs``
    (False when the end is not the problem coming back, such as a term with no record; True when left out).

    Returns, per row: ``status`` among sustained/achieved/reopened/not_met, ``status_on``, ``sustained_on``,
    ``expected_on``, ``start`` (of the stretch that sustained, or of the current one), ``broken_on`` and
    ``recurred_on`` (under banking: the latest day the problem came back after it was sustained: by default the
    end of a stretch that had sustained it; see ``recurrence``).
    """
    r = rows[["row", "as_of", "banking"]].set_index("row")
    s = stretches.join(r, on="row")
    if "recurs" not in s:
        s["recurs"] = True
    for column in ("start", "end", "sustain_at"):  # one date unit: mixing them makes every step slower
        if s[column].dtype != "datetime64[s]":
            s[column] = s[column].astype("datetime64[s]")
    reached = s["sustain_at"].notna() & (s["sustain_at"] <= s["as_of"])
    reached &= s["end"].isna() | (s["sustain_at"] < s["end"])
    current = s["end"].isna()

    out = pd.DataFrame(index=r.index)
    # Under banking, ends that do not recur (a missing term) leave a sustained result alone.
    sustaining = s.loc[reached, ["row", "start", "end", "sustain_at"]]
    banked = recurrence(
        rows, sustaining.assign(end=sustaining["end"].where(s.loc[reached, "recurs"].astype(bool))), recurrences
    )
    holding = s[reached & current].drop_duplicates("row").set_index("row")
    open_ = s[current & ~reached].drop_duplicates("row").set_index("row")
    broken = s.loc[s["end"].notna()].groupby("row")["end"].max()

    sustained_on = holding["sustain_at"].reindex(out.index)
    sustained_from = holding["start"].reindex(out.index)
    use_banked = r["banking"].astype(bool)
    sustained_on = sustained_on.where(~use_banked, banked["sustained_on"])
    sustained_from = sustained_from.where(~use_banked, banked["from"])

    out["sustained_on"] = sustained_on
    out["broken_on"] = broken.reindex(out.index)
    out["recurred_on"] = banked["recurred_on"]
    out["start"] = sustained_from.fillna(open_["start"].reindex(out.index))
    expected = open_["sustain_at"].reindex(out.index)
    out["expected_on"] = expected.where(out["sustained_on"].isna())
    status = np.select(
        [out["sustained_on"].notna(), out["broken_on"].notna(), open_["start"].reindex(out.index).notna()],
        [SUSTAINED, REOPENED, ACHIEVED],
        NOT_MET,
    )
    out["status"] = _status(status)
    out["status_on"] = out["sustained_on"].where(
        out["status"] == SUSTAINED, out["broken_on"].where(out["status"] == REOPENED, out["start"])
    )
    out.loc[out["status"] == NOT_MET, "status_on"] = NAT
    return out


def with_recurrence(verdict: pd.DataFrame) -> pd.Series:
    """Each verdict's reason, with a sentence on a recurrence after the problem was sustained (2015-21)."""
    reason = verdict["reason"]
    which = verdict["recurred_on"].notna().to_numpy()
    if not which.any():
        return reason
    v = verdict[which]
    recurred = v["recurred_on"]
    on = words(recurred)
    stands = (v["status"] == SUSTAINED) & (v["sustained_on"] < recurred)
    again = (v["status"] == SUSTAINED) & (v["sustained_on"] > recurred)
    sentence = choose(
        v.index,
        [
            (stands, (" It recurred on ", on, ", after it was sustained: the result stands under the framework's "
                      "settings.")),
            (again, (" It recurred on ", on, ", after it was first sustained, and was sustained again since.")),
        ],
        (" It recurred on ", on, ", after it was sustained: reopened until it is sustained again."),
    )
    out = reason.to_numpy(dtype=object, copy=True)
    out[which] = v["reason"].to_numpy(dtype=object) + sentence.to_numpy()
    return pd.Series(out, index=reason.index, dtype=object)


def _explode_kinds(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    exploded = rows[["row", "family_id", "attached_on", "as_of", column]].explode(column)
    return exploded.rename(columns={column: "kind"})


# ------------------------------------------------------------------ no events of given kinds for a period


def no_events(rows: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """No event of the kinds in any member for ``months``, counted from attachment or from the day after the
    last event. An event on the attachment day belongs to the baseline; an event on the last day of the sustain
    period breaks it."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    hits = _explode_kinds(rows, "event_kinds").merge(events[["family_id", "kind", "occurred_on"]])
    hits = hits[(hits["occurred_on"] > hits["attached_on"]) & (hits["occurred_on"] <= hits["as_of"])]
    dates = hits[["row", "occurred_on"]].drop_duplicates()

    starts = pd.concat(
        [
            rows[["row", "attached_on"]].rename(columns={"attached_on": "start"}),
            pd.DataFrame({"row": dates["row"], "start": dates["occurred_on"] + DAY}),
        ]
    ).sort_values(["row", "start"], kind="stable")
    starts["end"] = starts.groupby("row")["start"].shift(-1) - DAY
    months = starts["row"].map(rows.set_index("row")["months"])
    starts["sustain_at"] = add_months(starts["start"], months) - DAY
    judged = judge_stretches(rows, starts)

    by_row = hits.groupby("row")["occurred_on"]
    counts = pd.DataFrame({"n": by_row.size(), "last": by_row.max()})
    r = rows.set_index("row")
    what = _phrase(r["event_kinds"], EVENT_PLURALS)
    n = counts["n"].reindex(r.index).fillna(0).astype(int)
    last = counts["last"].reindex(r.index)
    status = judged["status"]
    # Before any break the family is making progress, not yet achieving: absence is not an achievement.
    status = status.where(status != ACHIEVED, PROGRESSING)
    out["status"] = _status(status)
    out["status_on"] = judged["status_on"]
    out["sustained_on"] = judged["sustained_on"]
    out["expected_on"] = judged["expected_on"]
    out["recurred_on"] = judged["recurred_on"]
    start, sustained, expected = words(judged["start"]), words(judged["sustained_on"]), words(judged["expected_on"])
    out["reason"] = choose(
        r.index,
        [
            (status == SUSTAINED, ("No ", what, " in any member from ", start, " to ", sustained, ".")),
            (
                status == REOPENED,
                (
                    "Reopened on ",
                    words(judged["broken_on"]),
                    " when one was recorded; none since, so sustained on ",
                    expected,
                    " if none is recorded before then.",
                ),
            ),
            (
                status == PROGRESSING,
                ("No ", what, " since attachment on ", start, "; sustained on ", expected, " if none by then."),
            ),
        ],
        "Not met.",
    )
    out["evidence"] = choose(
        r.index,
        [(n > 0, (_digits(n), " recorded since attachment, the last on ", words(last), "."))],
        ("None of the ", what, " recorded since attachment."),
    )
    return out


# ------------------------------------------------------------------ reduction against the baseline


def reduction(rows: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Events of the kinds across the family in a ``months`` window after attachment down by ``percent`` against
    the same length of time before attachment (attachment day included in the baseline).

    Allowed in the window: floor(baseline x (100 - percent) / 100); with a baseline of none, none. The first
    window starts on the attachment day; if it fails, later windows start the day after each event (the
    earliest possible good windows). Sustained on the last day of the first good window."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    hits = _explode_kinds(rows, "event_kinds").merge(events[["family_id", "kind", "occurred_on"]])
    before_start = add_months(hits["attached_on"], -hits["row"].map(r["months"]))
    base = hits[(hits["occurred_on"] > before_start) & (hits["occurred_on"] <= hits["attached_on"])]
    baseline = base.groupby("row").size().reindex(r.index, fill_value=0)
    allowed = (baseline * (100 - r["percent"])) // 100
    after = hits[(hits["occurred_on"] > hits["attached_on"]) & (hits["occurred_on"] <= hits["as_of"])]
    after = after[["row", "occurred_on"]]

    windows = pd.concat(
        [
            rows[["row", "attached_on"]].rename(columns={"attached_on": "start"}),
            after.drop_duplicates().assign(start=lambda d: d["occurred_on"] + DAY)[["row", "start"]],
        ]
    ).drop_duplicates()
    windows["last_day"] = add_months(windows["start"], windows["row"].map(r["months"])) - DAY
    windows["as_of"] = windows["row"].map(r["as_of"])
    pairs = windows.merge(after, on="row")
    inside = pairs[
        (pairs["occurred_on"] >= pairs["start"])
        & (pairs["occurred_on"] <= pairs["last_day"])
        & (pairs["occurred_on"] <= pairs["as_of"])
    ]
    counted = inside.groupby(["row", "start"]).size().rename("count")
    windows = windows.join(counted, on=["row", "start"])
    windows["count"] = windows["count"].fillna(0).astype(int)
    windows["allowed"] = windows["row"].map(allowed)
    windows["good"] = windows["count"] <= windows["allowed"]
    windows["complete"] = windows["last_day"] <= windows["as_of"]

    reached = windows[windows["good"] & windows["complete"]]
    done = reached.sort_values("last_day").drop_duplicates("row").set_index("row")
    first = windows.merge(rows[["row", "attached_on"]], on="row")
    first_failed = first[(first["start"] == first["attached_on"]) & ~first["good"]]["row"]
    # The day the first window went over the allowance: the (allowed + 1)th event after attachment.
    ranked = after.sort_values(["row", "occurred_on"], kind="stable")
    ranked["n"] = ranked.groupby("row").cumcount()
    ranked = ranked[ranked["n"] == ranked["row"].map(allowed)].set_index("row")["occurred_on"]

    # Under 2015-21 a window that sustained the problem is broken by a recurrence: more than the allowance within
    # the months, counting only events after the window.
    stretches = reached[["row", "start", "last_day"]].rename(columns={"last_day": "sustain_at"})
    stretches = _reduction_breaks(stretches, after, r["months"], allowed)
    banked = recurrence(rows, stretches)

    sustained_on = done["last_day"].reindex(r.index)
    # A family outcome must still hold on its as-of date: the trailing window ending then must be good.
    trailing_start = add_months(r["as_of"], -r["months"]) + DAY
    trailing = after.join(trailing_start.rename("ts"), on="row")
    trailing = trailing[trailing["occurred_on"] >= trailing["ts"]].groupby("row").size()
    trailing_ok = trailing.reindex(r.index, fill_value=0) <= allowed
    sustained_on = sustained_on.where(r["banking"] | trailing_ok)
    sustained_on = sustained_on.where(~r["banking"].astype(bool), banked["sustained_on"])
    # The window that sustained it (under banking, after the latest recurrence when that reopens it).
    sustained_from = done["start"].reindex(r.index).where(~r["banking"].astype(bool), banked["from"])
    recurred_on = banked["recurred_on"]
    reopened = recurred_on.notna() & sustained_on.isna()

    # Windows still running; after a recurrence that reopened the problem, only those starting after it.
    after_recurrence = windows["row"].map(recurred_on.where(reopened))
    running = windows["good"] & ~windows["complete"] & (after_recurrence.isna() | (windows["start"] > after_recurrence))
    on_track = windows[running].sort_values("last_day").drop_duplicates("row").set_index("row")

    broke = r.index.isin(first_failed) & sustained_on.isna()
    status = np.select(
        [sustained_on.notna(), reopened, broke, on_track.reindex(r.index)["start"].notna()],
        [SUSTAINED, REOPENED, REOPENED, PROGRESSING],
        NOT_MET,
    )
    out["status"] = _status(status)
    expected = on_track["last_day"].reindex(r.index).where(sustained_on.isna())
    out["sustained_on"] = sustained_on
    out["expected_on"] = expected
    out["recurred_on"] = recurred_on
    out["status_on"] = sustained_on.where(
        status == SUSTAINED,
        recurred_on.where(reopened, ranked.reindex(r.index)).where(status == REOPENED),
    )
    out.loc[status == PROGRESSING, "status_on"] = r.loc[status == PROGRESSING, "attached_on"]
    done = windows.set_index(["row", "start"])["count"]
    done_count = done.reindex(pd.MultiIndex.from_arrays([r.index, sustained_from])).fillna(0).astype(int)
    done_count = _digits(done_count)

    what = _phrase(r["event_kinds"], EVENT_PLURALS)
    months = _digits(r["months"])
    baseline_n, allowed_n = _digits(baseline), _digits(allowed)
    base_txt = joined((baseline_n, " in the ", months, " months before attachment, so at most ", allowed_n,
                       " allowed in ", months, " months"), len(r))
    track_count = _digits(on_track["count"].reindex(r.index).fillna(0))
    out["reason"] = choose(
        r.index,
        [
            (
                status == SUSTAINED,
                (
                    done_count,
                    " in the ",
                    months,
                    " months to ",
                    words(sustained_on),
                    " against ",
                    baseline_n,
                    " before attachment: down at least ",
                    _digits(r["percent"]),
                    "%.",
                ),
            ),
            (
                reopened & expected.isna(),
                ("Reopened on ", words(recurred_on), ": more than ", allowed_n, " in ", months,
                 " months after it was sustained."),
            ),
            (
                reopened,
                (
                    "Reopened on ",
                    words(recurred_on),
                    ": more than ",
                    allowed_n,
                    " in ",
                    months,
                    " months after it was sustained; sustained again on ",
                    words(expected),
                    " if no more than that are recorded.",
                ),
            ),
            (
                status == REOPENED,
                (
                    "Reopened on ",
                    words(out["status_on"]),
                    ": more than ",
                    allowed_n,
                    " since attachment; ",
                    track_count,
                    " in the window to ",
                    words(expected),
                    ", which sustains it if no more are recorded.",
                ),
            ),
            (
                status == PROGRESSING,
                (
                    track_count,
                    " since attachment, with at most ",
                    allowed_n,
                    " allowed; sustained on ",
                    words(expected),
                    " if it stays so.",
                ),
            ),
        ],
        "Not met.",
    )
    out["evidence"] = joined((what.str.capitalize(), ": ", base_txt, "."), len(r))
    return out


def _reduction_breaks(
    stretches: pd.DataFrame, after: pd.DataFrame, months: pd.Series, allowed: pd.Series
) -> pd.DataFrame:
    """For each window that sustained a reduction (``row``, ``start``, ``sustain_at``): ``end``, the first day after
    the window on which more than the allowance were recorded within the months (counting only events after the
    window); missing if none."""
    if stretches.empty or after.empty:
        return stretches.assign(end=pd.Series(NAT, index=stretches.index, dtype="datetime64[s]"))
    days = stretches[["row", "start", "sustain_at"]].merge(after.drop_duplicates(), on="row")
    days = days[days["occurred_on"] > days["sustain_at"]]
    if days.empty:
        return stretches.assign(end=pd.Series(NAT, index=stretches.index, dtype="datetime64[s]"))
    window_from = add_months(days["occurred_on"], -days["row"].map(months).to_numpy())
    days = days.assign(since=np.maximum(days["sustain_at"], window_from))
    pairs = days.merge(after.rename(columns={"occurred_on": "other"}), on="row")
    pairs = pairs[(pairs["other"] > pairs["since"]) & (pairs["other"] <= pairs["occurred_on"])]
    counted = pairs.groupby(["row", "start", "occurred_on"], as_index=False).size()
    over = counted[counted["size"] > counted["row"].map(allowed)]
    ends = over.groupby(["row", "start"], as_index=False)["occurred_on"].min().rename(columns={"occurred_on": "end"})
    out = stretches.merge(ends, on=["row", "start"], how="left")
    out["end"] = out["end"].astype("datetime64[s]")
    return out


# ------------------------------------------------------------------ a measure held over consecutive periods


def held_over_periods(rows: pd.DataFrame, measures: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """Each member with the problem measured at or above ``threshold`` for ``periods`` consecutive periods ending
    after attachment (attendance). See ``_held``."""
    return _held(rows, measures, problems, below=False)


def held_below_over_periods(rows: pd.DataFrame, measures: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """Each member with the problem measured below ``threshold`` for ``periods`` consecutive periods ending after
    attachment (unauthorised or overall absence). See ``_held``."""
    return _held(rows, measures, problems, below=True)


def _held(rows: pd.DataFrame, measures: pd.DataFrame, problems: pd.DataFrame, below: bool) -> pd.DataFrame:
    """A measure held on the right side of ``threshold`` for ``periods`` consecutive periods ending after
    attachment, judged on the member(s) identified with the problem (``problems``: attachment_id, problem_id,
    member_id; every member measured when the problem names nobody), never on a sibling's figures.

    The periods are those recorded for any member of the family (matched by their end date). In each, every member
    judged must have a record on the right side of the threshold: one on the wrong side breaks the run and reopens
    the problem; a period with no record for one of them is missing evidence: it breaks the run (it is not a pass)
    but is not a reopening. The run is sustained at the end of its last period. ``measures``: family_id,
    member_id, kind, period_end, value."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    m = rows[["row", "family_id", "as_of", "measure"]].merge(
        measures[["family_id", "member_id", "kind", "period_end", "value"]],
        left_on=["family_id", "measure"],
        right_on=["family_id", "kind"],
    )
    m = m.loc[m["period_end"] <= m["as_of"], ["row", "member_id", "period_end", "value"]]
    # Who is judged: the members identified with the problem, or every member measured when it names nobody.
    named = rows[["row", "attachment_id", "problem_id"]].merge(
        problems[["attachment_id", "problem_id", "member_id"]], on=["attachment_id", "problem_id"]
    )
    named = named.loc[named["member_id"].notna(), ["row", "member_id"]].drop_duplicates()
    named = named.astype({"member_id": "int64"})
    nobody = ~m["row"].isin(named["row"])
    if nobody.any():
        measured = m.loc[nobody, ["row", "member_id"]].drop_duplicates()
        judged_members = pd.concat([named, measured], ignore_index=True)
    else:
        judged_members = named
    # Every period of the family (recorded for any member); in each, the records of the members judged: one on
    # the wrong side fails it, fewer records than members judged leave it missing evidence.
    flagged = m.merge(judged_members.assign(judged=True), on=["row", "member_id"], how="left")
    value = flagged["value"].where(flagged["judged"].notna())  # the judged members' figures only
    threshold = flagged["row"].map(r["threshold"])
    grouped = flagged.assign(fail=value >= threshold if below else value < threshold, value=value).groupby(
        ["row", "period_end"], sort=False
    )
    values = grouped["value"]
    per = pd.DataFrame(
        {"fail": grouped["fail"].any(), "worst": values.max() if below else values.min(), "measured": values.count()}
    ).reset_index()
    per["miss"] = per["measured"] < per["row"].map(judged_members.groupby("row").size().reindex(r.index, fill_value=0))
    per["attached_on"] = per["row"].map(r["attached_on"])
    before = per[(per["period_end"] <= per["attached_on"]) & (per["measured"] > 0)]
    baseline = before.sort_values("period_end").drop_duplicates("row", keep="last").set_index("row")
    baseline = baseline.rename(columns={"worst": "base"})
    periods = per[per["period_end"] > per["attached_on"]].sort_values(["row", "period_end"]).reset_index(drop=True)
    periods["pass"] = ~periods["fail"] & ~periods["miss"]
    periods["run"] = (~periods["pass"]).groupby(periods["row"]).cumsum()
    passing = periods[periods["pass"]].copy()
    runs = passing.groupby(["row", "run"])
    passing["k"] = runs.cumcount() + 1
    # The run is sustained at the end of its n-th period.
    passing["at"] = passing["period_end"].where(passing["k"] == passing["row"].map(r["periods"]))
    runs = passing.groupby(["row", "run"])
    stretch = pd.DataFrame(
        {
            "start": runs["period_end"].min(),
            "last": runs["period_end"].max(),
            "k": runs["k"].max(),
            "sustain_at": runs["at"].max(),
        }
    )
    # The run ends at the first period after it that is not a pass (which opens the next run): one on the wrong
    # side of the threshold (the problem recurs) or one with no record (missing evidence, not a recurrence).
    stops = periods.loc[~periods["pass"], ["row", "run", "period_end", "fail"]]
    # Per row: the last period, the last failing one, the last and number of missing ones, the last known figure.
    end = periods["period_end"]
    missed = periods["miss"] & ~periods["fail"]
    by_row = periods.assign(
        failed=end.where(periods["fail"]), missed=end.where(missed), known=end.where(~missed)
    ).groupby("row")
    failed_on = by_row["failed"].max().reindex(r.index)
    missing_on = by_row["missed"].max().reindex(r.index)
    missing_n = by_row["missed"].count().reindex(r.index, fill_value=0)
    last_missing = (missing_on == by_row["period_end"].max().reindex(r.index)).fillna(False).astype(bool)
    known = by_row["known"].max().reindex(r.index)
    # Under banking, records still to come (no record after the last known figure) do not break the run yet.
    trailing = ~stops["fail"] & ~(stops["period_end"] <= stops["row"].map(known))
    stops = stops[~(trailing & stops["row"].map(r["banking"]).astype(bool))]
    stops = stops.rename(columns={"period_end": "end", "fail": "recurs"})
    stretch = stretch.reset_index().merge(stops.assign(run=stops["run"] - 1), on=["row", "run"], how="left")
    stretch["recurs"] = stretch["recurs"].fillna(True).astype(bool)
    need = stretch["row"].map(r["periods"]) - stretch["k"]
    stretch["sustain_at_forecast"] = add_months(stretch["last"], need.clip(lower=0) * MONTHS_PER_PERIOD)
    # The problem comes back with any failing period after it was sustained, missing records between or not.
    failing = periods.loc[periods["fail"], ["row", "period_end"]].rename(columns={"period_end": "on"})
    judged = judge_stretches(rows, stretch[["row", "start", "end", "sustain_at", "recurs"]], failing)
    open_ = stretch[stretch["end"].isna() & stretch["sustain_at"].isna()].set_index("row")

    latest = periods[periods["measured"] > 0].drop_duplicates("row", keep="last").set_index("row").reindex(r.index)

    status = judged["status"].astype(object)
    # A run broken only by missing records was not reopened: the current run (if any) is what there is.
    not_reopened = (status == REOPENED) & failed_on.isna()
    has_open = open_["k"].reindex(r.index).notna()
    status = status.where(~not_reopened, np.where(has_open, ACHIEVED, NOT_MET))
    if below:
        improving = latest["worst"] < baseline["base"].reindex(r.index)
    else:
        improving = latest["worst"] > baseline["base"].reindex(r.index)
    status = status.where(~((status == NOT_MET) & improving & ~last_missing), PROGRESSING)
    out["status"] = _status(status)
    out["sustained_on"] = judged["sustained_on"]
    out["recurred_on"] = judged["recurred_on"]
    expected = open_["sustain_at_forecast"].reindex(r.index)
    # A forecast already past means the figures for the terms since have not been recorded: no date to give.
    out["expected_on"] = expected.where(judged["sustained_on"].isna() & (expected > r["as_of"]))
    out["status_on"] = judged["status_on"]
    out.loc[status == REOPENED, "status_on"] = failed_on
    out.loc[status == ACHIEVED, "status_on"] = open_["start"].reindex(r.index)
    out.loc[status == PROGRESSING, "status_on"] = latest["period_end"]
    out.loc[status == NOT_MET, "status_on"] = NAT

    threshold = _percent(r["threshold"])
    side = "below" if below else "at or above"
    wrong = "at or above" if below else "below"
    n = _digits(r["periods"])
    k = _digits(open_["k"].reindex(r.index).fillna(0))
    worst = _percent(latest["worst"])
    gap = "no record for a member with the problem for the period ending "
    missing_sentence = _text(" There is ", gap, words(missing_on), ": missing evidence, not a pass.")
    reason = choose(
        r.index,
        [
            (
                status == SUSTAINED,
                (side.capitalize(), " ", threshold, " for ", n, " consecutive periods, to ",
                 words(judged["sustained_on"]), "."),
            ),
            (
                status == REOPENED,
                ("Reopened on ", words(out["status_on"]), ": a member with the problem was ", wrong, " ", threshold,
                 ". ", k, " of ", n, " periods ", side, " it since."),
            ),
            (
                status == ACHIEVED,
                (
                    k,
                    " of ",
                    n,
                    " consecutive periods ",
                    side,
                    " ",
                    threshold,
                    " since ",
                    words(open_["start"].reindex(r.index)),
                    "; sustained when ",
                    _count(r["periods"] - open_["k"].reindex(r.index).fillna(0), "more period is", "more periods are"),
                    " ",
                    side,
                    " it too.",
                ),
            ),
            (
                status == PROGRESSING,
                ("Latest recorded period ", worst, ", ", wrong, " ", threshold, " but ", "down" if below else "up",
                 " on the ", _percent(baseline["base"].reindex(r.index)), " before attachment."),
            ),
            (last_missing, ("There is ", gap, words(missing_on), ": missing evidence, not a pass.")),
            (
                latest["worst"].notna(),
                ("Latest period, ending ", words(latest["period_end"]), ": ", worst, ", ", wrong, " ", threshold, "."),
            ),
        ],
        "Nothing recorded since attachment for the member with the problem.",
    )
    reason = pd.Series(reason, index=r.index, dtype=object)
    add_missing = missing_on.notna() & status.isin([REOPENED, ACHIEVED, PROGRESSING])
    out["reason"] = reason.where(~add_missing, _text(reason, missing_sentence))
    what = _str(r["measure"].map(MEASURE_KINDS))
    counts = _count(by_row.size().reindex(r.index), "period", "periods")
    members = _count(judged_members.groupby("row").size().reindex(r.index), "member", "members")
    evidence = _text(what, ": ", counts, " recorded since attachment, judged on ", members,
                     " with the problem.")
    out["evidence"] = evidence.where(
        missing_n == 0,
        _text(evidence, " ", _count(missing_n, "period has", "periods have"), " no record for one of them."),
    )
    return out


# ------------------------------------------------------------------ a status episode ended and not reopened


def status_ended(rows: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Every plan of the kinds that was open at or after attachment has ended by a step-down or a closure with no
    further action, and none has started again for ``months`` (sustained on the end date plus the months). A plan
    starting again in any member reopens it. A plan that ended for another reason (the family moved away, other,
    none recorded) is not progress: no sustain period starts from it."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    far = pd.Timestamp("2200-01-01")
    e = _explode_kinds(rows, "status_kinds").merge(
        episodes[["family_id", "kind", "started_on", "ended_on", "end_reason"]]
    )
    e = e[e["started_on"] <= e["as_of"]]
    ended = e["ended_on"].where(e["ended_on"] <= e["as_of"]).fillna(far)
    e = e.assign(ended=ended, good=e["end_reason"].isin(PROGRESS_END_REASONS))
    e = e[e["ended"] >= e["attached_on"]].sort_values(["row", "started_on"], kind="stable")
    # Merge overlapping plans (in any member) into blocks of time under a plan.
    previous_end = e.groupby("row")["ended"].cummax().groupby(e["row"]).shift(1)
    e["block"] = (previous_end.isna() | (e["started_on"] > previous_end)).groupby(e["row"]).cumsum()
    by_block = e.groupby(["row", "block"])
    blocks = pd.DataFrame({"started": by_block["started_on"].min(), "ended": by_block["ended"].max()}).reset_index()
    # A block ends as its last plan ended (of two ending the same day, the one that is not progress); one per
    # block, in the blocks' order (row, block).
    last = e.sort_values(["row", "block", "ended", "good"], ascending=[True, True, True, False], kind="stable")
    last = last.drop_duplicates(["row", "block"], keep="last")
    blocks["end_reason"] = last["end_reason"].to_numpy()
    blocks["good"] = last["good"].to_numpy(dtype=bool)
    blocks["next_start"] = blocks.groupby("row")["started"].shift(-1)
    closed = blocks[(blocks["ended"] < far) & blocks["good"]]
    stretch = pd.DataFrame(
        {
            "row": closed["row"],
            "start": closed["ended"],
            "end": closed["next_start"],
            "sustain_at": add_months(closed["ended"], closed["row"].map(r["months"])),
        }
    )
    judged = judge_stretches(rows, stretch)
    final = blocks.drop_duplicates("row", keep="last").set_index("row").reindex(r.index)
    open_since = final["started"].where(final["ended"] >= far)
    # The latest plan ended, but not by a step-down or a closure: not progress.
    not_progress = (final["ended"] < far) & ~final["good"].fillna(True).astype(bool)
    bad_on = final["ended"].where(not_progress)
    bad_reason = final["end_reason"].map(EPISODE_END_REASONS).where(final["end_reason"].notna(), "no reason recorded")
    why = _str(bad_reason.where(not_progress)).map(str.lower)
    tail = "), which is not progress: only a step-down or a closure with no further action counts."
    bad_txt = ("it ended on ", words(bad_on), " (", why, tail)

    plans = _phrase(r["status_kinds"], STATUS_PLURALS)
    status = judged["status"]
    out["status"] = _status(status)
    out["status_on"] = judged["status_on"]
    out.loc[(status == NOT_MET) & open_since.notna(), "status_on"] = open_since
    out["sustained_on"] = judged["sustained_on"]
    out["expected_on"] = judged["expected_on"]
    out["recurred_on"] = judged["recurred_on"]
    months = _digits(r["months"])
    out["reason"] = choose(
        r.index,
        [
            (
                status == SUSTAINED,
                ("Ended on ", words(judged["start"]), " and none opened again for ", months, " months, to ",
                 words(judged["sustained_on"]), "."),
            ),
            (
                (status == REOPENED) & open_since.notna(),
                ("Reopened on ", words(judged["broken_on"]), ", when a plan started again."),
            ),
            (
                (status == REOPENED) & not_progress,
                ("Reopened on ", words(judged["broken_on"]), ", when a plan started again; ", *bad_txt),
            ),
            (
                status == REOPENED,
                ("Reopened on ", words(judged["broken_on"]), ", when a plan started again; it ended on ",
                 words(judged["start"]), ", so sustained on ", words(judged["expected_on"]), " if none opens."),
            ),
            (
                status == ACHIEVED,
                ("Ended on ", words(judged["start"]), "; sustained on ", words(judged["expected_on"]),
                 " if none opens again."),
            ),
            (open_since.notna(), ("A plan has been open since ", words(open_since), ".")),
            (not_progress, ("The latest plan ended on ", words(bad_on), " (", why, tail)),
        ],
        ("No ", plans, " open at or since attachment are recorded."),
    )
    counts = _count(e.groupby("row").size().reindex(r.index), "plan", "plans")
    out["evidence"] = _text(counts, " open at or since attachment (", plans, ").")
    return out


# ------------------------------------------------------------------ practitioner evidence signed off


def manual(rows: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Sustained when a manager has signed off the practitioner's evidence for this problem (on the day of the
    decision); awaiting sign-off is progress; evidence not accepted leaves the problem not met. For a successful
    family outcome (no banking) a sign-off counts only on or after the day the case closed: one made before is
    progress, not an outcome."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    ev = rows[["row", "attachment_id", "problem_id", "as_of", "banking", "closed_on"]].merge(
        evidence, on=["attachment_id", "problem_id"]
    )
    ev = ev[ev["progress_from"] <= ev["as_of"]]  # evidence of progress not yet made does not count
    decided = ev["decided_on"].notna() & (ev["decided_on"] <= ev["as_of"])
    signed = decided & (ev["status"] == "accepted")
    counts = ev["banking"].astype(bool) | (ev["decided_on"] >= ev["closed_on"])
    accepted = ev[signed & counts].sort_values("decided_on").drop_duplicates("row").set_index("row")
    early = ev[signed & ~counts]
    early = early.sort_values("decided_on").drop_duplicates("row", keep="last").set_index("row")
    awaiting = ev[(ev["status"] == "awaiting") | ~decided].sort_values("progress_from").drop_duplicates("row")
    awaiting = awaiting.set_index("row")
    declined = ev[decided & (ev["status"] == "declined")].sort_values("decided_on").drop_duplicates("row", keep="last")
    declined = declined.set_index("row")

    has_acc = accepted["decided_on"].reindex(r.index).notna()
    has_early = early["decided_on"].reindex(r.index).notna()
    has_wait = awaiting["progress_from"].reindex(r.index).notna()
    has_dec = declined["decided_on"].reindex(r.index).notna()
    status = np.select([has_acc, has_early | has_wait], [SUSTAINED, PROGRESSING], NOT_MET)
    out["status"] = _status(status)
    out["sustained_on"] = accepted["decided_on"].reindex(r.index)
    out["status_on"] = out["sustained_on"].where(
        has_acc, early["decided_on"].reindex(r.index).where(has_early, awaiting["progress_from"].reindex(r.index))
    )
    acc = accepted.reindex(r.index)
    dec = declined.reindex(r.index)
    pre = early.reindex(r.index)
    out["reason"] = choose(
        r.index,
        [
            (
                has_acc,
                ("Signed off by ", _str(acc["decided_by"]), " on ", words(acc["decided_on"]), ": ",
                 _str(acc["decision_reason"]), "."),
            ),
            (
                has_early & r["closed_on"].notna(),
                ("Signed off by ", _str(pre["decided_by"]), " on ", words(pre["decided_on"]),
                 ", before the case closed on ", words(r["closed_on"]),
                 ": for a successful family outcome only a sign-off on or after closure counts."),
            ),
            (
                has_early,
                ("Signed off by ", _str(pre["decided_by"]), " on ", words(pre["decided_on"]),
                 ", while the case is open: for a successful family outcome only a sign-off on or after closure "
                 "counts."),
            ),
            (
                has_wait,
                ("Evidence of progress from ", words(awaiting["progress_from"].reindex(r.index)),
                 " awaits a manager's sign-off."),
            ),
            (
                has_dec,
                ("Not accepted by ", _str(dec["decided_by"]), " on ", words(dec["decided_on"]), ": ",
                 _str(dec["decision_reason"]), "."),
            ),
        ],
        "No practitioner evidence recorded.",
    )
    counts = _count(ev.groupby("row").size().reindex(r.index), "practitioner statement", "practitioner statements")
    out["evidence"] = _text(counts, " recorded.")
    return out


# ------------------------------------------------------------------ continuous employment


NO_EMPLOYMENT = (
    "No adult who was on an out-of-work benefit at attachment has a spell in work recorded that began after it."
)


def continuous_employment(rows: pd.DataFrame, spells: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """An adult (18 or over when the spell began) who was on an out-of-work benefit at attachment and moved into
    work after it, in work for ``weeks`` whole weeks within a window of ``window_weeks``, as the framework sets per
    prior benefit (spells under the benefit's minimum hours do not count). A spell that began before the
    attachment date does not count, and an adult in work on the attachment day (a spell that began before it and
    had not ended) was not on an out-of-work benefit: none of their spells count. Weeks are whole weeks counted
    from the start of the adult's first spell after attachment (a job starting mid-week loses no days): N weeks
    are reached on the start + 7N - 1 days when the work is unbroken.

    ``rules``: framework_id, prior_benefit, weeks, window_weeks, min_hours. Rows need ``framework_id``.
    Besides the verdict columns, ``adult_member_id`` names the adult who reached the weeks (missing otherwise)."""
    with_spells = rows["family_id"].isin(spells["family_id"])
    if not with_spells.all():
        # Most families have no spell in work: their verdict is the same sentence, without the work below.
        none = no_verdicts(rows[~with_spells])
        none["adult_member_id"] = np.nan
        none["reason"] = NO_EMPLOYMENT
        none["evidence"] = "0 spells in work of adults who were on an out-of-work benefit."
        if not with_spells.any():
            return none
        return pd.concat([continuous_employment(rows[with_spells], spells, rules), none]).loc[rows["row"]]
    out = no_verdicts(rows)
    out["adult_member_id"] = np.nan
    if rows.empty:
        return out
    r = rows.set_index("row")
    sp = rows[["row", "family_id", "framework_id", "attached_on", "as_of"]].merge(spells, on="family_id")
    # In work on the attachment day: not on an out-of-work benefit then, so none of the member's spells count.
    at_attachment = (sp["started_on"] < sp["attached_on"]) & (
        sp["ended_on"].isna() | (sp["ended_on"] >= sp["attached_on"])
    )
    working = pd.MultiIndex.from_frame(sp.loc[at_attachment, ["row", "member_id"]])
    sp = sp[~pd.MultiIndex.from_frame(sp[["row", "member_id"]]).isin(working)]
    sp = sp.merge(rules, on=["framework_id", "prior_benefit"])
    adult_from = add_months(sp["date_of_birth"], 18 * 12)
    sp = sp[(sp["started_on"] >= adult_from) & (sp["hours_per_week"] >= sp["min_hours"])]
    # A move into work after attachment: a spell that began before the attachment date does not count.
    sp = sp[(sp["started_on"] >= sp["attached_on"]) & (sp["started_on"] <= sp["as_of"])]
    in_work = sp["ended_on"].isna() | (sp["ended_on"] > sp["as_of"])
    # An open spell is assumed to continue long enough to see when the weeks would be reached.
    horizon = sp["as_of"] + pd.to_timedelta(sp["window_weeks"] * 7, unit="D")
    sp = sp.assign(in_work=in_work, last=sp["ended_on"].where(~in_work, horizon))
    # The member's benefit is that of their first qualifying spell, and their weeks are counted from its start.
    sp = sp.sort_values(["row", "member_id", "started_on"], kind="stable")
    first = sp.groupby(["row", "member_id"])[["prior_benefit", "weeks", "window_weeks", "started_on"]].transform(
        "first"
    )
    sp[["prior_benefit", "weeks", "window_weeks"]] = first[["prior_benefit", "weeks", "window_weeks"]]
    sp["anchor"] = first["started_on"]

    anchor = sp["anchor"]
    from_week = np.maximum(0, -(-(sp["started_on"] - anchor).dt.days // 7)).to_numpy()
    to_week = ((sp["last"] - anchor).dt.days.sub(6) // 7).to_numpy()
    need = sp["weeks"].to_numpy()
    # Only a spell's first ``need`` weeks can matter: a longer spell reaches the weeks within them, and a window
    # ending later than that can only be the first to reach them by using weeks of an earlier, shorter spell.
    count = np.clip(np.minimum(to_week - from_week + 1, need), 0, None)
    idx = np.repeat(np.arange(len(sp)), count)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(count) - count, count)
    week = from_week[idx] + offset
    group = pd.factorize(pd.MultiIndex.from_arrays([sp["row"].to_numpy(), sp["member_id"].to_numpy()]))[0]
    # One integer key per (row, member, week): sorting it orders and de-duplicates in one step.
    key = np.unique(group[idx].astype("int64") * 100_000 + week)
    member_group, week = key // 100_000, key % 100_000
    first_spell = pd.Series(np.arange(len(sp))).groupby(group).first().to_numpy()
    need_w = need[first_spell][member_group]
    window_w = sp["window_weeks"].to_numpy()[first_spell][member_group]
    pos = np.arange(len(key))
    starts = np.flatnonzero(np.r_[True, member_group[1:] != member_group[:-1]]) if len(key) else np.array([], int)
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    back = pos - (need_w - 1)
    ok = back >= group_start
    back_safe = np.where(ok, back, pos)
    done_mask = ok & (week - week[back_safe] <= window_w - 1)
    firsts = pd.Series(pos[done_mask]).groupby(member_group[done_mask]).first()
    chosen = firsts.to_numpy()
    spell_of = first_spell[member_group[chosen]]
    done = pd.DataFrame(
        {
            "row": sp["row"].to_numpy()[spell_of],
            "member_id": sp["member_id"].to_numpy()[spell_of],
            "week": week[chosen],
            "from_week": week[back_safe[chosen]],
            "anchor": sp["anchor"].to_numpy()[spell_of],
        }
    )
    done = done.merge(rows[["row", "as_of"]], on="row")
    done["on"] = done["anchor"] + pd.to_timedelta(done["week"] * 7 + 6, unit="D")
    # The run of weeks began in a spell: name the day that spell really started.
    since = done["anchor"] + pd.to_timedelta(done["from_week"] * 7, unit="D")
    starts = done[["row", "member_id"]].assign(since=since).merge(
        sp[["row", "member_id", "started_on"]], on=["row", "member_id"]
    )
    starts = starts[starts["started_on"] <= starts["since"]].groupby(["row", "member_id"])["started_on"].max()
    done = done.join(starts.rename("since"), on=["row", "member_id"])
    benefit = sp.drop_duplicates(["row", "member_id"])[["row", "member_id", "prior_benefit"]]
    done = done.merge(benefit.rename(columns={"prior_benefit": "benefit"}), on=["row", "member_id"], how="left")
    # A member reaches the weeks either already (on or before as_of) or, if still in work, later.
    still = sp.loc[sp["in_work"], ["row", "member_id"]].drop_duplicates().assign(working=True)
    done = done.merge(still, on=["row", "member_id"], how="left")
    done["working"] = done["working"].fillna(False).astype(bool)
    done = done.sort_values("on").drop_duplicates("row").set_index("row")

    reached = done["on"].reindex(r.index)
    reached_by = reached.notna() & (reached <= r["as_of"])
    forecast = reached.notna() & ~reached_by & done["working"].reindex(r.index).fillna(False).astype(bool)
    if not r["banking"].all():
        # A family outcome must still be true on its as-of date: the adult must still be in work.
        in_work_rows = sp[sp["in_work"]]["row"].unique()
        reached_by &= r["banking"] | r.index.isin(in_work_rows)
    ended = sp[~sp["in_work"]].groupby("row")["ended_on"].max().reindex(r.index)
    working_rows = r.index.isin(sp[sp["in_work"]]["row"].unique())
    since = sp[sp["in_work"]].groupby("row")["started_on"].min().reindex(r.index)
    status = np.select([reached_by, working_rows, ended.notna()], [SUSTAINED, ACHIEVED, REOPENED], NOT_MET)
    out["status"] = _status(status)
    out["sustained_on"] = reached.where(reached_by)
    out["expected_on"] = reached.where(forecast)
    out["adult_member_id"] = done["member_id"].reindex(r.index).where(reached_by).astype("float64")
    out["status_on"] = out["sustained_on"].where(status == SUSTAINED, since.where(status == ACHIEVED, ended))
    out.loc[status == NOT_MET, "status_on"] = NAT
    ben = done["benefit"].reindex(r.index).map(PRIOR_BENEFITS).fillna("an out-of-work benefit")
    spell_ben = sp.drop_duplicates("row").set_index("row")["prior_benefit"].reindex(r.index).map(PRIOR_BENEFITS)
    spell_ben = spell_ben.fillna("an out-of-work benefit")
    need = sp.drop_duplicates("row").set_index("row")[["weeks", "window_weeks"]].reindex(r.index)
    need_txt = joined(
        (_digits(need["weeks"].fillna(0)), " weeks in work within ", _digits(need["window_weeks"].fillna(0))), len(r)
    )
    out["reason"] = choose(
        r.index,
        [
            (
                status == SUSTAINED,
                ("An adult who was on ", ben, " at attachment started work on ",
                 words(done["since"].reindex(r.index)), " and reached ", need_txt, " on ", words(reached), "."),
            ),
            (
                (status == ACHIEVED) & out["expected_on"].notna(),
                ("An adult who was on ", spell_ben, " has been in work since ", words(since), "; ", need_txt,
                 " would be reached on ", words(out["expected_on"]), " if the work continues."),
            ),
            (
                status == ACHIEVED,
                ("An adult who was on ", spell_ben, " has been in work since ", words(since), "."),
            ),
            (
                status == REOPENED,
                ("Reopened on ", words(ended), ": the spell in work ended before ", need_txt, " were reached."),
            ),
        ],
        NO_EMPLOYMENT,
    )
    counts = _count(sp.groupby("row").size().reindex(r.index), "spell", "spells")
    out["evidence"] = _text(counts, " in work of adults who were on an out-of-work benefit.")
    return out
