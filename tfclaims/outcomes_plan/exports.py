"""Plan versions as files councils can share: YAML or JSON out, and back in.

Data in, bytes out (and bytes in, data out): no database here. The content is the same in both formats:

    format: tfclaims outcomes plan
    format_version: 1
    framework: TF2015
    plan: Brackenshire outcomes plan
    version: 2
    effective_from: 2018-04-01
    notes: Annual review
    descriptors:
      - {problem: school, code: ED2, text: A child missing 10% ..., evidence_source: school, applies_to: school_age}
    criteria:
      - problem: school
        kind: held_over_periods
        parameters: {measure: attendance, threshold: 90, periods: 3}
        wording: Each member with the problem has school attendance at or above 90% for 3 consecutive terms

What a file must hold is checked by ``rules.check_plan_document``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date

import yaml

from tfclaims.outcomes_plan import rules

MAX_BYTES = 1024 * 1024
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
MEDIA_TYPES = {"yaml": "application/yaml", "json": "application/json"}


def version_document(version) -> dict:
    """A plan version as plain values, in the order of the framework's headline problems."""
    framework = version.plan.framework
    order = {p.id: p.number for p in framework.problems}
    descriptors = sorted(version.descriptors, key=lambda d: (order.get(d.problem_id, 0), d.code))
    criteria = sorted(version.criteria, key=lambda c: (order.get(c.problem_id, 0), c.position, c.id or 0))
    return {
        "format": rules.FILE_FORMAT,
        "format_version": rules.FILE_FORMAT_VERSION,
        "framework": framework.code,
        "plan": version.plan.name,
        "version": version.number,
        "effective_from": version.effective_from,
        "notes": version.notes or "",
        "descriptors": [
            {
                "problem": d.problem.code,
                "code": d.code,
                "text": d.text,
                "evidence_source": d.evidence_source,
                "applies_to": d.applies_to or "any",
            }
            for d in descriptors
        ],
        "criteria": [
            {"problem": c.problem.code, "kind": c.kind, "parameters": dict(c.parameters or {}), "wording": c.wording}
            for c in criteria
        ],
    }


def _plain_numbers(value):
    """90.0 -> 90 inside the parameters, so files read as people write them (the import cleans them back)."""
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_yaml(document: dict) -> bytes:
    return yaml.safe_dump(
        _plain_numbers(document), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    ).encode("utf-8")


def to_json(document: dict) -> bytes:
    return (json.dumps(_plain_numbers(document), indent=2, ensure_ascii=False, default=_json_default) + "\n").encode(
        "utf-8"
    )


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written to a plan file")


def file_name(version, file_format: str) -> str:
    """ "Brackenshire outcomes plan", version 2 -> "brackenshire-outcomes-plan-version-2.yaml"."""
    slug = re.sub(r"[^a-z0-9]+", "-", version.plan.name.lower()).strip("-") or "outcomes-plan"
    return f"{slug[:80]}-version-{version.number}.{file_format}"


def read_upload(filename: str | None, data: bytes) -> tuple[object, list[str]]:
    """The content of an uploaded plan file, or (None, why it cannot be read).

    ``data`` may be longer than the limit (the caller reads one byte more than ``MAX_BYTES`` to tell).
    """
    name = (filename or "").strip()
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    file_format = EXTENSIONS.get(extension)
    if file_format is None:
        return None, ["The selected file must be a YAML or JSON file, ending .yaml, .yml or .json"]
    if len(data) > MAX_BYTES:
        return None, ["The selected file must be smaller than 1 MB"]
    if not data.strip():
        return None, ["The selected file is empty"]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ["The selected file must be saved as UTF-8 text"]
    if file_format == "json":
        try:
            document = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
        except json.JSONDecodeError as error:
            return None, [f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        except RecursionError:
            return None, ["The file is not valid JSON: it is nested too deeply"]
        except ValueError as error:  # NaN, Infinity or 1e309, or a whole number too long to read
            return None, [f"The file is not valid JSON: {_number_problem(error)}"]
        return _refuse_control_characters(document)
    try:
        document = yaml.load(text, Loader=_PlanLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "it cannot be read"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return None, [f"The file is not valid YAML: {problem}{where}"]
    except RecursionError:
        return None, ["The file is not valid YAML: it is nested too deeply"]
    except ValueError as error:  # a whole number too long to read
        return None, [f"The file is not valid YAML: {_number_problem(error)}"]
    return _refuse_control_characters(document)


def _number_problem(error: ValueError) -> str:
    text = str(error)
    return "it has a number too long to read" if "digits" in text else text


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


class _PlanLoader(yaml.SafeLoader):
    """YAML's safe loader, but an impossible date (2021-02-31) is a YAML error with its line, not a crash."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value} is not a real date", node.start_mark
            ) from None


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp", _PlanLoader.construct_yaml_timestamp)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(document) -> tuple[object, list[str]]:
    """The document, or why not: PostgreSQL cannot store a null character, and no plan needs control characters."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and _CONTROL.search(item):
            shown = _CONTROL.sub("", item)[:40]
            return None, [f"The file must not contain control characters such as a null character (found in {shown!r})"]
    return document, []
