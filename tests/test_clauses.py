"""clauses.py tells a sentence's own statement from the clauses that report someone else's."""

from __future__ import annotations

import pytest

from monitor.analysis.clauses import main_clause, reported_clauses, reports


@pytest.mark.parametrize(
    ("sentence", "main", "subject", "verb"),
    [
        (
            "Brantwood Foods said on Monday it is buying Kessel Dairy, a week after Kessel Dairy denied "
            "that talks were taking place.",
            "Brantwood Foods said on Monday it is buying Kessel Dairy.",
            "Kessel Dairy",
            "denied",
        ),
        (
            "Days after the port authority said the terminal would stay open, Harrowgate Shipping "
            "confirmed it had closed the terminal.",
            "Harrowgate Shipping confirmed it had closed the terminal.",
            "the port authority",
            "said",
        ),
        (
            "Brantwood confirmed the purchase of Kessel despite Kessel's denial of any talks.",
            "Brantwood confirmed the purchase of Kessel.",
            "Kessel",
            "denial",
        ),
        (
            "The league confirmed the ban on Ostrander, which the player's union had rejected.",
            "The league confirmed the ban on Ostrander.",
            "the player's union",
            "rejected",
        ),
        (
            "Mayor Lind said the bridge will reopen in May, although the engineers have repeatedly "
            "warned that repairs could take a year.",
            "Mayor Lind said the bridge will reopen in May.",
            "the engineers",
            "warned",
        ),
        (
            "The union said the strike is over, even as the management insisted it had never begun; "
            "buses ran normally.",
            "The union said the strike is over; buses ran normally.",
            "the management",
            "insisted",
        ),
    ],
)
def test_a_reported_clause_is_found_and_left_out_of_the_main_clause(
    sentence: str, main: str, subject: str, verb: str
) -> None:
    (clause,) = reported_clauses(sentence)
    assert sentence[clause.start : clause.end] == clause.text
    assert (clause.subject, clause.verb) == (subject, verb)
    assert main_clause(sentence) == main


@pytest.mark.parametrize(
    "sentence",
    [
        "Brantwood said it will buy Kessel as well as two smaller dairies.",
        "The plant closed after the storm.",
        "Kessel denied that it was in talks with Brantwood.",
        "While in Oslo, the minister met her Danish counterpart.",
        'A nurse who stopped after spotting her on the pavement told Coast FM: "She was lucky."',
        "Ferreira left before he could say anything.",
        "Northgate Post, which first reported the merger, asked Brantwood for comment.",
        "",
        "after",
        ", which",
    ],
)
def test_a_sentence_without_a_reported_clause_is_its_own_main_clause(sentence: str) -> None:
    assert reported_clauses(sentence) == []
    assert main_clause(sentence) == sentence


def test_a_sentence_that_is_all_reported_clause_stays_whole() -> None:
    sentence = "After Kessel denied it."
    assert main_clause(sentence) == sentence


def test_reports_finds_a_reporting_verb() -> None:
    assert reports("Brantwood Foods said it is buying Kessel.")
    assert reports("According to Kessel, no deal was signed.")
    assert not reports("Kessel shares fell 4%.")


def test_a_noun_of_speech_and_a_clause_at_the_same_place_give_one_clause() -> None:
    sentence = "Despite council claims of a budget gap, the mayor approved the tower."
    (clause,) = reported_clauses(sentence)
    assert clause.text == "Despite council claims of a budget gap"
    assert main_clause(sentence) == "The mayor approved the tower."


def test_long_and_odd_input_stays_fast_and_never_raises() -> None:
    for text in ("after X said " * 2_000, "despite " * 5_000, "\u201c\u201d, which" * 1_000, "a" * 50_000):
        assert isinstance(main_clause(text), str)
