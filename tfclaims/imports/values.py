"""The values in a partner file's cells, read as councils' systems write them, or refused with a plain reason.

Pure: text in, a value out, ``BadValue`` (its message is the reason a coordinator reads next to the row number).

- **Dates**: ``05/09/2019`` and ``5/9/19`` (day first, as in England), ``2019-09-05``, ``05-09-2019``,
  ``05.09.2019``, ``5 September 2019``, ``5 Sep 2019``, an Excel serial number (``43713``) where a CSV kept the
  number rather than the date, and an Excel cell already read as a date (``2019-09-05``).
- **Months** (a term or a benefit month): ``Oct-19``, ``Oct 2019``, ``October 2019``, ``10/2019``, ``2019-10``, or a
  date in the month: the first day of the month.
- **Times** (a request's time received): ``09:30``, ``9.30``, ``09:30:00``, ``0930``, ``9:30am``, ``2:15 pm``, an Excel
  time cell (``09:30:00``) or a fraction of a day (``0.395833``); a date and time in one cell (``05/09/2019 09:30``,
  an Excel date-time ``2019-09-05 09:30:00``) is read by ``parse_date_and_time``.
- **Numbers**: ``1,234``, ``93.5``, ``93.5%``; **whole numbers** refuse fractions.
- **Identifiers**, normalised as the register keeps them (``families.rules``): UPN, NHS number (its check digit),
  National Insurance number, PNC number, postcode.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from tfclaims.families import rules as family_rules

MONTH_NAMES = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 as Windows Excel counts (its 1900 leap-year bug included)
EXCEL_SERIALS = (1, 2_958_465)  # 1 January 1900 to 31 December 9999
EARLIEST = date(1900, 1, 1)

_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_WORDS_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)\.?[ \-,]+(\d{2}|\d{4})$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.0+)?$")
_WORDS_MONTH = re.compile(r"^([A-Za-z]+)\.?[ \-/]*'?(\d{2}|\d{4})$")
_NUMERIC_MONTH = re.compile(r"^(\d{1,2})[/\-](\d{4})$|^(\d{4})[/\-](\d{1,2})$")
_CLOCK = r"(\d{1,2})(?:[:.](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?(?:\s*([ap])\.?\s*m\.?)?|\s*([ap])\.?\s*m\.?)"
_TIME = re.compile(rf"^{_CLOCK}$", re.IGNORECASE)
_TIME_DIGITS = re.compile(r"^(\d{2})(\d{2})$")
_DAY_FRACTION = re.compile(r"^0?\.\d+$|^0$")
_DATE_AND_TIME = re.compile(rf"^(.+?)[ T]+({_CLOCK})$", re.IGNORECASE)


class BadValue(ValueError):
    """A cell that cannot be read: the message is the reason."""


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # 19 -> 2019, 85 -> 1985: two-digit years are within the last 100 years
        century = date.today().year // 100 * 100
        year = century + year if century + year <= date.today().year + 1 else century - 100 + year
    return year


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        made = date(year, month, day)
    except ValueError:
        raise BadValue(f"{text!r} is not a real date") from None
    if made < EARLIEST:
        raise BadValue(f"{text!r} is before 1900")
    return made


def parse_date(text: str) -> date:
    """A date written in any of the forms above (day first). Raises ``BadValue``."""
    value = text.strip()
    if not value:
        raise BadValue("the date is missing")
    if found := _ISO_DATE.match(value):
        return _make(int(found[1]), int(found[2]), int(found[3]), value)
    if found := _NUMERIC_DATE.match(value):
        return _make(_year(found[3]), int(found[2]), int(found[1]), value)
    if found := _WORDS_DATE.match(value):
        month = MONTH_NAMES.get(found[2].lower())
        if month is None:
            raise BadValue(f"{value!r} is not a date: {found[2]!r} is not a month")
        return _make(_year(found[3]), month, int(found[1]), value)
    if _SERIAL.match(value):
        serial = int(float(value))
        if not EXCEL_SERIALS[0] <= serial <= EXCEL_SERIALS[1]:
            raise BadValue(f"{value!r} is not a date")
        return EXCEL_EPOCH + timedelta(days=serial)
    raise BadValue(f"{value!r} is not a date: write it as 05/09/2019 or 2019-09-05")


def parse_month(text: str) -> date:
    """The first day of the month written (``Oct-19``, ``October 2019``, ``10/2019``, ``2019-10`` or a date in it).
    Raises ``BadValue``."""
    value = text.strip()
    if not value:
        raise BadValue("the month is missing")
    if found := _WORDS_MONTH.match(value):
        month = MONTH_NAMES.get(found[1].lower())
        if month is None:
            raise BadValue(f"{value!r} is not a month: {found[1]!r} is not a month's name")
        return _make(_year(found[2]), month, 1, value)
    if found := _NUMERIC_MONTH.match(value):
        month, year = (found[1], found[2]) if found[1] else (found[4], found[3])
        if not 1 <= int(month) <= 12:
            raise BadValue(f"{value!r} is not a month")
        return _make(int(year), int(month), 1, value)
    try:
        return parse_date(value).replace(day=1)
    except BadValue:
        raise BadValue(f"{value!r} is not a month: write it as Oct-19 or October 2019") from None


def _clock(hour: int, minute: int, second: int, half: str | None, text: str) -> time:
    if half:
        if not 1 <= hour <= 12:
            raise BadValue(f"{text!r} is not a time: {hour} is not an hour of the clock (1 to 12 with am or pm)")
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadValue(f"{text!r} is not a real time")
    return time(hour, minute, second)


def parse_time(text: str) -> time:
    """A time of day written in any of the forms above. Raises ``BadValue``."""
    value = text.strip()
    if not value:
        raise BadValue("the time is missing")
    if found := _TIME.match(value):  # 09:30, 9.30pm, or 9am
        return _clock(int(found[1]), int(found[2] or 0), int(found[3] or 0), found[4] or found[5], value)
    if found := _TIME_DIGITS.match(value):
        return _clock(int(found[1]), int(found[2]), 0, None, value)
    if _DAY_FRACTION.match(value):  # an Excel time kept as its fraction of a day
        seconds = round(float(value) * 86_400)
        if seconds >= 86_400:
            raise BadValue(f"{value!r} is not a time")
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    if found := _DATE_AND_TIME.match(value):  # a date-time in a time column (Excel's 1899-12-30 09:30): its time
        return parse_time(found[2])
    raise BadValue(f"{value!r} is not a time: write it as 09:30 or 14:15")


def parse_date_and_time(text: str) -> date | datetime:
    """A date, or a date and a time in one cell (``05/09/2019 09:30``, ``2019-09-05 09:30:00``): a ``datetime``
    then. Raises ``BadValue``."""
    value = text.strip()
    try:
        return parse_date(value)
    except BadValue:
        found = _DATE_AND_TIME.match(value)
        if found is None:
            raise
    return datetime.combine(parse_date(found[1]), parse_time(found[2]))


def parse_number(text: str, *, what: str = "the number") -> float:
    value = text.strip().replace(",", "")
    if value.endswith("%"):
        value = value[:-1].strip()
    if not value:
        raise BadValue(f"{what} is missing")
    try:
        number = float(value)
    except ValueError:
        raise BadValue(f"{text.strip()!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise BadValue(f"{text.strip()!r} is not a number")
    return number


def parse_whole_number(text: str, *, what: str = "the number") -> int:
    number = parse_number(text, what=what)
    if not number.is_integer():
        raise BadValue(f"{text.strip()!r} is not a whole number")
    return int(number)


# ---------------------------------------------------------------- identifiers


def _identifier(text: str, valid, refusal: str) -> str | None:
    """An identifier upper case without spaces; None when the cell is empty; ``BadValue`` when it is malformed."""
    value = family_rules.compact(text).upper()
    if not value:
        return None
    if not valid(value):
        raise BadValue(f"{text.strip()!r} is not {refusal}")
    return value


def upn(text: str) -> str | None:
    """A unique pupil number."""
    return _identifier(text, family_rules.upn_is_valid, "a unique pupil number (13 characters: a check letter, then "
                       "12 digits, the last may be a letter)")


def nhs_number(text: str) -> str | None:
    return _identifier(text, family_rules.nhs_number_is_valid, "an NHS number (10 digits, the last a check digit)")


def ni_number(text: str) -> str | None:
    return _identifier(text, family_rules.ni_number_is_valid,
                       "a National Insurance number (2 letters, 6 digits, A to D)")


def pnc_number(text: str) -> str | None:
    return _identifier(text, family_rules.pnc_is_valid, "a PNC number (as 2019/345678A or 19/345678A)")


def postcode(text: str) -> str | None:
    if not text.strip():
        return None
    value = family_rules.normalise_postcode(text)
    if value is None:
        raise BadValue(f"{text.strip()!r} is not a UK postcode")
    return value
