"""The words of background jobs: their states, and the kinds of work a user can start."""

from __future__ import annotations

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = {
    QUEUED: "Waiting to start",
    RUNNING: "In progress",
    DONE: "Ready",
    FAILED: "Failed",
}
FINISHED = frozenset({DONE, FAILED})

# A job's file holds personal data (a claim pack names every family): it is deleted this many days after it was made
# (``services.forget_old_files``, run with the nightly retention list); the job's row stays, without its file.
FILE_DAYS = 7

# Attempts before a job is shown as failed: the first run and this many retries.
RETRIES = 2
RETRY_DELAY_SECONDS = 5

# What went wrong, in plain words, when a job failed in an unexpected way (the details go to the log, without
# personal data).
UNEXPECTED = (
    "Something went wrong while the file was being made. Try again; if it fails again, tell your administrator."
)

# When the queue could not take the job (its broker is down): the job fails at once rather than wait for ever.
NOT_STARTED = (
    "This could not be started, because the service that does work in the background is not answering. Try again "
    "in a few minutes; if it still fails, tell your administrator."
)

# A job waiting or running this long has been lost (its worker stopped): the sweep (``services.sweep_stuck``, every
# 10 minutes on the schedule) shows it as failed, in these words.
STUCK_MINUTES = 60
STUCK = (
    f"The work stopped before it finished: it had not finished after {STUCK_MINUTES} minutes. Try again; if it "
    "fails again, tell your administrator."
)

# Each kind of job in words, for the list of every job (a kind not named here shows as its name).
KIND_LABELS = {
    "claim_pack": "Claim pack (PDF)",
    "claim_xlsx": "Claim submission file (Excel)",
    "scorecard_pdf": "Scorecard (PDF)",
    "verdict_refresh": "Nightly verdict refresh",
    "retention_due": "Nightly retention list",
    "import_read": "Partner file read and matched",
    "import_write": "Partner file imported",
}
