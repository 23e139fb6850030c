"""Sentences keep exact offsets into the article text, split inside quotes, and survive abbreviations."""

from __future__ import annotations

from monitor.analysis.sentences import split_sentences

from .conftest import SEEDS


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_offsets_point_at_the_sentence_in_every_seed() -> None:
    for path in SEEDS.glob("*.txt"):
        text = path.read_text()
        sentences = split_sentences(text)
        assert sentences
        for s in sentences:
            assert text[s.start : s.end] == s.text


def test_quoted_passages_are_split_into_sentences() -> None:
    text = '"Russia plans to deploy units. We did not see a reaction. Now NATO has confirmed this," he said.'
    assert texts(text) == [
        '"Russia plans to deploy units.',
        "We did not see a reaction.",
        'Now NATO has confirmed this," he said.',
    ]


def test_abbreviations_and_domain_names_do_not_split() -> None:
    assert texts("Gen. Smith of the U.S. Army said Mr. Kim arrived at 3 p.m. on Oct. 5. He left.") == [
        "Gen. Smith of the U.S. Army said Mr. Kim arrived at 3 p.m. on Oct. 5.",
        "He left.",
    ]
    assert texts("He said so on X, Censor.NET reports. Next.") == [
        "He said so on X, Censor.NET reports.",
        "Next.",
    ]


def test_lines_and_paragraphs_end_sentences() -> None:
    sentences = split_sentences("A headline without a stop\n\nFirst line\nSecond line.")
    assert [s.text for s in sentences] == ["A headline without a stop", "First line", "Second line."]
    assert [s.paragraph for s in sentences] == [0, 1, 2]
