"""Measured per-document CPU costs, yields and sizes of the curation stages, from a store's manifests.

A real dump is ~90,000 WARC files; the store holds a few measured chunks. What carries over
from one to the other is the cost per document, so every figure here is a ratio of sums over
the current manifests (``raw_crawl``, ``filtered``, ``deduped``, ``mixed``): bytes per record,
CPU-seconds per document, keep rates, tokens and stored bytes per document. A figure the store
has not measured falls back to its named default in ``defaults.py`` and is labelled assumed.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from factory.crawl.records import WARC, file_format
from factory.dedup.config import DedupConfig
from factory.planning import defaults
from factory.planning.defaults import Default
from factory.planning.figures import MEASURED, Figure, assumed, derived, measured
from factory.planning.manifests import count, current_manifests, other_bytes, table_bytes, wall_seconds, workers_used
from factory.store import Manifest, Store

log = logging.getLogger(__name__)
RAW_CRAWL, FILTERED, DEDUPED, MIXED = "raw_crawl", "filtered", "deduped", "mixed"
DOCUMENTS, REMOVED = "documents", "removed"


@dataclass(frozen=True)
class CurationCosts:
    """What one WARC costs and yields through curation, per document, each figure with its provenance."""

    bytes_per_record: Figure
    filtered_cpu_s_per_doc: Figure
    filtered_keep_rate: Figure
    filtered_tokens_per_doc: Figure
    filtered_bytes_per_kept_doc: Figure
    filtered_bytes_per_removed_doc: Figure
    dedup_cpu_s_per_doc: Figure
    dedup_keep_rate: Figure
    dedup_tokens_per_doc: Figure
    dedup_bytes_per_kept_doc: Figure
    dedup_bytes_per_removed_doc: Figure
    dedup_other_bytes_per_doc: Figure
    num_buckets: Figure
    tokenize_cpu_s_per_token: Figure
    notes: tuple[str, ...] = ()

    def figures(self) -> list[Figure]:
        return [getattr(self, f.name) for f in fields(self) if f.name != "notes"]


def measure_curation(store: Store) -> CurationCosts:
    """Every curation cost the store measured, defaults for the rest."""
    filtered, filtered_notes = _filtered_manifests(store)
    deduped = [m for m in current_manifests(store, DEDUPED) if (count(m, "documents_in") or 0) > 0]
    filtered_figures = _filtered_figures(filtered)
    dedup_figures = _dedup_figures(deduped, filtered_figures)
    costs = CurationCosts(
        bytes_per_record=bytes_per_record(current_manifests(store, RAW_CRAWL)),
        **filtered_figures, **dedup_figures,
        tokenize_cpu_s_per_token=tokenize_cost(store, current_manifests(store, MIXED)),
        notes=(*filtered_notes, _workers_note()),
    )
    costs = replace(costs, notes=(*costs.notes, *_plausibility_notes(costs)))
    for figure in costs.figures():
        log.debug("%s = %s %s (%s)", figure.name, figure.value, figure.unit, figure.label)
    return costs


# -- raw_crawl --------------------------------------------------------------------------------
def bytes_per_record(raw: Sequence[Manifest]) -> Figure:
    """Compressed WARC bytes per HTML response, over the WARC files whose records were counted.

    Listing-only indexes (records null) and JSONL/WET files say nothing about a WARC and are skipped.
    """
    size = records = 0
    used = 0
    for manifest in raw:
        pairs = _warc_sizes(manifest)
        if pairs:
            used += 1
            size += sum(s for s, _ in pairs)
            records += sum(r for _, r in pairs)
    if not used or not records:
        return _default("bytes_per_record", defaults.BYTES_PER_RECORD,
                        "no raw_crawl partition counted the records of a WARC")
    return measured("bytes_per_record", size / records, "B/record", used,
                    f"{size:,} compressed WARC bytes over {records:,} HTML responses "
                    "(raw_crawl sources of format warc)")


def _warc_sizes(manifest: Manifest) -> list[tuple[int, int]]:
    """(bytes, records) of each counted WARC file of a raw_crawl version; its counts when it lists no sources."""
    if manifest.sources:
        return [(s.size, s.records) for s in manifest.sources
                if (s.format or file_format(s.url)) == WARC and s.records and s.size]
    records, size = count(manifest, "records"), count(manifest, "bytes")
    return [(size, records)] if records and size else []


# -- filtered ---------------------------------------------------------------------------------
def _filtered_manifests(store: Store) -> tuple[list[Manifest], list[str]]:
    """The measured filtered partitions, preferring those whose crawl input was only WARC files.

    Text dumps (JSONL, WET) skip HTML extraction, the dearest step, so they understate a WARC's cost:
    they are used only when no WARC partition was measured, and the plan says so.
    """
    usable = [m for m in current_manifests(store, FILTERED) if (count(m, "documents_in") or 0) > 0 and wall_seconds(m)]
    cache: dict[tuple[str, str], Manifest | None] = {}
    warc = [m for m in usable if input_formats(store, m, cache) == {WARC}]
    if warc or not usable:
        return warc, []
    formats = sorted({fmt for m in usable for fmt in input_formats(store, m, cache)})
    note = (f"no filtered partition read only WARC files; its costs come from {len(usable)} partitions of "
            f"{', '.join(formats)} input, which skip HTML extraction and understate a WARC's CPU cost")
    log.warning(note)
    return usable, [note]


def input_formats(store: Store, manifest: Manifest, cache: dict[tuple[str, str], Manifest | None]) -> set[str]:
    """Formats of the crawl files behind a filtered version, from its raw_crawl input's manifest."""
    formats: set[str] = set()
    for ref in manifest.inputs:
        if ref.asset != RAW_CRAWL:
            continue
        key = (ref.partition, ref.version)
        if key not in cache:
            cache[key] = store.read_manifest(ref.asset, ref.partition, ref.version)
        raw = cache[key]
        if raw is None or not raw.sources:
            formats.add("unknown")
            continue
        formats.update(s.format or file_format(s.url) or "unknown" for s in raw.sources)
    return formats or {"unknown"}


def _filtered_figures(manifests: Sequence[Manifest]) -> dict[str, Figure]:
    n = len(manifests)
    docs_in = sum(count(m, "documents_in") or 0 for m in manifests)
    kept = sum(count(m, "documents") or 0 for m in manifests)
    tokens = sum(count(m, "tokens") or 0 for m in manifests)
    cpu_s = sum(wall_seconds(m) * workers_used(m, count_tasks(m)) for m in manifests)
    kept_bytes = sum(table_bytes(m, DOCUMENTS) for m in manifests)
    removed_bytes = sum(table_bytes(m, REMOVED) for m in manifests)
    return {
        "filtered_cpu_s_per_doc": _ratio(
            "filtered_cpu_s_per_doc", cpu_s, docs_in, n, defaults.FILTERED_CPU_S_PER_DOC,
            f"{cpu_s:,.1f} CPU-s (wall_s x workers used) over {docs_in:,} input documents"),
        "filtered_keep_rate": _ratio("filtered_keep_rate", kept, docs_in, n, defaults.FILTERED_KEEP_RATE,
                                     f"{kept:,} of {docs_in:,} documents kept"),
        "filtered_tokens_per_doc": _ratio("filtered_tokens_per_doc", tokens, kept, n, defaults.TOKENS_PER_KEPT_DOC,
                                          f"{tokens:,} SmolLM2 tokens over {kept:,} kept documents"),
        "filtered_bytes_per_kept_doc": _ratio(
            "filtered_bytes_per_kept_doc", kept_bytes, kept, n, defaults.BYTES_PER_KEPT_DOC,
            f"{kept_bytes:,} B of documents/ files over {kept:,} kept documents"),
        "filtered_bytes_per_removed_doc": _ratio(
            "filtered_bytes_per_removed_doc", removed_bytes, docs_in - kept, n, defaults.BYTES_PER_REMOVED_DOC,
            f"{removed_bytes:,} B of removed/ files over {docs_in - kept:,} removed documents"),
    }


def count_tasks(manifest: Manifest) -> int | None:
    tasks = (manifest.operational or {}).get("tasks")
    return int(tasks) if isinstance(tasks, int) and tasks > 0 else None


# -- deduped ----------------------------------------------------------------------------------
def _dedup_figures(manifests: Sequence[Manifest], filtered: dict[str, Figure]) -> dict[str, Figure]:
    """Dedup costs per input (filtered, kept) document; sizes fall back on the filtered tables' (same schema)."""
    n = len(manifests)
    docs_in = sum(count(m, "documents_in") or 0 for m in manifests)
    kept = sum(count(m, "documents") or 0 for m in manifests)
    tokens = sum(count(m, "tokens") or 0 for m in manifests)
    timed = [m for m in manifests if wall_seconds(m)]
    cpu_s = sum(wall_seconds(m) * workers_used(m, _signature_tasks(m)) for m in timed)
    timed_docs = sum(count(m, "documents_in") or 0 for m in timed)
    kept_bytes = sum(table_bytes(m, DOCUMENTS) for m in manifests)
    removed_bytes = sum(table_bytes(m, REMOVED) for m in manifests)
    rest = sum(other_bytes(m, (DOCUMENTS, REMOVED)) for m in manifests)
    return {
        "dedup_cpu_s_per_doc": _ratio(
            "dedup_cpu_s_per_doc", cpu_s, timed_docs, len(timed), defaults.DEDUP_CPU_S_PER_DOC,
            f"{cpu_s:,.1f} CPU-s (wall_s x workers used, all 4 MinHash stages and exact dedup) "
            f"over {timed_docs:,} input documents"),
        "dedup_keep_rate": _ratio("dedup_keep_rate", kept, docs_in, n, defaults.DEDUP_KEEP_RATE,
                                  f"{kept:,} of {docs_in:,} documents kept by exact + MinHash dedup"),
        "dedup_tokens_per_doc": _ratio("dedup_tokens_per_doc", tokens, kept, n, filtered["filtered_tokens_per_doc"],
                                       f"{tokens:,} tokens over {kept:,} deduplicated documents"),
        "dedup_bytes_per_kept_doc": _ratio(
            "dedup_bytes_per_kept_doc", kept_bytes, kept, n, filtered["filtered_bytes_per_kept_doc"],
            f"{kept_bytes:,} B of documents/ files over {kept:,} documents"),
        "dedup_bytes_per_removed_doc": _ratio(
            "dedup_bytes_per_removed_doc", removed_bytes, docs_in - kept, n, filtered["filtered_bytes_per_removed_doc"],
            f"{removed_bytes:,} B of removed/ files over {docs_in - kept:,} duplicates"),
        "dedup_other_bytes_per_doc": _ratio(
            "dedup_other_bytes_per_doc", rest, docs_in, n, defaults.DEDUP_OTHER_BYTES_PER_DOC,
            f"{rest:,} B of MinHash index and cluster files over {docs_in:,} input documents"),
        "num_buckets": _num_buckets(manifests),
    }


def _signature_tasks(manifest: Manifest) -> int:
    """The dedup's widest stages (signatures, filter) run one task per filtered chunk it read."""
    return max(1, sum(1 for ref in manifest.inputs if ref.asset == FILTERED))


def _num_buckets(manifests: Sequence[Manifest]) -> Figure:
    configured = Counter(m.config.get("num_buckets") for m in manifests if isinstance(m.config.get("num_buckets"), int))
    if configured:
        value, partitions = configured.most_common(1)[0]
        return measured("num_buckets", value, "tasks", partitions, "num_buckets of the deduped versions' config")
    default = DedupConfig().num_buckets
    return assumed("num_buckets", default, "tasks",
                   f"DedupConfig default num_buckets = {default} (FineWeb: 14 x 8 hashes)")


# -- mixed ------------------------------------------------------------------------------------
def tokenize_cost(store: Store, manifests: Sequence[Manifest]) -> Figure:
    """CPU-seconds per mixed token: sampling, tokenizing and writing the shards of a mix.

    A mix run by datatrove (its manifest records an executor) ran one task per input shard, so
    its CPU time is wall_s x min(workers, input shards); an older mix ran in one process.
    """
    timed = [m for m in manifests if wall_seconds(m) and (count(m, "tokens") or 0) > 0]
    seconds = sum(wall_seconds(m) * _mix_workers(store, m) for m in timed)
    tokens = sum(count(m, "tokens") for m in timed)
    return _ratio("tokenize_cpu_s_per_token", seconds, tokens, len(timed), defaults.TOKENIZE_CPU_S_PER_TOKEN,
                  f"{seconds:,.1f} CPU-s (wall_s x workers used) over {tokens:,} mixed tokens")


def _mix_workers(store: Store, manifest: Manifest) -> int:
    if not any(key.startswith("executor_") for key in manifest.operational or {}):
        return 1
    sources = [store.read_manifest(ref.asset, ref.partition, ref.version) for ref in manifest.inputs]
    shards = sum(len(m.files_under(DOCUMENTS)) for m in sources if m is not None)
    documents = sum(count(m, "documents") or 0 for m in sources if m is not None)
    return workers_used(manifest, shards or None, documents)


# -- helpers ----------------------------------------------------------------------------------
def _ratio(name: str, numerator: float, denominator: float, partitions: int, fallback: Default | Figure,
           basis: str) -> Figure:
    """numerator / denominator as measured over ``partitions``; else the fallback: a named default, or the
    figure of an earlier stage whose tables share the schema (then derived from it)."""
    unit = fallback.unit
    if partitions and denominator > 0:
        return measured(name, numerator / denominator, unit, partitions, basis)
    if isinstance(fallback, Figure):
        return derived(name, fallback.value, unit, [fallback],
                       f"not measured in this store; taken as {fallback.name} (the tables share their schema)")
    return _default(name, fallback, "not measured in this store")


def _default(name: str, default: Default, why: str) -> Figure:
    return assumed(name, default.value, default.unit, f"{why}; default: {default.basis}")


def _plausibility_notes(costs: CurationCosts) -> list[str]:
    """Warn when the measured WARCs do not look like Common Crawl's: every count of the plan scales with them."""
    figure, nominal = costs.bytes_per_record, defaults.BYTES_PER_RECORD.value
    if figure.kind != MEASURED or nominal / 3 <= figure.value <= nominal * 3:
        return []
    factor = max(figure.value / nominal, nominal / figure.value)
    side = "below" if figure.value < nominal else "above"
    return [f"bytes_per_record measured at {figure.value:,.0f} B is {factor:,.0f}x {side} Common Crawl's nominal "
            f"~{nominal:,.0f} B per HTML response: the measured WARCs do not look like Common Crawl's, so records per "
            "file and every count after it may be off by that factor; measure a chunk of the real dump to fix it"]


def _workers_note() -> str:
    return ("CPU-seconds of a datatrove step = wall_s x min(executor_workers, tasks) from its manifest's operational "
            "record (1 when it ran in process; executor_workers 0 taken as this machine's "
            f"{os.cpu_count() or 1} cores, "
            "since the manifest does not record the measuring machine's): every worker is counted busy for the whole "
            "wall time, so CPU costs are upper bounds")
