"""The words of retention: record types, where a retention period starts, run kinds, why a family is held.

Plain data, no SQLAlchemy: the pure retention rules import these, not the models.
"""

from __future__ import annotations

# Record types of the schedule (``RetentionRule.record_type``). "family" is a family's records: its members,
# consent, attachments, problems, progress and evidence. "claim_audit_window" is not erased by itself: it says how
# long after a claim was submitted the department may still audit it (spot checks, claw-backs), and so how long the
# families in it are held.
FAMILY = "family"
CLAIM_AUDIT_WINDOW = "claim_audit_window"
RECORD_TYPES = {
    FAMILY: "A family's records",
    CLAIM_AUDIT_WINDOW: "The department's audit window for claims",
}

# Where a family's retention period starts (``RetentionRule.starts_from``).
ATTACHMENT_CLOSED = "attachment_closed"
PHASE_ENDED = "phase_ended"
CLOSURE_OR_PHASE_END = "closure_or_phase_end"
STARTS_FROM = {
    CLOSURE_OR_PHASE_END: "The attachment closed or the programme phase ended, whichever is later",
    ATTACHMENT_CLOSED: "The attachment closed",
    PHASE_ENDED: "The programme phase ended",
}
# The audit window starts when the claim was submitted to the department.
CLAIM_SUBMITTED = "claim_submitted"

DEFAULT_FAMILY_YEARS = 8
# Six years after submission: the limitation period for recovering public money (Limitation Act 1980), which is what
# a council's finance team keeps grant claims' evidence for. A council changes it on the schedule page.
DEFAULT_AUDIT_WINDOW_YEARS = 6
MIN_YEARS, MAX_FAMILY_YEARS, MAX_AUDIT_WINDOW_YEARS = 1, 100, 50

# Kinds of retention run (``RetentionRun.kind``).
DUE_LIST, DRY_RUN, ERASURE = "due_list", "dry_run", "erasure"
RUN_KINDS = {
    DUE_LIST: "Nightly list of what is due",
    DRY_RUN: "Dry run",
    ERASURE: "Erasure",
}

# Why a family whose retention period has passed is not erased.
LEGAL_HOLD, AUDIT_WINDOW = "legal_hold", "audit_window"
HELD_REASONS = {
    LEGAL_HOLD: "On legal hold",
    AUDIT_WINDOW: "A claim is inside the department's audit window",
}

# What a member's erasure is for (``erase_member``): the person's own request, or another lawful reason.
ERASURE_REQUEST, OTHER_REASON = "erasure_request", "other"
MEMBER_ERASURE_REASONS = {
    ERASURE_REQUEST: "The person asked for their data to be erased (right to erasure, UK GDPR Article 17)",
    OTHER_REASON: "Another reason the council must erase the person's data",
}

# The records erased with a family, in words, by table (the dry run's counts).
RECORD_LABELS = {
    "member": ("member", "members"),
    "consent": ("consent decision", "consent decisions"),
    "attachment": ("attachment", "attachments"),
    "identified_problem": ("problem identified", "problems identified"),
    "measure": ("attendance record", "attendance records"),
    "event": ("event", "events"),
    "employment_spell": ("employment spell", "employment spells"),
    "status_episode": ("plan or status episode", "plans or status episodes"),
    "manual_evidence": ("practitioner statement", "practitioner statements"),
    "legal_hold": ("released legal hold", "released legal holds"),
    "family_verdict": ("stored verdict", "stored verdicts"),
}
