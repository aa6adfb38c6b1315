"""What a partner row becomes in the register: the engine's records, and the key that says a record is already held.

Pure: a row's values (as ``sources.check`` read them) in, plain dicts out; nothing of the database.

- attendance: three measures per child and term, in % of possible sessions: attendance, unauthorised absence and
  overall absence (authorised and unauthorised), so that any plan's criterion can read them;
- exclusions: an ``exclusion`` event on its first day;
- police: an offence, anti-social behaviour or domestic abuse event on its day;
- benefits: an employment spell, with the benefit before it;
- social care: a child in need or child protection episode.

Each record has a *fact key*: the fields that say which fact it is (a child's attendance in a term is one fact, its
value another). A row whose key is already held with the same values is a duplicate (importing a file twice adds
nothing); with other values it updates the record (a spell that has since ended), keeping what it replaced so that
undoing the import puts it back.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

# The table each kind of file writes, and the fields of a record that say which fact it is.
TABLES = {"attendance": "measure", "exclusions": "event", "police": "event", "benefits": "employment_spell",
          "social_care": "status_episode"}
FACT_KEYS = {
    "measure": ("kind", "period_start", "period_end"),
    "event": ("kind", "occurred_on"),
    "employment_spell": ("started_on",),
    "status_episode": ("kind", "started_on"),
}
# The fields an import writes, per table (besides family_id, member_id and import_row_id).
FIELDS = {
    "measure": ("kind", "period_label", "period_start", "period_end", "value", "source"),
    "event": ("kind", "occurred_on", "source", "note"),
    "employment_spell": ("started_on", "ended_on", "hours_per_week", "prior_benefit", "employer"),
    "status_episode": ("kind", "started_on", "ended_on", "end_reason"),
}
# Where the facts came from, in the records' own vocabulary (``progress.vocabulary``).
MEASURE_SOURCE = "school"
EVENT_SOURCES = {"exclusions": "school", "police": "police"}
DATE_FIELDS = frozenset({"period_start", "period_end", "occurred_on", "started_on", "ended_on"})


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1)


def records(kind: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The records one valid row of a ``kind`` of file makes: each a dict of its table's ``FIELDS``."""
    if kind == "attendance":
        possible = row["Sessions possible"]
        authorised, unauthorised = row["Authorised absence"], row["Unauthorised absence"]
        period = {"period_label": row["Term"], "period_start": row["Term start"], "period_end": row["Term end"],
                  "source": MEASURE_SOURCE}
        return [
            {"kind": "attendance", **period, "value": _percent(possible - authorised - unauthorised, possible)},
            {"kind": "unauthorised_absence", **period, "value": _percent(unauthorised, possible)},
            {"kind": "overall_absence", **period, "value": _percent(authorised + unauthorised, possible)},
        ]
    if kind == "exclusions":
        sessions = row.get("Sessions")
        words = "Permanent exclusion" if row["Exclusion type"] == "permanent" else "Fixed-term exclusion"
        note = f"{words}, {sessions} session{'s' if sessions != 1 else ''}" if sessions is not None else words
        return [{"kind": "exclusion", "occurred_on": row["Exclusion date"], "source": EVENT_SOURCES[kind],
                 "note": note}]
    if kind == "police":
        reference = row.get("Reference") or ""
        return [{"kind": row["Type"], "occurred_on": row["Date"], "source": EVENT_SOURCES[kind],
                 "note": f"Police reference {reference}" if reference else ""}]
    if kind == "benefits":
        return [{"started_on": row["Started"], "ended_on": row.get("Ended"), "hours_per_week": row["Hours a week"],
                 "prior_benefit": row["Benefit before work"], "employer": row.get("Employer") or ""}]
    if kind == "social_care":
        return [{"kind": row["Episode type"], "started_on": row["Started"], "ended_on": row.get("Ended"),
                 "end_reason": row.get("End reason")}]
    raise ValueError(f"no records for a {kind} file")


def fact_key(table: str, member_id: int, record: dict[str, Any]) -> tuple:
    """Which fact a record is: its member and the fields of ``FACT_KEYS`` (dates as dates, codes as text)."""
    return (member_id, *[record[name] for name in FACT_KEYS[table]])


def same_values(table: str, held: dict[str, Any], record: dict[str, Any]) -> bool:
    """Whether a held record already says what ``record`` says (its fields compared as plain values)."""
    return all(_plain(held.get(name)) == _plain(record.get(name)) for name in FIELDS[table])


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    if value == "":
        return None
    return value


# ------------------------------------------------------------- a row's values kept as JSON


def to_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, date | time) else value for name, value in row.items()}


def from_json(row: dict[str, Any], date_columns: frozenset[str],
              time_columns: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {name: date.fromisoformat(value) if name in date_columns and value
            else time.fromisoformat(value) if name in time_columns and value else value
            for name, value in row.items()}


def latest_date(kind: str, rows: list[dict[str, Any]]) -> date | None:
    """The latest day a file's records speak of (a term's end, an event's day, a spell's start), for the history
    of imports by period."""
    if kind not in TABLES:  # the case-management export: its latest attachment or early-help request
        dated = [row[name] for row in rows for name in ("Attached on", "Request received on") if row.get(name)]
        return max(dated) if dated else None
    latest = None
    for row in rows:
        for record in records(kind, row):
            for name in DATE_FIELDS & record.keys():
                if record[name] is not None and (latest is None or record[name] > latest):
                    latest = record[name]
    return latest
