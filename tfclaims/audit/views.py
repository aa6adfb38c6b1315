"""The audit trail: managers and administrators browse and filter every recorded change, and every read of
personal data (a family page viewed, a search of the register, a download).

Events about a family are shown in full only to readers who may open the family's page; every other reader sees
the event, its actor, time and record type (for a read, what was read), with personal values and a read's
particulars hidden (``tfclaims.audit.rules``)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from tfclaims.audit import queries, rules
from tfclaims.audit.forms import AuditFilterForm
from tfclaims.audit.models import AccessEvent
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
    "password_changed": "Password changed",
    "temporary_password_set": "Temporary password set",
    "account_unlocked": "Account unlocked",
    "totp_enabled": "Second factor (TOTP) turned on",
    "totp_disabled": "Second factor (TOTP) turned off",
    "totp_reset": "Second factor (TOTP) reset by an administrator",
    "second_factor_required": "Second factor required",
    "second_factor_optional": "Second factor made optional",
    "sessions_ended": "Sessions ended",
    "sign_out": "Signed out",
    "personal_data_access_granted": "Access to family records given",
    "member_corrected": "Correction reason recorded",
    "member_erased": "Member's records erased",
    "retention_erasure": "Erased under the retention schedule",
    "subject_access_export": "Subject access export",
    "pseudonymised_export": "Pseudonymised export",
    "viewed": "Viewed",
    "searched": "Searched",
    "downloaded": "Downloaded",
}
# A read's particulars, in words (``detail`` keys written by the family search and the download hook).
DETAIL_LABELS = {"terms": "Searched for", "results": "Families found", "file": "File", "query": "Filters",
                 "family_ids": "Families listed"}
LISTED_LIMIT = 10  # families named in a read's row; the rest are counted
VALUE_LIMIT = 120


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def show_value(value: Any) -> str:
    """A changed value as compact JSON ("(none)" for no value, "(hidden)" for a masked one), cut short when long."""
    if value is None:
        return "(none)"
    if isinstance(value, rules.HiddenValue):
        return rules.HIDDEN_VALUE
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


FAMILY_PAGE = "families.family_page"


def may_open_families() -> bool:
    """Whether the signed-in user may open family pages: the roles the family page itself declares, so the trail
    never links to a page that would refuse them. Without the families feature, nobody sees personal values."""
    view = current_app.view_functions.get(FAMILY_PAGE)
    roles = getattr(view, "allowed_roles", None)
    return isinstance(roles, frozenset) and current_user.has_role(*roles)


def _listed_ids(event) -> list[int]:
    ids = event.detail.get("family_ids") if isinstance(event, AccessEvent) and isinstance(event.detail, dict) else None
    return [i for i in ids[:LISTED_LIMIT] if isinstance(i, int)] if isinstance(ids, list) else []


def detail_lines(detail: dict[str, Any] | None, references: dict[int, str]) -> list[tuple[str, str]]:
    """A read's particulars as (label, value) lines; families listed are named by reference, the rest counted."""
    lines = []
    for key, value in (detail or {}).items():
        label = DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())
        if key == "family_ids" and isinstance(value, list):
            if not value:
                continue
            named = [references.get(i, "removed family") for i in value[:LISTED_LIMIT]]
            more = len(value) - len(named)
            shown = ", ".join(named) + (f" and {more} more" if more > 0 else "")
        elif key == "query" and isinstance(value, dict):
            shown = "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items())
        elif isinstance(value, str):
            shown = value
        else:
            shown = show_value(value)
        lines.append((label, shown if len(shown) <= VALUE_LIMIT * 2 else shown[: VALUE_LIMIT * 2 - 1] + "…"))
    return lines


def shown_events(events: list, may_see_families: bool) -> list[dict[str, Any]]:
    """Each event (a change or a read) as this reader may see it, with its family named by reference (never by
    internal id) and linked only for a reader who may open it."""
    wanted = {e.family_id for e in events if e.family_id is not None}
    if may_see_families:
        wanted |= {i for e in events for i in _listed_ids(e)}
    references = queries.family_references(wanted)
    shown = []
    for event in events:
        reference = references.get(event.family_id) if event.family_id is not None else None
        if isinstance(event, AccessEvent):
            detail = rules.visible_detail(event.detail, may_see_families)
            shown.append({
                "read": True,
                "at": event.at,
                "actor_label": event.actor_label,
                "action": event.action,
                "what": event.what,
                "has_family": event.family_id is not None,
                "family_reference": reference,
                "family_url": url_for(FAMILY_PAGE, family_id=event.family_id)
                if reference is not None and may_see_families else None,
                "detail": detail_lines(detail, references) if detail is not None else [],
                "detail_hidden": detail is None and bool(event.detail),
            })
            continue
        shown.append({
            "read": False,
            "at": event.at,
            "actor_label": event.actor_label,
            "action": event.action,
            "entity": event.entity,
            "entity_id": event.entity_id,
            "has_family": event.family_id is not None,
            "family_reference": reference,
            "family_url": url_for(FAMILY_PAGE, family_id=event.family_id)
            if reference is not None and may_see_families else None,
            "summary": rules.visible_summary(event.entity, event.family_id, event.summary, may_see_families),
            "fields": changed_fields(
                rules.visible_changes(event.entity, event.family_id, event.changes, may_see_families)
            ),
        })
    return shown


@bp.get("/")
@roles_required(Role.MANAGER, Role.ADMINISTRATOR)
def list_events():
    form = AuditFilterForm(formdata=request.args or None)
    form.set_choices(list_users(), queries.list_entities(), queries.list_actions(), action_label)
    filtered = bool(request.args.keys() - {"page"})
    valid = form.validate() if filtered else True
    events, page, pagination = [], None, None
    may_see_families = may_open_families()
    if valid:
        audit_filter = queries.AuditFilter(
            actor_id=form.actor_id,
            entity=form.entity.data or None,
            action=form.action.data or None,
            family_reference=form.family_reference,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            show=form.show.data or "",
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
        events=shown_events(events, may_see_families),
        may_see_families=may_see_families,
        page=page,
        pagination=pagination,
        action_label=action_label,
        hidden_detail=rules.HIDDEN_DETAIL,
    )
