"""The audit trail's filter: a GET form, so no CSRF token (it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from tfclaims.families.rules import compact, reference_is_valid
from tfclaims.forms import GovDateField, strip


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    show = SelectField(
        "Show", widget=GovSelect(), validate_choice=False,
        choices=[SelectChoice("", "Changes and reads"), SelectChoice("changes", "Changes"),
                 SelectChoice("reads", "Reads of personal data")],
    )
    actor = SelectField("Who", widget=GovSelect(), validate_choice=False)
    entity = SelectField("Record type", widget=GovSelect(), validate_choice=False)
    action = SelectField("Action", widget=GovSelect(), validate_choice=False)
    family = StringField(
        "Family reference", widget=GovTextInput(), filters=[strip],
        description="For example, BRK-000123",
        validators=[Optional(), Length(max=40, message="Family reference must be 40 characters or fewer")],
    )
    date_from = GovDateField("From", what="the from date", allow_future=True)
    date_to = GovDateField("To", what="the to date", allow_future=True)

    def set_choices(self, users, entities: list[str], actions: list[str], action_label) -> None:
        self.actor.choices = [SelectChoice("", "Anyone")] + [
            SelectChoice(str(u.id), u.name if u.active else f"{u.name} (deactivated)") for u in users
        ]
        self.entity.choices = [SelectChoice("", "Any record type")] + [SelectChoice(e, e) for e in entities]
        self.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a, action_label(a)) for a in actions]

    def validate_show(self, field) -> None:
        if field.data and field.data not in ("changes", "reads"):
            raise ValidationError("Select changes, reads of personal data, or both")

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The to date must be the same as or after the from date")

    @property
    def actor_id(self) -> int | None:
        return int(self.actor.data) if (self.actor.data or "").isdigit() else None

    def validate_family(self, field) -> None:
        if field.data and not reference_is_valid(field.data):
            raise ValidationError(
                "Family reference must start with a letter or number and use only letters, numbers, "
                "hyphens, underscores and slashes"
            )

    @property
    def family_reference(self) -> str | None:
        """The reference as families store it (upper case, without spaces), or None when not filtering by family."""
        return compact(self.family.data) or None
