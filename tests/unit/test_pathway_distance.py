"""Distance travelled from outcome scores, against hand-counted figures."""

from __future__ import annotations

import pandas as pd

from tfclaims.pathway import distance


def scores(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(distance.SCORE_COLUMNS))
    frame["scored_on"] = pd.to_datetime(frame["scored_on"]).astype("datetime64[s]")
    return frame


# request, family, member, area, occasion, day, score
ROWS = [
    (1, 10, 100, 1, "assessment", "2024-01-10", 3),
    (1, 10, 100, 1, "review", "2024-03-01", 5),
    (1, 10, 100, 1, "closure", "2024-06-01", 8),   # lead: 3 -> 8, +5
    (1, 10, 101, 1, "assessment", "2024-01-10", 6),
    (1, 10, 101, 1, "closure", "2024-06-01", 5),   # child: 6 -> 5, -1; family mean +2
    (1, 10, 100, 2, "assessment", "2024-01-10", 4),  # scored once: no change
    (2, 20, 200, 1, "closure", "2024-05-01", 2),   # out of order in the file: first by day is 4
    (2, 20, 200, 1, "assessment", "2024-02-01", 4),  # 4 -> 2: worse
    (3, 30, 300, 1, "assessment", "2023-01-01", 5),
    (3, 30, 300, 1, "review", "2023-03-01", 5),   # an earlier episode of family 30: the same
    (4, 30, 300, 1, "assessment", "2024-04-01", 2),
    (4, 30, 300, 1, "review", "2024-07-01", 6),   # its latest episode: +4
]
RECEIVED = pd.DataFrame({"request_id": [1, 2, 3, 4],
                         "received_at": pd.to_datetime(["2024-01-02", "2024-01-20", "2022-12-01", "2024-03-20"])})


def test_member_changes_are_latest_minus_first_by_day():
    changes = distance.member_changes(scores(ROWS)).set_index(["request_id", "member_id", "area_id"])
    assert changes.loc[(1, 100, 1), "change"] == 5 and changes.loc[(1, 100, 1), "times"] == 3
    assert changes.loc[(1, 101, 1), "change"] == -1
    assert pd.isna(changes.loc[(1, 100, 2), "change"])
    assert changes.loc[(2, 200, 1), "first"] == 4 and changes.loc[(2, 200, 1), "change"] == -2


def test_family_change_is_the_mean_of_its_members():
    families = distance.family_changes(distance.member_changes(scores(ROWS))).set_index(["request_id", "area_id"])
    assert families.loc[(1, 1), "change"] == 2 and families.loc[(1, 1), "members"] == 2
    assert (1, 2) not in families.index  # nobody scored twice there


def test_the_service_counts_each_family_once_per_area_in_its_latest_episode():
    summary = distance.service_summary(scores(ROWS), RECEIVED).set_index("area_id")
    assert summary.loc[1].to_dict() == {"families": 3, "improved": 2, "same": 0, "worse": 1, "mean_change": 1.3}
    assert 2 not in summary.index


def test_no_scores():
    assert distance.service_summary(scores([]), RECEIVED).empty
