"""From datatrove's JSONL outputs in the work folder to the store's ``documents`` tables.

Kept documents become the shared ``documents`` table; each filter's exclusions become
``removed/<filter>`` with the same columns plus ``filter`` and ``reason``. Rows are sorted by
their record index, so the tables do not depend on how many tasks produced them.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA

REMOVED_SCHEMA = DOCUMENT_SCHEMA.append(pa.field("filter", pa.string())).append(pa.field("reason", pa.string()))
# Metadata keys that become columns of the documents table, not part of its metadata JSON.
COLUMN_KEYS = ("url", "dump", "source_file")
ORDER_KEY = "record_index"
TOKEN_KEY = "token_count"


def read_jsonl_folder(folder: str | Path) -> list[dict[str, Any]]:
    """Every JSONL record datatrove wrote under ``folder`` (all ranks), in record order."""
    rows = [row for path in sorted(Path(folder).glob("*.jsonl.gz")) for row in _iter_jsonl(path)]
    rows.sort(key=lambda row: (row.get("metadata", {}).get(ORDER_KEY, 0), row.get("id", "")))
    return rows


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def to_documents(rows: list[dict[str, Any]], dump: str) -> pa.Table:
    """Rows as the shared documents table; ``tokens`` is the count datatrove's TokensCounter left in the metadata."""
    records = []
    for row in rows:
        metadata = dict(row.get("metadata") or {})
        count = int(metadata.pop(TOKEN_KEY, 0) or 0)
        columns = {key: str(metadata.pop(key, "") or "") for key in COLUMN_KEYS}
        metadata.pop("filter_reason", None)
        records.append({
            "id": str(row["id"]), "text": row.get("text", ""), "url": columns["url"], "dump": columns["dump"] or dump,
            "source_file": columns["source_file"], "tokens": int(count), "metadata": json.dumps(metadata, sort_keys=True),
        })
    return pa.Table.from_pylist(records, schema=DOCUMENT_SCHEMA)


def to_removed(rows: list[dict[str, Any]], dump: str, filter_name: str) -> pa.Table:
    reasons = [str((row.get("metadata") or {}).get("filter_reason") or filter_name) for row in rows]
    table = to_documents(rows, dump)
    return table.append_column("filter", pa.array([filter_name] * len(rows), pa.string())).append_column(
        "reason", pa.array(reasons, pa.string())
    )


def metadata_of(table: pa.Table) -> list[dict[str, Any]]:
    return [json.loads(text) for text in table.column("metadata").to_pylist()]
