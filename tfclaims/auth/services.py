"""Sign-in and user administration. Services flush; the request or command commits."""

from __future__ import annotations

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tfclaims.audit.services import record
from tfclaims.auth import passwords, rules, throttle
from tfclaims.auth.models import SecuritySettings, User, UserRole
from tfclaims.auth.queries import GRANT_ACTION, get_user_by_email
from tfclaims.auth.roles import SEES_PERSONAL_DATA, Role
from tfclaims.db import after_reading, as_utc, reading_only, utcnow
from tfclaims.errors import DomainError, DuplicateValueError
from tfclaims.extensions import db

ATTEMPT_ACTOR = "Sign-in attempt (not signed in)"
TOTP_REQUIRED = "Your council requires two-factor authentication for your role: it cannot be turned off"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("tfclaims-not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


class AccountLocked(Exception):
    """The account (or, for an email without one, the email) is locked after too many failed attempts: the same
    message either way, so nobody learns whether an email has an account."""


def authenticate(email: str, password: str, *, threshold: int = 5, minutes: int = 15) -> User | None:
    """The user if the email and password match an active, unlocked account; None otherwise. Raises
    ``AccountLocked`` when the account or the email is locked, or this failure locks it, and
    ``throttle.ServiceBusy`` when no password check can start in time.

    The user is not signed in yet: ``complete_sign_in`` does it, after the second factor's code when the user has
    one. Failures are counted; callers show one generic message whatever the reason.
    """
    email = rules.normalise_email(email)
    user = get_user_by_email(email)
    now = utcnow()
    if user is None:
        locked = throttle.unknown_email_locked(email, minutes)
        _verify(_DUMMY_HASH, password)  # an unknown email takes as long to refuse as a wrong password
        if locked or throttle.unknown_email_failed(email, threshold, minutes):
            raise AccountLocked
        return None
    if rules.is_locked(as_utc(user.locked_until), now):
        _verify(_DUMMY_HASH, password)  # a locked account takes as long to refuse as a wrong password
        _record_attempt("sign_in_refused", user, "Sign-in refused: account locked")
        db.session.flush()
        raise AccountLocked
    if not _verify(user.password_hash, password) or not user.active:
        _count_failure(user, now, threshold, minutes, "Sign-in failed")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _count_failure(user: User, now, threshold: int, minutes: int, summary: str) -> None:
    """One more failure in a row (a wrong password or code): audited, and the lock when it is one too many."""
    user.failed_logins, locked_until = rules.after_failed_sign_in(user.failed_logins or 0, now, threshold, minutes)
    if locked_until:
        user.locked_until = locked_until
        _record_attempt("account_locked", user, f"Locked for {minutes} minutes after {threshold} failed sign-ins")
        db.session.flush()
        raise AccountLocked
    _record_attempt("sign_in_failed", user, summary)
    db.session.flush()


def needs_code(user: User) -> bool:
    """Whether signing in asks for the second factor's code after the password."""
    return bool(user.totp_enabled_at and user.totp_secret)


def check_code(user: User, code: str, *, threshold: int = 5, minutes: int = 15) -> bool:
    """The second step of signing in: whether ``code`` is the user's current code and was never used before. A
    wrong code counts as a failed attempt (and may lock the account, ``AccountLocked``)."""
    now = utcnow()
    if not user.active or rules.is_locked(as_utc(user.locked_until), now):
        _record_attempt("sign_in_refused", user, "Sign-in refused: account locked")
        db.session.flush()
        raise AccountLocked
    step = rules.matching_totp_step(user.totp_secret or "", code, now, user.totp_last_step)
    if step is None:
        _count_failure(user, now, threshold, minutes, "Sign-in failed: wrong code")
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def complete_sign_in(user: User) -> None:
    """The user has proved who they are (password, and code when they have a second factor): the failure count
    starts afresh and the sign-in is audited with the user as its actor."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_signed_in_at = utcnow()
    event = record(db.session, "sign_in", "user", user.id, "Signed in")
    event.actor_id, event.actor_label = user.id, user.name  # nobody is signed in yet: the actor is the user
    db.session.flush()


def _record_attempt(action: str, user: User, summary: str) -> None:
    """An unsuccessful sign-in: nobody is signed in, and the person trying has not proved who they are."""
    event = record(db.session, action, "user", user.id, summary)
    event.actor_id, event.actor_label = None, ATTEMPT_ACTOR


def _verify(password_hash: str, password: str) -> bool:
    """Argon2's check, in one of the few slots for it (``throttle.ServiceBusy`` when none comes free in time)."""
    with throttle.hashing_slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def unlock_user(user: User) -> None:
    """An administrator lifts a lock: the failure count starts afresh."""
    user.failed_logins = 0
    user.locked_until = None
    record(db.session, "account_unlocked", "user", user.id, "Account unlocked by an administrator")
    db.session.flush()


def create_user(email: str, name: str, password: str, roles: list[Role] | set[Role], *,
                temporary: bool = False) -> User:
    """A new account. With ``temporary`` (an administrator's form), the password is a temporary one the user must
    change when they first sign in; without (the first administrator, made on the command line), it is theirs."""
    email = rules.normalise_email(email)
    problem = passwords.password_problem(password, name=name, email=email)
    if problem:
        raise DomainError(problem, field="password")
    if not roles:
        raise DomainError("Select at least one role", field="roles")
    if get_user_by_email(email):
        raise DuplicateValueError("A user with this email address already exists", field="email")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), active=True,
                must_change_password=temporary, password_changed_at=utcnow())
    user.role_rows = [UserRole(role=Role(r).value) for r in sorted(roles)]
    try:
        # A savepoint, so a race with another request creating the same email undoes only this insert.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        raise DuplicateValueError("A user with this email address already exists", field="email") from exc
    db.session.flush()
    _record_grant(user, {r.value for r in user.roles})
    return user


def _record_grant(user: User, granted: set[str]) -> None:
    """A grant of roles that open family records, with the granting administrator as the event's actor: shown to
    every administrator on the users page, so nobody grants access to personal data unseen."""
    sensitive = sorted(r for r in granted if Role(r) in SEES_PERSONAL_DATA)
    if sensitive:
        labels = ", ".join(Role(r).label for r in sensitive)
        record(
            db.session, GRANT_ACTION, "user", user.id, f"Given access to family records: {labels}",
            {"granted": sensitive},
        )


def update_user(user: User, *, name: str, roles: set[Role], active: bool, acting_user: User | None) -> User:
    if not roles:
        raise DomainError("Select at least one role", field="roles")
    before = sorted(r.value for r in user.roles)
    after = sorted(Role(r).value for r in roles)
    if acting_user is not None and user.id == acting_user.id:
        if before != after:
            raise DomainError("You cannot change your own roles: another administrator must do it", field="roles")
        if not active:
            raise DomainError("You cannot deactivate your own account", field="active")
    user.name = name.strip()
    deactivated = user.active and not active
    user.active = active
    if before != after:
        keep = {r.role: r for r in user.role_rows}
        user.role_rows = [keep.get(role) or UserRole(role=role) for role in after]
        record(db.session, "roles_changed", "user", user.id, "Roles changed", {"roles": [before, after]})
        _record_grant(user, set(after) - set(before))
        end_sessions(user, "new roles")
    elif deactivated:
        end_sessions(user, "account deactivated")
    if active:
        user.failed_logins = 0
        user.locked_until = None
    db.session.flush()
    return user


def set_password(user: User, password: str, *, acting_user: User | None = None) -> None:
    """An administrator gives the user a temporary password: it must be changed at the next sign-in, and every
    session the user has is ended."""
    if acting_user is not None and acting_user.id == user.id:
        raise DomainError("You cannot give yourself a temporary password: change your password on your account page",
                          field="password")
    problem = passwords.password_problem(password, name=user.name, email=user.email)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    record(db.session, "temporary_password_set", "user", user.id,
           "Temporary password set by an administrator: to be changed at the next sign-in")
    end_sessions(user, "a temporary password")
    db.session.flush()


def change_own_password(user: User, current: str, new: str) -> None:
    """The user changes their own password, giving the current one. Every other session of theirs ends (the caller
    keeps the current one going with the new session version)."""
    if not _verify(user.password_hash, current):
        raise DomainError("Your current password is not right", field="current_password")
    if new == current:
        raise DomainError("Your new password must be different from your current password", field="new_password")
    problem = passwords.password_problem(new, name=user.name, email=user.email)
    if problem:
        raise DomainError(problem, field="new_password")
    with throttle.hashing_slot():
        user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    event = record(db.session, "password_changed", "user", user.id, "Password changed by its user")
    event.actor_id, event.actor_label = user.id, user.name
    end_sessions(user, "password changed")
    db.session.flush()


# The second factor ------------------------------------------------------------------------------------------


def security_settings() -> SecuritySettings:
    settings = db.session.scalar(select(SecuritySettings).order_by(SecuritySettings.id).limit(1))
    if settings is None:
        settings = SecuritySettings(require_totp=False)
        if not reading_only():  # a page view shows the default; the first change saves it
            db.session.add(settings)
            db.session.flush()
    return settings


def _require_totp() -> bool:
    return bool(db.session.scalar(select(SecuritySettings.require_totp).order_by(SecuritySettings.id).limit(1)))


_PERSONAL_DATA_ROLES = frozenset(r.value for r in SEES_PERSONAL_DATA)


def totp_required_for(user: User) -> bool:
    """Whether the council requires a second factor of this user (their roles open family records)."""
    return rules.must_set_up_totp(required=_require_totp(), roles={r.value for r in user.roles}, enabled=False,
                                  personal_data_roles=_PERSONAL_DATA_ROLES)


def must_set_up_totp(user: User) -> bool:
    """Whether the user must set up a second factor before any other page."""
    if user.totp_enabled_at or not user.has_role(*SEES_PERSONAL_DATA):
        return False  # no query on every page for those it cannot concern
    return rules.must_set_up_totp(required=_require_totp(), roles={r.value for r in user.roles},
                                  enabled=bool(user.totp_enabled_at), personal_data_roles=_PERSONAL_DATA_ROLES)


def set_require_totp(required: bool) -> SecuritySettings:
    settings = security_settings()
    if settings.require_totp != required:
        settings.require_totp = required  # the row change is audited by the mapper listener
        record(db.session, "second_factor_required" if required else "second_factor_optional", "security_settings",
               settings.id, "Second factor required for every user who can open family records" if required
               else "Second factor made optional")
    db.session.flush()
    return settings


def totp_secret_to_set_up(user: User) -> str:
    """The secret shown while the user sets up their authenticator app: made once, kept until it is confirmed
    (so the page can be shown again), never used to sign in before then."""
    if user.totp_enabled_at:
        raise DomainError("Two-factor authentication is already on", field="code")
    if user.totp_secret:
        return user.totp_secret
    secret = pyotp.random_base32()

    def keep() -> None:
        user.totp_secret = secret
        db.session.flush()

    after_reading(keep)  # the page showing it saves it once its reading is over
    return secret


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def enable_totp(user: User, code: str) -> None:
    """Turn the second factor on, once the user has typed a code their app made from the secret shown."""
    if user.totp_enabled_at:
        raise DomainError("Two-factor authentication is already on", field="code")
    if not user.totp_secret:
        raise DomainError("Start again: the set-up has expired", field="code")
    step = rules.matching_totp_step(user.totp_secret, code, utcnow(), None)
    if step is None:
        raise DomainError("The code is not right: enter the 6-digit code your authenticator app shows now",
                          field="code")
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    event = record(db.session, "totp_enabled", "user", user.id, "Two-factor authentication turned on")
    event.actor_id, event.actor_label = user.id, user.name
    db.session.flush()


def disable_totp(user: User, password: str) -> None:
    """The user turns their second factor off, giving their password; not while the council requires one."""
    if not user.totp_enabled_at:
        raise DomainError("Two-factor authentication is not on", field="password")
    if totp_required_for(user):
        raise DomainError(TOTP_REQUIRED, field="password")
    if not _verify(user.password_hash, password):
        raise DomainError("Your password is not right", field="password")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    event = record(db.session, "totp_disabled", "user", user.id, "Two-factor authentication turned off")
    event.actor_id, event.actor_label = user.id, user.name
    db.session.flush()


def reset_totp(user: User) -> None:
    """An administrator turns off a user's second factor (a lost phone): the user sets up a new one."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    record(db.session, "totp_reset", "user", user.id, "Two-factor authentication turned off by an administrator")
    end_sessions(user, "two-factor authentication reset")
    db.session.flush()


def end_sessions(user: User, why: str) -> None:
    """End every session the user has signed in (each carries the version it signed in with): on signing out,
    deactivation, new roles or a new password. A replayed cookie of any of them is refused from now on."""
    user.session_version = (user.session_version or 0) + 1
    record(db.session, "sessions_ended", "user", user.id, f"Signed-in sessions ended: {why}")


def sign_out(user: User) -> None:
    end_sessions(user, "signed out")
    event = record(db.session, "sign_out", "user", user.id, "Signed out")
    event.actor_id, event.actor_label = user.id, user.name
    db.session.flush()
