"""Outcomes plan pages. Everyone signed in reads them; only managers change them. Thin: role, form, service."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from tfclaims import clock
from tfclaims.auth.permissions import roles_required, signed_in
from tfclaims.auth.roles import Role
from tfclaims.engine.criteria import KINDS
from tfclaims.errors import DomainError
from tfclaims.forms import show_error
from tfclaims.inputs import query_int
from tfclaims.outcomes_plan import exports, forms, queries, rules, services
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES
from tfclaims.outcomes_plan.vocabulary import DESCRIPTOR_APPLIES_TO
from tfclaims.progress.models import PRIOR_BENEFITS

bp = Blueprint("outcomes_plan", __name__)

CHANGERS = (Role.MANAGER,)


@bp.context_processor
def _labels():
    return {
        "evidence_sources": EVIDENCE_SOURCES,
        "route_labels": rules.route_labels,
        "criterion_kinds": KINDS,
        "parameter_lines": rules.parameter_lines,
        "applies_to_labels": DESCRIPTOR_APPLIES_TO,
    }


def _plan_or_404(plan_id: int):
    return queries.get_plan(plan_id) or abort(404)


def _version_or_404(version_id: int):
    return queries.get_plan_version(version_id) or abort(404)


def _version_page(version):
    return redirect(url_for("outcomes_plan.version_page", version_id=version.id))


def _problem_section(version, number: int):
    return redirect(url_for("outcomes_plan.version_page", version_id=version.id, _anchor=f"problem-{number}"))


def _published_refusal(version):
    """A published version never changes: send the manager back to it with the reason."""
    flash(f"Version {version.number} is published and cannot be changed. Copy it to make a new version.", "info")
    return _version_page(version)


def _refuse_on_submit(form, error: DomainError) -> None:
    """Show a refusal on a confirmation form, whose only field is its button."""
    form.submit.errors = [*form.submit.errors, error.message]


def _show_errors(form, error: DomainError) -> None:
    """Show a service's refusal; a criterion's settings may have several, one per field."""
    if isinstance(error, services.InvalidParameters):
        for field, message in error.errors.items():
            show_error(form, DomainError(message, field=field))
    else:
        show_error(form, error)


# ---------------------------------------------------------------- reading


@bp.get("/")
@signed_in
def list_plans():
    return render_template(
        "outcomes_plan/list.html",
        plans=queries.list_plans(),
        in_force=queries.get_version_in_force(clock.today()),
    )


@bp.get("/frameworks")
@signed_in
def frameworks():
    return render_template("outcomes_plan/frameworks.html", frameworks=queries.list_frameworks())


@bp.get("/frameworks/<int:framework_id>")
@signed_in
def framework_page(framework_id: int):
    """A framework's national settings and their history (who changed what, when)."""
    framework = queries.get_framework(framework_id) or abort(404)
    benefits = services.employment_benefits(framework)
    history = [
        (event, rules.setting_change_lines(event.changes or {}, benefits, framework.problem_noun))
        for event in queries.framework_history(framework.id)
    ]
    return render_template(
        "outcomes_plan/framework.html",
        framework=framework,
        employment=rules.employment_settings(framework.employment_rules, PRIOR_BENEFITS),
        history=history,
    )


@bp.route("/frameworks/<int:framework_id>/settings", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def edit_framework_settings(framework_id: int):
    framework = queries.get_framework(framework_id) or abort(404)
    benefits = services.employment_benefits(framework)
    form_class = forms.framework_settings_form_class(benefits, "SFO" in framework.route_codes)
    form = form_class(data=forms.framework_settings_data(framework, benefits) if request.method == "GET" else None)
    if form.is_submitted():
        valid = form.validate()  # the dates' own messages ("must be a real date")
        try:
            changed = services.update_framework_settings(framework, form.raw(), check_only=not valid)
        except services.InvalidParameters as error:
            for field, message in error.errors.items():
                if not form[field].errors:
                    show_error(form, DomainError(message, field=field))
        else:
            if valid:
                flash(
                    f"Settings of {framework.name} saved: {'; '.join(changed)}" if changed else "Nothing changed",
                    "success" if changed else "info",
                )
                return redirect(url_for("outcomes_plan.framework_page", framework_id=framework.id))
    return render_template("outcomes_plan/framework_settings.html", form=form, framework=framework)


@bp.get("/<int:plan_id>")
@signed_in
def plan_page(plan_id: int):
    plan = _plan_or_404(plan_id)
    return render_template("outcomes_plan/plan.html", plan=plan, in_force=queries.get_version_in_force(clock.today()))


@bp.get("/versions/<int:version_id>")
@signed_in
def version_page(version_id: int):
    version = _version_or_404(version_id)
    return render_template(
        "outcomes_plan/version.html",
        version=version,
        plan=version.plan,
        groups=queries.problem_groups(version),
        copied_from=queries.get_plan_version(version.copied_from_id) if version.copied_from_id else None,
        copies=queries.versions_copied_from(version.id),
        refusals=services.publish_refusals(version) if version.is_draft else [],
        employment=rules.employment_settings(version.plan.framework.employment_rules, PRIOR_BENEFITS),
    )


# ---------------------------------------------------------------- plans and versions


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def new_plan():
    form = forms.PlanForm()
    frameworks = {str(f.id): f for f in queries.list_frameworks()}
    form.framework.choices = [SelectChoice(key, f.name) for key, f in frameworks.items()]
    if form.validate_on_submit():
        try:
            version = services.create_plan(
                frameworks[form.framework.data], form.name.data, form.effective_from.data, form.notes.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Outcomes plan {version.plan.name} created. Add its descriptors to draft version 1.", "success")
            return _version_page(version)
    return render_template("outcomes_plan/plan_form.html", form=form, frameworks=frameworks)


@bp.route("/versions/<int:version_id>/edit", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def edit_version(version_id: int):
    version = _version_or_404(version_id)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.VersionForm(obj=version)
    if form.validate_on_submit():
        try:
            services.update_version_details(version, form.effective_from.data, form.notes.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Details of version {version.number} saved", "success")
            return _version_page(version)
    return render_template("outcomes_plan/version_form.html", form=form, version=version, plan=version.plan)


@bp.route("/versions/<int:version_id>/copy", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def copy_version(version_id: int):
    version = _version_or_404(version_id)
    if not version.is_published:
        flash(f"Version {version.number} is a draft: change it instead of copying it.", "info")
        return _version_page(version)
    form = forms.CopyForm()
    if form.validate_on_submit():
        try:
            copy = services.copy_version(version, form.effective_from.data, form.notes.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Version {version.number} copied to draft version {copy.number}", "success")
            return _version_page(copy)
    return render_template("outcomes_plan/copy.html", form=form, version=version, plan=version.plan)


@bp.route("/versions/<int:version_id>/publish", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def publish_version(version_id: int):
    version = _version_or_404(version_id)
    if not version.is_draft:
        flash(f"Version {version.number} is already published.", "info")
        return _version_page(version)
    form = forms.PublishForm()
    if form.validate_on_submit():
        try:
            services.publish(version, current_user)
        except DomainError as error:
            _refuse_on_submit(form, error)
        else:
            flash(f"Version {version.number} of {version.plan.name} published", "success")
            return _version_page(version)
    return render_template(
        "outcomes_plan/publish.html",
        form=form,
        version=version,
        plan=version.plan,
        refusals=services.publish_refusals(version),
    )


@bp.route("/versions/<int:version_id>/delete", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def delete_version(version_id: int):
    version = _version_or_404(version_id)
    if not version.is_draft:
        return _published_refusal(version)
    plan = version.plan
    only_version = len(plan.versions) == 1
    form = forms.DeleteForm()
    if form.validate_on_submit():
        number, name = version.number, plan.name
        try:
            kept = services.delete_version(version)
        except DomainError as error:
            _refuse_on_submit(form, error)
        else:
            if kept is None:
                flash(f"Draft version {number} and the outcomes plan {name} deleted", "success")
                return redirect(url_for("outcomes_plan.list_plans"))
            flash(f"Draft version {number} deleted", "success")
            return redirect(url_for("outcomes_plan.plan_page", plan_id=kept.id))
    return render_template(
        "outcomes_plan/version_delete.html", form=form, version=version, plan=plan, only_version=only_version
    )


# ---------------------------------------------------------------- descriptors


def _descriptor_args(form) -> dict:
    return {
        "problem_id": form.problem_id.data,
        "code": form.code.data,
        "text": form.text.data,
        "evidence_source": form.evidence_source.data,
        "applies_to": form.applies_to.data,
    }


@bp.route("/versions/<int:version_id>/descriptors/new", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def add_descriptor(version_id: int):
    version = _version_or_404(version_id)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.DescriptorForm()
    form.set_problems(version.plan.framework)
    if request.method == "GET" and (problem := query_int("problem", 0)):
        form.problem_id.data = problem
    if form.validate_on_submit():
        try:
            descriptor = services.add_descriptor(version, **_descriptor_args(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Descriptor {descriptor.code} added", "success")
            return _problem_section(version, descriptor.problem.number)
    return render_template(
        "outcomes_plan/descriptor_form.html", form=form, version=version, plan=version.plan, descriptor=None
    )


@bp.route("/versions/<int:version_id>/descriptors/<int:descriptor_id>/edit", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def edit_descriptor(version_id: int, descriptor_id: int):
    version = _version_or_404(version_id)
    descriptor = queries.get_descriptor(version.id, descriptor_id) or abort(404)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.DescriptorForm(obj=descriptor)
    form.set_problems(version.plan.framework)
    if form.validate_on_submit():
        try:
            services.update_descriptor(descriptor, **_descriptor_args(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Descriptor {descriptor.code} saved", "success")
            return _problem_section(version, descriptor.problem.number)
    return render_template(
        "outcomes_plan/descriptor_form.html", form=form, version=version, plan=version.plan, descriptor=descriptor
    )


@bp.route("/versions/<int:version_id>/descriptors/<int:descriptor_id>/delete", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def delete_descriptor(version_id: int, descriptor_id: int):
    version = _version_or_404(version_id)
    descriptor = queries.get_descriptor(version.id, descriptor_id) or abort(404)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.DeleteForm()
    if form.validate_on_submit():
        code, number = descriptor.code, descriptor.problem.number
        try:
            services.delete_descriptor(descriptor)
        except DomainError as error:
            _refuse_on_submit(form, error)
        else:
            flash(f"Descriptor {code} deleted", "success")
            return _problem_section(version, number)
    return render_template(
        "outcomes_plan/descriptor_delete.html", form=form, version=version, plan=version.plan, descriptor=descriptor
    )


# ---------------------------------------------------------------- success criteria


def _kind_code(kind_slug: str) -> str:
    """Kinds are in the address in kebab case: /criteria/new/held-over-periods."""
    return kind_slug.replace("-", "_")


def _kind_slug(kind: str) -> str:
    return kind.replace("_", "-")


def _problem_or_404(version, problem_id: int):
    return queries.get_problem(version.plan.framework_id, problem_id) or abort(404)


@bp.route("/versions/<int:version_id>/problems/<int:problem_id>/criteria/new", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def choose_criterion_kind(version_id: int, problem_id: int):
    version = _version_or_404(version_id)
    problem = _problem_or_404(version, problem_id)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.CriterionKindForm()
    if request.method == "GET" and request.args.get("kind") in KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        return redirect(
            url_for(
                "outcomes_plan.add_criterion",
                version_id=version.id,
                problem_id=problem.id,
                kind_slug=_kind_slug(form.kind.data),
            )
        )
    return render_template(
        "outcomes_plan/criterion_kind.html",
        form=form,
        version=version,
        plan=version.plan,
        problem=problem,
        hints=forms.CriterionKindForm.hints(),
    )


@bp.route("/versions/<int:version_id>/problems/<int:problem_id>/criteria/new/<kind_slug>", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def add_criterion(version_id: int, problem_id: int, kind_slug: str):
    version = _version_or_404(version_id)
    problem = _problem_or_404(version, problem_id)
    kind = KINDS.get(_kind_code(kind_slug)) or abort(404)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.criterion_form_class(kind)()
    if form.validate_on_submit():
        try:
            services.add_criterion(version, problem.id, kind.code, form.parameters(), form.wording.data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(f"Success criterion added to {services.problem_label(problem)}", "success")
            return _problem_section(version, problem.number)
    return render_template(
        "outcomes_plan/criterion_form.html",
        form=form,
        version=version,
        plan=version.plan,
        problem=problem,
        kind=kind,
        criterion=None,
        standard_wording=None,
    )


@bp.route("/versions/<int:version_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def edit_criterion(version_id: int, criterion_id: int):
    version = _version_or_404(version_id)
    criterion = queries.get_criterion(version.id, criterion_id) or abort(404)
    if not version.is_draft:
        return _published_refusal(version)
    kind = KINDS.get(criterion.kind) or abort(404)
    standard = services.wording_is_standard(criterion)
    form = forms.criterion_form_class(kind)(
        data=forms.criterion_form_data(kind, criterion.parameters, "" if standard else criterion.wording)
    )
    if form.validate_on_submit():
        try:
            services.update_criterion(criterion, form.parameters(), form.wording.data)
        except DomainError as error:
            _show_errors(form, error)
        else:
            flash(f"Success criterion of {services.problem_label(criterion.problem)} saved", "success")
            return _problem_section(version, criterion.problem.number)
    return render_template(
        "outcomes_plan/criterion_form.html",
        form=form,
        version=version,
        plan=version.plan,
        problem=criterion.problem,
        kind=kind,
        criterion=criterion,
        standard_wording=criterion.wording if standard else None,
    )


@bp.route("/versions/<int:version_id>/criteria/<int:criterion_id>/delete", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def delete_criterion(version_id: int, criterion_id: int):
    version = _version_or_404(version_id)
    criterion = queries.get_criterion(version.id, criterion_id) or abort(404)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.DeleteForm()
    if form.validate_on_submit():
        problem = criterion.problem
        try:
            services.delete_criterion(criterion)
        except DomainError as error:
            _refuse_on_submit(form, error)
        else:
            flash(f"Success criterion of {services.problem_label(problem)} deleted", "success")
            return _problem_section(version, problem.number)
    return render_template(
        "outcomes_plan/criterion_delete.html", form=form, version=version, plan=version.plan, criterion=criterion
    )


# ---------------------------------------------------------------- sharing plans as files


def _download(version_id: int, file_format: str) -> Response:
    version = _version_or_404(version_id)
    document = exports.version_document(version)
    body = exports.to_yaml(document) if file_format == "yaml" else exports.to_json(document)
    return Response(
        body,
        content_type=f"{exports.MEDIA_TYPES[file_format]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{exports.file_name(version, file_format)}"'},
    )


@bp.get("/versions/<int:version_id>/export.yaml")
@signed_in
def export_yaml(version_id: int):
    return _download(version_id, "yaml")


@bp.get("/versions/<int:version_id>/export.json")
@signed_in
def export_json(version_id: int):
    return _download(version_id, "json")


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def import_plan():
    form = forms.ImportForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            version = services.import_plan(upload.filename, upload.read(exports.MAX_BYTES + 1), form.name.data)
        except services.ImportRefused as refused:
            problems = refused.problems
            if any(field == "file" for field, _ in problems):
                form.file.errors = [refused.message]
            form.name.errors = [*form.name.errors, *(message for field, message in problems if field == "name")]
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                f"Outcomes plan {version.plan.name} imported as draft version 1. Check it, then publish it.", "success"
            )
            return _version_page(version)
    return render_template("outcomes_plan/import.html", form=form, problems=problems)


# ---------------------------------------------------------------- comparing versions


@bp.get("/<int:plan_id>/compare")
@signed_in
def compare_versions(plan_id: int):
    plan = _plan_or_404(plan_id)
    versions = plan.versions
    form, left, right, documents, differences = None, None, None, None, []
    if len(versions) >= 2:
        args = request.args
        if "left" not in args and "right" not in args:
            args = MultiDict({"left": str(versions[-2].id), "right": str(versions[-1].id)})
        form = forms.CompareForm(formdata=args)
        form.set_versions(versions)
        if form.validate():
            by_id = {v.id: v for v in versions}
            left, right = by_id[form.left.data], by_id[form.right.data]
            documents = (exports.version_document(left), exports.version_document(right))
            differences = rules.compare_plan_documents(
                *documents, [(p.code, services.problem_label(p)) for p in plan.framework.problems]
            )
    return render_template(
        "outcomes_plan/compare.html",
        plan=plan,
        form=form,
        left=left,
        right=right,
        documents=documents,
        differences=differences,
        counts=rules.change_counts(differences),
    )
