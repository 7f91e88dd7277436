"""How far a classifier's 0-5 educational scores are from the annotated ones: regression error (MSE), the
keep/drop decision at ``score >= 3`` (FineWeb-Edu's threshold) as precision, recall and F1, and the 6x6
confusion matrix of rounded predictions against true integer scores.

The metrics are scikit-learn's (imported when called: ``score_buckets`` and ``MAX_SCORE`` are read by the
scoring path, which should not pay for importing sklearn). A float score becomes an integer bucket by
rounding half up (2.5 -> 3, not Python's banker's 2) and clipping to 0..5, the same rule the attribute
table's ``edu_int`` uses, so a confusion matrix and a filter at ``edu_int >= 3`` agree on every document.
Unparseable annotations (None) are counted by the caller and never reach these functions. sklearn refuses
empty inputs; here no documents give an MSE of NaN, zero ratios and counts and an all-zero matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_SCORE = 5
KEEP_THRESHOLD = 3  # FineWeb-Edu kept pages scored >= 3


def score_buckets(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """Integer scores 0..5 (int8) of float scores: rounded half up, then clipped."""
    values = np.asarray(scores, dtype=np.float64)
    return np.clip(np.floor(values + 0.5), 0, MAX_SCORE).astype(np.int8)


def mse(predicted: Sequence[float] | np.ndarray, true: Sequence[float] | np.ndarray) -> float:
    from sklearn.metrics import mean_squared_error

    predicted, true = _pair(predicted, true)
    return float(mean_squared_error(true, predicted)) if len(true) else float("nan")


def binary_f1(predicted: Sequence[float] | np.ndarray, true: Sequence[float] | np.ndarray,
              threshold: float = KEEP_THRESHOLD) -> dict[str, float | int]:
    """Precision, recall and F1 of "score >= threshold" (the keep decision), predicted against true.

    An undefined ratio (nothing predicted positive, or no true positive) is 0.0, sklearn's
    ``zero_division=0``; the counts beside it show which case it was."""
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
    from sklearn.metrics import precision_recall_fscore_support

    predicted, true = _pair(predicted, true)
    # A predicted float keeps a page when its rounded bucket does: 2.6 rounds to 3 and is kept, as in edu_int.
    predicted_positive = score_buckets(predicted) >= threshold
    positive = true >= threshold
    if not len(true):
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "true_positives": 0, "predicted_positives": 0,
                "positives": 0}
    _, false_positives, false_negatives, hits = (
        int(n) for n in sklearn_confusion_matrix(positive, predicted_positive, labels=[False, True]).ravel())
    # sklearn's F1 is 2TP / (2TP + FP + FN): the same number as the 2PR / (P + R) this computed before, but without
    # its rounding error, so an F1 exactly halfway at 4 decimals now rounds half to even (25/32 -> 0.7812, 23/32 ->
    # 0.7188) where the old float could land either side (0.7813, 0.7187).
    precision, recall, f1, _ = precision_recall_fscore_support(positive, predicted_positive, average="binary",
                                                               pos_label=True, zero_division=0)
    return {"precision": round(float(precision), 4), "recall": round(float(recall), 4), "f1": round(float(f1), 4),
            "true_positives": hits, "predicted_positives": hits + false_positives,
            "positives": hits + false_negatives}


def confusion_matrix(predicted: Sequence[float] | np.ndarray, true: Sequence[float] | np.ndarray) -> np.ndarray:
    """``matrix[t, p]``: documents with true score ``t`` whose prediction rounds to ``p`` (6x6, int64)."""
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    predicted, true = _pair(predicted, true)
    if not len(true):
        return np.zeros((MAX_SCORE + 1, MAX_SCORE + 1), dtype=np.int64)
    labels = np.arange(MAX_SCORE + 1)
    return sklearn_confusion_matrix(score_buckets(true), score_buckets(predicted), labels=labels).astype(np.int64)


def regression_report(predicted: Sequence[float] | np.ndarray, true: Sequence[float] | np.ndarray) -> dict:
    """MSE, the keep decision at 3 and the confusion matrix, as JSON-ready values."""
    predicted, true = _pair(predicted, true)
    return {"documents": int(len(true)), "mse": round(mse(predicted, true), 4),
            "mean_predicted": round(float(predicted.mean()), 4) if len(true) else None,
            "keep_at_3": binary_f1(predicted, true), "confusion": confusion_matrix(predicted, true).tolist()}


def _pair(predicted, true) -> tuple[np.ndarray, np.ndarray]:
    predicted, true = np.asarray(predicted, dtype=np.float64), np.asarray(true, dtype=np.float64)
    if predicted.shape != true.shape or predicted.ndim != 1:
        raise ValueError(f"predicted and true scores must be 1-D and of one length, got shapes {predicted.shape} "
                         f"and {true.shape}")
    return predicted, true
