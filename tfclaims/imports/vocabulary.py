"""The words of partner imports: a batch's states, a row's states and outcomes, and the reasons a row is unmatched.

Plain data: the pure modules and the templates read these."""

from __future__ import annotations

# A batch (one uploaded file).
READING, PREVIEWED, REFUSED, WRITING, CONFIRMED, ABANDONED, UNDONE = (
    "reading", "previewed", "refused", "writing", "confirmed", "abandoned", "undone")
BATCH_STATUSES = {
    READING: "Being read and matched",
    PREVIEWED: "Ready to confirm",
    REFUSED: "Could not be imported",
    WRITING: "Being imported",
    CONFIRMED: "Imported",
    ABANDONED: "Abandoned",
    UNDONE: "Undone",
}
OPEN_STATUSES = (READING, PREVIEWED, WRITING)

# A row (one line of the file).
INVALID, EXACT, AUTO, REVIEW, ACCEPTED, REJECTED, UNMATCHED, NEW = (
    "invalid", "exact", "auto", "review", "accepted", "rejected", "unmatched", "new")
ROW_STATUSES = {
    INVALID: "Not valid",
    EXACT: "Matched by identifier",
    AUTO: "Matched automatically",
    REVIEW: "Waiting for review",
    ACCEPTED: "Matched in review",
    REJECTED: "Rejected in review",
    UNMATCHED: "Not matched",
    NEW: "Added to the register",
}
MATCHED = (EXACT, AUTO, ACCEPTED)
WRITTEN = (*MATCHED, NEW)  # rows whose records an import wrote (a new person: the case-management export)

# What a matched row did to the records when it was written.
CREATED, UPDATED, DUPLICATE = "created", "updated", "duplicate"
OUTCOMES = {CREATED: "Record created", UPDATED: "Record updated", DUPLICATE: "Already held: skipped"}

# Why a row is unmatched (the report counts rows by these).
NO_CANDIDATE = "No one in the register is like this person"
WEAK_CANDIDATE = "The closest person in the register is too unlike this one to be the same"
IDENTIFIERS_DISAGREE = "Its identifiers belong to two different people in the register"
REJECTED_IN_REVIEW = "A coordinator decided that no one in the register is this person"

# The report's figures, in order, with their words.
COUNTS = {
    "received": "Rows received",
    "valid": "Rows valid",
    "invalid": "Rows not valid",
    "exact": "Matched by identifier",
    "auto": "Matched by name, date of birth and address",
    "accepted": "Matched after review",
    "review": "Waiting for review",
    "rejected": "Rejected in review",
    "unmatched": "Not matched",
    "new": "Added to the register as new people",
    "created": "Rows that added records",
    "updated": "Rows that changed records already held",
    "duplicates": "Rows already held from an earlier import: skipped",
}

# Words for how far each field of a partner row agrees with a member of the register, by Splink's comparison level
# (the highest level first; 0 is "different", -1 "missing on one side").
FIELD_NAMES = {"forename": "First name", "surname": "Surname", "dob": "Date of birth", "postcode": "Postcode",
               "sex": "Sex"}
LEVEL_WORDS = {
    "forename": {4: "The same", 3: "The same by a short form", 2: "Nearly the same spelling",
                 1: "A similar spelling", 0: "Different", -1: "Missing"},
    "surname": {4: "The same", 3: "Nearly the same spelling", 2: "Shares part of a double surname",
                1: "A similar spelling", 0: "Different", -1: "Missing"},
    "dob": {3: "The same", 2: "Day and month swapped", 1: "One digit different", 0: "Different", -1: "Missing"},
    "postcode": {4: "The same", 3: "The same sector", 2: "The same district", 1: "The same area", 0: "Different",
                 -1: "Missing"},
    "sex": {1: "The same", 0: "Different", -1: "Missing"},
}
# The level at or above which a field counts as agreeing (the side-by-side view marks it so).
AGREES_FROM = {"forename": 2, "surname": 2, "dob": 2, "postcode": 3, "sex": 1}
