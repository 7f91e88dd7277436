"""Stage 5's filter (one task per shard): documents the cluster stage removed go to the exclusion writer.

Task ``i`` reads shard ``i`` again, in the order stage 1 embedded it, so row ``r`` is the same
document; it loads the shard's row -> cluster list and its removed rows (from every bucket), tags
every document with its cluster, and sends the removed ones, with reason, the id they duplicate and
the similarity, to ``removed/semantic``; the rest go on to the ``documents`` writer.
"""

from __future__ import annotations

import contextlib

from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.semantic_dedup.arrays import load_array
from factory.semantic_dedup.outputs import CLUSTER_KEY, REMOVAL_KEYS
from factory.semantic_dedup.scratch import Scratch


class ApplyRemovals(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🎯 SemDeDup filter"

    def __init__(self, work_folder: DataFolderLike, scratch: Scratch, exclusion_writer=None):
        super().__init__()
        self.work = get_datafolder(work_folder)
        self.scratch, self.exclusion_writer = scratch, exclusion_writer

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        clusters = load_array(self.work, Scratch.assignments(rank))
        removed = self._removed(rank)
        rows = 0
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for row, document in enumerate(data or ()):
                rows += 1
                if row >= len(clusters):
                    break
                document.metadata[CLUSTER_KEY] = int(clusters[row])
                self.stat_update("total")
                if (why := removed.get(row)) is None:
                    self.stat_update("kept")
                    yield document
                    continue
                document.metadata.update(zip(REMOVAL_KEYS, (why["reason"], why["duplicate_of"], why["similarity"]),
                                             strict=True))
                self.stat_update(f"removed_{why['reason']}")
                if writer:
                    writer.write(document, rank)
        if rows != len(clusters):
            raise RuntimeError(f"input shard {rank} no longer holds the {len(clusters)} documents it held when "
                               "embedded: its file changed under this version; delete the version folder and "
                               "materialize again")

    def _removed(self, shard: int) -> dict[int, dict]:
        import pyarrow.parquet as pq

        folder = self.scratch.removed_folder(shard)
        found: dict[int, dict] = {}
        for name in self.work.list_files(folder, recursive=False) if self.work.exists(folder) else []:
            with self.work.open(name, "rb") as handle:
                for record in pq.read_table(handle).to_pylist():
                    found[record["row"]] = record
        return found
