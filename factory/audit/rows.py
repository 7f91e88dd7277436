"""Finding rows of a committed table by one column, reading that column alone until something matches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from factory.audit.index import StoreIndex
from factory.store import Manifest
from factory.store import tables as store_tables


def find_rows(index: StoreIndex, manifest: Manifest, table: str, column: str, value: Any) -> Iterator[dict[str, Any]]:
    """Rows of a version's table whose ``column`` equals ``value``."""
    return find_rows_where(index, manifest, table, column, lambda values: pc.equal(decoded(values), value),
                           lambda row: row.get(column) == value)


def find_rows_where(index: StoreIndex, manifest: Manifest, table: str, column: str, matches: Callable[[pa.ChunkedArray], Any],
                    matches_row: Callable[[dict], bool]) -> Iterator[dict[str, Any]]:
    """Rows of a version's table whose ``column`` matches: the column is read first, whole rows only on a match
    (``matches`` masks a Parquet column, ``matches_row`` tests a JSON-lines row)."""
    import pyarrow.parquet as pq

    store = index.store
    base = store.version_dir(manifest.asset, manifest.partition, manifest.version)
    for entry in manifest.files_under(table):
        path = f"{base}/{entry.path}"
        if entry.path.endswith(".parquet"):
            with store.fs.open(path, "rb") as handle:
                parquet = pq.ParquetFile(handle)
                if column not in parquet.schema_arrow.names:
                    continue
                mask = matches(decoded(parquet.read(columns=[column])[column]))
                if pc.any(mask).as_py():
                    yield from parquet.read().filter(mask).to_pylist()
        elif entry.path.endswith(".jsonl.gz"):
            yield from (row for row in store_tables.iter_jsonl(store.get(path)) if matches_row(row))


def decoded(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded columns (datatrove writes some) as plain values, so they compare with Python values."""
    return values.cast(values.type.value_type) if pa.types.is_dictionary(values.type) else values
