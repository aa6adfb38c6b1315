"""Sign in, sign out, and user administration."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from tfclaims.auth import queries, rules, services
from tfclaims.auth.forms import NewUserForm, SignInForm, UserForm
from tfclaims.auth.permissions import public, roles_required
from tfclaims.auth.roles import Role
from tfclaims.errors import DomainError
from tfclaims.extensions import login_manager

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password. Accounts lock for 15 minutes after 5 failed attempts."

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str):
    # A deactivated user loses an existing session at once (belt and braces: UserMixin.is_authenticated
    # also follows is_active).
    user = queries.get_user(int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(
            form.email.data,
            form.password.data,
            threshold=current_app.config["LOCKOUT_THRESHOLD"],
            minutes=current_app.config["LOCKOUT_MINUTES"],
        )
        if user is not None:
            login_user(user)
            target = request.args.get("next")
            return redirect(target if rules.is_safe_next(target) else url_for("core.home"))
        form.email.errors.append(SIGN_IN_FAILED)
        g.keep_changes = True  # the failure count is kept although the page is shown again
        return render_template("auth/sign_in.html", form=form)
    return render_template("auth/sign_in.html", form=form)


@bp.get("/sign-out")
@public
def sign_out():
    logout_user()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@admin_bp.get("/users")
@roles_required(Role.ADMINISTRATOR)
def list_users():
    return render_template("admin/users.html", users=queries.list_users())


@admin_bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        {Role(r) for r in form.roles.data})
        except DomainError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            flash(f"User {user.name} created", "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=None)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def edit_user(user_id: int):
    user = queries.get_user(user_id) or abort(404)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
    if form.validate_on_submit():
        try:
            services.update_user(user, name=form.name.data, roles={Role(r) for r in form.roles.data},
                                 active=form.active.data, acting_user=current_user)
        except DomainError as error:
            getattr(form, error.field or "roles").errors.append(error.message)
        else:
            flash(f"User {user.name} saved", "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=user)
