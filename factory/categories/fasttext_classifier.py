"""The default category classifier: fastText supervised on the opening words of a page.

It is the one that tags every document of every dataset inside datatrove tasks, so it is chosen for
speed (thousands of documents per second on one core) over the last points of accuracy. Training is
single-threaded with a fixed seed, so the same pages and settings give the same ``model.bin`` byte for
byte (``train_fasttext`` says what that takes). The text is lowercased, every whitespace run
(newlines included: fastText reads one document per line) becomes one space, and only the first
``max_words`` words are read: a page's opening says what kind of page it is, and the cut bounds the
cost of a long document.

Class imbalance: the largest category has about 9x the pages of the smallest. With ``balance`` (the
default) every category's training lines are repeated, deterministically, up to the largest one's
count, as fastText has no class weights; on the held-out pages this raised macro F1 from 0.547 to 0.563
and accuracy from 0.579 to 0.585 (measured at 10 epochs).
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from factory.categories.classifier import CategoryClassifier, ClassifierFolderError
from factory.categories.dataset import LabelledPage
from factory.categories.taxonomy import CATEGORIES
from factory.models.allocator import zero_filled_allocations
from factory.store.filesystem import local_sha256

MODEL_FILE = "model.bin"
LABEL_PREFIX = "__label__"


class FastTextSettings(BaseModel):
    """fastText's training settings; every field decides the model (and so the tags)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_words: int = Field(400, ge=1)  # words of each page read, in training and prediction alike
    epoch: int = Field(5, ge=1)  # 10 epochs took 1.6x the time and scored no better (held-out accuracy 0.585)
    lr: float = Field(1.0, gt=0)
    word_ngrams: int = Field(2, ge=1, le=5)
    dim: int = Field(16, ge=2)
    min_count: int = Field(1, ge=1)
    bucket: int = Field(200_000, ge=0)  # hashed n-gram rows: dim x bucket x 4 bytes of model (12.8 MB here)
    seed: int = 0
    balance: bool = True  # repeat the lines of smaller categories up to the largest one's count


def normalise(text: str, max_words: int) -> str:
    """Lowercase, whitespace runs to single spaces, the first ``max_words`` words."""
    return " ".join(text.lower().split()[:max_words])


class FastTextClassifier(CategoryClassifier):
    kind = "fasttext"

    def __init__(self, model: Any, settings: FastTextSettings, training: dict[str, Any], sha256: str):
        self.model, self.settings, self.training, self.sha256 = model, settings, training, sha256
        self._columns = {f"{LABEL_PREFIX}{name}": i for i, name in enumerate(CATEGORIES)}

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        probabilities = np.zeros((len(texts), len(CATEGORIES)), dtype=np.float32)
        if not len(texts):
            return probabilities
        labels, scores = self.model.predict([normalise(text, self.settings.max_words) for text in texts], k=-1)
        for row, (row_labels, row_scores) in enumerate(zip(labels, scores, strict=True)):
            for label, score in zip(row_labels, row_scores, strict=True):
                probabilities[row, self._columns[label]] = score
        totals = probabilities.sum(axis=1, keepdims=True)
        return probabilities / np.where(totals > 0, totals, 1.0)

    def metadata(self) -> dict[str, Any]:
        return {"settings": self.settings.model_dump(), "training": self.training, "sha256": self.sha256,
                "weights": MODEL_FILE}

    def _save_weights(self, folder: Path) -> None:
        self.model.save_model(str(folder / MODEL_FILE))

    @classmethod
    def _load(cls, folder: Path, metadata: dict[str, Any]) -> FastTextClassifier:
        import fasttext

        path = folder / MODEL_FILE
        if not path.exists():
            raise ClassifierFolderError(
                f"{path} not found: the classifier folder {folder} is incomplete; save it again")
        sha256 = local_sha256(path)
        if sha256 != metadata["sha256"]:
            raise ClassifierFolderError(f"{path} has SHA-256 {sha256[:12]}, {folder}/classifier.json expects "
                                        f"{metadata['sha256'][:12]}: the folder mixes two models; save it again")
        settings = FastTextSettings(**metadata["settings"])
        return cls(fasttext.load_model(str(path)), settings, metadata["training"], sha256)


def train_fasttext(pages: Sequence[LabelledPage], settings: FastTextSettings) -> FastTextClassifier:
    import fasttext

    lines = training_lines(pages, settings)
    with tempfile.TemporaryDirectory(prefix="fasttext-categories-") as scratch:
        data = Path(scratch) / "train.txt"
        data.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        # With thread=1 fastText fills only the first tenth of its input matrix with random values
        # (DenseMatrix::uniform initialises one block per thread, in tenths) and leaves the rest as allocated: fresh
        # pages (zeros) in a new process, recycled heap memory after other work. Measured here: the same pages gave a
        # different model on each run in one process, or "Encountered NaN" (fixing the mmap threshold was not enough:
        # freed heap chunks are reused first). Zero-filled allocations start the rest at 0 in every run, as in a fresh
        # process. Other C libraries (macOS) have no mallopt and hand out large blocks as fresh pages.
        with zero_filled_allocations():
            model = fasttext.train_supervised(
                input=str(data), epoch=settings.epoch, lr=settings.lr, wordNgrams=settings.word_ngrams,
                dim=settings.dim, minCount=settings.min_count, bucket=settings.bucket, seed=settings.seed,
                thread=1, verbose=0)
        model.save_model(str(Path(scratch) / MODEL_FILE))  # hashed as saved: the identity is the file's content
        sha256 = local_sha256(Path(scratch) / MODEL_FILE)
    training = {"pages": len(pages), "pages_by_category": dict(sorted(Counter(p.category for p in pages).items())),
                "lines": len(lines), "data_sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest()}
    return FastTextClassifier(model, settings, training, sha256)


def training_lines(pages: Sequence[LabelledPage], settings: FastTextSettings) -> list[str]:
    """``__label__<category> <normalised text>`` per page, balanced and shuffled with the seed."""
    by_category: dict[str, list[str]] = {name: [] for name in CATEGORIES}
    for page in pages:
        by_category[page.category].append(f"{LABEL_PREFIX}{page.category} {normalise(page.text, settings.max_words)}")
    target = max((len(lines) for lines in by_category.values()), default=0)
    lines = []
    for category_lines in by_category.values():
        if settings.balance and category_lines:
            repeats, rest = divmod(target, len(category_lines))
            category_lines = category_lines * repeats + category_lines[:rest]
        lines.extend(category_lines)
    random.Random(settings.seed).shuffle(lines)
    return lines
