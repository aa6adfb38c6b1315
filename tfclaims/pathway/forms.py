"""The early-help pathway's GOV.UK forms: one per record. The services check the order of the records."""

from __future__ import annotations

import re
from datetime import time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tfclaims.forms import GovDateField, choices, strip
from tfclaims.pathway.vocabulary import (
    AGENCIES,
    CLOSURE_REASONS,
    CONTACT_KINDS,
    DECISIONS,
    MEETING_KINDS,
    REQUEST_SOURCES,
    STANDARD_ITEMS,
    STEP_DIRECTIONS,
    SUPERVISION_KINDS,
)
from tfclaims.text import long_date

TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """'9:30', '09.30', '14:05', '2pm', '2:15pm', 'midday', 'noon', 'midnight'; None when not a time of day."""
    text = (text or "").strip().lower().replace(" ", "")
    if text in ("midday", "noon", "12noon"):
        return time(12)
    if text == "midnight":
        return time(0)
    match = TIME.match(text)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group(2) is None:
        return None  # a bare number is not a time: "9" could be morning or evening
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(StringField):
    """A time of day typed as text, for example 9:30am or 14:30."""

    def __init__(self, label=None, validators=None, *, what: str, **kwargs):
        super().__init__(label, validators, widget=GovTextInput(), filters=[strip], **kwargs)
        self.what = what

    def post_validate(self, form, validation_stopped):
        self.time = None
        if self.errors or not self.data:
            return
        self.time = parse_time(self.data[:20])
        if self.time is None:
            self.errors.append(f"Enter {self.what} as a time of day, like 9:30am or 14:30")


class WholeNumberField(IntegerField):
    """A whole number with a message written for the user (WTForms says "Not a valid integer value")."""

    def __init__(self, label=None, validators=None, *, what: str, **kwargs):
        super().__init__(label, validators, widget=GovTextInput(), **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        if not (text.isascii() and text.isdigit() and len(text) <= 6):
            raise ValueError(f"Enter {self.what} as a whole number, like 5")
        self.data = int(text)


def _note(label: str = "Note (optional)", required: str | None = None):
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, widget=GovTextArea(), filters=[strip],
                         validators=[*validators,
                                     Length(max=2000, message="The note must be 2,000 characters or fewer")])


class RequestForm(FlaskForm):
    received_on = GovDateField("Date received", what="the date received", description="For example, 14 3 2024",
                               validators=[InputRequired("Enter the date the request was received")])
    received_time = TimeField("Time received", what="the time received",
                              description="For example, 9:30am or 14:30",
                              validators=[InputRequired("Enter the time the request was received")])
    source = SelectField("Who asked for early help", widget=GovSelect(),
                         choices=choices(REQUEST_SOURCES, "Select who asked"),
                         invalid_choice_message="Select who asked for early help",
                         validators=[DataRequired("Select who asked for early help")])
    reason = TextAreaField("Reason for the request", widget=GovTextArea(), filters=[strip],
                           validators=[DataRequired("Enter the reason for the request"),
                                       Length(max=2000, message="The reason must be 2,000 characters or fewer")])
    submit = SubmitField("Save request", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(), choices=choices(DECISIONS),
                          invalid_choice_message="Select the decision",
                          validators=[InputRequired("Select the decision")])
    decided_on = GovDateField("Date of the decision", what="the date of the decision",
                              validators=[InputRequired("Enter the date of the decision")])
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class AllocationForm(FlaskForm):
    practitioner_id = SelectField("Lead practitioner", widget=GovSelect(), validate_choice=False,
                                  validators=[DataRequired("Select a lead practitioner")])
    team = StringField("Team", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter the team"),
                                   Length(max=120, message="The team must be 120 characters or fewer")])
    allocated_on = GovDateField("Date allocated", what="the date allocated",
                                validators=[InputRequired("Enter the date allocated")])
    allocated_time = TimeField("Time allocated", what="the time allocated", description="For example, 10:00am",
                               validators=[InputRequired("Enter the time allocated")])
    submit = SubmitField("Allocate", widget=GovSubmitInput())

    def set_practitioners(self, users) -> None:
        self.practitioner_id.choices = [SelectChoice("", "Select a practitioner")] + [
            SelectChoice(str(u.id), u.name) for u in users]


class _MembersMixin:
    def set_members(self, members) -> None:
        self.member_ids.choices = [SelectChoice(str(m.id), f"{m.full_name} (born {long_date(m.date_of_birth)})")
                                   for m in members]


class ContactForm(_MembersMixin, FlaskForm):
    occurred_on = GovDateField("Date", what="the date of the contact", description="For example, 2 10 2024",
                               validators=[InputRequired("Enter the date of the contact")])
    kind = RadioField("Kind of contact", widget=GovRadioInput(), choices=choices(CONTACT_KINDS),
                      invalid_choice_message="Select the kind of contact",
                      validators=[InputRequired("Select the kind of contact")])
    member_ids = SelectMultipleField("Who was seen", widget=GovCheckboxesInput(), validate_choice=False,
                                     validators=[DataRequired("Select who was seen")])
    child_seen_alone = BooleanField("A child was seen alone", widget=GovCheckboxInput())
    note = _note()
    submit = SubmitField("Save contact", widget=GovSubmitInput())


class AssessmentForm(_MembersMixin, FlaskForm):
    started_on = GovDateField("Date started", what="the date the assessment started",
                              validators=[InputRequired("Enter the date the assessment started")])
    completed_on = GovDateField("Date completed (optional)", what="the date the assessment was completed",
                                description="Leave blank while the assessment is in progress",
                                validators=[Optional()])
    member_ids = SelectMultipleField("Members assessed", widget=GovCheckboxesInput(), validate_choice=False,
                                     description="The children and, where needed, the adults",
                                     validators=[DataRequired("Select the members assessed")])
    submit = SubmitField("Save assessment", widget=GovSubmitInput())


class PlanForm(FlaskForm):
    opened_on = GovDateField("Date the plan opened", what="the date the plan opened",
                             validators=[InputRequired("Enter the date the plan opened")])
    copy_given_on = GovDateField("Date the family was given a copy (optional)",
                                 what="the date the family was given a copy", validators=[Optional()])
    submit = SubmitField("Save family plan", widget=GovSubmitInput())


class MeetingForm(FlaskForm):
    kind = RadioField("Meeting", widget=GovRadioInput(), choices=choices(MEETING_KINDS),
                      invalid_choice_message="Select the kind of meeting",
                      validators=[InputRequired("Select the kind of meeting")])
    held_on = GovDateField("Date held", what="the date of the meeting",
                           validators=[InputRequired("Enter the date of the meeting")])
    agencies = SelectMultipleField("Agencies present (besides early help)", widget=GovCheckboxesInput(),
                                   choices=choices(AGENCIES), validate_choice=False)
    submit = SubmitField("Save meeting", widget=GovSubmitInput())


class SupervisionForm(FlaskForm):
    kind = RadioField("Supervision", widget=GovRadioInput(), choices=choices(SUPERVISION_KINDS),
                      invalid_choice_message="Select the kind of supervision",
                      validators=[InputRequired("Select the kind of supervision")])
    held_on = GovDateField("Date", what="the date of the supervision",
                           validators=[InputRequired("Enter the date of the supervision")])
    note = _note("Case note: the decisions and actions agreed", required="Enter the case note")
    submit = SubmitField("Save supervision", widget=GovSubmitInput())


class StepForm(FlaskForm):
    direction = RadioField("Step", widget=GovRadioInput(), choices=choices(STEP_DIRECTIONS),
                           invalid_choice_message="Select a step up or a step down",
                           validators=[InputRequired("Select a step up or a step down")])
    stepped_on = GovDateField("Date", what="the date of the step",
                              validators=[InputRequired("Enter the date of the step")])
    note = _note()
    submit = SubmitField("Save step", widget=GovSubmitInput())


class ClosureForm(FlaskForm):
    closed_on = GovDateField("Date closed", what="the date the episode closed",
                             validators=[InputRequired("Enter the date the episode closed")])
    closure_reason = RadioField("Reason", widget=GovRadioInput(), choices=choices(CLOSURE_REASONS),
                                invalid_choice_message="Select why the episode closed",
                                validators=[InputRequired("Select why the episode closed")])
    letter_sent = BooleanField("The closure letter was sent to the family", widget=GovCheckboxInput())
    submit = SubmitField("Close episode", widget=GovSubmitInput())


class ConfirmDeleteForm(FlaskForm):
    submit = SubmitField("Delete", widget=GovSubmitInput())


WORKING = {"working": "Working days", "calendar": "Calendar days"}
WORKING_HOURS = {"working": "Working time (weekends and bank holidays do not count)", "calendar": "Calendar time"}


class StandardsForm(FlaskForm):
    effective_from = GovDateField("In force from", what="the date the standards take effect", allow_future=True,
                                  description="Families are judged by the standards in force on the day their "
                                              "request was received",
                                  validators=[InputRequired("Enter the date the standards take effect")])
    allocation_hours = WholeNumberField("Hours", what="the hours for allocation",
                                        validators=[InputRequired("Enter the hours for allocation")])
    allocation_working = RadioField("Counted in", widget=GovRadioInput(), choices=choices(WORKING_HOURS),
                                    validators=[InputRequired("Select how allocation is counted")])
    expected_months = WholeNumberField("Expected length of involvement (months)", what="the expected length",
                                       validators=[InputRequired("Enter the expected length of involvement")])
    note = _note("What changed and why (optional)")
    submit = SubmitField("Save standards", widget=GovSubmitInput())


for _item, _label in STANDARD_ITEMS.items():
    if _item == "allocation":
        continue
    setattr(StandardsForm, f"{_item}_days", WholeNumberField(
        "Days", what=f"the days for: {_label.lower()}",
        validators=[InputRequired(f"Enter the days for: {_label.lower()}")]))
    setattr(StandardsForm, f"{_item}_working", RadioField(
        "Counted in", widget=GovRadioInput(), choices=choices(WORKING),
        validators=[InputRequired("Select working days or calendar days")]))

DAY_ITEMS = [(item, label) for item, label in STANDARD_ITEMS.items() if item != "allocation"]


class OutcomeAreaForm(FlaskForm):
    name = StringField("Name of the area", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter the name of the area"),
                                   Length(max=80, message="The name must be 80 characters or fewer")])
    description = TextAreaField("What it covers (optional)", widget=GovTextArea(), filters=[strip],
                                validators=[Optional(), Length(max=500, message="The description must be 500 "
                                                                               "characters or fewer")])
    position = WholeNumberField("Position in the list", what="the position",
                                validators=[InputRequired("Enter the position in the list")])
    active = BooleanField("In use: scored from now on", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save area", widget=GovSubmitInput())


def scores_form(areas, members):
    """The form to score a member on one occasion: one box (1 to 10, or blank) per area of the outcome scale in
    use. Its fields are made for the council's own areas."""
    from wtforms.validators import NumberRange

    from tfclaims.pathway.vocabulary import OCCASIONS

    class ScoresForm(FlaskForm):
        member_id = SelectField("Family member", widget=GovSelect(), validate_choice=False,
                                validators=[DataRequired("Select the family member")])
        occasion = RadioField("When", widget=GovRadioInput(), choices=choices(OCCASIONS),
                              invalid_choice_message="Select when the scores were given",
                              validators=[InputRequired("Select when the scores were given")])
        scored_on = GovDateField("Date", what="the date of the scores",
                                 validators=[InputRequired("Enter the date of the scores")])

    for area in areas:
        setattr(ScoresForm, f"area_{area.id}", WholeNumberField(
            area.name, what=f"the score for {area.name.lower()}", description=area.description or None,
            validators=[Optional(), NumberRange(1, 10, f"The score for {area.name.lower()} must be from 1 to 10")]))
    ScoresForm.submit = SubmitField("Save scores", widget=GovSubmitInput())
    form = ScoresForm()
    form.member_id.choices = [SelectChoice("", "Select a member")] + [
        SelectChoice(str(m.id), f"{m.full_name} (born {long_date(m.date_of_birth)})") for m in members]
    form.area_fields = [(area, getattr(form, f"area_{area.id}")) for area in areas]
    return form
