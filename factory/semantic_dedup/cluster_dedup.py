"""SemDeDup's rule inside one cluster, on unit vectors: which documents stay, and why the others go.

Documents are visited from the least to the most prototypical (ascending cosine similarity to the
centroid; ties by position, so the caller's order decides them). A document is a
``semantic_duplicate`` when its similarity to a document already kept exceeds ``threshold``; it
names the most similar kept one. So among near-duplicates the one farthest from the centroid stays,
as in the paper ("keep the example with the lowest cosine similarity to the centroid"). Unlike the
reference code, which compares with every earlier document, only kept ones count: a chain
a~b~c where a and c are not alike keeps both a and c, and ``duplicate_of`` always names a document
the rule kept.

Then, if ``prune_fraction`` > 0, the ``floor(prune_fraction * kept)`` kept documents closest to the
centroid are removed as ``prototypical`` (SemDeDup's optional pruning of easy, typical examples).

Memory: the kept vectors plus a ``block`` x ``block`` similarity matrix; time: O(size x kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KEPT, DUPLICATE, PROTOTYPICAL = 0, 1, 2
REASONS = {DUPLICATE: "semantic_duplicate", PROTOTYPICAL: "prototypical"}


@dataclass(frozen=True)
class ClusterVerdict:
    """Per document, in the input order: ``status`` (KEPT, DUPLICATE, PROTOTYPICAL), ``duplicate_of``
    (input index of the kept document it duplicates, -1 otherwise) and ``similarity`` to that one."""

    status: np.ndarray
    duplicate_of: np.ndarray
    similarity: np.ndarray

    def count(self, status: int) -> int:
        return int((self.status == status).sum())


def dedup_cluster(vectors: np.ndarray, centroid_similarity: np.ndarray, threshold: float,
                  prune_fraction: float = 0.0, block: int = 1024) -> ClusterVerdict:
    """The verdict on one cluster's unit ``vectors`` (n x d) given each one's cosine similarity to the centroid."""
    size = len(vectors)
    if len(centroid_similarity) != size:
        raise ValueError(f"dedup_cluster: {size} vectors but {len(centroid_similarity)} centroid similarities")
    order = np.lexsort((np.arange(size), centroid_similarity))  # least prototypical first
    ordered = np.asarray(vectors, dtype=np.float32)[order]
    status = np.full(size, KEPT, dtype=np.int8)
    duplicate_of = np.full(size, -1, dtype=np.int64)
    similarity = np.zeros(size, dtype=np.float32)
    kept = np.empty((size, ordered.shape[1]), dtype=np.float32)  # the kept vectors, in visiting order
    kept_at: list[int] = []  # their positions in ``ordered``
    for start in range(0, size, block):
        candidates = ordered[start:start + block]
        if kept_at:
            earlier = candidates @ kept[:len(kept_at)].T
            best_earlier, best_earlier_at = earlier.max(axis=1), earlier.argmax(axis=1)
        inner = candidates @ candidates.T
        kept_here: list[int] = []
        for i in range(len(candidates)):
            best, best_at = -2.0, -1
            if kept_at:
                best, best_at = float(best_earlier[i]), kept_at[int(best_earlier_at[i])]
            if kept_here:
                here = inner[i, kept_here]
                j = int(here.argmax())
                if here[j] > best:
                    best, best_at = float(here[j]), start + kept_here[j]
            if best > threshold:
                status[start + i], duplicate_of[start + i], similarity[start + i] = DUPLICATE, best_at, best
            else:
                kept_here.append(i)
        for i in kept_here:
            kept[len(kept_at)] = candidates[i]
            kept_at.append(start + i)
    pruned = int(np.floor(prune_fraction * len(kept_at) + 1e-9))  # 0.29 * 100 is 28.999...
    if pruned:  # kept_at ascends in centroid similarity: the last ones are the most prototypical
        status[kept_at[-pruned:]] = PROTOTYPICAL
    return _in_input_order(order, status, duplicate_of, similarity)


def _in_input_order(order: np.ndarray, status: np.ndarray, duplicate_of: np.ndarray,
                    similarity: np.ndarray) -> ClusterVerdict:
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    mapped = np.where(duplicate_of >= 0, order[np.maximum(duplicate_of, 0)], -1)
    return ClusterVerdict(status[back], mapped[back], similarity[back])
