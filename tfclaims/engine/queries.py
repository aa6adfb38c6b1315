"""Load the cohort's data for the engine: one query per table, straight into DataFrames.

Dates travel as day numbers (days since 1 January 1970), which both SQLite and PostgreSQL compute in SQL and
pandas turns into dates in one step, instead of a Python date object per value.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd

from tfclaims.engine.rules import WORKING_COLUMNS, Frames, Verdicts, evaluate
from tfclaims.extensions import db

# How many family ids go into one IN (...) list.
CHUNK = 5000

# The national settings of each framework, as the engine judges under them (``Frames.frameworks``).
FRAMEWORK_COLUMNS = [
    "framework_id",
    "framework",
    "framework_name",
    "routes",
    "min_problems",
    "attachment_payment_pence",
    "result_payment_pence",
    "outcome_months",
    "employment_rules",
    "recurrence_reopens",
    "starts_on",
    "ends_on",
]


# PostgreSQL's text types (text, varchar, char, name), by type OID.
TEXT_TYPES = frozenset({25, 1043, 1042, 19})


def _day(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"({column} - DATE '1970-01-01')"


def _read(
    sql: str, columns: list[str], dates: list[str], params: list | None = None, concatenate: bool = False
) -> pd.DataFrame:
    """Rows straight from the driver, on the session's connection and transaction: on PostgreSQL by COPY into
    pandas' CSV reader; on SQLite as plain tuples (SQLAlchemy's Row objects are slow for pandas).

    ``concatenate`` (SQLite, for long tables of numbers and codes whose columns are aliased c0, c1, ... and never
    NULL): SQLite joins the rows into one CSV text, read by pandas' CSV reader, instead of a Python object per
    value, which takes a third less time for the million rows of measures."""
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    try:
        if concatenate and db.session.get_bind().dialect.name == "sqlite":
            joined = " || ',' || ".join(f"c{i}" for i in range(len(columns)))
            cursor.execute(f"SELECT group_concat({joined}, char(10)) FROM ({sql})", params or ())
            text = cursor.fetchone()[0] or ""
            # Never NULL, so nothing to look for as missing: a tenth faster to read.
            frame = (
                pd.read_csv(io.StringIO(text), names=columns, header=None, na_filter=False)
                if text
                else pd.DataFrame(columns=columns)
            )
        elif db.session.get_bind().dialect.name == "postgresql":
            # Text columns stay text: the CSV reader would read a name or reference written in digits as a number.
            cursor.execute(f"SELECT * FROM ({sql}) AS typed LIMIT 0", params or None)
            texts = {columns[i]: str for i, d in enumerate(cursor.description) if d.type_code in TEXT_TYPES}
            buffer = io.BytesIO()
            # NULL as \N, so that an empty text stays empty text and only a missing value is missing.
            with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, NULL '\\N')", params or None) as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            frame = pd.read_csv(
                buffer,
                names=columns,
                header=None,
                true_values=["t"],
                false_values=["f"],
                keep_default_na=False,
                na_values=["\\N"],
                dtype=texts,
            )
        else:
            cursor.execute(sql, params or ())
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns, coerce_float=False)
    finally:
        cursor.close()
    for column in dates:
        if frame[column].dtype.kind in "iuf" or frame.empty:
            frame[column] = pd.to_datetime(frame[column].astype("float64"), unit="D").astype("datetime64[s]")
        else:  # ISO text, as SQLite stores dates: numpy reads YYYY-MM-DD faster than pandas' parser
            try:
                parsed = np.asarray(frame[column].to_numpy(dtype=object), dtype="datetime64[s]")
                frame[column] = pd.Series(parsed, index=frame.index)
            except (TypeError, ValueError):
                frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d").astype("datetime64[s]")
    return frame


# A partition of the cohort: the families whose ids are in a range (first and last id included).
IdRange = tuple[int, int]
# The families judged at once when the whole cohort is judged: the partitions' size, which bounds the memory a
# judgement takes whatever the cohort's size (about 300 MB for 25,000 families, on top of the app's own).
PARTITION_FAMILIES = 25_000
# Beyond any family id (ids are 32-bit integers in both databases).
LAST_ID = 2**31 - 1


def _sql(
    template: str, family_ids: list[int] | None, column: str, marker: str, id_range: IdRange | None = None
) -> tuple[str, list | None]:
    if id_range is not None:
        return template.replace("{where}", f"{column} BETWEEN {marker} AND {marker}"), [int(i) for i in id_range]
    if family_ids is None:
        return template.replace("{where}", "1 = 1"), None
    where = f"{column} IN ({', '.join([marker] * len(family_ids))})" if family_ids else "1 = 0"
    return template.replace("{where}", where), [int(i) for i in family_ids]


def family_ranges(size: int = PARTITION_FAMILIES) -> list[IdRange]:
    """The cohort's partitions: ranges of family ids, each holding at most ``size`` families with an attachment,
    together covering every id from 0 to ``LAST_ID`` (a family added meanwhile falls in one of them). One range
    when the cohort is no bigger than ``size``."""
    from sqlalchemy import select

    from tfclaims.families.models import Attachment

    if size < 1:
        raise ValueError("a partition holds at least one family")
    ids = list(db.session.scalars(select(Attachment.family_id).distinct().order_by(Attachment.family_id)))
    firsts = [0] + [ids[i] for i in range(size, len(ids), size)]
    lasts = [first - 1 for first in firsts[1:]] + [LAST_ID]
    return list(zip(firsts, lasts, strict=True))


def load_frames(
    family_ids: list[int] | None = None, outline: bool = False, id_range: IdRange | None = None
) -> Frames:
    """The engine's input for the given families (all when None), or for the families whose ids are in
    ``id_range`` (a partition, ``family_ranges``). Needs an application context.

    ``outline``: the attachments, identified problems and the plan only, with the long tables of evidence
    (measures, events, spells, episodes, decisions) left empty: what the progress return counts besides the
    verdicts, read without judging anything."""
    if family_ids is not None and len(family_ids) > CHUNK:
        parts = [load_frames(family_ids[i : i + CHUNK], outline) for i in range(0, len(family_ids), CHUNK)]
        return _concat(parts)
    d = db.session.get_bind().dialect.name
    marker = "?" if d == "sqlite" else "%s"

    def day(column: str) -> str:
        return _day(column, d)

    def day_or_text(column: str) -> str:
        """For the long tables SQLite joins into CSV: its dates as they are stored (ISO text), parsed by pandas."""
        return column if d == "sqlite" else _day(column, d)

    def read(template, columns, dates, column="family_id", concatenate=False, evidence=False):
        if outline and evidence:
            return pd.DataFrame({name: pd.Series(dtype="datetime64[s]" if name in dates else object)
                                 for name in columns})
        sql, params = _sql(template, family_ids, column, marker, id_range)
        return _read(sql, columns, dates, params, concatenate)

    attachments = read(
        f"""
        SELECT a.family_id, f.reference, f.team, f.lead_practitioner, a.id, {day("a.attached_on")},
               {day("a.closed_on")}, a.closure_reason, a.plan_version_id
        FROM attachment a JOIN family f ON f.id = a.family_id
        WHERE {{where}}
        """,
        [
            "family_id",
            "reference",
            "team",
            "lead_practitioner",
            "attachment_id",
            "attached_on",
            "closed_on",
            "closure_reason",
            "plan_version_id",
        ],
        ["attached_on", "closed_on"],
        column="a.family_id",
    )

    versions = _read(
        """
        SELECT v.id, p.name, v.number, p.framework_id FROM plan_version v JOIN outcomes_plan p ON p.id = v.plan_id
        """,
        ["plan_version_id", "plan_name", "number", "framework_id"],
        [],
    )
    versions["plan_label"] = versions["plan_name"] + ", version " + versions["number"].astype(str)
    versions = versions[["plan_version_id", "plan_label", "framework_id"]]
    frameworks = pd.DataFrame(
        [
            {
                "framework_id": fw.id,
                "framework": fw.code,
                "framework_name": fw.name,
                "routes": fw.routes,
                "min_problems": fw.min_problems,
                "attachment_payment_pence": fw.attachment_payment_pence,
                "result_payment_pence": fw.result_payment_pence,
                "outcome_months": fw.outcome_months_after_closure,
                "employment_rules": fw.employment_rules,
                "recurrence_reopens": fw.recurrence_reopens,
                "starts_on": fw.starts_on,
                "ends_on": fw.ends_on,
            }
            for fw in _frameworks()
        ],
        columns=FRAMEWORK_COLUMNS,
    )
    headline = _read(
        "SELECT id, number, name FROM headline_problem", ["problem_id", "problem_number", "problem_name"], []
    )
    criteria = pd.DataFrame(
        [
            {
                "criterion_id": c.id,
                "plan_version_id": c.plan_version_id,
                "problem_id": c.problem_id,
                "position": c.position,
                "kind": c.kind,
                "parameters": dict(c.parameters or {}),
                "wording": c.wording,
            }
            for c in _criteria()
        ],
        columns=["criterion_id", "plan_version_id", "problem_id", "position", "kind", "parameters", "wording"],
    )
    # With the descriptor and evidence of each: what a frozen claim line says about eligibility.
    problems = read(
        f"""
        SELECT attachment_id AS c0, family_id AS c1, problem_id AS c2, member_id AS c3,
               identified_after_attachment AS c4, descriptor_id AS c5, evidence_source AS c6,
               {day_or_text("evidence_date")} AS c7
        FROM identified_problem WHERE {{where}}
        """,
        [
            "attachment_id",
            "family_id",
            "problem_id",
            "member_id",
            "identified_after_attachment",
            "descriptor_id",
            "evidence_source",
            "evidence_date",
        ],
        ["evidence_date"],
        concatenate=True,
    )
    problems["identified_after_attachment"] = problems["identified_after_attachment"].astype(bool)
    problems["evidence_source"] = problems["evidence_source"].astype(object)
    descriptors = _read(
        "SELECT id, code, text FROM descriptor", ["descriptor_id", "descriptor_code", "descriptor_wording"], []
    )
    # One row per member, kind and period: a criterion on a measure is judged on the member(s) with the problem.
    measures = read(
        f"SELECT family_id AS c0, member_id AS c1, kind AS c2, {day_or_text('period_end')} AS c3, value AS c4 "
        "FROM measure WHERE {where}",
        ["family_id", "member_id", "kind", "period_end", "value"],
        ["period_end"],
        concatenate=True,
        evidence=True,
    )
    events = read(
        f"SELECT family_id AS c0, kind AS c1, {day_or_text('occurred_on')} AS c2 FROM event WHERE {{where}}",
        ["family_id", "kind", "occurred_on"],
        ["occurred_on"],
        concatenate=True,
        evidence=True,
    )
    # Codes as Python objects, which pandas joins faster than its own string type.
    measures["kind"] = measures["kind"].astype(object)
    events["kind"] = events["kind"].astype(object)
    spells = read(
        f"""SELECT s.family_id, s.member_id, {day("m.date_of_birth")}, {day("s.started_on")}, {day("s.ended_on")},
               s.hours_per_week, s.prior_benefit
        FROM employment_spell s JOIN member m ON m.id = s.member_id WHERE {{where}}""",
        ["family_id", "member_id", "date_of_birth", "started_on", "ended_on", "hours_per_week", "prior_benefit"],
        ["date_of_birth", "started_on", "ended_on"],
        column="s.family_id",
        evidence=True,
    )
    episodes = read(
        f"""SELECT family_id, member_id, kind, {day("started_on")}, {day("ended_on")}, end_reason
        FROM status_episode WHERE {{where}}""",
        ["family_id", "member_id", "kind", "started_on", "ended_on", "end_reason"],
        ["started_on", "ended_on"],
        evidence=True,
    )
    evidence = read(
        f"""SELECT e.family_id, e.attachment_id, e.problem_id, e.status, {day("e.progress_from")},
               {day("e.decided_on")}, u.name, e.decision_reason
        FROM manual_evidence e LEFT JOIN "user" u ON u.id = e.decided_by_id WHERE {{where}}""",
        [
            "family_id",
            "attachment_id",
            "problem_id",
            "status",
            "progress_from",
            "decided_on",
            "decided_by",
            "decision_reason",
        ],
        ["progress_from", "decided_on"],
        column="e.family_id",
        evidence=True,
    )
    # Whole-family working: each episode of early help the family was worked in (tfclaims.pathway), with the first
    # day of each element of it.
    as_day = (lambda column: f"date({column})") if d == "sqlite" else (lambda column: f"CAST({column} AS DATE)")
    working = read(
        f"""SELECT r.family_id, {day(as_day("r.received_at"))}, {day("r.closed_on")},
               (SELECT {day("MIN(" + as_day("a.allocated_at") + ")")} FROM case_allocation a WHERE a.request_id = r.id),
               (SELECT {day("MIN(s.completed_on)")} FROM assessment s WHERE s.request_id = r.id),
               (SELECT {day("MIN(p.opened_on)")} FROM family_plan p WHERE p.request_id = r.id),
               (SELECT {day("MIN(t.held_on)")} FROM taf_meeting t WHERE t.request_id = r.id)
        FROM help_request r WHERE {{where}} AND r.decision IN ('early_help', 'partner_taf', 'step_down')""",
        list(WORKING_COLUMNS),
        [c for c in WORKING_COLUMNS if c != "family_id"],
        column="r.family_id",
        evidence=True,
    )
    return Frames(
        attachments=attachments,
        versions=versions,
        frameworks=frameworks,
        problems=problems,
        headline=headline,
        criteria=criteria,
        measures=measures,
        events=events,
        spells=spells,
        episodes=episodes,
        evidence=evidence,
        descriptors=descriptors,
        working=working,
    )


def _frameworks():
    from tfclaims.outcomes_plan.models import Framework

    return db.session.scalars(db.select(Framework)).all()


def _criteria():
    from tfclaims.outcomes_plan.models import SuccessCriterion

    return db.session.scalars(db.select(SuccessCriterion)).all()


def _concat(parts: list[Frames]) -> Frames:
    first = parts[0]
    shared = {"versions", "frameworks", "headline", "criteria", "descriptors"}
    values = {}
    for name in first.__dataclass_fields__:
        if name in shared:
            values[name] = getattr(first, name)
        else:
            values[name] = pd.concat([getattr(p, name) for p in parts], ignore_index=True)
    return Frames(**values)


def evaluate_partitions(as_of: date, size: int = PARTITION_FAMILIES) -> Iterator[tuple[IdRange, Verdicts]]:
    """The whole cohort judged as of a date one partition at a time (``family_ranges``): each partition's range
    and verdicts, read and judged only when asked for, so that no more than one partition's data is held at once
    (when the caller lets each go before the next)."""
    for id_range in family_ranges(size):
        yield id_range, evaluate(load_frames(id_range=id_range), as_of)


def combine(parts: list[Verdicts]) -> Verdicts:
    """The verdicts of several partitions as one: families in reference order, problems in family order, as
    ``evaluate`` gives them for the whole cohort at once."""
    if len(parts) == 1:
        return parts[0]
    families = pd.concat([p.families for p in parts], ignore_index=True)
    families = families.sort_values("reference", kind="stable").reset_index(drop=True)
    problems = pd.concat([p.problems for p in parts], ignore_index=True)
    problems = problems.sort_values(["family_id", "problem_number"], kind="stable").reset_index(drop=True)

    def eligibility() -> pd.DataFrame:
        return pd.concat([p.eligibility for p in parts], ignore_index=True)

    return Verdicts(problems, families, eligibility)


def evaluate_cohort(
    as_of: date, family_ids: list[int] | None = None, partition: int = PARTITION_FAMILIES
) -> Verdicts:
    """Load and judge the given families (all when None) as of a date; the whole cohort in partitions of
    ``partition`` families, combined."""
    if family_ids is None:
        return combine([verdicts for _, verdicts in evaluate_partitions(as_of, partition)])
    return evaluate(load_frames(family_ids), as_of)


def evaluate_family(family_id: int, as_of: date) -> Verdicts:
    """The same computation on a one-family slice."""
    return evaluate_cohort(as_of, [family_id])


def _plain(value):
    """Pandas values as template values: dates as dates, missing as None."""
    if value is pd.NaT or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows_by_column(frame: pd.DataFrame, read_column) -> list[dict]:
    """The rows of a frame as dicts, each column converted at once by ``read_column`` (a column -> an object array),
    missing values as None: thousands of rows without a Python call per value."""
    columns = {}
    for name, column in frame.items():
        missing = column.isna().to_numpy()
        values = read_column(column)
        if missing.any():
            values = values.copy()
            values[missing] = None
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _template_column(column: pd.Series) -> np.ndarray:
    if column.dtype.kind == "M":
        return column.dt.date.to_numpy(dtype=object)
    if column.dtype == object:  # Python objects: each made plain (a Timestamp as a date, a numpy number as Python's)
        return np.array([_plain(v) for v in column.to_numpy()] + [None], dtype=object)[:-1]
    return column.to_numpy(dtype=object)  # numbers and booleans as Python's own


def _json_column(column: pd.Series) -> np.ndarray:
    if column.dtype.kind == "M":
        return np.datetime_as_string(column.to_numpy(), unit="D").astype(object)
    return column.to_numpy(dtype=object)  # numbers and booleans as Python's own


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a frame as dicts of template values (``_plain``: dates as dates, missing as None, numbers as
    Python's)."""
    return _rows_by_column(frame, _template_column)


def _json_ready(record: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in record.items()}


def _from_json(record: dict) -> dict:
    return {k: date.fromisoformat(v) if k.endswith("_on") and isinstance(v, str) else v for k, v in record.items()}


def _json_values(frame: pd.DataFrame) -> list[dict]:
    """The rows of a frame as JSON-ready dicts: dates as ISO text, missing values as None. The same values as
    ``_json_ready`` of ``records`` (a cohort has millions)."""
    return _rows_by_column(frame, _json_column)


def _payloads(verdicts: Verdicts) -> dict[int, dict]:
    """Per family: its verdict and its problems' verdicts, as JSON-ready values."""
    problems: dict[int, list[dict]] = {}
    for record in _json_values(verdicts.problems.sort_values(["family_id", "problem_number"])):
        problems.setdefault(record["family_id"], []).append(record)
    return {
        record["family_id"]: {"family": record, "problems": problems.get(record["family_id"], [])}
        for record in _json_values(verdicts.families)
    }


def filter_choices():
    """The cohort lists' filter options, read from the records (the same as ``lists.filter_choices`` of the
    cohort's frames): the teams and lead practitioners of families with an attachment, and the headline problems
    identified for any family."""
    from sqlalchemy import exists, select

    from tfclaims.engine import lists
    from tfclaims.families.models import Attachment, Family, IdentifiedProblem
    from tfclaims.outcomes_plan.models import Framework, HeadlineProblem

    attached = exists().where(Attachment.family_id == Family.id)
    people = db.session.execute(select(Family.team, Family.lead_practitioner).where(attached).distinct()).all()
    identified = pd.DataFrame(
        db.session.execute(
            select(HeadlineProblem.id, HeadlineProblem.number, HeadlineProblem.name, Framework.id, Framework.code)
            .join(Framework, Framework.id == HeadlineProblem.framework_id)
            .where(HeadlineProblem.id.in_(select(IdentifiedProblem.problem_id).distinct()))
        ).all(),
        columns=["problem_id", "problem_number", "problem_name", "framework_id", "framework"],
    )
    return lists.choices([t for t, _ in people], [p for _, p in people], identified)


# Other features' set-based reads (the early-help pathway's lists) use the same driver-level reader.
read_frame = _read
day_column = _day
