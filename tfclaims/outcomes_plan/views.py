"""Outcomes plan pages. Everyone signed in reads them; only managers change them. Thin: role, form, service."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from tfclaims.auth.permissions import roles_required, signed_in
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.forms import show_error
from tfclaims.outcomes_plan import forms, queries, rules, services
from tfclaims.outcomes_plan.models import EVIDENCE_SOURCES

bp = Blueprint("outcomes_plan", __name__)

CHANGERS = (Role.MANAGER,)


@bp.context_processor
def _labels():
    return {"evidence_sources": EVIDENCE_SOURCES, "route_labels": rules.route_labels}


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


# ---------------------------------------------------------------- reading


@bp.get("/")
@signed_in
def list_plans():
    return render_template(
        "outcomes_plan/list.html",
        plans=queries.list_plans(),
        in_force=queries.get_version_in_force(date.today()),
    )


@bp.get("/frameworks")
@signed_in
def frameworks():
    return render_template("outcomes_plan/frameworks.html", frameworks=queries.list_frameworks())


@bp.get("/<int:plan_id>")
@signed_in
def plan_page(plan_id: int):
    plan = _plan_or_404(plan_id)
    return render_template(
        "outcomes_plan/plan.html", plan=plan, in_force=queries.get_version_in_force(date.today())
    )


@bp.get("/versions/<int:version_id>")
@signed_in
def version_page(version_id: int):
    version = _version_or_404(version_id)
    return render_template(
        "outcomes_plan/version.html",
        version=version,
        plan=version.plan,
        groups=queries.descriptors_by_problem(version),
        copied_from=queries.get_plan_version(version.copied_from_id) if version.copied_from_id else None,
        copies=queries.versions_copied_from(version.id),
        refusals=services.publish_refusals(version) if version.is_draft else [],
    )


# ---------------------------------------------------------------- plans and versions


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def new_plan():
    form = forms.PlanForm()
    frameworks = {str(f.id): f for f in queries.list_frameworks()}
    form.framework.choices = [
        SelectChoice(key, f.name) for key, f in frameworks.items()
    ]
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
    }


@bp.route("/versions/<int:version_id>/descriptors/new", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def add_descriptor(version_id: int):
    version = _version_or_404(version_id)
    if not version.is_draft:
        return _published_refusal(version)
    form = forms.DescriptorForm()
    form.set_problems(version.plan.framework)
    if request.method == "GET" and request.args.get("problem", "").isdigit():
        form.problem_id.data = int(request.args["problem"])
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
