"""The kinds of partner file tfclaims imports, and each row checked before anything is written.

Pure: a ``reading.Table`` in, a ``Checked`` out (every valid row's values, every invalid row's problems with its row
number, column and reason); nothing of the database. Each ``Source`` declares its columns (the template's headings,
what each holds, an example, how it is read) and the checks of a row as a whole. Every source carries the person
columns the linkage needs (names, date of birth, sex, postcode and the identifiers the partner holds).

A file's headings are matched to a source's columns by name or a common alias, case and spacing aside, unless the
council has mapped its own headings (``mapping``: column name -> the file's heading).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from tfclaims.families import rules as family_rules
from tfclaims.families.vocabulary import CLOSURE_REASONS, RELATIONSHIPS
from tfclaims.imports import episodes, values
from tfclaims.imports.reading import Table
from tfclaims.imports.values import BadValue
from tfclaims.pathway import vocabulary as pathway_words
from tfclaims.progress import vocabulary


@dataclass(frozen=True)
class Column:
    name: str  # the template's heading
    meaning: str  # for the page that explains every column
    example: str
    read: Callable[[str], Any]  # text -> value; raises BadValue
    required: bool = False
    aliases: tuple[str, ...] = ()  # headings councils' systems write, recognised without a mapping
    holds: str = "text"  # "text", "date", "time", "whole number", "number", "code": for templates and the columns page


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet's row number; 1 for the headings
    column: str  # the source's column, "" for the row as a whole
    reason: str


@dataclass(frozen=True)
class ValidRow:
    number: int
    values: dict[str, Any]


@dataclass
class Checked:
    kind: str
    received: int = 0
    rows: list[ValidRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unused_headings: tuple[str, ...] = ()

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.problems if p.row > 1})

    @property
    def refused(self) -> bool:
        """The file as a whole cannot be imported (a required column is missing)."""
        return any(p.row == 1 for p in self.problems)


@dataclass(frozen=True)
class Source:
    kind: str
    title: str
    from_whom: str
    makes: str
    columns: tuple[Column, ...]
    # Row values, today -> (column, reason). It may also settle values read together (the case-management export's
    # date and time received in one cell), in the row's dict, before the row is kept.
    check: Callable[[dict[str, Any], date], list[tuple[str, str]]]
    rules: tuple[str, ...] = ()  # the checks of a row as a whole, in words, for the columns page

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


# ---------------------------------------------------------------- how cells are read


def _text(limit: int) -> Callable[[str], str]:
    def read(text: str) -> str:
        value = " ".join(text.split())
        if len(value) > limit:
            raise BadValue(f"is longer than {limit} characters")
        return value

    return read


def _required_text(limit: int) -> Callable[[str], str]:
    plain = _text(limit)

    def read(text: str) -> str:
        value = plain(text)
        if not value:
            raise BadValue("is missing")
        return value

    return read


def _optional(read: Callable[[str], Any]) -> Callable[[str], Any]:
    def optional(text: str):
        return read(text) if text.strip() else None

    return optional


def _sex(text: str) -> str:
    value = text.strip().casefold()
    # The register's codes (``families.vocabulary.SEXES``): X for other or not known.
    found = {"m": "M", "male": "M", "f": "F", "female": "F", "u": "X", "unknown": "X", "x": "X",
             "not known": "X", "other": "X", "": "X"}.get(value)
    if found is None:
        raise BadValue(f"{text.strip()!r} is not a sex tfclaims knows (M, F or U for not known)")
    return found


def _choice(words: dict[str, str], what: str, listed: str) -> Callable[[str], str]:
    """A code from a cell holding the code or one of its words (case and spacing aside); ``listed`` names the
    choices in the refusal."""
    known = {" ".join(word.casefold().split()): code for word, code in words.items()}

    def read(text: str) -> str:
        value = " ".join(text.casefold().split())
        if not value:
            raise BadValue(f"the {what} is missing")
        if value not in known:
            raise BadValue(f"{text.strip()!r} is not a {what} tfclaims knows: {listed}")
        return known[value]

    return read


def _sessions(text: str) -> int:
    number = values.parse_whole_number(text, what="the number of sessions")
    if number < 0:
        raise BadValue(f"{text.strip()!r} is below 0")
    return number


def _hours(text: str) -> float:
    number = values.parse_number(text, what="the hours a week")
    if not 0 <= number <= 168:
        raise BadValue(f"{text.strip()!r} is not a number of hours in a week (0 to 168)")
    return number


def _person(*identifiers: Column) -> tuple[Column, ...]:
    return (
        *identifiers,
        Column("Forename", "The person's first name as the partner holds it.", "Jordan", _required_text(120),
               True, ("first name", "forenames", "given name")),
        Column("Surname", "The person's family name as the partner holds it.", "Smith", _required_text(120), True,
               ("last name", "family name")),
        Column("Date of birth", "The person's date of birth.", "05/09/2012", values.parse_date, True,
               ("dob", "birth date", "d.o.b.")),
        Column("Sex", "M, F, or U (or X) when not known.", "M", _sex, False, ("gender",)),
        Column("Postcode", "The address's postcode, as the partner holds it.", "BR1 1AA",
               _optional(values.postcode), False, ("post code",)),
    )


UPN = Column("UPN", "The child's unique pupil number, when the school gives it.", "T201000000015",
             _optional(values.upn), False, ("unique pupil number",))
NHS = Column("NHS number", "The person's NHS number, when known.", "9434765919", _optional(values.nhs_number), False,
             ("nhs no", "nhs"))
NI = Column("NI number", "The adult's National Insurance number, when known.", "AB123456C",
            _optional(values.ni_number), False, ("national insurance number", "nino", "ni no"))
PNC = Column("PNC number", "The person's Police National Computer number, when known.", "2019/345678A",
             _optional(values.pnc_number), False, ("pnc", "pnc id"))


# ---------------------------------------------------------------- the checks of a row as a whole


def _not_future(row: dict, today: date, *names: str) -> list[tuple[str, str]]:
    return [(name, f"{row[name]:%d/%m/%Y} is in the future") for name in names
            if row.get(name) is not None and row[name] > today]


def _end_after_start(row: dict, start: str, end: str) -> list[tuple[str, str]]:
    if row.get(start) is not None and row.get(end) is not None and row[end] < row[start]:
        return [(end, f"the end ({row[end]:%d/%m/%Y}) is before the start ({row[start]:%d/%m/%Y})")]
    return []


def _born_before(row: dict, *names: str) -> list[tuple[str, str]]:
    born = row.get("Date of birth")
    return [(name, f"{row[name]:%d/%m/%Y} is before the person was born") for name in names
            if born is not None and row.get(name) is not None and row[name] < born]


def _check_attendance(row: dict, today: date) -> list[tuple[str, str]]:
    problems = _end_after_start(row, "Term start", "Term end") + _not_future(row, today, "Term end")
    possible = row.get("Sessions possible")
    missed = (row.get("Authorised absence") or 0) + (row.get("Unauthorised absence") or 0)
    if possible is not None and possible == 0:
        problems.append(("Sessions possible", "no sessions were possible: there is no attendance to count"))
    elif possible is not None and missed > possible:
        problems.append(("Unauthorised absence", f"{missed} sessions missed is more than the {possible} possible"))
    return problems + _born_before(row, "Term start")


def _check_event(row: dict, today: date) -> list[tuple[str, str]]:
    return _not_future(row, today, "Date") + _born_before(row, "Date")


def _check_spell(row: dict, today: date) -> list[tuple[str, str]]:
    return (_end_after_start(row, "Started", "Ended") + _not_future(row, today, "Started", "Ended")
            + _born_before(row, "Started"))


def _check_episode(row: dict, today: date) -> list[tuple[str, str]]:
    problems = (_end_after_start(row, "Started", "Ended") + _not_future(row, today, "Started", "Ended")
                + _born_before(row, "Started"))
    if row.get("Ended") is not None and not row.get("End reason"):
        problems.append(("End reason", "an episode that ended needs its end reason"))
    if row.get("Ended") is None and row.get("End reason"):
        problems.append(("Ended", "an end reason is given but no end date"))
    return problems


# ---------------------------------------------------------------- the sources

_EVENT_WORDS = {
    **{label: code for code, label in vocabulary.EVENT_KINDS.items() if code != "exclusion"},
    **{code: code for code in vocabulary.EVENT_KINDS if code != "exclusion"},
    "ASB": "asb", "Anti-social behaviour": "asb", "Antisocial behaviour": "asb", "Domestic abuse": "domestic_abuse",
    "Domestic abuse call-out": "domestic_abuse", "Domestic violence": "domestic_abuse", "Crime": "offence",
}
_EXCLUSION_WORDS = {"Fixed-term": "fixed_term", "Fixed term": "fixed_term", "Fixed period": "fixed_term",
                    "Suspension": "fixed_term", "Permanent": "permanent"}
_BENEFIT_WORDS = {**{label: code for code, label in vocabulary.PRIOR_BENEFITS.items()},
                  **{code: code for code in vocabulary.PRIOR_BENEFITS}, "None": "none",
                  "Jobseekers Allowance": "JSA", "Universal credit": "UC"}
_STATUS_WORDS = {**{label: code for code, label in vocabulary.STATUS_KINDS.items()},
                 "CIN": "child_in_need", "Child in need": "child_in_need", "CP": "child_protection",
                 "CPP": "child_protection", "Child protection": "child_protection"}
_END_WORDS = {**{label: code for code, label in vocabulary.EPISODE_END_REASONS.items()},
              **{code: code for code in vocabulary.EPISODE_END_REASONS}, "Step down": "stepped_down",
              "NFA": "closed", "No further action": "closed", "Moved": "moved_away"}

_OPTIONAL_DATE = _optional(values.parse_date)
_OPTIONAL_SESSIONS = _optional(_sessions)
_EXCLUSION_TYPE = _choice(_EXCLUSION_WORDS, "type of exclusion", "Fixed-term or Permanent")
_EVENT_TYPE = _choice(_EVENT_WORDS, "type of incident", "Offence, Anti-social behaviour or Domestic abuse")
_BENEFIT = _choice(_BENEFIT_WORDS, "benefit", "JSA, ESA, IS, UC or None")
_EPISODE_TYPE = _choice(_STATUS_WORDS, "type of episode", "CIN or CP")
_END_REASON = _optional(_choice(_END_WORDS, "end reason", "Stepped down, Closed, Moved away or Other"))

SOURCES: dict[str, Source] = {source.kind: source for source in (
    Source(
        "attendance", "School attendance", "Schools or the education welfare service, per child per term",
        "attendance and unauthorised absence as % of sessions, one measure each per child and term",
        (*_person(UPN),
         Column("Term", "The term's name.", "Autumn 2019", _required_text(60), True, ("term name", "period")),
         Column("Term start", "The term's first day.", "02/09/2019", values.parse_date, True, ("start date",)),
         Column("Term end", "The term's last day.", "20/12/2019", values.parse_date, True, ("end date",)),
         Column("Sessions possible", "Half-day sessions the child could attend.", "142", _sessions, True,
                ("possible sessions",)),
         Column("Authorised absence", "Sessions missed with the school's leave.", "6", _sessions, True,
                ("authorised absences", "authorised sessions missed")),
         Column("Unauthorised absence", "Sessions missed without it.", "12", _sessions, True,
                ("unauthorised absences", "unauthorised sessions missed"))),
        _check_attendance,
        ("The term ends on or after it starts, and has ended.",
         "At least one session was possible, and the sessions missed (authorised and unauthorised) are no more "
         "than those possible.",
         "The child was born before the term began."),
    ),
    Source(
        "exclusions", "Exclusions", "Schools or the local authority's exclusions team",
        "an exclusion event per exclusion",
        (*_person(UPN),
         Column("Exclusion date", "The first day of the exclusion.", "14/11/2019", values.parse_date, True,
                ("date", "start date")),
         Column("Exclusion type", "Fixed-term (a suspension) or permanent.", "Fixed-term",
                _EXCLUSION_TYPE, True, ("type", "category")),
         Column("Sessions", "Sessions excluded, when known.", "4",
                _OPTIONAL_SESSIONS, False, ("length", "days"))),
        _check_event,
        ("The exclusion date is not in the future, nor before the child was born.",),
    ),
    Source(
        "police", "Police incidents and offences", "The police or the youth justice service",
        "an offence, anti-social behaviour or domestic abuse event per incident",
        (*_person(PNC),
         Column("Date", "The day it happened.", "03/10/2019", values.parse_date, True,
                ("incident date", "offence date")),
         Column("Type", "Offence, Anti-social behaviour or Domestic abuse.", "Anti-social behaviour",
                _EVENT_TYPE, True, ("incident type", "category")),
         Column("Reference", "The police's own reference, to trace it back.", "CAD 1234 03/10/19",
                _text(60), False, ("crime reference", "incident number"))),
        _check_event,
        ("The date is not in the future, nor before the person was born.",),
    ),
    Source(
        "benefits", "Benefit and employment spells", "DWP or the council's benefits team",
        "an employment spell per spell in work, with the benefit before it",
        (*_person(NI),
         Column("Started", "The first day in work.", "06/01/2020", values.parse_date, True, ("start date",)),
         Column("Ended", "The last day in work; empty while it goes on.", "", _OPTIONAL_DATE, False,
                ("end date",)),
         Column("Benefit before work", "JSA, ESA, IS, UC or None.", "UC", _BENEFIT,
                True, ("benefit", "prior benefit", "benefit type")),
         Column("Hours a week", "Contracted hours a week.", "16", _hours, True, ("hours", "hours per week")),
         Column("Employer", "The employer, when known.", "Bromley Garden Centre", _text(160), False, ())),
        _check_spell,
        ("The spell ends on or after it starts; neither date is in the future; the adult was born before it.",),
    ),
    Source(
        "social_care", "Children's social care episodes", "Children's social care",
        "a child in need or child protection plan from its start to its end",
        (*_person(NHS),
         Column("Episode type", "Child in need (CIN) or child protection (CP).", "CIN",
                _EPISODE_TYPE, True, ("type", "plan type")),
         Column("Started", "The plan's first day.", "01/07/2019", values.parse_date, True, ("start date",)),
         Column("Ended", "The plan's last day; empty while it is open.", "", _OPTIONAL_DATE, False,
                ("end date",)),
         Column("End reason", "Why it ended: Stepped down, Closed, Moved away or Other.", "",
                _END_REASON, False, ("reason for closure", "closure reason"))),
        _check_episode,
        ("The episode ends on or after it starts; neither date is in the future.",
         "An episode that ended has its end reason, and an end reason has its end date."),
    ),
)}


# ---------------------------------------------------------------- the case-management export

_RELATIONSHIP_WORDS = {**{label: code for code, label in RELATIONSHIPS.items()},
                       **{code: code for code in RELATIONSHIPS},
                       "Lead adult": "lead_adult", "Lead": "lead_adult", "Main carer": "lead_adult",
                       "Head of household": "lead_adult", "Partner": "partner", "Son": "child", "Daughter": "child",
                       "Step-child": "stepchild", "Step child": "stepchild", "Grandchild": "grandchild",
                       "Non-resident parent": "non_resident_parent", "Absent parent": "non_resident_parent"}
_CLOSURE_WORDS = {**{label: code for code, label in CLOSURE_REASONS.items()},
                  **{code: code for code in CLOSURE_REASONS},
                  "Outcomes met": "outcomes_achieved", "Step down": "stepped_down", "Step up": "stepped_up",
                  "Disengaged": "disengaged", "Moved": "moved_away", "Moved away": "moved_away"}
_RELATIONSHIP = _choice(_RELATIONSHIP_WORDS, "relationship", "Lead adult, Partner, Child, Stepchild, Grandchild, "
                        "Parent, Sibling, Non-resident parent, Other relative or Other")
_CLOSURE = _optional(_choice(_CLOSURE_WORDS, "closure reason", "Outcomes achieved, Stepped down, Stepped up, "
                             "Disengaged, Moved away, Not eligible or Other"))


def _yes_no(text: str) -> bool:
    value = text.strip().casefold()
    if value in ("", "y", "yes", "true", "1"):
        return True
    if value in ("n", "no", "false", "0"):
        return False
    raise BadValue(f"{text.strip()!r} is not Yes or No")


def _codes(text: str) -> tuple[str, ...]:
    """Descriptor codes separated by semicolons, commas or spaces: ``ED2; ASB1``."""
    codes = tuple(dict.fromkeys(c.upper() for c in text.replace(";", " ").replace(",", " ").split()))
    bad = [c for c in codes if not (c[:1].isalpha() and len(c) <= 20 and c.replace(".", "").replace("-", "").isalnum())]
    if bad:
        raise BadValue(f"{bad[0]!r} is not a descriptor code (such as ED2)")
    return codes


def _reference(text: str) -> str:
    value = family_rules.compact(text)
    if not value:
        raise BadValue("is missing")
    if len(value) > 40:
        raise BadValue("is longer than 40 characters")
    return value


def _check_case(row: dict, today: date) -> list[tuple[str, str]]:
    problems = _not_future(row, today, "Attached on", "Closed on") + _end_after_start(row, "Attached on",
                                                                                        "Closed on")
    if row.get("Closed on") is not None and row.get("Attached on") is None:
        problems.append(("Attached on", "a closure date is given but no attachment date"))
    if row.get("Closed on") is not None and not row.get("Closure reason"):
        problems.append(("Closure reason", "a closed attachment needs its closure reason"))
    if row.get("Closure reason") and row.get("Closed on") is None:
        problems.append(("Closed on", "a closure reason is given but no closure date"))
    if row.get("Problems") and row.get("Attached on") is None:
        problems.append(("Attached on", "problems are given but no attachment date to identify them at"))
    received = row.get(episodes.RECEIVED_ON)
    if isinstance(received, datetime):  # the day and time in one cell: the time goes to its own column
        row[episodes.RECEIVED_ON] = received.date()
        if row.get(episodes.RECEIVED_AT) is None:
            row[episodes.RECEIVED_AT] = received.time()
        elif row[episodes.RECEIVED_AT] != received.time():
            problems.append((episodes.RECEIVED_AT, f"{row[episodes.RECEIVED_AT]:%H:%M} is not the time "
                                                   f"{episodes.RECEIVED_ON} gives ({received:%H:%M})"))
    return problems + episodes.row_problems(row, today)


_SOURCE_WORDS = {**{label: code for code, label in pathway_words.REQUEST_SOURCES.items()},
                 **{code: code for code in pathway_words.REQUEST_SOURCES},
                 "School": "school", "College": "school", "Education": "school", "Health": "health", "GP": "health",
                 "Health visitor": "health", "School nurse": "health", "Hospital": "health", "Front door": "front_door",
                 "MASH": "front_door", "Multi-agency safeguarding hub": "front_door", "Social care": "social_care",
                 "Jobcentre Plus": "dwp", "Jobcentre": "dwp", "Voluntary sector": "voluntary",
                 "Community sector": "voluntary", "Self": "family", "Self-referral": "family", "Family": "family",
                 "Parent": "family", "Other agency": "other", "Other": "other"}
_DECISION_WORDS = {**{label: code for code, label in pathway_words.DECISIONS.items()},
                   **{code: code for code in pathway_words.DECISIONS},
                   "Early help": "early_help", "Partner TAF": "partner_taf",
                   "Team around the family": "partner_taf", "Partner-led TAF": "partner_taf",
                   "Step down": "step_down", "Stepped down": "step_down", "Advice": "advice",
                   "Advice and signposting": "advice", "Signposted": "advice", "Signpost": "advice",
                   "Social care": "social_care", "Children's social care": "social_care"}
_EPISODE_CLOSURE_WORDS = {**{label: code for code, label in pathway_words.CLOSURE_REASONS.items()},
                          **{code: code for code in pathway_words.CLOSURE_REASONS},
                          "Outcomes met": "outcomes_met", "Outcomes achieved": "outcomes_met",
                          "Plan completed": "outcomes_met", "Step up": "stepped_up", "Stepped up": "stepped_up",
                          "Moved away": "moved_away", "Moved": "moved_away", "Moved out of area": "moved_away",
                          "Declined": "declined", "Disengaged": "declined", "Consent withdrawn": "declined",
                          "Withdrew consent": "declined", "Transferred": "other_service",
                          "Another service": "other_service", "Other": "other"}
_REQUEST_SOURCE = _optional(_choice(_SOURCE_WORDS, "source of a request", "; ".join(
    pathway_words.REQUEST_SOURCES.values()) + ", or their codes"))
_DECISION = _optional(_choice(_DECISION_WORDS, "decision on a request", "; ".join(
    pathway_words.DECISIONS.values()) + ", or their codes"))
_EPISODE_CLOSURE = _optional(_choice(_EPISODE_CLOSURE_WORDS, "reason an episode closed", "; ".join(
    pathway_words.CLOSURE_REASONS.values()) + ", or their codes"))
_OPTIONAL_MOMENT = _optional(values.parse_date_and_time)
_OPTIONAL_TIME = _optional(values.parse_time)


CASE_REFERENCE = Column("Case reference", "The person's own reference in the case-management system.", "P-104233",
                        _optional(_text(40)), False, ("person id", "person reference", "client id"))

CASE_MANAGEMENT = Source(
    "case_management", "Families from the case-management system",
    "The council's case-management system (Liquidlogic EHM, Mosaic and similar), one row per person",
    "families and their members, identifiers and attachments: a person not in the register is added to their "
    "family (made if new); a person matched has their missing identifiers filled in",
    (Column("Family reference", "The family's case reference in the case-management system: the family's reference "
            "in tfclaims.", "EHM-20817", _reference, True, ("family id", "case id", "family case reference",
                                                             "ehm case id")),
     Column("Relationship", "The person's relationship to the family's lead adult.", "Child", _RELATIONSHIP, True,
            ("relationship to lead", "role")),
     Column("Resident", "Yes when the person lives with the family (empty: Yes).", "Yes", _yes_no, False,
            ("lives in household", "in household")),
     *_person(UPN, NHS, NI, PNC, CASE_REFERENCE),
     Column("Lead practitioner", "The family's lead practitioner.", "Sam Keyworker", _text(120), False,
            ("keyworker", "key worker", "allocated worker")),
     Column("Team", "The team that works with the family.", "North locality", _text(120), False, ("locality",)),
     Column("Attached on", "The day programme work with the family started, when it has.", "14/10/2019",
            _OPTIONAL_DATE, False, ("attachment date", "start date", "episode start")),
     Column("Problems", "The outcomes plan's descriptor codes this person met at attachment, separated by "
            "semicolons.", "ED2; CIN1", _optional(_codes), False, ("descriptors", "eligibility criteria")),
     Column("Closed on", "The day the work ended, when it has.", "", _OPTIONAL_DATE, False,
            ("closure date", "end date", "episode end")),
     Column("Closure reason", "Why it ended: Outcomes achieved, Stepped down, Stepped up, Disengaged, Moved away, "
            "Not eligible or Other.", "", _CLOSURE, False, ("reason for closure",)),
     # The early-help pathway (``episodes``): the family's request received that day, repeated on its people's rows
     # or given on one.
     Column(episodes.RECEIVED_ON, "The day the family's request for early help was received (may hold its time "
            "too). The other early-help columns speak of this request.", "02/09/2019", _OPTIONAL_MOMENT, False,
            ("request date", "referral date", "date request received", "request received date")),
     Column(episodes.RECEIVED_AT, "The time it was received, when known (midnight otherwise).", "09:30",
            _OPTIONAL_TIME, False, ("request time", "referral time", "time request received")),
     Column(episodes.SOURCE, "Who asked for early help: " + "; ".join(pathway_words.REQUEST_SOURCES.values())
            + " (or their codes).", "School or college", _REQUEST_SOURCE, False,
            ("referral source", "source of request", "request from", "referrer")),
     Column(episodes.DECISION, "What the request led to: " + "; ".join(pathway_words.DECISIONS.values())
            + " (or their codes).", "Allocated to early help", _DECISION, False,
            ("request decision", "referral decision", "referral outcome")),
     Column(episodes.DECIDED_ON, "The day of the decision.", "04/09/2019", _OPTIONAL_DATE, False,
            ("decision date", "date of decision")),
     Column(episodes.ASSESSMENT_STARTED, "The day the whole-family assessment started. The people assessed are "
            "those whose rows give it.", "10/09/2019", _OPTIONAL_DATE, False,
            ("assessment start date", "assessment start", "eha started", "eha start date")),
     Column(episodes.ASSESSMENT_COMPLETED, "The day the assessment was completed, when it has been.", "01/10/2019",
            _OPTIONAL_DATE, False, ("assessment completed date", "assessment end date", "eha completed",
                                    "eha completed date")),
     Column(episodes.PLAN_OPENED, "The day the family plan opened.", "14/10/2019", _OPTIONAL_DATE, False,
            ("family plan opened", "plan start date", "family plan start date", "plan date")),
     Column(episodes.CLOSED_ON, "The day the early-help episode closed, when it has.", "", _OPTIONAL_DATE, False,
            ("episode closure date", "episode end date", "case closed", "case closure date")),
     Column(episodes.CLOSURE_REASON, "Why it closed: " + "; ".join(pathway_words.CLOSURE_REASONS.values())
            + " (or their codes).", "", _EPISODE_CLOSURE, False,
            ("episode end reason", "case closure reason"))),
    _check_case,
    ("Attachment and closure are not in the future, and the closure is on or after the attachment.",
     "A closure has its date and its reason; problems need the attachment date they were identified at.",
     "Each problem is a descriptor of the outcomes plan in force on the attachment date (checked when the file is "
     "read).",
     "The early-help columns need the day the request was received and its source. Nothing is dated in the "
     "future or before the request was received; an assessment completes on or after it started; a family plan "
     "opens on or after the assessment started; an assessment, a plan or a closure needs a decision to work with "
     "the family; a closure has its date and reason, and is on or after every other date of the request.",
     "The rows of one family that give the same day received are one request, and must agree; a request tfclaims "
     "already holds for that family and day is the same request, and the order is checked on it as it would stand "
     "(checked when the file is read). Allocation to a lead practitioner is not imported: it is made in tfclaims."),
)
SOURCES[CASE_MANAGEMENT.kind] = CASE_MANAGEMENT


# What each column holds, from how it is read: for the templates (a date column holds dates) and the columns page.
_HOLDS = {values.parse_date: "date", _OPTIONAL_DATE: "date", _OPTIONAL_MOMENT: "date", _OPTIONAL_TIME: "time",
          _REQUEST_SOURCE: "code", _DECISION: "code", _EPISODE_CLOSURE: "code", _sessions: "whole number",
          _OPTIONAL_SESSIONS: "whole number", _hours: "number", _sex: "code", _EXCLUSION_TYPE: "code",
          _EVENT_TYPE: "code", _BENEFIT: "code", _EPISODE_TYPE: "code", _END_REASON: "code",
          _RELATIONSHIP: "code", _CLOSURE: "code", _yes_no: "code"}
SOURCES = {kind: replace(source, columns=tuple(replace(c, holds=_HOLDS.get(c.read, "text")) for c in source.columns))
           for kind, source in SOURCES.items()}


# ---------------------------------------------------------------- a file checked


def _key(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").split())


def match_headings(source: Source, headings: tuple[str, ...], mapping: dict[str, str] | None = None
                   ) -> dict[str, str]:
    """Each of the source's columns -> the file's heading that holds it: the council's mapping first, then the
    column's own name, then its aliases (case and spacing aside)."""
    by_key = {_key(h): h for h in headings}
    found: dict[str, str] = {}
    for column in source.columns:
        mapped = (mapping or {}).get(column.name)
        if mapped and mapped in headings:
            found[column.name] = mapped
            continue
        for candidate in (column.name, *column.aliases):
            if _key(candidate) in by_key:
                found[column.name] = by_key[_key(candidate)]
                break
    return found


def check(source: Source, table: Table, today: date, mapping: dict[str, str] | None = None) -> Checked:
    """Every row of the file read and checked: the valid rows' values, and each problem with its row number,
    column and reason. A file without a required column is refused as a whole (row 1). Nothing is written."""
    found = match_headings(source, table.headings, mapping)
    checked = Checked(source.kind, received=len(table.rows),
                      unused_headings=tuple(h for h in table.headings if h not in found.values()))
    missing = [c.name for c in source.columns if c.required and c.name not in found]
    if missing:
        checked.problems = [Problem(1, name, f"The file has no column for {name!r}, which {source.title.lower()} "
                                             "needs: add it, or say which of the file's columns holds it")
                            for name in missing]
        return checked
    seen: dict[tuple, int] = {}
    for row in table.rows:
        values_of: dict[str, Any] = {}
        problems: list[Problem] = []
        for column in source.columns:
            text = row.cells.get(found[column.name], "") if column.name in found else ""
            try:
                values_of[column.name] = column.read(text)
            except BadValue as error:
                problems.append(Problem(row.number, column.name, _reason(str(error), column.name)))
                values_of[column.name] = None
        if not problems:
            problems = [Problem(row.number, name, reason) for name, reason in source.check(values_of, today)]
        if not problems:
            key = tuple(values_of.values())  # in the source's column order: the same row gives the same key
            if key in seen:
                problems = [Problem(row.number, "", f"the same as row {seen[key]}")]
            else:
                seen[key] = row.number
        if problems:
            checked.problems.extend(problems)
        else:
            checked.rows.append(ValidRow(row.number, values_of))
    return checked


def _reason(reason: str, column: str) -> str:
    """A cell's reason as a sentence naming its column: "Date of birth is missing", "Surname is longer than 120
    characters"; a reason that quotes the cell ("'31/02/2019' is not a real date") stays as it is."""
    if reason.endswith("is missing"):
        return f"{column} is missing"
    if reason.startswith("is "):
        return f"{column} {reason}"
    return reason
