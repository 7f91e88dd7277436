"""Fitting and measuring educational-value classifiers on annotations (text, score 0-5 or None).

Unparseable annotations (score None) cannot teach a score: they are left out of training and evaluation
and counted in the report, never dropped silently. Both kinds train deterministically on one machine:

- ``embedding``: ridge regression in closed form (float64, centred, unpenalised intercept; sklearn's
  ``Ridge(alpha)``), on the embeddings of the training texts.
- ``fasttext``: one thread, a fixed seed, and an input matrix we initialise ourselves. The installed
  wheel (fasttext-numpy2-wheel 0.9.2) allocates that matrix without zeroing it, and with ``thread=1``
  fastText's own random init fills only its first tenth (the init is split into tenths, one per thread):
  the other rows are whatever memory held, zeros in a fresh process and garbage after an earlier model,
  so a second model trained in one process differed or died with "Encountered NaN" (valgrind: reads of
  uninitialised values from ``createRandomMatrix``). Handing fastText a ``pretrainedVectors`` file with a
  seeded uniform(-1/dim, 1/dim) row for every word it will see sets every row (with word bigrams off
  there are no hashed bucket rows left uninitialised), so models are identical however many are trained.

``split_by_id`` makes a train / held-out split from document ids alone (a hash), so it does not depend on
order or on which other documents are present.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from factory.quality.classifier import (LABEL_PREFIX, ClassifierConfig, EmbeddingClassifier, FastTextClassifier,
                                        QualityClassifier, fasttext_line)
from factory.quality.metrics import MAX_SCORE, regression_report

log = logging.getLogger(__name__)
EOS = "</s>"  # fastText's end-of-line word: in every dictionary, so it needs an initial vector too


@dataclass(frozen=True)
class TrainingReport:
    documents: int
    trained_on: int
    unparseable: int
    score_histogram: dict[int, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "documents_per_s": round(self.documents / self.seconds, 2) if self.seconds else None}


def split_by_id(ids: Sequence[str], held_out_fraction: float = 0.2, salt: str = "") -> tuple[list[int], list[int]]:
    """Indices of the training and held-out documents: a document is held out when the hash of its id
    (and ``salt``) falls below ``held_out_fraction``. Duplicated ids always land on the same side."""
    if not 0.0 < held_out_fraction < 1.0:
        raise ValueError(f"held_out_fraction must be in (0, 1), got {held_out_fraction}")
    train, held_out = [], []
    for index, doc_id in enumerate(ids):
        draw = int.from_bytes(hashlib.sha256(f"{salt}\0{doc_id}".encode()).digest()[:8], "big") / 2**64
        (held_out if draw < held_out_fraction else train).append(index)
    return train, held_out


def train_classifier(texts: Sequence[str], scores: Sequence[int | None],
                     config: ClassifierConfig | None = None) -> tuple[QualityClassifier, TrainingReport]:
    """A classifier fitted to the scored texts (None scores counted, not used)."""
    config = config or ClassifierConfig()
    if len(texts) != len(scores):
        raise ValueError(f"texts and scores must be of one length, got {len(texts)} texts and {len(scores)} scores")
    pairs = [(text, int(score)) for text, score in zip(texts, scores, strict=True) if score is not None]
    if bad := sorted({s for _, s in pairs if not 0 <= s <= MAX_SCORE}):
        raise ValueError(f"scores must be 0-{MAX_SCORE} (or None for unparseable), got {bad}")
    histogram = dict(sorted(Counter(s for _, s in pairs).items()))
    if len(histogram) < 2:
        raise ValueError(f"a classifier needs documents of at least two different scores, got {histogram} "
                         f"({len(texts) - len(pairs)} unparseable): annotate more documents")
    started = time.time()
    train_texts, train_scores = [t for t, _ in pairs], np.array([s for _, s in pairs], dtype=np.float64)
    trained_on = {"documents": len(texts), "trained_on": len(pairs), "unparseable": len(texts) - len(pairs),
                  "score_histogram": {str(k): v for k, v in histogram.items()}}
    if config.kind == "embedding":
        classifier: QualityClassifier = _fit_embedding(train_texts, train_scores, config, trained_on)
    else:
        classifier = _fit_fasttext(train_texts, train_scores.astype(int), config, trained_on)
    report = TrainingReport(len(texts), len(pairs), len(texts) - len(pairs), histogram, round(time.time() - started, 3))
    log.info("trained a %s classifier on %d documents (%d unparseable left out) in %.1f s", config.kind,
             report.trained_on, report.unparseable, report.seconds)
    return classifier, report


def evaluate(classifier: QualityClassifier, texts: Sequence[str], scores: Sequence[int | None]) -> dict[str, Any]:
    """Held-out MSE, precision/recall/F1 of the keep decision at 3, and the confusion matrix, over the
    documents with a score; unparseable ones are counted. Also the prediction rate."""
    kept = [i for i, score in enumerate(scores) if score is not None]
    started = time.time()
    predicted = classifier.predict([texts[i] for i in kept])
    seconds = time.time() - started
    report = regression_report(predicted, np.array([scores[i] for i in kept], dtype=np.float64))
    return {**report, "documents": len(texts), "scored": len(kept), "unparseable": len(texts) - len(kept),
            "predict_documents_per_s": round(len(kept) / seconds, 2) if seconds > 0 else None}


def fit_ridge(features: np.ndarray, targets: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Weights and intercept minimising ``|y - Xw - b|^2 + alpha |w|^2`` (the intercept is not penalised)."""
    features, targets = features.astype(np.float64), targets.astype(np.float64)
    mean_x, mean_y = features.mean(axis=0), targets.mean()
    centred = features - mean_x
    gram = centred.T @ centred + alpha * np.eye(features.shape[1])
    weights = np.linalg.solve(gram, centred.T @ (targets - mean_y))
    return weights, float(mean_y - mean_x @ weights)


def _fit_embedding(texts: list[str], scores: np.ndarray, config: ClassifierConfig,
                   trained_on: dict[str, Any]) -> EmbeddingClassifier:
    from factory.models.embeddings import Embedder

    embedder = Embedder(max_tokens=config.max_tokens)
    weights, intercept = fit_ridge(embedder.embed(texts), scores, config.ridge_alpha)
    return EmbeddingClassifier(config, weights, intercept, embedder=embedder, trained_on=trained_on)


def _fit_fasttext(texts: list[str], scores: np.ndarray, config: ClassifierConfig,
                  trained_on: dict[str, Any]) -> FastTextClassifier:
    import fasttext

    lines = [fasttext_line(text) for text in texts]
    vocabulary = sorted({word for line in lines for word in line.split(" ") if word} | {EOS})
    initial = np.random.default_rng(config.seed).uniform(-1 / config.dim, 1 / config.dim, (len(vocabulary), config.dim))
    with tempfile.TemporaryDirectory(prefix="quality-fasttext-") as work:
        train_file, vectors_file = Path(work) / "train.txt", Path(work) / "init.vec"
        labelled = (f"{LABEL_PREFIX}{score} {line}\n" for score, line in zip(scores, lines, strict=True))
        train_file.write_text("".join(labelled), encoding="utf-8")
        with vectors_file.open("w", encoding="utf-8") as out:
            out.write(f"{len(vocabulary)} {config.dim}\n")
            for word, row in zip(vocabulary, initial, strict=True):
                out.write(word + " " + " ".join(f"{value:.8g}" for value in row) + "\n")
        try:
            model = fasttext.train_supervised(
                input=str(train_file), pretrainedVectors=str(vectors_file), dim=config.dim, lr=config.lr,
                epoch=config.epoch, wordNgrams=1, minCount=1, loss="softmax", thread=1, seed=config.seed, verbose=0)
        except RuntimeError as error:  # fastText's "Encountered NaN.": the training diverged
            raise RuntimeError(f"fastText training on {len(texts)} documents failed ({error}): lower lr "
                               f"(now {config.lr}) or epoch (now {config.epoch})") from error
    if not (np.isfinite(model.get_input_matrix()).all() and np.isfinite(model.get_output_matrix()).all()):
        raise RuntimeError(f"fastText weights are not finite after training (lr {config.lr}): lower lr")
    return FastTextClassifier(config, model, trained_on)
