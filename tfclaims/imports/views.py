"""Partner data pages: the kinds of file with their templates and columns; uploading a file, its preview, confirming
or abandoning it, its report and undo; the history of imports; the review queue and its decisions. Thin: role,
form, a service, redirect or render. Coordinators and managers."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims.audit.services import record_access
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.forms import show_error
from tfclaims.imports import forms, linkage, queries, records, services, templates
from tfclaims.imports import jobs as import_jobs
from tfclaims.imports.models import ImportBatch, ImportRow
from tfclaims.imports.sources import SOURCES, Source
from tfclaims.imports.vocabulary import (
    AGREES_FROM,
    BATCH_STATUSES,
    CONFIRMED,
    COUNTS,
    FIELD_NAMES,
    INVALID,
    LEVEL_WORDS,
    OUTCOMES,
    PREVIEWED,
    REFUSED,
    REJECTED,
    REVIEW,
    ROW_STATUSES,
    UNMATCHED,
)
from tfclaims.jobs import services as job_services
from tfclaims.pagination import Page, page_number
from tfclaims.spreadsheet import XLSX

bp = Blueprint("imports", __name__)

READERS = (Role.COORDINATOR, Role.MANAGER)
REFRESH_SECONDS = 2
NONE_OF_THEM = "none"
ADD_NEW = "new"


@bp.context_processor
def _words():
    return {"batch_statuses": BATCH_STATUSES, "row_statuses": ROW_STATUSES, "count_words": COUNTS,
            "outcome_words": OUTCOMES, "sources_by_kind": SOURCES}


def _source(kind: str) -> Source:
    return SOURCES.get(kind) or abort(404)


def _batch_or_404(batch_id: int) -> ImportBatch:
    return queries.get_batch(batch_id) or abort(404)


def _file_name(source: Source, suffix: str) -> str:
    return f"tfclaims-{source.kind.replace('_', '-')}-template.{suffix}"


# ---------------------------------------------------------------- the kinds of file and their templates


@bp.get("/")
@roles_required(*READERS)
def index():
    return render_template("imports/index.html", sources=list(SOURCES.values()),
                           recent=queries.list_batches(limit=5), waiting=queries.count_review())


@bp.get("/<kind>/columns")
@roles_required(*READERS)
def columns(kind: str):
    return render_template("imports/columns.html", source=_source(kind))


@bp.get("/<kind>/template.csv")
@roles_required(*READERS)
def template_csv(kind: str):
    source = _source(kind)
    return Response(templates.template_csv(source), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(source, "csv")}"'})


@bp.get("/<kind>/template.xlsx")
@roles_required(*READERS)
def template_xlsx(kind: str):
    source = _source(kind)
    return Response(templates.template_xlsx(source), content_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(source, "xlsx")}"'})


# ---------------------------------------------------------------- uploading, the preview, confirming


def _start(batch: ImportBatch, kind: str, title: str) -> None:
    job = job_services.start(kind, title, {"batch_id": batch.id}, current_user)
    batch.job_id = job.id


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(*READERS)
def upload():
    form = forms.UploadForm()
    if request.method == "GET" and request.args.get("kind") in SOURCES:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        file = form.file.data
        limit = current_app.config["IMPORT_MAX_BYTES"]
        try:
            batch = services.upload(form.kind.data, file.filename or "", file.read(limit + 1), current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            _start(batch, import_jobs.IMPORT_READ, f"Reading {batch.filename}")
            return redirect(url_for("imports.batch_page", batch_id=batch.id))
    return render_template("imports/upload.html", form=form)


@bp.get("/imports/<int:batch_id>")
@roles_required(*READERS)
def batch_page(batch_id: int):
    batch = _batch_or_404(batch_id)
    source = _source(batch.kind)
    working = batch.status in ("reading", "writing")
    context: dict = {"batch": batch, "source": source, "refresh": REFRESH_SECONDS if working else None}
    if batch.status in (PREVIEWED, CONFIRMED, "undone"):
        number = page_number(request.args.get("page"))
        shown = (INVALID,) if batch.status == PREVIEWED else (INVALID, UNMATCHED, REJECTED)
        noted = batch.status == CONFIRMED  # rows written in part: an attachment or early-help request refused
        total = queries.count_rows(batch.id, shown, noted)
        page = Page(number, current_app.config["PAGE_SIZE"], total)
        context.update(
            problems=queries.rows_of(batch.id, shown, page.offset, page.per_page, noted),
            page=page, pagination=page.govuk_params(lambda n: url_for("imports.batch_page", batch_id=batch.id,
                                                                      page=n) + "#problems"),
            reasons=queries.unmatched_reasons(batch.id) if batch.status != PREVIEWED else {},
            confirm_form=forms.ConfirmForm(), abandon_form=forms.AbandonForm(), undo_form=forms.UndoForm(),
        )
    if batch.status == REFUSED:
        context["abandon_form"] = forms.AbandonForm()
    if batch.status in (PREVIEWED, CONFIRMED) or batch.status == "undone":
        record_access(db.session, "viewed", "partner file: rows not valid or not matched",
                      detail={"import": batch.id})
    return render_template("imports/batch.html", **context)


@bp.route("/imports/<int:batch_id>/columns", methods=["GET", "POST"])
@roles_required(*READERS)
def mapping(batch_id: int):
    batch = _batch_or_404(batch_id)
    source = _source(batch.kind)
    if batch.status not in (PREVIEWED, REFUSED) or not batch.has_file or not batch.headings:
        flash("This file's columns can no longer be changed: upload it again.", "error")
        return redirect(url_for("imports.batch_page", batch_id=batch.id))
    from tfclaims.imports.sources import match_headings

    found = match_headings(source, tuple(batch.headings), batch.column_mapping)
    form = forms.mapping_form(source, batch.headings, found,
                              formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            services.remap(batch, forms.chosen_mapping(source, form))
        except DomainError as error:
            show_error(form, error)
        else:
            _start(batch, import_jobs.IMPORT_READ, f"Reading {batch.filename} again")
            return redirect(url_for("imports.batch_page", batch_id=batch.id))
    fields = [getattr(form, f"column_{i}") for i in range(len(source.columns))]
    return render_template("imports/mapping.html", batch=batch, source=source, form=form, fields=fields)


@bp.post("/imports/<int:batch_id>/confirm")
@roles_required(*READERS)
def confirm(batch_id: int):
    batch = _batch_or_404(batch_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            services.confirm(batch, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            _start(batch, import_jobs.IMPORT_WRITE, f"Importing {batch.filename}")
    return redirect(url_for("imports.batch_page", batch_id=batch.id))


@bp.post("/imports/<int:batch_id>/abandon")
@roles_required(*READERS)
def abandon(batch_id: int):
    batch = _batch_or_404(batch_id)
    if forms.AbandonForm().validate_on_submit():
        try:
            services.abandon(batch, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(f"{batch.filename} was abandoned: nothing was imported, and the file and its rows are deleted.",
                  "success")
    return redirect(url_for("imports.batch_page", batch_id=batch.id))


@bp.post("/imports/<int:batch_id>/undo")
@roles_required(*READERS)
def undo(batch_id: int):
    batch = _batch_or_404(batch_id)
    if forms.UndoForm().validate_on_submit():
        try:
            services.undo(batch, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(f"The import of {batch.filename} was undone: its records are removed, and any it changed are put "
                  "back as they were.", "success")
    return redirect(url_for("imports.batch_page", batch_id=batch.id))


@bp.get("/imports/<int:batch_id>/report.csv")
@roles_required(*READERS)
def report_csv(batch_id: int):
    """The match-quality report's figures (no personal data: counts and reasons)."""
    batch = _batch_or_404(batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Import", "File", "Kind of data", "Status", "Figure", "Count"])
    head = [batch.id, batch.filename, SOURCES[batch.kind].title, batch.status_text]
    for key, words in COUNTS.items():
        if key in batch.counts:
            writer.writerow([*head, words, batch.counts[key]])
    for reason, count in sorted(queries.unmatched_reasons(batch.id).items()):
        writer.writerow([*head, f"Not matched: {reason}", count])
    return Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="import-{batch.id}-report.csv"'})


@bp.get("/imports")
@roles_required(*READERS)
def history():
    kind = request.args.get("kind") if request.args.get("kind") in SOURCES else None
    number = page_number(request.args.get("page"))
    page = Page(number, current_app.config["PAGE_SIZE"], queries.count_batches(kind))
    batches = queries.list_batches(kind, page.offset, page.per_page)
    return render_template("imports/history.html", batches=batches, kind=kind, page=page,
                           trends=queries.match_rates(batches),
                           pagination=page.govuk_params(lambda n: url_for("imports.history", kind=kind, page=n)))


# ---------------------------------------------------------------- review


@bp.get("/review")
@roles_required(*READERS)
def review_queue():
    return _queue_page(page_number(request.args.get("page")), forms.BulkForm())


def _queue_page(number: int, bulk_form, refused: bool = False):
    """The review queue's page ``number``, with the bulk form (and its errors in the summary when ``refused``)."""
    page = Page(number, current_app.config["PAGE_SIZE"], queries.count_review())
    rows = queries.review_queue(offset=page.offset, limit=page.per_page)
    batches = {b.id: b for b in (queries.get_batch(i) for i in {r.batch_id for r in rows}) if b}
    return render_template("imports/review_queue.html", rows=rows, batches=batches, page=page, bulk_form=bulk_form,
                           form=bulk_form if refused else None,
                           pagination=page.govuk_params(lambda n: url_for("imports.review_queue", page=n)))


def _row_or_404(row_id: int) -> ImportRow:
    return db.session.get(ImportRow, row_id) or abort(404)


def _comparison(row: ImportRow) -> list[dict]:
    """Each candidate beside the row: the member, their family's reference, and each field's agreement in words."""
    members = queries.members_by_id(services.candidate_ids(row))
    references = queries.family_references([m.family_id for m in members.values()])
    shown = []
    for candidate in row.candidates or []:
        member = members.get(int(candidate["member_id"]))
        if member is None:
            continue
        levels = candidate.get("levels") or {}
        shown.append({
            "member": member, "reference": references.get(member.family_id, ""),
            "probability": candidate.get("probability"), "weight": candidate.get("weight"),
            "identifier": candidate.get("identifier"),
            "fields": {name: {"words": LEVEL_WORDS[name].get(levels[name], "") if name in levels else "",
                              "agrees": name in levels and levels[name] >= AGREES_FROM[name]}
                       for name in FIELD_NAMES},
        })
    return shown


@bp.route("/review/<int:row_id>", methods=["GET", "POST"])
@roles_required(*READERS)
def review_row(row_id: int):
    row = _row_or_404(row_id)
    batch = _batch_or_404(row.batch_id)
    shown = _comparison(row)
    form = forms.DecisionForm()
    form.decision.choices = [
        *(forms.SelectChoice(str(c["member"].id), f"{c['member'].forenames} {c['member'].surname}, family "
                                                  f"{c['reference']}") for c in shown),
        forms.SelectChoice(NONE_OF_THEM, "None of them: this person is not in the register"),
    ]
    if batch.kind == "case_management":
        reference = (row.values or {}).get("Family reference", "")
        form.decision.choices.insert(-1, forms.SelectChoice(
            ADD_NEW, f"None of them: add this person to the register, in family {reference}"))
    if row.status == REVIEW and form.validate_on_submit():
        try:
            if form.decision.data == NONE_OF_THEM:
                services.reject(row, current_user)
                flash(f"Row {row.row_number} is marked as no one in the register.", "success")
            elif form.decision.data == ADD_NEW:
                services.add_as_new(row, current_user)
                flash(f"Row {row.row_number} is added to the register as a new person.", "success")
            else:
                services.accept(row, int(form.decision.data), current_user)
                flash(f"Row {row.row_number} is matched, and its records are added to the family.", "success")
        except DomainError as error:
            show_error(form, error)
        else:
            following = queries.review_queue(limit=1)
            if following:
                return redirect(url_for("imports.review_row", row_id=following[0].id))
            return redirect(url_for("imports.review_queue"))
    record_access(db.session, "viewed", "partner file row in review",
                  detail={"import": batch.id, "row": row.row_number,
                          "member_ids": [c["member"].id for c in shown]})
    source = SOURCES[batch.kind]
    dates = frozenset(c.name for c in source.columns if c.holds == "date")
    return render_template("imports/review_row.html", row=row, batch=batch, source=source, shown=shown, form=form,
                           values=records.from_json(row.values or {}, dates), field_names=FIELD_NAMES,
                           match_words=linkage.in_words, decided=row.status != REVIEW)


@bp.post("/review/accept")
@roles_required(*READERS)
def bulk_accept():
    """Two steps: the likelihood typed (the count shown, nothing changed), then the count confirmed."""
    if "expected" in request.form:
        confirm_form = forms.BulkConfirmForm()
        try:
            at_least, expected = int(confirm_form.at_least.data), int(confirm_form.expected.data)
        except (TypeError, ValueError):
            abort(400)
        if confirm_form.validate_on_submit():
            try:
                done = services.accept_at_least(at_least / 100, expected, current_user)
            except DomainError as error:
                flash(error.message, "error")
            else:
                flash(f"{done} match{'es' if done != 1 else ''} accepted, and their records added.", "success")
        return redirect(url_for("imports.review_queue"))
    form = forms.BulkForm()
    if form.validate_on_submit():
        count = queries.count_review(at_least=form.at_least.data / 100)
        confirm_form = forms.BulkConfirmForm(formdata=None, at_least=str(form.at_least.data), expected=str(count))
        return render_template("imports/bulk_confirm.html", count=count, at_least=form.at_least.data,
                               form=confirm_form)
    return _queue_page(1, form, refused=True)


# ---------------------------------------------------------------- identification


def _identification():
    from tfclaims import clock
    from tfclaims.imports.identification import FACT_KINDS

    version, households, people, household_labels, descriptors, names = queries.identified(clock.today())
    shown = []
    for household in households:
        problems = []
        for problem, evidence in household.problems.items():
            sources_met = sorted({FACT_KINDS[e.kind][1] for e in evidence})
            codes = [code for source in sources_met for code in descriptors.get((problem, source), [])]
            problems.append({"code": problem, "name": names.get(problem, problem), "descriptors": codes,
                             "evidence": [{"person": people.get(e.person, "Someone"), "words": e.words,
                                           "on": e.on, "detail": e.detail} for e in evidence]})
        family_id = int(household.key.split(":")[1]) if household.key.startswith("family:") else None
        shown.append({"key": household.key, "label": household_labels.get(household.key, household.key),
                      "family_id": family_id, "count": household.count, "problems": problems,
                      "people": [people.get(p, p) for p in household.people]})
    return version, shown


@bp.get("/identification")
@roles_required(*READERS)
def identification():
    version, shown = _identification()
    record_access(db.session, "viewed", "families the partner data identifies",
                  detail={"family_ids": [h["family_id"] for h in shown if h["family_id"]]})
    return render_template("imports/identification.html", version=version, households=shown)


@bp.get("/identification.csv")
@roles_required(*READERS)
def identification_csv():
    version, shown = _identification()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Household", "Family reference", "Problems", "Problem", "Descriptors", "Person", "Evidence",
                     "Date", "Detail"])
    for household in shown:
        reference = household["label"].removeprefix("Family ") if household["family_id"] else ""
        for problem in household["problems"]:
            for evidence in problem["evidence"]:
                writer.writerow([household["label"], reference, household["count"], problem["name"],
                                 " ".join(problem["descriptors"]), evidence["person"], evidence["words"],
                                 evidence["on"].strftime("%d/%m/%Y"), evidence["detail"]])
    return Response("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="families-identified.csv"'})
