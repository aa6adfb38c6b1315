"""The early-help pathway's words: sources, decisions, kinds of contact and meeting, closure reasons, the
practice standards' items. Plain dicts and constants; nothing of the app."""

from __future__ import annotations

REQUEST_SOURCES = {
    "school": "School or college",
    "health": "Health (GP, health visitor, school nurse, hospital)",
    "police": "Police",
    "social_care": "Children's social care",
    "front_door": "The front door (multi-agency safeguarding hub)",
    "housing": "Housing",
    "dwp": "Jobcentre Plus (DWP)",
    "voluntary": "Voluntary or community sector",
    "family": "The family itself",
    "other": "Another agency",
}

# What the request led to. Only some open an episode of early help that is allocated and worked.
DECISION_EARLY_HELP = "early_help"
DECISION_PARTNER_TAF = "partner_taf"
DECISION_STEP_DOWN = "step_down"
DECISION_ADVICE = "advice"
DECISION_SOCIAL_CARE = "social_care"
DECISIONS = {
    DECISION_EARLY_HELP: "Allocated to early help",
    DECISION_PARTNER_TAF: "Team around the family led by a partner",
    DECISION_STEP_DOWN: "Step down from social care to early help",
    DECISION_ADVICE: "Advice and signpost",
    DECISION_SOCIAL_CARE: "Redirected to children's social care",
}
WORKED_DECISIONS = frozenset({DECISION_EARLY_HELP, DECISION_PARTNER_TAF, DECISION_STEP_DOWN})

CONTACT_KINDS = {
    "home_visit": "Home visit",
    "school_visit": "Visit at school or another setting",
    "office": "Meeting at an office or family hub",
    "phone": "Telephone call",
    "video": "Video call",
}
# The contacts that count as a visit for the visit standards.
VISIT_KINDS = frozenset({"home_visit", "school_visit", "office"})

MEETING_INITIAL = "initial"
MEETING_REVIEW = "review"
MEETING_KINDS = {
    MEETING_INITIAL: "Initial team around the family meeting (the plan agreed)",
    MEETING_REVIEW: "Review meeting",
}

AGENCIES = {
    "school": "School or college",
    "health": "Health",
    "police": "Police",
    "housing": "Housing",
    "dwp": "Jobcentre Plus (DWP)",
    "social_care": "Children's social care",
    "youth_justice": "Youth justice",
    "mental_health": "Mental health services",
    "substance_misuse": "Substance misuse services",
    "domestic_abuse": "Domestic abuse services",
    "voluntary": "Voluntary or community sector",
}

SUPERVISION_KINDS = {
    "individual": "Individual supervision (case note)",
    "group": "Group supervision",
}

STEP_UP = "step_up"
STEP_DOWN = "step_down"
STEP_DIRECTIONS = {
    STEP_UP: "Step up to children's social care",
    STEP_DOWN: "Step down from children's social care",
}

CLOSURE_REASONS = {
    "outcomes_met": "Outcomes of the plan met",
    "stepped_up": "Stepped up to children's social care",
    "moved_away": "Family moved out of the area",
    "declined": "Family withdrew consent or declined to engage",
    "other_service": "Transferred to another service",
    "other": "Another reason",
}

OCCASIONS = {
    "assessment": "At assessment",
    "review": "At a review",
    "closure": "At closure",
}

# The practice standards: each timescale a council sets, with the words for it. The unit is hours for allocation
# and days for the rest; each may be counted in working days (Monday to Friday, not England and Wales bank
# holidays) or calendar days.
STANDARD_ITEMS = {
    "allocation": "Allocation after the request is received",
    "first_visit": "First visit after the request is received",
    "assessment": "Assessment completed after allocation",
    "first_taf": "First team around the family meeting after the assessment is completed",
    "visit_every": "Visits at least every",
    "review_every": "Team around the family reviews at least every",
    "supervision_every": "Management supervision at least every",
}
STANDARD_UNITS = {"allocation": "hours"}

EMPTY = "–"
