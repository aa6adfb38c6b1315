from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tfclaims.forms import GovDateField, choices, strip
from tfclaims.progress import rules
from tfclaims.progress.models import (
    EPISODE_END_REASONS,
    EVENT_KINDS,
    EVENT_SOURCES,
    MEASURE_SOURCES,
    PRIOR_BENEFITS,
    STATUS_KINDS,
)
from tfclaims.text import long_date

DECISIONS = {
    "accept": "Sign it off: the evidence shows significant and sustained progress",
    "decline": "Do not accept it",
}


class _MemberForm(FlaskForm):
    """A form about one member of the family. The service checks the member belongs to it."""

    member_id = SelectField(
        "Family member",
        widget=GovSelect(),
        validate_choice=False,
        validators=[DataRequired("Select the family member")],
    )

    def set_members(self, members) -> None:
        self.member_id.choices = [SelectChoice("", "Select a member")] + [
            SelectChoice(str(m.id), f"{m.full_name} (born {long_date(m.date_of_birth)})") for m in members
        ]


class MeasureForm(_MemberForm):
    period_label = StringField(
        "Term",
        description="For example, Autumn term 2016",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired("Enter the term, like Autumn term 2016"),
            Length(max=60, message="The term must be 60 characters or fewer"),
        ],
    )
    period_start = GovDateField(
        "Start of the term",
        what="the start of the term",
        description="For example, 5 9 2016",
        validators=[InputRequired("Enter the start of the term")],
    )
    period_end = GovDateField(
        "End of the term",
        what="the end of the term",
        description="For example, 16 12 2016",
        validators=[InputRequired("Enter the end of the term")],
    )
    value = StringField(
        "Attendance",
        description="The percentage of possible sessions attended, from 0 to 100, with up to one decimal place",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the attendance")],
    )
    source = RadioField(
        "Where the figure comes from",
        widget=GovRadioInput(),
        choices=choices(MEASURE_SOURCES),
        invalid_choice_message="Select where the figure comes from",
        validators=[InputRequired("Select where the figure comes from")],
    )
    submit = SubmitField("Save attendance", widget=GovSubmitInput())

    def validate_value(self, field):
        problem = rules.percentage_problem(field.data, "Attendance")
        if problem:
            raise ValidationError(problem)


# The absence measures (``vocabulary.ABSENCE_MEASURES``), as the form asks for them.
ABSENCE_CHOICES = {
    "unauthorised_absence": "Unauthorised absence",
    "overall_absence": "Overall absence (authorised and unauthorised)",
}


class AbsenceForm(MeasureForm):
    """A child's absence in a term: unauthorised, or overall, as a percentage of possible sessions."""

    kind = RadioField(
        "Which absence",
        widget=GovRadioInput(),
        choices=choices(ABSENCE_CHOICES),
        invalid_choice_message="Select which absence the figure is",
        validators=[InputRequired("Select which absence the figure is")],
    )
    value = StringField(
        "Absence",
        description="The percentage of possible sessions missed, from 0 to 100, with up to one decimal place",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the absence")],
    )
    submit = SubmitField("Save absence", widget=GovSubmitInput())

    def validate_value(self, field):
        problem = rules.percentage_problem(field.data, "Absence")
        if problem:
            raise ValidationError(problem)


class EventForm(_MemberForm):
    kind = RadioField(
        "What happened",
        widget=GovRadioInput(),
        choices=choices(EVENT_KINDS),
        invalid_choice_message="Select what happened",
        validators=[InputRequired("Select what happened")],
    )
    occurred_on = GovDateField(
        "Date it happened",
        what="the date it happened",
        description="For example, 14 3 2019",
        validators=[InputRequired("Enter the date it happened")],
    )
    source = SelectField(
        "Reported by",
        widget=GovSelect(),
        choices=choices(EVENT_SOURCES, "Select who reported it"),
        invalid_choice_message="Select who reported it",
        validators=[DataRequired("Select who reported it")],
    )
    note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="The note must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Save event", widget=GovSubmitInput())


class SpellForm(_MemberForm):
    started_on = GovDateField(
        "Start date",
        what="the start date",
        description="The first day in work, for example 3 6 2019",
        validators=[InputRequired("Enter the start date")],
    )
    ended_on = GovDateField(
        "End date (optional)",
        what="the end date",
        description="Leave blank while the member is still in this work",
    )
    hours_per_week = StringField(
        "Hours a week",
        description="The hours the member works in a usual week, like 16 or 37.5",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the hours a week")],
    )
    prior_benefit = RadioField(
        "Out-of-work benefit before this work",
        widget=GovRadioInput(),
        choices=choices(PRIOR_BENEFITS),
        invalid_choice_message="Select the benefit the member was on before",
        validators=[InputRequired("Select the benefit the member was on before")],
    )
    employer = StringField(
        "Employer (optional)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=160, message="The employer must be 160 characters or fewer")],
    )
    submit = SubmitField("Save employment", widget=GovSubmitInput())

    def validate_hours_per_week(self, field):
        problem = rules.hours_problem(field.data)
        if problem:
            raise ValidationError(problem)


class EpisodeForm(_MemberForm):
    kind = RadioField(
        "Plan",
        widget=GovRadioInput(),
        choices=choices(STATUS_KINDS),
        invalid_choice_message="Select the kind of plan",
        validators=[InputRequired("Select the kind of plan")],
    )
    started_on = GovDateField(
        "Start date",
        what="the start date",
        description="For example, 14 3 2019",
        validators=[InputRequired("Enter the start date")],
    )
    ended_on = GovDateField(
        "End date (optional)",
        what="the end date",
        description="Leave blank while the plan is open",
    )
    end_reason = SelectField(
        "Reason the plan ended",
        description="Required when you enter an end date",
        widget=GovSelect(),
        choices=choices(EPISODE_END_REASONS, "The plan has not ended"),
        invalid_choice_message="Select the reason the plan ended",
    )
    submit = SubmitField("Save plan", widget=GovSubmitInput())


class EvidenceForm(FlaskForm):
    problem_id = RadioField(
        "Headline problem",
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired("Select the headline problem the progress is on")],
    )
    statement = TextAreaField(
        "Evidence of progress",
        description=(
            "What has changed, since when, and how you know it. A manager reads this before deciding whether to "
            "sign it off."
        ),
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired("Enter the evidence of progress"),
            Length(max=5000, message="The evidence must be 5,000 characters or fewer"),
        ],
    )
    progress_from = GovDateField(
        "Progress made from",
        what="the date progress was made from",
        description="The date the progress started, on or after the attachment date",
        validators=[InputRequired("Enter the date progress was made from")],
    )
    submit = SubmitField("Save evidence", widget=GovSubmitInput())

    def set_problems(self, problems) -> None:
        self.problem_id.choices = [SelectChoice(str(p.id), f"{p.number}. {p.name}") for p in problems]


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=choices(DECISIONS),
        invalid_choice_message="Select whether you sign off the evidence",
        validators=[InputRequired("Select whether you sign off the evidence")],
    )
    decision_reason = TextAreaField(
        "Reason (required if you do not accept it)",
        description="The lead practitioner sees this with the evidence",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="The reason must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class ConfirmDeleteForm(FlaskForm):
    submit = SubmitField("Yes, delete", widget=GovSubmitInput())
