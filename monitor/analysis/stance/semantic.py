"""The `semantic` stance engine (the default): MiniLM sentence embeddings, explicit cues, a trained layer.

    stance: {kind: semantic}                       # the defaults below
    stance: {kind: semantic, relevance: 0.5, weights: ./my-layer.json}

For each sentence of an article that names the claim's entity (the cheap gate: other articles never
reach the model), the engine

1. embeds the sentence alone and with the sentence before it as context, and compares both with the
   claim's embedding (cosine). A sentence is relevant when the keyword matcher found the claim's words
   in it, or when a similarity reaches `relevance` (default: from the weights file); else UNRELATED.
   How the context vector is made is the option `context`:
   - `neighbours` (the default): every text (the sentences and the sentences before them, which are
     mostly sentences of the same article) is encoded once, and the context vector is the normalised
     sum of the previous sentence's vector and the sentence's, unit(v(previous) + v(sentence))
     (`neighbours`). Its cosine with the claim is on average 0.05 lower than the joined text's
     (correlation 0.93 on the hand-written passages), so a sentence relevant only through its
     context is found a little less often (docs/stance.md gives the verdicts that change);
   - `joined`: "previous sentence + sentence" is encoded again as one text (each sentence goes through
     MiniLM twice; kept to measure against, `bench/engine.py`);
2. lets an explicit cue of the `rules` engine decide (DECISIVE_CUES, RELIABLE_HEDGES: a denial, a lack
   of evidence, a confirmation, "has already ...", a question, "whether");
3. otherwise feeds FEATURES (similarities, the rules' verdict, cue-word densities from features.py and
   the embeddings) to a calibrated multinomial logistic layer; the most probable stance wins, with the
   adjustments documented at MIN_POLAR and CONTEXT_PENALTY.

`judge_batch` judges the passages of many (claim, article) requests at once: one MiniLM call for every
text of the batch and one cross-encoder call per claim (the analyzer's `analyze_many` gives it all the
articles of a poll's batch); its answers are those of `judge_many` on each request.

`quantize` (default: `none`) runs torch's dynamic int8 quantisation on the Linear layers of MiniLM
(`embeddings`) or of MiniLM and the inference model (`all`); `true` means `all`. Faster on a CPU, with
slightly different numbers: docs/stance.md gives the speed and the verdicts that change.

    stance: {kind: semantic, context: joined, quantize: embeddings}

The layer (data/semantic.json) was trained by `python -m monitor.analysis.stance.train` only on data that may
ship: the hand-written passages in data/written.jsonl, and ARC (Apache-2.0) for the relevance
threshold. The file records what it was trained on and its held-out scores; docs/stance.md has the rest.
Its `sim_context` feature was computed with the `joined` context; it was not retrained for `neighbours`
(measured instead: docs/stance.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from monitor.analysis.embeddings import DIMENSIONS, Encoder, Vectors, shared_encoder
from monitor.analysis.stance import features, inference
from monitor.analysis.stance.base import EngineOptions, Passage, Request, register
from monitor.analysis.stance.rules import RulesEngine
from monitor.domain import ClaimSpec, Judgement, Stance

Context = Literal["neighbours", "joined"]
Quantize = Literal["none", "embeddings", "all"]

DEFAULT_WEIGHTS = Path(__file__).with_name("data") / "semantic.json"
RELIABLE_HEDGES = frozenset(
    {"?", "whether", "if", "could", "might", "considering", "consider", "possible", "about to", "rumour",
     "rumours", "speculation"}
)  # fmt: skip
"""Hedge cues of the `rules` engine that were right on at least 80% of the hand-written passages
("will", "would", "may", "plans to" were not: a claim about the future uses them too)."""

CONTEXT_PENALTY = 0.1
"""A sentence the keyword matcher did not find (it was found through its similarity alone) is weaker
evidence: its confidence is lowered (the `rules` engine does the same for pronoun sentences). One that
is similar to the claim only together with the sentence before it ("This was stated by X.") is not
given a stance of its own by the layer: it reports the previous sentence, which is judged itself."""

MIN_POLAR = 0.5
"""The layer calls a sentence confirm or contradict only when that stance has most of the probability;
otherwise the sentence is reported as discussing the claim."""

DECISIVE_CUES = frozenset(
    {"denial", "no evidence", "not confirmed", "negated event", "refusal", "confirmation",
     "anaphoric confirmation", "realis", "non-committal"}
)  # fmt: skip
"""Kinds of `rules` cue that decide on their own. On the hand-written passages they were right 132 times
out of 148 ("realis", e.g. "have already arrived", 22 of 32); a "past event" was right only 39 of 68
times and an "ongoing" 0 of 1: there, and wherever no such cue fires, the layer decides."""


NEUTRAL_VETO = 0.9
"""A confirmation (by the layer or by a cue) becomes `discuss` when the inference model gives the sentence
P(neutral) at least this high: on news it reads "is preparing a contingent", "intends to involve",
"would mark an escalation" as neutral, where the layer, trained on 1,502 passages, often says confirm.
Chosen before measuring (a confident model), not tuned; docs/stance.md gives the measured effect."""


class SemanticOptions(EngineOptions):
    relevance: float | None = Field(default=None, ge=0.0, le=1.0)
    """Minimum cosine similarity for a sentence the keyword matcher did not find (default: from the
    weights file, chosen on held-out ARC data)."""
    neutral_veto: float | None = Field(default=NEUTRAL_VETO, gt=0.0, le=1.0)
    """See NEUTRAL_VETO; `null` turns the veto off."""
    weights: Path | None = None
    """Another trained layer (a JSON file written by `python -m monitor.analysis.stance.train`)."""
    context: Context = "neighbours"
    """How a sentence's context vector is made (module docstring)."""
    quantize: Quantize = "none"
    """Dynamic int8 quantisation: `none`, `embeddings` (MiniLM), `all` (MiniLM and the inference
    model); `true` is `all`, `false` is `none`."""

    @field_validator("quantize", mode="before")
    @classmethod
    def _quantize(cls, value: object) -> object:
        if isinstance(value, bool):
            return "all" if value else "none"
        return value

    @field_validator("weights")
    @classmethod
    def _exists(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        base = (info.context or {}).get("base_dir")
        path = value if value.is_absolute() or base is None else Path(base) / value
        if not path.is_file():
            raise ValueError(f"weights file {str(path)!r} does not exist")
        return path


@dataclass(frozen=True)
class Layer:
    """A multinomial logistic layer over standardised features, its logits divided by a temperature
    fitted on held-out predictions (calibration)."""

    names: tuple[str, ...]
    classes: tuple[Stance, ...]
    mean: Vectors
    scale: Vectors
    coef: Vectors
    intercept: Vectors
    relevance: float
    temperature: float
    about: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> Layer:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            names=tuple(data["features"]),
            classes=tuple(Stance(c) for c in data["classes"]),
            mean=np.asarray(data["mean"], dtype=np.float32),
            scale=_nonzero(np.asarray(data["scale"], dtype=np.float32)),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float32),
            relevance=float(data["relevance"]),
            temperature=float(data.get("temperature", 1.0)),
            about=dict(data.get("about", {})),
        )

    def probabilities(self, rows: Vectors) -> Vectors:
        z = (((rows - self.mean) / self.scale) @ self.coef.T + self.intercept) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float32)


def _nonzero(scale: Vectors) -> Vectors:
    """A feature that never varied in training has scale 0; dividing by 1 leaves it inert."""
    return np.where(scale > 0, scale, np.float32(1.0)).astype(np.float32)


FEATURES: tuple[str, ...] = (
    "sim_sentence",
    "sim_context",
    "matched",
    *(f"nli_{label}" for label in inference.LABELS),
    *features.NAMES,
    *(f"{block}{i}" for block in ("product", "distance", "sentence") for i in range(DIMENSIONS)),
)
"""Scalar features first (the similarities, the keyword match, the inference model's P(entailment,
neutral, contradiction) of the sentence against the claim, the cues), then the embedding blocks:
claim*sentence, |claim-sentence|, sentence."""


@dataclass(frozen=True)
class Encoded:
    """The sentence model's view of some passages of one article against one claim."""

    claim: Vectors  # (DIMENSIONS,)
    sentences: Vectors  # (n, DIMENSIONS)
    sims: Vectors  # (n, 2): cosine with the sentence alone, and with its context

    def subset(self, rows: Sequence[int]) -> Encoded:
        return Encoded(self.claim, self.sentences[list(rows)], self.sims[list(rows)])


def encode(
    encoder: Encoder, claim: ClaimSpec, passages: Sequence[Passage], context: Context = "neighbours"
) -> Encoded:
    return encode_batch(encoder, [(claim, passages)], context)[0]


def joined_text(passage: Passage) -> str:
    """What the `joined` context encodes: the sentence before, then the sentence."""
    return f"{passage.context} {passage.text}" if passage.context else passage.text


def encode_batch(
    encoder: Encoder, requests: Sequence[Request], context: Context = "neighbours"
) -> list[Encoded]:
    """Each request's claim and passages as the model sees them, from one `Encoder.encode` call on the
    distinct texts of all requests (claims, sentences, and the sentences before them or, for `joined`,
    the joined texts). With `neighbours`, the context vector is `neighbours` of the two vectors."""
    texts: list[str] = []
    for claim, passages in requests:
        texts.append(claim.text)
        for p in passages:
            texts.append(p.text)
            if p.context:
                texts.append(joined_text(p) if context == "joined" else p.context)
    distinct = list(dict.fromkeys(texts))
    where = {text: i for i, text in enumerate(distinct)}
    vectors = encoder.encode(distinct)
    out = []
    for claim, passages in requests:
        claim_vector = vectors[where[claim.text]]
        alone = vectors[[where[p.text] for p in passages]].reshape(len(passages), DIMENSIONS)
        if context == "joined":
            with_context = vectors[[where[joined_text(p)] for p in passages]]
        else:
            rows = [
                neighbours(vectors[where[p.context]], row) if p.context else row
                for p, row in zip(passages, alone, strict=True)
            ]
            with_context = np.stack(rows) if rows else alone
        with_context = with_context.reshape(len(passages), DIMENSIONS)
        sims = np.stack([alone @ claim_vector, with_context @ claim_vector], axis=1).astype(np.float32)
        out.append(Encoded(claim_vector, alone, sims.reshape(len(passages), 2)))
    return out


def neighbours(previous: Vectors, sentence: Vectors) -> Vectors:
    """The `neighbours` context vector: unit(v(previous) + v(sentence)), the normalised sum of the two
    sentences' unit vectors (the sentence's own vector if they cancel out)."""
    total = previous + sentence
    norm = float(np.linalg.norm(total))
    return np.asarray(total / norm if norm > 1e-12 else sentence, dtype=np.float32)


def entailment(model: inference.CrossEncoder, claim: ClaimSpec, passages: Sequence[Passage]) -> Vectors:
    """P(entailment, neutral, contradiction) of each passage's sentence (alone) against the claim."""
    return model.probabilities([p.text for p in passages], claim.text)


def feature_rows(
    claim: ClaimSpec,
    passages: Sequence[Passage],
    encoded: Encoded,
    nli: Vectors,
    rules: Sequence[Judgement],
) -> Vectors:
    """One row of FEATURES per passage."""
    scalars = np.asarray(
        [
            [
                float(s[0]),
                float(s[1]),
                1.0 if p.matched else 0.0,
                *map(float, n),
                *features.linguistic(claim, p.text, j),
            ]
            for p, s, n, j in zip(passages, encoded.sims, nli, rules, strict=True)
        ],
        dtype=np.float32,
    ).reshape(len(passages), -1)
    u, v = encoded.claim[None, :], encoded.sentences
    return np.hstack([scalars, u * v, np.abs(u - v), v]).astype(np.float32)


class SemanticEngine:
    name = "semantic"
    reads_whole_article = True

    def __init__(
        self,
        layer: Layer,
        relevance: float,
        encoder: Encoder | None = None,
        inference_model: inference.CrossEncoder | None = None,
        neutral_veto: float | None = NEUTRAL_VETO,
        context: Context = "neighbours",
    ) -> None:
        if layer.names != FEATURES:
            raise ValueError("the weights file was trained on other features; retrain it")
        self.layer = layer
        self.relevance = relevance
        self.encoder = encoder or shared_encoder()
        self.inference = inference_model or inference.shipped()
        self.rules = RulesEngine()
        self.neutral_veto = neutral_veto
        self.context: Context = context

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        return self.judge_many(claim, [Passage(sentence, context, matched=True)])[0]

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]:
        return self.judge_batch([(claim, passages)])[0]

    def judge_batch(self, requests: Sequence[Request]) -> list[list[Judgement]]:
        """`judge_many` of each request, with one MiniLM call for the whole batch and one cross-encoder
        call per distinct claim."""
        outs = [[Judgement(Stance.UNRELATED, 1.0, ("empty sentence",)) for _ in p] for _, p in requests]
        todos = [
            [i for i, p in enumerate(passages) if any(ch.isalpha() for ch in p.text)]
            for _, passages in requests
        ]
        chosens = [[passages[i] for i in todo] for (_, passages), todo in zip(requests, todos, strict=True)]
        encodeds = encode_batch(
            self.encoder,
            [(claim, chosen) for (claim, _), chosen in zip(requests, chosens, strict=True)],
            self.context,
        )
        picks: list[tuple[list[int], list[bool], list[Passage]]] = []
        premises: dict[str, dict[str, None]] = {}  # claim text -> the sentences to read against it
        for (claim, _), todo, chosen, encoded, out in zip(
            requests, todos, chosens, encodeds, outs, strict=True
        ):
            best_sim = encoded.sims.max(axis=1) if chosen else np.zeros(0, dtype=np.float32)
            # a keyword match makes a sentence relevant when a user wrote the keywords, not when guessed
            found = [p.matched and not claim.guessed for p in chosen]
            keep = [k for k in range(len(chosen)) if found[k] or float(best_sim[k]) >= self.relevance]
            for k in set(range(len(chosen))) - set(keep):
                out[todo[k]] = Judgement(Stance.UNRELATED, 0.6, (f"similarity {float(best_sim[k]):.2f}",))
            picked = [chosen[k] for k in keep]
            picks.append((keep, found, picked))
            premises.setdefault(claim.text, {}).update(dict.fromkeys(p.text for p in picked))
        readings = {
            text: dict(zip(sentences, self.inference.probabilities(list(sentences), text), strict=True))
            for text, sentences in premises.items()
            if sentences
        }
        for (claim, _), todo, encoded, out, (keep, found, picked) in zip(
            requests, todos, encodeds, outs, picks, strict=True
        ):
            if not keep:
                continue
            rules = [self.rules.judge(claim, p.text, p.context) for p in picked]
            nli = np.stack([readings[claim.text][p.text] for p in picked]).astype(np.float32)
            rows = feature_rows(claim, picked, encoded.subset(keep), nli, rules)
            probabilities = self.layer.probabilities(rows)
            best_sim = encoded.sims.max(axis=1)
            for k, rule, probs, reading in zip(keep, rules, probabilities, nli, strict=True):
                own = found[k] or float(encoded.sims[k, 0]) >= self.relevance  # relevant without its context
                judged = self._judgement(rule, probs, float(best_sim[k]), found[k], own)
                out[todo[k]] = self._veto(judged, reading, rule)
        return outs

    def _veto(self, judged: Judgement, reading: Vectors, rule: Judgement) -> Judgement:
        """A confirmation that the inference model reads as neutral (P >= `neutral_veto`: a plan, a
        preparation, a related fact) is reported as discussing the claim. An anaphoric confirmation
        ("X has confirmed this") is exempt: its claim is in the sentence before, which the model does not
        see."""
        neutral = float(reading[inference.LABELS.index("neutral")])
        if (
            self.neutral_veto is None
            or judged.stance is not Stance.CONFIRM
            or neutral < self.neutral_veto
            or any(cue.startswith("anaphoric confirmation") for cue in rule.cues[:1])
        ):
            return judged
        cues = (*judged.cues[:3], f"inference model: neutral p={neutral:.2f}")
        return Judgement(Stance.DISCUSS, round(neutral, 2), cues, judged.recap, explicit=False)

    def _judgement(
        self, rule: Judgement, probs: Vectors, similarity: float, found: bool, own: bool
    ) -> Judgement:
        """A decisive rule (a denial, a lack of evidence, a confirmation, a realis statement, a reliable
        hedge) decides; the layer decides everything else. A sentence the keyword matcher `found` (or
        one the rules read as naming the claim) is never UNRELATED, so the layer then picks among the
        rest; `own` is False for a sentence relevant only together with the one before it."""
        ranked = sorted(range(len(probs)), key=lambda i: -float(probs[i]))
        if found or rule.stance is not Stance.UNRELATED:
            ranked = [i for i in ranked if self.layer.classes[i] is not Stance.UNRELATED]
        total = float(sum(probs[j] for j in ranked))
        share = {self.layer.classes[i]: float(probs[i]) / total for i in ranked}
        relevance = f"similarity {similarity:.2f}"
        if _rule_decides(rule):
            layer = f"layer {rule.stance.value} p={share.get(rule.stance, 0.0):.2f}"  # for the reader
            return Judgement(rule.stance, rule.confidence, (*rule.cues[:3], layer, relevance), rule.recap)
        stance = self.layer.classes[ranked[0]]
        cues = (f"layer {stance.value} p={share[stance]:.2f}", relevance, *rule.cues[:2])
        if stance in (Stance.CONFIRM, Stance.CONTRADICT) and share[stance] < MIN_POLAR:
            confidence = round(1 - share[stance], 2)
            return Judgement(
                Stance.DISCUSS, confidence, (*cues, "not sure enough"), rule.recap, explicit=False
            )
        if stance in (Stance.CONFIRM, Stance.CONTRADICT) and not own:
            # relevant only with the sentence before it ("This was stated by X."): it carries that
            # sentence's stance, which is judged on its own; this one reports it
            cues = (*cues, "relies on context: reports the sentence before")
            return Judgement(Stance.DISCUSS, round(share[stance], 2), cues, rule.recap, explicit=False)
        confidence = share[stance]
        if not found:
            confidence -= CONTEXT_PENALTY
            cues = (*cues, "not found by keywords")
        return Judgement(stance, round(max(confidence, 0.05), 2), cues, rule.recap, explicit=False)


def _rule_decides(rule: Judgement) -> bool:
    if rule.stance is Stance.UNRELATED or not rule.cues:
        return False
    kind, _, word = rule.cues[0].partition(": ")
    return kind in DECISIVE_CUES or (kind == "hedge" and word.strip("'") in RELIABLE_HEDGES)


@cache
def _default_layer() -> Layer:
    return Layer.read(DEFAULT_WEIGHTS)


@register("semantic", options=SemanticOptions)
def make_semantic_engine(options: SemanticOptions) -> SemanticEngine:
    layer = Layer.read(options.weights) if options.weights is not None else _default_layer()
    engine = SemanticEngine(
        layer,
        options.relevance if options.relevance is not None else layer.relevance,
        encoder=shared_encoder(options.quantize != "none"),
        inference_model=inference.shipped(quantize=options.quantize == "all"),
        neutral_veto=options.neutral_veto,
        context=options.context,
    )
    engine.encoder.load()
    return engine
