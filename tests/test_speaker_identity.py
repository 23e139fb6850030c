"""SpeakerResolver maps speaker and outlet mentions to identities, whatever their order."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.analysis.attribution import attribute
from monitor.analysis.sentences import split_sentences
from monitor.ledger.identities import SpeakerResolver

DATA = Path(__file__).parent / "data" / "speaker_identity.yaml"
SEEDS = Path(__file__).parent.parent / "seeds"

CASES: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
SEED_LABELS: dict[str, str] = CASES["seeds"]
GROUPS: list[dict[str, Any]] = CASES["groups"]
DISTINCT: list[dict[str, Any]] = CASES["distinct"]
ALIASES: list[dict[str, Any]] = CASES["aliases"]


def _attributed_seed_names() -> set[str]:
    names: set[str] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        texts = [s.text for s in split_sentences(path.read_text(encoding="utf-8"))]
        for i, text in enumerate(texts):
            got = attribute(text, texts[i - 1] if i else None, texts[i + 1] if i + 1 < len(texts) else None)
            names |= {n for n in (got.speaker, got.via) if n}
    return names


def _all_mentions() -> list[str]:
    names = list(SEED_LABELS)
    for group in GROUPS:
        names += group["mentions"]
    for case in (*DISTINCT, *ALIASES):
        names += case["mentions"]
    return names


def test_seed_strings_resolve_to_recorded_labels() -> None:
    assert SpeakerResolver().resolve(SEED_LABELS) == SEED_LABELS


def test_seed_file_lists_every_string_attribute_finds_in_the_seeds() -> None:
    missing = _attributed_seed_names() - set(SEED_LABELS)
    assert not missing, f"add to {DATA.name} under seeds: {sorted(missing)}"


@pytest.mark.parametrize("group", GROUPS, ids=[g["label"] for g in GROUPS])
def test_group_is_one_identity(group: dict[str, Any]) -> None:
    labels = SpeakerResolver().resolve(group["mentions"])
    assert set(labels.values()) == {group["label"]}, labels


def test_groups_resolved_together_stay_whole_and_apart() -> None:
    labels = SpeakerResolver().resolve(m for g in GROUPS for m in g["mentions"])
    for group in GROUPS:
        assert {labels[m] for m in group["mentions"]} == {group["label"]}, group["label"]
    assert len({g["label"] for g in GROUPS}) == len(GROUPS)


@pytest.mark.parametrize("case", DISTINCT, ids=[c["why"] for c in DISTINCT])
def test_distinct_mentions_stay_apart(case: dict[str, Any]) -> None:
    labels = SpeakerResolver().resolve(case["mentions"])
    for a, b in case.get("apart", []):
        assert labels[a] != labels[b], (a, b, labels[a])
    for together in case.get("together", []):
        assert len({labels[m] for m in together}) == 1, {m: labels[m] for m in together}


@pytest.mark.parametrize("case", ALIASES, ids=[", ".join(c["aliases"]) for c in ALIASES])
def test_aliases_from_config_join_what_rules_cannot(case: dict[str, Any]) -> None:
    labels = SpeakerResolver(case["aliases"]).resolve(case["mentions"])
    assert labels == case["labels"]


@pytest.mark.parametrize("aliases", [{}, ALIASES[0]["aliases"]], ids=["no aliases", "aliases"])
def test_mapping_does_not_depend_on_order_or_duplicates(aliases: dict[str, list[str]]) -> None:
    names = _all_mentions()
    resolver = SpeakerResolver(aliases)
    expected = resolver.resolve(names)
    assert set(expected) == set(names)
    for seed in range(20):
        rng = random.Random(seed)
        shuffled = names + rng.sample(names, k=len(names) // 3)
        rng.shuffle(shuffled)
        assert resolver.resolve(shuffled) == expected, seed
        aliases_shuffled = dict(rng.sample(sorted(aliases.items()), k=len(aliases)))
        assert SpeakerResolver(aliases_shuffled).resolve(reversed(shuffled)) == expected, seed


def test_same_compares_two_mentions_on_their_own() -> None:
    resolver = SpeakerResolver()
    assert resolver.same("the Washington Post", "Washington Post")
    assert resolver.same("NATO Secretary General Mark Rutte", "Rutte")
    assert resolver.same("Sybiha", "Sibiga")
    assert resolver.same("Zelensky", "Ukrainian President Volodymyr Zelenskyy")
    assert not resolver.same(
        "Ukrainian President Volodymyr Zelenskyy", "Ukraine's Foreign Minister Andriy Sybiha"
    )
    assert not resolver.same("Mark Rutte", "NATO")  # nothing here says that Rutte speaks for NATO
    assert SpeakerResolver({"NATO": ["Mark Rutte"]}).same("Mark Rutte", "NATO")


@pytest.mark.parametrize("text", ["", " ", "...", "he", "the", "'s", "“”", "A" * 20_000, "X, " * 3_000])
def test_odd_input_never_raises_and_stays_fast(text: str) -> None:
    start = time.perf_counter()
    labels = SpeakerResolver().resolve([text, "NATO"])
    assert set(labels) == {text, "NATO"} and labels["NATO"] == "NATO"
    assert time.perf_counter() - start < 2.0
