"""Where the stages of a ``semantic_deduped`` version leave files for each other, under its ``_work/``.

    embeddings/part-<shard>.npy, .ids.json    embed: one shard's unit vectors and ids, in row order
    centroids.npy                             k-means: unit centroids, one per cluster
    assignments/part-<shard>.npy              assign: each row's cluster (kept documents carry it)
    buckets-<n>/<bucket>/<shard>.npy, .vectors.npy, .ids.json
                                              assign: the shard's rows whose cluster is in the bucket
                                              (cluster, row, centroid similarity), their vectors and ids
    buckets-<n>/removed/<shard>/<bucket>.parquet   dedup: removed rows of the shard, with reasons
    buckets-<n>/clusters/<bucket>.parquet     dedup: per-cluster counts
    buckets-<n>/samples/<bucket>.json         dedup: a few removed pairs, by shard and row

A cluster ``c`` belongs to bucket ``c % n``. The bucket count (from ``documents_per_task``) is in
the folder names, so a rerun with another count starts its buckets afresh instead of mixing both.
The whole folder is deleted once the version commits.
"""

from __future__ import annotations

from dataclasses import dataclass

RECORD_DTYPE = [("cluster", "<i4"), ("row", "<i8"), ("similarity", "<f4")]
CENTROIDS = "centroids.npy"


@dataclass(frozen=True)
class Scratch:
    buckets: int

    @staticmethod
    def embeddings(shard: int) -> str:
        return f"embeddings/part-{shard:05d}.npy"

    @staticmethod
    def ids(shard: int) -> str:
        return f"embeddings/part-{shard:05d}.ids.json"

    @staticmethod
    def assignments(shard: int) -> str:
        return f"assignments/part-{shard:05d}.npy"

    @property
    def base(self) -> str:
        return f"buckets-{self.buckets}"

    def bucket_folder(self, bucket: int) -> str:
        return f"{self.base}/{bucket:05d}"

    def records(self, bucket: int, shard: int) -> str:
        return f"{self.bucket_folder(bucket)}/{shard:05d}.npy"

    def vectors(self, bucket: int, shard: int) -> str:
        return f"{self.bucket_folder(bucket)}/{shard:05d}.vectors.npy"

    def bucket_ids(self, bucket: int, shard: int) -> str:
        return f"{self.bucket_folder(bucket)}/{shard:05d}.ids.json"

    def removed_folder(self, shard: int) -> str:
        return f"{self.base}/removed/{shard:05d}"

    def removed(self, shard: int, bucket: int) -> str:
        return f"{self.removed_folder(shard)}/{bucket:05d}.parquet"

    def clusters(self, bucket: int) -> str:
        return f"{self.base}/clusters/{bucket:05d}.parquet"

    def samples(self, bucket: int) -> str:
        return f"{self.base}/samples/{bucket:05d}.json"
