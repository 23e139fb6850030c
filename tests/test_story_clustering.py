"""Wire copies, truncations and rewrites of one story cluster together; other stories, even on the same
event, stay apart (monitor/ledger/stories.py on the hand-written corpus tests/data/stories/corpus.yaml)."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.ledger import stories
from monitor.ledger.stories import Signature, band_keys, cluster, same_story, shingles, signature

CORPUS = Path(__file__).parent / "data" / "stories" / "corpus.yaml"
ROOT = Path(__file__).parent.parent
TEXT = "The river Saelen burst its banks in the town centre, and firefighters used boats to rescue 46 people."
# The first keys of TEXT's signature: they change only if the shingling, the seed, the permutations
# (datasketch's "affine32" scheme) or the band hashing change, and then every stored key is stale.
TEXT_KEYS = ["00:5712c0d109439e52", "01:6066a7bc10a6c9c5", "02:ced88ce2ae152e07"]


def load_corpus() -> list[dict[str, Any]]:
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = data["stories"]
    return entries


def labelled_docs() -> list[tuple[str, str, str]]:
    """(id, true story, text) of every document."""
    return [(d["id"], s["story"], d["text"]) for s in load_corpus() for d in s["documents"]]


def pairs(groups: list[set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for group in groups for a, b in itertools.combinations(sorted(group), 2)}


def test_the_corpus_is_labelled_as_described() -> None:
    entries = load_corpus()
    names = {entry["story"] for entry in entries}
    ids = [d["id"] for entry in entries for d in entry["documents"]]
    assert len(names) == len(entries) >= 16
    assert len(set(ids)) == len(ids)
    for entry in entries:
        assert entry.get("same_topic_as") in names | {None}
        kinds = [d["kind"] for d in entry["documents"]]
        assert kinds[0] == "original" and 2 <= len(kinds) <= 5
        assert set(kinds[1:]) <= {"wire-copy", "truncated", "rewrite"}
        assert 150 <= len(entry["documents"][0]["text"].split()) <= 400
    assert sum("same_topic_as" in entry for entry in entries) >= 4


def test_clusters_match_the_true_stories_pairwise() -> None:
    docs = labelled_docs()
    predicted = pairs(cluster([(doc_id, text) for doc_id, _, text in docs]))
    by_story: dict[str, set[str]] = {}
    for doc_id, story, _ in docs:
        by_story.setdefault(story, set()).add(doc_id)
    true = pairs(list(by_story.values()))
    right = len(predicted & true)
    precision = right / len(predicted) if predicted else 1.0
    recall = right / len(true)
    wrong = sorted(predicted - true)[:5]
    missed = sorted(true - predicted)[:5]
    assert precision >= 0.9, f"precision {precision:.3f}; e.g. wrongly joined {wrong}"
    assert recall >= 0.9, f"recall {recall:.3f}; e.g. missed {missed}"


def test_stories_on_the_same_event_do_not_match() -> None:
    originals = {entry["story"]: entry["documents"][0]["text"] for entry in load_corpus()}
    related = [(e["story"], e["same_topic_as"]) for e in load_corpus() if "same_topic_as" in e]
    for story, other in related:
        assert not same_story(signature(originals[story]), signature(originals[other])), (story, other)


def test_clusters_do_not_depend_on_the_input_order() -> None:
    docs = [(doc_id, text) for doc_id, _, text in labelled_docs()]
    expected = cluster(docs)
    for seed in range(5):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        assert cluster(shuffled) == expected


def test_signature_round_trips_through_bytes() -> None:
    sig = signature(TEXT)
    data = sig.to_bytes()
    assert len(data) == 1 + 4 * stories.NUM_PERM
    again = Signature.from_bytes(data)
    assert again == sig
    assert again.similarity(sig) == 1.0
    assert band_keys(again) == band_keys(sig)


@pytest.mark.parametrize("data", [b"", b"\x01" * 10, b"\x09" + bytes(4 * stories.NUM_PERM)])
def test_signature_from_other_bytes_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        Signature.from_bytes(data)


def test_band_keys_are_fixed_and_carry_the_band_index() -> None:
    keys = band_keys(signature(TEXT))
    assert keys == band_keys(signature(TEXT))
    assert len(keys) == stories.BANDS <= stories.NUM_PERM // stories.ROWS
    assert [key[:3] for key in keys] == [f"{band:02d}:" for band in range(stories.BANDS)]
    assert keys[:3] == TEXT_KEYS


def test_band_keys_are_the_same_in_another_process() -> None:
    code = (
        "from monitor.ledger.stories import band_keys, signature; "
        f"print(' '.join(band_keys(signature({TEXT!r}))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == band_keys(signature(TEXT))


def test_shingles_ignore_case_punctuation_and_spacing() -> None:
    messy = shingles("Storm  Edda's winds:\nup to 140 km/h!", k=5)
    assert messy == shingles("storm eddas WINDS up to 140 km h")
    assert shingles("one two three four five six") == {"one two three four five", "two three four five six"}


def test_short_texts_are_one_shingle_and_match_only_the_same_words() -> None:
    assert shingles("Markets closed higher.") == {"markets closed higher"}
    short = signature("Markets closed higher.")
    assert not short.is_empty
    assert len(band_keys(short)) == stories.BANDS
    assert same_story(short, signature("MARKETS closed higher"))
    assert not same_story(short, signature("Markets closed lower."))
    assert not same_story(short, signature(TEXT + " Markets closed higher."))


@pytest.mark.parametrize("text", ["", "   ", "— … !!", "\n\n"])
def test_texts_without_words_match_nothing(text: str) -> None:
    sig = signature(text)
    assert shingles(text) == set()
    assert sig.is_empty
    assert band_keys(sig) == []
    assert not same_story(sig, signature(""))
    assert Signature.from_bytes(sig.to_bytes()) == sig


def test_cluster_keeps_empty_and_short_texts_apart() -> None:
    docs = [
        ("a", ""),
        ("b", ""),
        ("c", "Markets closed higher"),
        ("d", "markets closed higher!"),
        ("e", TEXT),
    ]
    assert cluster(docs) == [{"a"}, {"b"}, {"c", "d"}, {"e"}]
    assert cluster([]) == []


def test_cluster_refuses_repeated_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        cluster([("a", TEXT), ("a", TEXT)])
