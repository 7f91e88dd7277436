"""Stage 3 (one task per shard): each document to its nearest centroid, bucketed by cluster.

Task ``i`` reads shard ``i``'s vectors and the centroids, gives every row the cluster of highest
cosine similarity (in blocks of rows, so the similarity matrix stays small), writes the row ->
cluster list (``assignments/``), and for each bucket its rows' (cluster, row, similarity), vectors
and ids: stage 4's task for a bucket then reads exactly its clusters' vectors, nothing else.
"""

from __future__ import annotations

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.semantic_dedup.arrays import load_array, load_ids, save_array, save_ids
from factory.semantic_dedup.scratch import CENTROIDS, RECORD_DTYPE, Scratch

BLOCK = 8192


def nearest_centroids(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the index of the most similar centroid and that cosine similarity (unit vectors)."""
    clusters = np.zeros(len(vectors), dtype=np.int32)
    similarity = np.zeros(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK):
        scores = vectors[start:start + BLOCK] @ centroids.T
        clusters[start:start + BLOCK] = scores.argmax(axis=1)
        similarity[start:start + BLOCK] = scores.max(axis=1)
    return clusters, similarity


class AssignClusters(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🗂 Assign clusters"

    def __init__(self, work_folder: DataFolderLike, scratch: Scratch):
        super().__init__()
        self.work = get_datafolder(work_folder)
        self.scratch = scratch

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        vectors = load_array(self.work, Scratch.embeddings(rank))
        ids = load_ids(self.work, Scratch.ids(rank))
        clusters, similarity = (nearest_centroids(vectors, load_array(self.work, CENTROIDS)) if len(vectors)
                                else (np.zeros(0, np.int32), np.zeros(0, np.float32)))
        save_array(self.work, Scratch.assignments(rank), clusters)
        buckets = clusters % self.scratch.buckets
        for bucket in np.unique(buckets):
            rows = np.flatnonzero(buckets == bucket)
            records = np.zeros(len(rows), dtype=RECORD_DTYPE)
            records["cluster"], records["row"], records["similarity"] = clusters[rows], rows, similarity[rows]
            save_array(self.work, self.scratch.vectors(int(bucket), rank), vectors[rows])
            save_ids(self.work, self.scratch.bucket_ids(int(bucket), rank), [ids[r] for r in rows])
            save_array(self.work, self.scratch.records(int(bucket), rank), records)  # last: marks the three complete
        self.stat_update("assigned", value=len(clusters))
        yield from data or ()
