"""The one table shape every text dataset in the store shares: ``documents``.

``filtered``, ``deduped``, ``synthetic`` (and later quality-filtered sets) all write a table named
``documents`` with at least these columns, so any of them can feed generation or a mix.
Steps may add columns (scores, lineage of synthetic rows); readers must ignore extra ones.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

DOCUMENTS = "documents"
# A mix's table of the documents of its sources that hold benchmark items (written by factory.decontamination, read
# by proxy_eval for its clean subset): here, below both, so neither imports the other.
CONTAMINATION = "contamination"
# Metadata keys of a datatrove Document that are columns of the table, not part of its metadata JSON.
COLUMN_KEYS = ("url", "dump", "source_file")
TOKEN_KEYS = ("token_count", "tokens")
# Added by steps on the way, not properties of the document: a filter's verdict, the shard a reader read it from
# (a store path, which would make the content depend on where the store is).
READER_KEYS = ("filter_reason", "file_path")  # datatrove's TokensCounter writes the first; the table's column reads back as the second

DOCUMENT_SCHEMA = pa.schema([
    ("id", pa.string()),  # stable across steps: the crawl record id (or a hash for synthetic rows)
    ("text", pa.string()),
    ("url", pa.string()),
    ("dump", pa.string()),
    ("source_file", pa.string()),  # the raw crawl file (URL) the document came from
    ("tokens", pa.int64()),  # SmolLM2 tokenizer count of `text`
    ("metadata", pa.string()),  # JSON object: language, scores, anything step-specific
])


def empty_documents() -> pa.Table:
    return DOCUMENT_SCHEMA.empty_table()


def dump_partition(dump: str) -> dict[str, str]:
    """The store partition of a dump-level dataset (``deduped`` and later per-dump sets): ``dump=<dump>``."""
    return {"dump": dump}


def document_row(_writer: Any, document: Any) -> dict[str, Any]:
    """A datatrove ``Document`` as a row of ``DOCUMENT_SCHEMA`` (a writer adapter: datatrove passes the writer first).

    Reading the table back with datatrove's Parquet reader puts the columns into the metadata, so a
    document makes the same row however many steps it passes through."""
    metadata = dict(document.metadata)
    tokens = [metadata.pop(key, None) for key in TOKEN_KEYS]
    columns = {key: str(metadata.pop(key, "") or "") for key in COLUMN_KEYS}
    for key in READER_KEYS:
        metadata.pop(key, None)
    return {
        "id": str(document.id), "text": document.text, **columns,
        "tokens": int(next((t for t in tokens if t is not None), 0) or 0),
        "metadata": json.dumps(metadata, sort_keys=True, default=str),
    }
