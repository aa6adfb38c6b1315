"""Forms of the outcomes plan pages. Choices that come from the database are set by the view."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tfclaims.forms import GovDateField, choices, strip
from tfclaims.outcomes_plan import rules
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES

EFFECTIVE_FROM_HINT = "The first attachment date judged under this version, for example 1 4 2018"


def _effective_from() -> GovDateField:
    return GovDateField(
        "Effective from",
        what="the effective-from date",
        allow_future=True,
        description=EFFECTIVE_FROM_HINT,
        validators=[InputRequired("Enter the effective-from date")],
    )


def _notes(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=2000, message="Notes must be 2,000 characters or fewer")],
    )


class PlanForm(FlaskForm):
    name = StringField(
        "Plan name",
        description="For example, Brackenshire outcomes plan 2015-21",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired("Enter the plan name"),
            Length(max=160, message="Plan name must be 160 characters or fewer"),
        ],
    )
    framework = RadioField(
        "Framework",
        description="The national programme phase whose rules the plan follows",
        widget=GovRadioInput(),
        choices=[],
        invalid_choice_message="Select the framework",
        validators=[InputRequired("Select the framework")],
    )
    effective_from = _effective_from()
    notes = _notes("Notes (optional)")
    submit = SubmitField("Create plan", widget=GovSubmitInput())


class VersionForm(FlaskForm):
    """A draft's details: when it takes effect and what changed."""

    effective_from = _effective_from()
    notes = _notes("Notes (optional)")
    submit = SubmitField("Save details", widget=GovSubmitInput())


class CopyForm(FlaskForm):
    effective_from = _effective_from()
    notes = _notes("What will change in this version (optional)")
    submit = SubmitField("Copy to a new draft", widget=GovSubmitInput())


class DescriptorForm(FlaskForm):
    problem_id = RadioField(
        "Headline problem",
        description="Which headline problem this descriptor belongs to",
        widget=GovRadioInput(),
        coerce=int,
        choices=[],
        invalid_choice_message="Select the headline problem",
        validators=[InputRequired("Select the headline problem")],
    )
    code = StringField(
        "Descriptor code",
        description="A short code, unique in this version, like ED2",
        widget=GovTextInput(),
        filters=[lambda value: rules.normalise_code(value) if isinstance(value, str) else value],
        validators=[
            DataRequired("Enter a descriptor code"),
            Length(max=rules.CODE_MAX_LENGTH, message="Descriptor code must be 20 characters or fewer"),
        ],
    )
    text = TextAreaField(
        "Wording",
        description="When a family meets this descriptor, for example: a child missing 10% or more of school "
        "sessions across the last three terms",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired("Enter the wording of the descriptor"),
            Length(max=2000, message="Wording must be 2,000 characters or fewer"),
        ],
    )
    evidence_source = SelectField(
        "Usual evidence source",
        widget=GovSelect(),
        choices=choices(EVIDENCE_SOURCES, "Select a source"),
        invalid_choice_message="Select the usual evidence source",
        validators=[DataRequired("Select the usual evidence source")],
    )
    submit = SubmitField("Save descriptor", widget=GovSubmitInput())

    def validate_code(self, field):
        if field.data and not rules.code_is_valid(field.data):
            raise ValidationError(rules.CODE_FORMAT_MESSAGE)

    def set_problems(self, framework) -> None:
        noun = framework.problem_noun
        self.problem_id.label.text = noun.capitalize()
        self.problem_id.description = f"Which {noun} this descriptor belongs to"
        self.problem_id.invalid_choice_message = f"Select the {noun}"
        self.problem_id.validators = [InputRequired(f"Select the {noun}")]
        self.problem_id.choices = [SelectChoice(p.id, f"{p.number}. {p.name}") for p in framework.problems]


class PublishForm(FlaskForm):
    submit = SubmitField("Publish this version", widget=GovSubmitInput())


class DeleteForm(FlaskForm):
    submit = SubmitField("Yes, delete", widget=GovSubmitInput())
