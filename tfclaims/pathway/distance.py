"""Distance travelled, pure: outcome scores (1 to 10 per area of the council's outcome scale) turned into the
change per member, area and family, and the service's summary. No database.

The choices, written out:
- A member's change in an area is their latest score minus their first (by day), in the same episode; a member
  scored once in an area has no change yet.
- A family's change in an area is the mean of its members' changes there (the members measured twice).
- A family **improved** in an area when that mean is above 0, **stayed the same** at 0, **worsened** below 0.
- The service's summary counts families per area, each family's latest episode with a change in that area.
"""

from __future__ import annotations

import pandas as pd

SCORE_COLUMNS = ("request_id", "family_id", "member_id", "area_id", "occasion", "scored_on", "score")


def member_changes(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per episode, member and area: first and latest score with their days, ``change`` (NaN when scored
    once) and ``times`` (how many scores)."""
    if scores.empty:
        return pd.DataFrame(columns=["request_id", "family_id", "member_id", "area_id", "first", "first_on",
                                     "latest", "latest_on", "times", "change"])
    ordered = scores.sort_values(["request_id", "member_id", "area_id", "scored_on"], kind="stable")
    grouped = ordered.groupby(["request_id", "family_id", "member_id", "area_id"], sort=False)
    result = pd.DataFrame({
        "first": grouped["score"].first(),
        "first_on": grouped["scored_on"].first(),
        "latest": grouped["score"].last(),
        "latest_on": grouped["scored_on"].last(),
        "times": grouped["score"].size(),
    }).reset_index()
    result["change"] = (result["latest"] - result["first"]).where(result["times"] > 1)
    return result


def family_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """One row per episode and area with a change: the family's mean change and how many members it covers."""
    measured = changes.dropna(subset=["change"])
    if measured.empty:
        return pd.DataFrame(columns=["request_id", "family_id", "area_id", "change", "members"])
    grouped = measured.groupby(["request_id", "family_id", "area_id"], sort=False)["change"]
    return pd.DataFrame({"change": grouped.mean(), "members": grouped.size()}).reset_index()


def service_summary(scores: pd.DataFrame, received: pd.DataFrame) -> pd.DataFrame:
    """Per area: families measured, improved, the same, worse, and the mean change. ``received`` gives each
    request's ``received_at`` (to find each family's latest episode with a change)."""
    families = family_changes(member_changes(scores))
    columns = ["area_id", "families", "improved", "same", "worse", "mean_change"]
    if families.empty:
        return pd.DataFrame(columns=columns)
    families = families.merge(received[["request_id", "received_at"]], on="request_id", how="left")
    latest = (families.sort_values(["family_id", "area_id", "received_at", "request_id"], kind="stable")
              .drop_duplicates(["family_id", "area_id"], keep="last"))
    area, change = latest["area_id"], latest["change"]
    summary = pd.DataFrame({
        "families": change.groupby(area).size(),
        "improved": (change > 0).groupby(area).sum(),
        "same": (change == 0).groupby(area).sum(),
        "worse": (change < 0).groupby(area).sum(),
        "mean_change": change.groupby(area).mean().round(1),
    }).reset_index()
    return summary[columns]
