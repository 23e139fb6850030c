"""The `nli` stance engine: a local natural-language-inference cross-encoder judges each sentence.

    stance:
      kind: nli
      model: ../models/nli-deberta-v3-small   # a local Hugging Face directory, relative to the rules file
      batch_size: 16        # sentences per forward pass
      max_length: 256       # tokens per (premise, hypothesis) pair; the start of a long premise is cut
      min_confidence: 0.5   # a confirm/contradict less probable than this becomes discuss
      relevance: 0.0        # a discuss with P(entailment) + P(contradiction) below this is unrelated

Any sequence-classification model trained for NLI works (e.g. a DeBERTa, RoBERTa or MiniLM MNLI
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

import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from monitor.analysis.stance.base import EngineOptions, Passage, register
from monitor.domain import ClaimSpec, Judgement, Stance

_LABELS = {"entailment": Stance.CONFIRM, "contradiction": Stance.CONTRADICT, "neutral": Stance.DISCUSS}
_WORD = re.compile(r"\w")


class NliOptions(EngineOptions):
    model: Path
    batch_size: int = Field(default=16, ge=1, le=1024)
    max_length: int = Field(default=256, ge=16)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    relevance: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("model")
    @classmethod
    def _existing_directory(cls, value: Path, info: ValidationInfo) -> Path:
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

    def __init__(self, tokenizer: Any, model: Any, label_index: dict[str, int], options: NliOptions) -> None:
        self._tokenizer = tokenizer
        self._model = model
        self._index = label_index
        self._options = options
        self._max_length = _usable_length(tokenizer, model, options.max_length)
        # Sources are polled on several threads: a fast tokenizer must not be called from two at once,
        # and one forward pass at a time already uses every core.
        self._lock = threading.Lock()

    def judge(self, claim: ClaimSpec, sentence: str, context: str | None = None) -> Judgement:
        return self.judge_many(claim, [Passage(sentence, context)])[0]

    def judge_many(self, claim: ClaimSpec, passages: Sequence[Passage]) -> list[Judgement]:
        empty = Judgement(Stance.UNRELATED, 1.0, ("empty sentence",))
        results: list[Judgement | None] = [None if _WORD.search(p.text) else empty for p in passages]
        todo = [i for i, result in enumerate(results) if result is None]
        size = self._options.batch_size
        for start in range(0, len(todo), size):
            batch = todo[start : start + size]
            premises = [_premise(passages[i]) for i in batch]
            for i, probabilities in zip(batch, self._probabilities(premises, claim.text), strict=True):
                results[i] = self._decide(probabilities)
        return [r for r in results if r is not None]

    def _probabilities(self, premises: list[str], hypothesis: str) -> list[dict[str, float]]:
        """P(label) for each premise against the hypothesis, one forward pass."""
        import torch

        with self._lock, torch.no_grad():
            encoded = self._tokenizer(
                premises,
                [hypothesis] * len(premises),
                padding=True,
                truncation="longest_first",
                max_length=self._max_length,
                return_tensors="pt",
            )
            rows = self._model(**encoded).logits.float().softmax(dim=-1).tolist()
        return [{label: row[i] for label, i in self._index.items()} for row in rows]

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


def _usable_length(tokenizer: Any, model: Any, wanted: int) -> int:
    """`wanted`, capped by what the tokenizer and the model's position embeddings can take."""
    limits = [wanted, getattr(tokenizer, "model_max_length", wanted)]
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        limits.append(positions)
    return int(min(limit for limit in limits if isinstance(limit, int | float)))


def label_index(id2label: dict[Any, Any], model: Path) -> dict[str, int]:
    """Map entailment/contradiction/neutral to the model's output indices; raises ValueError otherwise."""
    index = {str(name).lower(): int(i) for i, name in id2label.items()}
    missing = [name for name in _LABELS if name not in index]
    if missing:
        found = ", ".join(str(name) for name in id2label.values()) or "none"
        raise ValueError(
            f"model {model} is not an NLI classifier: its labels are {found}; "
            "the nli engine needs entailment, contradiction and neutral"
        )
    return {name: index[name] for name in _LABELS}


@register("nli", options=NliOptions)
def make_nli_engine(options: NliOptions) -> NliEngine:
    """Load the tokenizer and model from the local directory. Raises ValueError if they do not load or
    the model's labels are not NLI labels."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(options.model), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(options.model), local_files_only=True)
    except Exception as exc:  # transformers raises many kinds; all mean "does not load"
        raise ValueError(f"cannot load an NLI model from {options.model}: {exc}") from exc
    index = label_index(dict(model.config.id2label or {}), options.model)
    tokenizer.truncation_side = "left"  # keep the end of the premise: the sentence, not its context
    model.to("cpu")
    model.eval()
    return NliEngine(tokenizer, model, index, options)
