"""datatrove's Parquet reader over an explicit list of store shards: task ``i`` reads shard ``i``.

The shards of a step's inputs are named by their manifests, so the list is given, not globbed:
files a failed attempt left in a version folder are never read, and with one task per shard a
document's ``(task, index)`` means the same document in every stage (MinHash relies on it).
"""

from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.readers import ParquetReader

from factory.store.filesystem import FolderSpec


class ShardReader(ParquetReader):
    name = "📒 Store shards"

    def __init__(self, root: FolderSpec, paths: list[str], **kwargs):
        """``paths`` are relative to ``root`` (the store root)."""
        super().__init__(root, **kwargs)
        self.paths = list(paths)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for document in self.read_files_shard(self.paths[rank::world_size]):
            self.update_doc_stats(document)
            yield document
