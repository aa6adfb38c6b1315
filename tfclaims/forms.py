"""Form fields shared by every feature: GOV.UK widgets with messages written for the user."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovPasswordInput
from wtforms import DateField, SelectChoice
from wtforms.validators import ValidationError

from tfclaims import clock


class KeptPasswordInput(GovPasswordInput):
    """A password box that keeps what was typed when its form comes back with an error, so nobody types it twice
    (WCAG 3.3.7, redundant entry): for the temporary password an administrator sets (it has a Show button). Never
    for a user's own password, which the browser must not see again."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("value", field.data or "")
        return super().__call__(field, **kwargs)


class SafeGovDateInput(GovDateInput):
    """GOV.UK date input that tolerates a POST missing some of the day, month and year boxes."""

    def map_gov_params(self, field, **kwargs):
        raw = field.raw_data
        if raw is not None and len(raw) != 3:
            field.raw_data = (list(raw) + ["", "", ""])[:3]
        return super().map_gov_params(field, **kwargs)


class GovDateField(DateField):
    """Day, month and year boxes with the GOV.UK error messages.

    ``label_lower`` is how the date is named inside a sentence ("the attachment date").
    """

    widget = SafeGovDateInput()

    def __init__(self, label=None, validators=None, *, what: str, allow_future: bool = False,
                 earliest: date | None = None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.what = what
        self.allow_future = allow_future
        self.earliest = earliest or date(1900, 1, 1)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        parts = [(v or "").strip() for v in (list(valuelist) + ["", "", ""])[:3]]
        self.raw_data = parts
        if not any(parts):
            return  # "required" is decided by validators
        day, month, year = parts
        missing = [name for name, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValueError(f"{self.what.capitalize()} must include a {' and '.join(missing)}")
        digits = all(part.isascii() and part.isdigit() for part in parts)
        if not digits or len(year) != 4 or len(day) > 2 or len(month) > 2:
            raise ValueError(f"{self.what.capitalize()} must be a real date")
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"{self.what.capitalize()} must be a real date") from exc

    def pre_validate(self, form):
        if self.data is None:
            return
        if not self.allow_future and self.data > clock.today():
            raise ValidationError(f"{self.what.capitalize()} must be today or in the past")
        if self.data < self.earliest:
            raise ValidationError(f"{self.what.capitalize()} must be after {self.earliest:%Y}")


def choices(mapping: dict[str, str], blank: str | None = None) -> list[SelectChoice]:
    """SelectChoice options from a code-to-label mapping, with an optional blank first option."""
    options = [SelectChoice("", blank)] if blank else []
    return options + [SelectChoice(code, label) for code, label in mapping.items()]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def upper_no_spaces(value):
    return "".join(value.split()).upper() if isinstance(value, str) else value


def _walk(form):
    """Every leaf field of a form, through FieldLists and FormFields, in page order."""
    from wtforms import FieldList, FormField

    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _walk(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _walk(field.form)
        else:
            yield field


def find_field(form, name: str):
    return next((f for f in _walk(form) if f.name == name or f.id == name), None)


def show_error(form, error) -> None:
    """Show a service's DomainError against the field it names (or the first field when it names none)."""
    fields = [f for f in _walk(form) if f.type not in ("CSRFTokenField", "SubmitField", "HiddenField")]
    field = find_field(form, error.field) if error.field else None
    if field is None and error.field:
        # A message about a whole list (such as "problems") goes against the list's first field.
        field = next((f for f in fields if f.name.startswith(f"{error.field}-")), None)
    field = field or fields[0]
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(error.message)


def error_summary(form) -> dict | None:
    """Params for govukErrorSummary: one link per field in error, to its first input, in page order."""
    items = []
    for field in _walk(form):
        if field.errors:
            anchor = f"{field.id}-day" if isinstance(field, GovDateField) else field.id
            items.append({"text": field.errors[0], "href": f"#{anchor}"})
    return {"titleText": "There is a problem", "errorList": items} if items else None
