"""SemDeDup's rule inside one cluster, on hand-made unit vectors (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from factory.semantic_dedup import dedup_cluster
from factory.semantic_dedup.cluster_dedup import DUPLICATE, KEPT, PROTOTYPICAL


def unit(*rows) -> np.ndarray:
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def at_angle(similarity: float, base: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """The unit vector in the plane of ``base`` and ``towards`` whose cosine with ``base`` is ``similarity``."""
    ortho = towards - (towards @ base) * base
    ortho /= np.linalg.norm(ortho)
    return similarity * base + np.sqrt(1 - similarity ** 2) * ortho


def reference(vectors: np.ndarray, centroid_similarity: np.ndarray, threshold: float) -> list[int]:
    """The rule written out the slow way: visit from least to most prototypical; remove what a kept one resembles."""
    kept: list[int] = []
    duplicate_of = [-1] * len(vectors)
    for i in sorted(range(len(vectors)), key=lambda i: (centroid_similarity[i], i)):
        similar = [(float(vectors[i] @ vectors[k]), k) for k in kept]
        best = max(similar, default=(-2.0, -1), key=lambda pair: pair[0])
        if best[0] > threshold:
            duplicate_of[i] = best[1]
        else:
            kept.append(i)
    return duplicate_of


def test_of_two_near_duplicates_the_one_farthest_from_the_centroid_stays():
    centroid = unit([1, 0, 0, 0])[0]
    far = unit([0.2, 1, 0, 0])[0]
    near_copy = at_angle(0.99, far, centroid)  # a paraphrase a bit closer to the centroid
    distinct = unit([0.5, 0, 1, 0])[0]
    vectors = np.stack([near_copy, far, distinct])
    verdict = dedup_cluster(vectors, vectors @ centroid, threshold=0.95)
    assert verdict.status.tolist() == [DUPLICATE, KEPT, KEPT]
    assert verdict.duplicate_of.tolist() == [1, -1, -1]
    assert verdict.similarity[0] == pytest.approx(0.99, abs=1e-5)


def test_only_kept_documents_count_so_a_chain_keeps_its_two_ends():
    x = unit([1, 0, 0])[0]
    z = at_angle(0.85, x, unit([0, 1, 0])[0])
    y = unit(x + z)[0]  # cos(x, y) = cos(y, z) = cos(angle(x, z) / 2) ~ 0.96
    assert x @ y > 0.95 and y @ z > 0.95 and x @ z < 0.95
    vectors = np.stack([x, y, z])
    verdict = dedup_cluster(vectors, np.array([0.1, 0.2, 0.3]), threshold=0.95)
    assert verdict.status.tolist() == [KEPT, DUPLICATE, KEPT]
    assert verdict.duplicate_of.tolist() == [-1, 0, -1]


def test_equal_centroid_similarities_are_decided_by_position():
    vectors = unit([1, 0], [1, 0.01])
    verdict = dedup_cluster(vectors, np.array([0.5, 0.5]), threshold=0.9)
    assert verdict.status.tolist() == [KEPT, DUPLICATE]
    flipped = dedup_cluster(vectors[::-1], np.array([0.5, 0.5]), threshold=0.9)
    assert flipped.status.tolist() == [KEPT, DUPLICATE]


def test_similarity_equal_to_the_threshold_is_not_a_duplicate():
    vectors = np.stack([unit([1, 0])[0], at_angle(0.5, unit([1, 0])[0], unit([0, 1])[0])])
    assert dedup_cluster(vectors, np.array([0.0, 0.1]), threshold=0.5 + 1e-6).status.tolist() == [KEPT, KEPT]
    assert dedup_cluster(vectors, np.array([0.0, 0.1]), threshold=0.49).status.tolist() == [KEPT, DUPLICATE]


def test_pruning_removes_the_most_prototypical_fraction_of_the_kept():
    vectors = np.eye(6, dtype=np.float32)  # all distinct
    centroid_similarity = np.array([0.6, 0.1, 0.9, 0.3, 0.8, 0.2])
    verdict = dedup_cluster(vectors, centroid_similarity, threshold=0.9, prune_fraction=0.5)
    assert np.flatnonzero(verdict.status == PROTOTYPICAL).tolist() == [0, 2, 4]  # the three closest to the centroid
    assert verdict.count(KEPT) == 3
    assert dedup_cluster(vectors, centroid_similarity, 0.9, prune_fraction=0.29).count(PROTOTYPICAL) == 1  # floor(1.74)


def test_pruning_counts_only_what_dedup_kept():
    vectors = unit([1, 0, 0], [1, 0.01, 0], [0, 1, 0], [0, 0, 1])  # one duplicate pair: three kept
    verdict = dedup_cluster(vectors, np.array([0.1, 0.2, 0.3, 0.4]), threshold=0.95, prune_fraction=0.7)
    assert verdict.count(DUPLICATE) == 1 and verdict.count(PROTOTYPICAL) == 2  # floor(0.7 * 3)


@pytest.mark.parametrize("block", [1, 3, 1024])
def test_blocks_give_the_same_verdict_as_the_rule_written_out(block):
    rng = np.random.default_rng(0)
    bases = unit(*rng.normal(size=(12, 16)))
    copies = unit(*(bases[rng.integers(0, 12, 20)] + rng.normal(scale=0.05, size=(20, 16))))
    vectors = np.concatenate([bases, copies])
    centroid = unit(vectors.mean(axis=0))[0]
    similarity = vectors @ centroid
    verdict = dedup_cluster(vectors, similarity, threshold=0.9, block=block)
    expected = reference(vectors, similarity, 0.9)
    assert verdict.duplicate_of.tolist() == expected
    assert verdict.count(DUPLICATE) == sum(d >= 0 for d in expected) >= 15


def test_an_empty_cluster_and_mismatched_inputs():
    assert dedup_cluster(np.zeros((0, 4), np.float32), np.zeros(0), 0.9).status.tolist() == []
    with pytest.raises(ValueError, match="3 vectors but 2 centroid similarities"):
        dedup_cluster(np.eye(3, dtype=np.float32), np.zeros(2), 0.9)
