"""The tables ``deduped`` writes, as rows made from datatrove Documents inside the final filter tasks.

``documents`` keeps the shared shape; a kept document's metadata gains its ``content_key`` (the
exact-dedup key) and, when it heads a MinHash cluster, ``minhash_cluster_id``/``minhash_cluster_size``.
``removed/exact`` and ``removed/minhash`` add ``reason``, ``cluster_id`` and ``content_key``, so a
removed row finds what it duplicates: the kept document with the same key or cluster id.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA, document_row

REMOVED_SCHEMA = (DOCUMENT_SCHEMA.append(pa.field("reason", pa.string())).append(pa.field("cluster_id", pa.int64()))
                  .append(pa.field("content_key", pa.string())))
REMOVED_EXACT, REMOVED_MINHASH = "removed/exact", "removed/minhash"
CONTENT_KEY = "content_key"
EARLIER_MATCH = "matched_earlier_dump"  # set on a document whose signature matched an earlier dump's index


def normalized_text(document) -> str:
    """What exact dedup compares: the text with whitespace runs collapsed."""
    return " ".join(document.text.split())


def content_key(document) -> str:
    return hashlib.sha256(normalized_text(document).encode()).hexdigest()[:16]


def exact_removed_row(writer: Any, document: Any) -> dict[str, Any]:
    row = document_row(writer, document)
    return {**row, "reason": "exact_duplicate", "cluster_id": -1, CONTENT_KEY: document.metadata.get(CONTENT_KEY, "")}


def minhash_removed_row(writer: Any, document: Any) -> dict[str, Any]:
    metadata = document.metadata
    reason = "earlier_dump" if metadata.pop(EARLIER_MATCH, False) else "near_duplicate"
    row = document_row(writer, document)
    return {**row, "reason": reason, "cluster_id": int(metadata.get("minhash_cluster_id", -1)),
            CONTENT_KEY: metadata.get(CONTENT_KEY, "")}
