"""Sign-in rules as pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

MIN_PASSWORD_LENGTH = 12


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def after_failed_sign_in(failed_logins: int, now: datetime, threshold: int = 5,
                         minutes: int = 15) -> tuple[int, datetime | None]:
    """The new failure count and lock expiry after one more failure in a row.

    The fifth failure in a row locks the account for 15 minutes and resets the count, so the next five
    attempts after the lock expires are counted afresh.
    """
    failed = failed_logins + 1
    if failed >= threshold:
        return 0, now + timedelta(minutes=minutes)
    return failed, None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if password.lower() in {"password1234", "passwordpassword", "123456789012"}:
        return "Password is too easy to guess"
    return None


def is_safe_next(target: str | None) -> bool:
    r"""Only same-host, path-only redirects after sign-in ("/families?page=2", never "//evil" or "https://...").

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example" and
    "/\evil.example" would leave the site: any control character, whitespace or backslash is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def session_problem(
    *,
    carried_version: int | None,
    user_version: int,
    signed_in_at: datetime | None,
    seen_at: datetime | None,
    now: datetime,
    idle: timedelta,
    lifetime: timedelta,
) -> str | None:
    """Why a signed-in session may not go on (None when it may): signed out or ended since (its version is behind
    the user's), idle for longer than ``idle``, or older than ``lifetime`` since signing in. A session without
    the times (signed in before they were kept) is ended too."""
    if carried_version is None or carried_version != user_version:
        return "ended"
    if signed_in_at is None or seen_at is None:
        return "ended"
    if now - signed_in_at > lifetime:
        return "expired"
    if now - seen_at > idle:
        return "idle"
    return None
