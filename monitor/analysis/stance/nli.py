"""The `nli` stance engine: a natural-language-inference cross-encoder judges each sentence.

    stance: {kind: nli}     # the inference model shipped inside the package (data/nli-minilm)
    stance:
      kind: nli
      model: ../models/nli-deberta-v3-small   # or a local Hugging Face directory, relative to the rules file
      batch_size: 16        # sentences per forward pass
      max_length: 256       # tokens per (premise, hypothesis) pair; the start of a long premise is cut
      min_confidence: 0.5   # a confirm/contradict less probable than this becomes discuss
      relevance: 0.0        # a discuss with P(entailment) + P(contradiction) below this is unrelated

Without `model`, the engine loads the model that ships inside the package (trained here on
licence-clean data, see data/nli-minilm/MODEL_CARD.md), after checking its files' SHA-256 sums. Any
other sequence-classification model trained for NLI works (e.g. a DeBERTa, RoBERTa or MiniLM MNLI
cross-encoder) as long as its `config.id2label` names `entailment`, `contradiction` and `neutral` (in
any case); a model with other labels is refused when the engine is built. The model is loaded from the
directory only (`local_files_only`, `HF_HUB_OFFLINE=1`): nothing is ever downloaded. It runs on the CPU.

For each keyword-matched sentence the premise is the previous sentence (when there is one) followed by
the sentence, and the hypothesis is the claim's text. The most probable label decides: entailment is
confirm, contradiction is contradict, neutral is discuss, and the confidence is that label's
probability. A confirm or contradict less probable than `min_confidence` becomes discuss, with
confidence 1 - that probability.

A sentence that comes out as discuss is unrelated instead when P(entailment) + P(contradiction) is
below `relevance` (confidence P(neutral)). The keyword matcher has already chosen the sentences, so
`relevance` is off (0.0) by default; raise it (e.g. to 0.05) to drop sentences the model sees as having
no bearing on the claim. A sentence with no letters or digits is unrelated without asking the model.

Confidences are rounded to two places; `cues` gives the label and its probability ("nli: entailment
0.91"). The engine does not detect recaps (`recap` is always False).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from monitor.analysis.stance import inference
from monitor.analysis.stance.base import EngineOptions, Passage, register
from monitor.domain import ClaimSpec, Judgement, Stance

_LABELS = {"entailment": Stance.CONFIRM, "contradiction": Stance.CONTRADICT, "neutral": Stance.DISCUSS}
_WORD = re.compile(r"\w")


class NliOptions(EngineOptions):
    model: Path | None = None
    batch_size: int = Field(default=16, ge=1, le=1024)
    max_length: int = Field(default=256, ge=16)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    relevance: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("model")
    @classmethod
    def _existing_directory(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        base = (info.context or {}).get("base_dir")
        path = value.expanduser()
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        path = path.resolve()
        if not path.is_dir():
            raise ValueError(f"model directory {path} does not exist or is not a directory")
        return path


class NliEngine:
    """Judges sentences with an NLI cross-encoder, as described in the module docstring."""

    name: str = "nli"
    reads_whole_article: bool = False

    def __init__(self, model: inference.CrossEncoder, options: NliOptions) -> None:
        self.model = model
        self._options = options

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        return self.judge_many(claim, [Passage(sentence, context)])[0]

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]:
        empty = Judgement(Stance.UNRELATED, 1.0, ("empty sentence",))
        results: list[Judgement | None] = [None if _WORD.search(p.text) else empty for p in passages]
        todo = [i for i, result in enumerate(results) if result is None]
        rows = self.model.probabilities([_premise(passages[i]) for i in todo], claim.text)
        for i, row in zip(todo, rows, strict=True):
            results[i] = self._decide(dict(zip(inference.LABELS, map(float, row), strict=True)))
        return [r for r in results if r is not None]

    def _decide(self, p: dict[str, float]) -> Judgement:
        label = max(_LABELS, key=lambda name: p[name])
        stance, confidence = _LABELS[label], p[label]
        cues = [f"nli: {label} {confidence:.2f}"]
        if stance is not Stance.DISCUSS and confidence < self._options.min_confidence:
            stance, confidence = Stance.DISCUSS, 1.0 - confidence
            cues.append(f"below min_confidence {self._options.min_confidence:g}: discuss")
        relevance = p["entailment"] + p["contradiction"]
        if stance is Stance.DISCUSS and relevance < self._options.relevance:
            stance, confidence = Stance.UNRELATED, p["neutral"]
            cues.append(f"entailment + contradiction {relevance:.2f} < relevance {self._options.relevance:g}")
        return Judgement(stance, round(confidence, 2), tuple(cues))


def _premise(passage: Passage) -> str:
    context = (passage.context or "").strip()
    return f"{context} {passage.text.strip()}" if context else passage.text.strip()


@register("nli", options=NliOptions)
def make_nli_engine(options: NliOptions) -> NliEngine:
    """Load the named model, or the shipped one. Raises ValueError (inference.ModelFileError) if it
    does not load, is damaged, or its labels are not NLI labels."""
    if options.model is None:
        model = inference.load(
            inference.SHIPPED, max_length=options.max_length, batch_size=options.batch_size, checked=True
        )
    else:
        model = inference.load(options.model, max_length=options.max_length, batch_size=options.batch_size)
    return NliEngine(model, options)
