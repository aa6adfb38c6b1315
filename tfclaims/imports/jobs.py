"""Partner imports' long work, run as background jobs (``tfclaims.jobs``): reading and matching a file (the
preview), and writing its matched rows once confirmed. Neither makes a file: the import's own page shows the
outcome, and the job's page links to it."""

from __future__ import annotations

from flask import url_for

from tfclaims.extensions import db
from tfclaims.imports import services
from tfclaims.imports.models import ImportBatch
from tfclaims.imports.vocabulary import READING, WRITING
from tfclaims.jobs.services import JobRefused, runner

IMPORT_READ = "import_read"
IMPORT_WRITE = "import_write"


def batch_page(params: dict) -> str:
    return url_for("imports.batch_page", batch_id=params.get("batch_id"))


def _batch(job, status: str) -> ImportBatch | None:
    batch = db.session.get(ImportBatch, job.params.get("batch_id"))
    if batch is None:
        raise JobRefused("The import was deleted before its file was read.")
    # A job run again (a retry, a replayed queue message) after its work was done does nothing.
    return batch if batch.status == status else None


@runner(IMPORT_READ, link=batch_page)
def read_file(job, progress) -> None:
    batch = _batch(job, READING)
    if batch is not None:
        services.read_batch(batch, progress)
    return None


@runner(IMPORT_WRITE, link=batch_page)
def write_file(job, progress) -> None:
    batch = _batch(job, WRITING)
    if batch is not None:
        services.write_batch(batch, progress)
    return None
