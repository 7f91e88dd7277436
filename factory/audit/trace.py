"""One document followed from a mix back to its crawl record, from the store's tables alone.

Each step keeps what the next hop needs: a mix's ``selected`` table names each document's source
and input version; a synthetic row its ``source_id``, recipe version, model, sampling and seed; a
deduplicated row its exact-dedup ``content_key`` and MinHash cluster (the removed copies carry the
same key or cluster id); a filtered row its crawl file (``source_file``), ``record_index`` and
record id (the WARC-Record-ID for WARC input). Only the id column of a table is read until a match.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow.compute as pc

from factory.audit.index import StoreIndex
from factory.audit.rows import find_rows, find_rows_where
from factory.store import InputRef, Manifest

log = logging.getLogger(__name__)
SEARCH_ORDER = ("mixed", "synthetic", "deduped", "filtered")  # where a bare --doc id is looked for (current versions)
TEXT_PREVIEW = 160


class DocumentNotFoundError(LookupError):
    """A document id that the named version (or no current version) holds."""


@dataclass
class Hop:
    manifest: Manifest
    doc_id: str
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {"asset": m.asset, "partition": m.partition, "version": m.version, "doc_id": self.doc_id, **self.facts}


@dataclass
class Step:
    """What one hop found, and where to look next (the first of ``next_manifests`` that holds ``next_id``; none ends the trace)."""

    facts: dict[str, Any]
    next_manifests: list[Manifest] = field(default_factory=list)
    next_id: str = ""
    row: dict[str, Any] = field(default_factory=dict)


def trace_document(index: StoreIndex, doc_id: str, start: Manifest | None = None) -> list[Hop]:
    """The hops from ``start`` (default: the first current version, in SEARCH_ORDER, that holds the id)."""
    manifest = start or find_holder(index, doc_id)
    hops: list[Hop] = []
    row, candidates = {}, [manifest]
    while candidates:
        match = _first_match(index, candidates, doc_id, row)
        if match is None:
            names = ", ".join(m.short for m in candidates)
            if not hops:
                raise DocumentNotFoundError(f"document {doc_id!r} is not in {names}")
            # an upstream rebuilt or pruned since: keep what was found and say where the trail stops
            hops[-1].facts["trail_ends"] = f"{doc_id!r} not found in {names}; see `factory verify` and superseded inputs"
            break
        manifest, step = match
        current = index.current_version(manifest.asset, manifest.partition)
        stale = {} if current == manifest.version else {"superseded": f"the partition's current version is {current or 'none'}"}
        hops.append(Hop(manifest, doc_id, {**step.facts, **stale}))
        if missing := [ref for ref in manifest.inputs if index.manifest(ref.asset, ref.partition, ref.version) is None]:
            hops[-1].facts["missing_inputs"] = [f"{r.asset}[{r.partition}]@{r.version}" for r in missing]
        candidates, doc_id, row = step.next_manifests, step.next_id or doc_id, step.row
    return hops


class AmbiguousDocumentError(LookupError):
    """A bare document id that several current versions of one asset hold (one document in several mixes)."""


def find_holder(index: StoreIndex, doc_id: str) -> Manifest:
    """The one current version, of the first asset in SEARCH_ORDER holding the id; several: the caller must choose."""
    for asset in SEARCH_ORDER:
        holders = [m for m in index.manifests(asset)
                   if index.current_version(m.asset, m.partition) == m.version and _holds(index, m, doc_id)]
        if len(holders) > 1:
            names = ", ".join(m.short for m in holders)
            raise AmbiguousDocumentError(
                f"document {doc_id!r} is in {len(holders)} current versions of {asset}: {names}; name one, e.g. "
                f"factory lineage {asset} {holders[0].partition} --doc {doc_id}")
        if holders:
            return holders[0]
    raise DocumentNotFoundError(f"document {doc_id!r} is in no current version of {', '.join(SEARCH_ORDER)} in "
                                f"{index.store.root_uri}: name the asset and partition that hold it")


def _holds(index: StoreIndex, manifest: Manifest, doc_id: str) -> bool:
    """Kept, removed or rejected: a document dropped by dedup is traced from the step that dropped it."""
    if manifest.asset == "mixed":
        return any(True for _ in find_rows(index, manifest, "selected", "doc_id", doc_id))
    return any(True for table in ("documents", "removed", "rejected") for _ in find_rows(index, manifest, table, "id", doc_id))


def _first_match(index: StoreIndex, candidates: list[Manifest], doc_id: str, row: dict) -> tuple[Manifest, Step] | None:
    for manifest in candidates:
        step = STEPS.get(manifest.asset, _unknown)(index, manifest, doc_id, row)
        if step is not None:
            return manifest, step
    return None


# -- one function per asset: find the document, say what the step recorded, point at the next hop ----------
def _mixed(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    selected = next(find_rows(index, manifest, "selected", "doc_id", doc_id), None)
    if selected is None:
        return None
    sources = manifest.config.get("recipe", {}).get("sources", [])
    source = sources[selected["source"]] if 0 <= selected["source"] < len(sources) else {}
    upstream = [ref for ref in manifest.inputs if ref.version == selected["version"]
                and ref.asset == source.get("asset", ref.asset)]
    facts = {"source": source, "copies": selected.get("copies"), "tokens": selected.get("tokens"),
             "input_version": selected["version"]}
    return Step(facts, _manifests(index, upstream))


def _synthetic(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    found = _in_tables(index, manifest, ["documents", "rejected"], doc_id)
    if found is None:
        return None
    table, doc = found
    facts = {"table": table, "source_id": doc.get("source_id"), "recipe": doc.get("recipe"),
             "recipe_version": doc.get("recipe_version"), "model": doc.get("model"), "sampling": _json(doc.get("sampling")),
             "seed": doc.get("seed"), "tokens": doc.get("tokens"), "text": _preview(doc.get("text")),
             **({"reason": doc["reason"]} if doc.get("reason") else {})}
    return Step(facts, _manifests(index, manifest.inputs), next_id=str(doc.get("source_id") or doc_id), row=doc)


def _deduped(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    found = _kept_or_removed(index, manifest, doc_id)
    if found is None:
        return None
    table, doc, metadata = found
    key = doc.get("content_key") or metadata.get("content_key")
    cluster = doc.get("cluster_id", metadata.get("minhash_cluster_id", -1))
    facts = {"table": table, "kept": table == "documents", "content_key": key, "minhash_cluster_id": cluster,
             "minhash_cluster_size": metadata.get("minhash_cluster_size"), "duplicate_count": metadata.get("duplicate_count", 0),
             "cluster": _cluster(index, manifest, doc_id, key, cluster),
             **({"reason": doc["reason"]} if doc.get("reason") else {})}
    return Step(facts, _chunks_first(index, manifest.inputs, doc.get("source_file")), row=doc)


def _filtered(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    found = _kept_or_removed(index, manifest, doc_id)
    if found is None:
        return None
    table, doc, metadata = found
    facts = {"table": table, "url": doc.get("url"), "source_file": doc.get("source_file"), "record_id": doc.get("id"),
             "record_index": metadata.get("record_index"), "format": metadata.get("format"), "date": metadata.get("date"),
             "language": metadata.get("language"), "tokens": doc.get("tokens"), "text": _preview(doc.get("text")),
             **({"filter": doc["filter"], "reason": doc["reason"]} if doc.get("filter") else {})}
    return Step(facts, _manifests(index, manifest.inputs), row=doc)


def _raw_crawl(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    source_file = row.get("source_file")
    matches = [s for s in manifest.sources if s.url == source_file]
    if source_file and not matches:
        return None
    metadata = _json(row.get("metadata")) or {}
    facts = {"file": vars(matches[0]) if matches else None, "record_index": metadata.get("record_index"), "record_id": doc_id}
    return Step(facts)


def _subset(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    """A step that keeps part of its input's documents (``edu_filtered``, ``semantic_deduped``): the row, kept or
    removed, with what decided it, and the documents input it came from (attribute inputs such as
    ``quality_scores`` are not a hop)."""
    found = _kept_or_removed(index, manifest, doc_id)
    if found is None:
        return None
    table, doc, metadata = found
    facts = {"table": table, "kept": table == "documents", "tokens": doc.get("tokens"), "text": _preview(doc.get("text")),
             **{key: metadata[key] for key in SUBSET_FACTS if key in metadata},
             **({"filter": doc["filter"], "reason": doc["reason"]} if doc.get("filter") else {})}
    return Step(facts, _manifests(index, [ref for ref in manifest.inputs if ref.asset in STEPS]), row=doc)


def _unknown(index: StoreIndex, manifest: Manifest, doc_id: str, row: dict) -> Step | None:
    return Step({"note": f"no document trace for asset {manifest.asset!r}: lineage ends here"})


STEPS: dict[str, Callable[[StoreIndex, Manifest, str, dict], Step | None]] = {
    "mixed": _mixed, "synthetic": _synthetic, "deduped": _deduped, "filtered": _filtered, "raw_crawl": _raw_crawl,
    "edu_filtered": _subset, "semantic_deduped": _subset,
}
SUBSET_FACTS = ("edu_score", "edu_int", "semantic_cluster_id", "category")  # what a subset step recorded in the metadata


def _kept_or_removed(index: StoreIndex, manifest: Manifest, doc_id: str) -> tuple[str, dict, dict] | None:
    """The document's row in a curation version (kept or removed) and its parsed metadata."""
    found = _in_tables(index, manifest, ["documents", "removed"], doc_id)
    if found is None:
        return None
    table, doc = found
    return table, doc, _json(doc.get("metadata")) or {}


def _in_tables(index: StoreIndex, manifest: Manifest, names: list[str], doc_id: str) -> tuple[str, dict] | None:
    for name in names:
        for entry_row in find_rows(index, manifest, name, "id", doc_id):
            return name, entry_row
    return None


def _cluster(index: StoreIndex, manifest: Manifest, doc_id: str, key: str | None, cluster: int | None) -> list[dict[str, Any]]:
    """The other members of the document's exact-dedup key or MinHash cluster, kept or removed. Kept rows hold both
    in their metadata JSON, removed rows in columns as well."""
    patterns = []
    if key:
        patterns.append(f'"content_key": "{re.escape(key)}"')
    if cluster not in (None, -1):
        patterns.append(f'"minhash_cluster_id": {int(cluster)}[,}}]')
    if not patterns:
        return []
    pattern = "|".join(patterns)
    members: dict[str, dict[str, Any]] = {}
    for table in ("documents", "removed"):
        rows = find_rows_where(index, manifest, table, "metadata", lambda values: pc.match_substring_regex(values, pattern),
                               lambda row: re.search(pattern, row.get("metadata") or "") is not None)
        for row in rows:
            if row["id"] != doc_id:
                members.setdefault(row["id"], {"id": row["id"], "table": table, "reason": row.get("reason"), "url": row.get("url")})
    return list(members.values())


def _chunks_first(index: StoreIndex, refs: list[InputRef], source_file: str | None) -> list[Manifest]:
    """The input versions, those whose crawl chunk lists ``source_file`` first: one table read instead of one per chunk."""
    manifests = _manifests(index, refs)

    def lists_file(manifest: Manifest) -> bool:
        crawl = _manifests(index, manifest.inputs)
        return any(s.url == source_file for m in crawl for s in m.sources)
    return sorted(manifests, key=lambda m: not lists_file(m))


def _manifests(index: StoreIndex, refs: list[InputRef]) -> list[Manifest]:
    found = [index.manifest(ref.asset, ref.partition, ref.version) for ref in refs]
    return [m for m in found if m is not None]


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _preview(text: str | None) -> str | None:
    if text is None or len(text) <= TEXT_PREVIEW:
        return text
    return text[:TEXT_PREVIEW] + "..."


def render(hops: list[Hop]):
    """A rich Tree: the mix at the top, the crawl record at the bottom, each hop with what its step recorded."""
    from rich.markup import escape
    from rich.tree import Tree

    tree = branch = None
    for hop in hops:
        m = hop.manifest
        label = f"[bold]{escape(m.short)}[/] id [cyan]{escape(hop.doc_id)}[/]"
        branch = Tree(label) if tree is None else branch.add(label)
        tree = tree or branch
        for key, value in hop.facts.items():
            if value not in (None, "", [], {}):
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                branch.add(f"[dim]{key}:[/] {escape(text)}")
    return tree


def to_json(hops: list[Hop]) -> str:
    return json.dumps({"doc_id": hops[0].doc_id if hops else None, "hops": [h.to_dict() for h in hops]}, indent=2, default=str)
