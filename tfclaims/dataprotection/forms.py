"""The data-protection forms: finding a person, and the details of their subject access request.

Both are GET forms (they change nothing of the records; the export they lead to is a download), so they carry no
CSRF token."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tfclaims.dataprotection import rules
from tfclaims.forms import GovDateField, choices, strip


class PersonSearchForm(FlaskForm):
    class Meta:
        csrf = False

    surname = StringField("Surname", description="Or the first letters of it", widget=GovTextInput(),
                          filters=[strip], validators=[Length(max=120, message="Surname must be 120 characters or "
                                                                                "fewer")])
    forenames = StringField("Forenames", widget=GovTextInput(), filters=[strip],
                            validators=[Length(max=120, message="Forenames must be 120 characters or fewer")])
    date_of_birth = GovDateField("Date of birth", what="the date of birth", description="For example, 27 3 2012",
                                 validators=[Optional()])
    identifier = StringField(
        "Identifier", widget=GovTextInput(), filters=[strip],
        description="A unique pupil number, NHS number, National Insurance number, police national computer "
        "number, case reference or family reference",
        validators=[Length(max=40, message="An identifier must be 40 characters or fewer")],
    )
    search = SubmitField("Search", widget=GovSubmitInput())

    @property
    def asked(self) -> bool:
        """Whether the form was sent (rather than the page opened)."""
        return self.search.data or any(
            f.raw_data for f in (self.surname, self.forenames, self.date_of_birth, self.identifier)
        )

    def refuse_if_empty(self) -> bool:
        """After ``validate()``: a search with nothing to look for is refused against the surname. True if so."""
        if any(f.errors for f in self):
            return False
        problem = rules.search_problem(self.surname.data or "", self.forenames.data or "", self.date_of_birth.data,
                                       self.identifier.data or "")
        if problem:
            self.surname.errors = [*self.surname.errors, problem]
            return True
        return False


class SubjectAccessForm(FlaskForm):
    class Meta:
        csrf = False

    received_on = GovDateField(
        "When was the request received?", what="the date the request was received",
        description="For example, 27 11 2026. The council must answer within one month of this date.",
        validators=[InputRequired("Enter the date the request was received")],
    )
    requested_by = RadioField("Who made the request?", widget=GovRadioInput(), choices=choices(rules.WHO_ASKED),
                              validate_choice=False)
    reference = StringField(
        "Request reference (optional)", widget=GovTextInput(), filters=[strip],
        description="The council's reference for the request, if it has one. Do not enter a name.",
        validators=[Length(max=60, message="The request reference must be 60 characters or fewer")],
    )
    download = SubmitField("Download subject access export", widget=GovSubmitInput())

    @property
    def asked(self) -> bool:
        return bool(self.download.data) or any(
            f.raw_data for f in (self.received_on, self.requested_by, self.reference)
        )

    def validate_requested_by(self, field) -> None:
        if field.data not in rules.WHO_ASKED:
            raise ValidationError("Select who made the request")

    def validate_received_on(self, field) -> None:
        if field.data and field.data < date(2000, 1, 1):
            raise ValidationError("The date the request was received must be after 2000")
