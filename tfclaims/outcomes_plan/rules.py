"""The rules of outcomes plans, as pure functions on plain values (no Flask, no database)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tfclaims.engine.criteria import KINDS, check_parameters, default_wording
from tfclaims.outcomes_plan.vocabulary import DESCRIPTOR_APPLIES_TO
from tfclaims.text import long_date, money

CODE_MAX_LENGTH = 20
# A letter first, then letters, numbers, full stops, hyphens or slashes: "ED2", "ASB1", "P1.1", "SF-H3".
_CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9./-]*")
CODE_FORMAT_MESSAGE = (
    "Descriptor code must start with a letter and use only letters, numbers, full stops, hyphens and slashes, like ED2"
)

ROUTE_LABELS = {
    "SSP": "Significant and sustained progress",
    "CE": "Continuous employment",
    "SFO": "Successful family outcome",
}


def normalise_code(value: str | None) -> str:
    """Descriptor codes are compared and stored in capitals without spaces: " ed 2 " is "ED2"."""
    return "".join((value or "").split()).upper()


def code_is_valid(value: str | None) -> bool:
    code = normalise_code(value)
    return 0 < len(code) <= CODE_MAX_LENGTH and _CODE_PATTERN.fullmatch(code) is not None


def duplicate_codes(codes: Iterable[str]) -> list[str]:
    """The codes used more than once (after normalising), in alphabetical order."""
    counts = Counter(normalise_code(code) for code in codes)
    return sorted(code for code, n in counts.items() if n > 1)


def problems_without_descriptors(problem_ids: Sequence[int], descriptor_problem_ids: Iterable[int]) -> list[int]:
    """The headline problems (in the framework's order) that have no eligibility descriptor yet."""
    covered = set(descriptor_problem_ids)
    return [pid for pid in problem_ids if pid not in covered]


def problems_without_criteria(problem_ids: Sequence[int], criterion_problem_ids: Iterable[int]) -> list[int]:
    """The headline problems (in the framework's order) that have no success criterion yet."""
    covered = set(criterion_problem_ids)
    return [pid for pid in problem_ids if pid not in covered]


def publish_refusals(
    problems: Sequence[tuple[int, str]],
    descriptors: Iterable[tuple[int, str]],
    criteria: Iterable[tuple[int, str, dict]],
    problem_noun: str = "headline problem",
) -> list[str]:
    """Why a draft cannot be published yet, as sentences for the manager; empty when it can be.

    ``problems`` are (id, label) pairs in the framework's order; ``descriptors`` are (problem id, code) pairs;
    ``criteria`` are (problem id, kind, parameters) triples in the order the plan lists them.
    """
    descriptors = list(descriptors)
    criteria = list(criteria)
    refusals = []
    labels = dict(problems)
    problem_ids = list(labels)
    missing = problems_without_descriptors(problem_ids, [pid for pid, _ in descriptors])
    if missing:
        names = "; ".join(labels[pid] for pid in missing)
        refusals.append(
            f"Add at least one descriptor for every {problem_noun} before publishing. None yet for: {names}"
        )
    missing = problems_without_criteria(problem_ids, [pid for pid, _, _ in criteria])
    if missing:
        names = "; ".join(labels[pid] for pid in missing)
        refusals.append(
            f"Add at least one success criterion for every {problem_noun} before publishing. None yet for: {names}"
        )
    numbers: Counter = Counter()
    for pid, kind, parameters in criteria:
        numbers[pid] += 1
        if pid not in labels:
            continue
        faults = criterion_problems(kind, parameters)
        if faults:
            refusals.append(f"Success criterion {numbers[pid]} under {labels[pid]} cannot be used: {'; '.join(faults)}")
    duplicates = duplicate_codes(code for _, code in descriptors)
    if duplicates:
        refusals.append(f"Each descriptor needs its own code. Used more than once: {', '.join(duplicates)}")
    strays = sorted({code for pid, code in descriptors if pid not in labels})
    if strays:
        refusals.append(f"These descriptors belong to another framework: {', '.join(strays)}")
    stray_criteria = sum(1 for pid, _, _ in criteria if pid not in labels)
    if stray_criteria:
        refusals.append(
            f"{stray_criteria} success {'criterion belongs' if stray_criteria == 1 else 'criteria belong'} "
            "to another framework"
        )
    return refusals


def can_publish(
    problems: Sequence[tuple[int, str]],
    descriptors: Iterable[tuple[int, str]],
    criteria: Iterable[tuple[int, str, dict]],
) -> bool:
    return not publish_refusals(problems, descriptors, criteria)


def next_version_number(existing: Iterable[int]) -> int:
    """Versions of a plan are numbered 1, 2, 3 ... in the order they are made: one more than the highest."""
    return max(existing, default=0) + 1


def effective_from_in_framework(effective_from: date, starts_on: date, ends_on: date) -> bool:
    """A plan version can only take effect while its framework runs."""
    return starts_on <= effective_from <= ends_on


def route_labels(routes: str) -> list[str]:
    """ "SSP CE" -> ["Significant and sustained progress (SSP)", "Continuous employment (CE)"]."""
    return [f"{ROUTE_LABELS[code]} ({code})" if code in ROUTE_LABELS else code for code in routes.split()]


# ---------------------------------------------------------------- success criteria in words


def number_text(value) -> str:
    """90.0 -> "90", 87.5 -> "87.5": how a criterion's number reads on a page or in a form."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return str(int(value)) if float(value).is_integer() else str(value)


def parameter_lines(kind: str, parameters: dict | None) -> list[tuple[str, str]]:
    """Each setting of a criterion in words: [("Measure", "School attendance"), ("Threshold", "90"), ...]."""
    if kind not in KINDS:
        return []
    parameters = parameters or {}
    lines = []
    for p in KINDS[kind].parameters:
        value = parameters.get(p.name)
        if value is None or value == [] or value == "":
            text = "Not set"
        elif p.type == "choice":
            text = (p.options or {}).get(value, str(value)) if isinstance(value, str) else str(value)
        elif p.type == "choices":
            values = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else [value]
            text = ", ".join((p.options or {}).get(v, str(v)) if isinstance(v, str) else str(v) for v in values)
        else:
            text = number_text(value)
        lines.append((p.label, text))
    return lines


def screen_parameters(kind: str, parameters: dict | None) -> tuple[dict, dict[str, str]]:
    """``check_parameters`` made safe for values from anywhere (a file, an old row): values of the wrong shape
    are refused with a message instead of raising. Returns (clean parameters, {parameter name: message})."""
    if kind not in KINDS:
        return check_parameters(kind, parameters or {})
    parameters = dict(parameters or {})
    shape_errors: dict[str, str] = {}
    for p in KINDS[kind].parameters:
        if p.name not in parameters or parameters[p.name] is None:
            continue
        raw = parameters[p.name]
        options = ", ".join(p.options or {})
        if p.type == "choice" and not isinstance(raw, str):
            shape_errors[p.name] = f"{p.label} must be one of: {options}"
        elif p.type == "choices" and not (
            isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(v, str) for v in raw))
        ):
            shape_errors[p.name] = f"{p.label} must be a list chosen from: {options}"
        elif p.type in ("int", "number") and (isinstance(raw, bool) or not isinstance(raw, int | float | str)):
            shape_errors[p.name] = f"Enter the {p.label.lower()} as a number"
    for name in shape_errors:
        parameters.pop(name)
    clean, errors = check_parameters(kind, parameters)
    errors.update(shape_errors)
    order = [p.name for p in KINDS[kind].parameters]
    return clean, {name: errors[name] for name in sorted(errors, key=lambda n: order.index(n) if n in order else 99)}


def _tail(message: str) -> str:
    """A message written to stand alone, made to follow a colon: "Threshold must be ..." -> "threshold must be ..."."""
    return message[:1].lower() + message[1:]


def criterion_problems(kind: str, parameters: dict | None) -> list[str]:
    """What stops a criterion from being used, as phrases ("threshold must be between 0 and 100"); empty when fine."""
    if kind not in KINDS:
        return [f"unknown kind {kind!r}"]
    _, errors = screen_parameters(kind, parameters)
    return [_tail(message) for message in errors.values()]


def employment_settings(employment_rules: dict | None, benefit_names: dict[str, str]) -> list[tuple[str, str, str]]:
    """A framework's continuous-employment settings in words, one row per prior benefit:
    ("Jobseeker's Allowance (JSA)", "26 weeks in work within 30 weeks", "Any hours")."""
    rules_by_benefit = employment_rules or {}
    order = [code for code in benefit_names if code in rules_by_benefit]
    order += sorted(code for code in rules_by_benefit if code not in benefit_names)
    rows = []
    for code in order:
        setting = rules_by_benefit[code] or {}
        name = f"{benefit_names[code]} ({code})" if code in benefit_names else code
        weeks, window = setting.get("weeks"), setting.get("window_weeks")
        span = (
            f"{number_text(weeks)} {_plural(weeks, 'week')} in work within {number_text(window)} weeks"
            if weeks is not None and window is not None
            else "Not set"
        )
        hours = setting.get("min_hours") or 0
        rows.append((name, span, f"At least {number_text(hours)} hours a week" if hours else "Any hours"))
    return rows


# ---------------------------------------------------------------- sharing plans as files (YAML or JSON)

FILE_FORMAT = "tfclaims outcomes plan"
FILE_FORMAT_VERSION = 1
TOP_LEVEL_FIELDS = (
    "format",
    "format_version",
    "framework",
    "plan",
    "version",
    "effective_from",
    "notes",
    "descriptors",
    "criteria",
)
DESCRIPTOR_FIELDS = ("problem", "code", "text", "evidence_source", "applies_to")
CRITERION_FIELDS = ("problem", "kind", "parameters", "wording")
MAX_ITEMS = 1000
TEXT_MAX = 2000
PLAN_NAME_MAX = 160
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FrameworkFacts:
    """What checking a plan file needs to know about a framework, as plain values."""

    code: str
    name: str
    starts_on: date
    ends_on: date
    problem_codes: tuple[str, ...]
    problem_noun: str = "headline problem"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return word if n == 1 else (plural or word + "s")


def _times(n: int) -> str:
    return "twice" if n == 2 else f"{n} times"


def _one_of(values: Iterable[str], joiner: str = "or") -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" {joiner} " + values[-1]


def _as_date(value) -> date | None:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unknown_fields(item: dict, known: Sequence[str]) -> list[str]:
    return [str(key) for key in item if key not in known]


class _Checker:
    """Collects every problem of a plan file, each saying where it is."""

    def __init__(self, frameworks: dict[str, FrameworkFacts], evidence_sources: Sequence[str]):
        self.frameworks = frameworks
        self.evidence_sources = list(evidence_sources)
        self.framework: FrameworkFacts | None = None
        self.errors: list[str] = []

    def add(self, message: str) -> None:
        self.errors.append(message)

    def items(self, document: dict, key: str) -> list:
        raw = document.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(f"The {key} must be a list")
            return []
        if len(raw) > MAX_ITEMS:
            self.add(f"The {key} list has {len(raw):,} items: a plan file can hold at most {MAX_ITEMS:,}")
            return []
        return raw

    def problem(self, item: dict, where: str) -> tuple[str | None, str]:
        """The item's problem code when it is good, and where the item is, naming its problem when known."""
        raw = item.get("problem")
        if _blank(raw):
            self.add(f"{where}: problem is missing")
            return None, where
        if not isinstance(raw, str):
            self.add(f"{where}: problem must be a {self._noun()} code, such as {self._example_problem()}")
            return None, where
        code = raw.strip()
        if self.framework is None:
            return code, f"{where} (problem {code})"
        if code not in self.framework.problem_codes:
            self.add(
                f"{where}: unknown problem code {code!r} for {self.framework.name}; "
                f"use one of {', '.join(self.framework.problem_codes)}"
            )
            return None, where
        return code, f"{where} (problem {code})"

    def text(
        self,
        item: dict,
        key: str,
        where: str | None,
        required: bool = True,
        limit: int = TEXT_MAX,
        label: str | None = None,
    ) -> str | None:
        """A text value of the item, stripped; None (and a problem noted) when it is missing or not text.
        ``where`` names the item ("Criteria item 3"); a value at the top of the file has a ``label`` instead."""
        at = f"{where}: {key}" if where else (label or key)
        raw = item.get(key)
        if _blank(raw):
            if required:
                self.add(f"{at} is missing")
                return None
            return ""
        if not isinstance(raw, str):
            self.add(f"{at} must be text")
            return None
        value = " ".join(raw.split()) if key == "plan" else raw.strip()
        if len(value) > limit:
            self.add(f"{at} must be {limit:,} characters or fewer")
            return None
        return value

    def _noun(self) -> str:
        return self.framework.problem_noun if self.framework else "headline problem"

    def _example_problem(self) -> str:
        return self.framework.problem_codes[0] if self.framework and self.framework.problem_codes else "school"


def check_plan_document(
    document,
    frameworks: dict[str, FrameworkFacts],
    evidence_sources: Sequence[str],
    plan_name: str | None = None,
) -> tuple[dict | None, list[str]]:
    """Check a plan file's content (already read from YAML or JSON) against the rules of outcomes plans.

    Returns (the plan as clean values, []) or (None, every problem found, each saying where it is). ``plan_name``,
    when given, is used instead of the plan name in the file. The clean plan: ``framework`` (code), ``plan``,
    ``version`` (or None), ``effective_from`` (a date), ``notes``, ``descriptors`` (problem, code, text,
    evidence_source, applies_to: "any" when the file leaves it out) and ``criteria`` (problem, kind, parameters,
    wording; blank wording made from the settings).
    """
    if not isinstance(document, dict):
        return None, [
            "The file must hold one outcomes plan: a mapping with framework, plan, effective_from, descriptors "
            "and criteria"
        ]
    check = _Checker(frameworks, evidence_sources)
    unknown = _unknown_fields(document, TOP_LEVEL_FIELDS)
    if unknown:
        check.add(f"Unknown {_plural(len(unknown), 'field')} at the top of the file: {', '.join(unknown)}")
    if "format" in document and document["format"] != FILE_FORMAT:
        check.add(f"The format must be {FILE_FORMAT!r}")
    file_version = document.get("format_version", FILE_FORMAT_VERSION)
    if isinstance(file_version, bool) or file_version != FILE_FORMAT_VERSION:
        check.add(f"Format version {file_version!r} cannot be read: this tfclaims reads format version 1")

    codes = _one_of(list(frameworks))
    raw_framework = document.get("framework")
    if _blank(raw_framework):
        check.add(f"The framework code (framework) is missing: use {codes}")
    elif not isinstance(raw_framework, str) or raw_framework.strip().upper() not in frameworks:
        check.add(f"Unknown framework code {raw_framework!r}: use {codes}")
    else:
        check.framework = frameworks[raw_framework.strip().upper()]
    framework = check.framework

    if plan_name is None:
        name = check.text(document, "plan", None, limit=PLAN_NAME_MAX, label="The plan name (plan)")
    else:
        name = " ".join(plan_name.split())

    number = document.get("version")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
        check.add("The version number (version) must be a whole number, 1 or more")
        number = None

    raw_date = document.get("effective_from")
    effective_from = _as_date(raw_date)
    if _blank(raw_date):
        check.add(
            "The effective-from date (effective_from) is missing: give the date this version takes effect, "
            "like 2018-04-01"
        )
    elif effective_from is None:
        check.add(
            f"The effective-from date (effective_from) must be a real date written like 2018-04-01, "
            f"not {str(raw_date)!r}"
        )
    elif framework and not effective_from_in_framework(effective_from, framework.starts_on, framework.ends_on):
        check.add(
            f"The effective-from date (effective_from) must be between {long_date(framework.starts_on)} and "
            f"{long_date(framework.ends_on)}, while {framework.name} runs"
        )
        effective_from = None

    notes = check.text(document, "notes", None, required=False, label="The notes")

    descriptors = []
    for n, item in enumerate(check.items(document, "descriptors"), start=1):
        where = f"Descriptors item {n}"
        if not isinstance(item, dict):
            check.add(f"{where} must be a mapping with problem, code, text and evidence_source")
            continue
        problem, where = check.problem(item, where)
        unknown = _unknown_fields(item, DESCRIPTOR_FIELDS)
        if unknown:
            check.add(f"{where}: unknown {_plural(len(unknown), 'field')} {', '.join(unknown)}")
        code = None
        raw_code = item.get("code")
        if _blank(raw_code):
            check.add(f"{where}: code is missing")
        elif not isinstance(raw_code, str):
            check.add(f"{where}: code must be text, like ED2")
        elif len(normalise_code(raw_code)) > CODE_MAX_LENGTH:
            check.add(f"{where}: code {raw_code!r} must be {CODE_MAX_LENGTH} characters or fewer")
        elif not code_is_valid(raw_code):
            check.add(f"{where}: code {raw_code!r} must {CODE_FORMAT_MESSAGE.split(' must ', 1)[1]}")
        else:
            code = normalise_code(raw_code)
        text = check.text(item, "text", where)
        source = item.get("evidence_source")
        if _blank(source):
            check.add(f"{where}: evidence_source is missing")
            source = None
        elif source not in check.evidence_sources:
            check.add(f"{where}: unknown evidence_source {source!r}; use one of {', '.join(check.evidence_sources)}")
            source = None
        applies_to = item.get("applies_to")
        if _blank(applies_to):
            applies_to = "any"  # files from before descriptors said who they apply to
        elif not isinstance(applies_to, str) or applies_to.strip() not in DESCRIPTOR_APPLIES_TO:
            check.add(f"{where}: unknown applies_to {applies_to!r}; use one of {', '.join(DESCRIPTOR_APPLIES_TO)}")
            applies_to = None
        else:
            applies_to = applies_to.strip()
        if None not in (problem, code, text, source, applies_to):
            descriptors.append(
                {"problem": problem, "code": code, "text": text, "evidence_source": source, "applies_to": applies_to}
            )
    counts = Counter(d["code"] for d in descriptors)
    for code in sorted(c for c, n in counts.items() if n > 1):
        check.add(f"Descriptor code {code} appears {_times(counts[code])}")

    criteria = []
    kind_codes = ", ".join(KINDS)
    for n, item in enumerate(check.items(document, "criteria"), start=1):
        where = f"Criteria item {n}"
        if not isinstance(item, dict):
            check.add(f"{where} must be a mapping with problem, kind, parameters and wording")
            continue
        problem, where = check.problem(item, where)
        unknown = _unknown_fields(item, CRITERION_FIELDS)
        if unknown:
            check.add(f"{where}: unknown {_plural(len(unknown), 'field')} {', '.join(unknown)}")
        kind = item.get("kind")
        if _blank(kind):
            check.add(f"{where}: kind is missing; use one of {kind_codes}")
            continue
        if not isinstance(kind, str) or kind.strip() not in KINDS:
            check.add(f"{where}: unknown kind {kind!r}; use one of {kind_codes}")
            continue
        kind = kind.strip()
        parameters = item.get("parameters")
        if parameters is None:
            parameters = {}
        if not isinstance(parameters, dict):
            check.add(f"{where}: parameters must be a mapping of setting names to values")
            continue
        known = {p.name: p for p in KINDS[kind].parameters}
        strays = [str(name) for name in parameters if name not in known]
        if strays:
            check.add(
                f"{where}: unknown {_plural(len(strays), 'parameter')} for kind {kind}: {', '.join(strays)}"
                + (f"; it takes {', '.join(known)}" if known else "; it takes none")
            )
        clean, errors = screen_parameters(kind, {k: v for k, v in parameters.items() if k in known})
        for name, message in errors.items():
            label = known[name].label.lower() if name in known else name
            check.add(f"{where}: {_tail(message)}" + ("" if label == name else f" (parameter {name})"))
        wording = check.text(item, "wording", where, required=False)
        if problem is not None and not errors and not strays and wording is not None:
            criteria.append(
                {
                    "problem": problem,
                    "kind": kind,
                    "parameters": clean,
                    "wording": wording or default_wording(kind, clean),
                }
            )

    if check.errors:
        return None, check.errors
    return {
        "framework": framework.code,
        "plan": name,
        "version": number,
        "effective_from": effective_from,
        "notes": notes or "",
        "descriptors": descriptors,
        "criteria": criteria,
    }, []


# ---------------------------------------------------------------- comparing two versions

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Difference:
    """One descriptor or criterion as it is in the left and the right version (None where it is absent)."""

    change: str
    left: dict | None
    right: dict | None
    what: tuple[str, ...] = ()  # what changed, in words: ("wording", "evidence source")


@dataclass(frozen=True)
class ProblemDifferences:
    code: str
    label: str
    descriptors: list[Difference] = field(default_factory=list)
    criteria: list[Difference] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(1 for d in (*self.descriptors, *self.criteria) if d.change != UNCHANGED)


def compare_descriptors(left: Iterable[dict], right: Iterable[dict]) -> list[Difference]:
    """Descriptors matched by code, in code order: added, removed, changed (wording, evidence source or who it
    applies to) or not."""
    lefts = {normalise_code(d["code"]): d for d in left}
    rights = {normalise_code(d["code"]): d for d in right}
    differences = []
    for code in sorted(set(lefts) | set(rights)):
        a, b = lefts.get(code), rights.get(code)
        if a is None:
            differences.append(Difference(ADDED, None, b))
        elif b is None:
            differences.append(Difference(REMOVED, a, None))
        else:
            fields = (("text", "wording"), ("evidence_source", "evidence source"), ("applies_to", "who it applies to"))
            what = tuple(words for key, words in fields if a.get(key, "any") != b.get(key, "any"))
            differences.append(Difference(CHANGED if what else UNCHANGED, a, b, what))
    return differences


def _same_criterion(a: dict, b: dict) -> bool:
    return a["kind"] == b["kind"] and a["parameters"] == b["parameters"] and a["wording"] == b["wording"]


def compare_criteria(left: Sequence[dict], right: Sequence[dict]) -> list[Difference]:
    """Criteria of one problem, which have no code: identical ones are paired first, then the rest by kind in
    order (a change of settings or wording); what is left over was removed or added. Left order, then additions."""
    pairs: dict[int, int] = {}
    free = list(range(len(right)))
    for i, a in enumerate(left):
        j = next((j for j in free if _same_criterion(a, right[j])), None)
        if j is not None:
            pairs[i] = j
            free.remove(j)
    for i, a in enumerate(left):
        if i in pairs:
            continue
        j = next((j for j in free if right[j]["kind"] == a["kind"]), None)
        if j is not None:
            pairs[i] = j
            free.remove(j)
    differences = []
    for i, a in enumerate(left):
        if i not in pairs:
            differences.append(Difference(REMOVED, a, None))
            continue
        b = right[pairs[i]]
        what = tuple(words for key, words in (("parameters", "settings"), ("wording", "wording")) if a[key] != b[key])
        differences.append(Difference(CHANGED if what else UNCHANGED, a, b, what))
    differences.extend(Difference(ADDED, None, right[j]) for j in free)
    return differences


def compare_plan_documents(left: dict, right: dict, problems: Sequence[tuple[str, str]]) -> list[ProblemDifferences]:
    """Two versions (as plan documents) side by side, per headline problem (code, label) in the framework's order."""
    result = []
    for code, label in problems:
        result.append(
            ProblemDifferences(
                code,
                label,
                compare_descriptors(
                    [d for d in left["descriptors"] if d["problem"] == code],
                    [d for d in right["descriptors"] if d["problem"] == code],
                ),
                compare_criteria(
                    [c for c in left["criteria"] if c["problem"] == code],
                    [c for c in right["criteria"] if c["problem"] == code],
                ),
            )
        )
    return result


def change_counts(problems: Iterable[ProblemDifferences]) -> dict[str, int]:
    """How many descriptors and criteria were added, removed and changed across every problem."""
    counts = Counter(d.change for p in problems for d in (*p.descriptors, *p.criteria))
    return {change: counts.get(change, 0) for change in (ADDED, REMOVED, CHANGED)}


# ---------------------------------------------------------------- framework periods


@dataclass(frozen=True)
class AttachablePeriod:
    """Dates a family can be attached on under one framework: from its first published plan version's
    effective-from date (or the framework's start, if later) to the framework's end."""

    framework: str
    starts_on: date
    ends_on: date


def attachable_periods(rows: Iterable[tuple[str, date, date, date | None]]) -> list[AttachablePeriod]:
    """From (framework name, starts on, ends on, first published effective-from), in date order; a framework
    without a published version, or whose versions all take effect after it ends, gives none."""
    periods = []
    for name, starts_on, ends_on, first_effective in rows:
        if first_effective is None:
            continue
        start = max(starts_on, first_effective)
        if start <= ends_on:
            periods.append(AttachablePeriod(name, start, ends_on))
    return sorted(periods, key=lambda p: p.starts_on)


def no_plan_in_force_message(on: date, periods: Sequence[AttachablePeriod]) -> str:
    """Why a date cannot be an attachment date, naming the dates that can be."""
    message = f"No published outcomes plan was in force on the attachment date ({long_date(on)})."
    if not periods:
        return f"{message} A manager must publish a plan version effective on or before that date."
    spans = [f"from {long_date(p.starts_on)} to {long_date(p.ends_on)} under {p.framework}" for p in periods]
    return f"{message} Families can be attached {_one_of(spans)}."


# ---------------------------------------------------------------- national settings of a framework

MONEY_MAX_PENCE = 10_000_000  # £100,000
OUTCOME_MONTHS_MAX = 36
WEEKS_MAX = 104
WINDOW_WEEKS_MAX = 156
HOURS_MAX = 60
_POUNDS = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")
EMPLOYMENT_KEYS = ("weeks", "window_weeks", "min_hours")


@dataclass(frozen=True)
class SettingsLimits:
    """What a framework's national settings are checked against, as plain values.

    ``versions`` and ``attachments`` are the earliest and latest effective-from dates of its plan versions and
    attachment dates of the families judged under it (None when there are none); ``others`` are the other
    frameworks as (name, starts on, ends on).
    """

    name: str
    problem_count: int
    problem_noun: str = "headline problem"
    uses_outcome_months: bool = False
    benefits: dict[str, str] = field(default_factory=dict)
    versions: tuple[date, date] | None = None
    attachments: tuple[date, date] | None = None
    others: Sequence[tuple[str, date, date]] = ()


def employment_field(benefit: str, key: str) -> str:
    """The form field of one continuous-employment setting: ("JSA", "window_weeks") -> "jsa_window_weeks"."""
    return f"{benefit.lower()}_{key}"


def pence_from_pounds(value) -> int | None:
    """ "800", "£1,000", "800.5", "800.50" -> pence; None when the text is not an amount of pounds."""
    if not isinstance(value, str):
        return None
    text = value.strip().removeprefix("£").strip()
    match = _POUNDS.fullmatch(text)
    if not match:
        return None
    if len(match.group(1)) > 15:  # more than any amount (and Python will not read 4,300 digits): say too much
        return 10**17
    pence = (match.group(2) or "").ljust(2, "0")
    return int(match.group(1).replace(",", "")) * 100 + int(pence)


def pounds_text(pence: int | None) -> str:
    """Pence as a manager types pounds: 80000 -> "800", 80050 -> "800.50"."""
    if pence is None:
        return ""
    pounds, rem = divmod(int(pence), 100)
    return str(pounds) if rem == 0 else f"{pounds}.{rem:02d}"


def _whole_number(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None  # no 10**4300


def _number(value) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e300 else math.inf
    else:
        text = value.strip() if isinstance(value, str) else ""
        number = float(text) if re.fullmatch(r"\d+(\.\d+)?", text) else math.nan
    return number if math.isfinite(number) else None  # "1e309" is infinity: no number at all


def _plain_number(value: float):
    return int(value) if float(value).is_integer() else value


def check_framework_settings(raw: dict, limits: SettingsLimits) -> tuple[dict | None, dict[str, str]]:
    """A manager's national settings for a framework, as typed, checked.

    ``raw`` holds the form's values: ``starts_on`` and ``ends_on`` (dates or None), ``attachment_payment`` and
    ``result_payment`` (pounds, as text), ``min_problems``, ``outcome_months`` (used only when
    ``limits.uses_outcome_months``), ``recurrence_reopens`` ("yes" or "no") and, per benefit, ``<code>_weeks``,
    ``<code>_window_weeks`` and ``<code>_min_hours`` (see ``employment_field``). Returns (the settings as the
    framework's columns, {}) or (None, {field: message}) in the form's order.
    """
    errors: dict[str, str] = {}
    clean: dict = {}

    starts_on, ends_on = raw.get("starts_on"), raw.get("ends_on")
    if starts_on is None:
        errors["starts_on"] = "Enter the start date"
    if ends_on is None:
        errors["ends_on"] = "Enter the end date"
    if starts_on and ends_on:
        if ends_on <= starts_on:
            errors["ends_on"] = "The end date must be after the start date"
        else:
            _check_period(starts_on, ends_on, limits, errors)
    clean["starts_on"], clean["ends_on"] = starts_on, ends_on

    for key, label in (("attachment_payment", "attachment payment"), ("result_payment", "results payment")):
        value = raw.get(key)
        pence = pence_from_pounds(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[key] = f"Enter the {label}, or 0 if there is none"
        elif isinstance(value, str) and value.strip().startswith("-"):
            errors[key] = f"The {label} must be £0 or more"
        elif pence is None:
            errors[key] = f"Enter the {label} as an amount in pounds, like 800 or 800.50"
        elif pence > MONEY_MAX_PENCE:
            errors[key] = f"The {label} must be {money(MONEY_MAX_PENCE)} or less"
        clean[f"{key}_pence"] = pence

    noun = limits.problem_noun
    minimum = _whole_number(raw.get("min_problems"))
    if minimum is None or not 1 <= minimum <= limits.problem_count:
        errors["min_problems"] = (
            f"Enter the minimum number of {noun}s as a whole number from 1 to {limits.problem_count}"
        )
    clean["min_problems"] = minimum

    if limits.uses_outcome_months:
        months = _whole_number(raw.get("outcome_months"))
        if months is None or not 1 <= months <= OUTCOME_MONTHS_MAX:
            errors["outcome_months"] = (
                f"Enter the months after the case closed as a whole number from 1 to {OUTCOME_MONTHS_MAX}"
            )
        clean["outcome_months_after_closure"] = months

    recurrence = raw.get("recurrence_reopens")
    if recurrence not in ("yes", "no"):
        errors["recurrence_reopens"] = "Select whether a recurrence after sustained invalidates the result"
    clean["recurrence_reopens"] = recurrence == "yes"

    employment: dict[str, dict] = {}
    for code, name in limits.benefits.items():
        weeks = _whole_number(raw.get(employment_field(code, "weeks")))
        window = _whole_number(raw.get(employment_field(code, "window_weeks")))
        hours = _number(raw.get(employment_field(code, "min_hours")))
        if weeks is None or not 1 <= weeks <= WEEKS_MAX:
            errors[employment_field(code, "weeks")] = (
                f"Enter the weeks in work after {name} as a whole number from 1 to {WEEKS_MAX}"
            )
        if window is None or not 1 <= window <= WINDOW_WEEKS_MAX:
            errors[employment_field(code, "window_weeks")] = (
                f"Enter the window after {name} as a whole number of weeks from 1 to {WINDOW_WEEKS_MAX}"
            )
        elif weeks is not None and window < weeks:
            errors[employment_field(code, "window_weeks")] = (
                f"The window after {name} must be at least the weeks in work ({weeks})"
            )
        if hours is None or hours > HOURS_MAX:
            errors[employment_field(code, "min_hours")] = (
                f"Enter the minimum hours a week after {name} as a number from 0 to {HOURS_MAX}, 0 for any hours"
            )
        employment[code] = {"weeks": weeks, "window_weeks": window, "min_hours": _plain_number(hours or 0)}
    clean["employment_rules"] = employment

    if errors:
        return None, errors
    return clean, {}


def _check_period(starts_on: date, ends_on: date, limits: SettingsLimits, errors: dict[str, str]) -> None:
    """A framework's dates must hold its plan versions and attachments, and not overlap another framework."""
    if limits.versions and starts_on > limits.versions[0]:
        errors["starts_on"] = (
            f"The start date must be on or before {long_date(limits.versions[0])}, when the first plan version "
            f"under {limits.name} takes effect"
        )
    elif limits.attachments and starts_on > limits.attachments[0]:
        errors["starts_on"] = (
            f"The start date must be on or before {long_date(limits.attachments[0])}, when the first family was "
            f"attached under {limits.name}"
        )
    if limits.attachments and ends_on < limits.attachments[1]:
        errors["ends_on"] = (
            f"The end date must be on or after {long_date(limits.attachments[1])}, when the last family was "
            f"attached under {limits.name}"
        )
    elif limits.versions and ends_on < limits.versions[1]:
        errors["ends_on"] = (
            f"The end date must be on or after {long_date(limits.versions[1])}, when the last plan version "
            f"under {limits.name} takes effect"
        )
    if "starts_on" in errors or "ends_on" in errors:
        return
    for name, other_start, other_end in limits.others:
        if starts_on <= other_end and ends_on >= other_start:
            where = "starts_on" if other_start <= starts_on <= other_end else "ends_on"
            errors[where] = (
                f"The dates must not overlap {name}, which runs from {long_date(other_start)} to "
                f"{long_date(other_end)}"
            )
            return


SETTING_LABELS = {
    "starts_on": "Start date",
    "ends_on": "End date",
    "attachment_payment_pence": "Attachment payment",
    "result_payment_pence": "Results payment",
    "min_problems": "Minimum number of problems",
    "outcome_months_after_closure": "Outcome judged, months after the case closed",
    "recurrence_reopens": "A recurrence after sustained invalidates the result",
    "requires_dependent_children": "Dependent children or an expectant parent required",
}
EMPLOYMENT_LABELS = {"weeks": "weeks in work", "window_weeks": "window in weeks", "min_hours": "minimum hours a week"}


def _setting_text(key: str, value) -> str:
    if value is None or value == "":
        return "not set"
    if key.endswith("_pence"):
        return money(value)
    if key.endswith("_on"):
        day = _as_date(value) if isinstance(value, str) else value
        return long_date(day) if isinstance(day, date) else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return number_text(value)


def setting_change_lines(
    changes: dict[str, list], benefit_names: dict[str, str], problem_noun: str = "headline problem"
) -> list[str]:
    """A framework's changed columns ({column: [old, new]}, as audit events keep them) in words, one line each:
    "Results payment: £800 to £1,000", "Continuous employment after Jobseeker's Allowance (JSA), weeks in work:
    26 to 20"."""
    lines = []
    order = list(SETTING_LABELS) + ["employment_rules"]
    for key in sorted(changes, key=lambda k: order.index(k) if k in order else len(order)):
        old, new = (list(changes[key]) + [None, None])[:2]
        if key == "employment_rules":
            lines.extend(_employment_change_lines(old or {}, new or {}, benefit_names))
            continue
        label = SETTING_LABELS.get(key, key.replace("_", " ").capitalize())
        if key == "min_problems":
            label = f"Minimum number of {problem_noun}s"
        lines.append(f"{label}: {_setting_text(key, old)} to {_setting_text(key, new)}")
    return lines


def _employment_change_lines(old: dict, new: dict, benefit_names: dict[str, str]) -> list[str]:
    order = [code for code in benefit_names if code in old or code in new]
    order += sorted(code for code in {*old, *new} if code not in benefit_names)
    lines = []
    for code in order:
        before, after = old.get(code) or {}, new.get(code) or {}
        name = f"{benefit_names[code]} ({code})" if code in benefit_names else code
        for key in EMPLOYMENT_KEYS:
            if before.get(key) != after.get(key):
                lines.append(
                    f"Continuous employment after {name}, {EMPLOYMENT_LABELS[key]}: "
                    f"{_setting_text(key, before.get(key))} to {_setting_text(key, after.get(key))}"
                )
    return lines
