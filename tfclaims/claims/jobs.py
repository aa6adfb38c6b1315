"""The claims' long work, run as background jobs (``tfclaims.jobs``): the claim pack PDF and the submission file
(Excel)."""

from __future__ import annotations

from flask import current_app

from tfclaims.claims import exports
from tfclaims.claims.models import Claim, ClaimLine
from tfclaims.db import utcnow
from tfclaims.extensions import db
from tfclaims.jobs.services import JobRefused, runner
from tfclaims.spreadsheet import XLSX

CLAIM_PACK = "claim_pack"
CLAIM_XLSX = "claim_xlsx"


def claim_families(params: dict) -> list[int]:
    """The families a claim's files name: every line's family (the read recorded when the file is downloaded)."""
    from sqlalchemy import select

    return sorted(db.session.scalars(
        select(ClaimLine.family_id).where(ClaimLine.claim_id == params.get("claim_id"),
                                          ClaimLine.family_id.is_not(None)).distinct()
    ))


def pack_file_name(claim: Claim, extension: str = "pdf") -> str:
    return f"{claim.reference.lower().replace(' ', '-')}.{extension}"


def _claim(job, what: str) -> Claim:
    claim = db.session.get(Claim, job.params.get("claim_id"))
    if claim is None:
        raise JobRefused(f"The claim was deleted after the {what} was asked for, so there is nothing to make.")
    return claim


@runner(CLAIM_PACK, families=claim_families)
def claim_pack(job, progress) -> tuple[str, str, bytes]:
    claim = db.session.get(Claim, job.params.get("claim_id"))
    if claim is None:
        raise JobRefused("The claim was deleted after the claim pack was asked for, so there is nothing to print.")
    config = current_app.config
    content = exports.pack_pdf(claim, config["COUNCIL_CODE"], config["COUNCIL_NAME"], utcnow(), progress)
    return pack_file_name(claim), "application/pdf", content


@runner(CLAIM_XLSX, families=claim_families)
def claim_xlsx(job, progress) -> tuple[str, str, bytes]:
    """The claim's submission file as a spreadsheet: the same workbook the claim page used to give at once."""
    claim = _claim(job, "submission file")
    progress(0, 1, "Writing the spreadsheet")
    config = current_app.config
    content = exports.xlsx_bytes(claim, config["COUNCIL_CODE"], config["COUNCIL_NAME"])
    return pack_file_name(claim, "xlsx"), XLSX, content
