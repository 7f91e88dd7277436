"""Encoding tables for the store: Parquet with zstd (default) or gzipped JSON lines."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = {"parquet": ".parquet", "jsonl": ".jsonl.gz"}


def to_arrow(rows: pa.Table | Sequence[dict[str, Any]]) -> pa.Table:
    return rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(list(rows))


def encode(rows: pa.Table | Sequence[dict[str, Any]], fmt: str) -> tuple[bytes, int]:
    """The file bytes and row count of a table in ``fmt``."""
    if fmt == "parquet":
        table = to_arrow(rows)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        return sink.getvalue().to_pybytes(), table.num_rows
    if fmt == "jsonl":
        records = rows.to_pylist() if isinstance(rows, pa.Table) else list(rows)
        text = "".join(json.dumps(record, ensure_ascii=False, default=str) + "\n" for record in records)
        return gzip.compress(text.encode(), mtime=0), len(records)
    raise ValueError(f"unknown table format {fmt!r}: expected one of {sorted(FORMATS)}")


def decode(data: bytes, path: str) -> pa.Table:
    if path.endswith(".parquet"):
        return pq.read_table(io.BytesIO(data))
    if path.endswith(".jsonl.gz"):
        return pa.Table.from_pylist(list(iter_jsonl(data)))
    raise ValueError(f"{path}: not a store table (expected .parquet or .jsonl.gz)")


def iter_jsonl(data: bytes) -> Iterator[dict[str, Any]]:
    for line in gzip.decompress(data).splitlines():
        if line.strip():
            yield json.loads(line)
