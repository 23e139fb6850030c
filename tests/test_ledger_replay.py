"""The claim ledger replayed from statements: independence, repeats, position changes, status thresholds,
and the same ledger whatever order the evidence arrived in, and whether it was replayed at once or
taken in article by article (`LedgerState`) (pure, no database)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.domain import ClaimStatus, EventKind, Stance
from monitor.ingest.dates import YEAR_FROM_FILE_TIME
from monitor.ledger.claim_ledger import Ledger, LedgerState, Policy, replay
from monitor.ledger.identities import SpeakerResolver
from monitor.ledger.statements import LedgerEntry, Resolve, link_statements, source_name, unnamed_outlet

C, X = Stance.CONFIRM, Stance.CONTRADICT
_ids = iter(range(1, 10**6))


def day(d: int, month: int = 10) -> datetime:
    return datetime(2024, month, d, tzinfo=UTC)


def entry(
    stance: Stance,
    speaker: str | None,
    sentence: str,
    published: datetime,
    *,
    outlet: str = "Wire",
    article: str | None = None,
    confidence: float = 0.8,
    estimated: bool = False,
) -> LedgerEntry:
    n = next(_ids)
    return LedgerEntry(
        evidence_id=n,
        article_id=n,
        article_key=article or f"a{n}",
        stance=stance,
        confidence=confidence,
        sentence=sentence,
        start=0,
        speaker=speaker,
        via=None,
        outlet=outlet,
        article_outlet=outlet,
        published=published,
        estimated=estimated,
    )


def plain(names: Iterable[str]) -> Mapping[str, str]:
    """A resolver that only folds case (the real one is tested in test_speaker_identity)."""
    return {n: n.casefold() for n in names}


POLICY = Policy(confirm_sources=2, refute_sources=2)


def test_a_repeated_statement_is_one_statement_first_said_on_its_first_day() -> None:
    first = entry(X, "Kovalenko", "Kovalenko said the information about DPRK troops is not true.", day(16))
    recap = entry(
        X,
        "Kovalenko",
        "Earlier, Kovalenko said that the information about DPRK troops was not true.",
        day(28),
    )
    statements = link_statements([recap, first], plain)
    assert len(statements) == 1
    assert statements[0].said_at == day(16) and statements[0].repeats == (recap,)


def test_a_date_in_the_sentence_is_when_it_was_said() -> None:
    recap = entry(C, "Zelenskyy", "On October 17, Zelenskyy said 10,000 soldiers are training.", day(28))
    (statement,) = link_statements([recap], plain)
    assert statement.said_at == day(17)


def test_an_undated_article_repeats_the_sources_dated_statement() -> None:
    dated = entry(X, "Rutte", "We have no evidence that soldiers are involved in hostilities.", day(17))
    undated = entry(X, "Rutte", "Rutte also spoke of the weapons supply.", day(20, 11), estimated=True)
    ledger = replay([dated, undated, entry(C, "NATO", "x confirmed", day(28))], POLICY, plain)
    assert [s.said_at for s in ledger.statements if s.source == "rutte"] == [day(17)]


def test_reprints_of_one_wire_story_are_one_source() -> None:
    copies = [
        entry(C, None, f"Troops were seen crossing the border, witness {i} said.", day(16), outlet="Wire")
        for i in range(40)
    ]
    ledger = replay(copies, POLICY, plain)
    assert list(ledger.positions) == ["wire"]
    assert ledger.status is ClaimStatus.REPORTED


def test_position_change_is_an_event_with_its_reason() -> None:
    ledger = replay(
        [
            entry(X, "NATO", "NATO has no evidence of troops.", day(17)),
            entry(C, "NATO", "NATO confirmed the troops are in Russia.", day(28)),
        ],
        POLICY,
        plain,
    )
    change = [e for e in ledger.events if e.kind is EventKind.POSITION_CHANGE]
    assert len(change) == 1 and change[0].current
    assert change[0].reason == "nato moved from contradict (17 Oct 2024) to confirm (28 Oct 2024)"
    first = next(e for e in ledger.events if e.kind is EventKind.CONTRADICTION)
    assert not first.current  # NATO has left that position: history, never an alert


def test_status_thresholds_and_authorities() -> None:
    events = [
        entry(C, "Zelenskyy", "Zelenskyy said troops are training.", day(16)),
        entry(X, "Kovalenko", "Kovalenko said it is not true.", day(16)),
        entry(X, "NATO", "NATO has no evidence.", day(17)),
        entry(C, "Budanov", "Budanov confirmed 11,000 troops.", day(18)),
        entry(C, "NATO", "NATO confirmed the deployment.", day(28)),
    ]
    anyone = replay(events, POLICY, plain)
    statuses = [e.status for e in anyone.events if e.kind is EventKind.STATUS_CHANGE]
    # 16 Oct: one each way, contested. 18 Oct: two confirm and NATO's contradiction (17 Oct) is older
    # than Budanov's confirmation: confirmed. 28 Oct: NATO itself confirms.
    assert statuses[0] is ClaimStatus.CONTESTED
    assert anyone.status is ClaimStatus.CONFIRMED
    strict = replay(events, Policy(confirm_sources=4), plain)
    assert strict.status is ClaimStatus.CONTESTED  # three confirm, four needed
    # a newer contradiction from an authority keeps it contested; from anyone else it does not
    late = [*events, entry(X, "Kremlin", "The Kremlin said the reports were false.", day(29))]
    assert replay(late, POLICY, plain).status is ClaimStatus.CONTESTED
    nato_only = Policy(authorities=("NATO",))
    assert replay(late, nato_only, plain).status is ClaimStatus.CONFIRMED
    refuted = replay(
        [entry(X, "A", "A denied it.", day(1)), entry(X, "B", "B denied it.", day(2))], POLICY, plain
    )
    assert refuted.status is ClaimStatus.REFUTED


def test_low_confidence_evidence_only_discusses() -> None:
    ledger = replay([entry(C, "A", "A said so.", day(1), confidence=0.3)], POLICY, plain)
    assert ledger.status is ClaimStatus.REPORTED and not ledger.statements


def replay_in_any_order(
    entries: list[LedgerEntry], *, seed: int, rounds: int, policy: Policy = POLICY, resolve: Resolve = plain
) -> Ledger:
    """The ledger of `entries`, after checking that `rounds` shuffled orders give the same ledger, both
    replayed at once and taken in by a `LedgerState` a few entries at a time (as articles arrive)."""
    reference = replay(entries, policy, resolve)
    rng = random.Random(seed)
    for _ in range(rounds):
        shuffled = entries[:]
        rng.shuffle(shuffled)
        assert same(replay(shuffled, policy, resolve), reference)
        state = LedgerState(policy, resolve)
        while shuffled:
            cut = rng.choice((1, 1, 1, 2, 3, 6))
            batch, shuffled = shuffled[:cut], shuffled[cut:]
            state.add(batch)
            if rng.random() < 0.3:  # a ledger looked at in between changes nothing
                state.ledger()
        assert same(state.ledger(), reference)
    return reference


def same(a: Ledger, b: Ledger) -> bool:
    """Whether two ledgers agree on everything but the order their entries arrived in."""
    events = [
        (e.kind, e.at, e.key, e.reason, e.source, e.statement, e.previous, e.status, e.current)
        for e in a.events
    ]
    return (
        events
        == [
            (e.kind, e.at, e.key, e.reason, e.source, e.statement, e.previous, e.status, e.current)
            for e in b.events
        ]
        and a.statements == b.statements
        and (a.status, a.reason, a.positions, a.unplaced, a.conflicts, a.last_said)
        == (b.status, b.reason, b.positions, b.unplaced, b.conflicts, b.last_said)
        and sorted(a.entries, key=lambda e: e.evidence_id) == sorted(b.entries, key=lambda e: e.evidence_id)
    )


def generated(n: int, speakers: int, rng: random.Random) -> list[LedgerEntry]:
    """Random evidence: speakers named in full or by surname, repeats of a speaker's earlier wording,
    discussion, low confidence, recaps, sentences that say they came later, undated articles and
    articles whose year is a guess, many statements on one day."""
    words = [f"w{i}" for i in range(400)]
    family = ["Kovalenko", "Tanaka", "Okafor", "Lindqvist", "Moreau", "Haddad", "Novak", "Quispe",
              "Schmidt", "Abebe", "Ferreira", "Yilmaz"]  # fmt: skip
    people = [(f"Dana {name}", name) for name in family[:speakers]]
    said: dict[int, list[str]] = {}
    out = []
    for _ in range(n):
        who = rng.randrange(speakers)
        earlier = said.get(who)
        if earlier and rng.random() < 0.3:
            tokens = rng.choice(earlier).split()
            tokens[rng.randrange(len(tokens))] = rng.choice(words)
            sentence = " ".join(tokens)
        else:
            sentence = " ".join(rng.choices(words, k=8))
        said.setdefault(who, []).append(sentence)
        roll = rng.random()
        made = entry(
            rng.choice([C, C, X, Stance.DISCUSS]),
            rng.choice([*people[who], None]),
            ("Later, " if roll < 0.05 else "") + sentence + ".",
            day(1) + timedelta(days=rng.randrange(20)),
            outlet=f"Outlet {rng.randrange(5)}",
            article=f"a{rng.randrange(n)}",
            confidence=rng.choice([0.3, 0.7, 0.9]),
            estimated=0.05 <= roll < 0.1,
        )
        if 0.1 <= roll < 0.2:
            made = replace(made, recap=True)
        elif 0.2 <= roll < 0.22:
            made = replace(made, date_origin=YEAR_FROM_FILE_TIME)
        out.append(made)
    return out


def test_taken_in_article_by_article_the_ledger_is_the_replay_of_all() -> None:
    resolver = SpeakerResolver()
    for seed in range(4):
        evidence = generated(160, 12, random.Random(seed))
        if seed % 2:  # no year to place: the state walks on from its checkpoints alone
            evidence = [e for e in evidence if not e.year_unknown]
        policy = Policy(authorities=("Dana Okafor",)) if seed == 3 else POLICY
        replay_in_any_order(evidence, seed=seed, rounds=3, policy=policy, resolve=resolver.resolve)


def test_a_name_that_joins_two_sources_is_taken_in_as_a_replay_would() -> None:
    def joining(names: Iterable[str]) -> Mapping[str, str]:
        names = set(names)
        both = "Bridge" in names  # e.g. an alias that says two names are one speaker
        return {n: "ab" if both and n in ("A", "B", "Bridge") else n for n in names}

    evidence = [
        entry(C, "A", "A confirmed the troops are there.", day(1)),
        entry(X, "B", "B denied the troops are there.", day(3)),
        entry(C, "B", "B now confirms the troops arrived.", day(9)),
        entry(C, "Bridge", "Bridge confirmed the troops arrived.", day(5)),
        entry(C, "D", "D confirmed the troops are there.", day(4)),
    ]
    ledger = replay_in_any_order(evidence, seed=3, rounds=20, resolve=joining)
    assert {e.source for e in ledger.events if e.kind is EventKind.POSITION_CHANGE} == {"ab"}


def test_any_arrival_order_gives_the_same_ledger() -> None:
    events = [
        entry(C, "Zelenskyy", "Zelenskyy said troops are training.", day(16), article="p"),
        entry(X, "Kovalenko", "Kovalenko said the information is not true.", day(16), article="p"),
        entry(X, "NATO", "NATO has no evidence of troops in Ukraine.", day(17), article="q"),
        entry(X, "Kovalenko", "Kovalenko had said the information was not true.", day(28), article="r"),
        entry(C, "NATO", "NATO confirmed troops were sent.", day(28), article="r"),
        entry(C, None, "Troops were seen.", day(20), outlet="Wire", article="s"),
        entry(C, None, "Troops were seen near the front.", day(21), outlet="Wire", article="t"),
    ]
    replay_in_any_order(events, seed=7, rounds=20)


def test_an_undated_statement_cannot_move_a_dated_position() -> None:
    dated = entry(C, "NATO", "NATO confirmed the troops are in Russia.", day(28))
    undated = entry(X, "NATO", "Rutte spoke about weapons supplies.", day(20, 11), estimated=True)
    ledger = replay([dated, undated], POLICY, plain)
    assert ledger.positions["nato"].stance is C
    assert not [e for e in ledger.events if e.kind is EventKind.POSITION_CHANGE]
    assert len(ledger.unplaced) == 1


# One day makes no change of position; descriptions and a company's staff are no extra sources (issue 17).


def test_opposite_stances_of_one_narrator_in_one_article_make_no_position_change() -> None:
    early = entry(
        X, None, "The ferry link to Carrow Island has not reopened, harbour staff said.", day(9),
        outlet="Estuary Courier", article="courier-9", confidence=0.7,
    )  # fmt: skip
    later = entry(
        C, None, "By the afternoon the first ferry had docked at Carrow Island.", day(9),
        outlet="Estuary Courier", article="courier-9", confidence=0.9,
    )  # fmt: skip
    ledger = replay([early, later], POLICY, plain)
    assert not [e for e in ledger.events if e.kind is EventKind.POSITION_CHANGE]
    assert ledger.positions["estuary courier"].stance is X  # the contradiction holds, though less sure
    (conflict,) = ledger.conflicts
    assert conflict == next(s.id for s in ledger.statements if s.stance is C)


def test_both_stances_on_one_day_hold_as_a_contradiction_whatever_the_order() -> None:
    said = [
        entry(C, "Ilse Varga", "Ilse Varga said the bridge toll was scrapped.", day(3), confidence=0.9),
        entry(X, "Ilse Varga", "Ilse Varga denied the toll was scrapped.", day(3), confidence=0.7),
        entry(C, "Port Board", "The Port Board confirmed the toll was scrapped.", day(3), confidence=0.9),
    ]
    reference = replay_in_any_order(said, seed=3, rounds=10)
    assert reference.positions["ilse varga"].stance is X
    assert reference.status is ClaimStatus.CONTESTED  # not confirmed by two sources
    assert not [e for e in reference.events if e.kind is EventKind.POSITION_CHANGE]


def test_a_change_on_a_later_day_is_still_a_position_change() -> None:
    ledger = replay(
        [
            entry(X, "Ilse Varga", "Ilse Varga denied the toll was scrapped.", day(3)),
            entry(C, "Ilse Varga", "Ilse Varga said the toll was scrapped.", day(4), confidence=0.6),
            entry(X, "Ilse Varga", "Ilse Varga said on radio that tolls were still collected.", day(4)),
            entry(C, "Ilse Varga", "Ilse Varga confirmed that drivers no longer pay at the bridge.", day(5)),
        ],
        POLICY,
        plain,
    )
    (change,) = [e for e in ledger.events if e.kind is EventKind.POSITION_CHANGE]
    assert change.reason == "ilse varga moved from contradict (4 Oct 2024) to confirm (5 Oct 2024)"


def test_a_company_and_its_chief_executive_are_one_confirming_source() -> None:
    statements = [
        entry(
            C, "Brightwell Minerals", "Brightwell Minerals said it had bought Orrin Quarry.", day(14),
            outlet="Granite Wire",
        ),
        entry(
            C, "Brightwell Minerals chief executive Halvard Osei",
            "Brightwell Minerals chief executive Halvard Osei said the Orrin Quarry deal closed on Monday.",
            day(15), outlet="Quarry Weekly",
        ),
        entry(C, "Osei", "Osei told staff the quarry now belongs to them.", day(16), outlet="Granite Wire"),
    ]  # fmt: skip
    ledger = replay(statements, POLICY, SpeakerResolver().resolve)
    assert list(ledger.positions) == ["Brightwell Minerals"]
    assert ledger.sources_now(C) == 1
    assert ledger.status is ClaimStatus.REPORTED  # one source: two are needed to confirm


def test_descriptions_without_a_name_count_for_the_outlet_that_carries_them() -> None:
    said = [
        entry(C, "officials", "Officials said the dam was completed.", day(2), outlet="Valley Ledger"),
        entry(C, "sources", "Sources said the dam was finished last week.", day(3), outlet="Valley Ledger"),
        entry(C, "the media", "The media reported the dam was completed.", day(4), outlet="Valley Ledger"),
        entry(C, "head of government", "The head of government said it is done.", day(5), outlet="Hill Post"),
    ]  # fmt: skip
    ledger = replay(said, POLICY, SpeakerResolver().resolve)
    assert sorted(ledger.positions) == ["Hill Post", "Valley Ledger"]
    assert [source_name(e) for e in said] == ["Valley Ledger", "Valley Ledger", "Valley Ledger", "Hill Post"]


def test_unnamed_outlets_are_one_source_per_story_and_never_merged() -> None:
    first = unnamed_outlet("Dam opens to traffic")
    second = unnamed_outlet("Dam opening delayed again")
    said = [
        entry(C, None, "The dam road opened on Tuesday.", day(6), outlet=first),
        entry(X, None, "The dam road stays shut, engineers said.", day(6), outlet=second),
        entry(C, None, "Cars crossed the dam road.", day(7), outlet=first),
    ]
    ledger = replay(said, POLICY, SpeakerResolver().resolve)
    assert sorted(ledger.positions) == sorted([first, second])
    assert first == 'unnamed outlet ("Dam opens to traffic")'
    assert len(unnamed_outlet("x" * 80)) < 80


def test_a_new_statement_beside_a_repeat_of_its_opposite_on_one_day_moves_nothing() -> None:
    """Day 5: the harbour board denies the ferry sank. Day 6: one article quotes the denial again and,
    from the same board, a line read as a confirmation. That day says both; NATO-style flip-flops
    inside one article make no position change. A recap of the old denial would not count."""
    denial = "The harbour board said there was no evidence the Marlow ferry had sunk."
    said = [
        entry(X, "Harbour Board", denial, day(5), article="wire-5"),
        entry(X, "Harbour Board", denial.replace("said", "repeated"), day(6), article="tide-6"),
        entry(C, "Harbour Board", "The harbour board confirmed divers had reached the Marlow ferry.", day(6),
              article="tide-6"),
    ]  # fmt: skip
    ledger = replay_in_any_order(said, seed=5, rounds=12)  # the repeat arriving last too
    assert not [e for e in ledger.events if e.kind is EventKind.POSITION_CHANGE]
    assert ledger.positions["harbour board"].stance is X  # day 5's denial stands, said again on day 6
    (conflict,) = ledger.conflicts
    assert next(s for s in ledger.statements if s.id == conflict).stance is C


def test_a_sentence_that_says_it_came_later_holds_on_its_day_without_a_position_change() -> None:
    said = [
        entry(X, "Lowther Police", "Lowther Police said they had not confirmed that the dam failed.", day(8),
              article="valley-8"),
        entry(C, "Lowther Police", "Subsequently, Lowther Police confirmed the dam had failed.", day(8),
              article="valley-8"),
    ]  # fmt: skip
    for order in (said, said[::-1]):
        ledger = replay(order, POLICY, plain)
        assert ledger.positions["lowther police"].stance is C
        assert [e.kind for e in ledger.events if e.source] == [EventKind.CONFIRMATION]
        (conflict,) = ledger.conflicts
        assert next(s for s in ledger.statements if s.id == conflict).stance is X


def test_a_new_source_that_says_the_same_again_is_still_a_current_confirmation() -> None:
    """Its first position stands (it has not left it): the event is alerted, not filed as history."""
    ledger = replay(
        [
            entry(C, "Orla Finch", "Orla Finch said the Kestrel mine had reopened.", day(2)),
            entry(C, "Orla Finch", "Finch added that the pumps were running again.", day(2)),
        ],
        POLICY,
        plain,
    )
    (new,) = [e for e in ledger.events if e.source]
    assert new.kind is EventKind.CONFIRMATION and new.current
