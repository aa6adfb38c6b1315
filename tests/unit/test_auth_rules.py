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


COMMON = frozenset({"password", "sunshine", "manchesterunited", "iloveyou", "qwerty"})
SHORT = "Password must be 12 characters or more"
LONG = "Password must be 256 characters or fewer"
PERSONAL = "Password must not contain your name or email address"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        # Length over complexity: 12 characters or more, any characters, no rule about digits or symbols.
        ("correct horse battery staple", None),
        ("twelve chars", None),
        ("alllowercaseletters", None),
        ("émigré façade naïve", None),  # any characters
        ("x" * 11 + "y", rules.TOO_EASY),  # long enough, but only 2 different characters
        ("eleven char", SHORT),
        ("", SHORT),
        ("a" * 11, SHORT),
        ("purple tiger carpet " * 12 + "kettle stone", None),  # 252: up to 256 is fine
        ("p" + "urple tiger carpet mug " * 12, LONG),  # 277
        # Common passwords, with digits or symbols around them, said twice, with spaces or capitals.
        ("Password1234", rules.TOO_EASY),
        ("!!Sunshine2024!!", rules.TOO_EASY),
        ("passwordpassword", rules.TOO_EASY),
        ("Manchester United", rules.TOO_EASY),
        ("manchester united 1999", rules.TOO_EASY),
        ("ILOVEYOU12345678", rules.TOO_EASY),
        # Runs of keys and letters, few different characters.
        ("123456789012", rules.TOO_EASY),
        ("0987654321098", rules.TOO_EASY),
        ("qwertyuiopasdf", rules.TOO_EASY),
        ("abcdefghijklmn", rules.TOO_EASY),
        ("1212 1212 1212", rules.TOO_EASY),
        ("!!!!!!!!!!!!!!", rules.TOO_EASY),
        # Not a common password just because one is inside it.
        ("my password is a long sentence", None),
    ],
)
def test_password_problem(password, problem):
    assert rules.password_problem(password, common=COMMON) == problem


@pytest.mark.parametrize(
    ("password", "name", "email", "problem"),
    [
        ("Priya Shah's password!", "Priya Shah", "p.shah@brackenshire.example", PERSONAL),
        ("priyashah2024 forever", "Priya Shah", "p.shah@brackenshire.example", PERSONAL),
        ("my email p.shah@brackenshire.example", "Priya Shah", "p.shah@brackenshire.example", PERSONAL),
        ("P.Shah is typing this", "Priya Shah", "P.Shah@Brackenshire.example", PERSONAL),
        ("shah shah rhubarb", "Priya Shah", "p.shah@brackenshire.example", None),  # a part of a name is fine
        ("Jo was here and there", "Jo", "jo@brackenshire.example", None),  # names under 4 letters are not checked
        ("lilac tractor umbrella", "Priya Shah", "p.shah@brackenshire.example", None),
    ],
)
def test_password_must_not_contain_the_users_name_or_email(password, name, email, problem):
    assert rules.password_problem(password, name=name, email=email, common=COMMON) == problem


def test_the_shipped_list_of_common_passwords():
    from tfclaims.auth import passwords

    common = passwords.common_passwords()
    assert len(common) > 19_000 and "password" in common and "correcthorsebatterystaple" not in common
    assert passwords.password_problem("Liverpool2024!") == rules.TOO_EASY
    assert passwords.password_problem("football123456") == rules.TOO_EASY
    assert passwords.password_problem("kettle orchard lantern") is None


# The second factor ------------------------------------------------------------------------------------------

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_at(step: int) -> str:
    import pyotp

    return pyotp.TOTP(SECRET).generate_otp(step)


STEP = rules.totp_step(NOW)


@pytest.mark.parametrize(
    ("offset", "last_step", "accepted"),
    [
        (0, None, True),
        (-1, None, True),  # a phone's clock a little behind
        (1, None, True),  # or ahead
        (-2, None, False),  # a minute old: too old
        (2, None, False),
        (0, STEP - 1, True),  # the step after the last one used
        (0, STEP, False),  # the same step again: a replayed code
        (-1, STEP, False),  # an older step than the last one used
        (1, STEP, True),
    ],
)
def test_matching_totp_step(offset, last_step, accepted):
    found = rules.matching_totp_step(SECRET, code_at(STEP + offset), NOW, last_step)
    assert found == (STEP + offset if accepted else None)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5", None])
def test_a_code_that_is_not_six_digits_never_matches(typed):
    assert rules.matching_totp_step(SECRET, typed, NOW, None) is None


def test_a_code_typed_with_spaces_or_a_hyphen_matches():
    code = code_at(STEP)
    assert rules.matching_totp_step(SECRET, f"{code[:3]} {code[3:]}", NOW, None) == STEP
    assert rules.matching_totp_step(SECRET, f" {code[:3]}-{code[3:]} ", NOW, None) == STEP


def test_totp_steps_are_thirty_seconds():
    assert rules.totp_step(NOW) - rules.totp_step(NOW - timedelta(seconds=30)) == 1
    assert STEP < 2**31 - 1  # fits a PostgreSQL integer until the year 4000 and more


def test_secret_in_groups():
    assert rules.secret_in_groups("ABCDEFGHIJ") == "ABCD EFGH IJ"


@pytest.mark.parametrize(
    ("required", "roles", "enabled", "must"),
    [
        (True, {"coordinator"}, False, True),
        (True, {"manager", "administrator"}, False, True),
        (True, {"coordinator"}, True, False),
        (True, {"administrator"}, False, False),  # cannot open family records
        (False, {"coordinator"}, False, False),
    ],
)
def test_must_set_up_totp(required, roles, enabled, must):
    assert rules.must_set_up_totp(required=required, roles=roles, enabled=enabled,
                                  personal_data_roles={"coordinator", "claims_officer", "auditor", "manager"}) is must


@pytest.mark.parametrize(
    ("typed", "key"),
    [("  Priya.Shah@Brackenshire.example ", "priya.shah@brackenshire.example"), ("", ""), (None, "")],
)
def test_normalise_email(typed, key):
    assert rules.normalise_email(typed) == key
