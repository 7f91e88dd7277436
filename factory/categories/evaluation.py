"""How well a category classifier does on held-out pages: accuracy, macro F1, per category, confusions.

Macro F1 averages the 8 categories equally, so a classifier that ignores the small ones (Creative,
Nonsensical) cannot hide behind accuracy; the majority baseline says what always answering the
largest category would score. A category with no held-out pages and no predictions is left out of
the macro average (its F1 is undefined), and reported with ``support`` 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from factory.categories.classifier import CategoryClassifier
from factory.categories.dataset import LabelledPage
from factory.categories.taxonomy import CATEGORIES, check_category


@dataclass(frozen=True)
class CategoryEvaluation:
    pages: int
    accuracy: float
    macro_f1: float
    majority_baseline: float  # accuracy of always answering the most frequent true category
    per_category: dict[str, dict[str, float]]  # category -> precision, recall, f1, support
    confusion: list[list[int]]  # rows: true category, columns: predicted, both in CATEGORIES order

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "confusion_order": list(CATEGORIES)}


def evaluate_classifier(classifier: CategoryClassifier, pages: Sequence[LabelledPage]) -> CategoryEvaluation:
    return evaluate_predictions([page.category for page in pages], classifier.predict([page.text for page in pages]))


def evaluate_predictions(truth: Sequence[str], predicted: Sequence[str]) -> CategoryEvaluation:
    if len(truth) != len(predicted) or not len(truth):
        raise ValueError(f"need as many predictions as labels, at least one: got {len(truth)} labels, "
                         f"{len(predicted)} predictions")
    index = {name: i for i, name in enumerate(CATEGORIES)}
    confusion = np.zeros((len(CATEGORIES), len(CATEGORIES)), dtype=np.int64)
    for true, guess in zip(truth, predicted, strict=True):
        confusion[index[check_category(true)], index[check_category(guess)]] += 1
    hits, support, predicted_count = np.diag(confusion), confusion.sum(axis=1), confusion.sum(axis=0)
    per_category, f1s = {}, []
    for i, name in enumerate(CATEGORIES):
        precision = hits[i] / predicted_count[i] if predicted_count[i] else 0.0
        recall = hits[i] / support[i] if support[i] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if support[i] or predicted_count[i]:
            f1s.append(f1)
        per_category[name] = {"precision": round(float(precision), 4), "recall": round(float(recall), 4),
                              "f1": round(float(f1), 4), "support": int(support[i])}
    total = int(confusion.sum())
    return CategoryEvaluation(pages=total, accuracy=round(float(hits.sum() / total), 4),
                              macro_f1=round(float(np.mean(f1s)), 4),
                              majority_baseline=round(float(support.max() / total), 4),
                              per_category=per_category, confusion=confusion.tolist())
