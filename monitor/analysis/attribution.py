"""Who makes the statement in a news sentence, and through which outlet it reaches us.

`attribute(sentence, previous=None, following=None) -> Attribution` reads the conventions of English
news writing; it never raises, and returns `Attribution(None, None)` when the text names nobody.
`attribute_all(sentences)` does it for a whole article at once (the analyzer's way), adding what one
sentence cannot show: a quotation over several sentences, and pronouns chained across sentences (see
its docstring).

`speaker` is the person or body making the statement; `via` the outlet or channel reporting it. The
first rule that finds a speaker wins:

1. A speech verb (said, says, stated, told, noted, added, explained, emphasized, clarified,
   confirmed, denied, announced, reported, wrote, warned, believes, claimed, dismissed, declined to,
   called for, ...) of the main clause (clauses.main_clause: not one in "..., days after X denied
   ..."; the whole sentence when the main clause has none), leftmost first, because the leftmost verb
   governs the rest of the sentence. Its subject is the noun phrase right before it (capitalized
   words, role nouns such as "minister", "head", "spokesperson", "intelligence", possessive 's, and
   "of/the/for/to/and"), or after it in the inverted form '"...," said Mark Rutte' (also after up to
   three lower-case words: '"...," said candidate Amara Osei'), or after "by" in "This was stated by
   X". An appositive name wins over the role it names ("The head of the Centre, Andrii Kovalenko,
   said" gives "Andrii Kovalenko"). Anonymous subjects ("the media", "sources", "it was reported",
   "the statement") are skipped and the next verb is tried; "Sources of UNN reported" gives via="UNN".
2. "This was stated/said/announced by X" as the FOLLOWING sentence: X made the current statement.
3. A headline "X: statement" ("Rutte: NATO has no evidence ...").
4. "X has/have no evidence/information" (X is the speaker).
5. "according to X" with no other speaker: X is the speaker when it names a role or body ("according
   to the regional governor", "according to South Korean intelligence"); a bare name ("according to
   Reuters") or anonymous media give only `via`, as does "according to X" next to another speaker.

A pronoun subject (he, she, they, we, it, I) takes the speaker of the previous sentence, or None.
`via` also comes from a trailing ", UNN reports." / ", Reuters wrote." and from "in an interview with
X" / "in a commentary to X". Leading "The/And/But/However/Also/Now/..." are stripped from names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.analysis.clauses import main_clause
from monitor.domain import Attribution, Sentence

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_GLUED = re.compile(
    r"\b(said|says|reported|reports|report|stated|noted|confirmed|claimed|added|wrote)that\b", re.I
)
_TOKEN = re.compile(r"[A-Za-z0-9](?:[\w'-]|\.(?=\w))*|[^\w\s]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPEECH = _words(
    "said says say stated states told tells noted notes added adds explained explains emphasized emphasised "
    "emphasizes stressed stresses clarified clarifies confirmed confirms denied denies announced announces "
    "reported reports report wrote writes warned warns believes believe claimed claims dismissed dismisses "
    "declined refused mentioned argued argues insisted acknowledged admitted posted tweeted "
    "commented replied assured urged called highlighted revealed expressed think thinks"
)
_NEEDS_NEXT = {"called": {"for", "on", "the", "it", "this", "them"}, "declined": {"to"}, "refused": {"to"}}
_ROLES = _words(
    "minister secretary general president head chief spokesperson spokesman spokeswoman representative envoy "
    "ambassador official officials director commander adviser advisor service ministry intelligence office "
    "agency department council committee government command staff state deputy vice prime senior permanent "
    "press speaker leader governor mayor prosecutor prosecutors analyst analysts expert experts board "
    "regulator ceo chairman chairwoman chair founder executive manager union channel network newspaper "
    "broadcaster foreign defence defense military national federal former acting top army navy police "
    "authorities media sources spokespeople"
)
_CONNECTORS = {"of", "the", "for", "to", "and"}
_LEADING = _words(
    "the a an and but however also now then earlier later meanwhile subsequently recently previously so thus "
    "yet still today yesterday here there therefore moreover additionally furthermore separately finally "
    "of for to in on at after before when while as last this that"
)
_SKIP_BACK = _words(
    "has have had also reportedly then later further publicly recently again repeatedly officially "
    "previously earlier once personally directly already now first"
)
_PRONOUNS = {"he", "she", "they", "we", "it", "i"}
_ANONYMOUS = {"media", "sources", "source", "reports", "report", "statement", "outlets", "press", "it"}
_PASSIVE = {"was", "were", "been", "be", "is", "are", "being"}
_LABELS = _words(
    "photo author video source sources update updated note solution editor read see also watch live breaking "
    "exclusive opinion analysis summary background context bottom date tags category image credit caption "
    "warning correction"
)

_HEADLINE = re.compile(
    r"^([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}):\s+(?!(?:How|Why|What|Who|When|Where|Which|Inside)\b)\S"
)
_QUOTE_END = re.compile(r"[,.!?]\s*[\"']\s*(?:said\s+[A-Z]|[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}\s+said\b)")
_TRAILING_VIA = re.compile(
    r",\s*([^,\"]{1,60}?)\s+(?:reports|reported|writes|wrote|informs)(?:\s+citing\s+[^,.]+)?\s*[.!]?\s*$"
)
_CHANNEL = re.compile(
    r"\bin\s+(?:a|an|his|her|their|its)\s+(?:\w+\s+)?(?:commentary|comment|interview|statement|post|article|"
    r"address|speech|briefing)\s+(?:to|with|on|for)\s+"
)
_STATED_BY = re.compile(
    r"^(?:this|that|it|these|such (?:statements?|remarks?))\s+(?:was|were|has been|had been)\s+"
    r"(?:stated|said|announced|reported|written|noted|declared|claimed|confirmed)\s+by\s+",
    re.I,
)
_NO_EVIDENCE = re.compile(
    r"\b(?:has|have)\s+(?:no|not\s+seen\s+any)\s+(?:evidence|information|proof|confirmation)\b"
)
_ACCORDING = re.compile(r"\baccording\s+to\s+", re.I)


def _clean(text: str) -> str:
    return _GLUED.sub(r"\1 that", " ".join(text.translate(_QUOTES).split()))


def _np_token(tok: str) -> bool:
    low = tok.lower()
    return tok[:1].isupper() or low in _ROLES or low in _CONNECTORS or low.removesuffix("'s") in _ROLES


def _tidy(tokens: list[str]) -> str | None:
    """Strip leading discourse words and trailing connectors; None if nothing name-like is left."""
    while tokens and tokens[0].lower() in _LEADING:
        tokens = tokens[1:]
    for cut, tok in enumerate(tokens):
        if tok in {"to", "for"} and not any(t[:1].isupper() for t in tokens[cut:]):
            tokens = tokens[:cut]  # "Mark Rutte to the media"
            break
    while tokens and tokens[-1].lower() in _CONNECTORS:
        tokens = tokens[:-1]
    if not tokens or not any(t[:1].isupper() or t.lower() in _ROLES for t in tokens):
        return None
    return " ".join(tokens)


def _forward(tokens: list[str], i: int) -> str | None:
    """The noun phrase starting at tokens[i] (after "by", "according to", an inverted verb)."""
    if i < len(tokens) and tokens[i].lower() in _PRONOUNS:
        return tokens[i].lower()
    out: list[str] = []
    while i < len(tokens) and len(out) < 14:
        role_ahead = any(t.lower() in _ROLES for t in tokens[i + 1 : i + 3])
        if not (_np_token(tokens[i]) or (tokens[i].isalpha() and tokens[i].islower() and role_ahead)):
            break
        out.append(tokens[i])  # lowercase modifiers only before a role noun: "the regional governor"
        i += 1
    return _tidy(out)


def _backward(tokens: list[str], j: int) -> str | None:
    """The subject noun phrase ending at tokens[j], for a verb at j + 1."""
    while j >= 0 and tokens[j].lower() in _SKIP_BACK:
        j -= 1
    if j >= 0 and tokens[j].lower() in _PRONOUNS:
        return tokens[j].lower()
    if j >= 0 and tokens[j] == ",":
        k = j - 1
        while k >= 0 and j - k < 14 and tokens[k] != ",":
            k -= 1
        inner = tokens[k + 1 : j]
        if k >= 0 and inner and all(not t[:1].isupper() for t in inner):
            return _backward(tokens, k - 1)  # a parenthetical: ", in turn,"
        if k >= 0 and inner and all(_np_token(t) for t in inner):
            return _tidy(inner)  # an appositive name: "The head of X, Andrii Kovalenko, said"
        return None
    out: list[str] = []
    while j >= 0 and len(out) < 14 and _np_token(tokens[j]):
        out.insert(0, tokens[j])
        j -= 1
    return _tidy(out)


def _inverted(tokens: list[str], i: int) -> str | None:
    """The subject after an inverted speech verb: a name, a role ("said the regional governor"), or up
    to three lower-case words before a name ("said candidate Amara Osei")."""
    if i >= len(tokens):
        return None
    if tokens[i][:1].isupper():
        return _forward(tokens, i)
    j = i
    while j < min(i + 3, len(tokens)) and tokens[j].isalpha() and tokens[j].islower():
        if tokens[j] in _PRONOUNS or (tokens[j] in _LEADING and tokens[j] not in {"the", "a", "an"}):
            return None
        j += 1
    if j < len(tokens) and tokens[j][:1].isupper() and (name := _forward(tokens, j)) is not None:
        return _tidy([*tokens[i:j], *name.split()])
    return _forward(tokens, i) if any(t.lower() in _ROLES for t in tokens[i:j]) else None


def _anonymous(name: str) -> bool:
    words = name.lower().split()
    return words[0] in _ANONYMOUS or words[-1] in _ANONYMOUS


def _names_role(name: str) -> bool:
    """A person or body by its role ("the regional governor", "South Korean intelligence")."""
    return any(w.lower().removesuffix("'s") in _ROLES for w in name.split())


def _of_outlet(name: str) -> str | None:
    """The outlet in "Sources of UNN" ("UNN"), if any."""
    _, sep, tail = name.partition(" of ")
    return _tidy(tail.split()) if sep else None


def _verb_subject(tokens: list[str]) -> tuple[str | None, str | None]:
    """(speaker, via) from the leftmost speech verb with a named or pronoun subject."""
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if low not in _SPEECH or (i and tok != low):
            continue  # mid-sentence "Said" is a name
        nxt = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if low in _NEEDS_NEXT and nxt not in _NEEDS_NEXT[low]:
            continue
        prev = tokens[i - 1].lower() if i else ""
        if prev in {"the", "a", "these", "those", "such", "news", "media's"}:
            continue  # a noun: "the reports of ..."
        if prev in _PASSIVE:
            name = _forward(tokens, i + 2) if nxt == "by" else None
        elif prev in {",", '"', "'"} and (inverted := _inverted(tokens, i + 1)) is not None:
            name = inverted  # inverted: '"...," said Mark Rutte', '"...," said candidate Amara Osei'
        else:
            name = _backward(tokens, i - 1)
        if name is None:
            continue
        if name in _PRONOUNS or not _anonymous(name):
            return name, None
        via = _of_outlet(name)
        if via:
            return None, via
    return None, None


def _according(text: str) -> str | None:
    match = _ACCORDING.search(text)
    return _forward(_TOKEN.findall(text[match.end() :]), 0) if match else None


def _read(text: str, following: str | None) -> tuple[str | None, str | None]:
    """(speaker, via) of one cleaned sentence; the speaker may still be a pronoun."""
    if not any(c.isalpha() for c in text):
        return None, None
    via: str | None = None
    trailing = _TRAILING_VIA.search(text)
    body = text
    if trailing:
        via = _forward(_TOKEN.findall(trailing.group(1)), 0)
        if via and not _anonymous(via):
            body = text[: trailing.start()]
        else:
            via = None
    channel = _CHANNEL.search(body)
    if channel and via is None:
        via = _forward(_TOKEN.findall(body[channel.end() :]), 0)
    main = main_clause(body)  # "X said ..., days after Y denied ...": X speaks
    speaker, outlet = _verb_subject(_TOKEN.findall(main))
    if speaker is None and main != body:
        speaker, outlet = _verb_subject(_TOKEN.findall(body))
    via = via or outlet
    according = _according(body)
    if speaker is None and following:
        stated = _STATED_BY.match(_clean(following))
        if stated:
            later = attribute(following)
            speaker, via = later.speaker, via or later.via
        elif (end := _clean(following)).count('"') % 2 == 1 and _QUOTE_END.search(end) and '"' not in text:
            speaker = attribute(following).speaker  # the end of a quote that runs over several sentences
    headline = _HEADLINE.match(text)
    if speaker is None and headline and headline.group(1).split()[0].lower() not in _LABELS:
        speaker = headline.group(1)
    if speaker is None and (evidence := _NO_EVIDENCE.search(body)):
        before = _TOKEN.findall(body[: evidence.start()])
        speaker = _backward(before, len(before) - 1)
    if speaker is None and according:
        if according in _PRONOUNS or (_names_role(according) and not _anonymous(according)):
            speaker, according = according, None
        else:
            via = via or according
    elif according and according not in _PRONOUNS and via is None:
        via = according
    return speaker, via


def attribute(sentence: str, previous: str | None = None, following: str | None = None) -> Attribution:
    """Return who says `sentence` (speaker) and through whom (via), using its neighbours when the text
    points to them (a pronoun subject: `previous`; "This was stated by X": `following`)."""
    speaker, via = _read(_clean(sentence), following)
    if speaker in _PRONOUNS:
        speaker = attribute(previous).speaker if previous else None
        if speaker in _PRONOUNS:
            speaker = None
    return Attribution(speaker=speaker, via=via)


_OPENING = {"\u201c": True, "\u201d": False}
_REOPEN = {"\u201c", '"'}


@dataclass(frozen=True, slots=True)
class _Quoting:
    """How one sentence sits in the quotations of its paragraph."""

    starts_open: bool  # the sentence begins inside a quotation opened before it
    ends_open: bool  # a quotation is still open at its end
    has_quote: bool  # it has a quotation mark, or lies inside a quotation
    narration: str  # the sentence with quoted words replaced by "..."


def _quoting(text: str, starts_open: bool) -> _Quoting:
    """Double quotation marks only (an apostrophe and a single quote look alike); a curly mark says
    whether it opens or closes, a straight one toggles."""
    inside = starts_open
    narration: list[str] = ["..."] if inside else []
    marks = 0
    for ch in text:
        if ch in _OPENING or ch == '"':
            marks += 1
            was = inside
            inside = _OPENING.get(ch, not inside)
            if was and not inside:
                narration.append('..."')
            elif inside and not was:
                narration.append('"')
            continue
        if not inside:
            narration.append(ch)
    return _Quoting(starts_open, inside, bool(marks) or starts_open, "".join(narration))


def _spans(sentences: Sequence[Sentence]) -> list[tuple[list[int], list[_Quoting]]]:
    """Runs of sentences joined by a quotation that crosses their boundary (a sentence on its own
    otherwise). A quotation still open at the end of a paragraph closes there, unless the next
    paragraph opens with a quotation mark (the convention for a quotation of several paragraphs)."""
    out: list[tuple[list[int], list[_Quoting]]] = []
    open_ = False
    for i, sentence in enumerate(sentences):
        carried = open_
        if i and sentence.paragraph != sentences[i - 1].paragraph:
            carried = open_ and sentence.text.lstrip()[:1] in _REOPEN
            open_ = False
        q = _quoting(sentence.text, open_)
        if (q.starts_open or carried) and out:
            out[-1][0].append(i)
            out[-1][1].append(q)
        else:
            out.append(([i], [q]))
        open_ = q.ends_open
    return out


def attribute_all(sentences: Sequence[Sentence]) -> list[Attribution]:
    """The attribution of every sentence of one article, in order; never raises.

    Like `attribute`, plus what only the whole article shows:

    - a quotation that runs over several sentences of a paragraph (straight or curly double quotes)
      is one statement: the speaker named in the words outside the quotation ('"A. B," said X.',
      'X said: "A. B. C."') speaks every sentence of it; a quotation left open at the end of a
      paragraph ends there;
    - a sentence that is all quotation and names nobody continues the speaker of the sentence before
      it in the same paragraph ('"A," X said. "B."'), or of the previous paragraph's last sentence when
      that one quoted someone too;
    - a pronoun subject takes the speaker already found for the sentence before it, so "he added"
      follows a chain of quotations.
    """
    texts = [s.text for s in sentences]
    out: list[Attribution] = [Attribution() for _ in sentences]
    quoted = [False for _ in sentences]
    for indices, quoting in _spans(sentences):
        first, last = indices[0], indices[-1]
        if len(indices) == 1:
            readings = [_read(_clean(texts[first]), texts[last + 1] if last + 1 < len(texts) else None)]
        else:
            readings = [_read(_clean(q.narration), None) for q in quoting]
        speaker = next((s for s, _ in readings if s), None)
        via = next((v for _, v in readings if v), None)
        if speaker in _PRONOUNS:
            speaker = out[first - 1].speaker if first else None
        elif speaker is None and first and not any(c.isalpha() for q in quoting for c in q.narration):
            before = sentences[first - 1]
            if before.paragraph == sentences[first].paragraph or quoted[first - 1]:
                speaker = out[first - 1].speaker  # '"A," X said. "B."'
        for k, i in enumerate(indices):
            quoted[i] = quoting[k].has_quote or len(indices) > 1
            if speaker is None and len(indices) > 1:  # nobody named outside the quotation
                neighbours = (texts[i - 1] if i else None, texts[i + 1] if i + 1 < len(texts) else None)
                out[i] = attribute(texts[i], *neighbours)
            else:
                out[i] = Attribution(speaker=speaker, via=readings[k][1] or via)
    return out
