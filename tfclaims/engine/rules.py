"""The claim-eligibility rule engine: pure functions from the cohort's data (DataFrames) and a date to verdicts.

``evaluate(frames, as_of)`` judges every family in ``frames`` at once; the family page calls it on a one-family
slice of the same data. Nothing here touches the database.

The rules (domain.md sections 3 and 4):
- each family is judged on its latest attachment, under the plan version the attachment was made under;
- each headline problem identified in that attachment (after attachment too) is judged by the plan version's
  success criteria for it; meeting any one criterion is enough. A criterion on a measure (attendance, absence) is
  judged on the member(s) identified with the problem, never on a sibling's figures;
- 2015-21 (routes SSP and CE): claimable when every problem is sustained (significant and sustained progress),
  or when an adult who was on an out-of-work benefit at attachment moves into work and reaches continuous
  employment; one result, by the route reached first (SSP on a tie). A problem once sustained stays sustained,
  unless it recurs (the same kind of event in any member, a measure failing, a plan opening again) on or before
  the as-of date: the recurrence is shown (``recurred_on``) and, when the framework's ``recurrence_reopens`` is
  on (the default), the problem is reopened until it is sustained again;
- 2022-25 (route SFO): judged on the day six months (the framework's setting) after the case closed; claimable
  when every need is sustained and still holds on that day; a manager's sign-off counts only on or after closure;
- a result reached after the framework's end date cannot be claimed under it;
- an attachment closed as not eligible is never claimable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial

import numpy as np
import pandas as pd

from tfclaims.engine import kinds
from tfclaims.engine.criteria import KINDS
from tfclaims.engine.dates import DAY, add_months, words
from tfclaims.engine.kinds import SUSTAINED

NOT_ELIGIBLE = "not_eligible"

# What the kinds and the problem verdicts read of each family's judged attachment.
ROW_COLUMNS = [
    "family_id",
    "attachment_id",
    "attached_on",
    "closed_on",
    "as_of",
    "banking",
    "reopens",
    "plan_version_id",
    "plan_label",
    "framework",
    "framework_id",
]

# Which data each kind of criterion reads.
KIND_DATA = {
    "no_events": "events",
    "reduction": "events",
    "held_over_periods": "measures",
    "held_below_over_periods": "measures",
    "status_ended": "episodes",
    "manual": "evidence",
    "continuous_employment": "spells",
}


DATE_COLUMNS = {
    "attachments": ["attached_on", "closed_on"],
    "frameworks": ["starts_on", "ends_on"],
    "problems": ["evidence_date"],
    "measures": ["period_end"],
    "events": ["occurred_on"],
    "spells": ["started_on", "ended_on", "date_of_birth"],
    "episodes": ["started_on", "ended_on"],
    "evidence": ["progress_from", "decided_on"],
}


# Whole-family working: an episode of early help's first allocation (the lead practitioner), its assessment
# completed, its family plan opened and its first team around the family meeting. Required for a claim under
# these frameworks; shown (on the claim line and the auditor's worksheet) under the others.
WORKING_COLUMNS = ("family_id", "received_on", "closed_on", "lead_on", "assessed_on", "plan_on", "taf_on")
WORKING_ELEMENTS = {
    "lead_on": "a lead practitioner",
    "assessed_on": "a completed whole-family assessment",
    "plan_on": "a family plan",
    "taf_on": "a team around the family meeting",
}
WORKING_REQUIRED = frozenset({"SF2022"})

# Columns that hand-made frames may leave out, and what they mean when left out.
OPTIONAL_COLUMNS = {
    "frameworks": {
        "framework_name": None,
        "min_problems": None,
        "attachment_payment_pence": 0,
        "result_payment_pence": 0,
        "recurrence_reopens": True,
        "starts_on": pd.NaT,
        "ends_on": pd.NaT,
    },
    "problems": {"descriptor_id": np.nan, "evidence_source": None, "evidence_date": pd.NaT},
    "episodes": {"end_reason": None},
}


@dataclass
class Frames:
    """The cohort's data, one DataFrame per table (columns as loaded by ``queries.load_frames``)."""

    attachments: pd.DataFrame  # family_id, reference, team, lead_practitioner, attachment_id, attached_on,
    #                            closed_on, closure_reason, plan_version_id  (every attachment of each family)
    versions: pd.DataFrame  # plan_version_id, plan_label, framework_id
    frameworks: pd.DataFrame  # framework_id, framework, framework_name, routes, min_problems,
    #                           attachment_payment_pence, result_payment_pence, outcome_months, employment_rules,
    #                           recurrence_reopens, starts_on, ends_on  (every national setting)
    problems: pd.DataFrame  # attachment_id, family_id, problem_id, member_id, identified_after_attachment,
    #                         descriptor_id, evidence_source, evidence_date
    headline: pd.DataFrame  # problem_id, problem_number, problem_name
    criteria: pd.DataFrame  # criterion_id, plan_version_id, problem_id, position, kind, parameters, wording
    measures: pd.DataFrame  # family_id, member_id, kind, period_end, value  (one row per member and period)
    events: pd.DataFrame  # family_id, kind, occurred_on
    spells: pd.DataFrame  # family_id, member_id, date_of_birth, started_on, ended_on, hours_per_week,
    #                       prior_benefit
    episodes: pd.DataFrame  # family_id, member_id, kind, started_on, ended_on, end_reason
    evidence: pd.DataFrame  # family_id, attachment_id, problem_id, status, progress_from, decided_on,
    #                         decided_by, decision_reason
    descriptors: pd.DataFrame | None = None  # descriptor_id, descriptor_code, descriptor_wording
    # Whole-family working (the early-help pathway): one row per episode the family was worked in, with the first
    # day of each element (WORKING_COLUMNS). None: not judged (frames made by hand for other rules); the frames
    # read from the database always carry it, empty when nothing is recorded.
    working: pd.DataFrame | None = None

    def __post_init__(self):
        if self.descriptors is None:
            self.descriptors = pd.DataFrame(columns=["descriptor_id", "descriptor_code", "descriptor_wording"])
        if self.working is not None:
            self.working = self.working.copy()
            for column in WORKING_COLUMNS:
                if column != "family_id" and self.working[column].dtype != "datetime64[s]":
                    self.working[column] = pd.to_datetime(self.working[column]).astype("datetime64[s]")
        for name, defaults in OPTIONAL_COLUMNS.items():
            frame = getattr(self, name)
            missing = {column: value for column, value in defaults.items() if column not in frame.columns}
            if missing:
                setattr(self, name, frame.assign(**missing))
        # Text as Python objects, not pandas' Arrow-backed strings: the rules take, join and merge rows of these
        # columns many times, and Arrow's take is several times slower than a take of object pointers.
        for f in fields(self):
            frame = getattr(self, f.name)
            if frame is None:
                continue
            texts = [c for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
            if texts:
                setattr(self, f.name, frame.astype(dict.fromkeys(texts, object)))
        # Empty or hand-made frames lose their types; the rules expect dates as datetime64.
        for name, columns in DATE_COLUMNS.items():
            frame = getattr(self, name)
            for column in columns:
                if frame[column].dtype != "datetime64[s]":
                    frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")

    def for_families(self, family_ids) -> Frames:
        """The one-family (or few-family) slice of the same data."""
        keep = set(family_ids)
        sliced = {}
        for f in fields(self):
            frame = getattr(self, f.name)
            if frame is not None and "family_id" in frame.columns:
                frame = frame[frame["family_id"].isin(keep)]
            sliced[f.name] = frame
        return Frames(**sliced)


@dataclass
class Verdicts:
    problems: pd.DataFrame
    families: pd.DataFrame
    # Made when first read (the family page and the lists never read it): see ``eligibility``.
    _eligibility: Callable[[], pd.DataFrame] | pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def eligibility(self) -> pd.DataFrame:
        """One row per identified problem of each judged attachment, with its descriptor and evidence: what a frozen
        claim line says about eligibility (columns in ``ELIGIBILITY_COLUMNS``)."""
        if callable(self._eligibility):
            self._eligibility = self._eligibility()
        if self._eligibility is None:
            self._eligibility = pd.DataFrame(columns=ELIGIBILITY_COLUMNS)
        return self._eligibility


def employment_rules(frameworks: pd.DataFrame) -> pd.DataFrame:
    """The frameworks' continuous-employment settings as rows: framework_id, prior_benefit, weeks, ..."""
    rows = [
        {"framework_id": fw_id, "prior_benefit": benefit, **setting}
        for fw_id, rules in zip(frameworks["framework_id"], frameworks["employment_rules"], strict=True)
        for benefit, setting in (rules or {}).items()
    ]
    columns = ["framework_id", "prior_benefit", "weeks", "window_weeks", "min_hours"]
    return pd.DataFrame(rows, columns=columns)


def _criteria_columns(criteria: pd.DataFrame) -> pd.DataFrame:
    """Each criterion's parameters as columns (lists as tuples, so they can be compared and grouped)."""
    params = pd.DataFrame(list(criteria["parameters"]), index=criteria.index)
    for column in ("event_kinds", "status_kinds"):
        if column in params:
            params[column] = params[column].map(lambda v: tuple(v) if isinstance(v, list) else v)
    return criteria.drop(columns=["parameters"]).join(params)


def _family_base(frames: Frames, as_of: pd.Timestamp) -> pd.DataFrame:
    # Each family is judged on its latest attachment made on or before the as-of date.
    latest = frames.attachments[frames.attachments["attached_on"] <= as_of]
    latest = latest.sort_values(["family_id", "attached_on", "attachment_id"]).drop_duplicates("family_id", keep="last")
    fam = latest.merge(frames.versions, on="plan_version_id").merge(frames.frameworks, on="framework_id")
    fam["banking"] = ~fam["routes"].str.contains("SFO")
    # Under 2015-21, a recurrence after a problem was sustained reopens it, when the framework says so.
    fam["reopens"] = fam["banking"] & fam["recurrence_reopens"].fillna(True).astype(bool)
    judged_on = add_months(fam["closed_on"], fam["outcome_months"].fillna(0).astype(int))
    fam["judged_on"] = judged_on.where(~fam["banking"])
    # Data after the as-of date is ignored; a family outcome is judged on its own day once that has come.
    fam["as_of"] = fam["judged_on"].where(fam["judged_on"] <= as_of, as_of).fillna(as_of).astype("datetime64[s]")
    return fam


def evaluate(frames: Frames, as_of) -> Verdicts:
    """Judge every family in ``frames`` as of a date: a verdict per problem and per family."""
    as_of = pd.Timestamp(as_of)
    fam = _family_base(frames, as_of)
    # The problems of the attachments judged, one row each with what the kinds read of the family.
    identified = frames.problems[frames.problems["attachment_id"].isin(fam["attachment_id"])]
    by_problem = identified.groupby(["attachment_id", "problem_id"])
    pairs = (
        pd.DataFrame(
            {"members": by_problem["member_id"].nunique(), "after": by_problem["identified_after_attachment"].max()}
        )
        .reset_index()
        .merge(fam[ROW_COLUMNS], on="attachment_id")
        .merge(frames.headline, on="problem_id")
    )
    crit = _criteria_columns(frames.criteria)
    rows = pairs.merge(crit, on=["plan_version_id", "problem_id"], how="left")
    rows["row"] = np.arange(len(rows))
    rules = employment_rules(frames.frameworks)

    # Continuous employment is judged once per family: as a route (2015-21) and for criteria that use it.
    family_rows = fam[["family_id", "attachment_id", "attached_on", "as_of", "banking", "framework_id"]]
    family_rows = family_rows.assign(row=np.arange(len(family_rows)), problem_id=0)
    employment = kinds.continuous_employment(family_rows, frames.spells, rules)
    employment = employment.set_axis(family_rows["family_id"].to_numpy())
    adults = employment.pop("adult_member_id")

    judged = []
    data = {
        "events": frames.events,
        "measures": frames.measures,
        "episodes": frames.episodes,
        "evidence": frames.evidence,
    }
    for kind, subset in rows.groupby("kind", sort=False):
        source = KIND_DATA[kind]
        subset = subset.copy()
        for parameter in KINDS[kind].parameters:
            if parameter.type == "int":
                subset[parameter.name] = subset[parameter.name].astype("int64")
        if kind == "continuous_employment":
            judged.append(employment.loc[subset["family_id"]].set_axis(pd.Index(subset["row"], name="row")))
        elif source == "measures":
            judged.append(getattr(kinds, kind)(subset, frames.measures, frames.problems))
        else:
            judged.append(getattr(kinds, kind)(subset, data[source]))
    missing = rows[rows["kind"].isna()]
    if not missing.empty:
        none = kinds.no_verdicts(missing)
        none["reason"] = "The plan version has no success criterion for this problem."
        judged.append(none)
    verdict = pd.concat(judged) if judged else kinds.no_verdicts(rows)
    verdict["reason"] = kinds.with_recurrence(verdict)
    rows = rows.join(verdict, on="row")
    del judged, verdict, pairs, data  # a cohort's worth each: let them go before the families are judged
    problems = _best_criterion(rows)
    del rows
    families = _families(fam, problems, employment, adults, _settings(frames.frameworks), frames.working)
    return Verdicts(problems, families, partial(_eligibility, frames, identified))


def _settings(frameworks: pd.DataFrame) -> pd.Series:
    """Per framework id, the national settings a verdict was judged under, as JSON-safe values (dates as ISO
    text): what a claim line freezes. One dict per framework, shared by its families' rows: read, never change."""

    def plain(value):
        if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        return value.item() if hasattr(value, "item") else value

    def whole(value):
        """A count or an amount in pence: a whole number (a column with a missing value holds floats)."""
        value = plain(value)
        return int(value) if value is not None else None

    settings = {}
    for fw in frameworks.to_dict("records"):
        settings[fw["framework_id"]] = {
            "framework": fw["framework"],
            "min_problems": whole(fw["min_problems"]),
            "attachment_payment_pence": whole(fw["attachment_payment_pence"]),
            "result_payment_pence": whole(fw["result_payment_pence"]),
            "outcome_months": whole(fw["outcome_months"]),
            "employment_rules": {
                benefit: {k: plain(v) for k, v in rule.items()}
                for benefit, rule in (fw["employment_rules"] or {}).items()
            },
            "recurrence_reopens": bool(
                plain(fw["recurrence_reopens"]) if plain(fw["recurrence_reopens"]) is not None else True
            ),
            "starts_on": plain(fw["starts_on"]),
            "ends_on": plain(fw["ends_on"]),
        }
    return pd.Series(settings, dtype=object)


ELIGIBILITY_COLUMNS = [
    "family_id",
    "attachment_id",
    "problem_id",
    "problem_number",
    "problem_name",
    "descriptor_code",
    "descriptor_wording",
    "evidence_source",
    "evidence_date",
]


def _eligibility(frames: Frames, identified: pd.DataFrame) -> pd.DataFrame:
    """Every identified problem of each judged attachment (``identified``), with its descriptor and evidence."""
    found = identified.merge(frames.headline, on="problem_id").merge(frames.descriptors, on="descriptor_id", how="left")
    found = found.sort_values(["family_id", "problem_number", "evidence_date"], kind="stable")
    return _dates_in_seconds(found[ELIGIBILITY_COLUMNS].reset_index(drop=True))


def _best_criterion(rows: pd.DataFrame) -> pd.DataFrame:
    """Meeting any one criterion is enough: keep, per problem, the earliest sustained, else the most advanced."""
    rows = rows.assign(
        rank=pd.Categorical(rows["status"], categories=kinds.STATUS_ORDER).codes,
        sort_date=rows["sustained_on"].fillna(rows["expected_on"]),
    )
    # Only problems with several criteria need choosing between them.
    several = rows.duplicated(["family_id", "problem_id"], keep=False)
    if several.any():
        chosen = rows[several].sort_values(["rank", "sort_date", "position"], na_position="last")
        chosen = chosen.drop_duplicates(["family_id", "problem_id"])
        rows = pd.concat([rows[~several], chosen])
    best = rows.sort_values(["family_id", "problem_number"])
    best["status_label"] = best["status"].map(kinds.STATUSES)
    columns = [
        "family_id",
        "attachment_id",
        "problem_id",
        "problem_number",
        "problem_name",
        "members",
        "after",
        "criterion_id",
        "kind",
        "wording",
        "plan_version_id",
        "plan_label",
        "framework",
        "status",
        "status_label",
        "status_on",
        "sustained_on",
        "expected_on",
        "recurred_on",
        "reason",
        "evidence",
        "event_kinds",
    ]
    # The criterion's kinds of event (empty for kinds without them): the claim line names its outcome source.
    kinds_of_event = best["event_kinds"] if "event_kinds" in best else pd.Series(np.nan, index=best.index, dtype=object)
    best["event_kinds"] = _tuples(kinds_of_event)
    best = best[columns].rename(columns={"after": "identified_after_attachment"})
    return _dates_in_seconds(best.reset_index(drop=True))


def _tuples(values: pd.Series) -> pd.Series:
    """Tuples as they are; missing values (a kind without the parameter) as the empty tuple."""
    out = values.to_numpy(dtype=object, copy=True)
    empty = np.flatnonzero(pd.isna(values).to_numpy())
    filler = np.empty(len(empty), dtype=object)
    filler.fill(())
    out[empty] = filler
    return pd.Series(out, index=values.index, dtype=object)


def _dates_in_seconds(frame: pd.DataFrame) -> pd.DataFrame:
    """One date type in every output, whichever path a column came by."""
    for column, dtype in frame.dtypes.items():
        if dtype.kind == "M" and dtype != "datetime64[s]":
            frame[column] = frame[column].astype("datetime64[s]")
    return frame


def _whole_family_working(f: pd.DataFrame, working: pd.DataFrame) -> pd.DataFrame:
    """Per family row of ``f``: the first day of each element of whole-family working (``WORKING_ELEMENTS``), from
    the episodes of early help received on or before its as-of date and not closed before its attachment date,
    counting only what is dated on or before the as-of date."""
    w = working.merge(f[["family_id", "attached_on", "as_of"]], on="family_id")
    w = w[(w["received_on"] <= w["as_of"]) & (w["closed_on"].isna() | (w["closed_on"] >= w["attached_on"]))]
    days = pd.DataFrame({e: w[e].where(w[e] <= w["as_of"]) for e in WORKING_ELEMENTS}).assign(family_id=w["family_id"])
    first = days.groupby("family_id").min()
    return first.reindex(f["family_id"]).set_axis(f.index).astype("datetime64[s]")


def _families(
    fam: pd.DataFrame, problems: pd.DataFrame, employment: pd.DataFrame, adults: pd.Series, settings: pd.Series,
    working: pd.DataFrame | None = None,
) -> pd.DataFrame:
    p = problems.assign(
        is_sustained=problems["status"] == SUSTAINED,
        forecast=problems["sustained_on"].fillna(problems["expected_on"]),
    )
    by_family = p.groupby("family_id")  # one grouping, several reductions (cheaper than a named aggregation)
    agg = pd.DataFrame(
        {
            "problems": by_family.size(),
            "problems_sustained": by_family["is_sustained"].sum(),
            "last_sustained": by_family["sustained_on"].max(),
            "last_forecast": by_family["forecast"].max(),
            "forecast_known": by_family["forecast"].count(),
        }
    )
    f = fam.join(agg, on="family_id")
    f["problems"] = f["problems"].fillna(0).astype(int)
    f["problems_sustained"] = f["problems_sustained"].fillna(0).astype(int)
    all_sustained = (f["problems"] > 0) & (f["problems_sustained"] == f["problems"])
    all_forecast = (f["problems"] > 0) & (f["forecast_known"] == f["problems"])
    as_of = f["as_of"]

    # Significant and sustained progress, or a successful family outcome: every problem sustained.
    ssp_on = f["last_sustained"].where(all_sustained)
    ssp_expected = f["last_forecast"].where(all_forecast & ~all_sustained)

    # Continuous employment of an adult, as a route of its own where the framework has it.
    ce_route = f["routes"].str.contains("CE")
    ce_on = employment["sustained_on"].reindex(f["family_id"]).set_axis(f.index)
    ce_expected = employment["expected_on"].reindex(f["family_id"]).set_axis(f.index)

    sfo = ~f["banking"]
    sfo_ready = sfo & f["judged_on"].notna() & (f["judged_on"] <= f["as_of"]) & all_sustained
    sfo_on = f["judged_on"].where(sfo_ready)
    sfo_expected = f["judged_on"].where(sfo & f["judged_on"].notna() & (f["judged_on"] > f["as_of"]))
    sfo_expected = np.maximum(sfo_expected, f["last_forecast"]).where(sfo_expected.notna() & all_forecast)

    invalid = f["closure_reason"] == NOT_ELIGIBLE
    # A result reached after the framework's end date cannot be claimed under it.
    ends_on = f["ends_on"]

    def in_period(dates: pd.Series) -> pd.Series:
        return dates.where(ends_on.isna() | (dates <= ends_on))

    ssp_all = ssp_on.where(f["banking"] & ~invalid)
    ce_all = ce_on.where(ce_route & ~invalid)
    sfo_all = sfo_on.where(~invalid)
    ssp_now, ce_now, sfo_now = in_period(ssp_all), in_period(ce_all), in_period(sfo_all)
    use_ce = ce_now.notna() & (ssp_now.isna() | (ce_now < ssp_now))
    route = np.select([sfo_now.notna(), use_ce, ssp_now.notna()], ["SFO", "CE", "SSP"], "")
    f["route"] = pd.Series(route, index=f.index, dtype=object)
    f["claimable"] = f["route"] != ""
    # The adult whose continuous employment is the result, on the CE route.
    f["ce_member_id"] = adults.reindex(f["family_id"]).set_axis(f.index).where(f["route"] == "CE").astype("Int64")
    claimable_on = sfo_now.where(f["route"] == "SFO", ce_now.where(f["route"] == "CE", ssp_now))
    reached_late = pd.concat([ssp_all, ce_all, sfo_all], axis=1).min(axis=1).where(~f["claimable"])
    next_day = as_of + DAY
    forecast_all = pd.concat([ssp_expected.where(f["banking"]), ce_expected.where(ce_route), sfo_expected], axis=1).min(
        axis=1
    )
    forecast_all = forecast_all.where(~invalid & reached_late.isna())
    forecast_all = forecast_all.where(forecast_all.isna() | (forecast_all > as_of), next_day)
    forecast = in_period(forecast_all)
    expected_late = forecast_all.where(forecast.isna())
    f["claimable_on"] = claimable_on.where(f["claimable"], forecast).astype("datetime64[s]")
    f["expected_route"] = pd.Series(
        np.select(
            [f["claimable"], sfo & forecast.notna(), forecast.notna() & (forecast == ce_expected)],
            [f["route"], "SFO", "CE"],
            np.where(forecast.notna(), "SSP", ""),
        ),
        index=f.index,
        dtype=object,
    )

    # What blocks a family that is not claimable, in plain English.
    open_rows = ~p["is_sustained"].to_numpy(dtype=bool)
    lower = {code: label.lower() for code, label in kinds.STATUSES.items()}
    texts = _texts((p["problem_name"], " (", p["status"].map(lower), ")"), open_rows)
    blocking = _joined(p["family_id"].to_numpy()[open_rows], texts, "; ")
    blockers = f["family_id"].map(blocking).astype(object)
    blockers = blockers.where(blockers.notna(), "").astype(object)
    no_problems = f["problems"] == 0
    case_open = sfo & f["closed_on"].isna()
    waiting = sfo & f["judged_on"].notna() & (f["judged_on"] > f["as_of"])
    judged_late = waiting & ends_on.notna() & (f["judged_on"] > ends_on)
    late = reached_late.notna() | judged_late | expected_late.notna()
    if late.any():  # rare: the words are written only when a family needs them
        name = f["framework_name"].astype(object).where(f["framework_name"].notna(), "the framework")
        ended = _text_series("the end of ", name, " on ", words(ends_on))
    else:
        ended = ""
    judged_words = words(f["judged_on"])
    case_open_text = "The case is open: a successful family outcome is judged six months after closure."
    f["blockers"] = _select_text(
        f.index,
        [
            (f["claimable"], ""),
            (invalid, "The attachment was closed as not eligible."),
            (no_problems, "No problems identified in the attachment."),
            (
                reached_late.notna(),
                (
                    "The result was reached on ",
                    words(reached_late),
                    ", after ",
                    ended,
                    ": it cannot be claimed under it.",
                ),
            ),
            (case_open & (blockers != ""), (case_open_text + " Not yet sustained: ", blockers, ".")),
            (case_open, case_open_text),
            (judged_late, ("Judged on ", judged_words, ", after ", ended, ": it cannot be claimed under it.")),
            (waiting & (blockers == ""), ("Judged on ", judged_words, ", six months after the case closed.")),
            (waiting, ("Judged on ", judged_words, ". Not yet sustained: ", blockers, ".")),
            (
                expected_late.notna(),
                (
                    "Not yet sustained: ",
                    blockers,
                    ". Expected on ",
                    words(expected_late),
                    ", after ",
                    ended,
                    ": too late to be claimed under it.",
                ),
            ),
        ],
        ("Not yet sustained: ", blockers, "."),
    )
    # Whole-family working: where the framework requires it, a family without every element is not claimable, and
    # has no date it is expected to be (that depends on records still to be made); the blockers say what is missing.
    if working is not None:
        elements = _whole_family_working(f, working)
        for element in WORKING_ELEMENTS:
            f[f"working_{element}"] = elements[element]
        f["whole_family_working"] = elements.notna().all(axis=1)
        missing = elements.isna().to_numpy()
        short = f["framework"].isin(WORKING_REQUIRED) & ~f["whole_family_working"]
        if short.any():
            names = np.array(list(WORKING_ELEMENTS.values()), dtype=object)
            lacking = pd.Series([_listed(names[row]) if row.any() else "" for row in missing], index=f.index,
                                dtype=object)
            text = _text_series("Whole-family working is not evidenced: no record of ", lacking, ".")
            f["blockers"] = f["blockers"].where(~short, text.where(f["blockers"] == "", f["blockers"] + " " + text))
            lost = short & f["claimable"]
            f.loc[lost, "claimable_on"] = pd.NaT
            f.loc[lost, "route"] = ""
            f.loc[lost, "expected_route"] = ""
            f.loc[lost, "ce_member_id"] = pd.NA
            f["claimable"] = f["claimable"] & ~short
    else:
        for element in WORKING_ELEMENTS:
            f[f"working_{element}"] = pd.Series(pd.NaT, index=f.index, dtype="datetime64[s]")
        f["whole_family_working"] = False
    f["reason"] = _family_reason(f)
    f["settings"] = settings.reindex(f["framework_id"]).to_numpy()
    columns = [
        "family_id",
        "reference",
        "team",
        "lead_practitioner",
        "attachment_id",
        "attached_on",
        "closed_on",
        "closure_reason",
        "framework",
        "plan_version_id",
        "plan_label",
        "claimable",
        "route",
        "claimable_on",
        "ce_member_id",
        "expected_route",
        "problems",
        "problems_sustained",
        "blockers",
        "reason",
        "settings",
        "whole_family_working",
        *(f"working_{element}" for element in WORKING_ELEMENTS),
    ]
    return _dates_in_seconds(f[columns].sort_values("reference").reset_index(drop=True))


def _listed(items) -> str:
    """'a, b or c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _text_series(*parts) -> pd.Series:
    """Series of text and plain strings joined element-wise, as Python objects."""
    index = next(p.index for p in parts if isinstance(p, pd.Series))
    return pd.Series(_texts(parts), index=index, dtype=object)


def _texts(parts, where: np.ndarray | None = None) -> np.ndarray:
    """Text and plain strings joined element-wise, for the rows ``where`` is true (all when None)."""
    lengths = [len(p) for p in parts if not isinstance(p, str)]
    if not lengths:  # plain strings only: one text for every row
        return "".join(parts)
    return kinds.joined(parts, lengths[0], where)


def _select_text(index: pd.Index, cases: list, default) -> pd.Series:
    """Like ``np.select`` over texts, each built only for the rows that take it (``kinds.choose``): building every
    text for every family, then choosing, holds a cohort's worth of strings per case at once."""
    return kinds.choose(index, cases, default)


def _joined(keys: np.ndarray, texts, separator: str) -> pd.Series:
    """The texts of each key joined with a separator, in one pass (no Python call per group), indexed by key."""
    if len(keys) == 0:
        return pd.Series(dtype=object)
    order = np.argsort(keys, kind="stable")
    keys, texts = keys[order], np.asarray(texts, dtype=object)[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)] - 1
    pieces = texts + separator
    pieces[ends] = texts[ends]
    return pd.Series(np.add.reduceat(pieces, starts), index=keys[starts])


def _family_reason(f: pd.DataFrame) -> pd.Series:
    on = words(f["claimable_on"])
    # Numbers as text through Python objects: pandas' own string type is slow to build and join.
    problems = pd.Series(f["problems"].to_numpy().astype(str).astype(object), index=f.index)
    sustained = pd.Series(f["problems_sustained"].to_numpy().astype(str).astype(object), index=f.index)
    counts = _text_series(sustained, " of ", problems)
    return _select_text(
        f.index,
        [
            (
                f["route"] == "SSP",
                ("Claimable from ", on, ": significant and sustained progress on every problem (", problems, ")."),
            ),
            (
                f["route"] == "CE",
                ("Claimable from ", on, ": an adult who was on an out-of-work benefit reached continuous employment."),
            ),
            (f["route"] == "SFO", ("Claimable from ", on, ": every need still met six months after the case closed.")),
            (
                f["claimable_on"].notna(),
                ("Not claimable yet (", counts, " sustained); expected from ", on, " if progress holds."),
            ),
        ],
        ("Not claimable yet (", counts, " sustained). ", f["blockers"].astype(object)),
    )
