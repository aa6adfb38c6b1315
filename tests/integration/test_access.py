"""Every route declares who may use it, and these tests prove it for every role.

The route list is also kept as a snapshot in ``routes.txt`` beside this file, so a new or changed route shows up
in review. After adding a route on purpose, rewrite the snapshot with::

    UPDATE_ROUTES=1 .venv/bin/pytest -q tests/integration/test_access.py -k snapshot
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tfclaims.auth.permissions import ANY_SIGNED_IN, PUBLIC
from tfclaims.auth.roles import Role
from tfclaims.extensions import db

SNAPSHOT = Path(__file__).with_name("routes.txt")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app):
    """(rule, view function) for every route but Flask's own static files, in a stable order."""
    return [
        (rule, app.view_functions[rule.endpoint])
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
        if rule.endpoint != "static"
    ]


def url_for_rule(app, rule) -> str:
    """The rule's URL with a dummy 1 for every parameter (an id that may not exist: the role check runs first)."""
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: 1 for name in rule.arguments}, method=method_for(rule))


def method_for(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - IGNORED_METHODS)[0]


class ViewRaised:
    """Stands in for a response when the view itself raised: its role check had already let the request in."""

    status_code = "an exception"
    headers: dict = {}

    def __init__(self, error: Exception):
        self.status_code = f"an exception ({type(error).__name__}: {error})"


def request(client, rule, app):
    url = url_for_rule(app, rule)
    described = f"{method_for(rule)} {url} ({rule.endpoint})"
    try:
        return client.open(url, method=method_for(rule), data={}), described
    except Exception as error:  # TESTING propagates view errors; with a dummy id some views may fail
        db.session.rollback()
        return ViewRaised(error), described


def test_every_route_declares_who_may_use_it(app):
    missing = [
        f"{rule.rule} ({rule.endpoint})"
        for rule, view in routes(app)
        if not hasattr(view, "allowed_roles")
    ]
    assert not missing, (
        "These routes have no access rule. Decorate each view with @public, @signed_in or "
        f"@roles_required(...) from tfclaims.auth.permissions: {missing}"
    )


def test_access_rules_are_well_formed(app):
    bad = []
    for rule, view in routes(app):
        allowed = getattr(view, "allowed_roles", None)
        if allowed in (PUBLIC, ANY_SIGNED_IN, None):
            continue
        if not (isinstance(allowed, frozenset) and allowed and all(isinstance(r, Role) for r in allowed)):
            bad.append(f"{rule.endpoint}: {allowed!r}")
    assert not bad, f"allowed_roles must be PUBLIC, ANY_SIGNED_IN or a non-empty frozenset of Role: {bad}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_roles_without_access_get_403(app, client, sign_in, role):
    sign_in(role)
    wrong = []
    checked = 0
    for rule, view in routes(app):
        allowed = getattr(view, "allowed_roles", None)
        if not isinstance(allowed, frozenset) or role in allowed:
            continue
        response, described = request(client, rule, app)
        checked += 1
        if response.status_code != 403:
            wrong.append(f"{described} gave {response.status_code}")
    assert not wrong, f"A {role.label} must get 403 from these routes, before any 404 or form handling: {wrong}"
    assert checked, f"every role is refused some routes, so a {role.label} should have been checked"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_roles_with_access_are_not_refused(app, client, sign_in, role):
    """GET routes a role may use do not answer 403 (a 404 for the dummy id is fine)."""
    sign_in(role)
    refused = []
    for rule, view in routes(app):
        allowed = getattr(view, "allowed_roles", None)
        may_use = allowed == ANY_SIGNED_IN or (isinstance(allowed, frozenset) and role in allowed)
        if not may_use or "GET" not in rule.methods:
            continue
        response, described = request(client, rule, app)
        if response.status_code == 403:
            refused.append(described)
    assert not refused, f"A {role.label} was refused routes declared open to them: {refused}"


def test_signed_out_requests_to_non_public_routes_go_to_sign_in(app, client, db_session):
    wrong = []
    for rule, view in routes(app):
        if getattr(view, "allowed_roles", None) == PUBLIC:
            continue
        response, described = request(client, rule, app)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.split("?")[0].endswith("/sign-in"):
            wrong.append(f"{described} gave {response.status_code} {location}")
    assert not wrong, f"Signed-out requests must be sent to /sign-in: {wrong}"


def test_sign_in_remembers_the_page_asked_for(app, client, db_session):
    response = client.get("/audit-trail/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in?next=%2Faudit-trail%2F%3Fpage%3D2")


def route_lines(app) -> list[str]:
    return sorted(
        f"{','.join(sorted(rule.methods - IGNORED_METHODS))} {rule.rule} {rule.endpoint}"
        for rule in app.url_map.iter_rules()
    )


def test_route_list_snapshot(app):
    lines = route_lines(app)
    if os.environ.get("UPDATE_ROUTES") == "1":
        SNAPSHOT.write_text("\n".join(lines) + "\n")
        return
    if not SNAPSHOT.exists():
        pytest.skip(f"No route snapshot yet: create {SNAPSHOT.name} with UPDATE_ROUTES=1 once the routes settle")
    expected = SNAPSHOT.read_text().splitlines()
    added = sorted(set(lines) - set(expected))
    removed = sorted(set(expected) - set(lines))
    assert lines == expected, (
        f"The routes changed. Added: {added}. Removed: {removed}. "
        "If that was intended, rerun with UPDATE_ROUTES=1 to rewrite tests/integration/routes.txt and commit it."
    )
