"""Split article text into sentences with character offsets.

sentencex does the hard part (abbreviations, decimals, quotes). It keeps a quoted passage of several
sentences together; we split those again at a full stop followed by a capital, unless the word before
the stop looks like an abbreviation ("Mr.", "Gen.").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import sentencex

from monitor.domain import Sentence

_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*\S)")
_INNER_BREAK = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“‘]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][\w-]*)[.!?][\"”’]?\s*$")


def _looks_like_abbreviation(head: str) -> bool:
    match = _WORD_BEFORE.search(head)
    if match is None:
        return False
    word = match.group(1)
    return (len(word) <= 3 and word[0].isupper()) or len(word) == 1


def _inner_splits(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _INNER_BREAK.finditer(text):
        if _looks_like_abbreviation(text[: match.start() + 1]):
            continue
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _PARAGRAPH.finditer(text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _segments(block: str) -> Iterator[tuple[int, str]]:
    """sentencex's pieces with their offsets, re-joined where it split inside a word ("Censor.NET")."""
    pieces: list[tuple[int, str]] = []
    offset = 0
    for piece in sentencex.segment("en", block):
        at = block.find(piece, offset)
        if at < 0:  # sentencex normalised something; fall back to the rest of the block
            at = offset
        if pieces and at == offset and piece[:1].isalnum() and not pieces[-1][1][-1:].isspace():
            prev_at, _ = pieces.pop()
            piece = block[prev_at : at + len(piece)]
            at = prev_at
        pieces.append((at, piece))
        offset = at + len(piece)
    return iter(pieces)


def split_sentences(text: str) -> list[Sentence]:
    """Return the sentences of `text`; `text[s.start:s.end] == s.text` for each one."""
    sentences: list[Sentence] = []
    for paragraph, (p_start, p_end) in enumerate(_paragraphs(text)):
        block = text[p_start:p_end]
        for at, piece in _segments(block):
            for a, b in _inner_splits(piece):
                chunk = piece[a:b]
                stripped = chunk.strip()
                if not stripped:
                    continue
                lead = len(chunk) - len(chunk.lstrip())
                begin = p_start + at + a + lead
                sentences.append(
                    Sentence(
                        index=len(sentences),
                        text=stripped,
                        start=begin,
                        end=begin + len(stripped),
                        paragraph=paragraph,
                    )
                )
    return sentences
