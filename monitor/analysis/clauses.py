"""Clause structure: which part of a news sentence is its own statement, and which part reports another.

`reported_clauses(sentence) -> list[Clause]` finds subordinate clauses that report a speech act or a
stance taken by someone (most often earlier): "Calder said it had agreed to buy Ostrava, days after
Ostrava denied that talks were under way" reports Ostrava's denial inside Calder's statement. The
stance of such a clause is not the stance of the sentence's speaker, so the stance engines judge
`main_clause(sentence)` (the sentence without them; see `analyzer.claim_evidence`) and attribution reads
the speaker from it first. Pure functions of the text; they never raise; rule-based (no parser), a
few regular expressions per sentence.

A reported clause is a connector, a subject of up to six words and a reporting verb (denied, said,
confirmed, rejected, ruled out, ... in any tense, optionally after "had", "has", "earlier",
"publicly"):

- a time connector, with or without a distance: "(a week | days | hours | shortly | ...) after X
  denied ...", "before X said ...", "since X confirmed ...";
- a concession or contrast: "despite / although / though / even though / while / whereas / as / even
  as X denied ...";
- a noun of speech: "despite X's denial(s)", "despite a denial by X", "despite denials from X";
- a relative clause with a subject of its own: ", which X had denied", ", which had been denied by X".

A clause at the start of the sentence ("Days after X denied ..., Calder said ...") ends at its first
comma; elsewhere it runs to a semicolon, a dash, ", and"/", but", or the end of the sentence (a relative
clause: to its next comma). Offsets refer to the text as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})

_VERBS = (
    r"(?:den(?:ied|ies|y|ying)|dismiss(?:ed|es|ing)?|reject(?:ed|s|ing)?|refut(?:ed|es|ing)|"
    r"rebuff(?:ed|s)?|rul(?:ed|es|ing)\s+out|play(?:ed|s)\s+down|downplay(?:ed|s)?|"
    r"said|says|say|stated|states|told|tells|reported|reports|confirm(?:ed|s)?|announc(?:ed|es)|"
    r"claim(?:ed|s)?|insist(?:ed|s)?|warn(?:ed|s)?|suggest(?:ed|s)?|wrote|writes|revealed|admitted|"
    r"acknowledg(?:ed|es)|disclosed|indicated|hinted|signall?ed|declined|refused|called|described|"
    r"maintain(?:ed|s)?|argu(?:ed|es))"
)
_AUX = r"(?:(?:had|has|have|did|does|do|was|were|had\s+been|has\s+been)\s+)?"
_ADVERB = r"(?:(?:earlier|previously|publicly|flatly|firmly|repeatedly|strongly|also|still|first|itself)\s+)?"
_SUBJECT = r"(?P<subject>(?:[\w'.&-]+\s+){0,5}?[\w'.&-]+)"
_DISTANCE = (
    r"(?:(?:just|only|barely|some|about|nearly|almost|less\s+than|more\s+than)\s+)?"
    r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|few|several|\d+)\s+)?"
    r"(?:minutes?|hours?|days?|weeks?|months?|years?)\s+|(?:shortly|soon|not\s+long|just|only|even)\s+"
)
_CONNECTOR = re.compile(
    r"\b(?:after|before|since|despite|although|even\s+though|though|while|whereas|even\s+as|as)\b",
    re.IGNORECASE,
)
_TIMED = {"after", "before", "since"}
_DISTANCE_END = re.compile(rf"(?:{_DISTANCE})$", re.IGNORECASE)
_CLAUSE = re.compile(rf"\s+{_SUBJECT}\s+{_AUX}{_ADVERB}(?P<verb>{_VERBS})\b", re.IGNORECASE)
_NOUN = re.compile(
    r"\b(?P<connector>despite|notwithstanding|in\s+spite\s+of)\s+"
    r"(?:(?P<owner>(?:[\w'.&-]+\s+){0,4}?[\w.&-]+)'s?\s+|(?:an?|the|repeated|earlier|several)\s+)?"
    r"(?:\w+\s+)?(?P<verb>denials?|rejections?|dismissals?|statements?|refusals?|objections?|assurances?|"
    r"insistence|claims?)\b(?:\s+(?:by|from)\s+(?P<agent>(?:[\w'.&-]+\s+){0,4}?[\w.&-]+))?",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    rf",\s*(?P<connector>which|what)\s+(?:{_SUBJECT}\s+{_AUX}{_ADVERB}(?P<verb>{_VERBS})\b|"
    rf"(?:had|has|have)\s+been\s+(?P<passive>{_VERBS})\s+by\s+(?P<agent>[^,;]+))",
    re.IGNORECASE,
)
_STOP = re.compile(r"\s*[;:]|\s+[\u2014\u2013-]{1,2}\s+|,\s+(?:and|but)\s+", re.IGNORECASE)
_NOT_SUBJECT = re.compile(
    r"^(?:it|this|that|there|the\s+(?:deal|talks|report|news|move|decision))\s+(?:was|is|were|are)\b"
    r"|\b(?:and|or|but|that|which|who|when|if|to)\b",
    re.IGNORECASE,
)
_SPACE_BEFORE = re.compile(r"\s+([,.;!?])")
_DANGLING = re.compile(r",(?=[,.;!?]|$)")
_NOT_IN_SUBJECT = frozenset(
    re.findall(r"\w+", "could would should will can may might must shall her him them me us said says")
)
_ADVERBS = frozenset(
    re.findall(r"\w+", "first earlier previously publicly also still later then once initially")
)
_REPORTS = re.compile(rf"\b{_VERBS}\b|\baccording\s+to\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Clause:
    """A reported clause: `sentence[start:end] == text`; `subject` is who spoke ("Ostrava Steel"), or
    None for a noun of speech without a named owner ("despite the denials")."""

    start: int
    end: int
    text: str
    connector: str
    subject: str | None
    verb: str


def _subject_ok(subject: str) -> bool:
    """A noun phrase, not a gerund ("after spotting her"), a modal ("before he could say"), an object
    pronoun or adverbs alone (", which first reported")."""
    words = subject.lower().split()
    return (
        _NOT_SUBJECT.search(subject) is None
        and not words[0].endswith("ing")
        and not _NOT_IN_SUBJECT & set(words)
        and not set(words) <= _ADVERBS
    )


def _extent(text: str, start: int, after: int, leading: bool, relative: bool) -> int:
    """Where a clause starting at `start` ends (its words reach at least `after`)."""
    if leading or relative:
        comma = text.find(",", after)
        if comma >= 0:
            return comma
    stop = _STOP.search(text, after)
    return stop.start() if stop else len(text.rstrip(".!? \"'"))


def _candidates(text: str) -> list[tuple[int, int, str, str | None, str, bool]]:
    """(start, end of the matched words, connector, subject, verb, relative?) of each possible clause."""
    out: list[tuple[int, int, str, str | None, str, bool]] = []
    for k in _CONNECTOR.finditer(text):  # the keyword first: a cheap anchor for the costlier pattern
        m = _CLAUSE.match(text, k.end())
        if m is None or not _subject_ok(m.group("subject")):
            continue
        start, connector = k.start(), k.group(0)
        if connector.lower() in _TIMED and (d := _DISTANCE_END.search(text[max(0, start - 40) : start])):
            start -= len(d.group(0))
            connector = text[start : k.end()]
        out.append((start, m.end(), connector, m.group("subject"), m.group("verb"), False))
    for m in _NOUN.finditer(text):
        subject = m.group("owner") or m.group("agent")
        out.append((m.start(), m.end(), m.group("connector"), subject, m.group("verb"), False))
    for m in _RELATIVE.finditer(text):
        subject = m.group("subject") or m.group("agent")
        if subject and _subject_ok(subject):
            verb = m.group("passive") or m.group("verb")
            out.append((m.start(), m.end(), m.group("connector"), subject.strip(), verb, True))
    return sorted(out, key=lambda c: (c[0], -c[1]))  # leftmost first; at one start, the longest


def reported_clauses(sentence: str) -> list[Clause]:
    """The reported clauses of `sentence`, left to right, not overlapping."""
    text = sentence.translate(_QUOTES)
    found: list[Clause] = []
    for start, words_end, connector, subject, verb, relative in _candidates(text):
        if found and start < found[-1].end:
            continue
        connector = " ".join(connector.lower().split())
        head = text[:start].rstrip()
        leading = not head or head[-1] in "\"'(" or head.endswith(":")
        if connector == "as" and not (leading or head.endswith(",")):
            continue  # "as" mid-sentence without a comma is too often "such as", "as well as"
        end = _extent(text, start, words_end, leading, relative)
        if end > start:
            found.append(Clause(start, end, sentence[start:end], connector, subject, verb.lower()))
    return found


def main_clause(sentence: str) -> str:
    """`sentence` without its reported clauses (and the commas they leave); the sentence itself when it
    has none or when nothing with letters would be left."""
    clauses = reported_clauses(sentence)
    if not clauses:
        return sentence
    parts: list[str] = []
    at = 0
    for clause in clauses:
        parts.append(sentence[at : clause.start])
        at = clause.end
    parts.append(sentence[at:])
    kept = " ".join(" ".join(parts).split())
    kept = _DANGLING.sub("", _SPACE_BEFORE.sub(r"\1", kept)).strip(" ,")
    if not any(ch.isalpha() for ch in kept):
        return sentence
    if kept[-1:].isalnum() and sentence.rstrip()[-1:] in ".!?":
        kept += sentence.rstrip()[-1]
    return kept[:1].upper() + kept[1:]


def reports(text: str) -> bool:
    """The text has a reporting verb of its own ("said", "confirmed", "according to")."""
    return _REPORTS.search(text.translate(_QUOTES)) is not None
