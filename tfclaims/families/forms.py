from __future__ import annotations

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
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tfclaims.families import rules
from tfclaims.families.models import (
    CLOSURE_REASONS,
    CONSENT_GIVEN_BY,
    CONSENT_SCOPES,
    CONSENT_STATUSES,
    LAWFUL_BASES,
    LAWFUL_BASES_OFFERED,
    RELATIONSHIPS,
    SEXES,
    SPECIAL_CATEGORY_BASES,
    STATUTE_MAX_LENGTH,
    STATUTES,
)
from tfclaims.forms import GovDateField, choices, strip, upper_no_spaces
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES


class FamilyForm(FlaskForm):
    reference = StringField(
        "Family reference",
        description="The council's reference for this family, such as BRK-000123",
        widget=GovTextInput(),
        filters=[upper_no_spaces],
        validators=[
            DataRequired("Enter the family reference"),
            Length(max=40, message="Family reference must be 40 characters or fewer"),
        ],
    )
    lead_practitioner = StringField(
        "Lead practitioner",
        description="The keyworker who coordinates the family plan",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the lead practitioner's name"), Length(max=120)],
    )
    team = StringField(
        "Team", widget=GovTextInput(), filters=[strip], validators=[DataRequired("Enter the team"), Length(max=120)]
    )
    notes = TextAreaField(
        "Notes (optional)", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField("Save family", widget=GovSubmitInput())

    def validate_reference(self, field):
        if field.data and not rules.reference_is_valid(field.data):
            raise ValidationError(
                "Family reference must start with a letter or number and use only letters, numbers, "
                "hyphens, underscores and slashes"
            )


class MemberForm(FlaskForm):
    forenames = StringField(
        "Forenames",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the member's forenames"), Length(max=120)],
    )
    surname = StringField(
        "Surname",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the member's surname"), Length(max=120)],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        what="date of birth",
        description="For example, 27 3 2012",
        validators=[InputRequired("Enter the member's date of birth")],
    )
    sex = RadioField(
        "Sex", widget=GovRadioInput(), choices=choices(SEXES), validators=[InputRequired("Select the member's sex")]
    )
    relationship_to_lead = SelectField(
        "Relationship to the lead adult",
        widget=GovSelect(),
        choices=choices(RELATIONSHIPS, "Select a relationship"),
        validators=[DataRequired("Select the relationship to the lead adult")],
    )
    resident = RadioField(
        "Does this person live in the household?",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, for example a non-resident parent")],
        validators=[InputRequired("Select whether this person lives in the household")],
    )
    expectant = BooleanField(
        "Expectant parent",
        description="Tick if this person is expecting a baby (or is the partner of someone who is). A family with an "
        "expectant parent counts as a family with dependent children.",
        widget=GovCheckboxInput(),
    )
    postcode = StringField(
        "Postcode", widget=GovTextInput(), filters=[strip], validators=[DataRequired("Enter the member's postcode")]
    )
    upn = StringField(
        "Unique pupil number (optional)",
        widget=GovTextInput(),
        filters=[upper_no_spaces],
        description="13 characters, for school-age children",
        validators=[Optional()],
    )
    nhs_number = StringField(
        "NHS number (optional)",
        widget=GovTextInput(),
        filters=[upper_no_spaces],
        description="10 digits, like 485 777 3456",
        validators=[Optional()],
    )
    ni_number = StringField(
        "National Insurance number (optional)",
        widget=GovTextInput(),
        filters=[upper_no_spaces],
        description="Like QQ 12 34 56 C",
        validators=[Optional()],
    )
    pnc_number = StringField(
        "Police national computer number (optional)",
        widget=GovTextInput(),
        filters=[upper_no_spaces],
        description="Like 12/345678A",
        validators=[Optional()],
    )
    case_reference = StringField(
        "Case-management reference (optional)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=40)],
    )
    submit = SubmitField("Save member", widget=GovSubmitInput())

    def validate_postcode(self, field):
        normalised = rules.normalise_postcode(field.data)
        if field.data and normalised is None:
            raise ValidationError("Enter a real postcode, like BR4 7QT")
        field.data = normalised

    def validate_upn(self, field):
        if field.data and not rules.upn_is_valid(field.data):
            raise ValidationError(
                "Enter a unique pupil number in the correct format: a check letter then 12 characters, "
                "like H801200001001"
            )

    def validate_nhs_number(self, field):
        if field.data and not rules.nhs_number_is_valid(field.data):
            raise ValidationError(
                "Enter a valid NHS number: 10 digits, the last a check digit. Check it has been copied correctly"
            )

    def validate_ni_number(self, field):
        if field.data and not rules.ni_number_is_valid(field.data):
            raise ValidationError("Enter a National Insurance number in the correct format, like QQ 12 34 56 C")

    def validate_pnc_number(self, field):
        if field.data and not rules.pnc_is_valid(field.data):
            raise ValidationError("Enter a police national computer number in the correct format, like 12/345678A")


class EditMemberForm(MemberForm):
    correction_reason = TextAreaField(
        "Reason for a correction (optional)",
        widget=GovTextArea(),
        filters=[strip],
        description="If you are correcting the name, date of birth or an identifier, say briefly why, such as "
        "\u201cNHS number mistyped; checked with the GP\u201d. It is kept with the record's history.",
        validators=[
            Optional(),
            Length(
                max=rules.CORRECTION_REASON_MAX,
                message=f"Reason for a correction must be {rules.CORRECTION_REASON_MAX} characters or fewer",
            ),
        ],
    )


class ConsentForm(FlaskForm):
    scope = SelectMultipleField(
        "What does the decision cover?",
        widget=GovCheckboxesInput(),
        description="Select all that apply. Each is recorded on its own, so it can be withdrawn on its own.",
        choices=choices(CONSENT_SCOPES),
        validators=[DataRequired("Select what the decision covers")],
    )
    status = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=choices(CONSENT_STATUSES),
        description="Not sought: consent was not asked for, for example because asking would put a child at risk",
        validators=[InputRequired("Select whether consent was given, refused, withdrawn or not sought")],
    )
    given_by = RadioField(
        "Who decided?",
        widget=GovRadioInput(),
        choices=choices(CONSENT_GIVEN_BY),
        default="self",
        description="An adult decides for themselves. For a child, a parent or carer decides, or the child if judged "
        "competent to decide",
        validators=[InputRequired("Select who decided")],
    )
    recorded_on = GovDateField(
        "Date of the decision",
        what="the date of the decision",
        validators=[InputRequired("Enter the date of the decision")],
    )
    lawful_basis = SelectField(
        "Lawful basis for processing (UK GDPR Article 6)",
        widget=GovSelect(),
        choices=choices({k: LAWFUL_BASES[k] for k in LAWFUL_BASES_OFFERED}, "Select the lawful basis"),
        description="Without consent, the council works under public task",
        validators=[DataRequired("Select the lawful basis")],
    )
    special_category_basis = SelectField(
        "Condition for special-category data (UK GDPR Article 9)",
        widget=GovSelect(),
        choices=choices(SPECIAL_CATEGORY_BASES, "None"),
        description="Needed without consent when the family's records include health, offending, domestic abuse "
        "or children's social care",
        validators=[Optional()],
    )
    statute = SelectMultipleField(
        "Law the council relies on",
        widget=GovCheckboxesInput(),
        choices=choices(STATUTES),
        description="Needed with the Article 9 condition. Select all that apply.",
        validators=[Optional()],
    )
    statute_other = StringField(
        "Other law relied on (optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="Separate more than one with a semicolon",
        validators=[Optional(), Length(max=STATUTE_MAX_LENGTH, message="Other law relied on must be "
                                       f"{STATUTE_MAX_LENGTH} characters or fewer")],
    )
    note = TextAreaField(
        "Note (optional)", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class AttachmentDateForm(FlaskForm):
    attached_on = GovDateField(
        "Attachment date",
        what="the attachment date",
        description="The date support started: assessment done, family plan in place and a lead practitioner named",
        validators=[InputRequired("Enter the attachment date")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ProblemRowForm(Form):
    """One problem identified: a descriptor of the plan, the member, the evidence. A blank row is ignored."""

    descriptor_id = SelectField("Eligibility descriptor", widget=GovSelect(), validate_choice=False)
    member_id = SelectField("Family member it concerns", widget=GovSelect(), validate_choice=False)
    evidence_source = SelectField(
        "Evidence source",
        widget=GovSelect(),
        validate_choice=False,
        choices=choices(EVIDENCE_SOURCES, "The descriptor's usual source"),
    )
    evidence_date = GovDateField("Evidence date", what="the evidence date")

    @property
    def is_blank(self) -> bool:
        return not (
            self.descriptor_id.data
            or self.member_id.data
            or self.evidence_date.raw_data
            and any(self.evidence_date.raw_data)
        )


PROBLEM_ROWS = 6


class AttachmentForm(FlaskForm):
    attached_on = HiddenField()
    problems = FieldList(FormField(ProblemRowForm), min_entries=PROBLEM_ROWS, max_entries=PROBLEM_ROWS)
    submit = SubmitField("Attach family", widget=GovSubmitInput())


class AddProblemForm(FlaskForm):
    """A problem identified after attachment: it counts like the rest."""

    problem = FormField(ProblemRowForm)
    submit = SubmitField("Add problem", widget=GovSubmitInput())


class CloseAttachmentForm(FlaskForm):
    closed_on = GovDateField(
        "Date the case closed", what="the closure date", validators=[InputRequired("Enter the date the case closed")]
    )
    closure_reason = RadioField(
        "Reason",
        widget=GovRadioInput(),
        choices=choices(CLOSURE_REASONS),
        validators=[InputRequired("Select the reason the case closed")],
    )
    closure_note = TextAreaField(
        "Note (optional)", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=1000)]
    )
    # Shown only when the case closes as "outcomes achieved" while problems are not sustained.
    confirm_not_sustained = BooleanField(
        "Yes, the case closed with outcomes achieved although these problems are not sustained",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Close attachment", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField("Yes, remove", widget=GovSubmitInput())
