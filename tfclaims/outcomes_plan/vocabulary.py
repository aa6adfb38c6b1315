"""Word lists of outcomes plans, without SQLAlchemy, so the pure rules can import them."""

from __future__ import annotations

# Who an eligibility descriptor can be met by (``Descriptor.applies_to``). Ages as ``tfclaims.people`` defines them,
# judged on the attachment date (or, for a problem identified after attachment, on its evidence date).
DESCRIPTOR_APPLIES_TO = {
    "any": "Any member",
    "adult": "An adult (18 or over)",
    "child": "A child (under 18)",
    "school_age": "A school-age child (5 to 16)",
    "dependent_children": "A family with dependent children or an expectant parent",
}

# The same, short, as it follows a descriptor's wording in a list: "ED2: ... (school-age children only)".
DESCRIPTOR_APPLIES_TO_SHORT = {
    "any": "",
    "adult": "adults only",
    "child": "children only",
    "school_age": "school-age children only",
    "dependent_children": "families with dependent children or an expectant parent",
}
