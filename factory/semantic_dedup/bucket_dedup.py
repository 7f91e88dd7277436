"""Stage 4 (one task per bucket of clusters): SemDeDup inside each cluster of the bucket.

Task ``b`` reads the rows stage 3 put in bucket ``b`` (their vectors, ids, clusters and centroid
similarities, from every shard) and runs ``dedup_cluster`` on each cluster, members in (shard, row)
order so ties are decided the same way on every run. It writes, per shard, the removed rows with
their reason, cluster, the id they duplicate and the similarity (stage 5 reads them), the counts
of every cluster, and a few removed pairs as samples. Memory: the bucket's vectors.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.semantic_dedup.arrays import load_array, load_ids
from factory.semantic_dedup.cluster_dedup import DUPLICATE, KEPT, PROTOTYPICAL, REASONS, dedup_cluster
from factory.semantic_dedup.scratch import Scratch

SAMPLES = 3
RECORDS_NAME = re.compile(r"(\d{5})\.npy")
REMOVED_SCHEMA = pa.schema([("row", pa.int64()), ("reason", pa.string()), ("cluster_id", pa.int64()),
                            ("duplicate_of", pa.string()), ("similarity", pa.float64())])
CLUSTER_SCHEMA = pa.schema([("cluster_id", pa.int64()), ("size", pa.int64()), ("kept", pa.int64()),
                            ("removed_semantic", pa.int64()), ("removed_prototypical", pa.int64())])


class DedupBucket(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🧹 SemDeDup clusters"

    def __init__(self, work_folder: DataFolderLike, scratch: Scratch, threshold: float, prune_fraction: float):
        super().__init__()
        self.work = get_datafolder(work_folder)
        self.scratch, self.threshold, self.prune_fraction = scratch, threshold, prune_fraction

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        cluster, shard, row, similarity, vectors, ids = self._load(rank)
        order = np.lexsort((row, shard, cluster))
        bounds = np.flatnonzero(np.diff(cluster[order])) + 1
        removed: dict[int, list[dict]] = {}
        counts, samples = [], []
        for members in np.split(order, bounds) if len(order) else []:
            with self.track_time():
                verdict = dedup_cluster(vectors[members], similarity[members], self.threshold, self.prune_fraction)
            cluster_id = int(cluster[members[0]])
            counts.append({"cluster_id": cluster_id, "size": len(members), "kept": verdict.count(KEPT),
                           "removed_semantic": verdict.count(DUPLICATE),
                           "removed_prototypical": verdict.count(PROTOTYPICAL)})
            for i in np.flatnonzero(verdict.status != KEPT):
                member, status = members[i], int(verdict.status[i])
                twin = members[verdict.duplicate_of[i]] if status == DUPLICATE else -1
                removed.setdefault(int(shard[member]), []).append({
                    "row": int(row[member]), "reason": REASONS[status], "cluster_id": cluster_id,
                    "duplicate_of": ids[twin] if twin >= 0 else "",
                    "similarity": float(verdict.similarity[i] if twin >= 0 else similarity[member])})
                if twin >= 0 and len(samples) < SAMPLES:
                    samples.append({"id": ids[member], "shard": int(shard[member]), "row": int(row[member]),
                                    "duplicate_of": ids[twin], "duplicate_shard": int(shard[twin]),
                                    "duplicate_row": int(row[twin]), "cluster_id": cluster_id,
                                    "similarity": round(float(verdict.similarity[i]), 4)})
            self.stat_update("clusters")
            self.stat_update("semantic_duplicate", value=counts[-1]["removed_semantic"])
            self.stat_update("prototypical", value=counts[-1]["removed_prototypical"])
        self._write(rank, removed, counts, samples)
        yield from data or ()

    def _load(self, bucket: int):
        folder = self.scratch.bucket_folder(bucket)
        names = self.work.list_files(folder, recursive=False) if self.work.exists(folder) else []
        shards = sorted(int(m.group(1)) for name in names if (m := RECORDS_NAME.fullmatch(name.rsplit("/", 1)[-1])))
        records, vectors, shard_of, ids = [], [], [], []
        for shard in shards:
            records.append(load_array(self.work, self.scratch.records(bucket, shard)))
            vectors.append(load_array(self.work, self.scratch.vectors(bucket, shard)))
            ids.extend(load_ids(self.work, self.scratch.bucket_ids(bucket, shard)))
            shard_of.append(np.full(len(records[-1]), shard, dtype=np.int64))
        if not records:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, np.zeros(0, np.float32), np.zeros((0, 0), np.float32), []
        merged = np.concatenate(records)
        return (merged["cluster"].astype(np.int64), np.concatenate(shard_of), merged["row"], merged["similarity"],
                np.concatenate(vectors), ids)

    def _write(self, bucket: int, removed: dict[int, list[dict]], counts: list[dict], samples: list[dict]) -> None:
        import pyarrow.parquet as pq

        for shard, rows in removed.items():
            with self.work.open(self.scratch.removed(shard, bucket), "wb") as handle:
                pq.write_table(pa.Table.from_pylist(rows, schema=REMOVED_SCHEMA), handle)
        with self.work.open(self.scratch.clusters(bucket), "wb") as handle:
            pq.write_table(pa.Table.from_pylist(counts, schema=CLUSTER_SCHEMA), handle)
        with self.work.open(self.scratch.samples(bucket), "wb") as handle:
            handle.write(json.dumps(samples).encode())
