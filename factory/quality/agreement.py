"""How well graded scores agree with binary human labels: ROC AUC (the chance that a page humans judged good
outscores one they judged bad, ties counting half) and Spearman's rank correlation; unparsed scores are
counted apart, never silently left out.

The statistics are scipy's (``mannwhitneyu``, ``spearmanr``), imported when called: this module is imported with
``factory.quality``, which the Dagster definitions load."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Agreement:
    documents: int
    scored: int
    unparseable: int
    auc: float | None
    spearman: float | None
    mean_score: dict[int, float]  # by human label
    histogram: dict[int, dict[int, int]] = field(default_factory=dict)  # label -> score -> documents

    def to_dict(self) -> dict:
        return {"documents": self.documents, "scored": self.scored, "unparseable": self.unparseable,
                "auc": self.auc, "spearman": self.spearman, "mean_score_by_label": self.mean_score,
                "score_histogram_by_label": self.histogram}


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Mann-Whitney U / (positives x negatives), ties counted half; None without both classes.

    A label counts as positive when it is truthy (1, True, 5). U is scipy's (from average ranks, so exact); it is
    the same number as sklearn's ``roc_auc_score``, whose trapezoids can be a bit off in the last place of the float
    and so round differently at 4 decimals on an exact half (0.61875 -> 0.6187 instead of 0.6188)."""
    from scipy.stats import mannwhitneyu

    pairs = list(zip(scores, labels, strict=True))
    positives, negatives = [s for s, y in pairs if y], [s for s, y in pairs if not y]
    if not positives or not negatives:
        return None
    u = mannwhitneyu(positives, negatives, method="asymptotic").statistic  # U of the positives; the p-value is unused
    return float(u) / (len(positives) * len(negatives))


def spearman(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    from scipy.stats import spearmanr

    if len(set(scores)) < 2 or len(set(labels)) < 2:
        return None
    return float(spearmanr(scores, labels).statistic)


def agreement(scores: Sequence[int | None], labels: Sequence[int]) -> Agreement:
    """Agreement of ``scores`` (None: unparseable) with ``labels`` (0/1), over the documents that have a score."""
    pairs = [(s, int(y)) for s, y in zip(scores, labels, strict=True) if s is not None]
    kept_scores, kept_labels = [s for s, _ in pairs], [y for _, y in pairs]
    classes = sorted(set(labels))
    histogram = {label: dict(sorted(Counter(s for s, y in pairs if y == label).items())) for label in classes}
    means = {label: round(sum(s for s, y in pairs if y == label) / max(1, sum(1 for _, y in pairs if y == label)), 4)
             for label in classes}
    auc = roc_auc(kept_scores, kept_labels)
    rho = spearman(kept_scores, kept_labels)
    return Agreement(documents=len(scores), scored=len(pairs), unparseable=len(scores) - len(pairs),
                     auc=None if auc is None else round(auc, 4), spearman=None if rho is None else round(rho, 4),
                     mean_score=means, histogram=histogram)
