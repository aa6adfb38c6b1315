"""Sign-in that resists abuse: rate limits, the lock of an email that has no account, and a bounded number of
password checks at once.

- **Rate limits** (Flask-Limiter, ``tfclaims.extensions.limiter``): failed attempts to sign in (a wrong password, a
  wrong code, a wrong current password on the account pages) are counted per client address
  (``SIGN_IN_LIMIT_PER_ADDRESS``) and per account, that is per email address typed whether or not an account has
  it (``SIGN_IN_LIMIT_PER_ACCOUNT``). Past either, the answer is the 429 page until the window moves on. The counts
  live in ``RATELIMIT_STORAGE_URI``: memory by default (one process), Redis (``redis://...``) when tfclaims runs in
  several processes or machines. ``SIGN_IN_RATE_LIMITS`` turns the limits off (the test suite does, and turns them
  on where it tests them).
- **An email without an account locks** like an account does (``LOCKOUT_THRESHOLD`` failures lock it for
  ``LOCKOUT_MINUTES``), counted in the same storage, so that the lock message never tells anyone whether an email
  has an account.
- **Password hashing is bounded**: at most ``PASSWORD_HASH_CONCURRENCY`` argon2 checks run at once in a process;
  a request that cannot start one within ``PASSWORD_HASH_WAIT_SECONDS`` is answered "The service is busy" (503)
  rather than queued, so a flood of sign-ins cannot take every worker and all the memory.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from tfclaims.auth import rules
from tfclaims.extensions import limiter

logger = logging.getLogger(__name__)
BUSY = "The service is busy, try again in a minute"
# The email a half-finished sign-in (waiting for its code) was started with: its account's limits count the codes.
PENDING_EMAIL = "tfclaims.pending_email"


# Keys are cut to the longest email an account can have: a 10,000-character "email" is not a 10,000-character key.
MAX_KEY = 254


class ServiceBusy(Exception):
    """No password check could start in time: the server is saturated. The request is answered 503."""


# ---------------------------------------------------------------------------------------------- rate limits


def limits_off() -> bool:
    return not current_app.config.get("SIGN_IN_RATE_LIMITS", True)


def account_key() -> str:
    """The account an attempt is against: the email typed on the sign-in page (an account or not), the email of a
    sign-in waiting for its code, or the signed-in user's on the account pages."""
    if request.endpoint == "auth.sign_in":
        email = rules.normalise_email(request.form.get("email"))
    elif current_user.is_authenticated:
        email = rules.normalise_email(current_user.email)
    else:
        email = session.get(PENDING_EMAIL) or ""
    return "account:" + email[:MAX_KEY]


def failed(response) -> bool:
    """Only failed attempts count: a success redirects, a refusal shows the page again (or the busy page)."""
    return not 300 <= response.status_code < 400


per_address = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], scope="sign-in-address", key_func=get_remote_address,
    methods=["POST"], exempt_when=limits_off, deduct_when=failed,
)
per_account = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], scope="sign-in-account", key_func=account_key,
    methods=["POST"], exempt_when=limits_off, deduct_when=failed,
)


def retry_after_seconds() -> int:
    """Seconds until the limit that was hit lets attempts through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    window = current.limit.get_expiry()  # the stored reset time is rounded up to a whole second: never past it
    return max(1, min(window, math.ceil(current.reset_at - time.time())))


# ---------------------------------------------------------------------- the lock of an email without an account


def _lock_limiter() -> RateLimiter | None:
    if not (limiter.enabled and limiter.initialized):
        return None
    try:
        return MovingWindowRateLimiter(limiter.storage)
    except NotImplementedError:  # a storage without moving windows (memcached): the configured strategy
        return limiter.limiter


def unknown_email_locked(email: str, minutes: int) -> bool:
    strategy = _lock_limiter()
    if strategy is None:
        return False
    try:
        return not strategy.test(parse(f"1 per {minutes} minutes"), "unknown-email-lock", email[:MAX_KEY])
    except Exception:  # noqa: BLE001 (the storage is down: sign-in goes on, with the accounts' own locks)
        logger.warning("Rate limit storage unreachable: the lock of emails without an account is not checked")
        return False


def unknown_email_failed(email: str, threshold: int, minutes: int) -> bool:
    """Count one failed attempt for an email that has no account; True when it is now locked (the count starts
    afresh, as an account's does)."""
    strategy = _lock_limiter()
    if strategy is None:
        return False
    email = email[:MAX_KEY]
    failures = parse(f"{max(threshold - 1, 1)} per 1 day")
    try:
        if threshold <= 1 or not strategy.hit(failures, "unknown-email-failures", email):
            strategy.clear(failures, "unknown-email-failures", email)
            strategy.hit(parse(f"1 per {minutes} minutes"), "unknown-email-lock", email)
            return True
    except Exception:  # noqa: BLE001
        logger.warning("Rate limit storage unreachable: a failed attempt for an email without an account is not "
                       "counted")
    return False


# ------------------------------------------------------------------------------ bounded password hashing


_GATE_KEY = "tfclaims.password_hashing"
_gate_lock = threading.Lock()


def _gate() -> threading.BoundedSemaphore | None:
    if not has_app_context():
        return None
    app = current_app._get_current_object()
    gate = app.extensions.get(_GATE_KEY)
    if gate is None:
        with _gate_lock:
            gate = app.extensions.setdefault(
                _GATE_KEY, threading.BoundedSemaphore(max(1, int(app.config["PASSWORD_HASH_CONCURRENCY"])))
            )
    return gate


@contextmanager
def hashing_slot() -> Iterator[None]:
    """One of the few places to run argon2 in, waited for a short time at most (``ServiceBusy`` then)."""
    gate = _gate()
    if gate is None:  # outside a request or command: nothing to protect
        yield
        return
    if not gate.acquire(timeout=float(current_app.config["PASSWORD_HASH_WAIT_SECONDS"])):
        raise ServiceBusy(BUSY)
    try:
        yield
    finally:
        gate.release()
