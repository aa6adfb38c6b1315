"""The rules of outcomes plans, as pure functions on plain values (no Flask, no database)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

CODE_MAX_LENGTH = 20
# A letter first, then letters, numbers, full stops, hyphens or slashes: "ED2", "ASB1", "P1.1", "SF-H3".
_CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9./-]*")
CODE_FORMAT_MESSAGE = (
    "Descriptor code must start with a letter and use only letters, numbers, full stops, hyphens and slashes, "
    "like ED2"
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


def publish_refusals(
    problems: Sequence[tuple[int, str]],
    descriptors: Iterable[tuple[int, str]],
    problem_noun: str = "headline problem",
) -> list[str]:
    """Why a draft cannot be published yet, as sentences for the manager; empty when it can be.

    ``problems`` are (id, label) pairs in the framework's order; ``descriptors`` are (problem id, code) pairs.
    """
    descriptors = list(descriptors)
    refusals = []
    labels = dict(problems)
    missing = problems_without_descriptors([pid for pid, _ in problems], [pid for pid, _ in descriptors])
    if missing:
        names = "; ".join(labels[pid] for pid in missing)
        refusals.append(
            f"Add at least one descriptor for every {problem_noun} before publishing. None yet for: {names}"
        )
    duplicates = duplicate_codes(code for _, code in descriptors)
    if duplicates:
        refusals.append(f"Each descriptor needs its own code. Used more than once: {', '.join(duplicates)}")
    strays = sorted({code for pid, code in descriptors if pid not in labels})
    if strays:
        refusals.append(f"These descriptors belong to another framework: {', '.join(strays)}")
    return refusals


def can_publish(problems: Sequence[tuple[int, str]], descriptors: Iterable[tuple[int, str]]) -> bool:
    return not publish_refusals(problems, descriptors)


def next_version_number(existing: Iterable[int]) -> int:
    """Versions of a plan are numbered 1, 2, 3 ... in the order they are made: one more than the highest."""
    return max(existing, default=0) + 1


def effective_from_in_framework(effective_from: date, starts_on: date, ends_on: date) -> bool:
    """A plan version can only take effect while its framework runs."""
    return starts_on <= effective_from <= ends_on


def route_labels(routes: str) -> list[str]:
    """ "SSP CE" -> ["Significant and sustained progress (SSP)", "Continuous employment (CE)"]."""
    return [f"{ROUTE_LABELS[code]} ({code})" if code in ROUTE_LABELS else code for code in routes.split()]
