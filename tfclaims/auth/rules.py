"""Sign-in rules as pure functions."""

from __future__ import annotations

import hmac
from collections.abc import Collection
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pyotp

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


def password_problem(password: str, *, name: str = "", email: str = "",
                     common: Collection[str] = frozenset()) -> str | None:
    """What is wrong with a new password (None when it will do), after the NCSC's password guidance: length over
    complexity (12 characters or more, up to 256, any characters, spaces welcome, no rule about digits or symbols),
    and nothing on a list of common or breached passwords (``common``, lower case), nothing easy to guess (a run of
    keys or letters, a few characters repeated) and not the user's own name or email address.

    A common password with digits or symbols added at either end ("Sunshine2024!") or a word said twice
    ("passwordpassword") is still a common password.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    letters = _letters_and_digits(password)
    if any(part and len(part) >= 4 and part in letters for part in _personal_parts(name, email)):
        return "Password must not contain your name or email address"
    if _guessable(password, letters, common):
        return TOO_EASY
    return None


MAX_PASSWORD_LENGTH = 256
TOO_EASY = "Password is too easy to guess: it is a common password or a pattern. Try 3 random words"
_RUNS = ("0123456789" * 4, "9876543210" * 4, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2,
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2)


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _personal_parts(name: str, email: str) -> list[str]:
    """The user's name (all of it, without spaces), their email address and the part of it before the @."""
    email = email.strip().casefold()
    return [_letters_and_digits(name), _letters_and_digits(email), _letters_and_digits(email.split("@")[0])]


def _guessable(password: str, letters: str, common: Collection[str]) -> bool:
    lowered = password.casefold().strip()
    candidates = {lowered, lowered.replace(" ", ""), letters}
    # A common word with digits or symbols around it: "Password1234", "!!sunshine2024".
    candidates |= {c.strip("0123456789!\"£$%^&*()-_=+[]{};:'@#~,.<>/?\\| ") for c in set(candidates)}
    for candidate in list(candidates):
        half = len(candidate) // 2
        if half and candidate[:half] == candidate[half:]:
            candidates.add(candidate[:half])  # a word said twice
    if any(c in common for c in candidates if c):
        return True
    if len(set(letters)) < 4:  # "aaaaaaaaaaaa", "abababababab", "1212 1212 1212"
        return True
    return any(letters in run for run in _RUNS)  # "123456789012", "qwertyuiopas", "abcdefghijklm"


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


def normalise_email(email: str | None) -> str:
    """An email address as accounts are keyed: trimmed and in lower case (also the key of its sign-in limits)."""
    return (email or "").strip().lower()


# The second factor: time-based one-time codes (RFC 6238), 6 digits, a new one every 30 seconds.
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30


def totp_step(now: datetime) -> int:
    """The 30-second time step of a moment: the counter a code is made from."""
    return int(now.timestamp()) // TOTP_STEP_SECONDS


def clean_code(code: str | None) -> str:
    """A code as typed, without the spaces and hyphens people put in it ("123 456", "123-456")."""
    return "".join(ch for ch in (code or "") if ch not in " -\u00a0\t")


def matching_totp_step(secret: str, code: str | None, now: datetime, last_step: int | None,
                       window: int = 1) -> int | None:
    """The time step whose code was typed (None when none): the current step or ``window`` steps either side (a
    phone's clock may be a little out), never a step at or before ``last_step``, so a code, once accepted, is never
    accepted again, nor an older one."""
    code = clean_code(code)
    if len(code) != TOTP_DIGITS or not (code.isascii() and code.isdigit()):
        return None
    otp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = totp_step(now)
    for step in range(current - window, current + window + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(otp.generate_otp(step), code):
            return step
    return None


def secret_in_groups(secret: str) -> str:
    """A base32 secret as people type it from a screen: groups of 4 ("ABCD EFGH IJKL ...")."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def must_set_up_totp(*, required: bool, roles: Collection[str], enabled: bool, personal_data_roles: Collection[str]
                     ) -> bool:
    """Whether a user must set up a second factor before anything else: the council requires one for everybody who
    can open family records, this user can, and has none."""
    return required and not enabled and any(role in personal_data_roles for role in roles)
