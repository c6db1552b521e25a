"""Calendar dates as fedcheck reads them: ``YYYY-MM-DD`` only, and the evaluation date of a run.

The evaluation date (``as_of``) is the day against which dated facts are judged (a waiver's
expiry, a deviation's approval). It is today in UTC unless the caller names a day
(``--as-of``). ``SOURCE_DATE_EPOCH`` sets timestamps only and never moves it, so a past epoch
cannot make an expired waiver current again.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: object) -> date:
    """``2025-01-31`` -> a date; ValueError with a plain message for anything else.

    Only the calendar form is a date here: ISO week dates (``2027-W04-5``), ordinal dates
    (``2027-024``), basic forms (``20270124``) and times are refused, since
    ``date.fromisoformat`` accepts several of them and a reader of the file would not.
    """
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        raise ValueError(f"{_show(text)} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{_show(text)} is not a date in the form YYYY-MM-DD (there is no such day)"
        ) from None


def today() -> date:
    """Today in UTC: the evaluation date of a run that names none."""
    return datetime.now(UTC).date()


def evaluation_date(as_of: date | None) -> date:
    """The evaluation date: ``as_of`` when given, else today (UTC)."""
    return as_of if as_of is not None else today()


def _show(value: object) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "..."
        return repr(text)
    return f"the {type(value).__name__} {value!r}"


__all__ = ["evaluation_date", "parse_date", "today"]
