from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, Optional

from tfclaims.auth.roles import Role
from tfclaims.auth.rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
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
                             description=f"At least {MIN_PASSWORD_LENGTH} characters. Give it to the user by a "
                                         "separate, secure route: they must choose their own password when they "
                                         "first sign in.",
                             validators=[DataRequired("Enter a temporary password")])


class EditUserForm(UserForm):
    password = PasswordField(
        "New temporary password (optional)", widget=KeptPasswordInput(), validators=[Optional(strip_whitespace=False)],
        description=f"Only if the user has forgotten their password: at least {MIN_PASSWORD_LENGTH} characters. Their "
                    "sessions end, and they must choose their own password when they next sign in.",
    )


POLICY = (f"Use at least {MIN_PASSWORD_LENGTH} characters (up to {MAX_PASSWORD_LENGTH}). A long password is "
          "stronger than a complicated one: 3 random words make a good one. Do not use a common password, your "
          "name or your email address.")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter your current password")])
    new_password = PasswordField("New password", widget=GovPasswordInput(), description=POLICY,
                                 validators=[InputRequired("Enter a new password")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", widget=GovTextInput(),
                       description="The 6-digit code your app shows for tfclaims now.",
                       validators=[InputRequired("Enter the 6-digit code from your authenticator app"),
                                   Length(max=20, message="Enter the 6-digit code from your authenticator app")])


class SignInCodeForm(CodeForm):
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpTwoFactorForm(CodeForm):
    submit = SubmitField("Turn on two-factor authentication", widget=GovSubmitInput())


class TurnOffTwoFactorForm(FlaskForm):
    password = PasswordField("Your password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Turn off two-factor authentication", widget=GovSubmitInput())


REQUIRE_TOTP_MISSING = "Select whether two-factor authentication is required"


class SecuritySettingsForm(FlaskForm):
    require_totp = RadioField(
        "Must everyone who can open family records use two-factor authentication?", widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes, require it"), SelectChoice("no", "No, let each user choose")],
        validate_choice=False,
        validators=[InputRequired(REQUIRE_TOTP_MISSING), AnyOf(["yes", "no"], message=REQUIRE_TOTP_MISSING)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ButtonForm(FlaskForm):
    """Only the CSRF token: a button that changes something (unlock an account, reset a second factor)."""
