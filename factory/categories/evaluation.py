"""How well a category classifier does on held-out pages: accuracy, macro F1, per category, confusions.

Macro F1 averages the 8 categories equally, so a classifier that ignores the small ones (Creative,
Nonsensical) cannot hide behind accuracy; the majority baseline says what always answering the
largest category would score. A category with no held-out pages and no predictions is left out of
the macro average (its F1 is undefined), and reported with ``support`` 0.

The metrics are scikit-learn's, imported when called (this module is imported with ``factory.categories``, which
the Dagster definitions load). An undefined precision or recall is 0.0 (``zero_division=0``).
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
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    pairs = [(check_category(true), check_category(guess)) for true, guess in zip(truth, predicted, strict=True)]
    truth, predicted = [true for true, _ in pairs], [guess for _, guess in pairs]
    labels = list(CATEGORIES)
    confusion = confusion_matrix(truth, predicted, labels=labels).astype(np.int64)
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, average=None,
                                                                     zero_division=0)
    # sklearn's F1 is 2TP / (2TP + FP + FN), exact where the former 2PR / (P + R) had a rounding error: an F1 exactly
    # halfway at 4 decimals rounds half to even (25/32 -> 0.7812, 23/32 -> 0.7188; before: 0.7813, 0.7187).
    per_category = {name: {"precision": round(float(precision[i]), 4), "recall": round(float(recall[i]), 4),
                           "f1": round(float(f1[i]), 4), "support": int(support[i])}
                    for i, name in enumerate(CATEGORIES)}
    # Macro F1 over the categories that occur (as truth or prediction), in CATEGORIES order: sklearn's default
    # labels are those, but sorted by name, which can move the mean's last bit.
    occurring = set(truth) | set(predicted)
    seen = [name for name in CATEGORIES if name in occurring]
    macro_f1 = f1_score(truth, predicted, labels=seen, average="macro", zero_division=0)
    total = int(confusion.sum())
    return CategoryEvaluation(pages=total, accuracy=round(float(accuracy_score(truth, predicted)), 4),
                              macro_f1=round(float(macro_f1), 4),
                              majority_baseline=round(float(support.max() / total), 4),
                              per_category=per_category, confusion=confusion.tolist())
