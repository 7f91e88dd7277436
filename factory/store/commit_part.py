"""The first and last steps of every datatrove task that writes into a store version.

``ClearPart``, right after the reader, deletes what an earlier, failed attempt of the same rank
left in its shard paths before anything is written (an uncommitted rank owns nothing yet).
``CommitPart``, last, commits the task as a part: after the task's writers have closed, it
reads its own shards back (footers and a few small columns, never whole documents into one list),
and writes the part marker ``_parts/part-<rank>.json`` with each shard's path, size, SHA-256 and
row count, and per-table summaries (rows, tokens, reasons, languages). The driver builds the
manifest from these markers alone, so it never reads a partition's documents, and all data I/O
happens in the tasks, on whatever machines run them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.faults import crash_point
from factory.store.filesystem import write_atomic
from factory.store.writer import marker_path

SUMMARY_BATCH = 4096
SUMMARY_COLUMNS = ("tokens", "reason", "metadata")
# Counted from the metadata column when asked: documents by language, documents and tokens by category.
METADATA_COUNTS = ("languages", "categories", "category_tokens")


def shard_path(table: str, rank: int) -> str:
    """Where task ``rank`` writes its shard of ``table`` (datatrove's ``${rank}`` is zero-padded to 5)."""
    return f"{table}/part-{rank:05d}.parquet"


class ClearPart(PipelineStep):
    type = "📌 - COMMIT"
    name = "🧹 Clear part"

    def __init__(self, version_folder: DataFolderLike, tables: list[str], part_offset: int = 0):
        super().__init__()
        self.version_folder = get_datafolder(version_folder)
        self.tables, self.part_offset = list(tables), part_offset

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for path in [shard_path(table, rank) for table in self.tables] + [marker_path(rank + self.part_offset)]:
            if self.version_folder.exists(path):
                self.version_folder.rm(path)
                self.stat_update("leftovers_removed")
        yield from data or ()


class CommitPart(PipelineStep):
    type = "📌 - COMMIT"
    name = "📌 Commit part"

    def __init__(self, version_folder: DataFolderLike, tables: list[str], describe_metadata: bool = False,
                 extra_files: Callable[..., list[str]] | None = None, part_offset: int = 0):
        """``tables``: the Parquet tables the task writes a shard of; ``describe_metadata``: also count each table's
        documents by language and by category (documents and tokens), from the metadata column;
        ``extra_files(folder, rank)``: other files the task wrote that belong to the version (hashed, not
        summarized); ``part_offset``: added to the rank to name the part, so stages of one version that all commit
        parts do not collide."""
        super().__init__()
        self.version_folder = get_datafolder(version_folder)
        self.tables, self.describe_metadata = list(tables), describe_metadata
        self.extra_files, self.part_offset = extra_files, part_offset

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            yield document
            crash_point("document_written")
        # The generators upstream are exhausted: every writer has left its ``with`` block and closed its files.
        files, tables = [], {}
        for table in self.tables:
            path = shard_path(table, rank)
            if not self.version_folder.exists(path):
                continue
            entry, summary = self._describe(path)
            files.append(entry)
            tables[table] = summary
        for path in self.extra_files(self.version_folder, rank) if self.extra_files else []:
            files.append(self._checksum(path))
        index = rank + self.part_offset
        marker = {"index": index, "files": files, "counts": {}, "stats": {"tables": tables}}
        fs, base = self.version_folder.fs, self.version_folder.path
        crash_point("part_written")
        write_atomic(fs, f"{base}/{marker_path(index)}", json.dumps(marker).encode())
        crash_point("part_committed")
        self.stat_update("shards", value=len(files))

    def _checksum(self, path: str) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        with self.version_folder.open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                size += len(block)
        return {"path": path, "size": size, "sha256": digest.hexdigest(), "rows": None}

    def _describe(self, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        import pyarrow.parquet as pq

        entry = self._checksum(path)
        with self.version_folder.open(path, "rb") as handle:
            parquet = pq.ParquetFile(handle)
            entry["rows"] = parquet.metadata.num_rows
            summary = self._summarize(parquet)
        summary["rows"] = entry["rows"]
        return entry, summary

    def _summarize(self, parquet) -> dict[str, Any]:
        present = [c for c in SUMMARY_COLUMNS if c in parquet.schema_arrow.names]
        if not self.describe_metadata and "metadata" in present:
            present.remove("metadata")
        tokens, reasons = 0, Counter()
        described = {key: Counter() for key in METADATA_COUNTS}
        if present:
            for batch in parquet.iter_batches(batch_size=SUMMARY_BATCH, columns=present):
                columns = batch.to_pydict()
                row_tokens = [int(t or 0) for t in columns.get("tokens", ())]
                tokens += sum(row_tokens)
                reasons.update(columns.get("reason", ()))
                for i, text in enumerate(columns.get("metadata", ())):
                    metadata = json.loads(text or "{}")
                    if (language := metadata.get("language")) is not None:
                        described["languages"][str(language)] += 1
                    if (category := metadata.get("category")) is not None:
                        described["categories"][str(category)] += 1
                        described["category_tokens"][str(category)] += row_tokens[i] if row_tokens else 0
        summary: dict[str, Any] = {"tokens": tokens}
        if reasons:
            summary["reasons"] = dict(reasons)
        summary.update({key: dict(counter) for key, counter in described.items() if counter})
        return summary
