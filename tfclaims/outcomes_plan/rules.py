"""The rules of outcomes plans, as pure functions on plain values (no Flask, no database)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tfclaims.engine.criteria import KINDS, check_parameters, default_wording
from tfclaims.text import long_date

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
DESCRIPTOR_FIELDS = ("problem", "code", "text", "evidence_source")
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
    evidence_source) and ``criteria`` (problem, kind, parameters, wording; blank wording made from the settings).
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
        if None not in (problem, code, text, source):
            descriptors.append({"problem": problem, "code": code, "text": text, "evidence_source": source})
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
    """Descriptors matched by code, in code order: added, removed, changed (wording or evidence source) or not."""
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
            fields = (("text", "wording"), ("evidence_source", "evidence source"))
            what = tuple(words for key, words in fields if a[key] != b[key])
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
