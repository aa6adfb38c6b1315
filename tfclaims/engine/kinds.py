"""How each kind of success criterion is judged, over every row of that kind at once.

A row is one family's headline problem under one criterion (or, for the continuous-employment route, one
family). Rows carry ``row`` (a key), ``family_id``, ``attachment_id``, ``attached_on``, ``as_of`` (the date the
row is judged on: data after it is ignored), ``banking`` (True when a result once sustained stays sustained, as
under 2015-21; False when it must still hold on ``as_of``, as for a successful family outcome) and the
criterion's parameters as columns.

Most kinds are judged the same way: the evidence gives *stretches*, spans of time over which the condition
holds (no incident since the last one, a plan ended and none reopened, terms at or above the threshold, weeks in
work). A stretch that lasts its sustain period sustains the problem; a stretch that ends early is a break, and
the problem is reopened. ``judge_stretches`` turns stretches into a status.

Every function returns one row per input row, indexed by ``row``, with: ``status``, ``status_on``,
``sustained_on``, ``expected_on`` (when the problem would be sustained if nothing changes; NaT if unknown),
``reason`` and ``evidence``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tfclaims.engine.criteria import EVENT_PLURALS, STATUS_PLURALS, listed
from tfclaims.engine.dates import DAY, add_months, words
from tfclaims.progress.vocabulary import PRIOR_BENEFITS

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


def _status(values) -> pd.Categorical:
    """Statuses as a categorical: compared and sorted by code, not as text."""
    return pd.Categorical(np.asarray(values, dtype=object), categories=STATUS_ORDER)


NAT = pd.NaT
# Expected length of a school term when forecasting the terms still to come.
MONTHS_PER_PERIOD = 4


def no_verdicts(rows: pd.DataFrame) -> pd.DataFrame:
    """One "not met" verdict per row, with no reason yet: the starting point of every kind."""
    out = pd.DataFrame(index=pd.Index(rows["row"], name="row"))
    out["status"] = _status([NOT_MET] * len(out))
    out["status_on"] = pd.Series(NAT, index=out.index, dtype="datetime64[s]")
    out["sustained_on"] = out["status_on"]
    out["expected_on"] = out["status_on"]
    out["reason"] = pd.Series("", index=out.index, dtype=object)
    out["evidence"] = pd.Series("", index=out.index, dtype=object)
    return out


def _text(*parts) -> pd.Series:
    """Concatenate Series of strings and plain strings element-wise (as Python objects: the fastest way)."""
    index = next(p.index for p in parts if isinstance(p, pd.Series))
    result = None
    for part in parts:
        value = part.to_numpy(dtype=object) if isinstance(part, pd.Series) else part
        result = value if result is None else result + value
    return pd.Series(result, index=index, dtype=object)


def _str(values: pd.Series) -> pd.Series:
    """Text, with missing values as empty text."""
    return values.astype(object).where(values.notna(), "")


def _percent(values: pd.Series) -> pd.Series:
    """'92.5%', '90%'; empty when missing."""
    return _str(values.astype(object).map(lambda v: f"{v:g}%", na_action="ignore"))


def _count(n: pd.Series, singular: str, plural: str) -> pd.Series:
    """'1 member', '3 members'."""
    n = n.fillna(0).astype("int64")
    return pd.Series(
        n.astype(str).to_numpy(dtype=object) + np.where(n == 1, " " + singular, " " + plural).astype(object),
        index=n.index,
        dtype=object,
    )


def _phrase(codes: pd.Series, names: dict[str, str]) -> pd.Series:
    """'offences or anti-social behaviour incidents' for each row's tuple of codes (few distinct values)."""
    keys, uniques = pd.factorize(codes)
    phrases = np.array([listed(list(c), names) for c in uniques] + [""], dtype=object)
    return pd.Series(phrases[keys], index=codes.index, dtype=object)


def judge_stretches(rows: pd.DataFrame, stretches: pd.DataFrame) -> pd.DataFrame:
    """Status from stretches: ``row``, ``start``, ``end`` (the day it was broken; NaT while it holds on as_of),
    ``sustain_at`` (the day it is sustained if unbroken; NaT if not foreseeable).

    Returns, per row: ``status`` among sustained/achieved/reopened/not_met, ``status_on``, ``sustained_on``,
    ``expected_on``, ``start`` (of the stretch that sustained, or of the current one), ``broken_on``.
    """
    r = rows.set_index("row")[["as_of", "banking"]]
    s = stretches.join(r, on="row")
    reached = s["sustain_at"].notna() & (s["sustain_at"] <= s["as_of"])
    reached &= s["end"].isna() | (s["sustain_at"] < s["end"])
    current = s["end"].isna()

    out = pd.DataFrame(index=r.index)
    banked = s[reached].sort_values("sustain_at").drop_duplicates("row").set_index("row")
    holding = s[reached & current].drop_duplicates("row").set_index("row")
    open_ = s[current & ~reached].drop_duplicates("row").set_index("row")
    broken = s.loc[s["end"].notna()].groupby("row")["end"].max()

    sustained_on = holding["sustain_at"].reindex(out.index)
    sustained_from = holding["start"].reindex(out.index)
    use_banked = r["banking"] & banked["sustain_at"].reindex(out.index).notna()
    sustained_on = sustained_on.where(~use_banked, banked["sustain_at"].reindex(out.index))
    sustained_from = sustained_from.where(~use_banked, banked["start"].reindex(out.index))

    out["sustained_on"] = sustained_on
    out["broken_on"] = broken.reindex(out.index)
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

    counts = hits.groupby("row").agg(n=("occurred_on", "size"), last=("occurred_on", "max"))
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
    start, sustained, expected = words(judged["start"]), words(judged["sustained_on"]), words(judged["expected_on"])
    out["reason"] = np.select(
        [status == SUSTAINED, status == REOPENED, status == PROGRESSING],
        [
            _text("No ", what, " in any member from ", start, " to ", sustained, "."),
            _text(
                "Reopened on ",
                words(judged["broken_on"]),
                " when one was recorded; none since, so sustained on ",
                expected,
                " if none is recorded before then.",
            ),
            _text("No ", what, " since attachment on ", start, "; sustained on ", expected, " if none by then."),
        ],
        "Not met.",
    )
    out["evidence"] = np.where(
        n > 0,
        _text(n.astype(str), " recorded since attachment, the last on ", words(last), "."),
        _text("None of the ", what, " recorded since attachment."),
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

    done = windows[windows["good"] & windows["complete"]].sort_values("last_day").drop_duplicates("row")
    done = done.set_index("row")
    on_track = windows[windows["good"] & ~windows["complete"]].sort_values("last_day").drop_duplicates("row")
    on_track = on_track.set_index("row")
    first = windows.merge(rows[["row", "attached_on"]], on="row")
    first_failed = first[(first["start"] == first["attached_on"]) & ~first["good"]]["row"]
    # The day the first window went over the allowance: the (allowed + 1)th event after attachment.
    ranked = after.sort_values(["row", "occurred_on"], kind="stable")
    ranked["n"] = ranked.groupby("row").cumcount()
    ranked = ranked[ranked["n"] == ranked["row"].map(allowed)].set_index("row")["occurred_on"]

    sustained_on = done["last_day"].reindex(r.index)
    # A family outcome must still hold on its as-of date: the trailing window ending then must be good.
    trailing_start = add_months(r["as_of"], -r["months"]) + DAY
    trailing = after.join(trailing_start.rename("ts"), on="row")
    trailing = trailing[trailing["occurred_on"] >= trailing["ts"]].groupby("row").size()
    trailing_ok = trailing.reindex(r.index, fill_value=0) <= allowed
    sustained_on = sustained_on.where(r["banking"] | trailing_ok)

    broke = r.index.isin(first_failed) & sustained_on.isna()
    status = np.select(
        [sustained_on.notna(), broke, on_track.reindex(r.index)["start"].notna()],
        [SUSTAINED, REOPENED, PROGRESSING],
        NOT_MET,
    )
    out["status"] = _status(status)
    expected = on_track["last_day"].reindex(r.index).where(sustained_on.isna())
    out["sustained_on"] = sustained_on
    out["expected_on"] = expected
    out["status_on"] = sustained_on.where(status == SUSTAINED, ranked.reindex(r.index).where(status == REOPENED))
    out.loc[status == PROGRESSING, "status_on"] = r.loc[status == PROGRESSING, "attached_on"]

    what = _phrase(r["event_kinds"], EVENT_PLURALS)
    months = r["months"].astype(str)
    base_txt = _text(baseline.astype(str), " in the ", months, " months before attachment, so at most ")
    base_txt = _text(base_txt, allowed.astype(str), " allowed in ", months, " months")
    done_count = done["count"].reindex(r.index).fillna(0).astype(int).astype(str)
    track_count = on_track["count"].reindex(r.index).fillna(0).astype(int).astype(str)
    out["reason"] = np.select(
        [status == SUSTAINED, status == REOPENED, status == PROGRESSING],
        [
            _text(
                done_count,
                " in the ",
                months,
                " months to ",
                words(sustained_on),
                " against ",
                baseline.astype(str),
                " before attachment: down at least ",
                r["percent"].astype(str),
                "%.",
            ),
            _text(
                "Reopened on ",
                words(out["status_on"]),
                ": more than ",
                allowed.astype(str),
                " since attachment; ",
                track_count,
                " in the window to ",
                words(expected),
                ", which sustains it if no more are recorded.",
            ),
            _text(
                track_count,
                " since attachment, with at most ",
                allowed.astype(str),
                " allowed; sustained on ",
                words(expected),
                " if it stays so.",
            ),
        ],
        "Not met.",
    )
    out["evidence"] = _text(what.str.capitalize(), ": ", base_txt, ".")
    return out


# ------------------------------------------------------------------ a measure held over consecutive periods


def held_over_periods(rows: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Every member measured in a period at or above ``threshold``, for ``periods`` consecutive periods ending
    after attachment. Periods are matched across members by their end date. A period below the threshold in any
    member breaks the run (the problem is reopened); the run is sustained at the end of its last period."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    # Measures come one row per family, kind and period: the lowest value of any member, and how many members.
    m = rows[["row", "family_id", "attached_on", "as_of", "measure", "threshold"]].merge(
        measures[["family_id", "kind", "period_end", "low", "members"]],
        left_on=["family_id", "measure"],
        right_on=["family_id", "kind"],
    )
    m = m[m["period_end"] <= m["as_of"]]
    before = m[m["period_end"] <= m["attached_on"]]
    baseline = before.sort_values("period_end").drop_duplicates("row", keep="last").set_index("row")
    baseline = baseline.rename(columns={"low": "base"})
    periods = m[m["period_end"] > m["attached_on"]].sort_values(["row", "period_end"])
    periods = periods[["row", "period_end", "low", "members", "threshold"]].reset_index(drop=True)
    periods["pass"] = periods["low"] >= periods["threshold"]
    periods["run"] = (~periods["pass"]).groupby(periods["row"]).cumsum()
    passing = periods[periods["pass"]].copy()
    passing["k"] = passing.groupby(["row", "run"]).cumcount() + 1
    passing["n"] = passing["row"].map(r["periods"])

    stretch = passing.groupby(["row", "run"]).agg(
        start=("period_end", "min"), last=("period_end", "max"), k=("k", "max")
    )
    nth = passing[passing["k"] == passing["n"]].set_index(["row", "run"])["period_end"]
    stretch["sustain_at"] = nth.reindex(stretch.index)
    # The run ends at the first failing period after it (which opens the next run).
    fails = periods.loc[~periods["pass"], ["row", "run", "period_end"]].rename(columns={"period_end": "end"})
    stretch = stretch.reset_index().merge(fails.assign(run=fails["run"] - 1), on=["row", "run"], how="left")
    need = stretch["row"].map(r["periods"]) - stretch["k"]
    forecast = add_months(stretch["last"], need.clip(lower=0) * MONTHS_PER_PERIOD)
    stretch["sustain_at_forecast"] = forecast
    judged = judge_stretches(rows, stretch[["row", "start", "end", "sustain_at"]])
    open_ = stretch[stretch["end"].isna() & stretch["sustain_at"].isna()].set_index("row")

    latest = periods.sort_values("period_end").drop_duplicates("row", keep="last").set_index("row")
    status = judged["status"].copy()
    improving = latest["low"].reindex(r.index) > baseline["base"].reindex(r.index)
    status = status.where(~((status == NOT_MET) & improving), PROGRESSING)
    out["status"] = _status(status)
    out["sustained_on"] = judged["sustained_on"]
    expected = open_["sustain_at_forecast"].reindex(r.index)
    # A forecast already past means the figures for the terms since have not been recorded: no date to give.
    out["expected_on"] = expected.where(judged["sustained_on"].isna() & (expected > r["as_of"]))
    out["status_on"] = judged["status_on"]
    out.loc[status == PROGRESSING, "status_on"] = latest["period_end"].reindex(r.index)

    threshold = r["threshold"].map(lambda v: f"{v:g}%")
    n = r["periods"].astype(str)
    k = open_["k"].reindex(r.index).fillna(0).astype(int).astype(str)
    low = _percent(latest["low"].reindex(r.index))
    out["reason"] = np.select(
        [status == SUSTAINED, status == REOPENED, status == ACHIEVED, status == PROGRESSING],
        [
            _text(
                "At or above ", threshold, " for ", n, " consecutive periods, to ", words(judged["sustained_on"]), "."
            ),
            _text(
                "Reopened on ",
                words(judged["broken_on"]),
                ": a member fell below ",
                threshold,
                ". ",
                k,
                " of ",
                n,
                " periods at or above it since.",
            ),
            _text(
                k,
                " of ",
                n,
                " consecutive periods at or above ",
                threshold,
                " since ",
                words(judged["start"]),
                "; sustained when ",
                _count(r["periods"] - open_["k"].reindex(r.index).fillna(0), "more period is", "more periods are"),
                " at or above it too.",
            ),
            _text(
                "Latest period ",
                low,
                ", below ",
                threshold,
                " but up on the ",
                _percent(baseline["base"].reindex(r.index)),
                " before attachment.",
            ),
        ],
        np.where(
            latest["low"].reindex(r.index).notna(),
            _text(
                "Latest period, ending ",
                words(latest["period_end"].reindex(r.index)),
                ": ",
                low,
                ", below ",
                threshold,
                ".",
            ),
            "Nothing recorded since attachment.",
        ),
    )
    counts = _count(periods.groupby("row").size().reindex(r.index), "period", "periods")
    members = _count(periods.groupby("row")["members"].max().reindex(r.index), "member", "members")
    out["evidence"] = _text(counts, " recorded since attachment, for ", members, ".")
    return out


# ------------------------------------------------------------------ a status episode ended and not reopened


def status_ended(rows: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Every plan of the kinds that was open at or after attachment has ended, and none has started again for
    ``months`` (sustained on the end date plus the months). A plan starting again in any member reopens it."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    far = pd.Timestamp("2200-01-01")
    e = _explode_kinds(rows, "status_kinds").merge(episodes[["family_id", "kind", "started_on", "ended_on"]])
    e = e[e["started_on"] <= e["as_of"]]
    ended = e["ended_on"].where(e["ended_on"] <= e["as_of"]).fillna(far)
    e = e.assign(ended=ended)
    e = e[e["ended"] >= e["attached_on"]].sort_values(["row", "started_on"], kind="stable")
    # Merge overlapping plans (in any member) into blocks of time under a plan.
    previous_end = e.groupby("row")["ended"].cummax().groupby(e["row"]).shift(1)
    e["block"] = (previous_end.isna() | (e["started_on"] > previous_end)).groupby(e["row"]).cumsum()
    blocks = e.groupby(["row", "block"]).agg(started=("started_on", "min"), ended=("ended", "max")).reset_index()
    blocks["next_start"] = blocks.groupby("row")["started"].shift(-1)
    closed = blocks[blocks["ended"] < far]
    stretch = pd.DataFrame(
        {
            "row": closed["row"],
            "start": closed["ended"],
            "end": closed["next_start"],
            "sustain_at": add_months(closed["ended"], closed["row"].map(r["months"])),
        }
    )
    judged = judge_stretches(rows, stretch)
    open_since = blocks[blocks["ended"] >= far].set_index("row")["started"].reindex(r.index)

    plans = _phrase(r["status_kinds"], STATUS_PLURALS)
    status = judged["status"]
    out["status"] = _status(status)
    out["status_on"] = judged["status_on"]
    out.loc[(status == NOT_MET) & open_since.notna(), "status_on"] = open_since
    out["sustained_on"] = judged["sustained_on"]
    out["expected_on"] = judged["expected_on"]
    months = r["months"].astype(str)
    out["reason"] = np.select(
        [status == SUSTAINED, status == REOPENED, status == ACHIEVED, open_since.notna()],
        [
            _text(
                "Ended on ",
                words(judged["start"]),
                " and none opened again for ",
                months,
                " months, to ",
                words(judged["sustained_on"]),
                ".",
            ),
            _text("Reopened on ", words(judged["broken_on"]), ", when a plan started again.").where(
                open_since.notna(),
                _text(
                    "Reopened on ",
                    words(judged["broken_on"]),
                    ", when a plan started again; it ended on ",
                    words(judged["start"]),
                    ", so sustained on ",
                    words(judged["expected_on"]),
                    " if none opens.",
                ),
            ),
            _text(
                "Ended on ",
                words(judged["start"]),
                "; sustained on ",
                words(judged["expected_on"]),
                " if none opens again.",
            ),
            _text("A plan has been open since ", words(open_since), "."),
        ],
        _text("No ", plans, " open at or since attachment are recorded."),
    )
    counts = _count(e.groupby("row").size().reindex(r.index), "plan", "plans")
    out["evidence"] = _text(counts, " open at or since attachment (", plans, ").")
    return out


# ------------------------------------------------------------------ practitioner evidence signed off


def manual(rows: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Sustained when a manager has signed off the practitioner's evidence for this problem (on the day of the
    decision); awaiting sign-off is progress; evidence not accepted leaves the problem not met."""
    out = no_verdicts(rows)
    if rows.empty:
        return out
    r = rows.set_index("row")
    ev = rows[["row", "attachment_id", "problem_id", "as_of"]].merge(evidence, on=["attachment_id", "problem_id"])
    ev = ev[ev["progress_from"] <= ev["as_of"]]  # evidence of progress not yet made does not count
    decided = ev["decided_on"].notna() & (ev["decided_on"] <= ev["as_of"])
    accepted = ev[decided & (ev["status"] == "accepted")].sort_values("decided_on").drop_duplicates("row")
    accepted = accepted.set_index("row")
    awaiting = ev[(ev["status"] == "awaiting") | ~decided].sort_values("progress_from").drop_duplicates("row")
    awaiting = awaiting.set_index("row")
    declined = ev[decided & (ev["status"] == "declined")].sort_values("decided_on").drop_duplicates("row", keep="last")
    declined = declined.set_index("row")

    has_acc = accepted["decided_on"].reindex(r.index).notna()
    has_wait = awaiting["progress_from"].reindex(r.index).notna()
    has_dec = declined["decided_on"].reindex(r.index).notna()
    status = np.select([has_acc, has_wait], [SUSTAINED, PROGRESSING], NOT_MET)
    out["status"] = _status(status)
    out["sustained_on"] = accepted["decided_on"].reindex(r.index)
    out["status_on"] = out["sustained_on"].where(has_acc, awaiting["progress_from"].reindex(r.index))
    acc = accepted.reindex(r.index)
    dec = declined.reindex(r.index)
    out["reason"] = np.select(
        [has_acc, has_wait, has_dec],
        [
            _text(
                "Signed off by ",
                _str(acc["decided_by"]),
                " on ",
                words(acc["decided_on"]),
                ": ",
                _str(acc["decision_reason"]),
                ".",
            ),
            _text(
                "Evidence of progress from ",
                words(awaiting["progress_from"].reindex(r.index)),
                " awaits a manager's sign-off.",
            ),
            _text(
                "Not accepted by ",
                _str(dec["decided_by"]),
                " on ",
                words(dec["decided_on"]),
                ": ",
                _str(dec["decision_reason"]),
                ".",
            ),
        ],
        "No practitioner evidence recorded.",
    )
    counts = _count(ev.groupby("row").size().reindex(r.index), "practitioner statement", "practitioner statements")
    out["evidence"] = _text(counts, " recorded.")
    return out


# ------------------------------------------------------------------ continuous employment


NO_EMPLOYMENT = "No adult who was on an out-of-work benefit has a spell in work recorded since attachment."


def continuous_employment(rows: pd.DataFrame, spells: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """An adult (18 or over when the spell began) who was on an out-of-work benefit, in work for ``weeks`` whole
    weeks within a window of ``window_weeks``, as the framework sets per prior benefit (spells under the
    benefit's minimum hours do not count). Weeks are counted from the attachment date, whole weeks only.

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
    sp = sp.merge(rules, on=["framework_id", "prior_benefit"])
    adult_from = add_months(sp["date_of_birth"], 18 * 12)
    sp = sp[(sp["started_on"] >= adult_from) & (sp["hours_per_week"] >= sp["min_hours"])]
    sp = sp[(sp["started_on"] <= sp["as_of"])]
    sp = sp[sp["ended_on"].isna() | (sp["ended_on"] >= sp["attached_on"])]
    in_work = sp["ended_on"].isna() | (sp["ended_on"] > sp["as_of"])
    # An open spell is assumed to continue long enough to see when the weeks would be reached.
    horizon = sp["as_of"] + pd.to_timedelta(sp["window_weeks"] * 7, unit="D")
    sp = sp.assign(in_work=in_work, last=sp["ended_on"].where(~in_work, horizon))
    # The member's benefit is that of their first qualifying spell.
    sp = sp.sort_values(["row", "member_id", "started_on"], kind="stable")
    first = sp.groupby(["row", "member_id"])[["prior_benefit", "weeks", "window_weeks"]].transform("first")
    sp[["prior_benefit", "weeks", "window_weeks"]] = first

    att = sp["attached_on"]
    from_week = np.maximum(0, -(-(sp["started_on"] - att).dt.days // 7)).to_numpy()
    to_week = ((sp["last"] - att).dt.days.sub(6) // 7).to_numpy()
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
        }
    )
    done = done.merge(rows[["row", "attached_on", "as_of"]], on="row")
    done["on"] = done["attached_on"] + pd.to_timedelta(done["week"] * 7 + 6, unit="D")
    done["since"] = done["attached_on"] + pd.to_timedelta(done["from_week"] * 7, unit="D")
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
    need_txt = _text(
        need["weeks"].fillna(0).astype(int).astype(str),
        " weeks in work within ",
        need["window_weeks"].fillna(0).astype(int).astype(str),
    )
    out["reason"] = np.select(
        [status == SUSTAINED, status == ACHIEVED, status == REOPENED],
        [
            _text(
                "An adult who was on ",
                ben,
                " was in work from ",
                words(done["since"].reindex(r.index)),
                " and reached ",
                need_txt,
                " on ",
                words(reached),
                ".",
            ),
            _text(
                "An adult who was on ",
                spell_ben,
                " has been in work since ",
                words(since),
                "; ",
                need_txt,
                " would be reached on ",
                words(out["expected_on"]),
                " if the work continues.",
            ).where(
                out["expected_on"].notna(),
                _text("An adult who was on ", spell_ben, " has been in work since ", words(since), "."),
            ),
            _text("Reopened on ", words(ended), ": the spell in work ended before ", need_txt, " were reached."),
        ],
        NO_EMPLOYMENT,
    )
    counts = _count(sp.groupby("row").size().reindex(r.index), "spell", "spells")
    out["evidence"] = _text(counts, " in work of adults who were on an out-of-work benefit.")
    return out
