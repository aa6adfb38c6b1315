"""The forecast formulas, worked by hand: rounding up, no further attachments when the cohort is big enough, a
deadline already passed, a rate of zero refused, progress as a whole percentage, scenarios, the paragraph, and the
observed conversion and time-to-claim curve on a small cohort."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tfclaims.forecasts import rules

AS_OF = date(2026, 4, 1)


def make(**overrides) -> rules.Forecast:
    args = dict(
        as_of=AS_OF, target=300, claimed=0, rate_percent=40, rate_source=rules.ASSUMED, tracked=600,
        attachment_deadline=date(2026, 9, 30), claim_deadline=date(2027, 3, 31),
    )
    return rules.forecast(**(args | overrides))


def test_the_domain_example():
    """300 claims at 40% need 750 families; 600 tracked leaves 150; 1 April to 30 September is 183 days."""
    f = make()
    assert (f.still_needed, f.required_cohort, f.further, f.days_left) == (300, 750, 150, 183)
    # 150 / (183 / 30.4375) = 24.95 -> 25 a month; 150 / (183 / 7) = 5.74 -> 6 a week
    assert (f.per_month, f.per_week) == (25, 6)
    assert f.paragraph == (
        "The target of 300 results, assuming a 40% conversion rate, would require an attached cohort of around 750 "
        "families. We are currently tracking 600 families, which means a further minimum of 150 attachments is "
        "required: 25 per month (or around 6 per week) between now and 30 September 2026, to allow outcomes to be "
        "tracked and claims submitted by 31 March 2027."
    )


@pytest.mark.parametrize(
    "target, claimed, rate, required",
    [
        (300, 0, 40, 750),  # exact: no rounding up of 750.0000001
        (100, 0, 30, 334),  # 333.33 -> 334
        (100, 1, 30, 330),  # 99 / 0.3 = 330 exactly
        (10, 0, 33.3, 31),  # 30.03 -> 31
        (200, 120, 46, 174),  # 80 / 0.46 = 173.9 -> 174
        (200, 250, 40, 0),  # more claimed than the target: nothing still needed
    ],
)
def test_the_required_cohort_is_rounded_up(target, claimed, rate, required):
    assert make(target=target, claimed=claimed, rate_percent=rate).required_cohort == required


def test_no_further_attachments_when_the_cohort_is_already_big_enough():
    f = make(tracked=800)
    assert (f.further, f.per_month, f.per_week) == (0, 0, 0)
    assert "which is enough at this rate: no further attachments are needed" in f.paragraph


def test_a_deadline_already_passed_gives_a_clear_message_not_a_division_by_zero():
    f = make(as_of=date(2026, 10, 1))
    assert f.deadline_passed and f.days_left == 0
    assert (f.per_month, f.per_week) == (None, None)
    assert f.further == 150
    assert "the attachment deadline of 30 September 2026 has passed" in f.paragraph


def test_the_deadline_day_itself_counts_as_one_day_left():
    f = make(as_of=date(2026, 9, 30))
    assert f.days_left == 1
    # 150 x 30.4375 a month and 150 x 7 a week, but never more than the 150 still to attach.
    assert (f.per_month, f.per_week) == (150, 150)


def test_with_less_than_a_month_left_the_monthly_figure_is_the_whole_remainder():
    f = make(as_of=date(2026, 9, 11))  # 20 days left: 150 a month would be 229; 150 / (20 / 7) = 52.5 -> 53 a week
    assert (f.days_left, f.per_month, f.per_week) == (20, 150, 53)


@pytest.mark.parametrize("rate", [0, 0.0, -5])
def test_a_rate_of_zero_is_refused(rate):
    with pytest.raises(rules.ForecastError, match="more than 0%"):
        make(rate_percent=rate)


def test_a_missing_rate_is_explained():
    with pytest.raises(rules.ForecastError, match="Set an assumed rate"):
        make(rate_percent=None)


def test_a_rate_over_100_and_a_zero_target_are_refused():
    with pytest.raises(rules.ForecastError, match="100% or less"):
        make(rate_percent=120)
    with pytest.raises(rules.ForecastError, match="1 result or more"):
        make(target=0)


@pytest.mark.parametrize(
    "claimed, target, expected", [(120, 200, 60), (1, 3, 33), (1, 8, 13), (0, 5, 0), (5, 5, 100), (7, 5, 140)]
)
def test_progress_is_a_whole_percentage(claimed, target, expected):
    assert rules.progress_percent(claimed, target) == expected  # 1 / 8 = 12.5% -> 13


def test_per_month_and_per_week_round_up():
    # 10 further over 61 days: 10 / (61 / 30.4375) = 4.99 -> 5; 10 / (61 / 7) = 1.15 -> 2
    f = make(target=10, rate_percent=100, tracked=0, as_of=date(2026, 8, 1))
    assert (f.further, f.days_left, f.per_month, f.per_week) == (10, 61, 5, 2)


def test_scenarios_the_rate_in_use_the_other_rate_and_ten_points_either_side():
    f = make(other_rates={rules.OBSERVED: 46.2})
    rates = [s.rate_percent for s in f.scenarios]
    assert rates == [30, 36.2, 40, 46.2, 50, 56.2]
    by_rate = {s.rate_percent: s for s in f.scenarios}
    assert by_rate[50].required_cohort == 600 and by_rate[50].further == 0
    assert by_rate[30].required_cohort == 1000 and by_rate[30].further == 400
    assert by_rate[40].label == "Assumed conversion rate"
    assert by_rate[56.2].label == "Observed conversion rate + 10 points"


def test_scenarios_leave_out_rates_outside_0_to_100():
    f = make(rate_percent=5, other_rates={rules.OBSERVED: 95})
    assert [s.rate_percent for s in f.scenarios] == [5, 15, 85, 95]


def test_with_results_already_claimed_the_paragraph_says_so():
    f = make(claimed=120)
    assert f.paragraph.startswith("The target of 300 results, with 120 already claimed, assuming a 40% conversion")
    assert f.required_cohort == 450 and f.progress == 40


# ---------------------------------------------------------------- observed conversion


def cohort():
    """Eight attachments: four in 2019-20 Q1 (two claimed after 5 and 14 months), four in 2023-24 Q4 (one claimed)."""
    attachments = pd.DataFrame(
        {
            "attachment_id": range(1, 9),
            "attached_on": pd.to_datetime(
                ["2019-04-10", "2019-05-01", "2019-06-30", "2019-06-30", "2024-01-15", "2024-02-01", "2024-03-31",
                 "2024-03-31"]
            ),
        }
    )
    results = pd.DataFrame(
        {"attachment_id": [1, 2, 5], "claimed_on": pd.to_datetime(["2019-09-10", "2020-07-01", "2024-06-14"])}
    )
    return attachments, results


def test_observed_rate_counts_only_matured_quarters():
    attachments, results = cohort()
    c = rules.conversion(attachments, results, as_of=date(2025, 1, 1), maturity_months=24)
    assert list(c.by_quarter["quarter"]) == ["2019-20 Q1", "2023-24 Q4"]
    assert list(c.by_quarter["attached"]) == [4, 4] and list(c.by_quarter["claimed"]) == [2, 1]
    assert list(c.by_quarter["matured"]) == [True, False]  # 31 March 2024 is not 24 months before 1 January 2025
    assert (c.rate_percent, c.matured_attached, c.matured_claimed) == (50.0, 4, 2)


def test_no_matured_quarter_means_no_observed_rate():
    attachments, results = cohort()
    c = rules.conversion(attachments[attachments["attachment_id"] > 4], results, date(2025, 1, 1), 24)
    assert c.rate_percent is None


def test_the_time_to_claim_curve():
    attachments, results = cohort()
    c = rules.conversion(attachments, results, as_of=date(2025, 1, 1), maturity_months=24)
    curve = c.curve.set_index("months")
    # Claimed after 5 months (10 Apr -> 10 Sep), 14 months (1 May 2019 -> 1 Jul 2020), 4 months (15 Jan -> 14 Jun).
    # k = 5: all 8 are at least 5 months old; claimed within 5 months (lag < 5): only the 4-month one.
    assert (curve.loc[5, "cohort"], curve.loc[5, "claimed_within"]) == (8, 1)
    assert (curve.loc[6, "cohort"], curve.loc[6, "claimed_within"]) == (8, 2)
    assert curve.loc[6, "share_percent"] == 25.0
    # k = 12: the 2024 cohort is 9-11 months old: only the four 2019 attachments count; one claimed within 12.
    assert (curve.loc[12, "cohort"], curve.loc[12, "claimed_within"]) == (4, 1)
    assert (curve.loc[15, "cohort"], curve.loc[15, "claimed_within"]) == (4, 2)
    assert curve.loc[15, "share_percent"] == 50.0
    assert len(c.curve) == 36


def test_the_curve_view_expects_results_from_the_families_tracked():
    curve = pd.DataFrame({"months": range(1, 37), "share_percent": [min(k * 5, 50) for k in range(1, 37)]})
    # A family aged 0 with 12 months to the claim deadline: S(12) = 50%. Two of them: 1 expected result.
    view = rules.curve_view(curve, [0, 0], still_needed=10, as_of=date(2026, 4, 1),
                            attachment_deadline=date(2026, 9, 30), claim_deadline=date(2027, 4, 1))
    assert view.expected_from_tracked == 1
    # Families attached midway (1 July 2026) have 9 months to the deadline: yield S(9) = 45%; 9 short / 0.45 = 20.
    assert view.yield_per_new_attachment == pytest.approx(0.45)
    assert view.further == 20
    assert view.per_month == 4  # 20 / (183 / 30.4375) = 3.33 -> 4


def test_the_curve_view_without_a_curve_says_why():
    curve = pd.DataFrame({"months": range(1, 37), "share_percent": [float("nan")] * 36})
    view = rules.curve_view(curve, [3], 10, date(2026, 4, 1), date(2026, 9, 30), date(2027, 3, 31))
    assert view.further is None and "No attachment cohort is old enough" in view.problem
