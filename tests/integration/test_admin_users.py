"""User administration pages and the `flask tfclaims create-user` command."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.pages import text
from tfclaims.audit.models import AuditEvent
from tfclaims.auth.models import User
from tfclaims.auth.queries import get_user_by_email
from tfclaims.auth.roles import Role
from tfclaims.extensions import db

NEW_USER = {
    "name": "Priya Shah",
    "email": "Priya.Shah@Brackenshire.example",
    "password": "a long enough password",
    "roles": ["coordinator", "claims_officer"],
}


@pytest.fixture
def admin(sign_in):
    return sign_in(Role.ADMINISTRATOR)


def edit_data(user: User, **changes) -> dict:
    data = {"name": user.name, "roles": [r.value for r in user.roles], "active": "y" if user.active else ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_administrator_lists_users(pages, admin, users):
    page = pages.get("/admin/users")
    assert page.h1.get_text(strip=True) == "Users"
    listed = text(page.select_one("table"))
    for user in users.values():
        assert user.name in listed and user.email in listed
    assert "Programme coordinator" in listed and "Never" in listed


def test_create_user_with_roles(pages, admin):
    page = pages.get("/admin/users/new")
    assert {i["value"] for i in page.select("input[name=roles]")} == {r.value for r in Role}
    pages.post("/admin/users/new", NEW_USER, redirects_to="/admin/users")
    user = get_user_by_email("priya.shah@brackenshire.example")
    assert user.email == "priya.shah@brackenshire.example"  # kept in lower case
    assert user.roles == {Role.COORDINATOR, Role.CLAIMS_OFFICER}
    assert user.active
    assert user.must_change_password  # an administrator's password is temporary
    assert "User Priya Shah created" in text(pages.get("/admin/users"))


def test_new_user_can_sign_in(pages, admin, client):
    pages.post("/admin/users/new", NEW_USER, redirects_to="/admin/users")
    client.post("/sign-out")
    pages.post("/sign-in", {"email": "priya.shah@brackenshire.example", "password": NEW_USER["password"]},
               redirects_to="/home")


def test_duplicate_email_is_refused_with_error_summary(pages, admin, users):
    existing = users[Role.AUDITOR]
    page, errors = pages.post_with_errors("/admin/users/new", NEW_USER | {"email": existing.email.upper()})
    assert errors == ["A user with this email address already exists"]
    assert page.select_one(".govuk-error-summary a")["href"] == "#email"
    assert page.select_one("#name")["value"] == "Priya Shah"  # what was typed is kept
    assert db.session.scalar(select(func.count(User.id)).where(func.lower(User.email) == existing.email)) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "too short"}, "Password must be 12 characters or more"),
        ({"password": ""}, "Enter a temporary password"),
        ({"roles": []}, "Select at least one role"),
        ({"name": ""}, "Enter the user's full name"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format, like name@example.gov.uk"),
    ],
)
def test_new_user_form_errors(pages, admin, change, message):
    _, errors = pages.post_with_errors("/admin/users/new", NEW_USER | change)
    assert errors == [message]
    assert get_user_by_email(NEW_USER["email"]) is None


def test_the_temporary_password_is_kept_when_the_form_comes_back(pages, admin, client):
    """An administrator who forgot the roles does not type the temporary password again (WCAG 3.3.7); a user's
    own password on the sign-in page is never sent back."""
    page, errors = pages.post_with_errors("/admin/users/new", NEW_USER | {"roles": []})
    assert errors == ["Select at least one role"]
    assert page.select_one("#password")["value"] == NEW_USER["password"]
    client.post("/sign-out")
    page, _ = pages.post_with_errors("/sign-in", {"email": "nobody@brackenshire.example", "password": "a guess!"})
    assert page.select_one("#password").get("value", "") == ""


def test_edit_roles(pages, admin, users):
    user = users[Role.COORDINATOR]
    page = pages.get(f"/admin/users/{user.id}")
    assert [i["value"] for i in page.select("input[name=roles][checked]")] == ["coordinator"]
    assert page.select_one("input[name=active]").has_attr("checked")
    pages.post(f"/admin/users/{user.id}", edit_data(user, roles=["auditor", "manager"]), redirects_to="/admin/users")
    db.session.refresh(user)
    assert user.roles == {Role.AUDITOR, Role.MANAGER}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "roles_changed", AuditEvent.entity_id == user.id)
    ).one()
    assert event.changes == {"roles": [["coordinator"], ["auditor", "manager"]]}
    assert event.actor_id == admin.id


def test_deactivated_user_cannot_sign_in_and_loses_their_session(pages, admin, users, app):
    user = users[Role.CLAIMS_OFFICER]
    # The claims officer is signed in on another device.
    other = app.test_client()
    other.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert other.get("/home").status_code == 200
    pages.post(f"/admin/users/{user.id}", edit_data(user, active=""), redirects_to="/admin/users")
    db.session.refresh(user)
    assert not user.active
    assert "Deactivated" in text(pages.get("/admin/users"))
    response = other.get("/home")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    response = other.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


@pytest.mark.parametrize("roles", [["manager"], ["administrator", "manager"], ["administrator", "coordinator"]])
def test_administrator_cannot_change_their_own_roles(pages, admin, roles):
    """Not even to add one: no self-granted power (another administrator must do it)."""
    _, errors = pages.post_with_errors(f"/admin/users/{admin.id}", edit_data(admin, roles=roles))
    assert errors == ["You cannot change your own roles: another administrator must do it"]
    db.session.refresh(admin)
    assert admin.roles == {Role.ADMINISTRATOR}


def test_a_grant_of_access_to_family_records_is_audited_and_shown_to_administrators(pages, admin, users):
    """Giving a role that opens family records is written with the granting administrator and listed on the users
    page; a role that does not (administrator) is not a grant of access."""
    target = users[Role.AUDITOR]
    data = edit_data(target, roles=["auditor", "manager"])
    pages.post(f"/admin/users/{target.id}", data, redirects_to="/admin/users")
    pages.post("/admin/users/new", NEW_USER | {"roles": ["administrator"]}, redirects_to="/admin/users")
    grants = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "personal_data_access_granted").order_by(AuditEvent.id)
    ).all()
    assert [(g.entity_id, g.changes, g.actor_id) for g in grants] == [(target.id, {"granted": ["manager"]}, admin.id)]
    shown = pages.get("/admin/users").select_one("#grants-table tbody tr")
    assert [text(td) for td in shown.select("td")][1:] == [target.name, "Manager", admin.name]


def test_administrator_cannot_deactivate_themselves(pages, admin):
    _, errors = pages.post_with_errors(f"/admin/users/{admin.id}", edit_data(admin, active=""))
    assert errors == ["You cannot deactivate your own account"]
    db.session.refresh(admin)
    assert admin.active


def test_edit_unknown_user_is_404(pages, admin):
    pages.get("/admin/users/999999", status=404)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER])
def test_only_administrators_manage_users(pages, sign_in, users, role):
    sign_in(role)
    pages.get("/admin/users", status=403)
    pages.get("/admin/users/new", status=403)
    pages.post("/admin/users/new", NEW_USER, status=403)
    assert get_user_by_email(NEW_USER["email"]) is None


# The command line -----------------------------------------------------------------------------------------


def test_create_user_command(app, db_session):
    result = app.test_cli_runner().invoke(
        args=["tfclaims", "create-user", "--email", "Sam.Okafor@brackenshire.example", "--name", "Sam Okafor",
              "--role", "manager", "--role", "auditor", "--password", "a long enough password"]
    )
    assert result.exit_code == 0, result.output
    assert "Created user sam.okafor@brackenshire.example with roles: Internal auditor, Manager" in result.output
    user = get_user_by_email("sam.okafor@brackenshire.example")
    assert user.roles == {Role.MANAGER, Role.AUDITOR}
    assert not user.must_change_password  # the command line's password is the user's own, not a temporary one
    event, grant = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.entity_id == user.id).order_by(AuditEvent.id)
    ).all()
    assert event.action == "create" and event.actor_label == "command line"
    assert "password_hash" not in event.changes
    assert grant.action == "personal_data_access_granted" and grant.actor_label == "command line"
    assert grant.changes == {"granted": ["auditor", "manager"]}


def test_create_user_command_refuses_a_duplicate(app, users):
    existing = users[Role.MANAGER]
    result = app.test_cli_runner().invoke(
        args=["tfclaims", "create-user", "--email", existing.email, "--name", "Someone Else",
              "--role", "coordinator", "--password", "a long enough password"]
    )
    assert result.exit_code != 0
    assert "A user with this email address already exists" in result.output
    assert db.session.scalar(select(func.count(User.id)).where(User.email == existing.email)) == 1


def test_create_user_command_refuses_a_short_password(app, db_session):
    result = app.test_cli_runner().invoke(
        args=["tfclaims", "create-user", "--email", "x@brackenshire.example", "--name", "X",
              "--role", "coordinator", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "Password must be 12 characters or more" in result.output
    assert get_user_by_email("x@brackenshire.example") is None


def test_the_roles_that_see_personal_data_are_the_family_pages_readers(app):
    """A grant is audited for exactly the roles that may open a family's record."""
    from tfclaims.auth.roles import SEES_PERSONAL_DATA

    readers = app.view_functions["families.family_page"].allowed_roles
    assert readers == SEES_PERSONAL_DATA
