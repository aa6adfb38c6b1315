"""The household register and attachment pages. Thin: role, form, service, redirect."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tfclaims import clock
from tfclaims.audit.queries import family_timeline
from tfclaims.audit.services import record_access
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.claims import queries as claims_queries
from tfclaims.engine import store as engine_store
from tfclaims.errors import DomainError
from tfclaims.extensions import db
from tfclaims.families import forms, queries, rules, services
from tfclaims.families.models import (
    CLOSURE_REASONS,
    CONSENT_GIVEN_BY,
    CONSENT_SCOPES,
    CONSENT_SCOPES_SHORT,
    CONSENT_STATUSES,
    LAWFUL_BASES,
    RELATIONSHIPS,
    SEXES,
    SPECIAL_CATEGORY_BASES,
)
from tfclaims.families.timeline import describe_events, describe_record_changes
from tfclaims.forms import show_error
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES
from tfclaims.outcomes_plan.vocabulary import DESCRIPTOR_APPLIES_TO_SHORT
from tfclaims.pagination import Page, page_number
from tfclaims.pathway import queries as pathway_queries
from tfclaims.progress import queries as progress_queries
from tfclaims.text import long_date

bp = Blueprint("families", __name__)

READERS = (Role.COORDINATOR, Role.PRACTITIONER, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)
WRITERS = (Role.COORDINATOR,)

LABELS = {
    "sexes": SEXES,
    "relationships": RELATIONSHIPS,
    "consent": CONSENT_STATUSES,
    "lawful_bases": LAWFUL_BASES,
    "special_category_bases": SPECIAL_CATEGORY_BASES,
    "consent_scopes": CONSENT_SCOPES,
    "consent_scopes_short": CONSENT_SCOPES_SHORT,
    "consent_given_by": CONSENT_GIVEN_BY,
    "closure_reasons": CLOSURE_REASONS,
    "evidence_sources": EVIDENCE_SOURCES,
    "statuses": queries.STATUSES,
}


@bp.context_processor
def _labels():
    return {"labels": LABELS}


@bp.context_processor
def _member_records():
    """For the family page: each member's consent per scope (and what its absence changes), and the changes made to
    each member's record. Functions, so only a page that shows them runs their queries."""
    return {
        "consent_overview": services.consent_overview,
        "member_record_changes": lambda family: describe_record_changes(
            family, queries.member_record_changes(family.id)
        ),
    }


def _family_or_404(family_id: int):
    return queries.get_family(family_id) or abort(404)


@bp.get("/")
@roles_required(*READERS)
def list_families():
    search = queries.FamilySearch(
        q=request.args.get("q", "")[:100],
        status=request.args.get("status", ""),
        team=request.args.get("team", ""),
        sort=request.args.get("sort", "reference"),
        order="desc" if request.args.get("order") == "desc" else "asc",
    )
    number = page_number(request.args.get("page"))
    rows, total = queries.search_families(search, number, 25)
    page = Page(number, 25, total)
    if search.q.strip():
        # A search is a read: by identifier or by name, with the families it showed.
        record_access(db.session, "searched", "family search", detail={
            "terms": search.q.strip(), "results": total, "family_ids": [row["family"].id for row in rows]})

    def url_for_page(n: int, **changes) -> str:
        args = {k: v for k, v in request.args.items() if v} | {"page": n} | changes
        return url_for("families.list_families", **args)

    return render_template(
        "families/list.html",
        rows=rows,
        page=page,
        search=search,
        teams=queries.list_teams(),
        pagination=page.govuk_params(url_for_page),
        url_for_page=url_for_page,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_family():
    form = forms.FamilyForm()
    if form.validate_on_submit():
        try:
            family = services.create_family(**_data(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Family {family.reference} added. Now add its members.", "success")
            return redirect(url_for("families.family_page", family_id=family.id))
    return render_template("families/family_form.html", form=form, family=None)


@bp.get("/<int:family_id>")
@roles_required(*READERS)
def family_page(family_id: int):
    family = _family_or_404(family_id)
    record_access(db.session, "viewed", "family page", family_id=family.id)
    panel = engine_store.family_panel(family.id, clock.today())
    framework = panel["verdict"]["framework"] if panel["verdict"] else None
    return render_template(
        "families/family.html",
        family=family,
        duplicates=queries.possible_duplicates(family.id),
        timeline=describe_events(family, family_timeline(family.id)),
        today=clock.today(),
        **progress_queries.family_progress(family),
        **pathway_queries.family_pathway(family, clock.today()),
        **panel,
        # The family's claims: claimed in the phase of its attachment, and every claim line it has been in.
        **claims_queries.family_claims(family.id, framework),
        claims_on=not claims_queries.claims_switched_off(),
    )


@bp.route("/<int:family_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_family(family_id: int):
    family = _family_or_404(family_id)
    form = forms.FamilyForm(obj=family)
    if form.validate_on_submit():
        try:
            services.update_family(family, **_data(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Family details saved", "success")
            return redirect(url_for("families.family_page", family_id=family.id))
    return render_template("families/family_form.html", form=form, family=family)


@bp.route("/<int:family_id>/members/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_member(family_id: int):
    family = _family_or_404(family_id)
    form = forms.MemberForm()
    if request.method == "GET" and family.members:
        form.postcode.data = family.members[0].postcode
    if form.validate_on_submit():
        try:
            member = services.add_member(family, **_member_data(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{member.full_name} added to the family", "success")
            return redirect(url_for("families.family_page", family_id=family.id, _anchor="members"))
    return render_template("families/member_form.html", form=form, family=family, member=None)


@bp.route("/<int:family_id>/members/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_member(family_id: int, member_id: int):
    family = _family_or_404(family_id)
    member = queries.get_member(family_id, member_id) or abort(404)
    form = forms.EditMemberForm(obj=member)
    if request.method == "GET":
        form.resident.data = "yes" if member.resident else "no"
    if form.validate_on_submit():
        try:
            services.update_member(member, correction_reason=form.correction_reason.data, **_member_data(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{member.full_name}'s details saved", "success")
            return redirect(url_for("families.family_page", family_id=family.id, _anchor="members"))
    return render_template("families/member_form.html", form=form, family=family, member=member)


@bp.route("/<int:family_id>/members/<int:member_id>/remove", methods=["GET", "POST"])
@roles_required(*WRITERS)
def remove_member(family_id: int, member_id: int):
    family = _family_or_404(family_id)
    member = queries.get_member(family_id, member_id) or abort(404)
    form = forms.ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            name = member.full_name
            services.remove_member(member)
        except DomainError as exc:
            error = exc.message
        else:
            flash(f"{name} removed from the family", "success")
            return redirect(url_for("families.family_page", family_id=family.id, _anchor="members"))
    return render_template("families/remove_member.html", form=form, family=family, member=member, error=error)


@bp.route("/<int:family_id>/members/<int:member_id>/consent", methods=["GET", "POST"])
@roles_required(*WRITERS)
def record_consent(family_id: int, member_id: int):
    family = _family_or_404(family_id)
    member = queries.get_member(family_id, member_id) or abort(404)
    form = forms.ConsentForm()
    if request.method == "GET":
        form.lawful_basis.data = "public_task"
        form.given_by.data = "self" if member.is_adult else "parent"
        if request.args.get("scope") in CONSENT_SCOPES:
            form.scope.data = [request.args["scope"]]
        if request.args.get("status") == "withdrawn":
            form.status.data = "withdrawn"
    if form.validate_on_submit():
        try:
            services.record_consent(
                member,
                scopes=form.scope.data,
                status=form.status.data,
                given_by=form.given_by.data,
                recorded_on=form.recorded_on.data,
                lawful_basis=form.lawful_basis.data,
                special_category_basis=form.special_category_basis.data or "",
                statute=rules.join_statutes(form.statute.data or [], form.statute_other.data or ""),
                note=form.note.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Consent decision recorded for {member.full_name}", "success")
            return redirect(url_for("families.family_page", family_id=family.id, _anchor="consent"))
    return render_template(
        "families/consent_form.html",
        form=form,
        family=family,
        member=member,
        overview=services.consent_overview(member),
        special_category=queries.holds_special_category(family.id),
    )


# ---------------------------------------------------------------- attachment


@bp.route("/<int:family_id>/attach", methods=["GET", "POST"])
@roles_required(*WRITERS)
def attach_start(family_id: int):
    """Step 1: the attachment date, which decides the plan version the family is judged under."""
    family = _family_or_404(family_id)
    if family.open_attachment:
        flash("This family already has an open attachment. Close it before attaching again.", "info")
        return redirect(url_for("families.family_page", family_id=family.id))
    form = forms.AttachmentDateForm()
    if form.validate_on_submit():
        try:
            services.check_attachment_date(family, form.attached_on.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect(
                url_for("families.attach_problems", family_id=family.id, date=form.attached_on.data.isoformat())
            )
    return render_template("families/attach_start.html", form=form, family=family)


@bp.route("/<int:family_id>/attach/problems", methods=["GET", "POST"])
@roles_required(*WRITERS)
def attach_problems(family_id: int):
    """Step 2: the problems identified, each a descriptor of the plan version in force."""
    family = _family_or_404(family_id)
    try:
        attached_on = date.fromisoformat(request.values.get("date") or request.values.get("attached_on") or "")
        version = services.version_in_force(attached_on)
    except (ValueError, DomainError):
        flash("Enter the attachment date first", "info")
        return redirect(url_for("families.attach_start", family_id=family.id))
    form = forms.AttachmentForm()
    _problem_choices(form.problems, version, family)
    if form.validate_on_submit():
        try:
            attachment = services.attach_family(family, attached_on, _problem_inputs(form.problems))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Family {family.reference} attached on {long_date(attachment.attached_on)}", "success")
            return redirect(url_for("families.family_page", family_id=family.id))
    return render_template(
        "families/attach_problems.html",
        form=form,
        family=family,
        version=version,
        attached_on=attached_on,
        duplicates=queries.possible_duplicates(family.id),
    )


@bp.route("/<int:family_id>/problems/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_problem(family_id: int):
    """A problem identified after attachment; it counts like the rest."""
    family = _family_or_404(family_id)
    attachment = family.open_attachment
    if attachment is None:
        flash("Problems can be added only while the family has an open attachment", "info")
        return redirect(url_for("families.family_page", family_id=family.id))
    form = forms.AddProblemForm()
    version = attachment.plan_version
    _problem_choices([form.problem], version, family)
    if form.validate_on_submit():
        try:
            inputs = _problem_inputs([form.problem], require_one=True)
            services.add_problem_after_attachment(family, inputs[0])
        except DomainError as error:
            if error.field and error.field.startswith("problems-0-"):
                error.field = "problem-" + error.field.removeprefix("problems-0-")
            show_error(form, error)
        else:
            flash("Problem added to the attachment", "success")
            return redirect(url_for("families.family_page", family_id=family.id, _anchor="attachments"))
    return render_template(
        "families/add_problem.html", form=form, family=family, version=version, attachment=attachment
    )


@bp.route("/<int:family_id>/attachments/<int:attachment_id>/close", methods=["GET", "POST"])
@roles_required(*WRITERS)
def close_attachment(family_id: int, attachment_id: int):
    family = _family_or_404(family_id)
    attachment = queries.get_attachment(family_id, attachment_id) or abort(404)
    if not attachment.is_open:
        flash("This attachment is already closed", "info")
        return redirect(url_for("families.family_page", family_id=family.id))
    form = forms.CloseAttachmentForm()
    not_sustained: list[str] = []
    if form.validate_on_submit():
        try:
            services.close_attachment(
                attachment,
                form.closed_on.data,
                form.closure_reason.data,
                form.closure_note.data,
                confirm_not_sustained=form.confirm_not_sustained.data,
            )
        except services.NotSustainedError as error:
            not_sustained = error.problems
            show_error(form, error)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Attachment closed on {long_date(attachment.closed_on)}", "success")
            return redirect(url_for("families.family_page", family_id=family.id))
    return render_template(
        "families/close_attachment.html",
        form=form,
        family=family,
        attachment=attachment,
        not_sustained=not_sustained,
    )


# ---------------------------------------------------------------- helpers


def _data(form) -> dict:
    return {k: getattr(form, k).data for k in services.FAMILY_FIELDS}


def _member_data(form) -> dict:
    data = {k: getattr(form, k).data for k in services.MEMBER_FIELDS if k != "resident"}
    data["resident"] = form.resident.data == "yes"
    return data


def _problem_choices(rows, version, family) -> None:
    from wtforms import SelectChoice

    descriptors = sorted(version.descriptors, key=lambda d: (d.problem.number, d.code))
    descriptor_choices = [SelectChoice("", "Select a descriptor")] + [
        SelectChoice(str(d.id), f"{d.problem.number}. {d.problem.name} – {d.code}: {d.text}{_for_whom(d)}")
        for d in descriptors
    ]
    member_choices = [SelectChoice("", "Select a member")] + [
        SelectChoice(
            str(m.id),
            f"{m.full_name} ({RELATIONSHIPS.get(m.relationship_to_lead, '')}"
            f"{', not resident' if not m.resident else ''})",
        )
        for m in family.members
    ]
    for row in rows:
        row.form.descriptor_id.choices = descriptor_choices
        row.form.member_id.choices = member_choices


def _for_whom(descriptor) -> str:
    """ " (school-age children only)" after a descriptor that applies to some members only; nothing otherwise."""
    short = DESCRIPTOR_APPLIES_TO_SHORT.get(descriptor.applies_to or "any", "")
    return f" ({short})" if short else ""


def _problem_inputs(rows, require_one: bool = False) -> list[services.ProblemInput]:
    """The filled-in rows as service inputs; a row half filled in gets a message against its empty part."""
    inputs = []
    for index, row in enumerate(rows):
        sub = row.form
        if sub.is_blank:
            if require_one:
                raise DomainError("Select a descriptor", field=f"problems-{index}-descriptor_id")
            continue
        if not sub.descriptor_id.data:
            raise DomainError(
                "Select the eligibility descriptor for this problem", field=f"problems-{index}-descriptor_id"
            )
        if not sub.member_id.data:
            raise DomainError("Select the family member this problem concerns", field=f"problems-{index}-member_id")
        if sub.evidence_date.data is None:
            raise DomainError("Enter the evidence date", field=f"problems-{index}-evidence_date")
        inputs.append(
            services.ProblemInput(
                descriptor_id=int(sub.descriptor_id.data),
                member_id=int(sub.member_id.data),
                evidence_date=sub.evidence_date.data,
                evidence_source=sub.evidence_source.data or None,
            )
        )
    return inputs
