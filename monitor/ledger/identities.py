"""Speaker identities: which mentions of people, bodies and outlets are one independent source.

`SpeakerResolver(aliases).resolve(names) -> {raw mention: identity label}` takes the raw speaker and
outlet strings of `monitor.analysis.attribution.attribute` ("NATO Secretary General Mark Rutte", "Rutte", "the
Pentagon", "Censor.NET") and maps each one to the label of the identity it belongs to ("NATO",
"Pentagon", "Censor.NET"), so that the ledger counts independent sources. `same(a, b)` says whether
two mentions are one identity when resolved on their own. Pure functions, no I/O.

The mapping depends only on the *set* of names: any order, any duplicates, the same result.

Reading one mention:

- Normalise: typographic quotes, accents (ASCII folding), case, a leading "the/a/an", possessive 's,
  British/American spelling ("Centre"/"Center", "Defence"/"Defense"), "spokesman"/"spokesperson".
- Person: the trailing run of capitalised words that are not role words ("Minister", "Secretary",
  "General", "chief", "Mr" ...), bodies, acronyms, legislatures or places ("NATO Secretary General Mark
  Rutte" -> "Mark Rutte"); "von der Leyen" particles stay inside it. Leading places are dropped from it
  ("South Korean Kim Yong-hyun" -> "Kim Yong-hyun"), except a country before a single name ("Israel
  Katz"); a run of places only ("South Korea") is no person, nor is a run after of/for/to ("Centre for
  Countering Disinformation", "adviser to Andriy Yermak") or after an outlet word that opens the mention
  ("Daily Mail"). In "X, Y" the part that is only a name is the person ("The head of the Centre ...,
  Andrii Kovalenko" and "Mykhailo Podolyak, adviser to ...").
- Body: the rightmost acronym (NATO, UN, IAEA, UNN), web address (Censor.NET) or institution word
  (Ministry, Agency, Centre, Office, Service, intelligence, Pentagon, Kremlin, White House, Post, Times,
  News ...) before the person, grown over the capitalised words around it ("South Korea's National
  Intelligence Service", "Centre for Countering Disinformation", "Office of the President of Ukraine").
  Country acronyms (US, UK, DPRK ...) and role acronyms (MP, CEO) are not bodies; neither is what
  follows "ambassador/envoy/representative to" (North Korea's representative to the UN is not the UN).
  A body's key is its bag of words with demonyms read as countries ("Ukrainian Foreign Ministry" ==
  "Foreign Ministry of Ukraine"), tolerating a one-letter typo in a place name ("South Koran", "Sout
  Korea": four letters or more, the same first letter) or in an institution word of six letters or
  more after the body's first word ("Harbourview Councel").
- Organisation: with no such body, the leading capitalised run of "<Northwind> <chief executive>
  <Priya Raman>" (words that are no role, place, nationality, legislature, party word such as
  "Democratic", or generic word, followed by role words only) is the body the person speaks for.
  "President Joe Biden", "Ukrainian President X" and "Senator Jane Doe" name no organisation.
- Everything else before the person is its role ("President", "Foreign Minister") and qualifiers
  (countries, legislatures: "Ukrainian", "Speaker of the Verkhovna Rada").

Linking mentions (union-find; decided on the whole set in fixed steps, so order never matters):

1. Mentions with the same normalised text are one.
2. Full names (two words or more) are one person when every word has the same sound key. Sound key of
   a word of five letters or more: ASCII letters, kh->h, zh/ch/sh/shch/ts/ph/th/gh/ck digraphs folded,
   then h->g, y/j->i, w->v, doubled letters collapsed, so Zelensky/Zelenskyy/Zelenskiy, Sybiha/Sibiga
   (Ukrainian h, Russian g) and Podolyak/Podoliak meet. Shorter words must match exactly (Kim, Lee,
   Li, Yoon are distinct names). No edit distance here (4b is stricter): Zelenskyy/Zelenska (husband
   and wife) and Petrov/Petrova are one letter apart. Every word counts, so "George W. Bush" and
   "George H. W. Bush" stay two people, as do two full names that share only a surname.
3. A person named with a body is that body: "NATO Secretary General Mark Rutte" makes "Mark Rutte" and
   "NATO" one identity. A country or nationality never links ("Ukrainian President Volodymyr
   Zelenskyy" and "Ukraine's Foreign Minister Andriy Sybiha" stay distinct), nor does a bare role.
   A role with no name ("NATO Secretary General") belongs to the body it names. A bare name
   ("Northwind", "Calder Mining") whose words are the key of a body named in the set (so an
   organisation named before a role: "Calder Mining chief executive Tomas Reyes") is that body.
   A hyphen and a space are one ("Adebayo-Okafor" = "Adebayo Okafor").
4. An acronym body, when mentioned, is the body whose capitalised words it abbreviates, with or without
   leading places ("NIS" = "South Korea's National Intelligence Service", "UN" = "United Nations").
4b. Spelling variants (rapidfuzz), decided on the set of keys: two bodies with as many key words,
   at most two of them different, each pair one typo apart (five letters or more, same first letter,
   one edit or two neighbours swapped) and no place among them, whose names are at least 90 alike
   (token_sort_ratio): "Harbourveiw Council" = "Harbourview Council". Two full names that differ
   in one word of five letters or more by one such typo with the same first and last letter: a last
   letter is where names inflect, so Zelenskyy/Zelenska and Petrov/Petrova stay apart.
5. A bare surname ("Rutte", "Minister Sibiga") is the person with that surname (sound key) when the full
   names that end in it form exactly one identity after steps 1-4; else it stays on its own.
6. After step 5: a role with qualifiers and no name ("Ukrainian President", "Speaker of the Rada") is the
   one identity among named people whose roles and qualifiers include its own (and who have no status
   word such as "former" that it lacks), if exactly one; a role without qualifiers ("President", "head
   of state") never links. A body named without its country or qualifier ("Foreign Ministry",
   "South Korea's intelligence") is the one body that adds only places and the words national,
   state, federal or service to it ("Ukraine's Foreign Ministry", "South Korea's National
   Intelligence Service"), if exactly one.
7. Aliases (`{"NATO": ["Jens Stoltenberg", "North Atlantic Treaty Organization"], "Washington Post":
   ["WaPo"]}`: canonical name -> other names) take part as extra mentions tied to their canonical name,
   so "Sybiha" as an alias also catches "Ukraine's Foreign Minister Andriy Sybiha" through step 5.

Links are transitive: a person named with two bodies joins them. The label of an identity is, first
that applies: an alias key; its body (an acronym, else the one with fewest misspelt places, then most
words); its longest full person name; its bare name; its shortest mention. Labels are spelt as written
(minus "the" and a trailing possessive); mixed case beats capitals only, which beats lower case
("Censor.NET", "CENSOR.NET", "censor.net"); remaining ties go to the alphabetically first, so a label
changes only when the set of mentions does.

`is_generic(mention)` says whether a mention names nobody ("head of state", "the media", "sources", "a
source familiar with the talks", "the president"): the ledger then gives its sentence to the outlet
that carries it (`monitor.ledger.statements.source_name`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Levenshtein

from monitor.ledger.unionfind import UnionFind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CONNECTORS = _words("of for to and the at from in on with by a an &")
_JOINERS = _words("of for and the &")  # may sit inside a body's name: "Office of the President"
_ARTICLES = _words("the a an")
_STATUS = _words("former acting ex current incumbent outgoing new top senior then")
_ROLES = _STATUS | _words(
    "minister secretary general president presidential head chief spokesperson representative envoy "
    "ambassador official officials director commander adviser deputy vice prime press speaker leader "
    "governor mayor prosecutor chairman chairwoman chair ceo founder executive manager reporter "
    "correspondent editor journalist columnist analyst expert lawmaker mp senator congressman "
    "congresswoman member commissioner coordinator attache delegate emissary aide assistant attorney "
    "king queen prince chancellor premier colonel lieutenant captain admiral marshal sergeant gen col lt "
    "capt adm mr mrs ms dr prof sir foreign defense interior finance economy justice health energy trade "
    "state security national military first"
)
_ENVOYS = _words("ambassador envoy representative delegate emissary delegation mission")
_ANCHORS = _words(
    "ministry agency center office pentagon kremlin post times journal news herald tribune gazette "
    "telegraph guardian independent chronicle daily tv radio channel broadcasting broadcaster newspaper "
    "wire service intelligence institute bureau directorate department administration government cabinet "
    "council commission committee organization union nations alliance staff command headquarters forces "
    "force army navy police guard bank fund court university company corporation group embassy "
    "foundation party"
)
_NOT_NAMES = _words(
    "house rada verkhovna duma congress senate parliament knesset bundestag sejm assembly media sources "
    "affairs"
)
_GENERIC = _words(
    "media press source sources official officials expert experts analyst analysts observer observers "
    "witness witnesses resident residents diplomat diplomats insider insiders person people someone "
    "statement statements report reports document documents publication publications message "
    "familiar knowledge matter talks situation authorities authority he she they it we i you who one "
    "some many several others other local western country countries outlet outlets"
)
"""Words of a description that names nobody ("a source familiar with the talks", "head of state",
"the media", "Officials"): with roles, connectors and lower-case words only, a mention is generic."""
_CROWDS = _words(
    "media press source sources officials experts analysts observers witnesses residents diplomats insiders "
    "people reports outlets"
)
"""Heads of a description that names a crowd, not a speaker: a place before one names nobody either
("South Korean media", "Western diplomats", "Russian sources")."""
_NOT_ORGS = _words(
    "democratic republican conservative liberal socialist communist labour green opposition independent "
    "veteran longtime"
)
"""Capitalised words before a role that are a party line or a manner, not an organisation's name."""
_BODY_EXTRAS = _words("national state federal service")
"""Words a body's full name may add to a shorter mention of it ("South Korea's intelligence" is
"South Korea's National Intelligence Service")."""
_COUNTRY_ACRONYMS = _words("us usa uk dprk rok prc uae rf ussr")
_ROLE_ACRONYMS = _words("mp mps ceo cfo coo cto")
_PARTICLES = _words("van von der den de da di du del dos bin ibn al el le la ter ten")
_FILLERS = _words("affairs")
_SPELLING = {
    "defence": "defense",
    "centre": "center",
    "organisation": "organization",
    "programme": "program",
    "advisor": "adviser",
    "spokesman": "spokesperson",
    "spokeswoman": "spokesperson",
    "spokespeople": "spokesperson",
    "kiev": "kyiv",
}
_DEMONYMS = {
    "ukrainian": "ukraine", "russian": "russia", "korean": "korea", "american": "us", "british": "uk",
    "chinese": "china", "japanese": "japan", "german": "germany", "french": "france", "polish": "poland",
    "iranian": "iran", "israeli": "israel", "belarusian": "belarus", "turkish": "turkey", "indian": "india",
    "dutch": "netherlands", "norwegian": "norway", "swedish": "sweden", "finnish": "finland",
    "estonian": "estonia", "latvian": "latvia", "lithuanian": "lithuania", "moldovan": "moldova",
    "georgian": "georgia", "hungarian": "hungary", "romanian": "romania", "slovak": "slovakia",
    "czech": "czechia", "italian": "italy", "spanish": "spain", "canadian": "canada",
    "australian": "australia", "syrian": "syria", "pakistani": "pakistan", "taiwanese": "taiwan",
    "vietnamese": "vietnam", "european": "europe", "austrian": "austria", "belgian": "belgium",
    "danish": "denmark", "greek": "greece", "bulgarian": "bulgaria", "serbian": "serbia",
    "croatian": "croatia", "kazakh": "kazakhstan", "saudi": "saudi arabia", "emirati": "uae",
    "egyptian": "egypt", "iraqi": "iraq",
    "afghan": "afghanistan", "mongolian": "mongolia", "filipino": "philippines", "brazilian": "brazil",
    "mexican": "mexico", "crimean": "crimea", "soviet": "ussr",
}  # fmt: skip
_COUNTRY_NAMES = {
    "america": "us", "usa": "us", "us": "us", "britain": "uk", "england": "uk", "uk": "uk",
    "dprk": "north korea", "rok": "south korea", "prc": "china", "rf": "russia", "holland": "netherlands",
}  # fmt: skip
_PLACE_WORDS = frozenset(
    w for v in (*_DEMONYMS.values(), *_COUNTRY_NAMES.values()) for w in v.split()
) | _words(
    "north south east west northern southern eastern western united states kingdom arab emirates "
    "korea arabia zealand jordan chad iran iraq israel ukraine russia kyiv moscow washington seoul "
    "pyongyang beijing london paris berlin brussels tokyo warsaw minsk tehran ankara jerusalem "
    "budapest vienna rome ottawa canberra delhi donbas donetsk luhansk kursk belgorod kharkiv kherson "
    "zaporizhzhia odesa"
)
_PLACE_LOOKUP = {**dict.fromkeys(_PLACE_WORDS, ""), **_DEMONYMS, **_COUNTRY_NAMES}
_ROLES_OR_ANCHORS = _ROLES | _ANCHORS
_NEVER_NAMES = _ANCHORS | _NOT_NAMES | _CONNECTORS
_NOT_ORG_WORDS = _NEVER_NAMES | _NOT_ORGS | _GENERIC
_BODY_ADDITIONS = _PLACE_WORDS | _BODY_EXTRAS
"""What a body's full name may add to a shorter mention of it: places and `_BODY_EXTRAS`."""
_DIGRAPHS = (
    ("shch", "6"), ("kh", "h"), ("zh", "3"), ("ch", "4"), ("sh", "5"), ("ts", "c"), ("tz", "c"),
    ("ph", "f"), ("gh", "g"), ("th", "t"), ("ck", "k"),
)  # fmt: skip
_SOUNDS = str.maketrans("hyjw", "giiv")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SEPARATORS = re.compile(r"[,;()]|\s[-\u2013\u2014]\s")
_TOKEN = re.compile(r"(?:[^\W\d_]\.)+(?!\w)|[^\W_](?:[\w'.&-]*[^\W_])?")
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]?")
_NO_ALIASES: Mapping[str, Sequence[str]] = MappingProxyType({})


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _word(tok: str) -> str:
    """The comparison form of one token: folded, no possessive, "U.S." -> "us", one spelling."""
    low = _fold(tok)
    low = low[:-2] if low.endswith("'s") else low.rstrip("'")
    if _DOTTED.fullmatch(low):
        low = low.replace(".", "")
    return _SPELLING.get(low, low)


def _within_one_edit(a: str, b: str) -> bool:
    """At most one letter added, dropped or changed (rapidfuzz's Levenshtein distance)."""
    return Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _misspelt_place(tok: str) -> str | None:
    """The one place name or demonym a capitalised unknown word is a letter away from ("Koran",
    "Sout"): the word has four letters or more and starts like the place."""
    word = _word(tok)
    if len(word) < 4 or not tok[:1].isupper() or word in _PLACE_LOOKUP or word in _ROLES_OR_ANCHORS:
        return None
    near = [p for p in _PLACE_LOOKUP if len(p) >= 5 and p[0] == word[0] and _within_one_edit(word, p)]
    return near[0] if len(near) == 1 else None


@lru_cache(maxsize=4096)
def _misspelt_anchor(tok: str) -> str | None:
    """The one institution word of six letters or more a capitalised unknown word is a letter away
    from ("Councel" -> "council"), starting like it."""
    word = _word(tok)
    if len(word) < 6 or not tok[:1].isupper() or word in _ROLES_OR_ANCHORS or word in _PLACE_LOOKUP:
        return None
    near = [a for a in _ANCHORS if len(a) >= 6 and a[0] == word[0] and _within_one_edit(word, a)]
    return near[0] if len(near) == 1 else None


def _concepts(tok: str) -> tuple[str, ...]:
    """Key words of a body or qualifier token: demonyms and country names read as the country, a
    misspelt institution word as the word."""
    word = _word(tok)
    place = word if word in _PLACE_LOOKUP else _misspelt_place(tok)
    if place:
        return tuple((_PLACE_LOOKUP[place] or place).split())
    return (_misspelt_anchor(tok) or word,)


def _sound(tok: str) -> str:
    """Transliteration-tolerant key of a name word (exact below five letters)."""
    letters = "".join(c for c in _word(tok) if c.isalpha())
    if len(letters) < 5:
        return letters
    for digraph, single in _DIGRAPHS:
        letters = letters.replace(digraph, single)
    return re.sub(r"(.)\1+", r"\1", letters.translate(_SOUNDS))


def _bare(tok: str) -> str:
    """The token without a possessive ("NATO's" -> "NATO")."""
    return re.sub(r"'s?$", "", tok)


def _is_acronym(tok: str) -> bool:
    letters = _bare(tok)
    if "." in letters and not _DOTTED.fullmatch(letters.lower()):
        return False  # a web address: "CENSOR.NET"
    letters = letters.replace(".", "")
    return len(letters) >= 2 and letters.isalpha() and letters.isupper()


def _is_brand(tok: str) -> bool:
    """A web address ("Censor.NET") or a name with an acronym part ("RBC-Ukraine")."""
    tok = _bare(tok)
    dotted = "." in tok and not _DOTTED.fullmatch(tok.lower())
    return dotted or ("-" in tok and any(_is_acronym(part) for part in tok.split("-")))


def _is_role(tok: str) -> bool:
    return all(part in _ROLES for part in _word(tok).split("-"))


def _is_place(tok: str) -> bool:
    return _word(tok) in _PLACE_LOOKUP


def _is_anchor(tokens: Sequence[str], i: int) -> bool:
    tok, word = tokens[i], _word(tokens[i])
    if word in _COUNTRY_ACRONYMS or word in _ROLE_ACRONYMS:
        return False
    if word == "house":
        return i > 0 and _word(tokens[i - 1]) in {"white", "blue"}
    misspelt = i > 0 and _misspelt_anchor(tok) is not None  # "Harbourview Councel", never "Chanel"
    return word in _ANCHORS or misspelt or _is_acronym(tok) or _is_brand(tok)


def _name_like(tok: str) -> bool:
    word = _word(tok)
    return (
        tok[:1].isalpha()
        and tok[:1].isupper()
        and not _is_role(tok)
        and word not in _NEVER_NAMES
        and not _is_acronym(tok)
        and not _is_brand(tok)
    )


def _pure_name(tokens: Sequence[str]) -> bool:
    return (
        0 < len(tokens) <= 5
        and _name_like(tokens[0])
        and all(_name_like(t) or t in _PARTICLES for t in tokens)
        and not all(_is_place(t) for t in tokens)
    )


def _trim(run: list[str], prefix: list[str]) -> tuple[list[str], list[str]]:
    """Move leading particles and places from a name run back to the prefix."""
    while run and (
        run[0] in _PARTICLES
        or (len(run) > 2 and _is_place(run[0]))
        or (len(run) > 1 and _word(run[0]) in _DEMONYMS)
    ):
        prefix = [*prefix, run[0]]
        run = run[1:]
    if all(_is_place(t) for t in run):
        return [], prefix + run
    return run, prefix


def _split_person(segments: list[list[str]]) -> tuple[list[str], list[str]]:
    """(person tokens, the other tokens with "," between segments)."""

    def joined(parts: Iterable[list[str]]) -> list[str]:
        out: list[str] = []
        for part in parts:
            out += [","] * bool(out) + part
        return out

    if len(segments) > 1:
        for at in (len(segments) - 1, 0):
            if _pure_name(segments[at]):
                return _trim(segments[at], joined(s for i, s in enumerate(segments) if i != at))
        return [], joined(segments)
    tokens = segments[0] if segments else []
    i = len(tokens)
    if i > 1 and _misspelt_anchor(tokens[-1]) and _name_like(tokens[-2]):
        return [], tokens  # a body's name with a typo in its last word: "Harbourview Councel"
    while i > 0 and (_name_like(tokens[i - 1]) or tokens[i - 1] in _PARTICLES):
        i -= 1
    if i and _word(tokens[i - 1]) in _CONNECTORS:
        return [], tokens  # the object of "of/for/to": "Centre for Countering Disinformation"
    if i == 1 and _is_anchor(tokens, 0) and _bare(tokens[0]) == tokens[0]:
        return [], tokens  # the rest of an outlet's name: "Daily Mail", "Radio Free Europe"
    return _trim(tokens[i:], tokens[:i])


def _body_span(prefix: Sequence[str]) -> tuple[int, int] | None:
    limit = len(prefix)
    for i in range(1, len(prefix)):
        if _word(prefix[i]) == "to" and _word(prefix[i - 1]) in _ENVOYS:
            limit = i  # "representative to the United Nations": not the UN's
            break
    anchors = [i for i in range(limit) if _is_anchor(prefix, i)]
    if not anchors:
        return None
    start = end = anchors[-1]
    while start > 0 and _extends(prefix[start - 1]):
        start -= 1
    end += 1
    while end < limit:
        k = end
        while k < limit and _word(prefix[k]) in _JOINERS:
            k += 1
        if k == limit:
            break
        word = _word(prefix[k])
        if k > end and (prefix[k][:1].isupper() or word in _ROLES_OR_ANCHORS):
            end = k + 1  # "Centre for Countering Disinformation", "Office of the President"
        elif k == end and ((prefix[k][:1].isupper() and not _is_role(prefix[k])) or word in _ANCHORS):
            end = k + 1  # "Daily Mail", "intelligence service"
        else:
            break
    return start, end


def _extends(tok: str) -> bool:
    """Whether a token left of a body's anchor belongs to its name ("South Korea's National ...")."""
    word = _word(tok)
    if tok == "," or word in _CONNECTORS or word in _STATUS:
        return False
    return tok[:1].isupper() or word in _ROLES_OR_ANCHORS or word in _PLACE_LOOKUP


def _initials(body: Sequence[str]) -> frozenset[str]:
    words = [t for t in body if _word(t) not in _JOINERS]
    if not all(t[:1].isupper() and not _is_acronym(t) for t in words):
        return frozenset()
    variants = {"".join(t[0] for t in words).lower()}
    while words and _is_place(words[0]):
        words = words[1:]
        variants.add("".join(t[0] for t in words).lower())
    return frozenset(v for v in variants if len(v) >= 2)


def _clean(raw: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", raw.translate(_QUOTES)).split()).strip(" .,:;\"'")
    return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)


@dataclass(frozen=True, slots=True)
class _Mention:
    display: str
    key: str = ""
    person: str = ""
    person_key: tuple[str, ...] = ()
    body: str = ""
    body_key: frozenset[str] = frozenset()
    initials: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    qualifiers: frozenset[str] = frozenset()
    name_key: frozenset[str] = frozenset()
    """The words of a mention that is a bare name ("Northwind", "Calder Mining"): it is the
    organisation with that key when one is named before a role (step 3)."""
    split_key: tuple[str, ...] = ()
    """The person's sound key with hyphenated words split ("Adebayo-Okafor" = "Adebayo Okafor")."""


def _organisation(prefix: Sequence[str]) -> tuple[int, int] | None:
    """The leading capitalised run of "<Northwind> <chief executive> <Priya Raman>": an organisation
    named before the person's roles, when nothing but role words follow it. Places, party words,
    legislatures and roles never start one ("US President", "Democratic Senator", "Speaker")."""
    k = 0
    while k < len(prefix) and _org_word(prefix[k]):
        k += 1
    if 0 < k < len(prefix) and all(_is_role(t) for t in prefix[k:]):
        return 0, k
    return None


def _org_word(tok: str) -> bool:
    word = _word(tok)
    return (
        tok[:1].isalpha()
        and tok[:1].isupper()
        and not _is_role(tok)
        and not _is_place(tok)
        and _misspelt_place(tok) is None
        and word not in _NOT_ORG_WORDS
    )


@lru_cache(maxsize=4096)
def _parse(raw: str) -> _Mention:
    display = _clean(raw)
    segments = [tokens for part in _SEPARATORS.split(display) if (tokens := _TOKEN.findall(part))]
    if segments:
        while segments[0] and _word(segments[0][0]) in _ARTICLES:
            segments[0] = segments[0][1:]
        segments = [s for s in segments if s]
    if not segments:
        return _Mention(display)
    person, prefix = _split_person(segments)
    span = _body_span(prefix) or (_organisation(prefix) if person else None)
    start, end = span or (0, 0)
    body = prefix[start:end]
    roles: set[str] = set()
    qualifiers: set[str] = set()
    for i, tok in enumerate(prefix):
        if start <= i < end or tok == "," or _word(tok) in _CONNECTORS:
            continue
        if _is_role(tok):
            roles.update(_word(tok).split("-"))
        else:
            qualifiers.update(c for c in _concepts(tok) if c not in _FILLERS)
    person = [*person[:-1], _bare(person[-1])] if person else []
    body = [*body[:-1], _bare(body[-1])] if body else []
    bare_name = bool(person) and not prefix
    return _Mention(
        display=display,
        key=" ".join(_word(t) for s in segments for t in s),
        person=" ".join(person),
        person_key=tuple(_sound(t) for t in person),
        body=" ".join(body),
        body_key=frozenset(c for t in body if _word(t) not in _JOINERS | _FILLERS for c in _concepts(t)),
        initials=_initials(body),
        roles=frozenset(roles),
        qualifiers=frozenset(qualifiers),
        name_key=frozenset(c for t in person for c in _concepts(t)) if bare_name else frozenset(),
        split_key=tuple(_sound(part) for t in person for part in t.split("-") if part),
    )


def _body_node(key: frozenset[str]) -> str:
    return "b:" + " ".join(sorted(key))


def _link_direct(items: Mapping[str, _Mention], uf: UnionFind[str]) -> None:
    """Steps 1-4: same text, same full name, person with body, acronym with its long form."""
    acronyms = {
        next(iter(m.body_key)) for m in items.values() if len(m.body_key) == 1 and _is_acronym(m.body)
    }
    bodies = {m.body_key for m in items.values() if m.body_key}
    for node, m in items.items():
        uf.find(node)
        if m.key:
            uf.union(node, "k:" + m.key)
        if len(m.person_key) > 1:
            uf.union(node, "p:" + " ".join(m.person_key))
            if len(m.split_key) > len(m.person_key):
                uf.union(node, "p:" + " ".join(m.split_key))  # "Adebayo-Okafor" = "Adebayo Okafor"
        elif m.person_key:
            uf.union(node, "s:" + m.person_key[0])
        if m.body_key:
            uf.union(node, _body_node(m.body_key))
        for acronym in sorted(m.initials & acronyms):
            uf.union(node, _body_node(frozenset({acronym})))
        if m.name_key in bodies:
            uf.union(node, _body_node(m.name_key))  # "Northwind" = "Northwind chief executive ..."


def _link_spellings(items: Mapping[str, _Mention], uf: UnionFind[str]) -> None:
    """Step 4b: spelling variants of one body or one full name (see `_near_body`, `_near_name`)."""
    bodies = sorted({m.body_key for m in items.values() if m.body_key}, key=sorted)
    links = [
        (_body_node(a), _body_node(b))
        for i, a in enumerate(bodies)
        for b in bodies[i + 1 :]
        if _near_body(a, b)
    ]
    names = sorted({m.split_key for m in items.values() if len(m.person_key) > 1})
    links += [
        ("p:" + " ".join(a), "p:" + " ".join(b))
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if _near_name(a, b)
    ]
    for a, b in links:
        uf.union(a, b)


def _near_words(a: str, b: str) -> bool:
    """Two words one typo apart: five letters or more, the same first letter, one edit (a letter
    added, dropped or changed, or two neighbours swapped: rapidfuzz's optimal string alignment)."""
    return min(len(a), len(b)) >= 5 and a[0] == b[0] and OSA.distance(a, b) <= 1


def _near_body(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two body keys that are one name misspelt: as many words, at most two differ, each one typo
    apart and none a place (places are matched, typos included, by `_concepts`), and the whole names
    at least 90 alike (rapidfuzz token_sort_ratio): "Harbourveiw Council" = "Harbourview Council"."""
    only_a, only_b = sorted(a - b), sorted(b - a)
    if len(a) != len(b) or not 0 < len(only_a) <= 2 or set(only_a + only_b) & _PLACE_WORDS:
        return False
    if fuzz.token_sort_ratio(" ".join(sorted(a)), " ".join(sorted(b))) < 90:
        return False
    pairings = [only_b] if len(only_b) == 1 else [only_b, only_b[::-1]]
    return any(all(_near_words(x, y) for x, y in zip(only_a, p, strict=True)) for p in pairings)


def _near_name(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two full names (sound keys) that are one misspelt word apart: every other word the same, and
    that word five letters or more, one edit away, with the same first and last letter. The last letter
    is where names inflect: Petrov/Petrova, Zelenskyy/Zelenska are never one person."""
    if len(a) != len(b):
        return False
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differ) != 1:
        return False
    x, y = differ[0]
    return x[-1] == y[-1] and _near_words(x, y)


def _link_surnames(items: Mapping[str, _Mention], uf: UnionFind[str]) -> None:
    """Step 5: a bare surname joins the only identity whose full names end in it."""
    owners: dict[str, set[str]] = {}
    for node, m in items.items():
        if len(m.person_key) > 1:
            owners.setdefault(m.person_key[-1], set()).add(uf.find(node))
    bare = sorted({m.person_key[0] for m in items.values() if len(m.person_key) == 1})
    links = [(f"s:{s}", min(owners[s])) for s in bare if len(owners.get(s, ())) == 1]
    for a, b in links:
        uf.union(a, b)


def _link_roles_and_bodies(items: Mapping[str, _Mention], uf: UnionFind[str]) -> None:
    """Step 6: a qualified role without a name, a body without its country."""
    links: list[tuple[str, str]] = []
    named = [(uf.find(n), m) for n, m in items.items() if m.person_key]
    for node, m in sorted(items.items()):
        if m.person_key or m.body_key or not m.roles or not m.qualifiers:
            continue
        roots = {
            r
            for r, c in named
            if m.roles <= c.roles and m.qualifiers <= c.qualifiers and c.roles & _STATUS <= m.roles
        }
        if len(roots) == 1:
            links.append((node, roots.pop()))
    bodies = {m.body_key for m in items.values() if m.body_key}
    for key in sorted(bodies, key=sorted):
        roots = {uf.find(_body_node(o)) for o in bodies if key < o and o - key <= _BODY_ADDITIONS}
        if len(roots) == 1:
            links.append((_body_node(key), roots.pop()))
    for a, b in links:
        uf.union(a, b)


def _casing(text: str) -> int:
    """0 for mixed case ("Censor.NET"), 1 for capitals only ("CENSOR.NET"), 2 for lower case."""
    return 0 if text != text.upper() and text != text.lower() else 1 if text != text.lower() else 2


def _candidates(m: _Mention) -> Iterator[tuple[int, tuple[int, ...], str]]:
    """(priority, rank, label) of what a mention offers as its identity's label; the least wins."""
    if m.body:
        acronym = 0 if _is_acronym(m.body) else 1
        typos = sum(_misspelt_place(t) is not None or _misspelt_anchor(t) is not None for t in m.body.split())
        yield 1, (acronym, typos, -len(m.body.split()), _casing(m.body)), m.body
    if len(m.person_key) > 1:
        yield 2, (-len(m.person_key), -len(m.person), _casing(m.person)), m.person
    elif m.person:
        yield 3, (_casing(m.person),), m.person
    yield 4, (len(m.display), _casing(m.display)), m.display


class SpeakerResolver:
    """Maps raw speaker and outlet mentions to identity labels (see the module docstring for the rules).

    `aliases` maps a canonical name to other names of it, for what the rules can't see
    (`{"NATO": ["Jens Stoltenberg"], "Ukraine MFA": ["Sybiha"]}`); a single string counts as one name.
    """

    def __init__(self, aliases: Mapping[str, Sequence[str]] = _NO_ALIASES) -> None:
        self._aliases = tuple(
            sorted(
                (canonical, tuple(sorted({names} if isinstance(names, str) else set(names))))
                for canonical, names in aliases.items()
            )
        )

    def resolve(self, names: Iterable[str]) -> dict[str, str]:
        """Return {raw mention: identity label} for every distinct mention in `names`.

        The result depends only on the set of names (and the aliases): never on order or duplicates.
        """
        raws = sorted(set(names))
        items: dict[str, _Mention] = {f"m:{raw}": _parse(raw) for raw in raws}
        uf = UnionFind[str]()
        for canonical, others in self._aliases:
            for name in (canonical, *others):
                node = f"v:{canonical}\x00{name}"
                items[node] = _parse(name)
                uf.union(f"a:{canonical}", node)
        _link_direct(items, uf)
        _link_spellings(items, uf)
        _link_surnames(items, uf)
        _link_roles_and_bodies(items, uf)
        best: dict[str, tuple[int, tuple[int, ...], str]] = {}
        for canonical, _ in self._aliases:
            root = uf.find(f"a:{canonical}")
            best[root] = min(best.get(root, (0, (), canonical)), (0, (), canonical))
        for node, m in items.items():
            root = uf.find(node)
            for candidate in _candidates(m):
                if root not in best or candidate < best[root]:
                    best[root] = candidate
        return {raw: best[uf.find(f"m:{raw}")][2] or raw for raw in raws}

    def same(self, a: str, b: str) -> bool:
        """Whether `a` and `b` are one identity when resolved together, with no other mentions."""
        labels = self.resolve((a, b))
        return labels[a] == labels[b]


def is_generic(mention: str) -> bool:
    """Whether a mention describes a speaker without naming one: "head of state", "the media",
    "Sources", "officials", "a spokesperson", "a source familiar with the talks", "the president".

    A mention is generic when it has no acronym or web address, no place or nationality (typos
    included), and every capitalised word in it is a role, a connector or a generic word (`_GENERIC`):
    "Ukrainian President", "Harbourview Council", "the Pentagon" and "Sources of UNN" name someone;
    lower-case institution words do not ("the ministry", "police"). Such a mention is no independent
    source: `monitor.ledger.statements.source_name` gives its sentence to the outlet that carries it.
    A crowd (`_CROWDS`) is generic with a place before it too: "South Korean media", "Western diplomats".
    A mention with no words at all is generic too.
    """
    tokens = _TOKEN.findall(_clean(mention))
    crowd = bool(tokens) and _word(tokens[-1]) in _CROWDS
    for tok in tokens:
        if _is_acronym(tok) or _is_brand(tok):
            return False
        place = _is_place(tok) or _misspelt_place(tok) is not None
        if place and not crowd:
            return False
        word = _word(tok)
        if tok[:1].isupper() and not (place or _is_role(tok) or word in _GENERIC or word in _CONNECTORS):
            return False
    return True
