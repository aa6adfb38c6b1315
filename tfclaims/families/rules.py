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


# ---------------------------------------------------------------- rectification

# A change to these is a correction of who the person is (rectification, UK GDPR Art. 16): the edit form asks why.
CORRECTION_FIELDS = (
    "forenames", "surname", "date_of_birth", "upn", "nhs_number", "ni_number", "pnc_number", "case_reference"
)
CORRECTION_REASON_MAX = 200

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


# ---------------------------------------------------------------- consent and lawful basis
# The vocabularies live in models.py (CONSENT_SCOPES, CONSENT_STATUSES, ...); these rules take their codes as plain
# strings, so they import nothing of the database.

NO_CONSENT = frozenset({"refused", "withdrawn", "not_sought"})
# A child younger than this is not recorded as deciding for themselves: a parent or carer decides.
COMPETENT_CHILD_MIN_AGE = 12
# An older record's single field for both articles: it names public task and 9(2)(g) together.
COMBINED_BASIS = "public_task_substantial_public_interest"
# The words used for each basis inside a sentence: (name, reference).
ARTICLE_6_WORDS = {
    "public_task": ("public task", "UK GDPR 6(1)(e)"),
    COMBINED_BASIS: ("public task", "UK GDPR 6(1)(e)"),
    "legal_obligation": ("legal obligation", "UK GDPR 6(1)(c)"),
    "consent": ("consent", "UK GDPR 6(1)(a)"),
}
ARTICLE_9_WORDS = {
    "substantial_public_interest": ("substantial public interest", "9(2)(g)"),
    "health_social_care": ("health or social care", "9(2)(h)"),
}


def consent_decision_problem(
    *,
    status: str,
    scope: str,
    recorded_on: date,
    today: date,
    date_of_birth: date,
    given_by: str,
    lawful_basis: str,
    special_category_basis: str,
    statute: str,
    previous: tuple[str, date] | None,
    special_category: bool,
) -> tuple[str, str] | None:
    """Why a consent decision cannot be recorded, as (form field, message); None when it can.

    ``previous`` is the latest decision already recorded for the member in that scope (status, date);
    ``special_category`` says whether the family's records hold special-category or criminal offence data (health,
    offences, domestic abuse, children's social care), so that working without consent needs an Article 9 condition
    and the statute. Rules:

    - every decision has a scope and a date, not in the future and not before the member's date of birth, nor
      before the latest decision already recorded in that scope;
    - an adult decides for themselves; a child's decision is a parent's or carer's, or the child's own when judged
      competent (from ``COMPETENT_CHILD_MIN_AGE``);
    - consent can be withdrawn only where it was given (the latest decision in that scope);
    - with no consent (refused, withdrawn, not sought) a lawful basis other than consent is needed and, when the
      family's records hold special-category data, the Article 9 condition and the statute too.
    """
    if not scope:
        return "scope", "Select what the decision covers"
    if recorded_on > today:
        return "recorded_on", "The date of the decision must be today or in the past"
    if recorded_on < date_of_birth:
        return "recorded_on", "The date of the decision must be on or after the member's date of birth"
    if previous is not None and recorded_on < previous[1]:
        return "recorded_on", (
            f"The date of the decision must be on or after {long_date(previous[1])}, the date of the last decision "
            "recorded for this"
        )
    if status != "not_sought":
        adult = people.is_adult_on(date_of_birth, recorded_on)
        if adult and given_by != "self":
            return "given_by", "An adult decides for themselves: select 'The person themselves'"
        if not adult and given_by == "self" and people.age_on(date_of_birth, recorded_on) < COMPETENT_CHILD_MIN_AGE:
            return "given_by", (
                f"A child under {COMPETENT_CHILD_MIN_AGE} is not recorded as deciding for themselves: select the "
                "parent or carer who decided"
            )
    if status == "withdrawn" and (previous is None or previous[0] != "given"):
        return "status", "Consent can be withdrawn only where it was given: no consent to this is recorded"
    if status in NO_CONSENT:
        if not lawful_basis or lawful_basis == "consent":
            return "lawful_basis", (
                "Without consent, select the lawful basis the council works under, such as public task"
            )
        if special_category and not (special_category_basis or lawful_basis == COMBINED_BASIS):
            return "special_category_basis", (
                "This family's records include special-category data (health, offences or children's social care): "
                "select the Article 9 condition"
            )
        if special_category and not statute.strip():
            return "statute", "Select or enter the law the council relies on, such as Children Act 2004 s.10"
    elif not lawful_basis:
        return "lawful_basis", "Select the lawful basis"
    return None


def join_statutes(chosen: Iterable[str], other: str) -> str:
    """The statutes ticked and any typed, as the text stored: "Children Act 2004 s.10; Children Act 1989 s.17"."""
    parts = [s.strip() for s in chosen if s and s.strip()]
    parts += [s.strip() for s in re.split(r"[;\n]", other or "") if s.strip()]
    return "; ".join(dict.fromkeys(parts))


def basis_words(lawful_basis: str, special_category_basis: str = "", statute: str = "") -> str:
    """The lawful basis inside a sentence: "public task (UK GDPR 6(1)(e)) and substantial public interest (9(2)(g),
    Children Act 2004 s.10)"; the statute goes with the Article 9 condition when there is one."""
    name, ref = ARTICLE_6_WORDS.get(lawful_basis, (lawful_basis.replace("_", " "), ""))
    art9 = special_category_basis or ("substantial_public_interest" if lawful_basis == COMBINED_BASIS else "")
    statute = statute.strip()
    if not art9:
        refs = ", ".join(r for r in (ref, statute) if r)
        return f"{name} ({refs})" if refs else name
    art9_name, art9_ref = ARTICLE_9_WORDS.get(art9, (art9.replace("_", " "), ""))
    art9_refs = ", ".join(r for r in (art9_ref, statute) if r)
    return f"{name} ({ref}) and {art9_name} ({art9_refs})"


# What having no consent in a scope changes, after "…: ", for a member named {name}.
NO_CONSENT_EFFECTS = {
    "programme": (
        "information about {name} is shared with the agencies around the family only where the law allows it "
        "without consent; work with the family continues under {basis}"
    ),
    "matching": "new partner data is not matched to {name}; work continues under {basis}",
    "evaluation": (
        "{name} is left out of the pseudonymised export for the national evaluation from now on (exports already "
        "sent are not recalled)"
    ),
}
NOT_SOUGHT_EFFECTS = {
    "programme": "work with the family and sharing between the agencies go on under {basis}",
    "matching": "partner data is matched to {name} under {basis}",
    "evaluation": "{name} is included in the pseudonymised export for the national evaluation under {basis}",
}


def excluded_from_evaluation(latest_evaluation_status: str | None) -> bool:
    """Whether a member is left out of the pseudonymised evaluation export: they refused or withdrew consent to the
    national evaluation (their latest decision in that scope). Consent not sought or not recorded leaves them in,
    under the council's public task."""
    return latest_evaluation_status in {"refused", "withdrawn"}


def consent_effect(
    *,
    name: str,
    scope_phrase: str,
    scope: str,
    status: str,
    recorded_on: date,
    lawful_basis: str,
    special_category_basis: str = "",
    statute: str = "",
) -> str | None:
    """What a member's current decision in a scope changes, in plain English; None when consent is in place.

    "Consent to matching with partner data was withdrawn on 3 March 2024: new partner data is not matched to Alex
    Smith; work continues under public task (UK GDPR 6(1)(e)) and substantial public interest (9(2)(g), Children Act
    2004 s.10)"
    """
    if status not in NO_CONSENT:
        return None
    basis = basis_words(lawful_basis, special_category_basis, statute)
    when = long_date(recorded_on)
    if status == "not_sought":
        opening = f"Consent to {scope_phrase} was not sought from {name} ({when})"
        effect = NOT_SOUGHT_EFFECTS.get(scope, "work continues under {basis}")
    else:
        verb = "withdrawn" if status == "withdrawn" else "refused"
        opening = f"Consent to {scope_phrase} was {verb} on {when}"
        effect = NO_CONSENT_EFFECTS.get(scope, "work continues under {basis}")
    return f"{opening}: {effect.format(name=name, basis=basis)}"
