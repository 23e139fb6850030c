"""Linguistic features of a sentence about a claim, for the semantic engine's stance layer.

Every feature is a number in [0, 1] that means the same thing in any domain: cue words of denial,
debunking, lack of evidence, negation, hedging, questions, conditions, attribution and confirmation,
plus the `rules` engine's own verdict (its stance, one-hot, times its confidence). The layer on top
(semantic.py) adds the embedding similarities and is trained on data that may ship (see train.py).
"""

from __future__ import annotations

import re

from monitor.domain import ClaimSpec, Judgement, Stance

_I = re.IGNORECASE
_CUES: dict[str, re.Pattern[str]] = {
    "refute": re.compile(
        r"\b(?:fake|hoax\w*|false(?:ly|hood)?|fabricat\w*|debunk\w*|bogus|satir\w*|doctored|photoshopp?\w*|"
        r"myth|untrue|baseless|unfounded|groundless|misleading|nonsense|made up|prank\w*|scam|"
        r"not true|no truth|not real|never happened)\b",
        _I,
    ),
    "deny": re.compile(
        r"\b(?:den(?:y|ied|ies|ying|ial\w*)|dismiss\w*|reject\w*|refut\w*|rebut\w*|disown\w*)\b", _I
    ),
    "no_evidence": re.compile(
        r"\b(?:no (?:evidence|indication|sign|proof|confirmation)|(?:not|never|yet to|unable to) (?:be )?"
        r"(?:confirm|verif|corroborat|substantiat)\w*|unconfirmed|unverified|uncorroborated)\b",
        _I,
    ),
    "negation": re.compile(r"\b(?:not|never|no|none|nobody|nothing|neither|nor)\b|n't\b", _I),
    "hedge": re.compile(
        r"\b(?:may|might|could|would|reportedly|allegedly|alleged|apparently|purportedly|supposedly|"
        r"possibl[ey]|likely|suggest\w*|believed|appears?|seem\w*|rumou?r\w*|claim\w*|speculat\w*|"
        r"unclear|whether)\b",
        _I,
    ),
    "question": re.compile(r"\?"),
    "condition": re.compile(r"\b(?:if|unless|should it|in case)\b", _I),
    "attribution": re.compile(r"\b(?:said|says|say|told|according to|stated|added|wrote|reported)\b", _I),
    "confirm": re.compile(
        r"\b(?:confirm\w*|verified|acknowledg\w*|admit\w*|announc\w*|officially|proved?|proven|"
        r"revealed|shows?|showed)\b",
        _I,
    ),
    "recap": re.compile(
        r"\b(?:earlier|previously|last (?:week|month|year)|had (?:said|reported|denied))\b", _I
    ),
}

NAMES: tuple[str, ...] = (
    *(f"cue_{name}" for name in _CUES),
    "rules_confirm",
    "rules_contradict",
    "rules_discuss",
    "rules_unrelated",
    "rules_recap",
    "claim_negated",
)


def linguistic(claim: ClaimSpec, sentence: str, rules: Judgement) -> list[float]:
    """The features named in NAMES (without the similarities, which need the model)."""
    values = [min(len(p.findall(sentence)), 2) / 2 for p in _CUES.values()]
    values += [rules.confidence if rules.stance is s else 0.0 for s in Stance]
    values.append(1.0 if rules.recap else 0.0)
    values.append(1.0 if _CUES["negation"].search(claim.text) else 0.0)
    return values
