"""Stage 2 (one task): spherical k-means centroids from a bounded, seeded sample of the embeddings.

The sample is ``min(kmeans_sample, documents)`` rows drawn without replacement over all shards with
``seed`` (row counts come from the ``.npy`` headers, then each shard is read once and only its
sampled rows kept), so memory is the sample, not the dump. scikit-learn's k-means runs on the unit
vectors and its centroids are normalised afterwards: for unit vectors, the nearest centroid in
Euclidean distance is the one with the highest cosine similarity, which makes this spherical
k-means up to the centroid update. With fewer sampled rows than ``clusters``, each row is a centroid.
"""

from __future__ import annotations

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.semantic_dedup.arrays import array_rows, load_array, save_array
from factory.semantic_dedup.scratch import CENTROIDS, Scratch


def sample_rows(counts: list[int], size: int, seed: int) -> list[np.ndarray]:
    """Per shard, the sorted rows of a uniform sample of ``size`` rows of all shards (all rows if fewer)."""
    total = sum(counts)
    picked = np.sort(np.random.default_rng(seed).choice(total, size=min(size, total), replace=False))
    starts = np.cumsum([0, *counts])
    return [picked[(picked >= lo) & (picked < hi)] - lo for lo, hi in zip(starts[:-1], starts[1:], strict=True)]


def fit_centroids(sample: np.ndarray, clusters: int, seed: int) -> np.ndarray:
    """Unit centroids (k x d) of a sample of unit vectors, k = min(clusters, distinct sampled rows)."""
    from sklearn.cluster import KMeans

    if len(sample) == 0:
        return np.zeros((0, sample.shape[1]), dtype=np.float32)
    k = min(clusters, len(np.unique(sample, axis=0)))
    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(sample.astype(np.float32))
    centroids = model.cluster_centers_.astype(np.float32)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    return centroids / np.maximum(norms, 1e-12)


class FitCentroids(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🎯 Spherical k-means"

    def __init__(self, work_folder: DataFolderLike, input_files: int, clusters: int, sample: int, seed: int):
        super().__init__()
        self.work = get_datafolder(work_folder)
        self.input_files, self.clusters, self.sample, self.seed = input_files, clusters, sample, seed

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts = [array_rows(self.work, Scratch.embeddings(shard)) for shard in range(self.input_files)]
        parts = []
        for shard, rows in enumerate(sample_rows(counts, self.sample, self.seed)):
            if len(rows):
                parts.append(load_array(self.work, Scratch.embeddings(shard))[rows])
        dim = parts[0].shape[1] if parts else 0
        sample = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
        with self.track_time():
            centroids = fit_centroids(sample, self.clusters, self.seed)
        save_array(self.work, CENTROIDS, centroids)
        self.stat_update("sampled", value=len(sample))
        self.stat_update("clusters", value=len(centroids))
        yield from data or ()
