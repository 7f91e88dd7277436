"""The one table shape every text dataset in the store shares: ``documents``.

``filtered``, ``deduped``, ``synthetic`` (and later quality-filtered sets) all write a table named
``documents`` with at least these columns, so any of them can feed generation or a mix.
Steps may add columns (scores, lineage of synthetic rows); readers must ignore extra ones.
"""

from __future__ import annotations

import pyarrow as pa

DOCUMENTS = "documents"

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
