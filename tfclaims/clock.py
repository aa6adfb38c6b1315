"""Today's date, as the whole application sees it.

Every "today" in tfclaims reads ``today()``. In the demo and in tests ``TFCLAIMS_TODAY`` (YYYY-MM-DD, in the
environment or the app's config) fixes it, so the demo council can live inside the programme's own time
(Supporting Families 2022-25) whatever the real date is; ``config.load_config`` refuses it in production. Without
it, today is the real date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")


def parse_today(value: str | date | None) -> date | None:
    """The configured date, or None when none is set. Raises ValueError for text that is not YYYY-MM-DD."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def fixed() -> date | None:
    """The fixed date of the demo or a test, or None when the app runs on the real date."""
    if has_app_context():
        return current_app.config.get("TFCLAIMS_TODAY") or None
    return None


def today() -> date:
    return fixed() or date.today()


def day_of(moment: datetime) -> date:
    """The day a stored moment (timezone-aware) fell on in England, as the application sees it: under a fixed
    today, a moment after that day counts as that day (the demo's calendar stands still while real time moves on,
    so a claim signed off in the demo was signed off on the demo's today)."""
    day = moment.astimezone(LONDON).date()
    held = fixed()
    return min(day, held) if held else day


def now() -> datetime:
    """The local (Europe/London) wall-clock time, without a timezone, on the app's today: the time a request for
    early help was received or allocated is typed and kept this way."""
    return datetime.combine(today(), datetime.now(LONDON).time().replace(microsecond=0))
