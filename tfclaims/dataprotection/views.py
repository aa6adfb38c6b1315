"""The Data Protection Officer's pages: subject access, the pseudonymised export, records of processing.

Managers only (the issue's "DPO-minded manager"). Thin: role, form, query or service, render or send the file.
Every export is a GET (it changes no record; the access and audit events it writes are committed with the request)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from tfclaims.audit.services import record_access
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.dataprotection import exports, queries, rules, services
from tfclaims.dataprotection.forms import PersonSearchForm, SubjectAccessForm
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.families.models import CONSENT_SCOPES_SHORT, CONSENT_STATUSES, RELATIONSHIPS, SEXES

bp = Blueprint("dataprotection", __name__)

RUN_KINDS = {"due_list": "Nightly list of what is due", "dry_run": "Dry run", "erasure": "Erasure"}

# The retention pages (the retention feature), linked from the hub once they exist.
RETENTION_LINKS = [
    ("retention.index", "Retention", "What is due for erasure under the retention schedule, with a dry run"),
    ("retention.schedule", "Retention schedule", "How long each type of record is kept"),
    ("retention.list_holds", "Legal holds", "Families whose records are kept whatever the schedule says"),
    ("retention.list_runs", "Retention runs", "Dry runs and erasures, with what each found and did"),
]


@bp.context_processor
def _labels():
    return {"relationships": RELATIONSHIPS, "sexes": SEXES, "who_asked": rules.WHO_ASKED, "run_kinds": RUN_KINDS}


def _record_type_labels() -> dict[str, str]:
    """The retention feature's words for its record types, when it has them."""
    try:
        from tfclaims.retention.vocabulary import RECORD_TYPES
    except ImportError:  # pragma: no cover - before the retention feature
        return {}
    return dict(RECORD_TYPES)


def _retention_links() -> list[dict]:
    links = []
    for endpoint, text, hint in RETENTION_LINKS:
        if endpoint in current_app.view_functions:
            try:
                links.append({"href": url_for(endpoint), "text": text, "hint": hint})
            except BuildError:
                continue
    return links


@bp.get("/")
@roles_required(Role.MANAGER)
def index():
    return render_template("dataprotection/index.html", retention_links=_retention_links())


# ---------------------------------------------------------------- subject access


@bp.get("/subject-access")
@roles_required(Role.MANAGER)
def subject_access():
    form = PersonSearchForm(formdata=request.args or None)
    people, more = [], False
    asked = bool(request.args) and form.asked
    if asked and form.validate() and not form.refuse_if_empty():
        people, more = queries.find_people(form.surname.data or "", form.forenames.data or "",
                                           form.date_of_birth.data, form.identifier.data or "")
        family_ids = sorted({p.family_id for p in people})
        record_access(db.session, "searched", "subject access search",
                      detail={"surname": form.surname.data or "", "forenames": form.forenames.data or "",
                              "date_of_birth": form.date_of_birth.data, "identifier": form.identifier.data or "",
                              "family_ids": family_ids})
    return render_template("dataprotection/subject_access.html", form=form if asked else None, search=form,
                           people=people, more=more, asked=asked, limit=queries.SEARCH_LIMIT)


@bp.get("/subject-access/<int:member_id>")
@roles_required(Role.MANAGER)
def subject_access_person(member_id: int):
    member = queries.get_member(member_id) or abort(404)
    form = SubjectAccessForm(formdata=request.args or None)
    asked = bool(request.args) and form.asked
    if asked and form.validate():
        export = services.subject_access_export(
            member,
            services.SubjectAccessRequest(form.received_on.data, form.requested_by.data, form.reference.data or ""),
            produced_by=current_user.name, council_name=current_app.config["COUNCIL_NAME"],
        )
        return Response(export.content, content_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{export.file_name}"'})
    record_access(db.session, "viewed", "subject access: person's record", family_id=member.family_id,
                  member_id=member.id)
    return render_template("dataprotection/person.html", form=form if asked else None, request_form=form,
                           member=member, counts=queries.held_counts(member))


# ---------------------------------------------------------------- pseudonymised export


def _pseudonymised_page(refused: str | None = None):
    problem, key_used = services.key_status(current_app.config)
    message = refused or problem
    page_errors = {"titleText": "There is a problem", "errorList": [{"text": message, "href": "#key"}]} \
        if message else None
    return render_template("dataprotection/pseudonymised.html", key_problem=message, key_used=key_used,
                           page_errors=page_errors, columns=exports.EVALUATION_COLUMN_NOTES.items())


@bp.get("/pseudonymised-export")
@roles_required(Role.MANAGER)
def pseudonymised_export():
    return _pseudonymised_page()


@bp.get("/pseudonymised-export/evaluation.csv")
@roles_required(Role.MANAGER)
def pseudonymised_csv():
    try:
        export = services.pseudonymised_export(current_app.config)
    except DomainError as error:
        return _pseudonymised_page(error.message)
    return Response(export.content, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{export.file_name}"'})


# ---------------------------------------------------------------- records of processing


@bp.get("/records-of-processing")
@roles_required(Role.MANAGER)
def records_of_processing():
    counts = queries.table_counts()
    retention = {rule.record_type: rule for rule in queries.retention_rules()}
    categories = []
    for category in rules.CATEGORIES:
        rule = retention.get(category.retention_type)
        categories.append({
            "category": category,
            "counts": [(t, counts.get(t, 0)) for t in category.record_types],
            "retention": rules.retention_text(rule.years, rule.starts_from) if rule else "",
        })
    active, released = queries.legal_hold_counts()
    history = [
        {"event": event, "reference": reference,
         "rows": (event.detail or {}).get("rows") if isinstance(event.detail, dict) else None}
        for event, reference in queries.export_history()
    ]
    return render_template(
        "dataprotection/records_of_processing.html", categories=categories, counts=counts,
        consents=queries.consents_by_status(), redacted=queries.redacted_counts(),
        retention_rules=queries.retention_rules(), retention_text=rules.retention_text,
        holds=queries.active_legal_holds(), holds_active=active, holds_released=released,
        last_run=queries.last_retention_run(), history=history, retention_links=_retention_links(),
        record_types=_record_type_labels(), scope_labels=CONSENT_SCOPES_SHORT, status_labels=CONSENT_STATUSES,
    )
