"""The cohort lists' filter: a GET form, so no CSRF token (it changes nothing)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

from tfclaims import clock
from tfclaims.engine.kinds import STATUSES
from tfclaims.engine.lists import FilterChoices, ListFilter
from tfclaims.forms import GovDateField

LATEST_YEAR = 2099


class CohortFilterForm(FlaskForm):
    class Meta:
        csrf = False

    as_of = GovDateField("As of", what="the as-of date", allow_future=True, earliest=date(2000, 1, 1))
    team = SelectField("Team", widget=GovSelect(), validate_choice=False)
    practitioner = SelectField("Lead practitioner", widget=GovSelect(), validate_choice=False)
    problem = SelectField("Headline problem", widget=GovSelect(), validate_choice=False)
    status = SelectField("Problem status", widget=GovSelect(), validate_choice=False)

    def set_choices(self, choices: FilterChoices) -> None:
        self.team.choices = [SelectChoice("", "Any team")] + [SelectChoice(t, t) for t in choices.teams]
        self.practitioner.choices = [SelectChoice("", "Any lead practitioner")] + [
            SelectChoice(p, p) for p in choices.practitioners
        ]
        self.problem.choices = [SelectChoice("", "Any headline problem")] + [
            SelectChoice(str(pid), label) for pid, label in choices.problems
        ]
        self.status.choices = [SelectChoice("", "Any status")] + [
            SelectChoice(code, label) for code, label in STATUSES.items()
        ]

    def validate_as_of(self, field) -> None:
        if field.data and field.data.year > LATEST_YEAR:
            raise ValidationError(f"The as-of date must be before {LATEST_YEAR + 1}")

    @property
    def as_of_date(self) -> date:
        """The date chosen, or today when none is."""
        return self.as_of.data or clock.today()

    @property
    def filters(self) -> ListFilter:
        problem = self.problem.data or ""
        return ListFilter(
            team=self.team.data or "",
            practitioner=self.practitioner.data or "",
            problem_id=int(problem) if problem.isdigit() and len(problem) <= 9 else None,
            status=self.status.data if self.status.data in STATUSES else "",
        )

    def show_as_of(self) -> None:
        """Show the date the lists were worked out on in the date boxes (today when none was entered)."""
        if not self.as_of.errors:
            self.as_of.data = self.as_of_date
            self.as_of.raw_data = None
