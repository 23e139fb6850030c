"""Identity of articles: the same text arriving twice (another file name, another folder) is one article.

The fingerprint is a hash of the normalised title and text, so whitespace and case changes do not make
a new article. Near-duplicates (rewrites, reprints with a new headline) are a later step.
"""

from __future__ import annotations

import hashlib
import re

from monitor.domain import Article

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def fingerprint(article: Article) -> str:
    """A stable hex digest of what the article says (not where it came from)."""
    return hashlib.sha256(normalise(article.text).encode("utf-8")).hexdigest()


def sentence_key(text: str) -> str:
    """A short digest of a sentence, to tell a sentence already on record from new evidence."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:32]
