"""The claim figures of ``make bench``: build a claim of N families, send it to audit, render its exports.

Runs on the benchmark's cohort as of ``--as-of``: a claim window ending that day (open until a month from today),
a claims officer, then the timings of listing the claimable families, building the frozen draft claim (one
snapshot and hash per family, one audit event per line), drawing the audit sample, and writing the CSV, the XLSX
and the claim pack PDF. The claim, its window and their audit events are deleted afterwards, so ``--reuse`` finds
the database as before.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from importlib.util import find_spec

from sqlalchemy import delete, select

from bench.cohort import DOMAIN

OFFICER_EMAIL = f"claims-officer@{DOMAIN}"


def _line(label: str, value: str, width: int = 34) -> None:
    print(f"  {label:<{width}} {value}")


def time_claim(app, as_of: date, families: int) -> dict[str, float]:
    """Returns issue 17's ratios measured here: ``claim`` (building the claim against judging its families alone)
    and ``pack`` (the claim pack against the pack as drawn before, ``bench.pack_reference``)."""
    from tfclaims.audit.models import AuditEvent
    from tfclaims.auth.models import User
    from tfclaims.auth.roles import Role
    from tfclaims.auth.services import create_user
    from tfclaims.claims import exports, services
    from tfclaims.claims.models import Claim, ClaimLine, ClaimWindow
    from tfclaims.db import utcnow
    from tfclaims.extensions import db

    ratios: dict[str, float] = {}
    print(f"\nA claim of up to {families:,} families, judged as of {as_of:%d %B %Y}")
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER_EMAIL))
        if officer is None:
            officer = create_user(OFFICER_EMAIL, "Benchmark Claims Officer", "bench-password-2026",
                                  [Role.CLAIMS_OFFICER])
        window = ClaimWindow(label=f"Benchmark window {utcnow():%Y%m%d%H%M%S}", starts_on=as_of - timedelta(days=90),
                             ends_on=as_of, submission_deadline=date.today() + timedelta(days=30))
        db.session.add(window)
        db.session.commit()
        try:
            from tfclaims.engine import store

            started = time.perf_counter()
            store.build_set(as_of)
            db.session.commit()
            _line("judge the cohort as of the window's end (a job, once)", f"{time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            _, ready = services.candidates(window, date.today())
            _line("list the claimable families", f"{time.perf_counter() - started:.1f} s ({len(ready):,} claimable)")
            chosen = [int(i) for i in ready["family_id"][:families]]
            if len(chosen) < families:
                print(f"  (only {len(chosen):,} families are claimable: the claim has them all)")
            from tfclaims.engine.queries import evaluate_cohort

            started = time.perf_counter()
            evaluate_cohort(as_of, chosen)
            alone = time.perf_counter() - started
            _line(f"judge those {len(chosen):,} families alone", f"{alone:.1f} s")
            started = time.perf_counter()
            claim = services.build_claim(window, chosen, officer, date.today())
            db.session.commit()
            built = time.perf_counter() - started
            ratios["claim"] = built / alone
            _line(f"build the claim ({len(chosen):,} lines)", f"{built:.1f} s, committed ({built / alone:.2f} x "
                  "judging its families alone)")
            started = time.perf_counter()
            services.send_to_audit(claim, officer)
            db.session.commit()
            sampled = sum(line.sampled for line in claim.lines)
            _line("send to audit (draw the sample)", f"{time.perf_counter() - started:.1f} s ({sampled:,} sampled)")
            code, name = app.config["COUNCIL_CODE"], app.config["COUNCIL_NAME"]
            took = {}
            renders = [
                ("CSV", lambda: exports.csv_bytes(claim, code, name)),
                ("XLSX", lambda: exports.xlsx_bytes(claim, code, name)),
                ("claim pack PDF", lambda: exports.pack_pdf(claim, code, name, utcnow())),
            ]
            if find_spec("bench.pack_reference"):
                from bench import pack_reference

                renders.append(("the pack as drawn before (reference)",
                                lambda: pack_reference.pack_pdf(claim, code, name, utcnow())))
            for label, render in renders:
                started = time.perf_counter()
                content = render()
                took[label] = time.perf_counter() - started
                _line(label, f"{took[label]:.1f} s ({len(content) / 1e6:.1f} MB)")
            if "the pack as drawn before (reference)" in took:
                ratios["pack"] = took["claim pack PDF"] / took["the pack as drawn before (reference)"]
                _line("claim pack ÷ the pack as drawn before", f"{ratios['pack']:.2f}")
        finally:
            db.session.rollback()
            claim_ids = select(Claim.id).where(Claim.window_id == window.id)
            line_ids = select(ClaimLine.id).where(ClaimLine.claim_id.in_(claim_ids))
            for entity, ids in (("claim_line", line_ids), ("claim", claim_ids)):
                db.session.execute(
                    delete(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids))
                )
            db.session.execute(delete(ClaimLine).where(ClaimLine.claim_id.in_(claim_ids)))
            db.session.execute(delete(Claim).where(Claim.window_id == window.id))
            db.session.execute(delete(ClaimWindow).where(ClaimWindow.id == window.id))
            db.session.commit()
            db.session.remove()
    return ratios
