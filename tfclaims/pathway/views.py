"""Pages of the early-help pathway. Thin: role, form, service, redirect.

The family's records are under ``/families/<id>/early-help/...`` (shown on the family page); the service's lists,
caseloads and practice standards under ``/early-help``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tfclaims import clock
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role
from tfclaims.engine.exports import csv_bytes
from tfclaims.errors import DomainError
from tfclaims.families.queries import get_family
from tfclaims.forms import show_error
from tfclaims.pathway import forms, lists, queries, rules, services
from tfclaims.pathway.vocabulary import AGENCIES, DECISIONS

bp = Blueprint("pathway", __name__)

# Who records the work with a family; who decides, allocates and supervises; who reads the service's lists.
WRITERS = (Role.PRACTITIONER, Role.COORDINATOR, Role.MANAGER)
MANAGERS = (Role.MANAGER,)
READERS = (Role.PRACTITIONER, Role.COORDINATOR, Role.MANAGER)
STANDARDS_READERS = (Role.PRACTITIONER, Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER)


def _family_or_404(family_id: int):
    return get_family(family_id) or abort(404)


def _request_or_404(family, request_id: int):
    return queries.get_request(family.id, request_id) or abort(404)


def _back(family, request_id: int | None = None):
    anchor = f"episode-{request_id}" if request_id else "early-help"
    return redirect(url_for("families.family_page", family_id=family.id, _anchor=anchor))


def _save(form, family, template: str, message: str, action, episode=None, **context):
    if form.validate_on_submit():
        try:
            action()
        except DomainError as error:
            show_error(form, error)
        else:
            flash(message, "success")
            return _back(family, episode.id if episode else None)
    return render_template(template, form=form, family=family, episode=episode, **context)


# ---------------------------------------------------------------- the family's records


@bp.route("/families/<int:family_id>/early-help/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_request(family_id: int):
    family = _family_or_404(family_id)
    form = forms.RequestForm()
    if form.validate_on_submit():
        try:
            episode = services.record_request(family, form.received_on.data, form.received_time.time,
                                              form.source.data, form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Request for early help recorded", "success")
            return _back(family, episode.id)
    return render_template("pathway/request_form.html", form=form, family=family, episode=None)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/decision", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def decide(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.DecisionForm(obj=episode)
    return _save(form, family, "pathway/decision_form.html", "Decision recorded",
                 lambda: services.decide_request(episode, form.decision.data, form.decided_on.data), episode)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/allocate", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def allocate(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.AllocationForm()
    form.set_practitioners(queries.practitioners())
    if request.method == "GET" and episode.allocation:
        form.team.data = episode.allocation.team
    return _save(form, family, "pathway/allocation_form.html", "Allocated",
                 lambda: services.allocate(episode, form.practitioner_id.data, form.team.data,
                                           form.allocated_on.data, form.allocated_time.time),
                 episode, teams=queries.list_teams())


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/contacts/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_contact(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.ContactForm()
    form.set_members(family.members)
    return _save(form, family, "pathway/contact_form.html", "Contact recorded",
                 lambda: services.add_contact(episode, family, form.occurred_on.data, form.kind.data,
                                              form.member_ids.data, form.child_seen_alone.data, form.note.data),
                 episode)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/assessment", methods=["GET", "POST"])
@roles_required(*WRITERS)
def assessment(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    current = queries.assessment_of(episode.id)
    form = forms.AssessmentForm(obj=current)
    form.set_members(family.members)
    if request.method == "GET" and current:
        form.member_ids.data = [str(m.member_id) for m in current.assessed]
    return _save(form, family, "pathway/assessment_form.html", "Assessment saved",
                 lambda: services.save_assessment(episode, family, form.started_on.data, form.completed_on.data,
                                                  form.member_ids.data),
                 episode, current=current)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/plan", methods=["GET", "POST"])
@roles_required(*WRITERS)
def plan(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    current = queries.plan_of(episode.id)
    form = forms.PlanForm(obj=current)
    return _save(form, family, "pathway/plan_form.html", "Family plan saved",
                 lambda: services.save_plan(episode, form.opened_on.data, form.copy_given_on.data),
                 episode, current=current)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/meetings/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_meeting(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.MeetingForm()
    return _save(form, family, "pathway/meeting_form.html", "Meeting recorded",
                 lambda: services.add_meeting(episode, form.held_on.data, form.kind.data, form.agencies.data),
                 episode)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/supervision/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def add_supervision(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.SupervisionForm()
    return _save(form, family, "pathway/supervision_form.html", "Supervision recorded",
                 lambda: services.add_supervision(episode, form.held_on.data, form.kind.data, form.note.data,
                                                  current_user),
                 episode)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/steps/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_step(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.StepForm()
    return _save(form, family, "pathway/step_form.html", "Step recorded",
                 lambda: services.add_step(episode, form.direction.data, form.stepped_on.data, form.note.data),
                 episode)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/close", methods=["GET", "POST"])
@roles_required(*WRITERS)
def close(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    form = forms.ClosureForm()
    return _save(form, family, "pathway/closure_form.html", "Episode closed",
                 lambda: services.close_episode(episode, form.closed_on.data, form.closure_reason.data,
                                                form.letter_sent.data),
                 episode)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/<kind>/<int:record_id>/delete",
          methods=["GET", "POST"])
@roles_required(*WRITERS)
def delete_record(family_id: int, request_id: int, kind: str, record_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    record = queries.get_record(episode, kind, record_id) or abort(404)  # contact, meeting, supervision, step
    if kind == "supervision" and not current_user.has_role(*MANAGERS):
        abort(403)
    form = forms.ConfirmDeleteForm()
    if form.validate_on_submit():
        try:
            services.delete_record(episode, record)
        except DomainError as error:
            form.submit.errors = [*form.submit.errors, error.message]
        else:
            flash("Record deleted", "success")
            return _back(family, episode.id)
    return render_template("pathway/confirm_delete.html", form=form, family=family, episode=episode, record=record,
                           kind=kind)


@bp.route("/families/<int:family_id>/early-help/<int:request_id>/scores/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def add_scores(family_id: int, request_id: int):
    family = _family_or_404(family_id)
    episode = _request_or_404(family, request_id)
    areas = queries.outcome_areas(in_use_only=True)
    form = forms.scores_form(areas, family.members)
    return _save(form, family, "pathway/scores_form.html", "Outcome scores saved",
                 lambda: services.save_scores(episode, family, form.member_id.data, form.occasion.data,
                                              form.scored_on.data, {a.id: f.data for a, f in form.area_fields}),
                 episode)


# ---------------------------------------------------------------- the service's lists


def _filters() -> dict:
    text = request.args.get("practitioner", "")
    return {"team": request.args.get("team", "")[:120],
            "practitioner_id": int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None}


@bp.get("/early-help/")
@roles_required(*READERS)
def overview():
    today = clock.today()
    e = queries.service_episodes(today)
    counts = lists.list_counts(e, today, clock.now())
    mine = None
    if current_user.has_role(Role.PRACTITIONER):
        mine = int((e["open"] & (e["practitioner_id"] == current_user.id)).sum())
    return render_template("pathway/overview.html", counts=counts, due_lists=lists.DUE_LISTS, today=today,
                           open_count=int(e["open"].sum()), mine=mine,
                           standards=queries.standards_in_force(today))


def _due(slug: str):
    if slug not in lists.DUE_LISTS:
        abort(404)
    today = clock.today()
    e = queries.service_episodes(today)
    filters = _filters()
    rows = lists.filtered(lists.due_rows(e, slug, today, clock.now()), **filters)
    return today, e, filters, rows


DUE_CSV = {"reference": "Family reference", "practitioner": "Lead practitioner", "team": "Team",
           "received_on": "Request received", "due": "Due", "overdue": "Overdue", "days_overdue": "Days overdue"}


@bp.get("/early-help/due/<slug>")
@roles_required(*READERS)
def due_list(slug: str):
    today, e, filters, rows = _due(slug)
    return render_template("pathway/due_list.html", spec=lists.DUE_LISTS[slug], rows=rows.to_dict("records"),
                           filters=filters, teams=queries.list_teams(), practitioners=queries.practitioners(),
                           today=today, week_end=lists.week_end(today))


@bp.get("/early-help/due/<slug>.csv")
@roles_required(*READERS)
def due_list_csv(slug: str):
    today, _, _, rows = _due(slug)
    rows = rows.assign(received_on=rows["received_at"].dt.normalize())
    return Response(csv_bytes(rows, DUE_CSV), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="early-help-{slug}-{today:%Y-%m-%d}.csv"'})


@bp.get("/early-help/caseload")
@roles_required(Role.PRACTITIONER)
def my_caseload():
    today = clock.today()
    e = queries.service_episodes(today)
    rows = e[e["open"] & (e["practitioner_id"] == current_user.id)].sort_values("reference")
    return render_template("pathway/caseload.html", rows=rows.to_dict("records"), today=today,
                           practitioner=current_user, own=True)


@bp.get("/early-help/caseloads")
@roles_required(*MANAGERS)
def caseloads():
    today = clock.today()
    e = queries.service_episodes(today)
    team = request.args.get("team", "")[:120]
    table = lists.caseloads(e, today)
    if team:
        table = table[table["team"] == team]
    return render_template("pathway/caseloads.html", rows=table.to_dict("records"), today=today, team=team,
                           teams=queries.list_teams())


@bp.get("/early-help/caseloads/<int:practitioner_id>")
@roles_required(*MANAGERS)
def practitioner_caseload(practitioner_id: int):
    today = clock.today()
    practitioner = next((u for u in queries.practitioners() if u.id == practitioner_id), None) or abort(404)
    e = queries.service_episodes(today)
    rows = e[e["open"] & (e["practitioner_id"] == practitioner_id)].sort_values("reference")
    return render_template("pathway/caseload.html", rows=rows.to_dict("records"), today=today,
                           practitioner=practitioner, own=False)


# ---------------------------------------------------------------- distance travelled and the outcome scale


@bp.get("/early-help/outcomes")
@roles_required(*READERS)
def outcomes():
    return render_template("pathway/outcomes.html", rows=queries.service_distance(), today=clock.today())


@bp.get("/early-help/outcome-areas")
@roles_required(*STANDARDS_READERS)
def outcome_areas():
    return render_template("pathway/outcome_areas.html", areas=queries.outcome_areas())


@bp.route("/early-help/outcome-areas/new", methods=["GET", "POST"])
@bp.route("/early-help/outcome-areas/<int:area_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_outcome_area(area_id: int | None = None):
    area = None
    if area_id is not None:
        area = queries.get_area(area_id) or abort(404)
    form = forms.OutcomeAreaForm(obj=area)
    if request.method == "GET" and area is None:
        form.position.data = max((a.position for a in queries.outcome_areas()), default=0) + 1
    if form.validate_on_submit():
        try:
            services.save_area(area, form.name.data, form.description.data, form.position.data, form.active.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Outcome area saved", "success")
            return redirect(url_for("pathway.outcome_areas"))
    return render_template("pathway/outcome_area_form.html", form=form, area=area)


# ---------------------------------------------------------------- the practice standards


@bp.get("/early-help/standards")
@roles_required(*STANDARDS_READERS)
def standards():
    return render_template("pathway/standards.html", versions=queries.standards_versions(), today=clock.today(),
                           in_force=queries.standards_in_force(clock.today()), as_rules=queries.as_rules)


@bp.route("/early-help/standards/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_standards():
    current = queries.standards_in_force(clock.today())
    form = forms.StandardsForm()
    if request.method == "GET":
        for name in rules.STANDARD_FIELDS:
            if name == "effective_from":
                continue
            value = getattr(current, name)
            getattr(form, name).data = ("working" if value else "calendar") if name.endswith("_working") else value
    if form.validate_on_submit():
        values = {name: (getattr(form, name).data == "working") if name.endswith("_working")
                  else getattr(form, name).data for name in rules.STANDARD_FIELDS if name != "effective_from"}
        try:
            services.save_standards(values, form.effective_from.data, form.note.data, current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Practice standards saved", "success")
            return redirect(url_for("pathway.standards"))
    return render_template("pathway/standards_form.html", form=form, day_items=forms.DAY_ITEMS, current=current)


@bp.app_template_filter("agency_label")
def _agency_label(code: str) -> str:
    return AGENCIES.get(code, code)


@bp.app_context_processor
def _pathway_words():
    return {"pathway_decisions": DECISIONS, "pathway_status_labels": rules.STATUS_LABELS}
