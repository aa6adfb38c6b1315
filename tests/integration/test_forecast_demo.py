"""The demo's claims history, and the observed conversion on it checked against a calculation made here.

``rules.conversion`` is checked against an independent calculation straight from SQL on the attachment, claim_line
and claim tables: financial-year quarters worked out by arithmetic, whole months counted date by date, and the curve
by explicit loops over k, not with the module's helpers. The demo is seeded once for the module (300 families, as
``flask tfclaims seed-demo`` does) by an app whose today is the demo day (``TFCLAIMS_TODAY``), on the test database,
inside a transaction rolled back at the end.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from tests.conftest import _BoundSession, make_test_app
from tfclaims import clock, demo
from tfclaims.claims.models import (
    ACCEPTED,
    INVALID,
    PASS,
    PIPELINE,
    RECONCILED,
    REJECTED,
    SUBMITTED,
    Claim,
    ClaimLine,
    ClaimWindow,
)
from tfclaims.extensions import db
from tfclaims.families.models import Attachment
from tfclaims.forecasts import charts, queries, rules
from tfclaims.forecasts.models import Target
from tfclaims.scorecard.models import Indicator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEMO_DAY = demo.DEMO_TODAY


@pytest.fixture(scope="module")
def seeded(app):
    """The demo, seeded once for the module's tests by an app on the test database whose today is the demo day,
    rolled back afterwards."""
    demo_app = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], TFCLAIMS_TODAY=DEMO_DAY.isoformat())
    with demo_app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _BoundSession}
        )
        try:
            assert clock.today() == DEMO_DAY
            yield demo.seed()
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            db.engine.dispose()


# ---------------------------------------------------------------- the independent calculation


def _day(value) -> date:
    return pd.Timestamp(value).date()  # SQLite gives text, PostgreSQL dates


def _observed_rows() -> tuple[list[tuple[int, date]], dict[int, list[date]]]:
    """Every attachment (id, attached on), and each attachment's result dates: lines still counted (in the claim
    or accepted) of claims submitted or reconciled, dated by the claim's submission."""
    attachments = [
        (int(a), _day(on)) for a, on in db.session.execute(text("SELECT id, attached_on FROM attachment")).all()
    ]
    results: dict[int, list[date]] = {}
    rows = db.session.execute(text(
        "SELECT l.attachment_id, c.submitted_on FROM claim_line AS l JOIN claim AS c ON c.id = l.claim_id "
        "WHERE c.status IN ('submitted', 'reconciled') AND l.state IN ('included', 'accepted')"
    )).all()
    for attachment_id, submitted_on in rows:
        results.setdefault(int(attachment_id), []).append(_day(submitted_on))
    return attachments, results


def _anniversary(start: date, k: int) -> date:
    """The day ``k`` whole months after ``start``: the same day of the month, or the 1st of the month after when
    that month is too short (31 January + 1 month is 1 March)."""
    year, month = divmod(start.month - 1 + k, 12)
    year, month = start.year + year, month + 1
    if start.day <= monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year, month, monthrange(year, month)[1]) + timedelta(days=1)


def _whole_months(start: date, end: date) -> int:
    """How many anniversaries of ``start`` have come by ``end``, counted one by one."""
    k = 0
    while _anniversary(start, k + 1) <= end:
        k += 1
    return k


def _months_back(day: date, months: int) -> date:
    """The same day ``months`` months earlier, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _quarter(day: date) -> tuple[str, date, date]:
    """The financial-year quarter a date falls in: ("2016-17 Q1", 1 April 2016, 30 June 2016)."""
    start_year = day.year if day.month >= 4 else day.year - 1
    number = (day.month - 4) % 12 // 3 + 1
    first_month = 4 + 3 * (number - 1)
    year = start_year + (first_month > 12)
    first_month = (first_month - 1) % 12 + 1
    last_month = first_month + 2
    label = f"{start_year}-{str(start_year + 1)[-2:]} Q{number}"
    return label, date(year, first_month, 1), date(year, last_month, monthrange(year, last_month)[1])


def _expected(as_of: date, maturity_months: int):
    attachments, results = _observed_rows()
    rows = []
    for attachment_id, attached_on in attachments:
        if attached_on > as_of:
            continue
        dates = [d for d in results.get(attachment_id, []) if d <= as_of]
        rows.append({"attachment_id": attachment_id, "attached_on": attached_on,
                     "claimed_on": min(dates) if dates else None})
    frame = pd.DataFrame(rows)
    frame[["quarter", "starts_on", "ends_on"]] = pd.DataFrame(
        [_quarter(d) for d in frame["attached_on"]], index=frame.index
    )
    frame["claimed"] = frame["claimed_on"].notna()
    by_quarter = frame.groupby(["starts_on", "quarter", "ends_on"]).agg(
        attached=("attachment_id", "count"), claimed=("claimed", "sum")
    ).reset_index()
    cutoff = _months_back(as_of, maturity_months)
    by_quarter["matured"] = [ends_on <= cutoff for ends_on in by_quarter["ends_on"]]
    matured = by_quarter[by_quarter["matured"]]
    pooled = (int(matured["attached"].sum()), int(matured["claimed"].sum()))

    curve = []
    for k in range(1, 37):
        cohort = claimed_within = 0
        for row in rows:
            if _whole_months(row["attached_on"], as_of) < k:
                continue
            cohort += 1
            if row["claimed_on"] is not None and _whole_months(row["attached_on"], row["claimed_on"]) < k:
                claimed_within += 1
        curve.append((k, cohort, claimed_within))
    return by_quarter, pooled, curve


# ---------------------------------------------------------------- the checks

AS_OF_DATES = [date(2017, 12, 31), date(2019, 2, 28), date(2020, 2, 29), date(2021, 6, 30), date(2023, 9, 30),
               DEMO_DAY]


def test_whole_months_helper_of_the_test():
    assert _whole_months(date(2016, 1, 10), date(2016, 3, 9)) == 1
    assert _whole_months(date(2016, 1, 10), date(2016, 3, 10)) == 2
    assert _whole_months(date(2016, 1, 31), date(2016, 2, 29)) == 0
    assert _whole_months(date(2016, 1, 31), date(2016, 3, 1)) == 1
    assert _whole_months(date(2016, 1, 31), date(2016, 3, 31)) == 2
    assert _months_back(date(2020, 2, 29), 24) == date(2018, 2, 28)
    assert _quarter(date(2017, 3, 31)) == ("2016-17 Q4", date(2017, 1, 1), date(2017, 3, 31))


@pytest.mark.parametrize("maturity_months", [24, 12])
@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_observed_rate_by_quarter_and_pooled(seeded, as_of, maturity_months):
    expected, (attached, claimed), _curve = _expected(as_of, maturity_months)
    found = rules.conversion(queries.attachments(), queries.results(), as_of, maturity_months)

    got = found.by_quarter
    assert list(got["quarter"]) == list(expected["quarter"])
    assert [d.date() for d in got["starts_on"]] == list(expected["starts_on"])
    assert [d.date() for d in got["ends_on"]] == list(expected["ends_on"])
    assert list(got["attached"]) == list(expected["attached"])
    assert list(got["claimed"]) == list(expected["claimed"])
    assert list(got["matured"]) == list(expected["matured"])
    for rate, n, c in zip(got["rate_percent"], expected["attached"], expected["claimed"], strict=True):
        assert rate == pytest.approx(c * 100 / n, abs=0.05 + 1e-9)

    assert (found.matured_attached, found.matured_claimed) == (attached, claimed)
    if attached:
        assert found.rate_percent == round(claimed * 100 / attached, 1)
    else:
        assert found.rate_percent is None


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_time_to_claim_curve(seeded, as_of):
    _by_quarter, _pooled, expected = _expected(as_of, 24)
    curve = rules.conversion(queries.attachments(), queries.results(), as_of, 24).curve
    assert list(curve["months"]) == list(range(1, 37))
    for (k, cohort, claimed_within), row in zip(expected, curve.itertuples(index=False), strict=True):
        assert (row.months, row.cohort, row.claimed_within) == (k, cohort, claimed_within), k
        if cohort:
            assert row.share_percent == pytest.approx(claimed_within * 100 / cohort, abs=0.05 + 1e-9)
        else:
            assert math.isnan(row.share_percent)
    shares = curve["share_percent"].dropna()
    if as_of >= date(2021, 6, 30):
        # Claims lag attachment by roughly 6 to 18 months: some within a year, more by three years.
        assert len(shares) == 36 and shares.iloc[-1] > shares.iloc[11] > 0


def test_the_pooled_rate_on_the_demo_day_is_believable(seeded):
    found = rules.conversion(queries.attachments(), queries.results(), DEMO_DAY, 24)
    # Every 2015-21 attachment has matured, and none of 2022-25 (the first quarter, October to December 2022, ended
    # less than 24 months before the demo day); the national figure end to end was about 46%.
    assert found.matured_attached == seeded.attachments - seeded.live_attachments
    assert found.matured_claimed == seeded.results_accepted
    assert 30 <= found.rate_percent <= 65


# ---------------------------------------------------------------- the claims history itself


def test_a_2015_21_claim_every_quarter_with_claimable_families_taken_to_reconciliation(seeded):
    db.session.expire_all()  # read what was stored, not the objects the seeding left in the session
    windows = list(db.session.scalars(
        select(ClaimWindow).where(ClaimWindow.ends_on < date(2021, 4, 1)).order_by(ClaimWindow.starts_on)
    ))
    assert [w.label for w in windows][0] == demo.HISTORY_FIRST_LABEL
    assert [w.label for w in windows][-1] == demo.HISTORY_LAST_LABEL
    assert len(windows) == seeded.history_windows == 20
    claims = [c for c in db.session.scalars(select(Claim).order_by(Claim.id)) if c.window in windows]
    assert len(claims) == seeded.claims >= 15
    for claim in claims:
        window = claim.window
        assert claim.status == RECONCILED
        assert claim.as_of == window.ends_on
        assert claim.submitted_on == window.ends_on + timedelta(days=20) <= window.submission_deadline
        assert claim.built_at.date() <= claim.signed_off_at.date() <= claim.submitted_on
        assert claim.reconciled_at.date() > claim.submitted_on
        assert claim.built_by.email.startswith("claims-officer@") and claim.signed_off_by.email.startswith("manager@")
        sampled = [line for line in claim.lines if line.sampled]
        assert sampled and all(line.audit_verdict == PASS and line.audited_by.email.startswith("auditor@")
                               for line in sampled)
        assert {line.state for line in claim.lines} <= {ACCEPTED, REJECTED}
        assert {(line.framework, line.route) for line in claim.lines} <= {("TF2015", "SSP"), ("TF2015", "CE")}

    lines = [line for claim in claims for line in claim.lines]
    states = Counter(line.state for line in lines)
    assert len(lines) == seeded.lines_claimed
    assert states[ACCEPTED] == seeded.results_accepted and states[REJECTED] == seeded.rejections
    assert 1 <= seeded.rejections <= len(lines) / 10
    for line in lines:
        if line.state == REJECTED:
            # Returned to the pipeline, except in the programme's last year, when no later claim could be made.
            final = line.claim.window.label.startswith("2020-21")
            assert line.disposition == (INVALID if final else PIPELINE)
            assert line.holds_family == final
    # A family is claimed once: a rejected family returned to the pipeline may be claimed again, and no more.
    accepted_per_family = Counter(line.family_id for line in lines if line.state == ACCEPTED)
    assert set(accepted_per_family.values()) == {1}
    assert "Claims history 2015-21" in seeded.describe() and f"{seeded.claims} quarterly claims" in seeded.describe()


def test_2022_25_claims_in_the_finished_quarters_of_2023_24_and_2024_25(seeded):
    db.session.expire_all()
    windows = list(db.session.scalars(
        select(ClaimWindow).where(ClaimWindow.starts_on >= date(2023, 4, 1)).order_by(ClaimWindow.starts_on)
    ))
    assert [w.label for w in windows] == [f"{y} Q{q}" for y in ("2023-24", "2024-25") for q in range(1, 5)]
    claims = [c for c in db.session.scalars(select(Claim).order_by(Claim.id)) if c.window in windows]
    assert len(claims) == seeded.live_claims >= 4
    # Claims only for quarters that ended before the demo day; the latest is submitted and awaits the verdict.
    assert all(c.window.ends_on < DEMO_DAY for c in claims)
    assert [c.window.label for c in claims][-1] == "2024-25 Q2"
    latest = claims[-1]
    assert latest.status == SUBMITTED and latest.reconciled_at is None and latest.submitted_on <= DEMO_DAY
    assert all(c.status == RECONCILED for c in claims[:-1])
    attachments = {a.id: a for a in db.session.scalars(select(Attachment))}
    lines = [line for claim in claims for line in claim.lines]
    for claim in claims:
        assert claim.as_of == claim.window.ends_on
        assert claim.submitted_on == claim.window.ends_on + timedelta(days=20)
        for line in claim.lines:
            # A successful family outcome, judged six months after the case closed, on or before the claim's date.
            assert (line.framework, line.route) == ("SF2022", "SFO")
            attachment = attachments[line.attachment_id]
            assert attachment.plan_version.plan.name == demo.PLAN_NAME and attachment.closed_on
            assert 181 <= (line.claimable_on - attachment.closed_on).days <= 184
            assert line.claimable_on <= claim.as_of
    states = Counter(line.state for line in lines)
    assert states[ACCEPTED] == seeded.live_accepted > 0
    assert states[REJECTED] == seeded.live_rejections >= 1
    assert all(line.disposition == PIPELINE and not line.holds_family for line in lines if line.state == REJECTED)
    # One live claim per family per programme phase.
    held = Counter((line.family_id, line.framework) for line in db.session.scalars(
        select(ClaimLine).where(ClaimLine.holds_family)))
    assert set(held.values()) == {1}
    assert "Claims 2022-25" in seeded.describe()


def test_the_audit_samples_come_from_the_seeded_generator(seeded):
    import random

    rng = random.Random(2015)
    claims = sorted(db.session.scalars(select(Claim)), key=lambda c: c.window.starts_on)
    # The first draw of the history's generator seeds the first claim's audit sample, so every run samples alike.
    assert claims[0].sample_seed == rng.randrange(2**31)
    assert len({c.sample_seed for c in claims}) == len(claims)


def test_target_and_scorecard_indicators(seeded):
    target = queries.target_for(DEMO_DAY)
    assert target is not None and target.results_target == demo.TARGET_RESULTS and target.label == "2024-25"
    assert target.starts_on <= DEMO_DAY <= target.ends_on == date(2025, 3, 31)
    assert DEMO_DAY < target.attachment_deadline <= target.claim_deadline == target.ends_on
    assert db.session.scalar(select(func.count(Target.id))) == seeded.targets == 1

    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    for code in [f"SF{n:02d}" for n in range(1, 15)]:  # the programme's and the pathway's computed indicators
        assert indicators[code].owner and indicators[code].reporter
        assert indicators[code].source != "entered"
    last = date(2024, 10, 1)  # the last complete month before the demo day
    assert "EH01" not in indicators and "EH02" not in indicators  # computed now: SF08 and SF07
    for code in ("EH03",):
        indicator = indicators[code]
        assert indicator.source == "entered"
        months = [v.month for v in indicator.values]
        assert len(months) == 24 and months[-1] == last and months[0] == date(2022, 11, 1)
        years = {f"{m.year - (m.month < 4)}-{(m.year - (m.month < 4) + 1) % 100:02d}" for m in months}
        assert {t.year_label for t in indicator.targets} == years == {"2022-23", "2023-24", "2024-25"}
        assert {b.kind for b in indicator.benchmarks} == {"neighbours", "england", "region"}
        assert [c.month for c in indicator.comments] == [last]
        assert all(v.value >= 0 for v in indicator.values)
    # The programme's own figures for the months to the demo day come from the 2022-25 attachments and claims.
    counts = queries.monthly_counts(date(2023, 11, 1), date(2024, 10, 1))
    assert (counts["attached"] > 0).sum() >= 10 and counts["claimed"].sum() > 0


def test_seeding_again_adds_nothing(seeded):
    counts = {m: db.session.scalar(select(func.count()).select_from(m)) for m in (Claim, ClaimLine, Target, Indicator)}
    again = demo.seed()
    assert again.already_loaded and again.claims == 0 and again.live_claims == 0
    assert {m: db.session.scalar(select(func.count()).select_from(m)) for m in counts} == counts


def test_scorecard_charts_from_the_demo(seeded):
    month = DEMO_DAY.replace(day=1)
    found = charts.scorecard_charts_png(month)
    titles = [title for title, _ in found]
    assert titles[0] == charts.ATTACHMENTS_TITLE and titles[-1] == charts.CURVE_TITLE
    assert any(title.startswith(charts.RESULTS_TITLE) for title in titles)
    assert all(png.startswith(PNG_SIGNATURE) for _, png in found)
    # A month with no target covering it or before it: no results chart.
    assert len(charts.scorecard_charts_png(date(2019, 3, 1))) == 2
