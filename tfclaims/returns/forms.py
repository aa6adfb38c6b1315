"""The quarter chooser: a GET form, so no CSRF token (it changes nothing)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

from tfclaims.returns.rules import Quarter, default_quarter, parse_quarter


class QuarterForm(FlaskForm):
    class Meta:
        csrf = False

    quarter = SelectField("Quarter", widget=GovSelect(), validate_choice=False)

    def __init__(self, *args, offered: list[Quarter], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = offered
        self.default = default_quarter(today)
        self.quarter.choices = [
            SelectChoice(q.slug, f"{q.label} ({q.months})" + (" – not over yet" if q.end >= today else ""))
            for q in offered
        ]

    def validate_quarter(self, field) -> None:
        if not (field.data or "").strip():
            return  # none chosen: the default quarter
        chosen = parse_quarter(field.data)
        if chosen is None:
            raise ValidationError("Select a quarter from the list, for example " + self.default.label)
        if chosen not in self.offered:
            first, last = self.offered[-1], self.offered[0]
            raise ValidationError(f"Select a quarter from {first.label} to {last.label}")

    @property
    def chosen(self) -> Quarter:
        """The quarter asked for, or the last complete quarter when none is."""
        return parse_quarter(self.quarter.data) or self.default

    def show_chosen(self) -> None:
        """Select the quarter shown (the default when none was asked for)."""
        if not self.quarter.errors:
            self.quarter.data = self.chosen.slug
