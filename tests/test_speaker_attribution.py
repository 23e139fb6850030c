"""attribute() names who makes a statement and through which outlet, by news-writing conventions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.analysis.attribution import attribute, attribute_all
from monitor.analysis.sentences import split_sentences
from monitor.domain import Attribution

DATA = Path(__file__).parent / "data" / "speaker_cases.yaml"
SEEDS = Path(__file__).parent.parent / "seeds"

CASES: list[dict[str, Any]] = yaml.safe_load(DATA.read_text(encoding="utf-8"))["cases"]


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
        params.append(pytest.param(case, marks=marks, id=case["sentence"][:50] or "<empty>"))
    return params


@pytest.mark.parametrize("case", _params())
def test_hand_written_case_names_expected_speaker(case: dict[str, Any]) -> None:
    got = attribute(case["sentence"], case.get("previous"), case.get("following"))
    if "speaker_contains" in case:
        assert got.speaker is not None and case["speaker_contains"] in got.speaker, got
    else:
        assert got.speaker == case["speaker"], got
    if "via" in case:
        assert got.via == case["via"], got


def test_case_file_has_enough_cases() -> None:
    assert len(CASES) >= 30


def _seed_triples() -> list[tuple[str, str | None, str | None]]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        texts = [s.text for s in split_sentences(path.read_text(encoding="utf-8"))]
        for i, text in enumerate(texts):
            out.append((text, texts[i - 1] if i else None, texts[i + 1] if i + 1 < len(texts) else None))
    return out


SEED_TRIPLES = _seed_triples()

SEED_SPEAKERS = [
    ("Andrii Kovalenko, said that the information", "Andrii Kovalenko"),
    ("Pentagon chief Lloyd Austin said that", "Lloyd Austin"),
    ("Subsequently, the Pentagon confirmed that", "Pentagon"),
    ("would mark a significant escalation,” Mark Rutte said.", "Mark Rutte"),
    ("calling it “groundless rumours”", "representative to the United Nations"),
    ("They have already arrived in Russia, according to", "intelligence"),
    ("This was stated by NATO Secretary General Mark Rutte", "Mark Rutte"),
    ("NATO has no evidence that North Korean soldiers are involved", "Mark Rutte"),
    ("South Korea’s National Intelligence Service has reported", "National Intelligence Service"),
    ("Subsequently, the head of the Defense Intelligence Service, Kyrylo Budanov, said", "Kyrylo Budanov"),
    ("One of them is what kind of soldiers the DPRK might send", "Mykhailo Podolyak"),
    ("On October 17, he clarified that Russia intends", "Zelenskyy"),
]


@pytest.mark.parametrize(("fragment", "expected"), SEED_SPEAKERS, ids=[s[0][:40] for s in SEED_SPEAKERS])
def test_seed_sentence_names_expected_speaker(fragment: str, expected: str) -> None:
    matches = [t for t in SEED_TRIPLES if fragment in t[0]]
    assert matches, f"no seed sentence contains {fragment!r}"
    for text, previous, following in matches:
        label = attribute(text, previous, following).label
        assert label is not None and expected in label, (text, label)


def test_seed_outlets_are_reported_as_via() -> None:
    vias = {attribute(t, p, f).via for t, p, f in SEED_TRIPLES}
    assert {"UNN", "Censor.NET", "Yonhap"} <= vias


def test_anonymous_reports_name_no_speaker() -> None:
    for fragment in ("the media reported that on the basis", "It was reported that eighteen"):
        for text, previous, following in (t for t in SEED_TRIPLES if fragment in t[0]):
            assert attribute(text, previous, following).speaker is None, text


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "...",
        "“”",
        ":",
        "said",
        ", said ,",
        "According to",
        "He said",
        "A" * 50_000,
        "X said, " * 3_000,
    ],
)
def test_odd_input_never_raises_and_stays_fast(text: str) -> None:
    start = time.perf_counter()
    got = attribute(text, text, text)
    assert isinstance(got, Attribution)
    assert time.perf_counter() - start < 2.0


def _speakers(text: str) -> list[str | None]:
    return [a.speaker for a in attribute_all(split_sentences(text))]


def test_an_inverted_quote_over_two_sentences_is_the_speakers_not_the_outlets() -> None:
    text = (
        "Lakeside Radio followed the count overnight.\n\n"
        '"We have lost this vote fairly. We wish Mayor-elect Dana Whitcombe every success," said '
        "councillor Rufus Penhaligon, Lakeside Radio reports."
    )
    got = attribute_all(split_sentences(text))
    assert [a.speaker for a in got[1:]] == ["councillor Rufus Penhaligon"] * 2, got
    assert all(a.via == "Lakeside Radio" for a in got[1:]), got


def test_a_quote_after_a_colon_is_the_speakers_to_its_last_sentence() -> None:
    text = 'Penhaligon said: "I accept the tally. The recount changed nothing. I will not go to court."'
    assert _speakers(text) == ["Penhaligon"] * 3


def test_curly_quotes_with_the_attribution_in_the_middle_cover_the_sentences_around_it() -> None:
    text = (
        "\u201cThe mill will shut in spring. Ninety jobs go with it,\u201d said Greta Sorensen, who runs "
        "the works. \u201cWe tried every buyer.\u201d"
    )
    assert _speakers(text) == ["Greta Sorensen"] * 3


def test_a_quote_of_several_paragraphs_takes_the_speaker_named_in_the_last() -> None:
    text = (
        '"The ferry will run again in June. The new hull has passed its trials.\n\n'
        '"Tickets go on sale next week," harbour master Ilse Brandvold said.'
    )
    assert _speakers(text) == ["Ilse Brandvold"] * 3


def test_a_pronoun_continuation_takes_the_previous_speaker() -> None:
    text = (
        '"We accept the count," Penhaligon said. "We will not appeal," he added. '
        "He said the count had been fair."
    )
    assert _speakers(text) == ["Penhaligon"] * 3


def test_a_stray_quotation_mark_ends_with_its_paragraph() -> None:
    text = (
        'Sorensen said: "The mill will shut in spring. Ninety jobs go.\n\n'
        "The council met on Tuesday. Its budget was approved without debate."
    )
    assert _speakers(text) == ["Sorensen", "Sorensen", None, None]


def test_the_speaker_of_a_sentence_is_in_its_main_clause() -> None:
    sentence = (
        "Days after Kessel Dairy denied that any talks were under way, Brantwood Foods said it had "
        "agreed to buy the company."
    )
    assert attribute(sentence).speaker == "Brantwood Foods"
