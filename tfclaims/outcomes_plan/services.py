"""Use cases of outcomes plans. They check the rules, write and flush; never commit.

A published version never changes: every change to a version's content goes through ``_draft_only`` first, so
the rule holds whichever page (or command) calls the service.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from tfclaims.audit.services import record
from tfclaims.db import utcnow
from tfclaims.engine.criteria import KINDS, default_wording
from tfclaims.errors import DomainError, DuplicateValueError, NotAllowedError
from tfclaims.extensions import db, flush_unique
from tfclaims.outcomes_plan import exports, queries, rules
from tfclaims.outcomes_plan.models import (
    DRAFT,
    EVIDENCE_SOURCES,
    PUBLISHED,
    Descriptor,
    Framework,
    HeadlineProblem,
    OutcomesPlan,
    PlanVersion,
    SuccessCriterion,
)
from tfclaims.outcomes_plan.vocabulary import DESCRIPTOR_APPLIES_TO
from tfclaims.progress.vocabulary import PRIOR_BENEFITS
from tfclaims.text import long_date

PLAN_NAME_TAKEN = "An outcomes plan with this name already exists"
CODE_TAKEN = "This version already has a descriptor with this code"


class InvalidParameters(DomainError):
    """A criterion's settings broke the rules of its kind: ``errors`` holds one message per setting."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


class ImportRefused(DomainError):
    """A plan file that cannot be imported. ``problems`` holds every problem as (form field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        in_file = [message for field, message in problems if field == "file"]
        if len(in_file) == 1:
            message, field = in_file[0], "file"
        elif in_file:
            message, field = f"The selected file has {len(in_file)} problems: fix them and upload it again", "file"
        else:
            field, message = problems[0]
        super().__init__(message, field=field)
        self.problems = problems


def _draft_only(version: PlanVersion, field: str | None = None) -> None:
    if not version.is_draft:
        raise NotAllowedError(
            f"Version {version.number} is published and cannot be changed. Copy it to make a new version.",
            field=field,
        )


def _check_effective_from(framework: Framework, effective_from: date | None) -> None:
    if effective_from is None:
        raise DomainError("Enter the effective-from date", field="effective_from")
    if not rules.effective_from_in_framework(effective_from, framework.starts_on, framework.ends_on):
        raise DomainError(
            f"The effective-from date must be between {long_date(framework.starts_on)} and "
            f"{long_date(framework.ends_on)}, while {framework.name} runs",
            field="effective_from",
        )


def problem_label(problem: HeadlineProblem) -> str:
    return f"{problem.number}. {problem.name}"


# ---------------------------------------------------------------- plans and versions


def create_plan(framework: Framework, name: str, effective_from: date, notes: str = "") -> PlanVersion:
    """A new outcomes plan under a framework, with an empty draft version 1. Returns the draft."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the plan name", field="name")
    if queries.plan_name_exists(name):
        raise DuplicateValueError(PLAN_NAME_TAKEN, field="name")
    _check_effective_from(framework, effective_from)
    plan = OutcomesPlan(framework=framework, name=name)
    version = PlanVersion(plan=plan, number=1, status=DRAFT, effective_from=effective_from, notes=notes or "")
    db.session.add(plan)
    flush_unique(PLAN_NAME_TAKEN, "name")
    return version


def copy_version(version: PlanVersion, effective_from: date, notes: str = "") -> PlanVersion:
    """A new draft of the same plan holding a copy of every descriptor and success criterion of a published
    version."""
    if not version.is_published:
        raise NotAllowedError(
            f"Version {version.number} is still a draft: change it instead of copying it", field="effective_from"
        )
    plan = version.plan
    _check_effective_from(plan.framework, effective_from)
    descriptors = [
        Descriptor(
            problem_id=descriptor.problem_id,
            code=descriptor.code,
            text=descriptor.text,
            evidence_source=descriptor.evidence_source,
            applies_to=descriptor.applies_to or "any",
        )
        for descriptor in version.descriptors
    ]
    criteria = [
        SuccessCriterion(
            problem_id=criterion.problem_id,
            position=criterion.position,
            kind=criterion.kind,
            parameters=dict(criterion.parameters or {}),
            wording=criterion.wording,
        )
        for criterion in version.criteria
    ]
    copy = PlanVersion(
        plan=plan,
        number=rules.next_version_number(queries.version_numbers(plan.id)),
        status=DRAFT,
        effective_from=effective_from,
        notes=notes or "",
        copied_from_id=version.id,
        descriptors=descriptors,
        criteria=criteria,
    )
    db.session.add(copy)
    db.session.flush()
    record(
        db.session,
        "plan_version_copied",
        "plan_version",
        copy.id,
        f"{plan.name} version {version.number} copied to draft version {copy.number}, "
        f"{len(copy.descriptors)} descriptors, {len(copy.criteria)} success criteria",
    )
    db.session.flush()
    return copy


def update_version_details(version: PlanVersion, effective_from: date, notes: str = "") -> PlanVersion:
    """Change a draft's effective-from date and notes."""
    _draft_only(version, field="effective_from")
    _check_effective_from(version.plan.framework, effective_from)
    version.effective_from = effective_from
    version.notes = (notes or "").strip()
    db.session.flush()
    return version


def publish_refusals(version: PlanVersion) -> list[str]:
    """Why this draft cannot be published yet; empty when it can be."""
    framework = version.plan.framework
    return rules.publish_refusals(
        [(p.id, problem_label(p)) for p in framework.problems],
        [(d.problem_id, d.code) for d in version.descriptors],
        [(c.problem_id, c.kind, c.parameters) for c in sorted(version.criteria, key=lambda c: (c.position, c.id or 0))],
        framework.problem_noun,
    )


def publish(version: PlanVersion, user) -> PlanVersion:
    """Make a draft the published, read-only version. Refused while any headline problem has no descriptor or no
    success criterion, or a criterion's settings break the rules of its kind."""
    _draft_only(version)
    _check_effective_from(version.plan.framework, version.effective_from)
    refusals = publish_refusals(version)
    if refusals:
        raise DomainError(". ".join(refusals))
    version.status = PUBLISHED
    version.published_by_id = user.id
    version.published_at = utcnow()
    db.session.flush()
    record(
        db.session,
        "plan_published",
        "plan_version",
        version.id,
        f"{version.plan.name} version {version.number} published, in force from {long_date(version.effective_from)}",
    )
    db.session.flush()
    return version


def delete_version(version: PlanVersion) -> OutcomesPlan | None:
    """Delete a draft version. When it was the plan's only version the plan goes too; returns the plan if kept."""
    _draft_only(version)
    plan = version.plan
    if len(plan.versions) <= 1:
        db.session.delete(plan)
        db.session.flush()
        return None
    plan.versions.remove(version)
    db.session.flush()
    return plan


# ---------------------------------------------------------------- descriptors


def _descriptor_values(
    version: PlanVersion,
    problem_id: int | None,
    code: str,
    text: str,
    evidence_source: str,
    applies_to: str = "any",
    excluding_id: int | None = None,
) -> dict:
    problems = {p.id: p for p in version.plan.framework.problems}
    if problem_id not in problems:
        raise DomainError(f"Select the {version.plan.framework.problem_noun}", field="problem_id")
    code = rules.normalise_code(code)
    if not code:
        raise DomainError("Enter a descriptor code", field="code")
    if not rules.code_is_valid(code):
        raise DomainError(rules.CODE_FORMAT_MESSAGE, field="code")
    text = (text or "").strip()
    if not text:
        raise DomainError("Enter the wording of the descriptor", field="text")
    if evidence_source not in EVIDENCE_SOURCES:
        raise DomainError("Select the usual evidence source", field="evidence_source")
    if applies_to not in DESCRIPTOR_APPLIES_TO:
        raise DomainError("Select who the descriptor applies to", field="applies_to")
    if queries.descriptor_code_exists(version.id, code, excluding_id=excluding_id):
        raise DuplicateValueError(CODE_TAKEN, field="code")
    return {
        "problem": problems[problem_id],
        "code": code,
        "text": text,
        "evidence_source": evidence_source,
        "applies_to": applies_to,
    }


def add_descriptor(
    version: PlanVersion,
    problem_id: int | None,
    code: str,
    text: str,
    evidence_source: str,
    applies_to: str = "any",
) -> Descriptor:
    """A new descriptor of a draft. ``applies_to`` says who can meet it (``DESCRIPTOR_APPLIES_TO``), enforced at
    attachment."""
    _draft_only(version, field="code")
    descriptor = Descriptor(**_descriptor_values(version, problem_id, code, text, evidence_source, applies_to))
    version.descriptors.append(descriptor)
    flush_unique(CODE_TAKEN, "code")
    return descriptor


def update_descriptor(
    descriptor: Descriptor,
    problem_id: int | None,
    code: str,
    text: str,
    evidence_source: str,
    applies_to: str = "any",
) -> Descriptor:
    version = descriptor.plan_version
    _draft_only(version, field="code")
    values = _descriptor_values(
        version, problem_id, code, text, evidence_source, applies_to, excluding_id=descriptor.id
    )
    for key, value in values.items():
        setattr(descriptor, key, value)
    flush_unique(CODE_TAKEN, "code")
    return descriptor


def delete_descriptor(descriptor: Descriptor) -> None:
    version = descriptor.plan_version
    _draft_only(version)
    version.descriptors.remove(descriptor)
    db.session.flush()


# ---------------------------------------------------------------- success criteria


def _criterion_values(
    version: PlanVersion, problem_id: int | None, kind: str, parameters: dict, wording: str | None
) -> dict:
    problems = {p.id: p for p in version.plan.framework.problems}
    if problem_id not in problems:
        raise DomainError(f"Select the {version.plan.framework.problem_noun}", field="problem_id")
    if kind not in KINDS:
        raise DomainError("Select a kind of success criterion", field="kind")
    clean, errors = rules.screen_parameters(kind, parameters)
    if errors:
        raise InvalidParameters(errors)
    wording = (wording or "").strip()
    if len(wording) > rules.TEXT_MAX:
        raise DomainError("Wording must be 2,000 characters or fewer", field="wording")
    return {
        "problem": problems[problem_id],
        "kind": kind,
        "parameters": clean,
        "wording": wording or default_wording(kind, clean),
    }


def add_criterion(
    version: PlanVersion, problem_id: int | None, kind: str, parameters: dict, wording: str | None = ""
) -> SuccessCriterion:
    """A new success criterion after the problem's others. Blank wording is made from the settings."""
    _draft_only(version)
    values = _criterion_values(version, problem_id, kind, parameters, wording)
    criterion = SuccessCriterion(position=queries.next_criterion_position(version.id, problem_id), **values)
    version.criteria.append(criterion)
    db.session.flush()
    return criterion


def update_criterion(criterion: SuccessCriterion, parameters: dict, wording: str | None = "") -> SuccessCriterion:
    """Change a criterion's settings and wording; its kind and problem stay. Blank wording is made afresh."""
    version = criterion.plan_version
    _draft_only(version)
    values = _criterion_values(version, criterion.problem_id, criterion.kind, parameters, wording)
    criterion.parameters = values["parameters"]
    criterion.wording = values["wording"]
    db.session.flush()
    return criterion


def delete_criterion(criterion: SuccessCriterion) -> None:
    version = criterion.plan_version
    _draft_only(version)
    version.criteria.remove(criterion)
    db.session.flush()


def wording_is_standard(criterion: SuccessCriterion) -> bool:
    """Whether the wording is the one made from the settings (so a change of settings may remake it)."""
    try:
        return criterion.wording == default_wording(criterion.kind, criterion.parameters)
    except (KeyError, TypeError, ValueError):
        return False


# ---------------------------------------------------------------- sharing plans as files


def framework_facts() -> dict[str, rules.FrameworkFacts]:
    return {
        f.code: rules.FrameworkFacts(
            f.code, f.name, f.starts_on, f.ends_on, tuple(p.code for p in f.problems), f.problem_noun
        )
        for f in queries.list_frameworks()
    }


def import_plan(filename: str | None, data: bytes, plan_name: str | None = None) -> PlanVersion:
    """A new outcomes plan, draft version 1, from a shared YAML or JSON file. All or nothing: every problem in the
    file is reported at once (``ImportRefused``) and nothing is written unless the whole file is good.

    ``plan_name``, when given, names the new plan instead of the name in the file (plan names are unique).
    """
    name = " ".join((plan_name or "").split()) or None
    document, errors = exports.read_upload(filename, data)
    clean = None
    if not errors:
        clean, errors = rules.check_plan_document(document, framework_facts(), list(EVIDENCE_SOURCES), name)
    problems = [("file", message) for message in errors]
    if name and queries.plan_name_exists(name):
        problems.append(("name", PLAN_NAME_TAKEN))
    elif clean and not name and queries.plan_name_exists(clean["plan"]):
        problems.append(
            ("name", f"An outcomes plan named {clean['plan']} already exists: give the new plan another name")
        )
    if problems:
        raise ImportRefused(problems)

    framework = queries.get_framework_by_code(clean["framework"])
    version = create_plan(framework, clean["plan"], clean["effective_from"], clean["notes"])
    problems_by_code = {p.code: p for p in framework.problems}
    for d in clean["descriptors"]:
        version.descriptors.append(
            Descriptor(
                problem=problems_by_code[d["problem"]],
                code=d["code"],
                text=d["text"],
                evidence_source=d["evidence_source"],
                applies_to=d["applies_to"],
            )
        )
    positions: Counter = Counter()
    for c in clean["criteria"]:
        positions[c["problem"]] += 1
        version.criteria.append(
            SuccessCriterion(
                problem=problems_by_code[c["problem"]],
                position=positions[c["problem"]],
                kind=c["kind"],
                parameters=c["parameters"],
                wording=c["wording"],
            )
        )
    db.session.flush()
    source = f"version {clean['version']} of a shared plan" if clean["version"] else "a shared plan"
    record(
        db.session,
        "plan_imported",
        "plan_version",
        version.id,
        f"{version.plan.name} draft version 1 imported from {source} ({filename}): "
        f"{len(version.descriptors)} descriptors, {len(version.criteria)} success criteria",
    )
    db.session.flush()
    return version


# ---------------------------------------------------------------- national settings of a framework


def employment_benefits(framework: Framework) -> dict[str, str]:
    """The out-of-work benefits a framework has continuous-employment settings for, code to name: every benefit
    in the vocabulary, then any other the framework already holds."""
    names = {code: name for code, name in PRIOR_BENEFITS.items() if code != "none"}
    extra = {code: code for code in sorted(framework.employment_rules or {}) if code not in names}
    return names | extra


def settings_limits(framework: Framework) -> rules.SettingsLimits:
    use = queries.framework_use(framework)
    return rules.SettingsLimits(
        name=framework.name,
        problem_count=len(framework.problems),
        problem_noun=framework.problem_noun,
        uses_outcome_months="SFO" in framework.route_codes,
        benefits=employment_benefits(framework),
        versions=use.versions,
        attachments=use.attachments,
        others=use.others,
    )


def update_framework_settings(framework: Framework, raw: dict, check_only: bool = False) -> list[str]:
    """Change a framework's national settings (payments, minimum problems, months after closure, the recurrence
    setting, continuous employment per benefit, start and end dates). ``raw`` is the settings form's values (see
    ``rules.check_framework_settings``); every problem is refused at once (``InvalidParameters``).

    The audit listeners keep each changed column's old and new value; a ``framework_settings_changed`` event says
    what changed in words. Returns those words, one line per change (empty when nothing changed). With
    ``check_only`` nothing is written (a form with errors of its own still hears every other problem).
    """
    clean, errors = rules.check_framework_settings(raw, settings_limits(framework))
    if errors:
        raise InvalidParameters(errors)
    if check_only:
        return []
    old = {key: getattr(framework, key) for key in clean}
    changes = {key: [old[key], value] for key, value in clean.items() if old[key] != value}
    if not changes:
        return []
    for key, (_, value) in changes.items():
        setattr(framework, key, dict(value) if isinstance(value, dict) else value)
    db.session.flush()
    lines = rules.setting_change_lines(changes, employment_benefits(framework), framework.problem_noun)
    record(
        db.session,
        "framework_settings_changed",
        "framework",
        framework.id,
        f"{framework.name} national settings changed: {'; '.join(lines)}",
    )
    # Every family is judged under the new settings from now on: every stored verdict, judged under the old ones, is
    # stale at once and judged again by jobs queued when this change commits.
    from tfclaims.engine import store  # the engine reads the plan: imported when used

    store.judge_everything_again()
    db.session.flush()
    return lines
