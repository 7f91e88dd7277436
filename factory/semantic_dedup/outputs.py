"""The tables ``semantic_deduped`` writes, as rows made from datatrove Documents in the filter tasks.

``documents`` keeps the shared shape; a kept document's metadata gains ``semantic_cluster_id``.
``removed/semantic`` adds ``reason`` (``semantic_duplicate`` or ``prototypical``), ``cluster_id``,
``duplicate_of`` (the id of the kept document it duplicates, "" for a prototypical one) and
``similarity`` (cosine similarity to that document; to the centroid for a prototypical one).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA, document_row

REMOVED_SEMANTIC = "removed/semantic"
REMOVED_SCHEMA = (DOCUMENT_SCHEMA.append(pa.field("reason", pa.string())).append(pa.field("cluster_id", pa.int64()))
                  .append(pa.field("duplicate_of", pa.string())).append(pa.field("similarity", pa.float64())))
CLUSTER_KEY = "semantic_cluster_id"
# Set on a removed document by the filter task, turned into columns here (never left in its metadata).
REMOVAL_KEYS = ("semantic_reason", "semantic_duplicate_of", "semantic_similarity")


def removed_row(writer: Any, document: Any) -> dict[str, Any]:
    metadata = document.metadata
    reason, duplicate_of, similarity = (metadata.pop(key) for key in REMOVAL_KEYS)
    cluster_id = int(metadata.pop(CLUSTER_KEY, -1))
    row = document_row(writer, document)
    return {**row, "reason": reason, "cluster_id": cluster_id, "duplicate_of": duplicate_of,
            "similarity": float(similarity)}
