"""Sign in, sign out, and user administration."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_url, login_user, logout_user

from tfclaims.auth import queries, rules, services
from tfclaims.auth.forms import NewUserForm, SignInForm, SignOutForm, UserForm
from tfclaims.auth.permissions import public, roles_required
from tfclaims.auth.roles import Role
from tfclaims.db import utcnow
from tfclaims.errors import DomainError
from tfclaims.extensions import login_manager

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__)

# What a signed-in session carries besides Flask-Login's user id.
SESSION_VERSION, SIGNED_IN_AT, SEEN_AT = "session_version", "signed_in_at", "seen_at"
SESSION_ENDED_KEY = "tfclaims.session_ended"
SIGN_IN_FAILED = "Enter a correct email address and password. Accounts lock for 15 minutes after 5 failed attempts."

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "info"


SESSION_ENDED = {
    "ended": "You have been signed out: your session was ended. Sign in again to go on",
    "idle": "You have been signed out because tfclaims was not used for {idle} minutes. Sign in again to go on",
    "expired": "You have been signed out because you signed in more than {hours} hours ago. Sign in again to go on",
}


@login_manager.user_loader
def _load_user(user_id: str):
    """The signed-in user, while the session may go on: the user is active, the session's version is the user's
    (no sign-out, deactivation or new roles or password since), it was used in the last SESSION_IDLE_MINUTES and
    signed in less than SESSION_LIFETIME_HOURS ago. Otherwise nobody, and the session is emptied."""
    user = queries.get_user(int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    now = utcnow()
    problem = rules.session_problem(
        carried_version=session.get(SESSION_VERSION),
        user_version=user.session_version or 0,
        signed_in_at=_moment(session.get(SIGNED_IN_AT)),
        seen_at=_moment(session.get(SEEN_AT)),
        now=now,
        idle=timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]),
        lifetime=timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"]),
    )
    if problem:
        session.clear()
        request.environ[SESSION_ENDED_KEY] = problem  # for the redirect to the sign-in page, this request only
        return None
    session[SEEN_AT] = now.isoformat()
    return user


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@login_manager.unauthorized_handler
def _sign_in_first():
    """To the sign-in page, saying why when a session has just ended."""
    ended = request.environ.get(SESSION_ENDED_KEY)
    config = current_app.config
    message = (
        SESSION_ENDED[ended].format(idle=config["SESSION_IDLE_MINUTES"], hours=config["SESSION_LIFETIME_HOURS"])
        if ended
        else login_manager.login_message
    )
    flash(message, "info")
    return redirect(login_url("auth.sign_in", next_url=request.url))  # as Flask-Login's own: back here after


def _start_session(user) -> None:
    """A new session for the user (nothing kept from before signing in), carrying the user's session version."""
    session.clear()
    login_user(user)
    now = utcnow().isoformat()
    session[SESSION_VERSION] = user.session_version or 0
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


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
            _start_session(user)
            target = request.args.get("next")
            return redirect(target if rules.is_safe_next(target) else url_for("core.home"))
        form.email.errors.append(SIGN_IN_FAILED)
        g.keep_changes = True  # the failure count is kept although the page is shown again
        return render_template("auth/sign_in.html", form=form)
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["GET", "POST"])
@public
def sign_out():
    """Signing out is a POST (with its CSRF token) that ends the session on the server too; a GET (a bookmark, an
    old link) shows the button."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    form = SignOutForm()
    if request.method == "POST" and form.validate_on_submit():
        services.sign_out(current_user)
        logout_user()
        session.clear()
        flash("You have signed out", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_out.html", form=form)


@admin_bp.get("/users")
@roles_required(Role.ADMINISTRATOR)
def list_users():
    return render_template("admin/users.html", users=queries.list_users(), grants=queries.recent_grants())


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
