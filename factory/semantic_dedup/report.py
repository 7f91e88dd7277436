"""What the driver reads back for the manifest's stats: per-cluster counts and a few removed pairs.

Bounded reads only: one row per cluster (``clusters`` of them), and for each sample the one row
group of an input shard that holds the removed document and the one that holds its twin.
"""

from __future__ import annotations

import json
from typing import Any

from factory.semantic_dedup.scratch import Scratch
from factory.store import Store

TOP_CLUSTERS = 50
COUNT_COLUMNS = ("size", "kept", "removed_semantic", "removed_prototypical")
TEXT_CHARS = 300


def cluster_stats(store: Store, work_dir: str, scratch: Scratch) -> dict[str, Any]:
    """The ``TOP_CLUSTERS`` largest clusters, largest first, and totals over every cluster."""
    import pyarrow.parquet as pq

    rows: list[dict[str, int]] = []
    for path in store.glob(f"{work_dir}/{scratch.base}/clusters/*.parquet"):
        with store.fs.open(path, "rb") as handle:
            rows.extend(pq.read_table(handle).to_pylist())
    totals = {key: sum(row[key] for row in rows) for key in COUNT_COLUMNS}
    largest = sorted(rows, key=lambda row: (-row["size"], row["cluster_id"]))[:TOP_CLUSTERS]
    return {"clusters": len(rows), "totals": totals, "largest": largest}


def removed_samples(store: Store, work_dir: str, scratch: Scratch, shards: list[str],
                    count: int = 3) -> list[dict[str, Any]]:
    """Up to ``count`` removed duplicates with the start of their text and of the text they duplicate."""
    pairs: list[dict[str, Any]] = []
    for path in store.glob(f"{work_dir}/{scratch.base}/samples/*.json"):
        pairs.extend(json.loads(store.get(path)))
        if len(pairs) >= count:
            break
    samples = []
    for pair in pairs[:count]:
        text = _text_at(store, shards[pair["shard"]], pair["row"], pair["id"])
        twin = _text_at(store, shards[pair["duplicate_shard"]], pair["duplicate_row"], pair["duplicate_of"])
        samples.append({"id": pair["id"], "duplicate_of": pair["duplicate_of"], "similarity": pair["similarity"],
                        "cluster_id": pair["cluster_id"], "text": text[:TEXT_CHARS],
                        "duplicate_text": twin[:TEXT_CHARS]})
    return samples


def _text_at(store: Store, shard: str, row: int, doc_id: str) -> str:
    """The text of document ``doc_id``, row ``row`` of an input shard (relative to the store root) as the reader
    numbers them: its row group is read first; if the reader skipped rows (empty texts), the shard is scanned."""
    import pyarrow.parquet as pq

    with store.fs.open(f"{store.root}/{shard}", "rb") as handle:
        parquet = pq.ParquetFile(handle)
        start = 0
        for group in range(parquet.num_row_groups):
            rows = parquet.metadata.row_group(group).num_rows
            if start <= row < start + rows:
                table = parquet.read_row_group(group, columns=["id", "text"])
                if table.column("id")[row - start].as_py() == doc_id:
                    return table.column("text")[row - start].as_py()
            start += rows
        for batch in parquet.iter_batches(batch_size=1024, columns=["id", "text"]):
            for found, text in zip(batch.column("id").to_pylist(), batch.column("text").to_pylist(), strict=True):
                if found == doc_id:
                    return text
    return ""
