"""The audit trail: managers and administrators browse and filter every recorded change."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from tfclaims.audit import queries
from tfclaims.audit.forms import AuditFilterForm
from tfclaims.auth.permissions import roles_required
from tfclaims.auth.queries import list_users
from tfclaims.auth.roles import Role
from tfclaims.pagination import Page, page_number

bp = Blueprint("audit", __name__)

ACTION_LABELS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_in_refused": "Sign-in refused",
    "account_locked": "Account locked",
    "roles_changed": "Roles changed",
    "password_set": "Password set",
}
VALUE_LIMIT = 120


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def show_value(value: Any) -> str:
    """A changed value as compact JSON ("(none)" for no value), cut short when long."""
    if value is None:
        return "(none)"
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= VALUE_LIMIT else shown[: VALUE_LIMIT - 1] + "…"


def changed_fields(changes: dict | None) -> list[tuple[str, str, str]]:
    """(field, old, new) for each change; tolerates events whose changes are not [old, new] pairs."""
    rows = []
    for field, change in (changes or {}).items():
        if isinstance(change, list | tuple) and len(change) == 2:
            old, new = change
        else:
            old, new = None, change
        rows.append((field, show_value(old), show_value(new)))
    return rows


@bp.get("/")
@roles_required(Role.MANAGER, Role.ADMINISTRATOR)
def list_events():
    form = AuditFilterForm(formdata=request.args or None)
    form.set_choices(list_users(), queries.list_entities(), queries.list_actions(), action_label)
    filtered = bool(request.args.keys() - {"page"})
    valid = form.validate() if filtered else True
    events, page, pagination = [], None, None
    if valid:
        audit_filter = queries.AuditFilter(
            actor_id=form.actor_id,
            entity=form.entity.data or None,
            action=form.action.data or None,
            family_id=form.family_number,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        number = page_number(request.args.get("page"))
        per_page = current_app.config["PAGE_SIZE"]
        events, total = queries.list_events(audit_filter, number, per_page)
        page = Page(number, per_page, total)
        args = request.args.to_dict(flat=False)
        pagination = page.govuk_params(lambda n: url_for("audit.list_events", **(args | {"page": n})))
    return render_template(
        "audit/list.html",
        form=form,
        filtered=filtered,
        events=events,
        page=page,
        pagination=pagination,
        action_label=action_label,
        changed_fields=changed_fields,
        family_links="families.family_page" in current_app.view_functions,
    )
