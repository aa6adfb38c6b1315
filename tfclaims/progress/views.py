"""Pages to record a family's progress. Thin: role, form, service, redirect. Read on the family page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.families.queries import get_family
from tfclaims.forms import show_error
from tfclaims.progress import forms, queries, services
from tfclaims.progress.models import EVIDENCE_AWAITING, MEASURE_KINDS
from tfclaims.progress.vocabulary import ABSENCE_MEASURES
from tfclaims.text import long_date

bp = Blueprint("progress", __name__)

WRITERS = (Role.COORDINATOR,)
DECIDERS = (Role.MANAGER,)

MEASURE_FIELDS = ("member_id", "period_label", "period_start", "period_end", "value", "source")
EVENT_FIELDS = ("member_id", "kind", "occurred_on", "source", "note")
SPELL_FIELDS = ("member_id", "started_on", "ended_on", "hours_per_week", "prior_benefit", "employer")
EPISODE_FIELDS = ("member_id", "kind", "started_on", "ended_on", "end_reason")
EVIDENCE_FIELDS = ("problem_id", "statement", "progress_from")


@bp.context_processor
def _labels():
    return {"labels": queries.LABELS}


def _family_or_404(family_id: int):
    return get_family(family_id) or abort(404)


def _data(form, fields: tuple[str, ...]) -> dict:
    return {name: getattr(form, name).data for name in fields}


def _back(family, anchor: str):
    return redirect(url_for("families.family_page", family_id=family.id, _anchor=anchor))


def _refuse_on_submit(form, error: DomainError) -> None:
    """Show a refusal on a confirmation form, whose only field is its button."""
    form.submit.errors = [*form.submit.errors, error.message]


def _number(value: float) -> str:
    return f"{value:g}"


def _save(form, family, template: str, anchor: str, message: str, action, **context):
    """Validate the form, call the service, and go back to the family page; or show the form with its errors."""
    if form.validate_on_submit():
        try:
            action()
        except DomainError as error:
            show_error(form, error)
        else:
            flash(message, "success")
            return _back(family, anchor)
    return render_template(template, form=form, family=family, **context)


def _delete(family, record, what: str, anchor: str, action, **context):
    form = forms.ConfirmDeleteForm()
    if form.validate_on_submit():
        try:
            action()
        except DomainError as error:
            _refuse_on_submit(form, error)
        else:
            flash(f"{what[0].upper()}{what[1:]} deleted", "success")
            return _back(family, anchor)
    return render_template(
        "progress/confirm_delete.html", form=form, family=family, record=record, what=what, anchor=anchor, **context
    )


# ---------------------------------------------------------------- school attendance and absence

ABSENCE = "absence"  # ?measure=absence: the page records absence (unauthorised or overall) instead of attendance


def _measure_page(absence: bool) -> dict:
    return {"absence": absence, "form_action": url_for(request.endpoint, **request.view_args, **request.args)}


@bp.route("/<int:family_id>/progress/attendance/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_measure(family_id: int):
    family = _family_or_404(family_id)
    absence = request.args.get("measure") == ABSENCE
    form = forms.AbsenceForm() if absence else forms.MeasureForm()
    form.set_members(family.members)
    return _save(
        form,
        family,
        "progress/measure_form.html",
        "attendance",
        "Absence recorded" if absence else "Attendance recorded",
        lambda: services.add_measure(
            family, kind=form.kind.data if absence else services.ATTENDANCE, **_data(form, MEASURE_FIELDS)
        ),
        measure=None,
        **_measure_page(absence),
    )


@bp.route("/<int:family_id>/progress/attendance/<int:measure_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_measure(family_id: int, measure_id: int):
    family = _family_or_404(family_id)
    measure = queries.get_measure(family.id, measure_id) or abort(404)
    absence = measure.kind in ABSENCE_MEASURES
    form = (forms.AbsenceForm if absence else forms.MeasureForm)(obj=measure)
    form.set_members(family.members)
    if request.method == "GET":
        form.value.data = _number(measure.value)
    fields = (*MEASURE_FIELDS, "kind") if absence else MEASURE_FIELDS
    return _save(
        form,
        family,
        "progress/measure_form.html",
        "attendance",
        "Absence saved" if absence else "Attendance saved",
        lambda: services.update_measure(measure, **_data(form, fields)),
        measure=measure,
        **_measure_page(absence),
    )


@bp.route("/<int:family_id>/progress/attendance/<int:measure_id>/delete", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete_measure(family_id: int, measure_id: int):
    family = _family_or_404(family_id)
    measure = queries.get_measure(family.id, measure_id) or abort(404)
    return _delete(
        family,
        measure,
        f"{MEASURE_KINDS.get(measure.kind, measure.kind).lower()} for {measure.period_label}",
        "attendance",
        lambda: services.delete_measure(measure),
        rows=[
            ("Family member", measure.member.full_name),
            ("Term", measure.period_label),
            (MEASURE_KINDS.get(measure.kind, measure.kind), f"{_number(measure.value)}%"),
        ],
    )


# ---------------------------------------------------------------- events


@bp.route("/<int:family_id>/progress/events/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_event(family_id: int):
    family = _family_or_404(family_id)
    form = forms.EventForm()
    form.set_members(family.members)
    return _save(
        form,
        family,
        "progress/event_form.html",
        "events",
        "Event recorded",
        lambda: services.add_event(family, **_data(form, EVENT_FIELDS)),
        event=None,
    )


@bp.route("/<int:family_id>/progress/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_event(family_id: int, event_id: int):
    family = _family_or_404(family_id)
    event = queries.get_event(family.id, event_id) or abort(404)
    form = forms.EventForm(obj=event)
    form.set_members(family.members)
    return _save(
        form,
        family,
        "progress/event_form.html",
        "events",
        "Event saved",
        lambda: services.update_event(event, **_data(form, EVENT_FIELDS)),
        event=event,
    )


@bp.route("/<int:family_id>/progress/events/<int:event_id>/delete", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete_event(family_id: int, event_id: int):
    family = _family_or_404(family_id)
    event = queries.get_event(family.id, event_id) or abort(404)
    return _delete(
        family,
        event,
        "event",
        "events",
        lambda: services.delete_event(event),
        rows=[
            ("Family member", event.member.full_name),
            ("What happened", queries.LABELS["event_kinds"].get(event.kind, event.kind)),
            ("Date", long_date(event.occurred_on)),
        ],
    )


# ---------------------------------------------------------------- employment


@bp.route("/<int:family_id>/progress/employment/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_spell(family_id: int):
    family = _family_or_404(family_id)
    form = forms.SpellForm()
    form.set_members(family.members)
    return _save(
        form,
        family,
        "progress/spell_form.html",
        "employment",
        "Employment recorded",
        lambda: services.add_spell(family, **_data(form, SPELL_FIELDS)),
        spell=None,
    )


@bp.route("/<int:family_id>/progress/employment/<int:spell_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_spell(family_id: int, spell_id: int):
    family = _family_or_404(family_id)
    spell = queries.get_spell(family.id, spell_id) or abort(404)
    form = forms.SpellForm(obj=spell)
    form.set_members(family.members)
    if request.method == "GET":
        form.hours_per_week.data = _number(spell.hours_per_week)
    return _save(
        form,
        family,
        "progress/spell_form.html",
        "employment",
        "Employment saved",
        lambda: services.update_spell(spell, **_data(form, SPELL_FIELDS)),
        spell=spell,
    )


@bp.route("/<int:family_id>/progress/employment/<int:spell_id>/delete", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete_spell(family_id: int, spell_id: int):
    family = _family_or_404(family_id)
    spell = queries.get_spell(family.id, spell_id) or abort(404)
    return _delete(
        family,
        spell,
        "spell of employment",
        "employment",
        lambda: services.delete_spell(spell),
        rows=[
            ("Family member", spell.member.full_name),
            ("Started", long_date(spell.started_on)),
            ("Ended", long_date(spell.ended_on, "Still in work")),
        ],
    )


# ---------------------------------------------------------------- child in need and child protection plans


@bp.route("/<int:family_id>/progress/status-episodes/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_episode(family_id: int):
    family = _family_or_404(family_id)
    form = forms.EpisodeForm()
    form.set_members(family.members)
    return _save(
        form,
        family,
        "progress/episode_form.html",
        "status-episodes",
        "Plan recorded",
        lambda: services.add_episode(family, **_data(form, EPISODE_FIELDS)),
        episode=None,
    )


@bp.route("/<int:family_id>/progress/status-episodes/<int:episode_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_episode(family_id: int, episode_id: int):
    family = _family_or_404(family_id)
    episode = queries.get_episode(family.id, episode_id) or abort(404)
    form = forms.EpisodeForm(obj=episode)
    form.set_members(family.members)
    return _save(
        form,
        family,
        "progress/episode_form.html",
        "status-episodes",
        "Plan saved",
        lambda: services.update_episode(episode, **_data(form, EPISODE_FIELDS)),
        episode=episode,
    )


@bp.route("/<int:family_id>/progress/status-episodes/<int:episode_id>/delete", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete_episode(family_id: int, episode_id: int):
    family = _family_or_404(family_id)
    episode = queries.get_episode(family.id, episode_id) or abort(404)
    return _delete(
        family,
        episode,
        queries.LABELS["status_kinds"].get(episode.kind, episode.kind).lower(),
        "status-episodes",
        lambda: services.delete_episode(episode),
        rows=[
            ("Family member", episode.member.full_name),
            ("Started", long_date(episode.started_on)),
            ("Ended", long_date(episode.ended_on, "Still open")),
        ],
    )


# ---------------------------------------------------------------- manual evidence


def _evidence_open_or_back(family, evidence):
    """Evidence a manager has decided on no longer changes: say so on the family page."""
    if evidence.status != EVIDENCE_AWAITING:
        flash("A manager has already decided on this evidence, so it cannot be changed", "info")
        return _back(family, "manual-evidence")
    return None


@bp.route("/<int:family_id>/progress/evidence/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_evidence(family_id: int):
    family = _family_or_404(family_id)
    attachment = queries.evidence_attachment(family)
    if attachment is None:
        flash("Attach the family before recording evidence of progress", "info")
        return _back(family, "manual-evidence")
    form = forms.EvidenceForm()
    form.set_problems(queries.problems_identified(attachment))
    return _save(
        form,
        family,
        "progress/evidence_form.html",
        "manual-evidence",
        "Evidence recorded. A manager must sign it off",
        lambda: services.add_evidence(family, current_user, **_data(form, EVIDENCE_FIELDS)),
        attachment=attachment,
        evidence=None,
    )


@bp.route("/<int:family_id>/progress/evidence/<int:evidence_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_evidence(family_id: int, evidence_id: int):
    family = _family_or_404(family_id)
    evidence = queries.get_evidence(family.id, evidence_id) or abort(404)
    refusal = _evidence_open_or_back(family, evidence)
    if refusal:
        return refusal
    attachment = next(a for a in family.attachments if a.id == evidence.attachment_id)
    form = forms.EvidenceForm(obj=evidence)
    form.set_problems(queries.problems_identified(attachment))
    return _save(
        form,
        family,
        "progress/evidence_form.html",
        "manual-evidence",
        "Evidence saved",
        lambda: services.update_evidence(evidence, **_data(form, EVIDENCE_FIELDS)),
        attachment=attachment,
        evidence=evidence,
    )


@bp.route("/<int:family_id>/progress/evidence/<int:evidence_id>/delete", methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete_evidence(family_id: int, evidence_id: int):
    family = _family_or_404(family_id)
    evidence = queries.get_evidence(family.id, evidence_id) or abort(404)
    refusal = _evidence_open_or_back(family, evidence)
    if refusal:
        return refusal
    return _delete(
        family,
        evidence,
        "evidence",
        "manual-evidence",
        lambda: services.delete_evidence(evidence),
        rows=[
            ("Headline problem", f"{evidence.problem.number}. {evidence.problem.name}"),
            ("Progress made from", long_date(evidence.progress_from)),
        ],
    )


@bp.route("/<int:family_id>/progress/evidence/<int:evidence_id>/decision", methods=["GET", "POST"])
@roles_required(*DECIDERS)
def decide_evidence(family_id: int, evidence_id: int):
    family = _family_or_404(family_id)
    evidence = queries.get_evidence(family.id, evidence_id) or abort(404)
    refusal = _evidence_open_or_back(family, evidence)
    if refusal:
        return refusal
    form = forms.DecisionForm()
    accept = form.decision.data == "accept"
    return _save(
        form,
        family,
        "progress/decide_evidence.html",
        "manual-evidence",
        "Evidence signed off" if accept else "Evidence not accepted",
        lambda: services.decide_evidence(evidence, current_user, accept=accept, reason=form.decision_reason.data),
        evidence=evidence,
    )
