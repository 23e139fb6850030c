"""Inflected forms of English words, for matching topic terms and claim keywords: "acquire" also
matches "acquired", "acquires" and "acquiring"; "units" matches "unit" and never "United".

The forms come from lemminflect's dictionaries (lemmas and inflections by part of speech), so a word
is expanded to its own inflections only: no derived words ("acquisition" is another word than
"acquire"), no comparatives of an adjective ("better" is not "good"). Matching then stays a regular
expression built once per rules version: nothing is stemmed or lemmatised per article.
"""

from __future__ import annotations

import functools

_INFLECTED = ("NOUN", "VERB")
"""Parts of speech whose inflections are the same word in another form (plural, tense)."""

_FUNCTION_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "of", "on", "or"}
    | {"the", "to", "was", "were", "with", "off", "out", "over", "up", "down", "not", "no"}
)


@functools.lru_cache(maxsize=4096)
def inflections(word: str) -> tuple[str, ...]:
    """Every noun and verb form of a lowercase word's lemmas, the word included, longest first; empty
    when the word is not lowercase letters, is a function word, or is unknown to the dictionary.

    A plural noun keeps to its noun forms ("forces": "force", not "forced"; "talks": "talk", not
    "talked"): a keyword written in the plural names a thing. Other words take the forms of both
    ("deploy": "deployed", "deployment" is another word; "fighting": "fight", "fought")."""
    if not word.isalpha() or not word.islower() or word in _FUNCTION_WORDS:
        return ()
    from lemminflect import getAllInflections, getAllLemmas  # its dictionaries load on first use

    lemmas = {pos: found for pos, found in getAllLemmas(word).items() if pos in _INFLECTED}
    plural = [lemma for lemma in lemmas.get("NOUN", ()) if lemma != word]
    if plural and word in getAllInflections(plural[0], upos="NOUN").get("NNS", ()):
        lemmas = {"NOUN": lemmas["NOUN"]}
    forms: set[str] = set()
    for pos, found in lemmas.items():
        for lemma in found:
            forms.add(lemma)
            for inflected in getAllInflections(lemma, upos=pos).values():
                forms.update(inflected)
    if not forms:
        return ()
    forms.add(word)
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def phrase_forms(phrase: str) -> tuple[str, ...]:
    """The forms of a lowercase word or phrase, inflecting its last word ("peace talks" -> "peace
    talk", "peace talked", ...); empty when there is nothing to inflect (a name, an unknown word)."""
    if not phrase.islower():
        return ()
    *head, last = phrase.split()
    prefix = " ".join(head) + " " if head else ""
    return tuple(prefix + form for form in inflections(last))
