"""Ages, and who counts as an adult, a child, a school-age child: one definition for the whole application.

Pure functions on dates; nothing here touches the database.
"""

from __future__ import annotations

from datetime import date

# 18 and over is an adult; under 18 a (dependent) child.
ADULT_AGE = 18
# Compulsory school age, as the engine and the eligibility checks read it: from 5 to 16 (the last year, 15 on
# 1 September, runs to the end of the school year in which the child turns 16).
SCHOOL_AGE_FROM = 5
SCHOOL_AGE_TO = 16
# Old enough for a spell of employment to be recorded.
WORKING_AGE = 16


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years of age on a day."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def is_adult_on(date_of_birth: date, on: date) -> bool:
    return age_on(date_of_birth, on) >= ADULT_AGE


def is_child_on(date_of_birth: date, on: date) -> bool:
    return date_of_birth <= on and age_on(date_of_birth, on) < ADULT_AGE


def is_school_age_on(date_of_birth: date, on: date) -> bool:
    return SCHOOL_AGE_FROM <= age_on(date_of_birth, on) <= SCHOOL_AGE_TO
