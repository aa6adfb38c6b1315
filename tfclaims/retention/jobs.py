"""The nightly retention list as a background job (``tfclaims.jobs``): started at 3am by the queue's schedule
(``tfclaims.jobs.schedule``), or run at once by ``flask tfclaims retention-due``. It writes the day's list of the
families due for erasure (a retention run a manager reads at /retention; nothing is erased), deletes the files of
background jobs older than a week, and minimises partner files (``imports.services``: files left unconfirmed for a
week abandoned and deleted, and the values of rows that matched no one deleted after their days). It makes no
file."""

from __future__ import annotations

from datetime import date, datetime

from tfclaims import clock
from tfclaims.db import utcnow
from tfclaims.jobs.services import forget_old_files, runner
from tfclaims.retention.models import RetentionRun
from tfclaims.retention.services import list_due
from tfclaims.retention.vocabulary import DUE_LIST

RETENTION_DUE = "retention_due"


def nightly_list(today: date, now: datetime) -> tuple[RetentionRun, int]:
    """The day's retention list, and how many old job files were deleted. Flushes only."""
    from tfclaims.imports.services import abandon_stale, forget_unmatched

    run = list_due(today, DUE_LIST)
    abandon_stale(now)
    forget_unmatched(now)
    return run, forget_old_files(now)


@runner(RETENTION_DUE)
def retention_due(job, progress) -> None:
    progress(0, 1, "Listing the families due for erasure")
    nightly_list(clock.today(), utcnow())
    return None
