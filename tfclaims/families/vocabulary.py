"""The words of the household register that pure modules read (the partner imports' sources) without its models."""

from __future__ import annotations

RELATIONSHIPS = {
    "lead_adult": "Lead adult",
    "partner": "Partner of lead adult",
    "child": "Child",
    "stepchild": "Stepchild",
    "grandchild": "Grandchild",
    "parent": "Parent of lead adult",
    "sibling": "Sibling of lead adult",
    "non_resident_parent": "Non-resident parent",
    "other_relative": "Other relative",
    "other": "Other",
}

CLOSURE_REASONS = {
    "outcomes_achieved": "Outcomes achieved",
    "stepped_down": "Stepped down to universal services",
    "stepped_up": "Stepped up to children's social care",
    "disengaged": "Family disengaged",
    "moved_away": "Family moved out of the area",
    "not_eligible": "Found not to be eligible",
    "other": "Other",
}
