"""The `rules` stance engine judges hand-written sentences, and the demo seeds, as a reader would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from monitor.analysis.sentences import split_sentences
from monitor.analysis.stance import ENGINES, build_engine
from monitor.analysis.stance.rules import RulesEngine
from monitor.domain import ClaimSpec, Judgement, Stance

DATA = Path(__file__).parent / "data" / "stance_cases.yaml"
SEEDS = Path(__file__).parent.parent / "seeds"

NK_TROOPS = ClaimSpec(
    id="nk-troops",
    text="North Korean troops are fighting for Russia in Ukraine",
    entities=("North Korea", "North Korean", "DPRK", "Pyongyang", "KPA"),
    keywords=(
        "troops", "soldiers", "military", "forces", "infantry", "personnel", "units", "deploy", "deployed",
        "sent", "fighting", "combat", "hostilities",
    ),
)  # fmt: skip


def _load() -> tuple[dict[str, ClaimSpec], list[dict[str, Any]]]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    claims = {
        key: ClaimSpec(id=key, text=c["text"], entities=tuple(c["entities"]), keywords=tuple(c["keywords"]))
        for key, c in raw["claims"].items()
    }
    return claims, raw["cases"]


CLAIMS, CASES = _load()


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
        params.append(pytest.param(case, marks=marks, id=f"{case['claim']}:{case['sentence'][:50]}"))
    return params


@pytest.mark.parametrize("case", _params())
def test_hand_written_case_gets_expected_stance(case: dict[str, Any]) -> None:
    judgement = RulesEngine().judge(CLAIMS[case["claim"]], case["sentence"], case.get("context"))
    assert judgement.stance == Stance(case["stance"]), judgement.cues
    if "recap" in case:
        assert judgement.recap is case["recap"]
    assert 0.0 <= judgement.confidence <= 1.0


def test_case_file_has_enough_varied_cases() -> None:
    assert len(CASES) >= 60
    assert len({c["claim"] for c in CASES}) >= 4
    assert {c["stance"] for c in CASES} >= {"confirm", "contradict", "discuss"}


def test_every_decision_names_the_rule_that_fired() -> None:
    for case in CASES:
        judgement = RulesEngine().judge(CLAIMS[case["claim"]], case["sentence"], case.get("context"))
        assert judgement.cues, case["sentence"]


def test_denial_is_more_confident_than_lack_of_evidence_and_hedge_is_less_confident() -> None:
    engine = RulesEngine()
    claim = CLAIMS["troops"]
    denial = engine.judge(
        claim, "The report that Veldorian troops were deployed is false, the ministry said."
    )
    no_evidence = engine.judge(claim, "There is no evidence that Veldorian troops were deployed.")
    hedge = engine.judge(claim, "Veldorian troops could be deployed next week.")
    bare = engine.judge(claim, "Veldorian troops held a parade in the capital.")
    assert denial.confidence > no_evidence.confidence > hedge.confidence > bare.confidence


def test_recap_lowers_confidence_but_keeps_the_stance() -> None:
    engine = RulesEngine()
    claim = CLAIMS["factory"]
    plain = engine.judge(claim, "Acme has closed its Dayton plant.")
    recap = engine.judge(claim, "Previously, Acme has closed its Dayton plant.")
    assert (plain.stance, recap.stance) == (Stance.CONFIRM, Stance.CONFIRM)
    assert recap.recap and not plain.recap
    assert recap.confidence < plain.confidence


def test_factory_is_registered_and_refuses_unknown_options() -> None:
    engine = build_engine("rules", {})
    assert engine.name == "rules"
    with pytest.raises(ValidationError, match="threshold"):
        build_engine("rules", {"threshold": 0.5})
    assert "rules" in ENGINES


@pytest.mark.parametrize("text", ["", "?!", "a" * 20_000, "not " * 5_000 + "true", "," * 10_000])
def test_odd_input_never_raises(text: str) -> None:
    judgement = RulesEngine().judge(NK_TROOPS, text, None)
    assert isinstance(judgement, Judgement)


# --- the five demo seeds -------------------------------------------------------------------------

_ALIAS = re.compile(r"\b(?:north korea|dprk|pyongyang|kpa)", re.I)
_KEYWORD = re.compile(r"\b(?:" + "|".join(NK_TROOPS.keywords) + r")\b", re.I)
_PRONOUN = re.compile(
    r"^(?:(?:at the same time|meanwhile|later|now),?\s+)?(?:they|he|she|it|this|these)\b", re.I
)
_ANAPHOR = re.compile(r"\b(?:confirmed|denied|calling)\s+(?:this|it)\b", re.I)


def _gated_seed_sentences() -> list[tuple[str, str, str | None]]:
    """(seed file, sentence, previous sentence) for every sentence the relevance gate would pass.

    The gate: an entity alias and a keyword; or a pronoun start right after such a sentence; or an
    anaphor ("confirmed this", "he ... calling it") within two sentences of one that names the entity.
    """
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        texts = [s.text for s in split_sentences(path.read_text(encoding="utf-8"))]
        strict = [bool(_ALIAS.search(t) and _KEYWORD.search(t)) for t in texts]
        for i, text in enumerate(texts):
            named_before = any(_ALIAS.search(t) for t in texts[max(0, i - 2) : i])
            follows = i > 0 and strict[i - 1] and bool(_PRONOUN.match(text))
            anaphor = named_before and bool(
                _ANAPHOR.search(text) or (_PRONOUN.match(text) and _KEYWORD.search(text))
            )
            if strict[i] or follows or anaphor:
                out.append((path.name, text, texts[i - 1] if i else None))
    return out


GATED = _gated_seed_sentences()

SEED_EXPECTATIONS = [
    ("Now the NATO Secretary General has confirmed this.", Stance.CONFIRM, None),
    ("after NATO confirmed information about the presence of DPRK troops in Russia", Stance.CONFIRM, None),
    ("Earlier it was reported that NATO Secretary General Mark Rutte confirmed", Stance.CONFIRM, True),
    (
        "Subsequently, the Pentagon confirmed that the DPRK military had arrived in Russia.",
        Stance.CONFIRM,
        None,
    ),
    ("National Intelligence Service has reported that North Korea has already sent", Stance.CONFIRM, None),
    ("They have already arrived in Russia, according to the South Koran intelligence.", Stance.CONFIRM, None),
    ("to be sent to the frontline in Ukraine was not true", Stance.CONTRADICT, None),
    ("to be sent to the front in Ukraine was not true", Stance.CONTRADICT, None),
    ("United States has not yet confirmed that North Korea is sending troops", Stance.CONTRADICT, None),
    ("NATO has no evidence that North Korean soldiers are involved in hostilities", Stance.CONTRADICT, None),
    ("We have no evidence that North Korean soldiers are involved in hostilities", Stance.CONTRADICT, None),
    ("We have no evidence that North Korean soldiers are envolved in the fight", Stance.CONTRADICT, None),
    ("calling it “groundless rumours”", Stance.CONTRADICT, None),
    (
        "said that the DPRK could send its military to the temporarily occupied territories",
        Stance.DISCUSS,
        None,
    ),
    ("are being trained in Russia and may be sent to the front in Ukraine", Stance.DISCUSS, None),
    ("would mark a significant escalation,” Mark Rutte said.", Stance.DISCUSS, None),
    (
        "And The Guardian wrote that Russia could send North Korean troops to capture Pokrovsk",
        Stance.DISCUSS,
        None,
    ),
]


@pytest.mark.parametrize(
    ("fragment", "stance", "recap"), SEED_EXPECTATIONS, ids=[e[0][:40] for e in SEED_EXPECTATIONS]
)
def test_seed_sentence_gets_expected_stance(fragment: str, stance: Stance, recap: bool | None) -> None:
    matches = [(name, text, prev) for name, text, prev in GATED if fragment in text]
    assert matches, f"no gated seed sentence contains {fragment!r}"
    for _, text, prev in matches:
        judgement = RulesEngine().judge(NK_TROOPS, text, prev)
        assert judgement.stance is stance, (text, judgement.cues)
        if recap is not None:
            assert judgement.recap is recap


def test_kovalenko_denial_is_gated_in_both_seeds_that_carry_it() -> None:
    carriers = {name for name, text, _ in GATED if "was not true" in text}
    assert len(carriers) == 2


def test_every_gated_seed_sentence_gets_a_stance_with_cues() -> None:
    assert len(GATED) >= 30
    for _, text, prev in GATED:
        judgement = RulesEngine().judge(NK_TROOPS, text, prev)
        assert judgement.stance is not Stance.UNRELATED, text
        assert judgement.cues and 0.0 < judgement.confidence <= 1.0
