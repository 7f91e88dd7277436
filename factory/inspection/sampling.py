"""A uniform random sample of a documents version, read without holding the version in memory.

Without filters, the sample is drawn from the row counts alone (the manifest's, else the Parquet footers') and
only the chosen rows are read, from the row groups that hold them. With a category or a minimum score, one pass
streams just ``id`` and ``metadata`` (one shard at a time, and that shard's aligned attribute scores when the
score is not in the metadata) and keeps a reservoir of ``n`` matching positions (Algorithm R: every matching
document has the same chance); then only those rows are read in full. The same seed gives the same sample.
"""

from __future__ import annotations

import bisect
import json
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from factory.documents import DOCUMENTS
from factory.inspection.document import InspectedDocument
from factory.inspection.rows import iter_columns, read_rows, shard_rows
from factory.inspection.scores import AttributeScores
from factory.inspection.synthetic import is_synthetic, lineage_of, source_documents
from factory.inspection.target import check_category, documents_version
from factory.store import FileEntry, Manifest, Store

SNIPPET_CHARS = 200  # of a synthetic document's source
METADATA_SCORE = "metadata"


@dataclass(frozen=True)
class _Pick:
    shard: int
    row: int


def sample_documents(store: Store, asset: str, partition: str | Mapping[str, str] | None, n: int, seed: int | None,
                     category: str | None = None, score_min: float | None = None,
                     snippet_chars: int = SNIPPET_CHARS) -> list[InspectedDocument]:
    """Up to ``n`` documents of the current version of ``asset[partition]``, drawn uniformly with ``seed``, among
    those of ``category`` (any case) with an edu score of at least ``score_min`` (documents without a score fail it)."""
    if n <= 0:
        raise ValueError(f"n must be > 0, got {n}")
    category = check_category(category)
    manifest = documents_version(store, asset, partition)
    entries = manifest.files_under(DOCUMENTS)
    rng = random.Random(seed)
    scores = AttributeScores(store, manifest)
    if category is None and score_min is None:
        picks = _by_row_counts(store, manifest, entries, n, rng)
    else:
        picks = _reservoir(store, manifest, entries, n, rng, category, score_min, scores)
    rng.shuffle(picks)
    return _assemble(store, manifest, entries, picks, scores, snippet_chars)


def metadata_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's ``metadata`` JSON as a dict ({} when absent or unreadable: such a document is simply unclassified)."""
    try:
        parsed = json.loads(row.get("metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def metadata_score(metadata: Mapping[str, Any]) -> float | None:
    try:
        return float(metadata["edu_score"]) if metadata.get("edu_score") is not None else None
    except (TypeError, ValueError):
        return None


def _by_row_counts(store: Store, manifest: Manifest, entries: list[FileEntry], n: int, rng: random.Random) -> list[_Pick]:
    ends, total = [], 0
    for entry in entries:
        total += shard_rows(store, manifest, entry)
        ends.append(total)
    picks = []
    for position in sorted(rng.sample(range(total), min(n, total))):
        shard = bisect.bisect_right(ends, position)
        picks.append(_Pick(shard, position - (ends[shard - 1] if shard else 0)))
    return picks


def _reservoir(store: Store, manifest: Manifest, entries: list[FileEntry], n: int, rng: random.Random,
               category: str | None, score_min: float | None, scores: AttributeScores) -> list[_Pick]:
    chosen: list[_Pick] = []
    seen = 0
    for shard, entry in enumerate(entries):
        matching: list[tuple[int, str, float | None]] = []  # (row, id, score from metadata) of this shard
        row = 0
        for batch in iter_columns(store, manifest, entry, ["id", "metadata"]):
            texts = batch["metadata"].to_pylist() if "metadata" in batch.column_names else [None] * batch.num_rows
            for doc_id, text in zip(batch["id"].to_pylist(), texts, strict=True):
                metadata = metadata_of({"metadata": text})
                if category is None or metadata.get("category") == category:
                    matching.append((row, str(doc_id), metadata_score(metadata)))
                row += 1
        joined: dict[str, float] = {}
        if score_min is not None:
            joined = scores.lookup((doc_id for _, doc_id, score in matching if score is None), entry.path)
        for row, doc_id, score in matching:
            score = score if score is not None else joined.get(doc_id)
            if score_min is not None and (score is None or score < score_min):
                continue
            if seen < n:
                chosen.append(_Pick(shard, row))
            elif (slot := rng.randrange(seen + 1)) < n:
                chosen[slot] = _Pick(shard, row)
            seen += 1
    return chosen


def _assemble(store: Store, manifest: Manifest, entries: list[FileEntry], picks: list[_Pick], scores: AttributeScores,
              snippet_chars: int) -> list[InspectedDocument]:
    by_shard: dict[int, list[int]] = defaultdict(list)
    for pick in picks:
        by_shard[pick.shard].append(pick.row)
    rows = {(shard, row): found for shard, positions in by_shard.items()
            for row, found in read_rows(store, manifest, entries[shard], positions).items()}
    metadata = {key: metadata_of(row) for key, row in rows.items()}
    joined: dict[str, float] = {}
    for shard, positions in by_shard.items():
        unscored = [str(rows[shard, row]["id"]) for row in positions if metadata_score(metadata[shard, row]) is None]
        joined.update(scores.lookup(unscored, entries[shard].path))
    source_ids = {str(row["source_id"]) for row in rows.values() if is_synthetic(row)}
    sources = source_documents(store, manifest, source_ids, snippet_chars) if source_ids else {}
    documents = []
    for pick in picks:
        row, meta = rows[pick.shard, pick.row], metadata[pick.shard, pick.row]
        doc_id, score = str(row["id"]), metadata_score(meta)
        source = METADATA_SCORE if score is not None else (scores.source if doc_id in joined else None)
        documents.append(InspectedDocument(
            id=doc_id, text=row.get("text") or "", url=row.get("url") or "", source_file=row.get("source_file") or "",
            asset=manifest.asset, partition=manifest.partition, version=manifest.version,
            category=meta.get("category"), edu_score=score if score is not None else joined.get(doc_id),
            score_source=source, synthetic=lineage_of(row, sources) if is_synthetic(row) else None))
    return documents
