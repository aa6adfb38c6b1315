"""The words of claims: claim statuses, line states, dispositions, audit verdicts and checks.

Plain data, no SQLAlchemy: the pure claim rules import these, not the models.
"""

from __future__ import annotations

DRAFT, IN_AUDIT, SIGNED_OFF, SUBMITTED, RECONCILED = "draft", "in_audit", "signed_off", "submitted", "reconciled"
CLAIM_STATUSES = {
    DRAFT: "Draft",
    IN_AUDIT: "In audit",
    SIGNED_OFF: "Signed off",
    SUBMITTED: "Submitted",
    RECONCILED: "Reconciled",
}

# A line's state: in the claim, taken out before submission, or the department's verdict on it.
INCLUDED, REMOVED, ACCEPTED, REJECTED, CLAWED_BACK = "included", "removed", "accepted", "rejected", "clawed_back"
LINE_STATES = {
    INCLUDED: "In the claim",
    REMOVED: "Removed",
    ACCEPTED: "Accepted",
    REJECTED: "Rejected",
    CLAWED_BACK: "Clawed back",
}
# What happens to a family the department rejected or clawed back.
PIPELINE, INVALID = "pipeline", "invalid"
DISPOSITIONS = {
    PIPELINE: "Return the family to the pipeline: it can be claimed again when the engine finds it ready",
    INVALID: "Mark the result invalid: the family cannot be claimed again",
}

PASS, FAIL, QUERY = "pass", "fail", "query"
AUDIT_VERDICTS = {PASS: "Pass", FAIL: "Fail", QUERY: "Query"}

# The three questions of the department's spot checks, asked of each sampled family.
AUDIT_CHECKS = {
    "check_eligible": "Eligible at attachment",
    "check_whole_family": "Whole-family working: assessment, family plan and lead practitioner",
    "check_evidenced": "Result evidenced",
}
