"""SemDeDup of a dump as a chain of datatrove executors, every folder inside the version:

    embed (one task per input shard) -> k-means (one task) -> assign (one task per shard)
    -> dedup clusters (one task per bucket of clusters)
    -> filter (one task per shard): documents, removed/semantic, part markers

Scratch lives in ``_work/`` (see ``scratch``), datatrove's logs and completions in ``_logs/<stage>``:
all in the store (local or ``s3://``), so tasks run on Ray or Slurm across machines, the driver
never holds documents or vectors, and a rerun skips the tasks that completed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from factory.curation.executors import ExecutorSpec
from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, document_row
from factory.semantic_dedup.config import SemanticDedupConfig
from factory.semantic_dedup.outputs import REMOVED_SCHEMA, REMOVED_SEMANTIC, removed_row
from factory.semantic_dedup.scratch import Scratch
from factory.store.filesystem import join_folder
from factory.store.task_layout import WORK, TaskLayout

TABLES = [DOCUMENTS, REMOVED_SEMANTIC]


@dataclass(frozen=True)
class SemanticLayout(TaskLayout):
    """Where a semantic dedup version's inputs, scratch and outputs are, and how many cluster buckets it uses."""

    buckets: int = 1

    @property
    def scratch(self) -> Scratch:
        return Scratch(self.buckets)

    @property
    def work_folder(self):
        return join_folder(self.version, WORK)


def bucket_count(documents: int, config: SemanticDedupConfig) -> int:
    """Cluster-stage tasks: each holds about ``documents_per_task`` vectors; never more tasks than clusters."""
    return max(1, min(config.clusters, math.ceil(documents / config.documents_per_task)))


def build_stages(layout: SemanticLayout, config: SemanticDedupConfig, executor: ExecutorSpec, what: str,
                 in_process: bool) -> list:
    """The stages' executors, in the order they must run (``run_stages`` runs them)."""
    from factory.semantic_dedup.assign import AssignClusters
    from factory.semantic_dedup.bucket_dedup import DedupBucket
    from factory.semantic_dedup.embed import EmbedShard
    from factory.semantic_dedup.kmeans import FitCentroids
    from factory.semantic_dedup.removals import ApplyRemovals
    from factory.store.commit_part import ClearPart, CommitPart
    from factory.store.shard_reader import ShardReader
    from factory.store.shard_writer import shard_writer

    files, work, scratch = len(layout.paths), layout.work_folder, layout.scratch
    stages = []

    def stage(pipeline: list, tasks: int, name: str) -> None:
        stages.append(executor.build(pipeline, tasks, join_folder(layout.logs, name), job_name=f"{what}-{name}",
                                     in_process=in_process))

    def reader():
        return ShardReader(layout.root, list(layout.paths))

    stage([reader(), EmbedShard(work, config.max_tokens)], files, "semantic_embed")
    stage([FitCentroids(work, files, config.clusters, config.kmeans_sample, config.seed)], 1, "semantic_kmeans")
    # The bucket count is in the names: a rerun with another count redoes these two stages in fresh folders.
    stage([AssignClusters(work, scratch)], files, f"semantic_assign-{layout.buckets}")
    stage([DedupBucket(work, scratch, config.threshold, config.prune_prototypical)], layout.buckets,
          f"semantic_clusters-{layout.buckets}")
    stage([reader(), ClearPart(layout.version, TABLES),
           ApplyRemovals(work, scratch, shard_writer(layout.version, REMOVED_SEMANTIC, REMOVED_SCHEMA, removed_row)),
           shard_writer(layout.version, DOCUMENTS, DOCUMENT_SCHEMA, document_row), CommitPart(layout.version, TABLES)],
          files, "filter")
    return stages
