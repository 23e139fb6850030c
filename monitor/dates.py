"""Find an article's publication date: an explicit marker, metadata, a date in the text, or the file time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil import parser as dateparser

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_FULL_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b"
)
MARKER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_date(value: str) -> datetime | None:
    """Parse a date string from metadata ("2024-10-16", RFC 822, ISO 8601); None if it is not a date."""
    try:
        return as_utc(dateparser.parse(value))
    except (ValueError, OverflowError):
        return None


def date_in_text(text: str, not_after: datetime) -> datetime | None:
    """The latest full date (with a year) written in `text` that is not later than `not_after`.

    Dates without a year ("On October 14") are ignored: guessing the year would invent a precision
    the text does not have.
    """
    found: list[datetime] = []
    for match in _FULL_DATE.finditer(text):
        parsed = parse_date(match.group(0).replace(".", ""))
        if parsed is not None and parsed <= not_after:
            found.append(parsed)
    return max(found, default=None)
