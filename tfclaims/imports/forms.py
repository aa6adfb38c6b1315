"""Partner data forms: upload a file, say which heading holds each column, confirm or abandon, undo, decide a match
in review, and accept the likeliest matches in bulk."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from tfclaims.imports.sources import SOURCES, Source


class UploadForm(FlaskForm):
    kind = RadioField(
        "What data is in the file?",
        widget=GovRadioInput(),
        choices=[SelectChoice(s.kind, s.title) for s in SOURCES.values()],
        validators=[InputRequired("Select what data is in the file")],
    )
    file = FileField(
        "Upload the file",
        description="A CSV file or an Excel workbook (.xlsx or .xls), with the headings in its first row",
        widget=GovFileInput(),
        validators=[FileRequired("Select a partner file to upload")],
    )
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


def mapping_form(source: Source, headings: list[str], mapping: dict[str, str], formdata=None) -> FlaskForm:
    """A select per column of the source: which of the file's headings holds it (or none, for a column not
    required). Built for the file in hand, as its headings are the choices."""

    class MappingForm(FlaskForm):
        submit = SubmitField("Save and read the file again", widget=GovSubmitInput())

    for index, column in enumerate(source.columns):
        options = [SelectChoice("", "Not in this file" if not column.required else "Choose a heading")]
        options += [SelectChoice(h, h) for h in headings]
        validators = [InputRequired(f"Choose the heading that holds {column.name}")] if column.required else []
        setattr(MappingForm, f"column_{index}", SelectField(
            column.name + ("" if column.required else " (optional)"), widget=GovSelect(), choices=options,
            validators=validators, default=mapping.get(column.name, ""),
            description=column.meaning))
    return MappingForm(formdata=formdata) if formdata is not None else MappingForm()


def chosen_mapping(source: Source, form) -> dict[str, str]:
    return {column.name: getattr(form, f"column_{i}").data or "" for i, column in enumerate(source.columns)}


class ConfirmForm(FlaskForm):
    confirm = SubmitField("Confirm and import", widget=GovSubmitInput())


class AbandonForm(FlaskForm):
    abandon = SubmitField("Abandon this file", widget=GovSubmitInput(),
                         render_kw={"class": "govuk-button--secondary"})


class UndoForm(FlaskForm):
    undo = SubmitField("Undo this import", widget=GovSubmitInput(), render_kw={"class": "govuk-button--warning"})


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Is this person in the partner's file one of these people?",
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired("Select the person this is, or that it is none of them")],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class BulkForm(FlaskForm):
    at_least = IntegerField(
        "Accept every match at least this likely (%)",
        description="A whole number from 50 to 100. You will see how many matches that is before anything changes.",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a likelihood from 50 to 100"),
                    NumberRange(50, 100, "Enter a likelihood from 50 to 100")],
        render_kw={"inputmode": "numeric", "class": "govuk-input--width-3"},
    )
    submit = SubmitField("Count the matches", widget=GovSubmitInput())


class BulkConfirmForm(FlaskForm):
    at_least = HiddenField()
    expected = HiddenField()
    accept = SubmitField("Accept these matches", widget=GovSubmitInput())
