"""The lineage of synthetic documents: the source document each one rephrases, found in the version that fed it.

A ``synthetic`` row carries ``source_id``, ``recipe``, ``recipe_version``, ``model`` (see
``factory.generation.rows.LINEAGE_FIELDS``); its manifest's ``inputs`` name the exact documents version it was
generated from (``deduped``). The sources are looked up there, streaming ``id`` and ``text`` and keeping only
a snippet of the wanted ids, so a reviewer sees what the model was given next to what it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from factory.documents import DOCUMENTS
from factory.inspection.document import SourceDocument, SyntheticLineage
from factory.inspection.rows import iter_columns
from factory.store import Manifest, Store

LINEAGE_COLUMNS = ("source_id", "recipe", "recipe_version", "model")
PREFERRED_SOURCE = "deduped"
FAITHFULNESS_FIELDS = ("faithfulness", "source_similarity", "supported_share")  # factory.generation.faithfulness


def is_synthetic(row: dict[str, Any]) -> bool:
    return bool(row.get("source_id"))


def source_documents(store: Store, manifest: Manifest, source_ids: Iterable[str],
                     snippet_chars: int) -> dict[str, SourceDocument]:
    """The source documents of ``source_ids`` from the documents versions ``manifest`` names as inputs
    (``deduped`` first); ids found in none are left out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    needed = set(source_ids)
    found: dict[str, SourceDocument] = {}
    inputs = sorted(manifest.inputs, key=lambda ref: ref.asset != PREFERRED_SOURCE)
    for ref in inputs:
        source = store.read_manifest(ref.asset, ref.partition, ref.version)
        if source is None or len(found) >= len(needed):
            continue
        wanted = pa.array(sorted(needed - set(found)), type=pa.string())
        for entry in source.files_under(DOCUMENTS):
            for batch in iter_columns(store, source, entry, ["id", "text"]):
                hits = batch.filter(pc.is_in(batch["id"].cast(pa.string()), value_set=wanted))
                for doc_id, text in zip(hits["id"].to_pylist(), hits["text"].to_pylist(), strict=True):
                    text = text or ""
                    snippet = text if len(text) <= snippet_chars else text[:snippet_chars].rstrip() + " …"
                    found.setdefault(doc_id, SourceDocument(doc_id, snippet, source.short))
            if len(found) >= len(needed):
                break
    return found


def lineage_of(row: dict[str, Any], sources: dict[str, SourceDocument]) -> SyntheticLineage:
    source_id = str(row["source_id"])
    version = row.get("recipe_version")
    measures = json.loads(row.get("metadata") or "{}")
    faithfulness = {k: measures[k] for k in FAITHFULNESS_FIELDS if k in measures} or None
    return SyntheticLineage(source=sources.get(source_id, SourceDocument(source_id)), recipe=str(row.get("recipe") or ""),
                            recipe_version=int(version) if version is not None else None,
                            model=str(row.get("model") or ""), faithfulness=faithfulness)
