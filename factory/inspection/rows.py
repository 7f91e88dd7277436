"""Bounded reads of one shard of a committed version: some columns in batches, or a few rows by position.

A sample must not cost a version's size in memory: column scans hold one record batch at a time, and row
reads open only the Parquet row groups that hold a wanted row, then keep only those rows of each batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from factory.store import FileEntry, Manifest, Store
from factory.store import tables

BATCH_ROWS = 4096


def shard_path(store: Store, manifest: Manifest, entry: FileEntry) -> str:
    return f"{store.version_dir(manifest.asset, manifest.partition, manifest.version)}/{entry.path}"


def iter_columns(store: Store, manifest: Manifest, entry: FileEntry, columns: Sequence[str],
                 batch_size: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """The ``columns`` of one shard (those it has) in batches of at most ``batch_size`` rows, in row order."""
    import pyarrow.parquet as pq

    path = shard_path(store, manifest, entry)
    if not entry.path.endswith(".parquet"):  # gzipped JSON lines: small side tables, decoded whole as the store does
        table = tables.decode(store.get(path), entry.path)
        yield table.select([c for c in columns if c in table.column_names])
        return
    with store.fs.open(path, "rb") as handle:
        parquet = pq.ParquetFile(handle)
        present = [c for c in columns if c in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=batch_size, columns=present):
            yield pa.Table.from_batches([batch])


def shard_rows(store: Store, manifest: Manifest, entry: FileEntry) -> int:
    """The number of rows of one shard: from the manifest, else from the Parquet footer (no data read)."""
    if entry.rows is not None:
        return entry.rows
    import pyarrow.parquet as pq

    with store.fs.open(shard_path(store, manifest, entry), "rb") as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def read_rows(store: Store, manifest: Manifest, entry: FileEntry, rows: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The rows at positions ``rows`` of one shard, every column, keyed by position."""
    import pyarrow.parquet as pq

    wanted = sorted(set(rows))
    path = shard_path(store, manifest, entry)
    if not entry.path.endswith(".parquet"):
        table = tables.decode(store.get(path), entry.path)
        return {row: table.slice(row, 1).to_pylist()[0] for row in wanted}
    found: dict[int, dict[str, Any]] = {}
    with store.fs.open(path, "rb") as handle:
        parquet = pq.ParquetFile(handle)
        starts, offset = [], 0
        for group in range(parquet.metadata.num_row_groups):
            starts.append(offset)
            offset += parquet.metadata.row_group(group).num_rows
        starts.append(offset)
        for group in range(parquet.metadata.num_row_groups):
            inside = [row for row in wanted if starts[group] <= row < starts[group + 1]]
            if not inside:
                continue
            position = starts[group]
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group]):
                local = [row - position for row in inside if position <= row < position + batch.num_rows]
                if local:
                    picked = batch.take(pa.array(local)).to_pylist()
                    found.update({position + index: row for index, row in zip(local, picked, strict=True)})
                position += batch.num_rows
    missing = [row for row in wanted if row not in found]
    if missing:
        raise IndexError(f"{path}: rows {missing[:5]} are past the shard's {offset} rows; "
                         "the manifest and the file disagree "
                         "(run `factory verify`)")
    return found
