"""The forecast formulas, worked by hand: rounding up, no further attachments when the cohort is big enough, a
deadline already passed or less than a month left (no division then), a rate of zero refused, progress rounded down,
scenarios, the paragraph, every term a sum that holds as shown (by hand and for any numbers), what has become of each
attachment (the families tracked, by attachment year), and the observed conversion and time-to-claim curve on a small
cohort."""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfclaims.forecasts import rules

AS_OF = date(2026, 4, 1)


def make(**overrides) -> rules.Forecast:
    """The domain example by default: 300 results at 40% with 600 tracked, attaching until 30 September 2026."""
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
    # No division: with one day left all 150 are needed that day, not "150 a month" nor "150 a week".
    assert (f.per_month, f.per_week) == (None, None)
    assert rules.per_month_text(f) == (
        "Less than a month is left (1 day): all 150 further attachments are needed by 30 September 2026"
    )
    assert rules.per_week_text(f).startswith("Less than a week is left (1 day): all 150")
    assert "a further minimum of 150 attachments is required in the 1 day left before 30 September 2026, to" in (
        f.paragraph
    )


def test_with_less_than_a_month_left_there_is_no_monthly_division():
    f = make(as_of=date(2026, 9, 11))  # 20 days: 150 x 30.4375 / 20 = 228.3 would be no true "a month" figure
    assert (f.days_left, f.per_month, f.per_week) == (20, None, 53)  # 150 x 7 / 20 = 52.5 -> 53 a week
    assert rules.per_month_text(f) == (
        "Less than a month is left (20 days): all 150 further attachments are needed by 30 September 2026"
    )
    assert rules.per_week_text(f) == "53: 150 × 7 ÷ 20 days = 52.5, rounded up"
    assert "required in the 20 days left before 30 September 2026 (around 53 per week), to allow" in f.paragraph
    assert "per month" not in f.paragraph
    assert {s.per_month for s in f.scenarios} == {None}
    assert rules.short_time(f, "month") == "Less than a month left"


def test_a_month_exactly_left_gives_a_monthly_figure():
    # 31 days from 31 August: at least 30.4375 days, so a month: 150 x 30.4375 / 31 = 147.3 -> 148 a month.
    f = make(as_of=date(2026, 8, 31))
    assert (f.days_left, f.per_month) == (31, 148)
    assert rules.per_month_text(f) == "148: 150 × 30.4375 ÷ 31 days ≈ 147.3, rounded up"


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
    "claimed, target, expected",
    [(120, 200, 60), (1, 3, 33), (2, 3, 66), (1, 8, 12), (0, 5, 0), (5, 5, 100), (7, 5, 140), (199, 200, 99),
     (119, 200, 59), (1999, 2000, 99)],
)
def test_progress_is_a_whole_percentage_rounded_down(claimed, target, expected):
    # Never overstated: 199 of 200 is 99.5%, shown 99%, not 100%; 1 of 8 is 12.5%, shown 12%.
    assert rules.progress_percent(claimed, target) == expected


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


# ---------------------------------------------------------------- the sums as shown (issue 11, item 15)


@pytest.mark.parametrize(
    "value, text, exact",
    [
        (Fraction(750), "750", True),
        (Fraction(375, 2), "187.5", True),
        (Fraction(1500, 7), "214.3", False),
        (Fraction(2196, 100), "21.96", True),  # not "22.0": it must not look whole
        (Fraction(2204, 100), "22.04", True),  # not "22.0", which "rounded up to 23" would contradict
        (Fraction(1, 3), "0.3", False),
        (Fraction(1, 1000), "0.001", True),
        (Fraction(1, 4), "0.25", True),
        (Fraction(6998, 1000) + Fraction(1, 10**6), "6.998", False),
        (Fraction(123456789, 100), "1,234,567.89", True),
        (Fraction(123456789, 1000), "123,456.8", False),
        (Fraction(1000001, 1000000), "1.000001", True),
    ],
)
def test_decimal_text_never_looks_whole_unless_it_is(value, text, exact):
    assert rules.decimal_text(value) == (text, exact)
    assert rules.equals(value) == ("= " if exact else "≈ ") + text


@pytest.mark.parametrize("rate, text", [(40, "40%"), (37.5, "37.5%"), (33.33, "33.33%"), (46.2, "46.2%"),
                                        (12.3456, "12.3456%"), (33.333333, "33.333333%"), (100, "100%"),
                                        (None, "not known")])
def test_a_rate_is_shown_as_given_so_the_division_holds(rate, text):
    assert rules.percent(rate) == text


@pytest.mark.parametrize(
    "overrides, key, text",
    [
        # 300 / 40% is exactly 750: no rounding to mention.
        ({}, "required-cohort", "750 = 300 ÷ 40%"),
        # 75 / 35% = 214.29: rounded up to 215, shown with the precise figure.
        ({"target": 75, "rate_percent": 35}, "required-cohort", "215: 75 ÷ 35% ≈ 214.3, rounded up"),
        # 10 / 33.3% = 30.03: one decimal place would show "30.0", which looks whole; two are shown.
        ({"target": 10, "rate_percent": 33.3}, "required-cohort", "31: 10 ÷ 33.3% ≈ 30.03, rounded up"),
        # 100 / 33.33% = 300.03: the rate is shown as given (33.33%, not 33.3%, which would give 300.3).
        ({"target": 100, "rate_percent": 33.33}, "required-cohort", "301: 100 ÷ 33.33% ≈ 300.03, rounded up"),
        ({"target": 200, "claimed": 120, "rate_percent": 46}, "required-cohort", "174: 80 ÷ 46% ≈ 173.9, rounded up"),
        ({"claimed": 120}, "still-needed", "180 = 300 − 120"),
        ({"claimed": 120, "in_claims": 5}, "still-needed", "175 = 300 − 120 − 5"),
        ({"claimed": 310}, "still-needed", "0: the 310 results claimed already meet the target of 300"),
        ({"claimed": 290, "in_claims": 15}, "still-needed",
         "0: the 290 results claimed and 15 in claims not yet submitted already meet the target of 300"),
        ({}, "further", "150 = 750 − 600"),
        ({"tracked": 750}, "further", "0 = 750 − 750"),
        ({"tracked": 800}, "further", "0: the 800 families tracked are more than the required cohort of 750"),
        # The brief's example: 150 over about 7 months is 21.4 a month, so 22 (213 days from 2 March to 30 September).
        ({"as_of": date(2026, 3, 2)}, "per-month", "22: 150 × 30.4375 ÷ 213 days ≈ 21.4, rounded up"),
        # 213 / 30.4375 = 6.998: "≈ 7.0" would look whole; the months are shown to three places.
        ({"as_of": date(2026, 3, 2)}, "days-left",
         "213 days, from 2 March 2026 to the attachment deadline, 30 September 2026, both included: 213 ÷ 30.4375 "
         "days a month ≈ 6.998 months"),
        ({}, "per-month", "25: 150 × 30.4375 ÷ 183 days ≈ 24.9, rounded up"),
        # 10 x 30.4375 / 61 = 4.9898: "≈ 5.0" would look whole next to "rounded up"; 4.99 is shown.
        ({"target": 10, "rate_percent": 100, "tracked": 0, "as_of": date(2026, 8, 1)}, "per-month",
         "5: 10 × 30.4375 ÷ 61 days ≈ 4.99, rounded up"),
        ({}, "per-week", "6: 150 × 7 ÷ 183 days ≈ 5.7, rounded up"),
        # 4 x 30.4375 / 487 is exactly 0.25.
        ({"target": 4, "rate_percent": 100, "tracked": 0, "attachment_deadline": date(2027, 7, 31),
          "claim_deadline": date(2028, 3, 31)}, "per-month", "1: 4 × 30.4375 ÷ 487 days = 0.25, rounded up"),
        # 14 x 7 / 14 days is exactly 7 a week.
        ({"target": 14, "rate_percent": 100, "tracked": 0, "as_of": date(2026, 9, 17)}, "per-week",
         "7 = 14 × 7 ÷ 14 days"),
        ({"claimed": 199, "target": 200}, "progress-sum", "99%: 199 of 200 = 99.5%, rounded down"),
        ({"claimed": 119, "target": 200}, "progress-sum", "59%: 119 of 200 = 59.5%, rounded down"),
        ({"claimed": 2, "target": 3}, "progress-sum", "66%: 2 of 3 ≈ 66.7%, rounded down"),
        ({"claimed": 1999, "target": 2000}, "progress-sum", "99%: 1,999 of 2,000 = 99.95%, rounded down"),
        ({"claimed": 120, "target": 200}, "progress-sum", "60% = 120 of 200"),
        ({"as_of": date(2026, 10, 1)}, "per-month", "Not possible: the attachment deadline has passed"),
        ({"as_of": date(2026, 10, 1)}, "days-left", "None: the attachment deadline, 30 September 2026, has passed"),
    ],
)
def test_each_term_is_a_sum_that_holds_as_shown(overrides, key, text):
    shown = {t.key: t.text for t in rules.terms(make(**overrides))}
    assert shown[key] == text


def _check_sum(text: str, result: int, exact: Fraction, how: str, unit: str = "") -> None:
    """``text`` is "R = expression" (exact whole) or "R: expression =|≈ shown, rounded up|down"."""
    if exact.denominator == 1:
        assert text.startswith(f"{result:,}{unit} = "), text
        assert result == exact
        return
    head, _, rest = text.partition(": ")
    assert head == f"{result:,}{unit}", text
    sign, shown = rest.rsplit(", ", 1)[0].split(" ")[-2:]
    assert rest.endswith(f", {how}"), text
    value = Fraction(shown.rstrip("%").replace(",", ""))
    places = len(shown.rstrip("%").partition(".")[2])
    if sign == "=":
        assert value == exact, text
    else:
        assert sign == "≈" and abs(value - exact) <= Fraction(1, 2 * 10**places), text
    assert value.denominator != 1, text  # never looks whole
    assert result == (math.ceil(exact) if how == "rounded up" else math.floor(exact)), text
    # Rounding the figure shown gives the result too: "≈ 22.0, rounded up to 23" cannot happen.
    assert result == (math.ceil(value) if how == "rounded up" else math.floor(value)), text


@settings(max_examples=300, deadline=None)
@given(
    target=st.integers(1, 5000),
    claimed=st.integers(0, 5000),
    in_claims=st.integers(0, 50),
    tracked=st.integers(0, 5000),
    rate_tenths=st.integers(1, 1000),
    days=st.integers(-3, 800),
)
def test_every_sum_holds_whatever_the_numbers(target, claimed, in_claims, tracked, rate_tenths, days):
    rate = rate_tenths / 10
    f = make(target=target, claimed=claimed, in_claims=in_claims, tracked=tracked, rate_percent=rate,
             as_of=date(2026, 9, 30) - timedelta(days=days - 1), claim_deadline=date(2027, 3, 31))
    assert f.days_left == days
    shown = {t.key: t.text for t in rules.terms(f)}
    _check_sum(shown["required-cohort"], f.required_cohort, Fraction(f.still_needed * 1000, rate_tenths),
               "rounded up")
    assert f"÷ {rules.percent(rate)}" in shown["required-cohort"]
    _check_sum(shown["progress-sum"], f.progress, Fraction(claimed * 100, target), "rounded down", "%")
    if target >= claimed + in_claims:
        assert shown["still-needed"].startswith(f"{f.still_needed:,} = {target:,} − {claimed:,}")
    if days >= rules.DAYS_PER_MONTH:
        _check_sum(shown["per-month"], f.per_month, f.further * rules.DAYS_PER_MONTH / days, "rounded up")
        assert f" × 30.4375 ÷ {days:,} days" in shown["per-month"]
    elif days > 0:
        assert f.per_month is None and shown["per-month"].startswith("Less than a month is left")
    if days >= 7:
        _check_sum(shown["per-week"], f.per_week, Fraction(f.further * 7, days), "rounded up")
    elif days > 0:
        assert f.per_week is None and shown["per-week"].startswith("Less than a week is left")
    if days <= 0:
        assert f.per_month is None and f.per_week is None and f.deadline_passed
    if f.per_month is not None and f.further:
        assert f"{f.per_month:,} per month" in f.paragraph


def test_the_claim_deadline_must_not_be_before_the_attachment_deadline():
    with pytest.raises(rules.ForecastError, match="claim deadline must be on or after") as raised:
        make(claim_deadline=date(2026, 9, 1))
    assert raised.value.field == "claim_deadline"


@pytest.mark.parametrize(
    "attachment_deadline, claim_deadline",
    [(date(2025, 9, 30), date(2026, 3, 31)), (date(2025, 4, 1), date(2026, 3, 31)),
     (date(2026, 3, 31), date(2026, 3, 31)), (date(2026, 1, 15), date(2026, 3, 31))],
)
def test_the_default_claim_deadline_is_the_end_of_the_programme_year(attachment_deadline, claim_deadline):
    assert rules.default_claim_deadline(attachment_deadline) == claim_deadline


def test_results_in_claims_not_yet_submitted_count_apart_from_progress():
    f = make(claimed=100, in_claims=20)
    assert (f.still_needed, f.required_cohort, f.progress) == (180, 450, 33)  # progress: 100 of 300, not 120
    assert f.paragraph.startswith("The target of 300 results, with 100 already claimed and 20 in claims not yet "
                                  "submitted, assuming")
    assert [t.key for t in rules.terms(f)][:4] == ["target", "claimed", "in-claims", "still-needed"]


def test_the_curve_view_shows_its_sum():
    curve = pd.DataFrame({"months": range(1, 37), "share_percent": [min(k * 5, 50) for k in range(1, 37)]})
    view = rules.curve_view(curve, [0, 0], still_needed=10, as_of=date(2026, 4, 1),
                            attachment_deadline=date(2026, 9, 30), claim_deadline=date(2027, 4, 1))
    assert view.further_text() == "20 = (10 − 1) ÷ 45%"
    assert view.spread_text() == "4 a month (20 × 30.4375 ÷ 183 days, rounded up), 1 a week"
    curve = pd.DataFrame({"months": range(1, 37), "share_percent": [min(k * 3.5, 31.2) for k in range(1, 37)]})
    view = rules.curve_view(curve, [], still_needed=35, as_of=date(2026, 4, 1),
                            attachment_deadline=date(2026, 9, 30), claim_deadline=date(2027, 4, 1))
    assert view.yield_percent == Fraction("31.2") and view.further == 113
    assert view.further_text() == "113: (35 − 0) ÷ 31.2% ≈ 112.2, rounded up"


# ---------------------------------------------------------------- the families tracked (issue 11, item 14)

AS_OF_TRACK = date(2024, 10, 1)


def _attachments(rows):
    frame = pd.DataFrame(rows, columns=["attachment_id", "family_id", "attached_on", "closed_on", "closure_reason",
                                        "phase_ends_on"])
    for column in ("attached_on", "closed_on", "phase_ends_on"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _lines(rows):
    frame = pd.DataFrame(rows, columns=["attachment_id", "state", "holds_family", "claim_status", "submitted_on",
                                        "claim_as_of"])
    for column in ("submitted_on", "claim_as_of"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


TF_ENDS, SF_ENDS = "2021-03-31", "2025-03-31"
TRACK_CASES = {
    # attachment_id: (attached_on, closed_on, closure_reason, [lines], expected state); all under 2022-25 but 2, 22
    1: ("2024-05-01", None, None, [], rules.TRACKED),  # open, this year
    2: ("2017-06-01", None, None, [], rules.ENDED),  # 2015-21, never claimed: its phase ended in March 2021
    22: ("2022-10-03", None, None, [], rules.TRACKED),  # attached two years ago in this phase, still open
    3: ("2023-01-10", None, None, [("accepted", True, "reconciled", "2024-01-10", "2024-01-02")], rules.CLAIMED),
    4: ("2023-01-10", None, None, [("included", True, "submitted", "2024-07-10", "2024-07-01")], rules.CLAIMED),
    # rejected, returned to the pipeline: no live line, tracked again
    5: ("2022-11-01", None, None, [("rejected", False, "reconciled", "2024-01-10", "2024-01-02")], rules.TRACKED),
    # clawed back and returned to the pipeline, then claimed again
    6: ("2022-11-01", None, None, [("clawed_back", False, "reconciled", "2023-04-10", "2023-04-02"),
                                   ("included", True, "submitted", "2024-07-10", "2024-07-01")], rules.CLAIMED),
    # clawed back and marked invalid: never a result
    7: ("2022-11-01", None, None, [("clawed_back", True, "reconciled", "2023-04-10", "2023-04-02")], rules.REFUSED),
    8: ("2023-03-31", None, None, [("removed", False, "submitted", "2024-07-10", "2024-07-01")], rules.TRACKED),
    9: ("2023-04-01", None, None, [("included", True, "in_audit", None, "2024-09-20")], rules.IN_CLAIM),
    # submitted after the as-of date: on the as-of date it was in a claim being prepared
    10: ("2023-04-01", None, None, [("included", True, "submitted", "2024-10-05", "2024-09-28")], rules.IN_CLAIM),
    # judged as of a later date but submitted by the as-of date: a result (the submission date is what counts)
    21: ("2023-04-01", None, None, [("accepted", True, "reconciled", "2024-09-30", "2024-12-31")], rules.CLAIMED),
    # a claim judged after the as-of date (so built after it) does not count yet
    11: ("2023-04-01", None, None, [("included", True, "draft", None, "2024-10-02")], rules.TRACKED),
    12: ("2021-05-01", "2023-02-01", "not_eligible", [], rules.CLOSED),
    13: ("2021-05-01", "2023-02-01", "disengaged", [], rules.CLOSED),
    # closed with outcomes achieved, not yet claimed (2022-25: judged six months after closure): still tracked
    14: ("2023-06-01", "2024-03-01", "outcomes_achieved", [], rules.TRACKED),
    # closed after the as-of date: open on the as-of date
    15: ("2023-06-01", "2024-12-01", "moved_away", [], rules.TRACKED),
    # closed on the as-of date itself: closed
    16: ("2023-06-01", "2024-10-01", "moved_away", [], rules.CLOSED),
    # attached after the as-of date: not yet attached
    17: ("2024-10-02", None, None, [], None),
    18: ("2024-10-01", None, None, [], rules.TRACKED),  # attached on the as-of date
    # closed without a reason recorded: closed without a result
    19: ("2021-05-01", "2022-02-01", None, [], rules.CLOSED),
    # claimed after closing with outcomes achieved
    20: ("2022-06-01", "2023-03-01", "outcomes_achieved",
         [("included", True, "submitted", "2024-07-10", "2024-07-01")], rules.CLAIMED),
    # 2015-21, closed not eligible: closed is the reason given
    23: ("2016-06-01", "2017-02-01", "not_eligible", [], rules.CLOSED),
}


def _track_frames():
    attachments = _attachments([(k, 100 + k, v[0], v[1], v[2], TF_ENDS if k in (2, 23) else SF_ENDS)
                                for k, v in TRACK_CASES.items()])
    lines = _lines([(k, *line) for k, v in TRACK_CASES.items() for line in v[3]])
    return attachments, lines


def test_what_has_become_of_each_attachment():
    attachments, lines = _track_frames()
    found = rules.track(attachments, lines, AS_OF_TRACK).set_index("attachment_id")
    expected = {k: v[4] for k, v in TRACK_CASES.items() if v[4] is not None}
    assert found["state"].to_dict() == expected
    assert found.loc[2, "year"] == "2017-18" and found.loc[8, "year"] == "2022-23" and found.loc[9, "year"] == "2023-24"
    # The same 2015-21 attachment on a day in its phase is tracked.
    assert rules.track(attachments, lines, date(2019, 4, 1)).set_index("attachment_id").loc[2, "state"] == "tracked"
    # Without the phase's end (an older caller), nothing is ended.
    assert "phase_ended" not in set(rules.track(attachments.drop(columns="phase_ends_on"), lines, AS_OF_TRACK)["state"])


def test_tracked_whatever_the_year_of_attachment_split_by_year():
    attachments, lines = _track_frames()
    table = rules.tracked_by_year(rules.track(attachments, lines, AS_OF_TRACK)).set_index("year")
    assert list(table.index) == ["2016-17", "2017-18", "2021-22", "2022-23", "2023-24", "2024-25"]
    states = list(rules.TRACK_STATES)
    assert (table[states].sum(axis=1) == table["attached"]).all()
    assert (table.loc["2017-18", "phase_ended"], table.loc["2017-18", "tracked"]) == (1, 0)
    # Attachments 3-8, 20 and 22: four claimed, one refused, three tracked (rejected to the pipeline, removed, open).
    assert table.loc["2022-23"].to_dict() == {"attached": 8, "claimed": 4, "in_claim": 0, "refused": 1, "closed": 0,
                                              "phase_ended": 0, "tracked": 3}
    assert table.loc["2024-25", "tracked"] == 2  # attached 1 May and on the as-of date; not the day after
    assert table["tracked"].sum() == 8


def test_nothing_attached_tracks_nothing():
    attachments, lines = _track_frames()
    found = rules.track(attachments.iloc[0:0], lines.iloc[0:0], AS_OF_TRACK)
    assert found.empty
    assert list(rules.tracked_by_year(found).columns) == ["year", "attached", *rules.TRACK_STATES]
