"""Input that cannot be stored or counted is refused at the door: ids, numbers in query strings, NUL characters.

* ``BoundedIntConverter`` replaces Flask's ``int`` URL converter: an id above 2**31 - 1 (the largest PostgreSQL
  ``integer``) cannot name a row, so the route does not match and the user gets the 404 page, never a 500.
* ``query_int`` reads a number from the query string and gives the default when it is not a plain number in range.
* ``refuse_control_characters`` runs before every request: NUL and the other C0 control characters (bar tab, line
  feed and carriage return) in a query string, form field or file name answer 400 with the GOV.UK "bad request"
  page. PostgreSQL cannot store NUL in text, and no form of tfclaims asks for control characters.
"""

from __future__ import annotations

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL integer
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only 0 to 2**31 - 1, so a huge id is a 404 (as no such row can exist)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int = 10**6) -> int:
    """A whole number from the query string, or ``default`` when it is missing, not plain digits or out of range."""
    raw = (request.args.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def refuse_control_characters() -> None:
    """Abort with 400 when any name or value of the query string or form, or an uploaded file's name, holds a
    control character (NUL above all)."""
    texts = [request.path]
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            texts.append(key)
            texts.extend(values)
    for key, storage in request.files.items(multi=True):
        texts.extend([key, storage.filename or ""])
    if any(has_control_characters(t) for t in texts):
        abort(400)
