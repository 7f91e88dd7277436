"""The mix's decontamination, as a datatrove step: every document of every source checked against the index.

Task ``i`` reads input shard ``i`` (one source version's shard). A document that holds a benchmark item or a
held-out document (``ContaminationIndex.matches``) is counted per benchmark (stats ``contaminated_<source>``)
and, with a table writer, written to the mix's ``contamination`` table with every item it holds; it is
dropped (``action="remove"``) or passed on (``"report"``). The index is read from the store once per task
(28 MB for the nine benchmarks); only its address travels with the pickled step.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.decontamination.index import ITEMS, ContaminationIndex

ROW = "contamination_row"
CONTAMINATION_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("url", pa.string()), ("source", pa.int64()), ("version", pa.string()),
    ("sources", pa.list_(pa.string())), ("items", pa.list_(pa.string())), ("ngrams", pa.list_(pa.int64())),
    ("example", pa.string()), ("removed", pa.bool_()),
])


class Decontaminate(PipelineStep):
    type = "🦠 - DECONT"
    name = "🧪 Benchmark decontamination"

    def __init__(self, index_folder, ngram_size: int, action: str, shards: list, writer=None):
        super().__init__()
        self.index_folder, self.ngram_size, self.action = index_folder, ngram_size, action
        self.shards = shards  # factory.mixing.sampling.ShardSource of each task's input shard
        self.writer = writer  # a shard writer of the `contamination` table (the stage that records), or None
        self._index: ContaminationIndex | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_index": None}  # loaded again inside the task

    def index(self) -> ContaminationIndex:
        if self._index is None:
            folder = get_datafolder(self.index_folder)

            def read(name: str) -> bytes:
                with folder.open(name, "rb") as handle:
                    return handle.read()

            items_files = folder.list_files(subdirectory=ITEMS)
            if not items_files:
                raise FileNotFoundError(f"no {ITEMS} table in the contamination index at {self.index_folder}: "
                                        "materialize contamination_index again")
            with folder.open(items_files[0], "rb") as handle:
                items = pq.read_table(handle, columns=["id", "source", "min_matches"])
            self._index = ContaminationIndex.load(read, items, self.ngram_size)
        return self._index

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.writer if self.writer else contextlib.nullcontext() as writer:
            for document in data or ():
                with self.track_time():
                    found = self.index().matches(document.text)
                if not found:
                    yield document
                    continue
                self.stat_update("contaminated")
                for source in dict.fromkeys(match.source for match in found):
                    self.stat_update(f"contaminated_{source}")
                if writer is not None:
                    document.metadata[ROW] = self._row(document, found, rank)
                    writer.write(document, rank)
                    del document.metadata[ROW]
                if self.action == "report":
                    yield document

    def _row(self, document, found: list, rank: int) -> dict[str, Any]:
        shard = self.shards[rank]
        return {"doc_id": str(document.id), "url": str(document.metadata.get("url") or ""), "source": int(shard.source),
                "version": str(shard.version), "sources": [m.source for m in found], "items": [m.item for m in found],
                "ngrams": [m.ngrams for m in found], "example": found[0].example, "removed": self.action == "remove"}


def contamination_row(_writer: Any, document: Any) -> dict[str, Any]:
    """The ``contamination`` table's row of a document (the shard writer's adapter)."""
    return document.metadata[ROW]
