"""Educational-value classifiers: one interface, two kinds, saved without pickle.

- ``embedding`` (the main one, FineWeb-Edu style): all-MiniLM-L6-v2 sentence embeddings of a page's first
  ``max_tokens`` tokens and a ridge-regression head; the score is the head's output clipped to [0, 5].
- ``fasttext`` (the fast one, DCLM style): a fastText softmax over labels ``__label__0..5`` on lowercased
  word and punctuation tokens; the score is the expected label under its probabilities.

``predict(texts)`` returns float scores in [0, 5]. ``save(folder)`` writes the weights (safetensors, or
fastText's own .bin) and ``classifier.json``: the kind, the settings, the embedder's identity, what it was
trained on and each file's SHA-256. ``load_classifier(folder)`` checks those hashes and, for ``embedding``,
that this machine's embedding model is the one it was trained on (new embeddings would silently shift
every score). ``identity()`` is what decides its scores, for versioning what it writes. How a classifier
is fitted lives in :mod:`factory.quality.training`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from factory.quality.metrics import MAX_SCORE
from factory.store.filesystem import local_sha256

CONFIG_FILE = "classifier.json"
FORMAT = 1
EMBEDDING_WEIGHTS, FASTTEXT_WEIGHTS = "head.safetensors", "model.bin"
LABEL_PREFIX = "__label__"
# Words and single punctuation marks; fastText splits on ASCII whitespace and NUL only, so tokens are rejoined
# with single spaces and NUL never reaches it.
_TOKEN = re.compile(r"\w+|[^\w\s\x00]")


class ClassifierLoadError(RuntimeError):
    """A saved classifier that is missing, damaged, or made for another embedding model."""


class ClassifierConfig(BaseModel):
    """What is trained. Each kind reads its own fields; ``settings()`` names only those, so changing the
    other kind's fields does not make a new version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["embedding", "fasttext"] = "embedding"
    # embedding: 256 tokens is what MiniLM was trained on; 128 runs twice as fast and loses ~0.04 AUC on DCLM.
    max_tokens: int = Field(256, gt=0, le=512)
    ridge_alpha: float = Field(1.0, gt=0)
    # fasttext: a few hundred labelled pages want many passes; lr 0.5 converges without diverging.
    epoch: int = Field(25, gt=0, le=1000)
    lr: float = Field(0.5, gt=0, le=2.0)
    dim: int = Field(64, gt=0, le=1024)
    seed: int = Field(0, ge=0)

    def settings(self) -> dict[str, Any]:
        fields = ("max_tokens", "ridge_alpha") if self.kind == "embedding" else ("epoch", "lr", "dim", "seed")
        return {"kind": self.kind, **{name: getattr(self, name) for name in fields}}


def fasttext_line(text: str) -> str:
    """A page as fastText reads it: lowercased tokens joined by single spaces, with nothing that fastText
    would take for a label (a token starting ``__label__``) or a line break."""
    return " ".join(_TOKEN.findall(text.lower().replace(LABEL_PREFIX, " label ")))


class QualityClassifier(ABC):
    kind: ClassVar[str]

    def __init__(self, config: ClassifierConfig, trained_on: dict[str, Any] | None = None):
        self.config, self.trained_on = config, dict(trained_on or {})
        self._weights_sha256: str | None = None

    @abstractmethod
    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Scores in [0, 5] (float64), one per text."""

    @abstractmethod
    def _write_weights(self, folder: Path) -> list[str]:
        """Write the weights into ``folder``; their file names."""

    def _identity_extra(self) -> dict[str, Any]:
        return {}

    def identity(self) -> dict[str, Any]:
        """The kind, its settings, its input model (embedder) and a hash of its weights: what decides its scores."""
        if self._weights_sha256 is None:
            with tempfile.TemporaryDirectory(prefix="quality-classifier-") as folder:
                self.save(folder)
        return {**self.config.settings(), **self._identity_extra(), "weights_sha256": self._weights_sha256}

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        files = {name: local_sha256(folder / name) for name in self._write_weights(folder)}
        self._weights_sha256 = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
        description = {"format": FORMAT, "config": self.config.model_dump(), **self._identity_extra(),
                       "trained_on": self.trained_on, "files": files}
        (folder / CONFIG_FILE).write_text(json.dumps(description, indent=2, sort_keys=True) + "\n")
        return folder


class EmbeddingClassifier(QualityClassifier):
    kind = "embedding"

    def __init__(self, config: ClassifierConfig, coef: np.ndarray, intercept: float, embedder=None,
                 trained_on: dict[str, Any] | None = None):
        super().__init__(config, trained_on)
        # Kept as float32, as saved, so a loaded head predicts exactly what the trained one did.
        self.coef, self.intercept = np.asarray(coef, dtype=np.float32), float(np.float32(intercept))
        self._embedder = embedder

    @property
    def embedder(self):
        if self._embedder is None:
            from factory.models.embeddings import Embedder

            self._embedder = Embedder(max_tokens=self.config.max_tokens)
        return self._embedder

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_embeddings(self.embedder.embed(list(texts)))

    def predict_embeddings(self, embeddings: np.ndarray) -> np.ndarray:
        scores = embeddings.astype(np.float64) @ self.coef.astype(np.float64) + self.intercept
        return np.clip(scores, 0.0, MAX_SCORE)

    def _identity_extra(self) -> dict[str, Any]:
        return {"embedder": self.embedder.identity()}

    def _write_weights(self, folder: Path) -> list[str]:
        from safetensors.numpy import save_file

        save_file({"coef": self.coef, "intercept": np.array([self.intercept], dtype=np.float32)},
                  str(folder / EMBEDDING_WEIGHTS))
        return [EMBEDDING_WEIGHTS]


class FastTextClassifier(QualityClassifier):
    kind = "fasttext"

    def __init__(self, config: ClassifierConfig, model, trained_on: dict[str, Any] | None = None):
        super().__init__(config, trained_on)
        self.model = model
        self._values = np.array([int(label.removeprefix(LABEL_PREFIX)) for label in model.get_labels()],
                                dtype=np.float64)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        labels, probabilities = self.model.predict([fasttext_line(text) for text in texts], k=-1)
        order = {label: i for i, label in enumerate(self.model.get_labels())}
        matrix = np.zeros((len(texts), len(order)))
        for row, (names, values) in enumerate(zip(labels, probabilities, strict=True)):
            matrix[row, [order[name] for name in names]] = values
        expected = matrix @ self._values / np.maximum(matrix.sum(axis=1), 1e-12)
        return np.clip(expected, 0.0, MAX_SCORE)

    def _write_weights(self, folder: Path) -> list[str]:
        self.model.save_model(str(folder / FASTTEXT_WEIGHTS))
        return [FASTTEXT_WEIGHTS]


def load_classifier(folder: str | Path) -> QualityClassifier:
    """The classifier saved in a local ``folder``; ``ClassifierLoadError`` says what is wrong and what to do."""
    folder = Path(folder)
    described = folder / CONFIG_FILE
    if not described.exists():
        raise ClassifierLoadError(f"no {CONFIG_FILE} in {folder}: give the folder a trained classifier was saved to")
    description = json.loads(described.read_text())
    if description.get("format") != FORMAT:
        raise ClassifierLoadError(f"{described}: format {description.get('format')!r}, this code reads {FORMAT}: "
                                  "retrain the classifier")
    config = ClassifierConfig(**description["config"])
    for name, digest in description["files"].items():
        if not (folder / name).exists() or local_sha256(folder / name) != digest:
            raise ClassifierLoadError(f"{folder / name} is missing or does not match its SHA-256 in {CONFIG_FILE}: "
                                      "copy the whole folder again, or retrain")
    if config.kind == "embedding":
        classifier = _load_embedding(folder, config, description)
    else:
        import fasttext

        model = fasttext.load_model(str(folder / FASTTEXT_WEIGHTS))
        classifier = FastTextClassifier(config, model, description["trained_on"])
    classifier._weights_sha256 = hashlib.sha256(json.dumps(description["files"], sort_keys=True).encode()).hexdigest()
    return classifier


def _load_embedding(folder: Path, config: ClassifierConfig, description: dict[str, Any]) -> EmbeddingClassifier:
    from safetensors.numpy import load_file

    weights = load_file(str(folder / EMBEDDING_WEIGHTS))
    classifier = EmbeddingClassifier(config, weights["coef"], float(weights["intercept"][0]),
                                     trained_on=description["trained_on"])
    trained, here = description["embedder"], classifier.embedder.identity()
    if (trained.get("sha256"), trained.get("max_tokens")) != (here.get("sha256"), here.get("max_tokens")):
        raise ClassifierLoadError(
            f"the classifier in {folder} was trained on embeddings of {trained.get('name')} (sha256 "
            f"{str(trained.get('sha256'))[:12]}, {trained.get('max_tokens')} tokens), but this machine embeds with "
            f"{here.get('name')} (sha256 {str(here.get('sha256'))[:12]}): install the model it was trained with, "
            "or retrain")
    return classifier
