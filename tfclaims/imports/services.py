"""Partner imports as use cases: upload, read and match (the preview), confirm (write), review, abandon, undo.

Flushes, never commits (the request, or the job, commits once). The long work (reading and matching a file,
writing its records) runs as background jobs (``imports.jobs``), which call ``read_batch`` and ``write_batch``.

Rows and records are written set-wise with SQLAlchemy Core (a file has thousands of lines); each batch's changes are
audited as events naming the batch (uploaded, read, confirmed, abandoned, undone, each review decision) and, for
every family whose records an import changed, one event naming the family with what it gained, in the same
transaction. Row values (names, dates of birth) never go into the audit trail or the logs.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import bindparam, delete, select, update

from tfclaims import clock
from tfclaims.audit import services as audit
from tfclaims.audit.models import AuditEvent
from tfclaims.audit.services import CHANGED_FAMILIES
from tfclaims.db import utcnow, writing_now
from tfclaims.errors import DomainError, NotAllowedError
from tfclaims.extensions import db
from tfclaims.families.models import Member
from tfclaims.imports import bulk, casework, linkage, queries, reading, records, sources
from tfclaims.imports.models import ImportBatch, ImportRow, ImportSource
from tfclaims.imports.vocabulary import (
    ABANDONED,
    ACCEPTED,
    AUTO,
    CONFIRMED,
    CREATED,
    DUPLICATE,
    EXACT,
    IDENTIFIERS_DISAGREE,
    INVALID,
    NEW,
    NO_CANDIDATE,
    PREVIEWED,
    READING,
    REFUSED,
    REJECTED,
    REJECTED_IN_REVIEW,
    REVIEW,
    UNDONE,
    UNMATCHED,
    UPDATED,
    WEAK_CANDIDATE,
    WRITING,
    WRITTEN,
)

Progress = Callable[[int, int, str], None]

# The source's identifier columns -> the register's.
IDENTIFIER_COLUMNS = {"UPN": "upn", "NHS number": "nhs_number", "NI number": "ni_number",
                      "PNC number": "pnc_number", "Case reference": "case_reference"}
CHUNK = 5_000


def _no_progress(done: int, total: int, step: str) -> None:
    return None


def _source(kind: str) -> sources.Source:
    if kind not in sources.SOURCES:
        raise DomainError("Choose the kind of partner file", field="kind")
    return sources.SOURCES[kind]


def _event(action: str, batch: ImportBatch, summary: str, changes: dict | None = None) -> None:
    audit.record(db.session, action, "import_batch", batch.id, summary, changes or {})


# ------------------------------------------------------------------ upload, mapping, abandon


def upload(kind: str, filename: str, content: bytes, user) -> ImportBatch:
    """Keep an uploaded file as a batch to be read (by a job, which the caller starts). Refuses an empty or too
    large file, and a file already imported (the same bytes) with the import named."""
    source = _source(kind)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    if not content:
        raise DomainError("The file is empty (0 bytes): choose the file again, or export it again from its system.",
                          field="file")
    if len(content) > limit:
        raise DomainError(f"The file is larger than the {_megabytes(limit)} tfclaims takes at once: split it into "
                          "smaller files (by school or by month, for example).", field="file")
    sha256 = hashlib.sha256(content).hexdigest()
    earlier = queries.confirmed_with_hash(kind, sha256)
    if earlier is not None:
        raise DomainError(f"This file was already imported on {earlier.confirmed_at:%d/%m/%Y} (import "
                          f"{earlier.id}, {earlier.filename}): importing it again would add nothing.", field="file")
    batch = ImportBatch(kind=kind, filename=(filename or "upload")[-200:], sha256=sha256, size=len(content),
                        uploaded_by_id=user.id, status=READING, content=content,
                        column_mapping=queries.mapping_for(kind))
    db.session.add(batch)
    db.session.flush()
    _event("uploaded", batch, f"{source.title} file uploaded: {batch.filename}", {"size": len(content)})
    return batch


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def remap(batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Say which of the file's headings holds each of the source's columns; remembered for the kind's next file,
    and the file read again (by a job, which the caller starts)."""
    if batch.status not in (PREVIEWED, REFUSED) or not batch.has_file:
        raise NotAllowedError("This file can no longer be read again: upload it again.")
    source = _source(batch.kind)
    chosen = {name: heading for name, heading in mapping.items()
              if heading and name in {c.name for c in source.columns} and heading in batch.headings}
    twice = [h for h, n in Counter(chosen.values()).items() if n > 1]
    if twice:
        raise DomainError(f"The heading {twice[0]!r} is chosen for more than one column: choose each heading once.")
    remembered = db.session.scalar(select(ImportSource).where(ImportSource.kind == batch.kind))
    if remembered is None:
        remembered = ImportSource(kind=batch.kind, column_mapping=chosen)
        db.session.add(remembered)
    else:
        remembered.column_mapping = chosen
    batch.column_mapping = chosen
    batch.status, batch.refusal = READING, ""
    db.session.flush()
    return batch


def abandon(batch: ImportBatch, user) -> ImportBatch:
    """Drop a file that was read but not confirmed: its bytes and rows are deleted."""
    if batch.status not in (PREVIEWED, REFUSED):
        raise NotAllowedError(f"This import is {batch.status_text.lower()}: only a file not yet confirmed can be "
                              "abandoned.")
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    batch.status, batch.content, batch.file_deleted_at = ABANDONED, None, utcnow()
    batch.finished_at, batch.finished_by_id = utcnow(), user.id
    db.session.flush()
    _event("abandoned", batch, f"Partner file {batch.id} abandoned before import; the file and its rows deleted")
    return batch


# ------------------------------------------------------------------ reading and matching (the preview)


def read_batch(batch: ImportBatch, progress: Progress = _no_progress,
               thresholds: linkage.Thresholds | None = None) -> ImportBatch:
    """Read the file, check every row, and match the valid rows to the register (identifiers first, then Splink),
    keeping every row's outcome for the preview. Nothing of the register is written. Flushes."""
    writing_now()
    source = _source(batch.kind)
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    progress(0, 4, "Reading the file")
    try:
        table = reading.read_table(batch.content or b"", batch.filename,
                                   max_rows=current_app.config["IMPORT_MAX_ROWS"])
    except reading.Unreadable as unreadable:
        return _refuse(batch, str(unreadable), [])
    batch.headings = list(table.headings)
    progress(1, 4, "Checking every row")
    checked = sources.check(source, table, clock.today(), batch.column_mapping)
    del table  # a large file's cells: its values are in ``checked`` now
    if checked.refused:
        return _refuse(batch, " ".join(p.reason + "." for p in checked.problems if p.row == 1),
                       list(batch.headings))
    if batch.kind == casework.KIND:  # problem codes checked against the plan in force on the attachment date
        extra = casework.descriptor_problems([(r.number, r.values) for r in checked.rows])
        checked.rows = [r for r in checked.rows if r.number not in extra]
        checked.problems += [sources.Problem(number, p["column"], p["reason"])
                             for number, found in sorted(extra.items()) for p in found]
    progress(2, 4, "Matching people to the register")
    matches = match(checked.rows, thresholds or _thresholds())
    families = _families_of([m["member_id"] for m in matches.values() if m["member_id"] is not None])
    if batch.kind == casework.KIND:  # the early-help columns, row with row and with what tfclaims holds
        extra = casework.pathway_problems(checked.rows, matches, families)
        checked.rows = [r for r in checked.rows if r.number not in extra]
        checked.problems += [sources.Problem(number, p["column"], p["reason"])
                             for number, found in extra.items() for p in found]
    progress(3, 4, "Keeping the preview")
    by_row: dict[int, list[dict[str, str]]] = defaultdict(list)
    for problem in checked.problems:
        by_row[problem.row].append({"column": problem.column, "reason": problem.reason})
    invalid = [{"batch_id": batch.id, "row_number": number, "status": INVALID, "reasons": reasons, "values": None,
                "member_id": None, "family_id": None, "match_probability": None, "match_weight": None,
                "candidates": [], "outcome": "", "replaced": []} for number, reasons in sorted(by_row.items())]
    _insert(ImportRow.__table__, invalid)
    counted = Counter({INVALID: len(invalid)})
    for start in range(0, len(checked.rows), CHUNK):  # a chunk at a time: a file's rows as JSON are large
        lines = []
        for row in checked.rows[start:start + CHUNK]:
            found = matches[row.number]
            counted[found["status"]] += 1
            lines.append({"batch_id": batch.id, "row_number": row.number, "values": records.to_json(row.values),
                          "family_id": families.get(found["member_id"]), "outcome": "", "replaced": [], **found})
        _insert(ImportRow.__table__, lines)
    batch.counts = {"received": checked.received, "valid": len(checked.rows), "invalid": checked.invalid_rows,
                    **{status: counted.get(status, 0) for status in (EXACT, AUTO, REVIEW, UNMATCHED)},
                    "unused_headings": list(checked.unused_headings)}
    batch.period_label = _period(batch.kind, [r.values for r in checked.rows])
    batch.status = PREVIEWED
    db.session.flush()
    _event("read", batch, f"Partner file {batch.id} read: {checked.received} rows, {len(checked.rows)} valid, "
                          f"{counted.get(EXACT, 0) + counted.get(AUTO, 0)} matched",
           {k: v for k, v in batch.counts.items() if k != "unused_headings"})
    return batch


def _refuse(batch: ImportBatch, reason: str, headings: list[str]) -> ImportBatch:
    batch.status, batch.refusal, batch.headings, batch.counts = REFUSED, reason[:600], headings, {}
    db.session.flush()
    _event("refused", batch, f"Partner file {batch.id} could not be imported")
    return batch


def _thresholds() -> linkage.Thresholds:
    config = current_app.config
    return linkage.Thresholds(auto=config["IMPORT_AUTO_PROBABILITY"], review=config["IMPORT_REVIEW_PROBABILITY"])


def _period(kind: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    if kind == "attendance":
        return Counter(row["Term"] for row in rows).most_common(1)[0][0][:60]
    latest = records.latest_date(kind, rows)
    return f"to {latest:%B %Y}" if latest else ""


def _families_of(member_ids: list[int]) -> dict[int, int]:
    ids = sorted(set(member_ids))
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(db.session.execute(
            select(Member.id, Member.family_id).where(Member.id.in_(ids[start:start + CHUNK]))).all())
    return found


def person_frame(rows: list[sources.ValidRow]) -> pd.DataFrame:
    """The rows' person columns as linkage reads them."""
    frame = pd.DataFrame({
        "row": [r.number for r in rows],
        "forename": [r.values.get("Forename") for r in rows],
        "surname": [r.values.get("Surname") for r in rows],
        "date_of_birth": [r.values.get("Date of birth") for r in rows],
        "sex": [r.values.get("Sex") for r in rows],
        "postcode": [r.values.get("Postcode") for r in rows],
    })
    for column, name in IDENTIFIER_COLUMNS.items():
        frame[name] = pd.Series([r.values.get(column) for r in rows], dtype=object)
    return frame


def match(rows: list[sources.ValidRow], thresholds: linkage.Thresholds) -> dict[int, dict[str, Any]]:
    """Each valid row's match: status (exact, auto, review, unmatched), member_id, probability, weight, candidates
    and the reason it is unmatched."""
    if not rows:
        return {}
    register = queries.register()
    people = person_frame(rows)
    found: dict[int, dict[str, Any]] = {}
    firsts = linkage.exact(register, people) if not register.empty else None
    if firsts is not None:
        for row, member_id, identifier, outcome in firsts.itertuples(index=False, name=None):
            if outcome == linkage.EXACT:
                found[row] = _matched(EXACT, member_id, 1.0, None, [])
            elif outcome == linkage.CONFLICT:
                found[row] = _matched(UNMATCHED, None, None, None, [], IDENTIFIERS_DISAGREE)
            else:  # doubtful: the identifier's member, for a coordinator to judge
                found[row] = _matched(REVIEW, None, None, None, [
                    {"member_id": int(member_id), "probability": None, "weight": None, "levels": {},
                     "identifier": identifier}])
    rest = people[~people["row"].isin(list(found))]
    if not rest.empty and not register.empty:
        linked = linkage.link(register, rest, thresholds)
        for line in linked.itertuples(index=False):
            probability = float(line.match_probability)
            weight = float(line.match_weight) if pd.notna(line.match_weight) else None
            weight = weight if weight is not None and weight != float("-inf") else None
            member_id = int(line.member_id) if pd.notna(line.member_id) else None
            if line.decision == linkage.AUTO:
                found[line.row] = _matched(AUTO, member_id, probability, weight, line.candidates)
            elif line.decision == linkage.REVIEW:
                found[line.row] = _matched(REVIEW, None, probability, weight, line.candidates)
            else:
                reason = NO_CANDIDATE if member_id is None else WEAK_CANDIDATE
                found[line.row] = _matched(UNMATCHED, None, probability if member_id else None, weight,
                                           line.candidates, reason)
    for row in people["row"].tolist():
        if row not in found:
            found[row] = _matched(UNMATCHED, None, None, None, [], NO_CANDIDATE)
    return found


def _matched(status: str, member_id, probability, weight, candidates, reason: str = "") -> dict[str, Any]:
    return {"status": status, "member_id": int(member_id) if member_id is not None else None,
            "match_probability": probability, "match_weight": weight, "candidates": list(candidates),
            "reasons": [{"column": "", "reason": reason}] if reason else []}


def _insert(table, lines: list[dict[str, Any]]) -> None:
    """Insert many rows at once, straight to the database driver: SQLAlchemy's per-value processing costs more than
    the insert itself at a file's hundreds of thousands of records (``bulk.insert``)."""
    bulk.insert(db.session.connection(), table, lines)


# ------------------------------------------------------------------ confirming: writing the matched rows


def confirm(batch: ImportBatch, user) -> ImportBatch:
    """Accept the preview: the matched rows are written (by a job, which the caller starts)."""
    if batch.status != PREVIEWED:
        raise NotAllowedError(f"This import is {batch.status_text.lower()}: only a file ready to confirm can be "
                              "imported.")
    earlier = queries.confirmed_with_hash(batch.kind, batch.sha256)
    if earlier is not None:
        raise NotAllowedError(f"This file was already imported (import {earlier.id}): importing it again would "
                              "add nothing.")
    batch.status, batch.confirmed_by_id = WRITING, user.id
    db.session.flush()
    return batch


def write_batch(batch: ImportBatch, progress: Progress = _no_progress) -> ImportBatch:
    """Write every matched row of a confirmed file as the engine's records, all or none (the job's transaction),
    then delete the file. Flushes."""
    writing_now()
    progress(0, 2, "Writing the records")
    if batch.kind == casework.KIND:
        written = casework.write(batch, queries.rows_of(batch.id, (EXACT, AUTO, UNMATCHED)))
        _recount(batch)
    else:
        written = _write_rows(batch, queries.matched_lines(batch.id, (EXACT, AUTO)), whole=True)
    progress(1, 2, "Deleting the uploaded file")
    batch.counts = {**batch.counts, **written}
    batch.status, batch.confirmed_at = CONFIRMED, utcnow()
    batch.content, batch.file_deleted_at = None, utcnow()
    db.session.flush()
    _event("confirmed", batch, f"Partner file {batch.id} imported: {written['created']} records created, "
                               f"{written['updated']} updated, {written['duplicates']} already held",
           {k: v for k, v in batch.counts.items() if k != "unused_headings"})
    return batch


def _write_rows(batch: ImportBatch, rows: list, whole: bool = False) -> dict[str, int]:
    """Write the rows' records: a fact already held with the same values is skipped, with other values updated
    (what it replaced kept on the row); the rest inserted. One audit event per family changed."""
    kind, table_name = batch.kind, records.TABLES[batch.kind]
    table = db.metadata.tables[table_name]
    dates = frozenset(c.name for c in sources.SOURCES[kind].columns if c.holds == "date")
    made = {row.id: records.records(kind, records.from_json(row.values or {}, dates)) for row in rows}
    held = _held(table, sorted({row.member_id for row in rows if row.member_id is not None}),
                 [record for made_of_row in made.values() for record in made_of_row])
    now = utcnow()
    inserts: dict[tuple, dict[str, Any]] = {}
    updates: list[dict[str, Any]] = []
    outcome: dict[int, str] = {}
    replaced: dict[int, list[dict[str, Any]]] = defaultdict(list)
    per_family: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        if row.member_id is None or row.family_id is None:
            continue
        results = []
        for record in made[row.id]:
            key = records.fact_key(table_name, row.member_id, record)
            values = {"family_id": row.family_id, "member_id": row.member_id, "import_row_id": row.id, **record}
            if key in held:
                record_id, before = held[key]
                if records.same_values(table_name, before, record):
                    results.append(DUPLICATE)
                    continue
                updates.append({"_id": record_id, **values, "updated_at": now})
                replaced[row.id].append({"table": table_name, "id": record_id, "values": _jsonable(before)})
                held[key] = (record_id, {**before, **record, "import_row_id": row.id})
                results.append(UPDATED)
            else:
                inserts[key] = {**values, "created_at": now, "updated_at": now}
                results.append(CREATED)
        outcome[row.id] = CREATED if CREATED in results else UPDATED if UPDATED in results else DUPLICATE
        per_family[row.family_id][outcome[row.id]] += 1
    _insert(table, list(inserts.values()))
    if updates:
        columns = ("family_id", "member_id", "import_row_id", *records.FIELDS[table_name], "updated_at")
        statement = (update(table).where(table.c.id == bindparam("_id"))
                     .values({name: bindparam(name) for name in columns}))
        for start in range(0, len(updates), CHUNK):
            db.session.connection().execute(statement, updates[start:start + CHUNK])
    _set_outcomes([row.id for row in rows], outcome, replaced, whole=batch if whole else None)
    _family_events(batch, per_family)
    counted = Counter(outcome.values())
    return {"created": counted.get(CREATED, 0), "updated": counted.get(UPDATED, 0),
            "duplicates": counted.get(DUPLICATE, 0)}


def _held(table, member_ids: list[int], made: list[dict[str, Any]]) -> dict[tuple, tuple[int, dict[str, Any]]]:
    """The records the members already have in the table that could be the same facts as ``made`` (the same first
    date of their fact key, when the file speaks of a few: a term, a month), by their fact key."""
    name = table.name
    columns = [table.c.id, table.c.member_id, table.c.import_row_id,
               *(table.c[f] for f in records.FIELDS[name])]
    day = next(f for f in records.FACT_KEYS[name] if f in records.DATE_FIELDS)
    days = {record[day] for record in made}
    narrower = [table.c[day].in_(sorted(days))] if len(days) <= 400 else []
    held: dict[tuple, tuple[int, dict[str, Any]]] = {}
    for start in range(0, len(member_ids), CHUNK):
        for line in db.session.execute(select(*columns).where(
                table.c.member_id.in_(member_ids[start:start + CHUNK]), *narrower)).mappings():
            values = {f: line[f] for f in records.FIELDS[name]}
            values["import_row_id"] = line["import_row_id"]
            held[records.fact_key(name, line["member_id"], values)] = (line["id"], values)
    return held


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _set_outcomes(row_ids: list[int], outcome: dict[int, str], replaced: dict[int, list[dict[str, Any]]],
                  whole: ImportBatch | None = None) -> None:
    """Each written row's outcome. For a ``whole`` batch (most of its rows new records) the matched rows are set
    created in one statement, and the others (updates, duplicates, a row whose person has gone) one by one."""
    table = ImportRow.__table__
    others = {row_id: outcome.get(row_id, "") for row_id in row_ids}
    if whole is not None:
        db.session.execute(update(table).where(table.c.batch_id == whole.id, table.c.status.in_((EXACT, AUTO)))
                           .values(outcome=CREATED))
        others = {row_id: value for row_id, value in others.items() if value != CREATED or row_id in replaced}
    if not others:
        return
    statement = (update(table).where(table.c.id == bindparam("_id"))
                 .values(outcome=bindparam("outcome"), replaced=bindparam("replaced")))
    params = [{"_id": row_id, "outcome": value, "replaced": replaced.get(row_id, [])}
              for row_id, value in others.items()]
    for start in range(0, len(params), CHUNK):
        db.session.connection().execute(statement, params[start:start + CHUNK])


def _family_events(batch: ImportBatch, per_family: dict[int, Counter], action: str = "imported") -> None:
    """One audit event per family whose records the import changed (no values: the family's page has them), and
    each family noted as changed so that its verdict is judged again once the transaction commits."""
    actor_id, actor_label = audit.current_actor()
    title = sources.SOURCES[batch.kind].title
    now = utcnow()
    lines = []
    for family_id, counted in sorted(per_family.items()):
        if action == "imported":
            summary = (f"{title} from partner file {batch.id}: {counted.get(CREATED, 0)} rows added, "
                       f"{counted.get(UPDATED, 0)} updated, {counted.get(DUPLICATE, 0)} already held")
        else:
            summary = f"{title} from partner file {batch.id} removed: the import was undone"
        lines.append({"at": now, "actor_id": actor_id, "actor_label": actor_label, "action": action,
                      "entity": "import_batch", "entity_id": batch.id, "family_id": family_id,
                      "summary": summary[:300], "changes": dict(counted)})
    _insert(AuditEvent.__table__, lines)
    db.session.info.setdefault(CHANGED_FAMILIES, set()).update(per_family)


# ------------------------------------------------------------------ review


def candidate_ids(row: ImportRow) -> list[int]:
    return [int(c["member_id"]) for c in row.candidates or []]


def accept(row: ImportRow, member_id: int, user) -> ImportRow:
    """A coordinator's decision: the row is this member (one of its candidates). Its records are written now."""
    batch = _reviewable(row)
    if int(member_id) not in candidate_ids(row):
        raise DomainError("Choose one of the people offered", field="member_id")
    member = db.session.get(Member, int(member_id))
    if member is None:
        raise NotAllowedError("That person is no longer in the register: choose another, or reject the match.")
    row.status, row.member_id, row.family_id = ACCEPTED, member.id, member.family_id
    row.decided_by_id, row.decided_at = user.id, utcnow()
    db.session.flush()
    written = casework.write(batch, [row]) if batch.kind == casework.KIND else _write_rows(batch, [row])
    _recount(batch)
    _event("match_accepted", batch, f"Row {row.row_number} of partner file {batch.id} matched in review",
           {"row": row.row_number, "member_id": member.id, **written})
    return row


def reject(row: ImportRow, user) -> ImportRow:
    """A coordinator's decision: no one offered is this person. The row is unmatched, with that reason."""
    batch = _reviewable(row)
    row.status, row.member_id, row.family_id = REJECTED, None, None
    row.reasons = [{"column": "", "reason": REJECTED_IN_REVIEW}]
    row.decided_by_id, row.decided_at = user.id, utcnow()
    db.session.flush()
    _recount(batch)
    _event("match_rejected", batch, f"Row {row.row_number} of partner file {batch.id} rejected in review",
           {"row": row.row_number})
    return row


def add_as_new(row: ImportRow, user) -> ImportRow:
    """A coordinator's decision on a row of the case-management export: no one in the register is this person,
    so they are added to their family (made when the register does not hold it)."""
    batch = _reviewable(row)
    if batch.kind != casework.KIND:
        raise NotAllowedError("Only a person in the case-management export can be added to the register.")
    row.status = UNMATCHED  # written below as a new person (casework: status "new")
    row.decided_by_id, row.decided_at = user.id, utcnow()
    db.session.flush()
    written = casework.write(batch, [row])
    _recount(batch)
    _event("match_added", batch, f"Row {row.row_number} of partner file {batch.id} added to the register as a new "
                                 "person", {"row": row.row_number, **written})
    return row


def accept_at_least(probability: float, expected: int, user, kind: str | None = None) -> int:
    """Accept every row waiting for review whose best candidate is at least ``probability`` likely, matching each
    to that candidate. ``expected`` is the count the coordinator was shown: if rows arrived or were decided
    meanwhile, nothing is done and the count is shown again."""
    rows = queries.review_rows_at_least(probability, kind)
    if len(rows) != expected:
        raise NotAllowedError(f"The number of matches at or above that likelihood changed to {len(rows)} while you "
                              "were deciding: check the count and confirm again.")
    for row in rows:
        accept(row, candidate_ids(row)[0], user)
    return len(rows)


def _reviewable(row: ImportRow) -> ImportBatch:
    batch = db.session.get(ImportBatch, row.batch_id)
    if row.status != REVIEW or batch is None or batch.status != CONFIRMED:
        raise NotAllowedError("This match was already decided, or its import was undone.")
    return batch


def _recount(batch: ImportBatch) -> None:
    from sqlalchemy import func

    counted = dict(db.session.execute(
        select(ImportRow.status, func.count()).where(ImportRow.batch_id == batch.id).group_by(ImportRow.status)
    ).all())
    outcomes = dict(db.session.execute(
        select(ImportRow.outcome, func.count()).where(ImportRow.batch_id == batch.id, ImportRow.outcome != "")
        .group_by(ImportRow.outcome)
    ).all())
    batch.counts = {**batch.counts, **{s: counted.get(s, 0) for s in (EXACT, AUTO, ACCEPTED, REVIEW, REJECTED,
                                                                        UNMATCHED, NEW)},
                    "created": outcomes.get(CREATED, 0), "updated": outcomes.get(UPDATED, 0),
                    "duplicates": outcomes.get(DUPLICATE, 0)}
    db.session.flush()


# ------------------------------------------------------------------ undo


def claims_resting_on(batch: ImportBatch) -> list[str]:
    """The claims built, since the import, on a family that gained records from it (and still hold it)."""
    from sqlalchemy import and_

    from tfclaims.claims.models import Claim, ClaimLine

    families = select(ImportRow.family_id).where(ImportRow.batch_id == batch.id, ImportRow.status.in_(WRITTEN),
                                                 ImportRow.outcome.in_((CREATED, UPDATED)))
    query = (select(Claim.reference).join(ClaimLine, ClaimLine.claim_id == Claim.id)
             .where(and_(ClaimLine.family_id.in_(families), ClaimLine.holds_family.is_(True),
                         Claim.built_at >= batch.confirmed_at))
             .distinct().order_by(Claim.reference))
    return list(db.session.scalars(query))


def undo(batch: ImportBatch, user) -> ImportBatch:
    """Take a whole import back: the records it created are deleted and those it updated put back as they were,
    unless a claim was built since on a family it changed (the refusal names the claims)."""
    if batch.status != CONFIRMED:
        raise NotAllowedError(f"This import is {batch.status_text.lower()}: only an import that was confirmed can "
                              "be undone.")
    claims = claims_resting_on(batch)
    if claims:
        raise NotAllowedError("This import cannot be undone: the claims " + ", ".join(claims) + " were built on "
                              "families it gave records to. Withdraw those families from the claims first.")
    rows = queries.rows_of(batch.id, WRITTEN)
    if batch.kind == casework.KIND and (refusal := casework.undo_refusal(rows)):
        raise NotAllowedError(refusal)
    writing_now()
    per_family = casework.undo(rows) if batch.kind == casework.KIND else _undo_records(batch, rows)
    db.session.execute(update(ImportRow.__table__).where(ImportRow.batch_id == batch.id)
                       .values(outcome="", replaced=[]))
    batch.status, batch.finished_at, batch.finished_by_id = UNDONE, utcnow(), user.id
    db.session.flush()
    _family_events(batch, per_family, action="import_undone")
    _event("undone", batch, f"Partner file {batch.id} undone: its records removed")
    return batch


def _undo_records(batch: ImportBatch, rows: list[ImportRow]) -> dict[int, Counter]:
    table = db.metadata.tables[records.TABLES[batch.kind]]
    row_ids = [row.id for row in rows]
    per_family: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        if row.outcome in (CREATED, UPDATED) and row.family_id is not None:
            per_family[row.family_id][row.outcome] += 1
    # Put back what updates replaced, newest row first (a later row of the file may have updated the same record).
    for row in sorted(rows, key=lambda r: r.id, reverse=True):
        for change in row.replaced or []:
            before = records.from_json(change["values"], records.DATE_FIELDS)
            db.session.execute(update(table).where(table.c.id == change["id"]).values(**before))
    for start in range(0, len(row_ids), CHUNK):
        db.session.execute(delete(table).where(table.c.import_row_id.in_(row_ids[start:start + CHUNK])))
    return per_family


# ------------------------------------------------------------------ data minimisation


# A file read but neither confirmed nor abandoned is abandoned (and deleted) after this many days.
STALE_DAYS = 7


def abandon_stale(now: datetime, days: int = STALE_DAYS) -> int:
    """Abandon the files read (or refused) but left unconfirmed for ``days``: their bytes and rows are deleted, as
    if abandoned by hand. Returns how many. Flushes."""
    stale = list(db.session.scalars(select(ImportBatch).where(
        ImportBatch.status.in_((PREVIEWED, REFUSED)), ImportBatch.created_at < now - timedelta(days=days))))
    for batch in stale:
        db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
        batch.status, batch.content, batch.file_deleted_at, batch.finished_at = ABANDONED, None, now, now
        db.session.flush()
        _event("abandoned", batch, f"Partner file {batch.id} abandoned: left unconfirmed for {days} days, the file "
                                   "and its rows deleted")
    return len(stale)


def forget_unmatched(now: datetime) -> int:
    """Delete the values of rows that matched no one (or were rejected, or were invalid) once they are older than
    the retention setting: what is left is the count and the reason. Returns how many rows. Flushes."""
    days = current_app.config["IMPORT_UNMATCHED_DAYS"]
    limit = now - timedelta(days=days)
    old = select(ImportBatch.id).where(ImportBatch.created_at < limit)
    result = db.session.execute(
        update(ImportRow.__table__)
        .where(ImportRow.batch_id.in_(old), ImportRow.status.in_((UNMATCHED, REJECTED, INVALID)),
               ImportRow.values.is_not(None))
        .values(values=None).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
