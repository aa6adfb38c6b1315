from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length

from tfclaims.auth.roles import Role
from tfclaims.forms import KeptPasswordInput, strip

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address")], filters=[strip])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class UserForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter the user's full name"),
                                   Length(max=120, message="Full name must be 120 characters or fewer")])
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), choices=ROLE_CHOICES,
                                validators=[DataRequired("Select at least one role")])
    active = BooleanField("Account is active (the user can sign in)", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save user", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST that another site cannot make for you."""

    submit = SubmitField("Sign out", widget=GovSubmitInput())


class NewUserForm(UserForm):
    email = EmailField("Email address", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter the user's email address"),
                                   Length(max=254, message="Email address must be 254 characters or fewer"),
                                   Email("Enter an email address in the correct format, like name@example.gov.uk")])
    password = PasswordField("Temporary password", widget=KeptPasswordInput(),
                             description="At least 12 characters. Give it to the user by a separate, secure route.",
                             validators=[DataRequired("Enter a temporary password")])
