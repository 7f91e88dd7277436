"""A mix's contamination report, from its ``contamination`` table: per benchmark (or held-out domain), the items
found, the documents that held them, and a few examples with the item's text beside the page's address.

Read batch by batch from the table the mix's tasks wrote; the report holds counts and at most ``EXAMPLES``
examples per benchmark, never the documents. The ids of the contaminated items stay in the table, where
``proxy_eval`` reads them to score the clean subset (``factory.evaluation.step``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from factory.decontamination.index import ITEMS
from factory.documents import CONTAMINATION
from factory.store import Manifest, Store, VersionWriter

EXAMPLES = 3


def contamination_report(store: Store, writer: VersionWriter, index: Manifest) -> dict:
    """The report of the version ``writer`` is committing, against ``index``."""
    items: dict[str, set[str]] = {}
    documents: dict[str, int] = {}
    examples: dict[str, list[dict]] = {}
    total = removed = 0
    for batch in _batches(store, writer):
        for row in batch.to_pylist():
            total += 1
            removed += bool(row["removed"])
            for source in dict.fromkeys(row["sources"]):
                documents[source] = documents.get(source, 0) + 1
            for source, item, ngrams in zip(row["sources"], row["items"], row["ngrams"], strict=True):
                items.setdefault(source, set()).add(item)
                if len(examples.setdefault(source, [])) < EXAMPLES:
                    shown = row["example"] if item == row["items"][0] else ""  # the table keeps the first item's n-gram
                    examples[source].append({"item": item, "doc_id": row["doc_id"], "url": row["url"], "ngrams": ngrams,
                                             "ngram": shown})
    previews = _previews(store, index, {e["item"] for found in examples.values() for e in found})
    for found in examples.values():
        for example in found:
            example["item_text"] = previews.get(example["item"], "")
    indexed = index.stats.get("sources", {})
    rows = [{"source": source, "items_indexed": indexed.get(source, {}).get("indexed", 0), "items_found": len(items.get(source, ())),
             "documents": documents.get(source, 0)} for source in sorted(set(indexed) | set(items))]
    return {"index": index.version, "documents": total, "removed": removed, "sources": rows, "examples": examples}


def _batches(store: Store, writer: VersionWriter) -> Iterator[pa.Table]:
    for path in writer.committed_files(CONTAMINATION):
        with store.fs.open(f"{writer.dir}/{path}", "rb") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=1024):
                yield pa.Table.from_batches([batch])


def _previews(store: Store, index: Manifest, wanted: set[str]) -> dict[str, str]:
    if not wanted:
        return {}
    previews = {}
    for batch in store.iter_batches(index, ITEMS, columns=["id", "preview"]):
        for item, preview in zip(batch.column("id").to_pylist(), batch.column("preview").to_pylist(), strict=True):
            if item in wanted:
                previews[item] = preview
    return previews
