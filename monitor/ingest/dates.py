"""Find an article's publication date: an explicit marker, metadata, a date in the text, or the file time."""

from __future__ import annotations

import functools
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


_DAY_MONTH = re.compile(
    rf"\b[Oo]n\s+(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH}))"
    rf"(?!\w|,?\s+\d{{4}})"
)


@functools.lru_cache(maxsize=65536)  # the ledger asks again for every replay
def day_in_sentence(sentence: str, published: datetime, *, year_known: bool = True) -> datetime | None:
    """The day a sentence says its statement was made ("On October 17, Zelenskyy said ...", "on 25
    October"; a bare "November 1" may be a day ahead, not the day of the statement), as a UTC
    midnight no later than `published`. A full date with a year is taken as written; a day without
    one takes the article's year, or the year before when that day would come after the article, and
    only when `year_known` (the article's date is not a guess from the file time). None otherwise."""
    full = [parse_date(m.group(0).replace(".", "")) for m in _FULL_DATE.finditer(sentence)]
    dated = [d for d in full if d is not None and d <= published]
    if dated:
        return min(dated)
    match = _DAY_MONTH.search(sentence)
    if match is None or not year_known:
        return None
    month, day = (match["m1"], match["d1"]) if match["m1"] else (match["m2"], match["d2"])
    for year in (published.year, published.year - 1):
        try:
            found = datetime.strptime(f"{day} {month[:3]} {year}", "%d %b %Y").replace(tzinfo=UTC)
        except ValueError:
            return None
        if found <= published:
            return found
    return None
