"""The rules of the council's data-protection duties, as pure functions on plain values.

- Pseudonyms: a keyed hash (HMAC-SHA256 with the council's secret) of what identifies a record, written as
  ``P-xxxx-xxxx-xxxx-xxxx`` (a person) or ``F-xxxx-xxxx-xxxx-xxxx`` (a family): 80 bits of the hash in Crockford's
  base 32, lower case, without the letters i, l, o and u. The same key and record always give the same pseudonym;
  without the key nobody can go back from a pseudonym to the record, nor make one to test a guess.
- Generalised values: dates as months (``YYYY-MM``), ages in bands, postcodes cut to their district (the outward
  code), so a row of the evaluation file does not single a person out by itself.
- Subject access: which audit events name a person, what a search needs, what the cover says about other people.
- The register of processing: what tfclaims holds by category, where, and on what lawful basis.

Imports nothing of the database or Flask (checked by tests/unit/test_dataprotection_rules.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tfclaims import people

# ---------------------------------------------------------------- pseudonyms

# The label a development key is derived with, so a development key is never mistaken for a council's own.
DEVELOPMENT_KEY_LABEL = b"tfclaims pseudonymisation key: DEVELOPMENT ONLY, derived from SECRET_KEY"
# A council's key must be long enough not to be guessed: 32 characters (for instance 16 random bytes in hex).
MINIMUM_KEY_LENGTH = 32
KEY_MISSING = (
    "The pseudonymised export needs the council's pseudonymisation key. Set PSEUDONYMISATION_KEY in the "
    "environment to a long random secret (at least 32 characters), kept apart from the exports, then try again."
)
KEY_TOO_SHORT = (
    "The pseudonymisation key (PSEUDONYMISATION_KEY) is too short: it must be at least 32 characters. Replace it "
    "with a long random secret, then try again."
)

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case
_PREFIXES = {"person": "P", "family": "F"}


def development_key(secret_key: str) -> bytes:
    """A key for development and tests only, derived from the app's SECRET_KEY under a label of its own."""
    return hmac.new(secret_key.encode("utf-8"), DEVELOPMENT_KEY_LABEL, hashlib.sha256).digest()


def key_problem(configured: str | None, production: bool) -> str | None:
    """Why an export cannot be made with this configured key, or None when it can (outside production a missing
    key is fine: a development key is derived)."""
    if not configured:
        return KEY_MISSING if production else None
    if len(configured) < MINIMUM_KEY_LENGTH and production:
        return KEY_TOO_SHORT
    return None


def pseudonym(key: bytes, kind: str, value: Any) -> str:
    """The keyed pseudonym of a person (``kind="person"``) or family (``"family"``) identified by ``value``."""
    prefix = _PREFIXES[kind]
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")  # 80 bits: 16 characters of base 32
    chars = []
    for _ in range(16):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    text = "".join(reversed(chars))
    return f"{prefix}-" + "-".join(text[i : i + 4] for i in range(0, 16, 4))


# ---------------------------------------------------------------- generalised values


def month(value: date | None) -> str:
    """A date generalised to its month, ``YYYY-MM``; empty when there is none."""
    return f"{value.year:04d}-{value.month:02d}" if value else ""


AGE_BANDS = [(0, 4), (5, 10), (11, 15), (16, 17), (18, 24), (25, 34), (35, 49), (50, 64), (65, None)]


def age_band(date_of_birth: date | None, on: date | None) -> str:
    """The age band of a person on a day ("5-10", "65 and over"); empty when either date is missing or the
    person was not born yet."""
    if date_of_birth is None or on is None or on < date_of_birth:
        return ""
    age = people.age_on(date_of_birth, on)
    for low, high in AGE_BANDS:
        if high is None:
            if age >= low:
                return f"{low} and over"
        elif low <= age <= high:
            return f"{low}-{high}"
    return ""


def postcode_district(postcode: str | None) -> str:
    """The outward code of a UK postcode ("BR1 2AB" -> "BR1"); empty when it is not a postcode."""
    text = "".join((postcode or "").split()).upper()
    if not 5 <= len(text) <= 7 or not text.isascii() or not text.isalnum():
        return ""
    outward, inward = text[:-3], text[-3:]
    if not (inward[0].isdigit() and inward[1:].isalpha() and outward[0].isalpha()):
        return ""
    return outward


# ---------------------------------------------------------------- subject access

SEARCH_EMPTY = "Enter a surname, forenames, a date of birth or an identifier"
WHO_ASKED = {
    "self": "The person themselves",
    "parent": "A parent or carer on behalf of a child",
    "representative": "Someone acting for the person, with their authority (a solicitor or advocate)",
}
THIRD_PARTY_NOTE = (
    "Information about other people (the other members of the family, and anyone else) is withheld from this "
    "export: it is their personal data, not the requester's. The family's other members are not named."
)
REVIEW_NOTE = (
    "Free text written by practitioners (family notes, closure notes, event notes and practitioners' evidence "
    "statements) is included as written and may mention other people. Review it, and redact what is about someone "
    "else, before the export is released."
)


def search_problem(surname: str, forenames: str, date_of_birth: date | None, identifier: str) -> str | None:
    """Why a subject access search cannot be run, or None."""
    if not any((surname.strip(), forenames.strip(), date_of_birth, identifier.strip())):
        return SEARCH_EMPTY
    return None


def names_member(entity: str | None, entity_id: int | None, changes: Mapping | None, member_id: int) -> bool:
    """Whether an audit event names the member: it is about their member record, or it changed a record whose
    ``member_id`` is (or was) theirs."""
    if entity == "member" and entity_id == member_id:
        return True
    values = (changes or {}).get("member_id")
    if isinstance(values, list | tuple):
        return any(v == member_id for v in values)
    return values == member_id


def describe_changes(changes: Mapping | None) -> str:
    """An audit event's changes in one line: "surname: Smith -> Jones; postcode: (none) -> BR1 2AB"."""
    parts = []
    for name, values in (changes or {}).items():
        if isinstance(values, list | tuple) and len(values) == 2:
            old, new = ("(none)" if v is None else str(v) for v in values)
            parts.append(f"{name}: {old} -> {new}")
        else:
            parts.append(f"{name}: {values}")
    return "; ".join(parts)


@dataclass
class Section:
    """One part of a subject access export: a CSV file and a section of the PDF."""

    key: str  # the CSV file's name, without .csv
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""
    # Relative widths of the PDF table's columns (equal when empty).
    widths: list[float] = field(default_factory=list)
    # The columns whose free text may mention other people: flagged for review in the PDF.
    review: list[str] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.key}.csv"


def section_counts(sections: Iterable[Section]) -> dict[str, int]:
    return {s.key: len(s.rows) for s in sections}


def export_file_name(member_id: int, on: date) -> str:
    """The ZIP's name: the member's internal number and the day, never their name (file names travel)."""
    return f"subject-access-{member_id}-{on.isoformat()}.zip"


# ---------------------------------------------------------------- the register of processing

STARTS_FROM = {
    "closure_or_phase_end": "after the attachment closed, or after the programme phase ended if later",
    "attachment_closed": "after the attachment closed",
    "phase_ended": "after the programme phase ended",
    "claim_submitted": "after the claim was submitted to the department",
    "created": "after the record was made",
}

BASIS_PUBLIC_TASK = "UK GDPR Article 6(1)(e): public task (Children Act 1989 s.17, Children Act 2004 s.10)"
BASIS_SPECIAL = (
    "Article 6(1)(e) with Article 9(2)(g): substantial public interest (DPA 2018 Schedule 1, paragraphs 6 and 18: "
    "statutory purposes, safeguarding of children and individuals at risk)"
)
BASIS_CRIME = (
    "Article 6(1)(e) with Article 10: criminal offence data under official authority (DPA 2018 section 10(5), "
    "Schedule 1 paragraphs 6 and 18)"
)
BASIS_AUDIT = "Article 6(1)(c): legal obligation (UK GDPR Articles 5(2) accountability and 32 security)"
BASIS_STAFF = "Article 6(1)(e): public task (the security of the council's processing, UK GDPR Article 32)"


@dataclass(frozen=True)
class Category:
    """A category of personal data: what it is, where it is held (tables), on what basis, under which rule."""

    name: str
    what: str
    record_types: tuple[str, ...]
    lawful_basis: str
    retention_type: str = "family"
    special: bool = False
    # What happens to the records when no retention rule of ``retention_type`` is set.
    without_rule: str = "No retention rule: kept until erased"


CATEGORIES: list[Category] = [
    Category("Identity", "Forenames, surname, date of birth, sex, relationship to the lead adult, household",
             ("member",), BASIS_PUBLIC_TASK),
    Category("Contact and address", "Postcode of each member", ("member",), BASIS_PUBLIC_TASK),
    Category("Identifiers", "Unique pupil number, NHS number, National Insurance number, police national computer "
             "number, case-management reference, family reference", ("member", "family"), BASIS_PUBLIC_TASK),
    Category("Health (special category)", "Headline problems of health and wellbeing identified for a member, "
             "and practitioners' evidence about them", ("identified_problem", "manual_evidence"), BASIS_SPECIAL,
             special=True),
    Category("Crime and offences (criminal offence data)", "Offences, anti-social behaviour and domestic abuse "
             "incidents, police national computer numbers", ("event", "member"), BASIS_CRIME, special=True),
    Category("Social care", "Child in need and child protection plans, with their dates and end reasons",
             ("status_episode",), BASIS_SPECIAL, special=True),
    Category("Education", "School attendance and absence per term, exclusions, unique pupil numbers",
             ("measure", "event"), BASIS_PUBLIC_TASK),
    Category("Employment and benefits", "Spells in work, hours, employer, the out-of-work benefit before",
             ("employment_spell",), BASIS_PUBLIC_TASK),
    Category("Consent", "Consent decisions per member: status, scope, who gave it, the lawful basis relied on",
             ("consent",), BASIS_PUBLIC_TASK),
    Category("Support and outcomes", "Attachment and closure dates and reasons, problems identified, lead "
             "practitioner, family notes", ("family", "attachment", "identified_problem"), BASIS_PUBLIC_TASK),
    Category("Early help (whole-family working)", "Requests for early help with their source, reason and decision; "
             "the lead practitioner; visits and who was seen; the whole-family assessment and who it covered; the "
             "family plan; team around the family meetings and the agencies present; managers' supervision case "
             "notes; steps up and down with social care; closure; each member's outcome scores",
             ("help_request", "case_allocation", "contact", "assessment", "family_plan", "taf_meeting", "supervision",
              "pathway_step", "outcome_score"), BASIS_PUBLIC_TASK),
    Category("Claims", "Families claimed for: reference, route, dates, result payment, the frozen evidence (and "
             "the name of an adult in continuous employment)", ("claim_line",), BASIS_PUBLIC_TASK,
             retention_type="claim_line",
             without_rule="Kept: a claim's lines and totals outlive the family's erasure, without its personal data"),
    Category("Audit trail", "Every change with old and new values, and every read of personal data (who, what, "
             "when)", ("audit_event", "access_event"), BASIS_AUDIT, retention_type="audit_event",
             without_rule="No rule of its own: events are kept, their personal values redacted when the family's "
             "records are erased"),
    Category("Staff accounts", "Name, work email address and roles of each user", ("user",), BASIS_STAFF,
             retention_type="user", without_rule="Kept while the account exists; deactivated, not deleted, so the "
             "audit trail still names who did what"),
]


def retention_text(years: int | None, starts_from: str | None) -> str:
    """A retention rule in words: "8 years after the attachment closed, or after the programme phase ended if
    later"."""
    if years is None:
        return ""
    when = STARTS_FROM.get(starts_from or "", (starts_from or "").replace("_", " "))
    return f"{years} year{'' if years == 1 else 's'} {when}".strip()
