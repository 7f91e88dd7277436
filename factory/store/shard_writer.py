"""datatrove's Parquet writer, set up to write one shard of a table of a store version per task.

Shards are named ``<table>/part-<rank>.parquet`` (what ``CommitPart`` looks for), zstd-compressed,
with an explicit schema (an empty or heterogeneous task still writes the table's columns), and
never split by size: a task's shard is one file, so its path is known before the task runs.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from datatrove.pipeline.writers import ParquetWriter

from factory.store.filesystem import FolderSpec, join_folder


def shard_writer(version_folder: FolderSpec, table: str, schema: pa.Schema, adapter: Callable) -> ParquetWriter:
    """A writer of ``table``'s shards under ``version_folder``; ``adapter(writer, document)`` gives a row of ``schema``."""
    return ParquetWriter(
        join_folder(version_folder, table), output_filename="part-${rank}.parquet", compression="zstd",
        adapter=adapter, schema=schema, max_file_size=-1, use_content_defined_chunking=False,
    )
