"""Sign-in and user administration. Services flush; the request or command commits."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from tfclaims.audit.services import record
from tfclaims.auth import rules
from tfclaims.auth.models import User, UserRole
from tfclaims.auth.queries import GRANT_ACTION, get_user_by_email
from tfclaims.auth.roles import SEES_PERSONAL_DATA, Role
from tfclaims.db import as_utc, utcnow
from tfclaims.errors import DomainError, DuplicateValueError
from tfclaims.extensions import db

ATTEMPT_ACTOR = "Sign-in attempt (not signed in)"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("tfclaims-not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str, *, threshold: int = 5, minutes: int = 15) -> User | None:
    """The user if the email and password match an active, unlocked account; None otherwise.

    Failures are counted; callers show one generic message whatever the reason.
    """
    user = get_user_by_email(email)
    now = utcnow()
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if rules.is_locked(as_utc(user.locked_until), now):
        _verify(_DUMMY_HASH, password)  # a locked account takes as long to refuse as a wrong password
        _record_attempt("sign_in_refused", user, "Sign-in refused: account locked")
        return None
    if not _verify(user.password_hash, password) or not user.active:
        user.failed_logins, locked_until = rules.after_failed_sign_in(user.failed_logins, now, threshold, minutes)
        if locked_until:
            user.locked_until = locked_until
            _record_attempt("account_locked", user, f"Locked for {minutes} minutes after {threshold} failed sign-ins")
        else:
            _record_attempt("sign_in_failed", user, "Sign-in failed")
        db.session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_signed_in_at = now
    event = record(db.session, "sign_in", "user", user.id, "Signed in")
    event.actor_id, event.actor_label = user.id, user.name  # nobody is signed in yet: the actor is the user
    db.session.flush()
    return user


def _record_attempt(action: str, user: User, summary: str) -> None:
    """An unsuccessful sign-in: nobody is signed in, and the person trying has not proved who they are."""
    event = record(db.session, action, "user", user.id, summary)
    event.actor_id, event.actor_label = None, ATTEMPT_ACTOR



def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(email: str, name: str, password: str, roles: list[Role] | set[Role]) -> User:
    email = email.strip().lower()
    problem = rules.password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    if not roles:
        raise DomainError("Select at least one role", field="roles")
    if get_user_by_email(email):
        raise DuplicateValueError("A user with this email address already exists", field="email")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), active=True)
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


def set_password(user: User, password: str) -> None:
    problem = rules.password_problem(password)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(password)
    record(db.session, "password_set", "user", user.id, "Password set")
    end_sessions(user, "a new password")
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
