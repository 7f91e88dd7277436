"""The tables ``filtered`` writes, as rows made from datatrove Documents inside the tasks.

Kept documents become the shared ``documents`` table; each filter's exclusions become
``removed/<filter>`` with the same columns plus ``filter`` and ``reason``. Each task writes one
shard of each table; shard ``i`` holds crawl file ``i``'s records in file order, so the tables do
not depend on how many workers ran the tasks.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, document_row

REMOVED_SCHEMA = DOCUMENT_SCHEMA.append(pa.field("filter", pa.string())).append(pa.field("reason", pa.string()))
REMOVED_PREFIX = "removed"


def removed_table(filter_name: str) -> str:
    return f"{REMOVED_PREFIX}/{filter_name}"


def tables(filters: tuple[str, ...]) -> list[str]:
    """Every table of a ``filtered`` version, kept documents first, then one per filter in pipeline order."""
    return [DOCUMENTS, *(removed_table(name) for name in filters)]


def removed_row(writer: Any, document: Any, filter_name: str) -> dict[str, Any]:
    reason = str(document.metadata.get("filter_reason") or filter_name)
    return {**document_row(writer, document), "filter": filter_name, "reason": reason}


def removed_adapter(filter_name: str):
    return functools.partial(removed_row, filter_name=filter_name)


def metadata_of(table: pa.Table) -> list[dict[str, Any]]:
    return [json.loads(text) for text in table.column("metadata").to_pylist()]
