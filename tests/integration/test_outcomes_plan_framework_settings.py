"""A framework's national settings: read by everyone signed in, changed by a manager, with history and audit (issue
11, item 12); and who a descriptor applies to, set in the plan editor and carried by plan files (item 11)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.roles import Role
from tfclaims.engine.criteria import DEFAULT_EMPLOYMENT_RULES
from tfclaims.extensions import db
from tfclaims.outcomes_plan import exports
from tfclaims.outcomes_plan.models import Descriptor, PlanVersion


def url(framework) -> str:
    return f"/outcomes-plans/frameworks/{framework.id}"


def settings_url(framework) -> str:
    return f"/outcomes-plans/frameworks/{framework.id}/settings"


def parts(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def settings_data(framework, **changes) -> dict:
    """The settings form as a manager would send it unchanged, with ``changes``."""
    data = {
        "starts_on": parts(framework.starts_on),
        "ends_on": parts(framework.ends_on),
        "attachment_payment": str(framework.attachment_payment_pence // 100),
        "result_payment": str(framework.result_payment_pence // 100),
        "min_problems": str(framework.min_problems),
        "recurrence_reopens": "yes" if framework.recurrence_reopens else "no",
    }
    if framework.outcome_months_after_closure is not None:
        data["outcome_months"] = str(framework.outcome_months_after_closure)
    for code, setting in (framework.employment_rules or {}).items():
        for key, value in setting.items():
            data[f"{code.lower()}_{key}"] = str(value)
    return data | changes


def framework_events(framework) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "framework", AuditEvent.entity_id == framework.id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def tf2015(db_session):
    return factories.framework("TF2015")


@pytest.fixture
def manager(sign_in):
    return sign_in(Role.MANAGER)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_everyone_signed_in_reads_the_settings_and_only_managers_may_change_them(pages, sign_in, tf2015, role):
    sign_in(role)
    page = pages.get("/outcomes-plans/frameworks")
    link = page.find("a", href=url(tf2015))
    assert link is not None and "National settings and their history" in text(link)
    page = pages.get(url(tf2015))
    assert page.h1.get_text(strip=True) == "Troubled Families 2015-21: national settings"
    assert "Results payment £800" in text(page)
    rows = [[c.get_text(strip=True) for c in tr.select("th, td")] for tr in page.select("tbody tr")]
    assert ["Jobseeker's Allowance (JSA)", "26 weeks in work within 30 weeks", "Any hours"] in rows
    change = page.find("a", href=settings_url(tf2015))
    if role is Role.MANAGER:
        assert change is not None
        pages.get(settings_url(tf2015))
    else:
        assert change is None
        assert pages.client.get(settings_url(tf2015)).status_code == 403


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MANAGER], ids=lambda r: r.value)
def test_a_non_manager_posting_the_settings_form_gets_403_and_nothing_changes(pages, sign_in, tf2015, role):
    sign_in(role)
    response = pages.client.post(settings_url(tf2015), data=settings_data(tf2015, result_payment="5000"))
    assert response.status_code == 403
    db.session.refresh(tf2015)
    assert tf2015.result_payment_pence == 80_000
    assert framework_events(tf2015) == []


def test_a_manager_changes_the_settings_with_audit_and_history(pages, manager, tf2015):
    page = pages.get(settings_url(tf2015))
    assert page.select_one("#result_payment")["value"] == "800"
    assert page.select_one("#jsa_weeks")["value"] == "26"
    assert page.select_one("#recurrence_reopens")["checked"] is not None  # "Yes", the first choice
    assert page.select_one("#outcome_months") is None  # 2015-21 is not judged after closure
    pages.post(
        settings_url(tf2015),
        settings_data(
            tf2015,
            result_payment="£1,000.50",
            jsa_weeks="20",
            uc_min_hours="7.5",
            min_problems="3",
            recurrence_reopens="no",
            ends_on=["30", "6", "2021"],
        ),
        redirects_to=url(tf2015),
    )
    db.session.refresh(tf2015)
    assert (tf2015.result_payment_pence, tf2015.min_problems, tf2015.recurrence_reopens) == (100_050, 3, False)
    assert tf2015.ends_on == date(2021, 6, 30)
    assert tf2015.employment_rules["JSA"] == {"weeks": 20, "window_weeks": 30, "min_hours": 0}
    assert tf2015.employment_rules["UC"] == {"weeks": 26, "window_weeks": 30, "min_hours": 7.5}
    assert tf2015.employment_rules["ESA"] == DEFAULT_EMPLOYMENT_RULES["ESA"]

    update, domain = framework_events(tf2015)
    assert (update.action, domain.action) == ("update", "framework_settings_changed")
    assert update.actor_label == domain.actor_label == manager.name
    assert update.changes["result_payment_pence"] == [80_000, 100_050]
    assert update.changes["ends_on"] == ["2021-03-31", "2021-06-30"]
    assert update.changes["employment_rules"][0]["JSA"]["weeks"] == 26
    assert update.changes["employment_rules"][1]["JSA"]["weeks"] == 20
    assert set(update.changes) == {"ends_on", "result_payment_pence", "min_problems", "recurrence_reopens",
                                   "employment_rules"}
    assert domain.summary.startswith("Troubled Families 2015-21 national settings changed: End date: 31 March 2021 "
                                     "to 30 June 2021; Results payment: £800 to £1,000.50")

    page = pages.get(url(tf2015))
    [row] = page.select("#settings-history tbody tr")
    when, who, what = (cell for cell in row.select("td"))
    assert text(who) == manager.name
    lines = [line.strip() for line in what.get_text("\n").split("\n") if line.strip()]
    assert lines == [
        "End date: 31 March 2021 to 30 June 2021",
        "Results payment: £800 to £1,000.50",
        "Minimum number of headline problems: 2 to 3",
        "A recurrence after sustained invalidates the result: yes to no",
        "Continuous employment after Jobseeker's Allowance (JSA), weeks in work: 26 to 20",
        "Continuous employment after Universal Credit (UC), minimum hours a week: 16 to 7.5",
    ]
    assert "Results payment £1,000.50" in text(page)


def test_saving_without_a_change_writes_nothing(pages, manager, tf2015):
    pages.post(settings_url(tf2015), settings_data(tf2015), redirects_to=url(tf2015))
    assert framework_events(tf2015) == []
    page = pages.get(url(tf2015))
    assert "Nothing changed" in text(page)
    assert "have not been changed" in text(page.select_one("#history ~ p"))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"result_payment": "eight hundred"}, ["Enter the results payment as an amount in pounds, like 800 or 800.50"]),
        ({"attachment_payment": "-5"}, ["The attachment payment must be £0 or more"]),
        ({"result_payment": ""}, ["Enter the results payment, or 0 if there is none"]),
        ({"result_payment": "1000000"}, ["The results payment must be £100,000 or less"]),
        ({"min_problems": "7"}, ["Enter the minimum number of headline problems as a whole number from 1 to 6"]),
        ({"min_problems": "2.5"}, ["Enter the minimum number of headline problems as a whole number from 1 to 6"]),
        (
            {"jsa_window_weeks": "20"},
            ["The window after Jobseeker's Allowance must be at least the weeks in work (26)"],
        ),
        ({"esa_weeks": "0"}, ["Enter the weeks in work after Employment and Support Allowance as a whole number from "
                              "1 to 104"]),
        ({"uc_min_hours": "lots"}, ["Enter the minimum hours a week after Universal Credit as a number from 0 to 60, "
                                    "0 for any hours"]),
        ({"recurrence_reopens": "maybe"}, ["Select whether a recurrence after sustained invalidates the result"]),
        ({"ends_on": ["1", "3", "2015"]}, ["The end date must be after the start date"]),
        ({"ends_on": ["31", "2", "2021"]}, ["The end date must be a real date"]),
        ({"starts_on": ["", "", ""]}, ["Enter the start date"]),
        ({"ends_on": ["31", "12", "2022"]}, ["The dates must not overlap Supporting Families 2022-25, which runs from "
                                            "1 October 2022 to 31 March 2025"]),
        # every problem at once, in the order of the form
        (
            {"ends_on": ["31", "2", "2021"], "result_payment": "x", "jsa_weeks": "0"},
            [
                "The end date must be a real date",
                "Enter the results payment as an amount in pounds, like 800 or 800.50",
                "Enter the weeks in work after Jobseeker's Allowance as a whole number from 1 to 104",
            ],
        ),
    ],
)
def test_bad_settings_show_the_error_summary_and_save_nothing(pages, manager, tf2015, changes, expected):
    page, errors = pages.post_with_errors(settings_url(tf2015), settings_data(tf2015, **changes))
    assert errors == expected
    for key, value in changes.items():
        box = page.select_one(f"input#{key}")
        if isinstance(value, str) and box is not None and box.get("type") == "text":
            assert box["value"] == value  # what was typed is kept
    db.session.refresh(tf2015)
    assert (tf2015.result_payment_pence, tf2015.ends_on) == (80_000, date(2021, 3, 31))
    assert tf2015.employment_rules == DEFAULT_EMPLOYMENT_RULES
    assert framework_events(tf2015) == []


def test_the_dates_must_hold_the_plan_versions_and_attachments(pages, manager, tf2015, plan_version):
    # plan_version takes effect on 1 April 2015, the framework's first day
    _, errors = pages.post_with_errors(settings_url(tf2015), settings_data(tf2015, starts_on=["2", "4", "2015"]))
    assert errors == [
        "The start date must be on or before 1 April 2015, when the first plan version under Troubled Families "
        "2015-21 takes effect"
    ]
    family = factories.make_family()
    from tfclaims.families.models import Attachment

    db.session.add(Attachment(family_id=family.id, plan_version_id=plan_version.id, attached_on=date(2019, 6, 3)))
    db.session.commit()
    _, errors = pages.post_with_errors(settings_url(tf2015), settings_data(tf2015, ends_on=["2", "6", "2019"]))
    assert errors == [
        "The end date must be on or after 3 June 2019, when the last family was attached under Troubled Families "
        "2015-21"
    ]


def test_months_after_closure_are_a_setting_of_2022_25_only(pages, manager):
    sf = factories.framework("SF2022")
    page = pages.get(settings_url(sf))
    assert page.select_one("#outcome_months")["value"] == "6"
    _, errors = pages.post_with_errors(settings_url(sf), settings_data(sf, outcome_months="0"))
    assert errors == ["Enter the months after the case closed as a whole number from 1 to 36"]
    pages.post(settings_url(sf), settings_data(sf, outcome_months="9"), redirects_to=url(sf))
    db.session.refresh(sf)
    assert sf.outcome_months_after_closure == 9


def test_a_new_end_date_bounds_attachment(pages, sign_in, tf2015, plan_version):
    sign_in(Role.MANAGER)
    pages.post(settings_url(tf2015), settings_data(tf2015, ends_on=["31", "12", "2019"]), redirects_to=url(tf2015))
    pages.client.post("/sign-out")
    sign_in(Role.COORDINATOR)
    family = factories.make_family()
    _, errors = pages.post_with_errors(f"/families/{family.id}/attach", {"attached_on": ["1", "1", "2020"]})
    assert errors == [
        "No published outcomes plan was in force on the attachment date (1 January 2020). Families can be attached "
        "from 1 April 2015 to 31 December 2019 under Troubled Families 2015-21."
    ]
    pages.post(f"/families/{family.id}/attach", {"attached_on": ["31", "12", "2019"]}, redirects_to="/attach/problems")


def test_the_version_page_links_to_the_framework_settings(pages, sign_in, plan_version):
    sign_in(Role.AUDITOR)
    page = pages.get(f"/outcomes-plans/versions/{plan_version.id}")
    section = page.select_one("#continuous-employment").find_parent("section")
    assert section.find("a", href=url(plan_version.plan.framework))


# ---------------------------------------------------------------- who a descriptor applies to, in the plan editor


@pytest.fixture
def draft(db_session):
    version = PlanVersion(
        plan=factories.make_published_plan().plan, number=2, effective_from=date(2016, 4, 1), status="draft"
    )
    db.session.add(version)
    db.session.commit()
    return version


def test_a_manager_says_who_a_descriptor_applies_to(pages, manager, draft):
    school = draft.plan.framework.problems[1]
    page = pages.get(f"/outcomes-plans/versions/{draft.id}/descriptors/new")
    assert page.select_one("input[name=applies_to][value=any]").has_attr("checked")  # the default
    assert [i["value"] for i in page.select("input[name=applies_to]")] == [
        "any", "adult", "child", "school_age", "dependent_children"
    ]
    data = {"problem_id": str(school.id), "code": "ED9", "text": "Missing 10% of sessions", "evidence_source": "school"}
    pages.post(f"/outcomes-plans/versions/{draft.id}/descriptors/new", data | {"applies_to": "school_age"},
               redirects_to=f"/outcomes-plans/versions/{draft.id}")
    descriptor = db.session.scalar(select(Descriptor).where(Descriptor.plan_version_id == draft.id,
                                                            Descriptor.code == "ED9"))
    assert descriptor.applies_to == "school_age"
    page = pages.get(f"/outcomes-plans/versions/{draft.id}")
    row = next(tr for tr in page.select("#descriptors-2 tbody tr") if "ED9" in text(tr))
    assert "A school-age child (5 to 16)" in text(row)
    # changing it
    page = pages.get(f"/outcomes-plans/versions/{draft.id}/descriptors/{descriptor.id}/edit")
    assert page.select_one("input[name=applies_to][value=school_age]").has_attr("checked")
    pages.post(f"/outcomes-plans/versions/{draft.id}/descriptors/{descriptor.id}/edit", data | {"applies_to": "child"},
               redirects_to=f"/outcomes-plans/versions/{draft.id}")
    db.session.refresh(descriptor)
    assert descriptor.applies_to == "child"
    _, errors = pages.post_with_errors(
        f"/outcomes-plans/versions/{draft.id}/descriptors/{descriptor.id}/edit", data | {"applies_to": "pets"}
    )
    assert errors == ["Select who the descriptor applies to"]
    db.session.refresh(descriptor)
    assert descriptor.applies_to == "child"


def test_who_a_descriptor_applies_to_is_copied_exported_and_imported(pages, manager, plan_version):
    descriptor = plan_version.descriptors[0]
    descriptor.applies_to = "adult"
    db.session.commit()
    document = yaml.safe_load(pages.client.get(f"/outcomes-plans/versions/{plan_version.id}/export.yaml").get_data())
    assert document["descriptors"][0]["applies_to"] == "adult"
    assert {d["applies_to"] for d in document["descriptors"][1:]} == {"any"}
    pages.post(
        "/outcomes-plans/import",
        {"file": (io.BytesIO(yaml.safe_dump(document).encode()), "plan.yaml"), "name": "Imported plan"},
        redirects_to="",
    )
    imported = db.session.scalar(
        select(Descriptor)
        .where(Descriptor.plan_version_id != plan_version.id, Descriptor.code == descriptor.code)
        .order_by(Descriptor.id.desc())
    )
    assert imported.applies_to == "adult"
    pages.post(
        f"/outcomes-plans/versions/{plan_version.id}/copy",
        {"effective_from": ["1", "4", "2018"], "notes": ""},
        redirects_to="",
    )
    copy = db.session.scalar(select(PlanVersion).where(PlanVersion.copied_from_id == plan_version.id))
    assert next(d for d in copy.descriptors if d.code == descriptor.code).applies_to == "adult"


def test_a_plan_file_with_an_unknown_applies_to_is_refused(pages, manager, plan_version):
    document = exports.version_document(plan_version)
    document["descriptors"][0]["applies_to"] = "pensioners"
    before = db.session.scalar(select(func.count(PlanVersion.id)))
    _, errors = pages.post_with_errors(
        "/outcomes-plans/import",
        {"file": (io.BytesIO(exports.to_json(document)), "plan.json"), "name": "Another plan"},
    )
    assert errors == [
        "Descriptors item 1 (problem crime_asb): unknown applies_to 'pensioners'; use one of any, adult, child, "
        "school_age, dependent_children"
    ]
    assert db.session.scalar(select(func.count(PlanVersion.id))) == before


def test_a_settings_change_judges_every_stored_verdict_again(pages, manager, tf2015, plan_version, monkeypatch):
    """The lists and family pages read stored verdicts while the family's own records are unchanged: a new
    national setting must not leave them showing verdicts judged under the old one."""
    from tests.progress_helpers import attach
    from tfclaims.engine import store
    from tfclaims.engine.models import FamilyVerdict

    family = factories.make_family(members=3)
    attach(family, plan_version, attached_on=date(2019, 6, 3), problem_numbers=(2, 6))
    store.build_set(date(2020, 1, 1))
    db.session.commit()
    pages.get(url(tf2015))  # (the test's setup commits queued their refresh for the next request: done now)
    row = db.session.get(FamilyVerdict, (date(2020, 1, 1), family.id))
    db.session.refresh(row)
    assert row.payload["family"]["settings"]["min_problems"] == 2
    computed_at = row.computed_at

    pages.post(settings_url(tf2015), settings_data(tf2015), redirects_to=url(tf2015))
    db.session.refresh(row)
    assert (row.computed_at, row.stale) == (computed_at, False)  # no change, nothing judged again

    # With the queue in production mode: every row stale in the change's transaction, every set queued again.
    queued = []
    monkeypatch.setattr(store, "_immediate", lambda: False)
    monkeypatch.setattr(store, "_queue_build", queued.append)
    pages.post(settings_url(tf2015), settings_data(tf2015, min_problems="3"), redirects_to=url(tf2015))
    db.session.refresh(row)
    assert row.stale and queued == [date(2020, 1, 1)]
    store.build_set(queued[0])  # the job, as the worker runs it
    db.session.commit()
    row = db.session.get(FamilyVerdict, (date(2020, 1, 1), family.id))
    db.session.refresh(row)
    assert row.payload["family"]["settings"]["min_problems"] == 3 and not row.stale
