"""Sign in (with a second factor's code when the user has one), sign out, the user's own account (password, second
factor), and user administration (accounts, temporary passwords, locks, the council's sign-in settings)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_url, login_user, logout_user

from tfclaims.auth import queries, rules, services, throttle
from tfclaims.auth.forms import (
    ButtonForm,
    ChangePasswordForm,
    EditUserForm,
    NewUserForm,
    SecuritySettingsForm,
    SetUpTwoFactorForm,
    SignInCodeForm,
    SignInForm,
    SignOutForm,
    TurnOffTwoFactorForm,
)
from tfclaims.auth.permissions import public, roles_required, signed_in
from tfclaims.auth.roles import SEES_PERSONAL_DATA, Role
from tfclaims.db import as_utc, utcnow
from tfclaims.errors import DomainError
from tfclaims.extensions import login_manager
from tfclaims.forms import show_error

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__)

# What a signed-in session carries besides Flask-Login's user id.
SESSION_VERSION, SIGNED_IN_AT, SEEN_AT = "session_version", "signed_in_at", "seen_at"
SESSION_ENDED_KEY = "tfclaims.session_ended"
SIGN_IN_FAILED = "Enter a correct email address and password. Accounts lock for 15 minutes after 5 failed attempts."
# The same words for a locked account and for an email without an account that has been tried too often.
LOCKED = ("Too many failed attempts to sign in with this email address: it is locked for {minutes} minutes. Try "
          "again later, or ask an administrator to unlock your account.")
WRONG_CODE = "The code is not right: enter the 6-digit code your authenticator app shows now"
# A sign-in waiting for its second factor's code (not signed in yet): who, since when, their session version, and
# where to go after. The code must come within PENDING_MINUTES.
PENDING_USER, PENDING_AT, PENDING_VERSION, PENDING_NEXT = (
    "tfclaims.pending_user", "tfclaims.pending_at", "tfclaims.pending_version", "tfclaims.pending_next")
PENDING_MINUTES = 5
# What a user who must first change their password or set up a second factor may still reach.
GATE_OPEN = frozenset({"auth.sign_out", "auth.sign_in", "auth.sign_in_code", "core.assets", "core.health", "static"})

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


def _locked_message() -> str:
    return LOCKED.format(minutes=current_app.config["LOCKOUT_MINUTES"])


def _lockout() -> dict:
    config = current_app.config
    return {"threshold": config["LOCKOUT_THRESHOLD"], "minutes": config["LOCKOUT_MINUTES"]}


def _busy(template: str, **context):
    """Too many password checks at once: say so, and when to try again, rather than queue."""
    errors = {"titleText": "There is a problem", "errorList": [{"text": throttle.BUSY}]}
    response = current_app.make_response((render_template(template, page_errors=errors, **context), 503))
    response.headers["Retry-After"] = "60"
    return response


@bp.app_errorhandler(429)
def _too_many_attempts(error):
    seconds = throttle.retry_after_seconds()
    minutes = max(1, -(-seconds // 60))
    response = current_app.make_response((render_template("auth/too_many_attempts.html", minutes=minutes), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@throttle.per_address
@throttle.per_account
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, **_lockout())
        except services.AccountLocked:
            form.email.errors.append(_locked_message())
            g.keep_changes = True  # the lock (and its audit event) is kept although the page is shown again
            return render_template("auth/sign_in.html", form=form)
        except throttle.ServiceBusy:
            return _busy("auth/sign_in.html", form=form)
        if user is not None:
            target = request.args.get("next")
            target = target if rules.is_safe_next(target) else None
            if services.needs_code(user):
                _await_code(user, target)
                return redirect(url_for("auth.sign_in_code"))
            services.complete_sign_in(user)
            _start_session(user)
            return redirect(target or url_for("core.home"))
        form.email.errors.append(SIGN_IN_FAILED)
        g.keep_changes = True  # the failure count is kept although the page is shown again
        return render_template("auth/sign_in.html", form=form)
    return render_template("auth/sign_in.html", form=form)


def _await_code(user, target: str | None) -> None:
    """The password was right and the user has a second factor: remember who is signing in (nobody is signed in
    yet) until the code comes."""
    session.clear()
    session[PENDING_USER] = user.id
    session[PENDING_VERSION] = user.session_version or 0
    session[PENDING_AT] = utcnow().isoformat()
    session[throttle.PENDING_EMAIL] = rules.normalise_email(user.email)
    if target:
        session[PENDING_NEXT] = target


def _pending_user():
    """The user whose sign-in waits for a code, while it may: started less than PENDING_MINUTES ago, nothing has
    ended the user's sessions since, the account is active and still has a second factor."""
    user_id, started = session.get(PENDING_USER), _moment(session.get(PENDING_AT))
    if not isinstance(user_id, int) or started is None or utcnow() - started > timedelta(minutes=PENDING_MINUTES):
        return None
    user = queries.get_user(user_id)
    if user is None or not user.active or not services.needs_code(user):
        return None
    if session.get(PENDING_VERSION) != (user.session_version or 0):
        return None
    return user


def _forget_pending() -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_VERSION, PENDING_NEXT, throttle.PENDING_EMAIL):
        session.pop(key, None)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@throttle.per_address
@throttle.per_account
def sign_in_code():
    """The second step of signing in for a user with a second factor: the code from their authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    user = _pending_user()
    if user is None:
        _forget_pending()
        flash(f"Sign in again: the code must be given within {PENDING_MINUTES} minutes of the password", "info")
        return redirect(url_for("auth.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        try:
            right = services.check_code(user, form.code.data, **_lockout())
        except services.AccountLocked:
            _forget_pending()
            g.keep_changes = True
            sign_in_form = SignInForm(formdata=None, data={"email": user.email})
            sign_in_form.email.errors = [_locked_message()]
            return render_template("auth/sign_in.html", form=sign_in_form)
        if right:
            target = session.get(PENDING_NEXT)
            services.complete_sign_in(user)
            _start_session(user)
            return redirect(target if rules.is_safe_next(target) else url_for("core.home"))
        form.code.errors.append(WRONG_CODE)
        g.keep_changes = True  # a wrong code counts as a failed attempt
    return render_template("auth/sign_in_code.html", form=form)


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
    now = utcnow()
    users = queries.list_users()
    locked = {u.id: u.locked_until for u in users if rules.is_locked(as_utc(u.locked_until), now)}
    return render_template("admin/users.html", users=users, grants=queries.recent_grants(), locked=locked,
                           button=ButtonForm())


@admin_bp.post("/users/<int:user_id>/unlock")
@roles_required(Role.ADMINISTRATOR)
def unlock_user(user_id: int):
    user = queries.get_user(user_id) or abort(404)
    if ButtonForm().validate_on_submit():
        services.unlock_user(user)
        flash(f"{user.name}'s account is unlocked: they can sign in again", "success")
    return redirect(url_for("admin.list_users"))


@admin_bp.post("/users/<int:user_id>/two-factor/reset")
@roles_required(Role.ADMINISTRATOR)
def reset_two_factor(user_id: int):
    """Turn off a user's second factor (a lost or replaced phone): they set up a new one when they next sign in,
    if the council requires one."""
    user = queries.get_user(user_id) or abort(404)
    if user.id == current_user.id:
        abort(403)  # your own: on your account page, with your password
    if ButtonForm().validate_on_submit() and user.totp_enabled_at:
        services.reset_totp(user)
        flash(f"{user.name}'s two-factor authentication is turned off", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        {Role(r) for r in form.roles.data}, temporary=True)
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
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
        form.password.data = ""
    if form.validate_on_submit():
        try:
            services.update_user(user, name=form.name.data, roles={Role(r) for r in form.roles.data},
                                 active=form.active.data, acting_user=current_user)
            if form.password.data:
                services.set_password(user, form.password.data, acting_user=current_user)
        except DomainError as error:
            getattr(form, error.field or "roles").errors.append(error.message)
        else:
            flash(f"User {user.name} saved" + (": they must change the temporary password when they next sign in"
                                               if form.password.data else ""), "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=user, button=ButtonForm(),
                           locked=rules.is_locked(as_utc(user.locked_until), utcnow()))


@admin_bp.route("/security", methods=["GET", "POST"])
@roles_required(Role.MANAGER, Role.ADMINISTRATOR)
def security_settings():
    """The council's sign-in settings: a manager decides; an administrator sees them."""
    settings = services.security_settings()
    may_change = current_user.has_role(Role.MANAGER)
    form = SecuritySettingsForm(data={"require_totp": "yes" if settings.require_totp else "no"}
                                if request.method == "GET" else None)
    if request.method == "POST":
        if not may_change:
            abort(403)
        if form.validate_on_submit():
            services.set_require_totp(form.require_totp.data == "yes")
            flash("Sign-in settings saved", "success")
            return redirect(url_for("admin.security_settings"))
    return render_template("admin/security.html", form=form, settings=settings, may_change=may_change,
                           without=queries.without_second_factor(SEES_PERSONAL_DATA))


# The user's own account ------------------------------------------------------------------------------------


@bp.before_app_request
def _first_things_first():
    """A user with a temporary password changes it, and one whom the council requires to use a second factor sets
    it up, before any other page: only those pages, signing out and the assets are open to them."""
    if request.endpoint is None or request.endpoint in GATE_OPEN or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return None if request.endpoint == "auth.change_password" else redirect(url_for("auth.change_password"))
    if request.endpoint != "auth.two_factor" and services.must_set_up_totp(current_user):
        return redirect(url_for("auth.two_factor"))
    return None


@bp.get("/account")
@signed_in
def account():
    return render_template("auth/account.html", user=current_user,
                           totp_required=services.totp_required_for(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
@throttle.per_address
@throttle.per_account
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            show_error(form, error)
        except throttle.ServiceBusy:
            return _busy("auth/change_password.html", form=form)
        else:
            session[SESSION_VERSION] = current_user.session_version  # this session goes on; the others end
            flash("Your password is changed. Any other session you had signed in is ended", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


def _qr_code(uri: str) -> str:
    """A QR code of ``uri`` as an SVG data URI for an <img> (the CSP allows data: images, not inline SVG styles)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
@throttle.per_address
@throttle.per_account
def two_factor():
    """Set up a second factor (show the secret as a QR code and in groups of 4, confirm with a code), or, once on,
    see it and turn it off."""
    user = current_user
    if user.totp_enabled_at:
        if request.method == "POST":
            return redirect(url_for("auth.two_factor"))
        return render_template("auth/two_factor_on.html", form=TurnOffTwoFactorForm(),
                               totp_required=services.totp_required_for(user))
    secret = services.totp_secret_to_set_up(user)
    form = SetUpTwoFactorForm()
    if form.validate_on_submit():
        try:
            services.enable_totp(user, form.code.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Two-factor authentication is on: you will be asked for a code each time you sign in", "success")
            return redirect(url_for("auth.account"))
    uri = services.provisioning_uri(user, secret, f"tfclaims ({current_app.config['COUNCIL_NAME']})")
    return render_template("auth/two_factor_set_up.html", form=form, qr_code=_qr_code(uri),
                           secret=rules.secret_in_groups(secret), required=services.must_set_up_totp(user))


@bp.post("/account/two-factor/off")
@signed_in
@throttle.per_address
@throttle.per_account
def turn_off_two_factor():
    user = current_user
    if not user.totp_enabled_at:
        return redirect(url_for("auth.two_factor"))
    form = TurnOffTwoFactorForm()
    if services.totp_required_for(user):  # the page shows no form then: the message stands for the whole page
        errors = {"titleText": "There is a problem", "errorList": [{"text": services.TOTP_REQUIRED}]}
        return render_template("auth/two_factor_on.html", form=None, totp_required=True, page_errors=errors)
    if form.validate_on_submit():
        try:
            services.disable_totp(user, form.password.data)
        except DomainError as error:
            show_error(form, error)
        except throttle.ServiceBusy:
            return _busy("auth/two_factor_on.html", form=form, totp_required=services.totp_required_for(user))
        else:
            flash("Two-factor authentication is off", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/two_factor_on.html", form=form, totp_required=services.totp_required_for(user))
