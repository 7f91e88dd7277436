"""The slower, second classifier: a multinomial logistic regression on MiniLM sentence embeddings.

It reads meaning rather than words, so it is the check on the fastText default, at about 1/100 of
its speed on a CPU (the embedder runs at ~38 documents/s at 128 tokens, ~17 at 256, on this machine).

The head is saved as two arrays in ``head.safetensors`` (``weight`` ``(8, 384)``, ``bias`` ``(8,)``)
plus JSON; prediction is ``softmax(X @ W.T + b)`` in numpy, so loading needs neither sklearn nor a
pickle. Categories absent from the training pages get a bias of ``ABSENT_BIAS``: probability 0.
Class imbalance: ``class_weight="balanced"`` (each category weighs as much in the loss as any other).
The embedder's identity (model content hash and ``max_tokens``) is saved too, and checked at load:
a head fitted on one model's vectors means nothing on another's.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from factory.categories.classifier import CategoryClassifier, ClassifierFolderError
from factory.categories.dataset import LabelledPage
from factory.categories.taxonomy import CATEGORIES

HEAD_FILE = "head.safetensors"
ABSENT_BIAS = -1e4


class EmbeddingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tokens: int = Field(128, ge=16, le=512)  # tokens of each page embedded (MiniLM was trained at 256)
    c: float = Field(1.0, gt=0)  # inverse L2 strength of the logistic regression
    balance: bool = True  # class_weight="balanced"
    max_iter: int = Field(2000, ge=1)


class EmbeddingClassifier(CategoryClassifier):
    kind = "embedding"

    def __init__(self, embedder: Any, weight: np.ndarray, bias: np.ndarray, settings: EmbeddingSettings,
                 training: dict[str, Any]):
        if weight.shape[0] != len(CATEGORIES) or bias.shape != (len(CATEGORIES),):
            raise ValueError(
                f"head must be ({len(CATEGORIES)}, d) and ({len(CATEGORIES)},), got {weight.shape}, {bias.shape}")
        self.embedder, self.settings, self.training = embedder, settings, training
        self.weight, self.bias = weight.astype(np.float32), bias.astype(np.float32)
        self.sha256 = hashlib.sha256(self.weight.tobytes() + self.bias.tobytes()).hexdigest()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.proba_of_vectors(self.embedder.embed(list(texts)))

    def proba_of_vectors(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors.astype(np.float32) @ self.weight.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)

    def metadata(self) -> dict[str, Any]:
        return {"settings": self.settings.model_dump(), "training": self.training, "sha256": self.sha256,
                "embedder": self.embedder.identity(), "weights": HEAD_FILE}

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "embedder": self.embedder.identity()}

    def _save_weights(self, folder: Path) -> None:
        from safetensors.numpy import save_file

        save_file({"weight": self.weight, "bias": self.bias}, str(folder / HEAD_FILE))

    @classmethod
    def _load(cls, folder: Path, metadata: dict[str, Any]) -> EmbeddingClassifier:
        from safetensors.numpy import load_file

        from factory.models.embeddings import Embedder
        from factory.models.identity import model_label

        path = folder / HEAD_FILE
        if not path.exists():
            raise ClassifierFolderError(
                f"{path} not found: the classifier folder {folder} is incomplete; save it again")
        settings = EmbeddingSettings(**metadata["settings"])
        arrays = load_file(str(path))
        embedder = Embedder(max_tokens=settings.max_tokens)
        found, expected = embedder.identity(), metadata["embedder"]
        if found.get("sha256") != expected.get("sha256"):
            raise ClassifierFolderError(
                f"{folder}: the head was fitted on embeddings of {model_label(expected)}, the installed embedder is "
                f"{model_label(found)}: install that model package version or retrain the classifier")
        classifier = cls(embedder, arrays["weight"], arrays["bias"], settings, metadata["training"])
        if classifier.sha256 != metadata["sha256"]:
            raise ClassifierFolderError(f"{path} does not match the SHA-256 in {folder}/classifier.json: save it again")
        return classifier


def train_embedding(pages: Sequence[LabelledPage], settings: EmbeddingSettings,
                    embedder: Any = None) -> EmbeddingClassifier:
    from factory.models.embeddings import Embedder

    embedder = embedder or Embedder(max_tokens=settings.max_tokens)
    if embedder.max_tokens != settings.max_tokens:
        raise ValueError(
            f"embedder max_tokens {embedder.max_tokens} differs from settings.max_tokens {settings.max_tokens}")
    vectors = embedder.embed([page.text for page in pages])
    weight, bias = fit_head(vectors, [CATEGORIES.index(page.category) for page in pages], settings)
    training = {"pages": len(pages), "pages_by_category": dict(sorted(Counter(p.category for p in pages).items()))}
    return EmbeddingClassifier(embedder, weight, bias, settings, training)


def fit_head(vectors: np.ndarray, labels: Sequence[int], settings: EmbeddingSettings) -> tuple[np.ndarray, np.ndarray]:
    """``(W, b)`` over all categories from a logistic regression fitted on the categories present."""
    from sklearn.linear_model import LogisticRegression

    present = sorted(set(labels))
    if len(present) < 2:
        raise ValueError(f"the embedding classifier needs pages of at least 2 categories, got {len(present)}")
    model = LogisticRegression(C=settings.c, class_weight="balanced" if settings.balance else None,
                               max_iter=settings.max_iter).fit(vectors, np.asarray(labels))
    coef, intercept = model.coef_, model.intercept_
    if len(present) == 2:  # sklearn keeps one row for two classes: sigmoid(z) == softmax([0, z])[1]
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    weight = np.zeros((len(CATEGORIES), vectors.shape[1]), dtype=np.float32)
    bias = np.full(len(CATEGORIES), ABSENT_BIAS, dtype=np.float32)
    weight[present], bias[present] = coef, intercept
    return weight, bias
