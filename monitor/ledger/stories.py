"""Stories: syndicated copies, truncations and rewrites of one report are one story.

Method. A text is reduced to its word 5-shingles (every run of 5 consecutive words after normalising:
NFKC, casefold, apostrophes dropped, other punctuation made a space, whitespace collapsed). Two texts
are the same story when the Jaccard similarity of their shingle sets is at least `THRESHOLD`. Jaccard
is estimated from a MinHash `Signature` (datasketch, `NUM_PERM` = 128 permutations, scheme "affine32",
fixed `SEED`, so a signature is the same in every process and can be stored). Candidates are found by
LSH banding: the signature is cut into `BANDS` = 64 bands of `ROWS` = 2 values, and texts that share
a band key are candidates, verified with `same_story`. In a database: store `band_keys(sig)` in an
indexed column, look candidates up with `WHERE band IN (...)`, then verify each with `same_story`.

Callers pass the article body, not the headline or byline: a headline is a few words against hundreds
and outlets change it, so it would only add noise; outlet boilerplate left in the body (datelines,
"Read more:", copyright lines) costs a wire copy about a tenth of its similarity (0.86-0.90 measured).

The numbers, measured on the hand-written corpus tests/data/stories/corpus.yaml (exact Jaccard of
5-shingles, each variant against its story's original): wire copies with other boilerplate 0.86-0.90;
truncations to 60-70% 0.60-0.70; light rewrites (lead recast, sentences reordered, a paragraph dropped
or added, words changed) 0.36-0.76, median 0.55. Different stories on the same event (the recount after
the election, the manager quitting after the final), which share names, figures and a background
sentence, reach at most 0.06; unrelated texts at most 0.04 (shared outlet boilerplate). On the
generated corpus of bench/stories.py (5,000 documents) heavier rewrites (10% of the words replaced,
three sentences dropped, two added, paragraphs reordered) have a median of 0.27 (5th percentile 0.18)
and same-event stories a 95th percentile of 0.09. So:

- `THRESHOLD` = 0.2 sits in that gap. With 128 permutations the estimate's standard deviation is
  sqrt(J(1 - J) / 128): 0.04 at J = 0.3 (a rewrite at 0.3 falls below 0.2 about once in 100) and
  0.027 at J = 0.1 (a same-event story at 0.1 passes 0.2 about once in 10,000). Pairwise precision and
  recall of `cluster` on the bench corpus for thresholds 0.15 / 0.2 / 0.25 / 0.3 / 0.5: precision
  0.998 / 1.0 / 1.0 / 1.0 / 1.0, recall 0.990 / 0.958 / 0.902 / 0.817 / 0.612; on the hand-written
  corpus 0.5 gives recall 0.75 (rewrites lost), 0.2 and 0.3 give 1.0 / 1.0.
- 64 bands of 2 rows make a pair a candidate with probability 1 - (1 - J^2)^64: 0.93 at J = 0.2, 0.998
  at 0.3, but 0.21 at 0.06 and 0.006 at 0.01: some unrelated texts are fetched and then rejected by the
  (cheap) verification. On the bench corpus that is 5.4 candidates per document at 5,000 documents
  and 9.2 at 10,000 (false candidates grow with the store: look candidates up in a recent window).
  Bands of 3 or 4 rows fetch fewer (42 x 3: 1.06 per document) but find a pair at J = 0.3 only with
  probability 0.68 (32 x 4: 0.23): recall on the bench corpus falls to 0.877 (0.737).
- k = 5: smaller k raises every similarity (rewrites 0.47+, same-topic stories up to 0.10 with k = 3)
  and common phrases ("said on Monday that") start to match across unrelated texts; larger k lowers
  the rewrites towards the same-topic stories.

Short texts: a text of fewer than k words is one shingle (its whole normalised text), so it is the
same story only as a text with exactly those words. A text with no words has no shingles: its
signature `is_empty`, has no band keys and is the same story as nothing, not even another empty text.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from monitor.ledger.unionfind import UnionFind

K = 5
NUM_PERM = 128
SEED = 20250519
BANDS = 64
ROWS = 2
THRESHOLD = 0.2

FORMAT = 1  # the first byte of `Signature.to_bytes`; change it when K, NUM_PERM, SEED or `shingles` change
_EMPTY = 0xFFFFFFFF  # datasketch's initial value: the minimum over no shingles
_DTYPE = np.dtype("<u4")  # little-endian uint32, whatever the machine
_APOSTROPHES = re.compile(r"['’ʼ]")
_NON_WORD = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    """The normalised words of `text`: NFKC, casefold, apostrophes dropped ("Sunday's" -> "sundays"),
    every other run of punctuation, symbols or whitespace a single break."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", _APOSTROPHES.sub("", folded)).split()


def shingles(text: str, k: int = K) -> set[str]:
    """The word k-shingles of `text` (each the k words joined by one space). Pass the body, not the
    headline or byline (see the module docstring). Fewer than k words make one shingle of them all;
    no words, no shingles."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    found = _words(text)
    if not found:
        return set()
    if len(found) < k:
        return {" ".join(found)}
    return {" ".join(found[i : i + k]) for i in range(len(found) - k + 1)}


@dataclass(frozen=True, slots=True)
class Signature:
    """The MinHash signature of a text: `NUM_PERM` 32-bit minima, little-endian, as bytes."""

    values: bytes

    def __post_init__(self) -> None:
        if len(self.values) != NUM_PERM * _DTYPE.itemsize:
            raise ValueError(f"a signature has {NUM_PERM} values, not {len(self.values) / _DTYPE.itemsize:g}")

    def array(self) -> npt.NDArray[np.uint32]:
        """The values as a read-only array."""
        return np.frombuffer(self.values, dtype=_DTYPE)

    @property
    def is_empty(self) -> bool:
        """True for the signature of a text without words."""
        return bool(np.all(self.array() == _EMPTY))

    def similarity(self, other: Signature) -> float:
        """The estimated Jaccard similarity of the two texts' shingle sets (the share of equal minima,
        as datasketch's `MinHash.jaccard`); 0.0 if either text had no words."""
        if self.is_empty or other.is_empty:
            return 0.0
        return float(np.count_nonzero(self.array() == other.array())) / NUM_PERM

    def to_bytes(self) -> bytes:
        """`FORMAT` in one byte, then the values: 513 bytes, for a LargeBinary column."""
        return bytes([FORMAT]) + self.values

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        """The signature `to_bytes` wrote. Raises ValueError for another length or format (a signature
        made with other parameters, which must be computed again from the text)."""
        if len(data) != 1 + NUM_PERM * _DTYPE.itemsize or data[0] != FORMAT:
            raise ValueError(f"not a story signature of format {FORMAT} ({len(data)} bytes)")
        return cls(bytes(data[1:]))


@functools.cache
def _minhash() -> tuple[Any, Any]:
    """datasketch's MinHash class and the permutations for `NUM_PERM` and `SEED`, drawn once (otherwise a
    third of the time of a signature). Imported on first use: datasketch's package imports scipy (0.5 s)."""
    from datasketch import MinHash  # type: ignore[import-untyped]

    return MinHash, MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32").permutations


def _signature_of_shingles(found: Iterable[str]) -> Signature:
    minhash_class, permutations = _minhash()
    minhash = minhash_class(num_perm=NUM_PERM, seed=SEED, scheme="affine32", permutations=permutations)
    minhash.update_batch([s.encode("utf-8") for s in found])
    return Signature(np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes())


def signature(text: str) -> Signature:
    """The signature of a body text's 5-shingles."""
    return _signature_of_shingles(shingles(text))


def band_keys(sig: Signature) -> list[str]:
    """`BANDS` keys such as "07:3f9c0a1be24d5e86": the band's index, then 64 bits of a BLAKE2b digest of
    its `ROWS` values. Texts sharing any key are candidates. No keys for an empty signature."""
    if sig.is_empty:
        return []
    size = ROWS * _DTYPE.itemsize
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(sig.values[band * size : (band + 1) * size], digest_size=8)
        keys.append(f"{band:02d}:{digest.hexdigest()}")
    return keys


def same_story(a: Signature, b: Signature) -> bool:
    """True when the estimated Jaccard similarity is at least `THRESHOLD` (never for an empty one)."""
    return a.similarity(b) >= THRESHOLD


def cluster(docs: Sequence[tuple[str, str]]) -> list[set[str]]:
    """The stories among `docs` (pairs of id and body text): candidates by shared band key, verified with
    `same_story`, joined transitively. Every id is in exactly one set; the sets are ordered by their
    smallest id. The result does not depend on the order of `docs`. Raises ValueError on a repeated id."""
    ids = [doc_id for doc_id, _ in docs]
    if len(set(ids)) != len(ids):
        raise ValueError("cluster: document ids must be unique")
    signatures = [signature(text) for _, text in docs]
    buckets: dict[str, list[int]] = {}
    for i, sig in enumerate(signatures):
        for key in band_keys(sig):
            buckets.setdefault(key, []).append(i)
    sets: UnionFind[int] = UnionFind()
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        for n, i in enumerate(members):
            for j in members[n + 1 :]:
                if (i, j) in checked:
                    continue
                checked.add((i, j))
                if sets.find(i) != sets.find(j) and same_story(signatures[i], signatures[j]):
                    sets.union(i, j)
    groups: dict[int, set[str]] = {}
    for i, doc_id in enumerate(ids):
        groups.setdefault(sets.find(i), set()).add(doc_id)
    return sorted(groups.values(), key=min)
