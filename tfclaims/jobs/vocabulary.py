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
