"""A natural-language-inference cross-encoder: (premise, hypothesis) -> P(entailment, neutral,
contradiction). Read the premise as an article's sentence and the hypothesis as the claim.

The package ships one, trained here on licence-clean data (`nli_train`, model card in
data/nli-minilm/MODEL_CARD.md): `shipped()` loads it once per process. Its files are checked against
the SHA-256 sums in data/nli-minilm/manifest.json before anything is loaded, so a missing or damaged
file is a clear error, never a model that silently guesses. Any other local Hugging Face directory
with NLI labels loads with `load(path)`. Nothing is ever downloaded (`HF_HUB_OFFLINE=1`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from monitor.analysis.embeddings import Vectors, quantized

log = logging.getLogger(__name__)

LABELS = ("entailment", "neutral", "contradiction")
"""The order of the columns `CrossEncoder.probabilities` returns."""
CACHE_SIZE = 100_000
"""(claim, sentence) answers kept in memory: a few hundred bytes each, some 40 MB when full."""

SHIPPED = Path(__file__).with_name("data") / "nli-minilm"
MANIFEST = "manifest.json"


class ModelFileError(ValueError):
    """A model folder is missing, incomplete or damaged."""


class CrossEncoder:
    """Scores sentence pairs in batches; safe to share between threads (one forward pass at a time,
    which already uses every core)."""

    def __init__(
        self, tokenizer: Any, model: Any, label_index: dict[str, int], *, max_length: int, batch_size: int
    ) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.columns = [label_index[label] for label in LABELS]
        self.max_length = max_length
        self.batch_size = batch_size
        self.folder: Path | None = None
        self.load_seconds = 0.0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], Vectors] = OrderedDict()

    def clear(self) -> None:
        """Forget every cached answer (the next pairs are read cold)."""
        with self._lock:
            self._cache.clear()

    def probabilities(self, premises: Sequence[str], hypothesis: str) -> Vectors:
        """One row per premise: P(entailment), P(neutral), P(contradiction) (LABELS order). The last
        CACHE_SIZE answers are kept: an article analysed again (an edit, a backtest) costs no pass."""
        out = np.zeros((len(premises), len(LABELS)), dtype=np.float32)
        with self._lock:
            todo = []
            for i, premise in enumerate(premises):
                row = self._cache.get((hypothesis, premise))
                if row is None:
                    todo.append(i)
                else:
                    self._cache.move_to_end((hypothesis, premise))
                    out[i] = row
            if todo:
                computed = self._forward([premises[i] for i in todo], hypothesis)
                for i, row in zip(todo, computed, strict=True):
                    out[i] = row
                    self._cache[(hypothesis, premises[i])] = row
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return out

    def _forward(self, premises: Sequence[str], hypothesis: str) -> Vectors:
        import torch

        out = np.zeros((len(premises), len(LABELS)), dtype=np.float32)
        order = sorted(range(len(premises)), key=lambda i: len(premises[i]))  # less padding
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chosen = order[start : start + self.batch_size]
                encoded = self.tokenizer(
                    [premises[i] for i in chosen],
                    [hypothesis] * len(chosen),
                    padding=True,
                    truncation="longest_first",
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                rows = self.model(**encoded).logits.float().softmax(dim=-1)[:, self.columns]
                out[chosen] = rows.numpy()
        return out


def label_index(id2label: dict[Any, Any], folder: Path) -> dict[str, int]:
    """Map entailment/neutral/contradiction to the model's output indices; raises ModelFileError when
    the model has other labels."""
    index = {str(name).lower(): int(i) for i, name in id2label.items()}
    missing = [name for name in LABELS if name not in index]
    if missing:
        found = ", ".join(str(name) for name in id2label.values()) or "none"
        raise ModelFileError(
            f"model {folder} is not an NLI classifier: its labels are {found}; "
            "an inference model needs entailment, contradiction and neutral"
        )
    return {name: index[name] for name in LABELS}


def verify(folder: Path) -> None:
    """Check every file named in the folder's manifest against its SHA-256 sum."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ModelFileError(
            f"the inference model folder {folder} has no {MANIFEST}: reinstall claim-monitor"
        )
    sums: dict[str, str] = json.loads(manifest.read_text(encoding="utf-8"))["sha256"]
    for name, expected in sums.items():
        path = folder / name
        if not path.is_file():
            raise ModelFileError(f"the inference model file {path} is missing: reinstall claim-monitor")
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise ModelFileError(
                f"the inference model file {path} is damaged (its SHA-256 does not match {MANIFEST}): "
                "reinstall claim-monitor"
            )


def load(
    folder: Path,
    *,
    max_length: int = 256,
    batch_size: int = 32,
    checked: bool = False,
    quantize: bool = False,
) -> CrossEncoder:
    """Load a local Hugging Face sequence-classification folder with NLI labels, on the CPU, in float32
    whatever precision it was stored in (its Linear layers then in dynamic int8 with `quantize`).
    `checked` verifies the manifest's sums first. Raises ModelFileError when it does not load."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    started = time.perf_counter()
    if checked:
        verify(folder)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(folder), local_files_only=True, dtype=torch.float32
        )
    except Exception as exc:  # transformers raises many kinds; all mean "does not load"
        raise ModelFileError(f"cannot load an inference model from {folder}: {exc}") from exc
    index = label_index(dict(model.config.id2label or {}), folder)
    tokenizer.truncation_side = "left"  # keep the end of a long premise: the sentence, not its context
    model.to("cpu")
    model.eval()
    if quantize:
        model = quantized(model)
    encoder = CrossEncoder(
        tokenizer,
        model,
        index,
        max_length=_usable_length(tokenizer, model, max_length),
        batch_size=batch_size,
    )
    encoder.folder = folder
    encoder.load_seconds = time.perf_counter() - started
    log.info("loaded the inference model %s in %.1f s", folder, encoder.load_seconds)
    return encoder


def _usable_length(tokenizer: Any, model: Any, wanted: int) -> int:
    """`wanted`, capped by what the tokenizer and the model's position embeddings can take."""
    limits = [wanted, getattr(tokenizer, "model_max_length", wanted)]
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        limits.append(positions)
    return int(min(limit for limit in limits if isinstance(limit, int | float)))


_SHIPPED: dict[bool, CrossEncoder] = {}
_SHIPPED_LOCK = threading.Lock()


def shipped(quantize: bool = False) -> CrossEncoder:
    """The model inside the package, loaded (and checked) once per process (and per `quantize`)."""
    with _SHIPPED_LOCK:
        if quantize not in _SHIPPED:
            _SHIPPED[quantize] = load(SHIPPED, max_length=128, checked=True, quantize=quantize)
        return _SHIPPED[quantize]
