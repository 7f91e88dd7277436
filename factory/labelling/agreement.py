"""How a reviewer's labels compare with the classifier's categories on the same documents.

Pure functions over label lists: the two distributions side by side (counts and shares per category), raw
agreement (the share of documents where both chose the same category) and Cohen's kappa, which discounts the
agreement two raters with those distributions would reach by chance: kappa = (p_o - p_e) / (1 - p_e). Kappa is
computed here rather than with scikit-learn (same result, checked in the tests) so the CLI needs no heavy import.
Documents the classifier left without a category count in the reviewer's distribution but not in the agreement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelAgreement:
    categories: tuple[str, ...]
    mine: dict[str, int]  # the reviewer's labels, per category
    classifier: dict[str, int]  # the classifier's categories of the same documents
    labelled: int
    compared: int  # documents the classifier had a category for
    agreed: int
    kappa: float | None  # None when undefined: nothing compared, or chance agreement is certain

    @property
    def raw_agreement(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    def to_dict(self) -> dict:
        return {"categories": list(self.categories), "mine": self.mine, "classifier": self.classifier,
                "mine_shares": shares(self.mine), "classifier_shares": shares(self.classifier), "labelled": self.labelled,
                "compared": self.compared, "agreed": self.agreed, "raw_agreement": self.raw_agreement, "kappa": self.kappa}


def counts(labels: Sequence[str | None], categories: Sequence[str]) -> dict[str, int]:
    """Documents per category, every category present (None labels are not counted)."""
    found = Counter(label for label in labels if label is not None)
    unknown = sorted(set(found) - set(categories))
    if unknown:
        raise ValueError(f"labels {unknown} are not categories of the taxonomy ({', '.join(categories)})")
    return {category: found.get(category, 0) for category in categories}


def shares(category_counts: dict[str, int]) -> dict[str, float]:
    total = sum(category_counts.values())
    return {category: (count / total if total else 0.0) for category, count in category_counts.items()}


def raw_agreement(mine: Sequence[str], theirs: Sequence[str]) -> float | None:
    if len(mine) != len(theirs):
        raise ValueError(f"two raters need the same documents: {len(mine)} labels against {len(theirs)}")
    return sum(a == b for a, b in zip(mine, theirs, strict=True)) / len(mine) if mine else None


def cohen_kappa(mine: Sequence[str], theirs: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters over the same documents; None where it is undefined."""
    observed = raw_agreement(mine, theirs)
    if observed is None:
        return None
    total = len(mine)
    mine_counts, their_counts = Counter(mine), Counter(theirs)
    expected = sum(mine_counts[c] * their_counts[c] for c in mine_counts) / (total * total)
    return None if expected >= 1 else (observed - expected) / (1 - expected)


def compare(pairs: Sequence[tuple[str, str | None]], categories: Sequence[str]) -> LabelAgreement:
    """``pairs``: (the reviewer's label, the classifier's category or None) per labelled document."""
    compared = [(mine, theirs) for mine, theirs in pairs if theirs is not None]
    mine_labels, their_labels = [m for m, _ in compared], [t for _, t in compared]
    return LabelAgreement(
        categories=tuple(categories), mine=counts([m for m, _ in pairs], categories),
        classifier=counts([t for _, t in pairs], categories), labelled=len(pairs), compared=len(compared),
        agreed=sum(m == t for m, t in compared), kappa=cohen_kappa(mine_labels, their_labels))
