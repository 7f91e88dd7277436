"""Bounded reads of a table's first rows, for samples shown to users: never a whole shard in memory."""

from __future__ import annotations

from typing import Any


def first_rows(store, version_dir: str, paths: list[str], count: int, columns: list[str]) -> list[dict[str, Any]]:
    """Up to ``count`` rows of ``columns`` (those present) from the first shards of ``paths``, in order."""
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for path in paths:
        if len(rows) >= count:
            break
        with store.fs.open(f"{version_dir}/{path}", "rb") as handle:
            parquet = pq.ParquetFile(handle)
            present = [c for c in columns if c in parquet.schema_arrow.names]
            for batch in parquet.iter_batches(batch_size=min(count - len(rows), 4096), columns=present):
                rows.extend(batch.to_pylist())
                if len(rows) >= count:
                    break
    return rows
