from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from tfclaims.forms import GovDateField, choices, strip
from tfclaims.retention.vocabulary import (
    MAX_AUDIT_WINDOW_YEARS,
    MAX_FAMILY_YEARS,
    MEMBER_ERASURE_REASONS,
    MIN_YEARS,
    STARTS_FROM,
)


class WholeNumberField(IntegerField):
    """A whole number with the GOV.UK message for anything else ("1e309", "8.5", "eight")."""

    def __init__(self, label=None, validators=None, *, what: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (valuelist[0] or "").strip():
            return
        text = valuelist[0].strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 6:
            raise ValueError(f"{self.what.capitalize()} must be a whole number of years, like 8")
        self.data = int(text)


class ScheduleForm(FlaskForm):
    years = WholeNumberField(
        "How many years to keep a family's records",
        what="the years to keep a family's records",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter how many years to keep a family's records"),
            NumberRange(MIN_YEARS, MAX_FAMILY_YEARS,
                        f"Enter a number of years from {MIN_YEARS} to {MAX_FAMILY_YEARS}"),
        ],
    )
    starts_from = RadioField(
        "Counted from",
        widget=GovRadioInput(),
        choices=choices(STARTS_FROM),
        validators=[InputRequired("Select when the retention period starts")],
    )
    audit_years = WholeNumberField(
        "The department's audit window for claims, in years",
        what="the audit window",
        description="A family stays while any of its claim lines is in a claim not submitted yet, or in a claim "
        "submitted less than this many years ago: the department may still check or claw back the result.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the audit window in years"),
            NumberRange(MIN_YEARS, MAX_AUDIT_WINDOW_YEARS,
                        f"Enter a number of years from {MIN_YEARS} to {MAX_AUDIT_WINDOW_YEARS}"),
        ],
    )
    submit = SubmitField("Save the schedule", widget=GovSubmitInput())


class HoldForm(FlaskForm):
    reason = TextAreaField(
        "Why must the family's records be kept?",
        description="For example, the court proceedings, inquiry or complaint they are needed for, and its "
        "reference. Write a reference rather than a person's name.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Enter why the family's records must be kept"),
                    Length(max=1000, message="Use 1,000 characters or fewer")],
    )
    submit = SubmitField("Place the legal hold", widget=GovSubmitInput())


class ReleaseForm(FlaskForm):
    reason = TextAreaField(
        "Why is the hold released?",
        description="For example, the proceedings have ended. Once released, the family's records are erased when "
        "the retention schedule says so.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Enter why the hold is released"),
                    Length(max=1000, message="Use 1,000 characters or fewer")],
    )
    submit = SubmitField("Release the hold", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField("Erase these records", widget=GovSubmitInput())


class DryRunForm(FlaskForm):
    submit = SubmitField("Start a dry run", widget=GovSubmitInput())


class MemberErasureForm(FlaskForm):
    reason = RadioField(
        "Why are this person's records being erased?",
        widget=GovRadioInput(),
        choices=choices(MEMBER_ERASURE_REASONS),
        validators=[InputRequired("Select why the person's records are erased")],
    )
    received_on = GovDateField(
        "When was the request received?",
        what="the date the request was received",
        description="For a request under the right to erasure: the council has one month from this day to answer. "
        "For example, 27 3 2026",
    )
    note = TextAreaField(
        "Note",
        description="Where the request came from and the council's decision, with its reference. Do not write the "
        "person's name: their records are being erased.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Enter a note of the request and the decision"),
                    Length(max=1000, message="Use 1,000 characters or fewer")],
    )
    submit = SubmitField("Erase this person's records", widget=GovSubmitInput())

    def validate_received_on(self, field):
        if self.reason.data == "erasure_request" and field.data is None and not field.errors:
            raise ValidationError("Enter the date the request was received")
