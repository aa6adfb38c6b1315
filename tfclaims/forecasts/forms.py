from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tfclaims import clock
from tfclaims.forms import GovDateField, strip

LATEST_YEAR = 2099


class AsOfForm(FlaskForm):
    """The forecast's date: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    as_of = GovDateField("As of", what="the as-of date", allow_future=True, earliest=date(2000, 1, 1))

    def validate_as_of(self, field) -> None:
        if field.data and field.data.year > LATEST_YEAR:
            raise ValidationError(f"The as-of date must be before {LATEST_YEAR + 1}")

    @property
    def as_of_date(self) -> date:
        return self.as_of.data or clock.today()

    def show_as_of(self) -> None:
        if not self.as_of.errors:
            self.as_of.data = self.as_of_date
            self.as_of.raw_data = None


def rate_value(text: str | None) -> float | None:
    """ "40", "40%", "37.5" -> a number; blank -> None. Raises ValueError for anything else."""
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return None
    return float(text)


class RateForm(FlaskForm):
    assumed_rate_percent = StringField(
        "Assumed conversion rate",
        description="The share of attached families expected to become a claimed result, as a percentage. Leave it "
        "blank to use the observed rate.",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=10)],
    )
    save_rate = SubmitField("Use this rate", widget=GovSubmitInput())

    def validate_assumed_rate_percent(self, field) -> None:
        try:
            value = rate_value(field.data)
        except ValueError as error:
            raise ValidationError("Enter the rate as a number, like 40") from error
        if value is not None and not 0 < value <= 100:
            raise ValidationError("The rate must be more than 0% and no more than 100%")


class MaturityForm(FlaskForm):
    maturity_months = IntegerField(
        "Maturity age",
        description="How many months after the end of its attachment quarter a cohort counts towards the observed "
        "rate",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the maturity age in months"),
                    NumberRange(1, 60, "The maturity age must be between 1 and 60 months")],
    )
    save_maturity = SubmitField("Save maturity age", widget=GovSubmitInput())


class TargetForm(FlaskForm):
    label = StringField("Programme year", description="For example, 2026-27", widget=GovTextInput(),
                        filters=[strip], validators=[DataRequired("Enter the programme year"), Length(max=60)])
    starts_on = GovDateField("Start of the target period", what="the start of the target period", allow_future=True,
                             validators=[InputRequired("Enter the start of the target period")])
    ends_on = GovDateField("End of the target period", what="the end of the target period", allow_future=True,
                           validators=[InputRequired("Enter the end of the target period")])
    results_target = IntegerField(
        "Target results", description="Payment-by-results claims (results) to make in the period",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the target as a whole number of results"),
                    NumberRange(1, 1_000_000, "The target must be 1 result or more")],
    )
    attachment_target = IntegerField(
        "Attachment target", widget=GovTextInput(),
        validators=[InputRequired("Enter the attachment target as a whole number"),
                    NumberRange(0, 1_000_000, "The attachment target must be 0 or more")],
    )
    attachment_deadline = GovDateField(
        "Attachment deadline", what="the attachment deadline", allow_future=True,
        description="The last date an attachment can still mature into a claim in time",
        validators=[InputRequired("Enter the attachment deadline")],
    )
    claim_deadline = GovDateField("Claim deadline", what="the claim deadline", allow_future=True,
                                  validators=[InputRequired("Enter the claim deadline")])
    assumed_rate_percent = StringField(
        "Assumed conversion rate (optional)", description="A percentage; leave blank to use the observed rate",
        widget=GovTextInput(), filters=[strip], validators=[Optional(), Length(max=10)],
    )
    submit = SubmitField("Save target", widget=GovSubmitInput())

    validate_assumed_rate_percent = RateForm.validate_assumed_rate_percent
