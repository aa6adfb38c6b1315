"""Sign-in rules, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tfclaims.auth import rules

NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/families", True),
        ("/families?page=2&q=smith", True),
        ("/families/12#timeline", True),
        ("/", True),
        ("/%2F%2Fevil.example", True),  # percent-encoded slashes stay a path on this site
        (None, False),
        ("", False),
        ("families", False),
        ("//evil.example", False),
        ("//evil.example/families", False),
        ("///evil.example", False),
        ("https://evil.example/", False),
        ("http://localhost/families", False),
        ("javascript:alert(1)", False),
        ("/\\evil.example", False),
        ("\\\\evil.example", False),
        ("/\t/evil.example", False),
        ("/\n/evil.example", False),
        ("/\r\nSet-Cookie: x=1", False),
        ("/ /evil.example", False),
        ("/\x00/evil.example", False),
        ("/\x7f", False),
    ],
)
def test_is_safe_next(target, safe):
    assert rules.is_safe_next(target) is safe


@pytest.mark.parametrize(
    ("locked_until", "locked"),
    [
        (None, False),
        (NOW - timedelta(seconds=1), False),
        (NOW, False),
        (NOW + timedelta(seconds=1), True),
        (NOW + timedelta(minutes=15), True),
    ],
)
def test_is_locked(locked_until, locked):
    assert rules.is_locked(locked_until, NOW) is locked


@pytest.mark.parametrize(
    ("failed_before", "failed_after", "locked_until"),
    [
        (0, 1, None),
        (3, 4, None),
        (4, 0, NOW + timedelta(minutes=15)),  # the fifth failure in a row locks and starts the count afresh
        (7, 0, NOW + timedelta(minutes=15)),
    ],
)
def test_after_failed_sign_in(failed_before, failed_after, locked_until):
    assert rules.after_failed_sign_in(failed_before, NOW) == (failed_after, locked_until)


def test_after_failed_sign_in_uses_the_councils_settings():
    assert rules.after_failed_sign_in(2, NOW, threshold=3, minutes=30) == (0, NOW + timedelta(minutes=30))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("correct horse battery staple", None),
        ("twelve chars", None),
        ("eleven char", "Password must be 12 characters or more"),
        ("", "Password must be 12 characters or more"),
        ("Password1234", "Password is too easy to guess"),
        ("123456789012", "Password is too easy to guess"),
    ],
)
def test_password_problem(password, problem):
    assert rules.password_problem(password) == problem
