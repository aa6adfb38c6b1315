from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from tfclaims.claims.models import AUDIT_VERDICTS, CLAWED_BACK, DISPOSITIONS, REJECTED
from tfclaims.forms import GovDateField, choices, strip

YES_NO = {"yes": "Yes", "no": "No"}


class SettingsForm(FlaskForm):
    earned_autonomy = RadioField(
        "Is the council in Earned Autonomy?",
        description="A council in Earned Autonomy is paid up front and makes no payment-by-results claims: the claim "
        "pages are switched off. The quarterly progress return is still made.",
        widget=GovRadioInput(),
        choices=choices(
            {"no": "No: the council makes payment-by-results claims", "yes": "Yes: claims are switched off"}
        ),
        validators=[InputRequired("Select whether the council is in Earned Autonomy")],
    )
    sample_percent = IntegerField(
        "Internal audit sample",
        description="The percentage of each route's families internal audit checks in every claim (at least one "
        "family per route). Use 100 for a new scheme.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the audit sample as a whole number, like 10"),
            NumberRange(1, 100, "The audit sample must be between 1%% and 100%%"),
        ],
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())


class WindowForm(FlaskForm):
    label = StringField(
        "Name",
        description="For example, 2026-27 Q3",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter a name for the window"), Length(max=60, message="Use 60 characters or fewer")],
    )
    starts_on = GovDateField("Start date", what="the start date", allow_future=True,
                             validators=[InputRequired("Enter the start date")])
    ends_on = GovDateField("End date", what="the end date", allow_future=True,
                           validators=[InputRequired("Enter the end date")])
    submission_deadline = GovDateField("Submission deadline", what="the submission deadline", allow_future=True,
                                       validators=[InputRequired("Enter the submission deadline")])
    submit = SubmitField("Save window", widget=GovSubmitInput())


class QuarterWindowsForm(FlaskForm):
    year = SelectField("Financial year", widget=GovSelect(), validate_choice=False,
                       validators=[DataRequired("Select a financial year")])
    submit = SubmitField("Add the year's quarterly windows", widget=GovSubmitInput())


class AllocationForm(FlaskForm):
    label = StringField(
        "Programme period",
        description="For example, Troubled Families 2015 to 2021",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the programme period"), Length(max=80, message="Use 80 characters or fewer")],
    )
    starts_on = GovDateField("Start date", what="the start date", allow_future=True,
                             validators=[InputRequired("Enter the start date")])
    ends_on = GovDateField("End date", what="the end date", allow_future=True,
                           validators=[InputRequired("Enter the end date")])
    results = IntegerField(
        "Allocation",
        description="The most results the council can be paid for in the period",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the allocation as a whole number of results"),
            NumberRange(0, 10_000_000, "The allocation must be 0 or more results"),
        ],
    )
    submit = SubmitField("Save allocation", widget=GovSubmitInput())


class BuildForm(FlaskForm):
    # Thousands of families: the service checks each id against the families on offer, not WTForms' choices.
    families = SelectMultipleField("Families to claim for", validate_choice=False, coerce=int)
    submit = SubmitField("Build the draft claim", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A step that needs no more than a button (and the CSRF token)."""


class RemoveLineForm(FlaskForm):
    reason = TextAreaField(
        "Why is the family removed from the claim?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Enter why the family is removed"), Length(max=2000)],
    )
    submit = SubmitField("Remove from the claim", widget=GovSubmitInput())


def _check(label: str) -> RadioField:
    return RadioField(label, widget=GovRadioInput(), choices=choices(YES_NO),
                      validators=[InputRequired(f"Select yes or no for: {label.lower()}")])


class CheckForm(FlaskForm):
    eligible = _check("Eligible at attachment")
    whole_family = _check("Whole-family working: assessment, family plan and lead practitioner")
    evidenced = _check("Result evidenced")
    verdict = RadioField(
        "Verdict",
        widget=GovRadioInput(),
        choices=choices(AUDIT_VERDICTS),
        validators=[InputRequired("Select pass, fail or query")],
    )
    note = TextAreaField(
        "Note",
        description="Needed for a fail or a query: what is wrong or what needs answering",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Length(max=4000, message="Use 4,000 characters or fewer")],
    )
    submit = SubmitField("Save the check", widget=GovSubmitInput())


class SubmitForm(FlaskForm):
    submitted_on = GovDateField("Date submitted to the department", what="the date submitted",
                                validators=[InputRequired("Enter the date the claim was submitted")])
    department_reference = StringField(
        "The department's reference (optional)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=80, message="Use 80 characters or fewer")],
    )
    submit = SubmitField("Record submission", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    outcome = RadioField(
        "The department's verdict",
        widget=GovRadioInput(),
        choices=choices({REJECTED: "Rejected", CLAWED_BACK: "Clawed back after a spot check"}),
        validators=[InputRequired("Select rejected or clawed back")],
    )
    reason = TextAreaField(
        "The department's reason",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Enter the department's reason"), Length(max=4000)],
    )
    disposition = RadioField(
        "What happens to the family",
        widget=GovRadioInput(),
        choices=choices(DISPOSITIONS),
        validators=[InputRequired("Select what happens to the family")],
    )
    submit = SubmitField("Record the verdict", widget=GovSubmitInput())
