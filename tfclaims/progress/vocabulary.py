"""The words of progress records: kinds of measure, event and plan, end reasons, benefits, sources, evidence states.

Plain data, no SQLAlchemy: the pure rules (the engine, the plan criteria) import these, not the models.
"""

from __future__ import annotations

# Periodic measures: the value recorded for a member over a period (a school term), in % of possible sessions.
# Attendance is judged at or above a level; absence (unauthorised, or overall: authorised and unauthorised) below.
MEASURE_KINDS = {
    "attendance": "School attendance",
    "unauthorised_absence": "Unauthorised absence",
    "overall_absence": "Overall absence",
}
MEASURE_UNITS = {
    "attendance": "% of sessions",
    "unauthorised_absence": "% of sessions",
    "overall_absence": "% of sessions",
}
# Which measures are judged "at or above a level" and which "below a level" (the criteria's measure options).
ATTENDANCE_MEASURES = ("attendance",)
ABSENCE_MEASURES = ("unauthorised_absence", "overall_absence")

# Dated events of a member.
EVENT_KINDS = {
    "offence": "Offence",
    "asb": "Anti-social behaviour incident",
    "domestic_abuse": "Domestic abuse incident",
    "exclusion": "Exclusion from school",
}

# Status episodes of a member, opened and (later) closed.
STATUS_KINDS = {"child_in_need": "Child in need plan", "child_protection": "Child protection plan"}

EPISODE_END_REASONS = {
    "stepped_down": "Stepped down",
    "closed": "Closed, no further action",
    "moved_away": "Moved out of the area",
    "other": "Other",
}
# The endings that are progress: a plan that ended because the family moved away (or for another reason) is not.
PROGRESS_END_REASONS = ("stepped_down", "closed")

# The out-of-work benefit an adult was on before a spell of employment.
PRIOR_BENEFITS = {
    "JSA": "Jobseeker's Allowance",
    "ESA": "Employment and Support Allowance",
    "IS": "Income Support",
    "UC": "Universal Credit",
    "none": "None (not on an out-of-work benefit)",
}

MEASURE_SOURCES = {
    "school_census": "School census",
    "school": "School's own records",
    "education_welfare": "Education welfare service",
}

EVENT_SOURCES = {
    "police": "Police",
    "youth_justice": "Youth justice service",
    "school": "School",
    "housing": "Housing",
    "social_care": "Children's social care",
}

EVIDENCE_AWAITING = "awaiting"
EVIDENCE_ACCEPTED = "accepted"
EVIDENCE_DECLINED = "declined"
EVIDENCE_STATUSES = {
    EVIDENCE_AWAITING: "Awaiting manager sign-off",
    EVIDENCE_ACCEPTED: "Signed off",
    EVIDENCE_DECLINED: "Not accepted",
}
