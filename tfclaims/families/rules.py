"""Rules of the household register and of attachment, as pure functions on plain values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from tfclaims import people
from tfclaims.text import long_date

# ---------------------------------------------------------------- identifiers

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
_UPN = re.compile(r"^[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]$")
_NI = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$")
_PNC = re.compile(r"^(\d{2}|\d{4})/\d{1,7}[A-Z]$")
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/_-]{1,39}$")


def compact(value: str | None) -> str:
    """Upper case, with spaces removed: how identifiers are stored and compared."""
    return "".join((value or "").split()).upper()


def nhs_number_is_valid(value: str) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine (weights 10 down to 2)."""
    digits = compact(value).replace("-", "")
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):  # "²".isdigit(), but int("²") fails
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def ni_number_is_valid(value: str) -> bool:
    """National Insurance number format: two prefix letters, six digits, a suffix letter A to D."""
    return bool(_NI.match(compact(value)))


def upn_check_letter(body: str) -> str:
    """The check letter of a unique pupil number from its last twelve characters."""
    values = [int(c) if c.isdigit() else UPN_CHECK_LETTERS.index(c) for c in body]
    return UPN_CHECK_LETTERS[sum(v * w for v, w in zip(values, range(2, 14), strict=True)) % 23]


def upn_is_valid(value: str) -> bool:
    """A 13-character unique pupil number with a correct check letter (temporary UPNs end in a letter)."""
    upn = compact(value)
    if not _UPN.match(upn):
        return False
    return upn_check_letter(upn[1:]) == upn[0]


def pnc_is_valid(value: str) -> bool:
    """Police national computer number, such as 12/345678A or 2012/345678A."""
    return bool(_PNC.match(compact(value)))


def normalise_postcode(value: str | None) -> str | None:
    """``br47qt`` -> ``BR4 7QT``; None when it is not a UK postcode."""
    match = _POSTCODE.match(compact(value))
    return f"{match.group(1)} {match.group(2)}" if match else None


def reference_is_valid(value: str) -> bool:
    return bool(_REFERENCE.match(compact(value)))


# ---------------------------------------------------------------- people

# Who a descriptor's ``applies_to`` asks for, inside a sentence.
APPLIES_TO_WHO = {
    "adult": "an adult (18 or over)",
    "child": "a child (under 18)",
    "school_age": "a school-age child (5 to 16)",
}
DEPENDENT_CHILDREN = "a resident child under 18 or an expectant parent"


def member_fits(applies_to: str, date_of_birth: date, on: date) -> bool:
    """Whether a member of that date of birth fits a descriptor's ``applies_to`` on a day.

    "any" and "dependent_children" (a condition on the family, checked by ``has_dependent_children``) fit everyone.
    """
    if applies_to == "adult":
        return date_of_birth <= on and people.is_adult_on(date_of_birth, on)
    if applies_to == "child":
        return people.is_child_on(date_of_birth, on)
    if applies_to == "school_age":
        return date_of_birth <= on and people.is_school_age_on(date_of_birth, on)
    return True


def has_dependent_children(members: Iterable[tuple[date, bool, bool]], on: date) -> bool:
    """Whether a family has dependent children on a day: a resident child under 18, or an expectant parent.

    ``members`` holds (date of birth, resident, expectant) for each member.
    """
    return any(
        expectant or (resident and people.is_child_on(date_of_birth, on))
        for date_of_birth, resident, expectant in members
    )


def member_does_not_fit_message(
    code: str, applies_to: str, name: str, date_of_birth: date, on: date, after_attachment: bool = False
) -> str:
    """Why a member cannot have a descriptor: "Descriptor ED2 applies to a school-age child (5 to 16): Dawn Fletcher
    was 41 on the attachment date (3 June 2019)"."""
    when = f"the {'evidence' if after_attachment else 'attachment'} date ({long_date(on)})"
    if date_of_birth > on:
        age = f"{name} was not yet born on {when}"
    else:
        age = f"{name} was {people.age_on(date_of_birth, on)} on {when}"
    return f"Descriptor {code} applies to {APPLIES_TO_WHO.get(applies_to, applies_to)}: {age}"


def no_dependent_children_message(on: date, after_attachment: bool = False, code: str | None = None,
                                  framework: str | None = None) -> str:
    """Why a family cannot have a descriptor (``code``) or be attached under a framework needing dependent children."""
    when = f"the {'evidence' if after_attachment else 'attachment'} date ({long_date(on)})"
    subject = f"Descriptor {code} is for" if code else f"{framework} is for"
    return (
        f"{subject} families with {DEPENDENT_CHILDREN}: this family had neither on {when}. Record the child, or "
        "mark the expectant parent in their member details"
    )

# ---------------------------------------------------------------- attachment


def eligible_problem_count(problems: Iterable[tuple[int, bool]]) -> int:
    """How many distinct headline problems count towards eligibility.

    ``problems`` holds (headline problem id, concerns a non-resident member). A problem counts once however
    many members have it; problems seen only in non-resident parents count towards at most one.
    """
    rows = list(problems)
    resident = {problem for problem, non_resident in rows if not non_resident}
    only_non_resident = {problem for problem, non_resident in rows if non_resident} - resident
    return len(resident) + min(1, len(only_non_resident))


def too_few_problems_message(count: int, minimum: int, noun: str = "headline problem") -> str | None:
    if count >= minimum:
        return None
    return (
        f"Identify problems under at least {minimum} different {noun}s to attach this family "
        f"(you have {count}; a non-resident parent counts towards one at most)"
    )
