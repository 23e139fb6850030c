"""Dates: an article's publication date (an explicit marker, metadata, a date in the text, or the file
time) and the day a sentence says its statement was made.

A date in a sentence dates the statement only when it is a *reporting date*: the day something was
said or happened, not a plan. It is one when it
- is tied to a past-tense speech or report verb: "X said on 25 October that ...", "announced on
  October 3", "On October 17, X said ...", "..., and on 3 May the ministry confirmed"; or
- opens the sentence ("On October 17, troops crossed ...") and the main verb after it is not future,
  modal or a plan (`will`, `would`, `is due to`, `is expected to`, `plans to`, ...).
A date right after a plan or deadline word ("will be sworn in on January 2", "is due to close on
March 3", "the vote set for May 5", "by June 1", "until", "scheduled", "expected on", "deadline")
never is: a plan's date is not when anything was said.

An article without a date of its own is dated from its text (`estimate_date`): the latest past date it
gives, full dates (with a year) and reporting dates without a year ("On October 18, ..."). A day
without a year takes the year that puts it nearest the latest full date in the text; with none, the
file time's year (the year before when that day would come after the file time), and the article is
marked so (`YEAR_FROM_FILE_TIME`): the ledger may then place it by its story or the dated statements
it repeats (monitor.ledger.statements).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
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
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DAY_MONTH = re.compile(
    rf"\b[Oo]n\s+(?:{_WEEKDAY},?\s+)?(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH}))"
    rf"(?!\w|,?\s+\d{{4}})"
)

YEAR_FROM_TEXT = "text, year from text"
"""The `date_origin` of an article dated by a day without a year, the year from a full date in its text."""
YEAR_FROM_FILE_TIME = "text, year from file time"
"""The `date_origin` of an article dated by a day without a year, the year from its file time."""

_SPEECH = (
    r"(?:said|says|announced|denied|confirmed|reported|told|wrote|stated|declared|added|noted|explained|"
    r"claimed|insisted|acknowledged|admitted|warned|revealed|disclosed|posted|tweeted|clarified|"
    r"conceded|rejected|dismissed|commented|responded|replied|assured|argued|emphasi[sz]ed|"
    r"stressed|mentioned|indicated|asserted|alleged|testified|briefed|published|issued|informed)"
)
_FUTURE = (
    r"(?:will|shall|would|could|should|might|must|(?-i:may)|\w+'ll|going\s+to|due|set|scheduled|slated|"
    r"expected|planned|plans?|intends?|aims?|to\s+be|is\s+to|are\s+to|deadline|until|till|by|before|"
    r"next|upcoming|coming|sworn|take\s+office|takes\s+office|effective|from|starting|begins?|"
    r"opens?|closes?|ends?|expires?)"
)
_SPEECH_BEFORE = re.compile(rf"\b{_SPEECH}\b(?P<filler>(?:\W+[\w'’.-]+){{0,5}}?)\W+(?:on\W+)?$")
_SPEECH_AFTER = re.compile(rf"^,?(?P<filler>(?:\W+[\w'’.-]+){{0,6}}?)\W+{_SPEECH}\b")
_PLAN_WORD = re.compile(rf"\b{_FUTURE}\b|\bthat\b", re.IGNORECASE)
_OPENING = re.compile(rf"^\W*(?:[Oo]n\W+)?(?:{_WEEKDAY},?\s+)?$")
_MAIN_CLAUSE = re.compile(r"^,?(?P<clause>(?:\W+[\w'’.-]+){0,8})")
_PLAN_BEFORE = re.compile(rf"\b{_FUTURE}\W+(?:[\w'’-]+\W+){{0,3}}(?:on\W+|for\W+)?$", re.IGNORECASE)
_CLAUSE_PLAN = re.compile(
    r"\b(?:will|shall|would|\w+'ll|going\s+to|due|scheduled|slated|expected|planned|plans?|intends?|"
    r"to\s+be|is\s+to|are\s+to|deadline|until|till|sworn|takes?\s+office|upcoming|next)\b",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"[,;:(—–]|\bthat\b|\bwhich\b|\bwho\b")
_WINDOW = 200
"""How many characters on each side of a date are read to tell whether it is a reporting date."""
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_date(value: str) -> datetime | None:
    """Parse a date string from metadata ("2024-10-16", RFC 822, ISO 8601); None if it is not a date."""
    try:
        return as_utc(dateparser.parse(value))
    except (ValueError, OverflowError):
        return None


def is_reporting_date(sentence: str, start: int, end: int) -> bool:
    """Whether the date written at `sentence[start:end]` is a reporting date (see the module docstring):
    tied to a past speech or report verb, or opening a sentence whose main verb is no plan."""
    opening = start <= _WINDOW and _OPENING.match(sentence[:start]) is not None
    before, after = sentence[max(0, start - _WINDOW) : start], sentence[end : end + _WINDOW]
    tied = _SPEECH_BEFORE.search(before)
    if tied and not _PLAN_WORD.search(tied["filler"]):
        return True
    if _PLAN_BEFORE.search(before) or _CLAUSE_PLAN.search(before[_clause_start(before) :]):
        return False
    tied = _SPEECH_AFTER.search(after)
    if tied and not _PLAN_WORD.search(tied["filler"]):
        return True
    if opening:
        clause = _MAIN_CLAUSE.match(after)
        return clause is None or not _PLAN_WORD.search(clause["clause"].split(" that ")[0])
    return False


def _clause_start(text: str) -> int:
    """Where the clause that `text` ends with starts (after its last comma, "that", "who", ...)."""
    return max((m.end() for m in _BOUNDARY.finditer(text)), default=0)


@dataclass(frozen=True, slots=True)
class _Written:
    """A date a sentence gives: the day, whether the year was written, whether it is a reporting date."""

    month: int
    day: int
    year: int | None
    reporting: bool


def _written_dates(sentence: str) -> list[_Written]:
    found = []
    for match in _FULL_DATE.finditer(sentence):
        parsed = parse_date(match.group(0).replace(".", ""))
        if parsed is not None:
            reporting = is_reporting_date(sentence, match.start(), match.end())
            found.append(_Written(parsed.month, parsed.day, parsed.year, reporting))
    for match in _DAY_MONTH.finditer(sentence):
        month, day = (match["m1"], match["d1"]) if match["m1"] else (match["m2"], match["d2"])
        try:
            parsed = datetime.strptime(f"{int(day)} {month[:3]} 2000", "%d %b %Y")  # 2000: 29 Feb exists
        except ValueError:
            continue
        reporting = is_reporting_date(sentence, match.start(), match.end())
        found.append(_Written(parsed.month, parsed.day, None, reporting))
    return found


def _on(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:  # 29 February of a common year
        return None


def _year_before(month: int, day: int, limit: datetime) -> datetime | None:
    """The day in `limit`'s year, or the year before when that would come after `limit`."""
    for year in (limit.year, limit.year - 1):
        found = _on(year, month, day)
        if found is not None and found <= limit:
            return found
    return None


def _nearest(month: int, day: int, anchor: datetime, limit: datetime) -> datetime | None:
    """The day in the year that puts it nearest `anchor`, not after `limit`."""
    options = [_on(y, month, day) for y in (anchor.year - 1, anchor.year, anchor.year + 1)]
    fitting = [d for d in options if d is not None and d <= limit]
    return min(fitting, key=lambda d: (abs(d - anchor), d), default=None)


def near_year(day: datetime, anchor: datetime) -> datetime:
    """`day`'s month and day in the year that puts it nearest `anchor`, not after `day` itself (a day
    placed by a guessed year is never moved later); `day` when no such year fits."""
    return _nearest(day.month, day.day, anchor, day) or day


def sentences(text: str) -> list[str]:
    """A rough split into sentences, good enough to find the words around a date."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def date_in_text(text: str, not_after: datetime) -> datetime | None:
    """The latest full date (with a year) written in `text` that is not later than `not_after` and is
    no plan's date ("the vote set for May 5, 2025"; a reporting date right after a speech verb is)."""
    found: list[datetime] = []
    for sentence in sentences(text):
        for match in _FULL_DATE.finditer(sentence):
            parsed = parse_date(match.group(0).replace(".", ""))
            plan = _PLAN_BEFORE.search(sentence[: match.start()]) is not None
            if plan and not is_reporting_date(sentence, match.start(), match.end()):
                continue
            if parsed is not None and parsed <= not_after:
                found.append(parsed)
    return max(found, default=None)


def estimate_date(text: str, observed: datetime) -> tuple[datetime, str] | None:
    """An undated article's date from its text, and its `date_origin`: the latest past date it gives (see
    the module docstring): "text" for a full date, `YEAR_FROM_TEXT` or `YEAR_FROM_FILE_TIME` for a day
    without a year. None when the text gives no date not later than `observed` (the file time)."""
    anchor = date_in_text(text, not_after=observed)
    best: tuple[datetime, str] | None = (anchor, "text") if anchor is not None else None
    for sentence in sentences(text):
        for written in _written_dates(sentence):
            if written.year is not None or not written.reporting:
                continue
            if anchor is not None:
                day, origin = _nearest(written.month, written.day, anchor, observed), YEAR_FROM_TEXT
            else:
                day, origin = _year_before(written.month, written.day, observed), YEAR_FROM_FILE_TIME
            if day is not None and (best is None or day > best[0]):
                best = (day, origin)
    return best


@functools.lru_cache(maxsize=65536)  # the ledger asks again for every replay
def statement_day(
    sentence: str, published: datetime, *, year_known: bool = True
) -> tuple[datetime, bool] | None:
    """The day a sentence says its statement was made, and whether its year was written: the earliest
    reporting date (see the module docstring) no later than `published`, as a UTC midnight. A day
    without a year takes the article's year, or the year before when that day would come after the
    article, and only when `year_known` (the article's year is not a guess). None otherwise: the
    statement is then dated by its article."""
    found: list[tuple[datetime, bool]] = []
    for written in _written_dates(sentence):
        if not written.reporting:
            continue
        if written.year is not None:
            day = _on(written.year, written.month, written.day)
        elif year_known:
            day = _year_before(written.month, written.day, published)
        else:
            day = None
        if day is not None and day <= published:
            found.append((day, written.year is not None))
    return min(found, default=None)


def day_in_sentence(sentence: str, published: datetime, *, year_known: bool = True) -> datetime | None:
    """The day of `statement_day` without the note of whether its year was written."""
    found = statement_day(sentence, published, year_known=year_known)
    return None if found is None else found[0]
