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
from monitor.ledger.identities import SpeakerResolver, is_generic

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


# Spelling variants, generic descriptions and an organisation's voice (issue 17). Names are invented.


@pytest.mark.parametrize(
    "mentions",
    [
        ["Lindqvist Harbour Council", "Lindqvist Harbour Councel"],  # a typo in the institution word
        ["Marrowgate Port Authority Council", "Marrowgate Port Authorty Council"],  # a typo in a name word
        ["Brackwater Regional Council", "Brackwater Regoinal Council"],  # two letters swapped
        ["Tendai Mukoro-Ashby", "Tendai Mukoro Ashby"],  # a hyphen or a space
        ["Oluwaseun Adeyemi-Baptiste", "Oluwaseun Adeyemi Baptise"],  # a letter dropped inside a name
        ["North Korean intelligence", "Nort Korea's intelligence"],  # a four-letter place typo
        [
            "Nort Korea's intelligence",
            "North Korea's National Intelligence Service",
        ],  # body without qualifier
    ],
)
def test_spelling_variants_are_one_identity(mentions: list[str]) -> None:
    labels = SpeakerResolver().resolve(mentions)
    assert len(set(labels.values())) == 1, labels


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dmytro Hrytsenko", "Dmytro Hrytsenka"),  # a final inflection letter: never one person
        ("Ivana Korolev", "Ivana Koroleva"),
        ("Marek Novotny", "Marek Novotna"),
        ("Sang Li", "Sang Lee"),  # short names match only exactly
        ("Lindqvist Harbour Council", "Lindqvist Harbour Counsel"),  # two letters from "council"
        ("Eastern Grain Agency", "Western Grain Agency"),  # places differ, one letter or not
        ("Ministry of Finance", "Ministry of Defence"),
    ],
)
def test_names_a_letter_apart_where_it_matters_stay_apart(a: str, b: str) -> None:
    assert not SpeakerResolver().same(a, b)


@pytest.mark.parametrize(
    "mention",
    [
        "head of government",
        "the press",
        "Sources",
        "officials",
        "a spokeswoman",
        "Experts",
        "several analysts",
        "the statement",
        "a person familiar with the negotiations",
        "the president",
        "She",
        "Mexican media",
        "Western diplomats",
        "Polish officials",
    ],
)
def test_descriptions_without_a_name_are_generic(mention: str) -> None:
    assert is_generic(mention)


@pytest.mark.parametrize(
    "mention",
    [
        "Kenyatta",
        "Brazilian President",
        "the Kremlin",
        "Sources of Reuters",
        "Lindqvist Harbour Council",
        "Peruvian intelligence",
        "IMF",
        "Gazeta.pl",
    ],
)
def test_names_places_and_bodies_are_not_generic(mention: str) -> None:
    assert not is_generic(mention)


def test_a_chief_executive_is_the_voice_of_the_company_named_before_the_role() -> None:
    labels = SpeakerResolver().resolve(
        [
            "Quillfeather chief executive Oren Balogun",
            "Quillfeather",
            "Balogun",
            "Oren Balogun",
            "Saltmarsh Freight finance director Ines Carvalho",
            "Saltmarsh Freight",
            "Carvalho",
            "Tessaly",
        ]
    )
    assert {labels[m] for m in ("Quillfeather chief executive Oren Balogun", "Balogun", "Oren Balogun")} == {
        "Quillfeather"
    }
    assert labels["Quillfeather"] == "Quillfeather"
    assert labels["Saltmarsh Freight"] == labels["Carvalho"] == "Saltmarsh Freight"
    assert labels["Tessaly"] == "Tessaly"  # another company, mentioned alone: its own source


def test_roles_countries_and_party_words_make_no_organisation() -> None:
    labels = SpeakerResolver().resolve(
        [
            "President Ama Mensah",
            "Senator Ruth Okonjo",
            "Brazilian President Joao Ferraz",
            "Republican Senator Dale Whitcombe",
            "Republican Senator Faye Ostrander",
            "Ama Mensah",
        ]
    )
    assert labels["President Ama Mensah"] == labels["Ama Mensah"] == "Ama Mensah"
    assert labels["Senator Ruth Okonjo"] == "Ruth Okonjo"
    assert labels["Brazilian President Joao Ferraz"] == "Joao Ferraz"
    assert labels["Republican Senator Dale Whitcombe"] != labels["Republican Senator Faye Ostrander"]
