"""Which sentences are evidence candidates for a claim, and which articles match a topic."""

from __future__ import annotations

from monitor.analysis.match import ClaimMatcher, Topic, TopicMatcher, default_keywords, keyword_forms
from monitor.analysis.sentences import split_sentences
from monitor.domain import ClaimSpec

CLAIM = ClaimSpec(
    "plant",
    "Acme is closing its Leeds factory",
    entities=("Acme", "ACME Corp"),
    keywords=("factory", "plant", "closing", "jobs"),
)


def candidates(text: str, claim: ClaimSpec = CLAIM) -> list[tuple[str, bool]]:
    return [(c.sentence.text, c.via_context) for c in ClaimMatcher(claim).candidates(split_sentences(text))]


def test_a_sentence_needs_an_entity_and_a_keyword() -> None:
    text = "Acme is closing the Leeds factory. Acme reported profits. The factory opened in 1950."
    assert candidates(text) == [("Acme is closing the Leeds factory.", False)]


def test_a_sentence_that_refers_back_is_a_candidate_with_context() -> None:
    text = "Acme will shut its plant. The weather was fine. The union has confirmed this."
    assert candidates(text) == [("Acme will shut its plant.", False), ("The union has confirmed this.", True)]


def test_a_pronoun_sentence_without_keyword_or_truth_word_is_not() -> None:
    assert candidates("Acme will shut its plant. They had lunch afterwards.") == [
        ("Acme will shut its plant.", False)
    ]


def test_a_pronoun_reaches_back_at_most_two_sentences() -> None:
    text = "Acme will shut its plant. One. Two. They denied it."
    assert candidates(text) == [("Acme will shut its plant.", False)]


def test_keyword_forms_are_inflections_not_other_words() -> None:
    assert "unit" in keyword_forms("units") and "united" not in keyword_forms("units")
    assert {"deploy", "deploys", "deploying"} <= set(keyword_forms("deployed"))
    assert "country" in keyword_forms("countries")
    assert candidates("ACME Corp has 300 jobs at the plant.") != []
    assert candidates("The Acme's plants are closing.") != []


def test_acronyms_match_case_sensitively() -> None:
    claim = ClaimSpec("c", "KPA units are in Kursk", entities=("KPA",), keywords=("units",))
    assert candidates("KPA units moved.", claim) != []
    assert candidates("The kpa units moved.", claim) == []


def test_default_keywords_are_the_claims_content_words() -> None:
    assert default_keywords(CLAIM) == ("closing", "Leeds", "factory")


def test_topic_logic_any_all_none() -> None:
    topic = TopicMatcher(
        Topic(name="t", all=[["North Korea", "DPRK"]], any=["Russia", "Ukraine"], none=["football"])
    )
    assert topic.matches("DPRK troops in Russia")
    assert not topic.matches("DPRK troops at home")
    assert not topic.matches("North Korea beat Russia at football")
    assert topic.matches("North Korean soldiers in Ukraine")


TAKEOVER = ClaimSpec(
    "deal",
    "Brannock Mills is buying Quillfeather Paper",
    entities=("Brannock", "Quillfeather"),
    keywords=("acquire", "units"),
)


def test_a_topic_term_matches_its_inflections() -> None:
    topic = TopicMatcher(Topic(name="takeovers", all=[["Brannock", "Quillfeather"]], any=["acquire"]))
    assert topic.matches("Brannock Mills acquired a stake in Quillfeather Paper on Monday.")
    assert topic.matches("Brannock is acquiring the Harrowgate paper mill.")
    assert topic.matches("Brannock acquires mills.")
    assert not topic.matches("Brannock's acquisition of the mill was delayed.")  # another word


def test_a_claim_keyword_matches_its_inflections() -> None:
    text = "Brannock Mills said on Monday that it had acquired Quillfeather Paper. The mill opened in 1961."
    assert candidates(text, TAKEOVER) == [
        ("Brannock Mills said on Monday that it had acquired Quillfeather Paper.", False)
    ]
    assert candidates("Quillfeather is acquiring two presses.", TAKEOVER) != []


def test_a_plural_term_matches_its_singular_and_never_a_longer_word() -> None:
    topic = TopicMatcher(Topic(name="plants", all=["Brannock"], any=["units"]))
    assert topic.matches("Brannock will close one unit at Harrowgate.")
    assert not topic.matches("Brannock briefed the United Nations on the dispute.")
    assert candidates("Brannock sold one unit to a rival.", TAKEOVER) != []
    assert candidates("Brannock briefed the United Nations.", TAKEOVER) == []
    assert candidates("Quillfeather and Brannock united their sales teams.", TAKEOVER) == []


def test_names_keep_their_own_endings_not_inflections() -> None:
    topic = TopicMatcher(Topic(name="t", all=["Brannock"], any=["Harrowgate"]))
    assert topic.matches("Brannock's mill near Harrowgate")
    assert not topic.matches("Brannock sold its harrowgated plant")


def test_a_topic_rule_says_why_it_rejected_a_text() -> None:
    topic = TopicMatcher(
        Topic(name="takeovers", all=["Brannock", "mill"], any=["acquire", "merger"], none=["rumour"])
    )
    lacking = topic.decide("Brannock acquired a printing firm.")
    assert not lacking.accepted and lacking.missing_all == ("mill",)
    assert lacking.reason == "rejected: lacks `all` term 'mill'"
    no_any = topic.decide("Brannock opened a mill.")
    assert not no_any.accepted and no_any.any_found == () and "has no `any` term" in no_any.reason
    vetoed = topic.decide("Brannock acquired the mill, a rumour said.")
    assert not vetoed.accepted and vetoed.none_found == ("rumour",)
    assert vetoed.reason == "rejected: has `none` term 'rumour'"
    accepted = topic.decide("Brannock has acquired the mills.")
    assert accepted.accepted and accepted.any_found == ("acquire",)
    assert topic.matches("Brannock has acquired the mills.")
