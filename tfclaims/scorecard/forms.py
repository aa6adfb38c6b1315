"""Scorecard forms: the month chooser (GET), an indicator, a value, a target, a benchmark, commentary, and the CSV
import. Months and numbers are typed as text and read by ``rules.parse_month`` and ``rules.parse_number``, the
same as in an imported file."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tfclaims.forms import choices, strip, upper_no_spaces
from tfclaims.scorecard import rules
from tfclaims.scorecard.models import BENCHMARK_KINDS, UNITS

YES_NO = {"yes": "Yes: a higher value is better", "no": "No: a lower value is better"}


class MonthForm(FlaskForm):
    """Which month's scorecard: sent by GET, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    month = SelectField("Month", widget=GovSelect(), validate_choice=False)

    def __init__(self, *args, offered: list[date], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = offered  # newest first
        self.default = rules.last_complete_month(today)
        this_month = rules.month_start(today)
        self.month.choices = [
            SelectChoice(rules.month_slug(m), rules.month_label(m) + (" – not over yet" if m == this_month else ""))
            for m in offered
        ]

    def validate_month(self, field) -> None:
        if not (field.data or "").strip():
            return  # none chosen: the last complete month
        chosen = rules.parse_month(field.data)
        if chosen is None:
            raise ValidationError(f"Select a month from the list, for example {rules.month_label(self.default)}")
        if chosen not in self.offered:
            first, last = self.offered[-1], self.offered[0]
            raise ValidationError(f"Select a month from {rules.month_label(first)} to {rules.month_label(last)}")

    @property
    def chosen(self) -> date:
        return rules.parse_month(self.month.data) or self.default

    def show_chosen(self) -> None:
        if not self.month.errors:
            self.month.data = rules.month_slug(self.chosen)


class _MonthText(StringField):
    """A month typed in any of the council's styles (Oct-26, October 2026, 10/2026, 2026-10): ``data`` is the first
    day of the month, or None."""

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = rules.parse_month(self.raw_text) if self.raw_text else None

    def pre_validate(self, form):
        text = getattr(self, "raw_text", "")
        if text and self.data is None:
            raise ValidationError(f"Enter the month as {rules.MONTH_FORMATS}")

    def _value(self):
        if getattr(self, "raw_text", None):
            return self.raw_text
        return rules.month_slug(self.data) if isinstance(self.data, date) else ""


class _NumberText(StringField):
    """A number typed as 42, 12.5 or 1,234: ``data`` is a float, or None when left blank."""

    def __init__(self, *args, what: str = "the value", **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = rules.parse_number(self.raw_text) if self.raw_text else None

    def pre_validate(self, form):
        text = getattr(self, "raw_text", "")
        if text and self.data is None:
            raise ValidationError(f"Enter {self.what} as a number, like 42 or 12.5")

    def _value(self):
        if getattr(self, "raw_text", None):
            return self.raw_text
        return rules.format_value(self.data).replace(",", "") if self.data is not None else ""


def _month_required(form, field) -> None:
    if field.data is None and not getattr(field, "raw_text", ""):
        raise ValidationError("Enter the month")


class IndicatorForm(FlaskForm):
    code = StringField(
        "Reference code",
        description="A short code used on the scorecard and in imported files, like EH01",
        widget=GovTextInput(),
        filters=[upper_no_spaces],
        validators=[DataRequired("Enter the reference code"), Length(max=20, message="Use 20 characters or fewer")],
    )
    name = StringField(
        "Indicator",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the indicator's name"), Length(max=200, message="Use 200 characters or fewer")],
    )
    owner = StringField(
        "Owner (optional)",
        description="Who is accountable for the indicator, like Head of Early Help",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=120, message="Use 120 characters or fewer")],
    )
    reporter = StringField(
        "Reporter (optional)",
        description="Who provides the figures each month",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=120, message="Use 120 characters or fewer")],
    )
    up_is_good = RadioField(
        "Is up good?",
        widget=GovRadioInput(),
        choices=choices(YES_NO),
        validators=[InputRequired("Select whether a higher value is better")],
    )
    unit = RadioField(
        "Unit", widget=GovRadioInput(), choices=choices(UNITS), validators=[InputRequired("Select the unit")]
    )
    period_months = RadioField(
        "Period",
        description="The % change from the previous period compares with the month before, or with three months "
        "before for a quarterly indicator",
        widget=GovRadioInput(),
        coerce=int,
        choices=[SelectChoice(k, v) for k, v in rules.PERIODS.items()],
        validators=[InputRequired("Select monthly or quarterly")],
    )
    position = IntegerField(
        "Order on the scorecard (optional)",
        description="Indicators are listed from the lowest number. Leave it blank to keep the order, or to add the "
        "indicator at the end.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(0, 9999, "Enter a whole number from 0 to 9999")],
    )
    submit = SubmitField("Save indicator", widget=GovSubmitInput())


class ValueForm(FlaskForm):
    month = _MonthText(
        "Month",
        description="For example, 2026-10 or October 2026",
        widget=GovTextInput(),
        validators=[_month_required],
    )
    value = _NumberText(
        "Value",
        description="A value already entered for the month is replaced. Leave it blank to remove the month's value.",
        widget=GovTextInput(),
    )
    submit = SubmitField("Save value", widget=GovSubmitInput())


class TargetForm(FlaskForm):
    year = StringField(
        "Financial year",
        description="For example, 2026-27 (April 2026 to March 2027)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the financial year")],
    )
    value = _NumberText(
        "Target",
        description="Leave it blank to remove the year's target",
        widget=GovTextInput(),
        what="the target",
    )
    submit = SubmitField("Save target", widget=GovSubmitInput())


class BenchmarkForm(FlaskForm):
    kind = RadioField(
        "Benchmark",
        widget=GovRadioInput(),
        choices=choices(BENCHMARK_KINDS),
        validators=[InputRequired("Select statistical neighbours, England or region")],
    )
    value = _NumberText(
        "Value",
        description="Leave it blank to remove the benchmark",
        widget=GovTextInput(),
        what="the benchmark",
    )
    period = StringField(
        "What the figure is for (optional)",
        description="For example, 2025-26 or March 2026",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=40, message="Use 40 characters or fewer")],
    )
    submit = SubmitField("Save benchmark", widget=GovSubmitInput())


class CommentForm(FlaskForm):
    month = _MonthText(
        "Month",
        description="For example, 2026-10 or October 2026",
        widget=GovTextInput(),
        validators=[_month_required],
    )
    text = TextAreaField(
        "Commentary",
        description="What the figures show and why. Leave it blank to remove the month's commentary.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Length(max=4000, message="Use 4,000 characters or fewer")],
    )
    submit = SubmitField("Save commentary", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    file = FileField(
        "Upload a CSV file",
        description="Columns code, month and value; smaller than 2 MB",
        widget=GovFileInput(),
        validators=[FileRequired("Select a CSV file to import")],
    )
    submit = SubmitField("Import values", widget=GovSubmitInput())
