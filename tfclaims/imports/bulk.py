"""Many rows inserted at once, straight to the database driver.

SQLAlchemy's ``insert`` with a list of rows processes every value through the column's type in Python (a date to
text for SQLite, a dict to JSON), which costs more than the insert itself at the hundreds of thousands of records a
partner file makes. Here each column's conversion is chosen once (a date's ISO text on SQLite, JSON text for JSON
columns, the type's own processing, remembered per value, for the few timestamps), and the rows go to the driver's
``executemany`` as tuples, in chunks. The same statement SQLAlchemy would have written, with the driver's own
parameter style; inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Table
from sqlalchemy.engine import Connection

CHUNK = 5_000


def _converter(column, dialect) -> Callable[[Any], Any] | None:
    kind = column.type
    if isinstance(kind, JSON):
        none_as_null = getattr(kind, "none_as_null", False)
        return lambda v: None if v is None and none_as_null else json.dumps(v)
    if isinstance(kind, DateTime):
        process = kind.dialect_impl(dialect).bind_processor(dialect)  # SQLite's: its own text format
        if process is None:
            return None
        seen: dict[Any, Any] = {}

        def remembered(value):
            if value not in seen:
                seen[value] = process(value)
            return seen[value]

        return remembered
    if isinstance(kind, Date) and dialect.name == "sqlite":
        return lambda v: v.isoformat() if isinstance(v, date) else v
    return None


def insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys, each a column of ``table``). Returns how many."""
    if not rows:
        return 0
    dialect = connection.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join([marker] * len(names))})")
    converters = [(i, c) for i, c in enumerate(_converter(column, dialect) for column in columns) if c is not None]
    for start in range(0, len(rows), CHUNK):
        chunk = []
        for row in rows[start:start + CHUNK]:
            values = [row[name] for name in names]
            for i, convert in converters:
                values[i] = convert(values[i])
            chunk.append(tuple(values))
        connection.exec_driver_sql(sql, chunk)
    return len(rows)
