"""The `rules` stance engine: hand-written rules of English news language, no model, no options.

    stance: {kind: rules}

It reads one sentence (already matched to the claim) and decides whether it confirms, contradicts or
only discusses the claim. The sentence is split into coordinated clauses (at "but", "while",
"whereas", "although", "after" and ";"); when some clauses name the claim's entity, the others are
ignored. Within a clause, cues are found with regular expressions and the strongest one decides:

| rank | cue              | example                                            | stance     | confidence |
| ---- | ---------------- | -------------------------------------------------- | ---------- | ---------- |
| 1    | denial           | "was not true", "groundless rumours", "denied it"  | contradict | 0.85       |
| 2    | no evidence      | "no evidence that", "has not yet confirmed"        | contradict | 0.70-0.72  |
| 3    | negated event    | "have not yet been moved", "are not fighting"      | contradict | 0.75       |
| 3    | refusal          | "will not send"; "refused to approve" (negated)    | contradict | 0.60/0.75  |
| 4    | confirmation     | "confirmed that ... had arrived", "confirmed this" | confirm    | 0.80-0.85  |
| 5    | realis           | "has already sent", "have been deployed"           | confirm    | 0.75       |
| 6    | hedge            | "could send", "may be", "whether", "alleged", "?"  | discuss    | 0.55-0.60  |
| 7    | ongoing / past   | "are fighting", "arrived in", "were deployed"      | confirm    | 0.70/0.65  |
| 8    | preparation      | "are training", "preparing"                        | discuss    | 0.55       |
| 9    | (none)           | a relevant statement with no cue                   | discuss    | 0.50       |

A confirmation verb counts only when it is not negated or under a modal, and when what it confirms
is the claim: a "that" clause that is not hedged and not mere preparation, a noun phrase naming a
claim keyword, or an anaphor ("confirmed this"). Event verbs are the claim's own verbs (from its text
and keywords, lightly stemmed: send/sent/sending) plus a general list of completed events (arrive,
deploy, join, enter, cross, reach, move, ...). "whether", "if", "unless", "doubt" and "neither
confirmed nor denied" put the rest of the clause in question, and a denial, a lack of evidence or a
negation governs it ("no evidence that they are fighting" is not a realis). A modal before "have"
("may have arrived") is a hedge. Negations and hedges inside a ", which ...," aside are ignored
("Russia, which does not publish figures, confirmed ..."). A confirmed "will" is a confirmed plan.

`context` (the previous sentence) is not parsed: the gate used it to let an anaphoric sentence
through, and such a sentence ("confirmed this", "They have arrived") is judged by its own verbs.

Confidence is then lowered by 0.05 for each of: a recap ("Earlier it was reported that..."; the
judgement also has `recap=True`), a sentence that leans on the one before (starts with a pronoun
or confirms/denies "this"), "reportedly"; and by 0.10 when clauses disagree (confirm and contradict).
A sentence with no letters, or with no mention of the claim and no anaphor, is UNRELATED.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from monitor.analysis.stance.base import EngineOptions, SentenceEngine, register
from monitor.domain import ClaimSpec, Judgement, Stance

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_GLUED = re.compile(r"\b(said|says|reported|reports|report|stated|noted|confirmed|claimed|added|wrote)that\b")
_SPACES = re.compile(r"\s+")

# Past forms that suffix stripping cannot relate to their verb.
_IRREGULAR = {
    "sent": "send", "fought": "fight", "began": "begin", "begun": "begin", "took": "take", "taken": "take",
    "left": "leave", "withdrew": "withdraw", "withdrawn": "withdraw", "brought": "bring", "led": "lead",
    "flew": "fly", "flown": "fly", "struck": "strike", "shut": "shut", "quit": "quit", "stepped": "step",
    "bought": "buy", "sold": "sell",
}  # fmt: skip
# Completed events in general English: their realis use states that something happened.
_EVENT_VERBS = re.findall(
    r"\w+",
    "arrive send deploy join enter cross reach move dispatch station transfer land launch "
    "invade attack capture seize fight participate engage withdraw approve authorize authorise close "
    "shut resign quit step leave sign complete halt suspend ban release adopt fire",
)
_STATES = {"involved", "engaged", "present", "stationed", "deployed", "based", "fighting", "participating"}
_PRONOUN_START = re.compile(r"^(?:(?:at the same time|meanwhile|later|then|now|however),?\s+)?"
                            r"(?:they|he|she|it|this|these|those|we)\b")  # fmt: skip

_ADV = (
    r"(?:(?:already|now|actually|reportedly|recently|officially|finally|also|just|indeed|currently|actively|"
    r"still|directly)\s+)"
)
_NEG = r"(?:(?:has|have|had|is|are|was|were|do|does|did)(?:\s+not|n't)|never|no\s+longer|cannot|can't)"

_DENIAL = re.compile(
    r"\bnot\s+(?:true|correct|accurate|the\s+case)\b"
    r"|\b(?:is|was|are|were|be|been)\s+(?:(?:completely|entirely|absolutely|totally|simply)\s+)?"
    r"(?:untrue|false|fake|baseless|groundless|unfounded|fabricated|nonsense|fiction|lies|premature|"
    r"exaggerated|inaccurate|incorrect|wrong|misleading|a\s+(?:lie|hoax|fabrication))\b"
    r"|\b(?:groundless|baseless|unfounded|false|fake|fabricated|untrue)[\s\"']+"
    r"(?:rumou?rs?|claims?|reports?|allegations?|information|news|stories|story|accusations?)\b"
    r"|\ba\s+(?:\w+\s+)?hoax\b|\bfabricat(?:ed|ion|ions)\b|\bno\s+truth\b"
    r"|\bcall(?:ed|ing|s)?\s+(?:it|this|them|that|these|"
    r"the\s+(?:reports?|claims?|allegations?|information|news))"
    r"(?:[\s\"']+[\w'-]+){0,8}?[\s\"']+(?:groundless|baseless|false|nonsense|lies|lie|hoax|"
    r"propaganda|fake|fiction|fabricat\w*|provocation|disinformation|absurd|rumou?rs?|untrue)"
    r"(?:[\s\"']+(?:rumou?rs?|claims?|reports?|news|lies|propaganda))?"
)
_DENY_VERB = re.compile(
    r"\b(?:denied|denies|deny|denying|dismissed|dismisses|dismissing|rejected|rejects|refuted|refutes|"
    r"debunked)\s+(?:the|these|those|such|all|any|that|it|this|them|reports?|claims?|allegations?|rumou?rs?|"
    r"media|having|\w+ing)\b"
)
_NO_ACTORS = re.compile(
    r"\b(?:no|not\s+a\s+single|not\s+any|(?<=,\s)not(?!\s+only\b))\s+((?:[a-z'-]+\s+){0,2}[a-z'-]+)"
)
_NONCOMMITTAL = re.compile(
    r"\bneither\s+confirm\w*\s+nor\s+den\w+|\bconfirm\s+or\s+deny\b|\b(?:not|n't|never)\s+den(?:y|ied)\b"
)
_NO_EVIDENCE = re.compile(
    r"\bno\s+(?:\w+\s+)?(?:evidence|proof|signs?|indications?|confirmation|information)\b"
    r"|\b(?:not|n't|never)\s+(?:yet\s+)?(?:seen|found|detected|observed)\s+(?:any\s+)?"
    r"(?:evidence|proof|signs?|indications?)"
)
_NOT_CONFIRMED = re.compile(
    r"\b(?:has|have|had|did|does|do|could|can|would|is|are|was|were)(?:\s+not|n't)\s+(?:yet\s+)?(?:been\s+)?"
    r"(?:able\s+to\s+)?(?:independently\s+)?(?:confirm|verify|corroborate)\w*"
    r"|\bcannot\s+(?:yet\s+)?(?:independently\s+)?(?:confirm|verify)\w*"
    r"|\b(?:unable|failed|refused|declined)\s+to\s+(?:independently\s+)?(?:confirm|verify)\w*"
    r"|\b(?:has|have|had|is|are)\s+yet\s+to\s+(?:be\s+)?(?:confirm|verif|corroborat)\w*"
    r"|\bnot\s+(?:been\s+)?(?:independently\s+)?(?:confirmed|verified)\b"
)
_NEGATED = re.compile(
    rf"\b(?:{_NEG}|will\s+not|won't|refused\s+to|refuses\s+to|declined\s+to)\s+"
    r"(?:(?:yet|been|being|be|actually|currently|directly|officially|ever)\s+){0,3}([a-z]+)\b"
)
_VERIFY = re.compile(
    r"\b(?:confirm(?:s|ed|ing)?|verif(?:y|ies|ied)|acknowledg(?:e|es|ed|ing)|admit(?:s|ted|ting)?|"
    r"establish(?:es|ed))\b"
)
_VERIFY_BLOCK = re.compile(
    r"\b(?:not|n't|never|no|unable|failed|refused|declined|cannot|could|may|might|would|will|should|to)\s+"
    r"(?:\w+\s+)?$"
)
_THAT = re.compile(r"^\s*(?:on\s+\w+\s+)?(?:that\b|the\s+reports?\s+that\b)")
_ANAPHOR = re.compile(r"^\s*(?:this|it|that|these|them|the\s+(?:reports?|information|news|claims?))\b")
_PERFECT = re.compile(
    rf"\b(?:has|have|had|'ve|'d)\s+{_ADV}{{0,2}}(?:been\s+)?([a-z]+)\b|\balready\s+(?:been\s+)?([a-z]+)\b"
)
_MODAL_BEFORE = re.compile(r"\b(?:could|may|might|would|should|must|will|to)\s+(?:\w+\s+)?$")
_ONGOING = re.compile(rf"\b(?:is|are|was|were|am|'re)\s+{_ADV}{{0,2}}(?:being\s+)?([a-z]+)\b")
_WORD = re.compile(r"[a-z][a-z'-]*")
_HEDGE = re.compile(
    r"\b(?:could|might|would|should|shall|will|'ll|possible|possibly|potential|potentially|likely|unlikely|"
    r"probably|probable|perhaps|maybe|alleged|allegedly|purported|purportedly|rumou?red|rumou?rs?|"
    r"speculat\w*|"
    r"unconfirmed|"
    r"expected\s+to|expects?\s+to|plans?\s+to|planning\s+to|planned|intends?\s+to|intending\s+to|intention|"
    r"ready\s+to|set\s+to|poised\s+to|about\s+to|consider(?:s|ed|ing)?|threat(?:en|ens)?\s+to|whether|if|"
    r"unless|doubt(?:s|ed)?|questioned|s[ck]eptical)\b"
    r"|\bmay\b(?!\s+\d)"
)
_FIRM_FUTURE = {"will", "'ll", "set to"}  # a confirmed plan: "confirmed that the plant will close"
_QUESTION_WORDS = {"whether", "if", "unless", "doubt", "doubts", "doubted", "questioned"}
_PREPARATION = re.compile(
    r"\b(?:train(?:s|ed|ing)?|prepar\w*|form(?:s|ed|ing)?|mobili[sz]\w*|recruit\w*|mass(?:es|ed|ing)|"
    r"gather\w*|"
    r"build(?:s|ing)?\s+up|drills?)\b"
)
_CLAUSE_SPLIT = re.compile(
    r"\s*;\s*|,?\s+but\s+(?!also\b)|,\s+(?:while|whereas|although|though)\s+|\s+after\s+"
)
_RELATIVE = re.compile(r",\s+(?:which|who|whose|whom)\b[^,;]*,")
_RECAP = re.compile(
    r"^(?:earlier|previously|to recap|recall that|as (?:was |we )?(?:previously |earlier )?reported|"
    r"it was (?:previously |earlier )?reported earlier|it was earlier reported|earlier it was reported)\b"
    r"|\bas (?:was |we )?reported (?:earlier|previously)\b"
)
_ANAPHOR_ANYWHERE = re.compile(
    r"\b(?:confirm|den(?:y|ie)|dismiss|reject|refut|call)\w*\s+(?:this|it|them|these)\b"
)
_NOT_BEFORE_DENIAL = re.compile(r"\b(?:not|n't|never|was|were|be|been|could|may|might|would)\s+$")
_NOT_BEFORE_PAST = frozenset({"has", "have", "had", "be", "been", "being", "to", "not", "is", "are", "am"})
_PUNCT = ".,;:!?\"'"
_REPORTEDLY = re.compile(r"\breportedly\b")

# rank, stance, confidence per cue kind (see the table in the module docstring)
_KINDS: dict[str, tuple[int, Stance, float]] = {
    "denial": (1, Stance.CONTRADICT, 0.85),
    "no evidence": (2, Stance.CONTRADICT, 0.72),
    "not confirmed": (2, Stance.CONTRADICT, 0.70),
    "negated event": (3, Stance.CONTRADICT, 0.75),
    "refusal": (3, Stance.CONTRADICT, 0.60),
    "confirmation": (4, Stance.CONFIRM, 0.85),
    "anaphoric confirmation": (4, Stance.CONFIRM, 0.85),
    "realis": (5, Stance.CONFIRM, 0.75),
    "hedge": (6, Stance.DISCUSS, 0.60),
    "non-committal": (6, Stance.DISCUSS, 0.55),
    "ongoing": (7, Stance.CONFIRM, 0.70),
    "past event": (7, Stance.CONFIRM, 0.65),
    "preparation": (8, Stance.DISCUSS, 0.55),
}
_CONFIRM_KINDS = {"confirmation", "anaphoric confirmation", "realis", "ongoing", "past event"}


def normalise(text: str) -> str:
    """Lower-case, straight quotes, single spaces, and "saidthat" glued by scrapers split again."""
    text = _SPACES.sub(" ", text.translate(_QUOTES)).strip().lower()
    return _GLUED.sub(r"\1 that", text)


def stem(word: str) -> str:
    """A light stem that relates the forms of one verb: send/sent/sending -> "send", arrive(d) -> "arriv"."""
    word = word.lower().strip("'\"")
    word = _IRREGULAR.get(word, word)
    if word.endswith(("ied", "ies")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ment", "ing", "es", "ed", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _verb_form(word: str) -> bool:
    return word.endswith(("ed", "ing")) or word in _IRREGULAR


@dataclass(frozen=True, slots=True)
class _Lexicon:
    aliases: re.Pattern[str]
    keywords: frozenset[str]
    events: frozenset[str]

    def names_claim(self, text: str) -> bool:
        return bool(self.aliases.search(text))

    def has_keyword(self, text: str) -> bool:
        return any(stem(w) in self.keywords for w in _WORD.findall(text))

    def is_event(self, word: str) -> bool:
        return _verb_form(word) and stem(word) in self.events


@functools.lru_cache(maxsize=256)
def _lexicon(claim: ClaimSpec) -> _Lexicon:
    aliases = sorted((a.lower() for a in claim.entities if a.strip()), key=len, reverse=True)
    pattern = r"\b(?:" + "|".join(re.escape(a) for a in aliases) + r")" if aliases else r"(?!)"
    words = _WORD.findall(claim.text.lower())
    auxiliaries = {"will", "would", "to", "has", "have", "had", "is", "are", "was", "were", "did", "does"}
    claim_verbs = {w for i, w in enumerate(words) if _verb_form(w) or (i and words[i - 1] in auxiliaries)}
    claim_verbs |= {k.lower() for k in claim.keywords if _verb_form(k.lower())}
    events = frozenset({stem(v) for v in _EVENT_VERBS} | {stem(v) for v in claim_verbs})
    keywords = frozenset(stem(k) for k in claim.keywords if k.strip())
    return _Lexicon(re.compile(pattern), keywords, events)


@dataclass(frozen=True, slots=True)
class _Cue:
    kind: str
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def rank(self) -> int:
        return _KINDS[self.kind][0]

    def label(self) -> str:
        return f"{self.kind}: '{self.text.strip()}'"


def _cues(lex: _Lexicon, clause: str, nested: bool = False) -> list[_Cue]:
    """Every cue in one clause; the caller picks the strongest. `nested`: inside a confirmed "that"
    clause, where confirmation verbs are not looked at again (keeps the work linear)."""
    found: list[_Cue] = []

    def add(kind: str, match: re.Match[str]) -> None:
        found.append(_Cue(kind, match.start(), match.group(0)))

    for m in _NONCOMMITTAL.finditer(clause):
        add("non-committal", m)
    masked = _NONCOMMITTAL.sub(lambda m: " " * len(m.group(0)), clause)
    for m in _DENIAL.finditer(masked):
        add("denial", m)
    for m in _DENY_VERB.finditer(masked):
        if not _NOT_BEFORE_DENIAL.search(masked[max(0, m.start() - 60) : m.start()]):
            add("denial", m)
    for m in _NO_EVIDENCE.finditer(masked):
        add("no evidence", m)
    for m in _NOT_CONFIRMED.finditer(masked):
        add("not confirmed", m)
    for m in _NEGATED.finditer(masked):
        word = m.group(1)
        if word in _STATES or stem(word) in lex.events:
            add("refusal" if m.group(0).startswith(("will", "won't")) else "negated event", m)
    for m in _NO_ACTORS.finditer(masked):
        if any(stem(w) in lex.keywords for w in m.group(1).split()) and not _NO_EVIDENCE.match(
            masked, m.start()
        ):
            add("negated event", m)
    relevant = lex.names_claim(clause) or lex.has_keyword(clause) or bool(_PRONOUN_START.match(clause))
    for m in () if nested else _VERIFY.finditer(masked):
        found.extend(_confirmation(lex, masked, m))
    for m in _PERFECT.finditer(masked):
        word = m.group(1) or m.group(2)
        if (
            relevant
            and lex.is_event(word)
            and not _MODAL_BEFORE.search(masked[max(0, m.start() - 60) : m.start()])
        ):
            add("realis", m)
    for m in _ONGOING.finditer(masked):
        word = m.group(1)
        progressive = word.endswith("ing") and lex.is_event(word) and m.group(0).split()[-1] == word
        if relevant and (word in _STATES or progressive):
            add("ongoing", m)
    for m in _WORD.finditer(masked) if relevant else ():
        word, head = m.group(0), masked[max(0, m.start() - 60) : m.start()]
        if word in _STATES or word.endswith("ing") or not lex.is_event(word):
            continue
        if (head.split()[-1:] or [""])[0] not in _NOT_BEFORE_PAST and not _MODAL_BEFORE.search(head):
            add("past event", m)
    for m in _HEDGE.finditer(masked):
        add("hedge", m)
    if masked.rstrip().endswith("?"):
        found.append(_Cue("hedge", len(masked) - 1, "?"))
    for m in _PREPARATION.finditer(masked):
        add("preparation", m)
    return _scope(masked, found)


def _confirmation(lex: _Lexicon, clause: str, m: re.Match[str]) -> list[_Cue]:
    """A confirmation verb, if not negated or modal and if what it confirms is the claim."""
    if _VERIFY_BLOCK.search(clause[max(0, m.start() - 60) : m.start()]):
        return []
    rest = clause[m.end() :]
    that = _THAT.match(rest)
    if that:
        inner = _cues(lex, rest[that.end() :], nested=True)
        best = min((c.rank for c in inner), default=99)
        if best <= _KINDS["negated event"][0]:
            return []
        doubts = [
            c for c in inner if c.kind == "preparation" or (c.kind == "hedge" and c.text not in _FIRM_FUTURE)
        ]
        if best >= _KINDS["hedge"][0] and doubts:
            return []
        if best == 99 and not (lex.has_keyword(rest) or lex.names_claim(rest)):
            return []
        return [_Cue("confirmation", m.start(), clause[m.start() : m.end() + that.end()])]
    verb = clause[m.start() : m.end()]
    if _ANAPHOR.match(rest):
        return [_Cue("anaphoric confirmation", m.start(), f"{verb} {rest.split()[0].strip(_PUNCT)}")]
    if lex.has_keyword(rest) and not _HEDGE.search(rest):
        return [_Cue("confirmation", m.start(), f"{verb} {' '.join(rest.split()[:4])}")]
    return []


def _scope(clause: str, cues: list[_Cue]) -> list[_Cue]:
    """Drop doubts inside a ", which ...," aside; realis cues put in question by "whether/if/doubt" or
    governed by a denial, a lack of evidence or a negation ("no evidence that they are fighting");
    and cues overlapping a stronger one."""
    asides = [(m.start(), m.end()) for m in _RELATIVE.finditer(clause)]
    cues = [c for c in cues if c.kind in _CONFIRM_KINDS or not any(a <= c.start < b for a, b in asides)]
    question = min(
        (c.start for c in cues if c.kind == "non-committal" or c.text in _QUESTION_WORDS), default=None
    )
    doubt = min((c.start for c in cues if c.rank <= _KINDS["negated event"][0]), default=None)
    kept: list[_Cue] = []
    for cue in sorted(cues, key=lambda c: c.rank):
        if any(k.start < cue.end and cue.start < k.end for k in kept):
            continue
        if question is not None and cue.start > question and cue.kind in _CONFIRM_KINDS:
            continue
        confirms_before = cue.kind == "confirmation" and doubt is not None and cue.start < doubt
        if doubt is not None and cue.kind in _CONFIRM_KINDS and not confirms_before:
            continue
        kept.append(cue)
    return kept


class RulesEngine(SentenceEngine):
    """Judges a sentence against a claim with the rules described in the module docstring."""

    name: str = "rules"

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        text = normalise(sentence)
        if not _WORD.search(text):
            return Judgement(Stance.UNRELATED, 1.0, ("empty sentence",))
        lex = _lexicon(claim)
        leans_back = bool(_PRONOUN_START.match(text))
        mentioned = lex.names_claim(text) or lex.has_keyword(text) or _ANAPHOR_ANYWHERE.search(text)
        if not (leans_back or mentioned):
            return Judgement(Stance.UNRELATED, 0.6, ("no mention of the claim",))
        clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()] or [text]
        naming = [c for c in clauses if lex.names_claim(c) or _PRONOUN_START.match(c)]
        cues = [cue for clause in (naming or clauses) for cue in _cues(lex, clause)]
        recap = bool(_RECAP.search(text))
        if not cues:
            return Judgement(Stance.DISCUSS, 0.45 if recap else 0.5, ("no cue: relevant statement",), recap)
        cues.sort(key=lambda c: c.rank)
        best = cues[0]
        _, stance, confidence = _KINDS[best.kind]
        labels = [best.label()]
        if {Stance.CONFIRM, Stance.CONTRADICT} <= {_KINDS[c.kind][1] for c in cues}:
            confidence -= 0.10
            labels.append("mixed: clauses disagree")
        if recap:
            confidence -= 0.05
            labels.append("recap")
        if leans_back or best.kind == "anaphoric confirmation" or best.text.endswith(("it", "this")):
            confidence -= 0.05
            labels.append("relies on context")
        if stance is Stance.CONFIRM and _REPORTEDLY.search(text):
            confidence -= 0.05
            labels.append("reportedly")
        others = [c.label() for c in cues[1:] if c.label() not in labels]
        return Judgement(
            stance, round(min(max(confidence, 0.05), 0.95), 2), tuple(labels + others[:4]), recap
        )


@register("rules")
def make_rules_engine(options: EngineOptions) -> RulesEngine:
    """The rules engine takes no options."""
    return RulesEngine()
