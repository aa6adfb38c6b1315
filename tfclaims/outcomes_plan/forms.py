"""Forms of the outcomes plan pages. Choices that come from the database are set by the view."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tfclaims.engine.criteria import KINDS, Kind
from tfclaims.forms import GovDateField, choices, strip
from tfclaims.outcomes_plan import rules
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES
from tfclaims.outcomes_plan.vocabulary import DESCRIPTOR_APPLIES_TO

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
    applies_to = RadioField(
        "Who can meet this descriptor?",
        description="Checked when a family is attached: ages on the attachment date, or on the evidence date for a "
        "problem identified after attachment",
        widget=GovRadioInput(),
        choices=choices(DESCRIPTOR_APPLIES_TO),
        default="any",  # and when a form leaves it out: existing plans apply to anyone
        invalid_choice_message="Select who the descriptor applies to",
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


# ---------------------------------------------------------------- success criteria


class CriterionKindForm(FlaskForm):
    """Step 1 of adding a success criterion: which kind. Each kind's description is its hint."""

    kind = RadioField(
        "What kind of success criterion?",
        widget=GovRadioInput(),
        choices=[SelectChoice(kind.code, kind.name) for kind in KINDS.values()],
        invalid_choice_message="Select a kind of success criterion",
        validators=[InputRequired("Select a kind of success criterion")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    @staticmethod
    def hints() -> list[dict]:
        """Radio item params, in the order of the choices: each kind's description as its hint."""
        return [{"hint": {"text": kind.description}} for kind in KINDS.values()]


class CriterionForm(FlaskForm):
    """Step 2: the settings of one kind, made by ``criterion_form_class``, and the wording."""

    kind: Kind
    parameter_names: tuple[str, ...] = ()

    def parameters(self) -> dict:
        return {name: self[name].data for name in self.parameter_names}

    def parameter_fields(self) -> list:
        return [self[name] for name in self.parameter_names]


_RESERVED = set(dir(CriterionForm)) | {"wording", "submit", "csrf_token"}


def _range_hint(parameter) -> str:
    low, high = parameter.minimum, parameter.maximum
    if low is None or high is None:
        return ""
    whole = "A whole number" if parameter.type == "int" else "A number"
    return f"{whole} from {rules.number_text(low)} to {rules.number_text(high)}."


def _parameter_field(parameter):
    if parameter.type == "choice":
        return SelectField(
            parameter.label,
            description=parameter.hint,
            widget=GovSelect(),
            choices=choices(parameter.options or {}, f"Select the {parameter.label.lower()}"),
            validate_choice=False,
        )
    if parameter.type == "choices":
        return SelectMultipleField(
            parameter.label,
            description=parameter.hint or "Select all that apply",
            widget=GovCheckboxesInput(),
            choices=[SelectChoice(code, label) for code, label in (parameter.options or {}).items()],
            validate_choice=False,
        )
    hint = " ".join(
        part for part in (parameter.hint.rstrip(".") + "." if parameter.hint else "", _range_hint(parameter)) if part
    )
    return StringField(
        parameter.label,
        description=hint,
        widget=GovTextInput(),
        filters=[strip],
        render_kw={"inputmode": "numeric" if parameter.type == "int" else "decimal", "spellcheck": False},
    )


def criterion_form_class(kind: Kind) -> type[CriterionForm]:
    """A form for one kind of criterion, its fields built from the kind's parameters (checked by the service)."""
    attrs: dict = {"kind": kind, "parameter_names": tuple(p.name for p in kind.parameters)}
    for parameter in kind.parameters:
        if parameter.name in _RESERVED:
            raise ValueError(f"A criterion parameter cannot be called {parameter.name!r}: the form uses the name")
        attrs[parameter.name] = _parameter_field(parameter)
    attrs["wording"] = TextAreaField(
        "Wording (optional)",
        description="What users read for this criterion. Leave it blank to use the standard wording made from "
        "the settings.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=rules.TEXT_MAX, message="Wording must be 2,000 characters or fewer")],
    )
    attrs["submit"] = SubmitField("Save success criterion", widget=GovSubmitInput())
    return type(f"CriterionForm_{kind.code}", (CriterionForm,), attrs)


def criterion_form_data(kind: Kind, parameters: dict, wording: str) -> dict:
    """What a criterion's form starts with when it is changed: its settings as typed, and its own wording."""
    data: dict = {"wording": wording}
    for parameter in kind.parameters:
        value = (parameters or {}).get(parameter.name)
        if parameter.type in ("int", "number") and value is not None:
            value = rules.number_text(value)
        data[parameter.name] = value
    return data


# ---------------------------------------------------------------- sharing and comparing


class ImportForm(FlaskForm):
    file = FileField(
        "Upload a plan file",
        description="A YAML or JSON file exported from tfclaims (.yaml, .yml or .json), smaller than 1 MB",
        widget=GovFileInput(),
        validators=[FileRequired("Select a plan file to import")],
    )
    name = StringField(
        "Name for the new plan (optional)",
        description="Leave it blank to use the plan name in the file. Each plan needs its own name.",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=160, message="Plan name must be 160 characters or fewer")],
    )
    submit = SubmitField("Import plan", widget=GovSubmitInput())


class CompareForm(FlaskForm):
    """Which two versions of a plan to compare. Sent by GET: no CSRF token, nothing changes."""

    class Meta:
        csrf = False

    left = SelectField(
        "Compare version",
        widget=GovSelect(),
        coerce=int,
        choices=[],
        invalid_choice_message="Select the first version to compare",
        invalid_value_message="Select the first version to compare",
    )
    right = SelectField(
        "with version",
        widget=GovSelect(),
        coerce=int,
        choices=[],
        invalid_choice_message="Select the second version to compare",
        invalid_value_message="Select the second version to compare",
    )
    submit = SubmitField("Compare", widget=GovSubmitInput())

    def set_versions(self, versions) -> None:
        options = [
            SelectChoice(v.id, f"Version {v.number} ({'published' if v.is_published else 'draft'})") for v in versions
        ]
        self.left.choices = options
        self.right.choices = list(options)

    def validate_right(self, field):
        if self.left.data is not None and field.data == self.left.data:
            raise ValidationError("Select two different versions to compare")


# ---------------------------------------------------------------- national settings of a framework


class FrameworkSettingsForm(FlaskForm):
    """A framework's national settings; its continuous-employment fields, one set per benefit, are added by
    ``framework_settings_form_class``. Numbers are text fields: the service checks them and says what is wrong."""

    benefits: dict[str, str] = {}
    uses_outcome_months = False

    def employment_rows(self) -> list[tuple[str, str, list]]:
        """(code, name, [weeks, window, hours fields]) per benefit, in order."""
        return [
            (code, name, [self[rules.employment_field(code, key)] for key in rules.EMPLOYMENT_KEYS])
            for code, name in self.benefits.items()
        ]

    def raw(self) -> dict:
        """The values as typed, for ``rules.check_framework_settings``."""
        return {field.name: field.data for field in self if field.name not in ("csrf_token", "submit")}


def _number_field(label: str, hint: str = "", numeric: bool = True) -> StringField:
    return StringField(
        label,
        description=hint,
        widget=GovTextInput(),
        filters=[strip],
        render_kw={"inputmode": "numeric" if numeric else "decimal", "spellcheck": False},
    )


def framework_settings_form_class(benefits: dict[str, str], uses_outcome_months: bool) -> type[FrameworkSettingsForm]:
    attrs: dict = {
        "benefits": dict(benefits),
        "uses_outcome_months": uses_outcome_months,
        "starts_on": GovDateField(
            "Start date",
            what="the start date",
            allow_future=True,
            description="The first day a family can be attached under this framework, for example 1 4 2015",
        ),
        "ends_on": GovDateField(
            "End date",
            what="the end date",
            allow_future=True,
            description="The last day a family can be attached under this framework, for example 31 3 2021",
        ),
        "attachment_payment": _number_field(
            "Attachment payment, in pounds", "Paid per family attached. 0 if there is none.", numeric=False
        ),
        "result_payment": _number_field("Results payment, in pounds", "Paid per family result claimed.", False),
        "min_problems": _number_field(
            "Minimum number of problems", "How many different problems a family needs to be attached"
        ),
    }
    if uses_outcome_months:
        attrs["outcome_months"] = _number_field(
            "Outcome judged, months after the case closed",
            "Every need must still have its positive outcome this many months after the case closed",
        )
    attrs["recurrence_reopens"] = RadioField(
        "Does a problem that recurs after it was sustained invalidate the result?",
        description="Until it is sustained again. On in phase 1 of the programme.",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validate_choice=False,
    )
    for code, name in benefits.items():
        attrs[rules.employment_field(code, "weeks")] = _number_field(f"Weeks in work after {name}", "", True)
        attrs[rules.employment_field(code, "window_weeks")] = _number_field(
            f"Within a window of weeks after {name}", "", True
        )
        attrs[rules.employment_field(code, "min_hours")] = _number_field(
            f"Minimum hours a week after {name}", "0 for any hours", numeric=False
        )
    attrs["submit"] = SubmitField("Save settings", widget=GovSubmitInput())
    return type("FrameworkSettingsForm_", (FrameworkSettingsForm,), attrs)


def framework_settings_data(framework, benefits: dict[str, str]) -> dict:
    """What the settings form starts with: the framework's settings as typed."""
    data = {
        "starts_on": framework.starts_on,
        "ends_on": framework.ends_on,
        "attachment_payment": rules.pounds_text(framework.attachment_payment_pence),
        "result_payment": rules.pounds_text(framework.result_payment_pence),
        "min_problems": str(framework.min_problems),
        "outcome_months": rules.number_text(framework.outcome_months_after_closure)
        if framework.outcome_months_after_closure is not None
        else "",
        "recurrence_reopens": "yes" if framework.recurrence_reopens else "no",
    }
    employment = framework.employment_rules or {}
    for code in benefits:
        setting = employment.get(code) or {}
        for key in rules.EMPLOYMENT_KEYS:
            value = setting.get(key)
            data[rules.employment_field(code, key)] = "" if value is None else rules.number_text(value)
    return data
