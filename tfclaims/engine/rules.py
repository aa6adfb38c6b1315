"""The claim-eligibility rule engine: pure functions from the cohort's data (DataFrames) and a date to verdicts.

``evaluate(frames, as_of)`` judges every family in ``frames`` at once; the family page calls it on a one-family
slice of the same data. Nothing here touches the database.

The rules (domain.md sections 3 and 4):
- each family is judged on its latest attachment, under the plan version the attachment was made under;
- each headline problem identified in that attachment (after attachment too) is judged by the plan version's
  success criteria for it; meeting any one criterion is enough;
- 2015-21 (routes SSP and CE): claimable when every problem is sustained (significant and sustained progress),
  or when an adult who was on an out-of-work benefit reaches continuous employment; one result, by the route
  reached first (SSP on a tie). A problem once sustained stays sustained;
- 2022-25 (route SFO): judged on the day six months (the framework's setting) after the case closed; claimable
  when every need is sustained and still holds on that day;
- an attachment closed as not eligible is never claimable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from tfclaims.engine import kinds
from tfclaims.engine.criteria import KINDS
from tfclaims.engine.dates import DAY, add_months, words
from tfclaims.engine.kinds import SUSTAINED

NOT_ELIGIBLE = "not_eligible"

# Which data each kind of criterion reads.
KIND_DATA = {
    "no_events": "events",
    "reduction": "events",
    "held_over_periods": "measures",
    "status_ended": "episodes",
    "manual": "evidence",
    "continuous_employment": "spells",
}


DATE_COLUMNS = {
    "attachments": ["attached_on", "closed_on"],
    "measures": ["period_end"],
    "events": ["occurred_on"],
    "spells": ["started_on", "ended_on", "date_of_birth"],
    "episodes": ["started_on", "ended_on"],
    "evidence": ["progress_from", "decided_on"],
}


@dataclass
class Frames:
    """The cohort's data, one DataFrame per table (columns as loaded by ``queries.load_frames``)."""

    attachments: pd.DataFrame  # family_id, reference, team, lead_practitioner, attachment_id, attached_on,
    #                            closed_on, closure_reason, plan_version_id  (every attachment of each family)
    versions: pd.DataFrame  # plan_version_id, plan_label, framework_id
    frameworks: pd.DataFrame  # framework_id, framework, routes, outcome_months, employment_rules
    problems: pd.DataFrame  # attachment_id, family_id, problem_id, member_id, identified_after_attachment
    headline: pd.DataFrame  # problem_id, problem_number, problem_name
    criteria: pd.DataFrame  # criterion_id, plan_version_id, problem_id, position, kind, parameters, wording
    measures: pd.DataFrame  # family_id, kind, period_end, low (the lowest value of any member), members
    events: pd.DataFrame  # family_id, kind, occurred_on
    spells: pd.DataFrame  # family_id, member_id, date_of_birth, started_on, ended_on, hours_per_week,
    #                       prior_benefit
    episodes: pd.DataFrame  # family_id, member_id, kind, started_on, ended_on
    evidence: pd.DataFrame  # family_id, attachment_id, problem_id, status, progress_from, decided_on,
    #                         decided_by, decision_reason

    def __post_init__(self):
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
            sliced[f.name] = frame[frame["family_id"].isin(keep)] if "family_id" in frame.columns else frame
        return Frames(**sliced)


@dataclass
class Verdicts:
    problems: pd.DataFrame
    families: pd.DataFrame


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
    judged_on = add_months(fam["closed_on"], fam["outcome_months"].fillna(0).astype(int))
    fam["judged_on"] = judged_on.where(~fam["banking"])
    # Data after the as-of date is ignored; a family outcome is judged on its own day once that has come.
    fam["as_of"] = fam["judged_on"].where(fam["judged_on"] <= as_of, as_of).fillna(as_of).astype("datetime64[s]")
    return fam


def evaluate(frames: Frames, as_of) -> Verdicts:
    """Judge every family in ``frames`` as of a date: a verdict per problem and per family."""
    as_of = pd.Timestamp(as_of)
    fam = _family_base(frames, as_of)
    pairs = (
        frames.problems.groupby(["attachment_id", "problem_id"], as_index=False)
        .agg(members=("member_id", "nunique"), after=("identified_after_attachment", "max"))
        .merge(fam, on="attachment_id")
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
        else:
            judged.append(getattr(kinds, kind)(subset, data[source]))
    missing = rows[rows["kind"].isna()]
    if not missing.empty:
        none = kinds.no_verdicts(missing)
        none["reason"] = "The plan version has no success criterion for this problem."
        judged.append(none)
    verdict = pd.concat(judged) if judged else kinds.no_verdicts(rows)
    rows = rows.join(verdict, on="row")
    problems = _best_criterion(rows)
    families = _families(fam, problems, employment, adults)
    return Verdicts(problems=problems, families=families)


def _best_criterion(rows: pd.DataFrame) -> pd.DataFrame:
    """Meeting any one criterion is enough: keep, per problem, the earliest sustained, else the most advanced."""
    rows = rows.assign(
        rank=pd.Categorical(rows["status"], categories=kinds.STATUS_ORDER).codes,
        sort_date=rows["sustained_on"].fillna(rows["expected_on"]),
    )
    # Only problems with several criteria need choosing between them.
    several = rows.duplicated(["family_id", "problem_id"], keep=False)
    chosen = rows[several].sort_values(["rank", "sort_date", "position"], na_position="last")
    chosen = chosen.drop_duplicates(["family_id", "problem_id"])
    best = pd.concat([rows[~several], chosen]).sort_values(["family_id", "problem_number"])
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
        "reason",
        "evidence",
    ]
    best = best[columns].rename(columns={"after": "identified_after_attachment"})
    return _dates_in_seconds(best.reset_index(drop=True))


def _dates_in_seconds(frame: pd.DataFrame) -> pd.DataFrame:
    """One date type in every output, whichever path a column came by."""
    for column in frame.columns:
        if str(frame[column].dtype).startswith("datetime64"):
            frame[column] = frame[column].astype("datetime64[s]")
    return frame


def _families(fam: pd.DataFrame, problems: pd.DataFrame, employment: pd.DataFrame, adults: pd.Series) -> pd.DataFrame:
    p = problems.assign(
        is_sustained=problems["status"] == SUSTAINED,
        forecast=problems["sustained_on"].fillna(problems["expected_on"]),
    )
    agg = p.groupby("family_id").agg(
        problems=("problem_id", "size"),
        problems_sustained=("is_sustained", "sum"),
        last_sustained=("sustained_on", "max"),
        last_forecast=("forecast", "max"),
        forecast_known=("forecast", "count"),
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
    ssp_now = ssp_on.where(f["banking"] & ~invalid)
    ce_now = ce_on.where(ce_route & ~invalid)
    sfo_now = sfo_on.where(~invalid)
    use_ce = ce_now.notna() & (ssp_now.isna() | (ce_now < ssp_now))
    route = np.select([sfo_now.notna(), use_ce, ssp_now.notna()], ["SFO", "CE", "SSP"], "")
    f["route"] = route
    f["claimable"] = f["route"] != ""
    # The adult whose continuous employment is the result, on the CE route.
    f["ce_member_id"] = adults.reindex(f["family_id"]).set_axis(f.index).where(f["route"] == "CE").astype("Int64")
    claimable_on = sfo_now.where(f["route"] == "SFO", ce_now.where(f["route"] == "CE", ssp_now))
    next_day = as_of + DAY
    forecast = pd.concat([ssp_expected.where(f["banking"]), ce_expected.where(ce_route), sfo_expected], axis=1).min(
        axis=1
    )
    forecast = forecast.where(~invalid)
    forecast = forecast.where(forecast.isna() | (forecast > as_of), next_day)
    f["claimable_on"] = claimable_on.where(f["claimable"], forecast).astype("datetime64[s]")
    f["expected_route"] = np.select(
        [f["claimable"], sfo & forecast.notna(), forecast.notna() & (forecast == ce_expected)],
        [f["route"], "SFO", "CE"],
        np.where(forecast.notna(), "SSP", ""),
    )

    # What blocks a family that is not claimable, in plain English.
    open_problems = p[~p["is_sustained"]].assign(
        text=lambda d: d["problem_name"] + " (" + d["status_label"].str.lower() + ")"
    )
    blocking = _joined(open_problems, "family_id", "text", "; ")
    blockers = f["family_id"].map(blocking).astype(object).where(lambda b: b.notna(), "").astype(str)
    no_problems = f["problems"] == 0
    case_open = sfo & f["closed_on"].isna()
    waiting = sfo & f["judged_on"].notna() & (f["judged_on"] > f["as_of"])
    f["blockers"] = np.select(
        [f["claimable"], invalid, no_problems, case_open, waiting & (blockers == ""), waiting],
        [
            "",
            "The attachment was closed as not eligible.",
            "No problems identified in the attachment.",
            _join("The case is open: a successful family outcome is judged six months after closure. ", blockers),
            "Judged on " + words(f["judged_on"]) + ", six months after the case closed.",
            "Judged on " + words(f["judged_on"]) + ". Not yet sustained: " + blockers + ".",
        ],
        "Not yet sustained: " + blockers + ".",
    )
    f["reason"] = _family_reason(f)
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
    ]
    return _dates_in_seconds(f[columns].sort_values("reference").reset_index(drop=True))


def _joined(frame: pd.DataFrame, key: str, column: str, separator: str) -> pd.Series:
    """The texts of each key joined with a separator, in one pass (no Python call per group)."""
    frame = frame.sort_values(key, kind="stable")
    if frame.empty:
        return pd.Series(dtype=object)
    keys = frame[key].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)] - 1
    texts = frame[column].to_numpy(dtype=object)
    pieces = texts + separator
    pieces[ends] = texts[ends]
    return pd.Series(np.add.reduceat(pieces, starts), index=keys[starts])


def _join(prefix: str, blockers: pd.Series) -> pd.Series:
    return np.where(blockers != "", prefix + "Not yet sustained: " + blockers + ".", prefix.strip())


def _family_reason(f: pd.DataFrame) -> pd.Series:
    on = words(f["claimable_on"])
    counts = f["problems_sustained"].astype(str) + " of " + f["problems"].astype(str)
    return pd.Series(
        np.select(
            [
                f["route"] == "SSP",
                f["route"] == "CE",
                f["route"] == "SFO",
                f["claimable_on"].notna(),
            ],
            [
                "Claimable from "
                + on
                + ": significant and sustained progress on every problem ("
                + f["problems"].astype(str)
                + ").",
                "Claimable from " + on + ": an adult who was on an out-of-work benefit reached continuous employment.",
                "Claimable from " + on + ": every need still met six months after the case closed.",
                "Not claimable yet (" + counts + " sustained); expected from " + on + " if progress holds.",
            ],
            "Not claimable yet (" + counts + " sustained). " + f["blockers"],
        ),
        index=f.index,
    )
