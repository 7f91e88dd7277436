"""The ``deduped`` step: every chunk of a dump's ``filtered`` output, exact- then MinHash-deduplicated.

The version names the current ``filtered`` version of every chunk (and the ``deduped`` versions
of the earlier dumps it is deduplicated against) as inputs. It holds ``documents`` (one per
cluster, with ``minhash_cluster_id``/``minhash_cluster_size`` in their metadata), ``removed/exact``,
``removed/minhash`` (reason ``near_duplicate`` or ``earlier_dump``, with the cluster id),
``clusters`` (cluster id, size, kept document), and ``minhash_index/``: this dump's signature
index, which later dumps can dedup against.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import shutil
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa

from factory import settings
from factory.crawl.index import ASSET as RAW_CRAWL
from factory.curation.executors import ExecutorSpec
from factory.curation.outputs import read_jsonl_folder
from factory.curation.step import ASSET as FILTERED
from factory.dedup.config import DedupConfig, DedupConfigError
from factory.dedup.exact import exact_duplicates
from factory.dedup.minhash import INDEX, INDEX_NAME, INPUT, KEPT, REMOVED, run_minhash
from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, dump_partition
from factory.steps import StepResult, reuse_committed
from factory.store import Store, VersionNotFoundError
from factory.store.manifest import Manifest

log = logging.getLogger(__name__)
ASSET = "deduped"
CODE_VERSION = "1"
INDEX_PREFIX = "minhash_index"
REMOVED_SCHEMA = DOCUMENT_SCHEMA.append(pa.field("reason", pa.string())).append(pa.field("duplicate_of", pa.string())).append(
    pa.field("cluster_id", pa.int64()))
CLUSTER_SCHEMA = pa.schema([("cluster_id", pa.int64()), ("size", pa.int64()), ("kept_id", pa.string()), ("removed", pa.int64())])
ROW = "_row"  # where a document's columns ride through datatrove's metadata
ORDER = "dedup_index"


def dedup_dump(store: Store, dump: str, chunks: list[str], config: DedupConfig, executor: ExecutorSpec | None = None,
               run_id: str | None = None, work_root: Path | None = None) -> StepResult:
    executor = executor or ExecutorSpec()
    chunks = crawled_chunks(store, dump, chunks)
    if not chunks:
        raise VersionNotFoundError(f"no chunk of dump {dump!r} has a raw_crawl version in {store.root_uri}: "
                                   "materialize raw_crawl and filtered for its chunks first")
    filtered = [store.require_current(FILTERED, {"dump": dump, "chunk": chunk}) for chunk in chunks]
    earlier = [_earlier_index(store, other, config) for other in config.against_dumps]
    writer = store.writer(ASSET, dump_partition(dump), code_version=CODE_VERSION, config=config.to_dict(),
                          inputs=[store.input_ref(m) for m in filtered + earlier], operational=executor.operational(), run_id=run_id)
    if reused := reuse_committed(store, writer):
        return reused
    started = time.time()
    rows = [row for manifest in filtered for row in store.read_table(manifest, DOCUMENTS).to_pylist()]
    exact = exact_duplicates(rows) if config.exact else {}
    unique = [(index, row) for index, row in enumerate(rows) if index not in exact]
    work = (work_root or settings.home() / "work") / ASSET / writer.partition / writer.version
    shutil.rmtree(work, ignore_errors=True)
    kept, removed_minhash, pair_counts = [row for _, row in unique], [], {}
    if config.minhash and len(unique) > 1:
        files = _write_inputs(work / INPUT, unique, rows, filtered)
        for i, manifest in enumerate(earlier):
            _fetch_index(store, manifest, work / INDEX, f"earlier{i}")
        small = len(unique) < executor.min_documents_per_task and executor.kind == "local"
        pair_counts = run_minhash(config, work, files, dataclasses.replace(executor, workers=1) if small else executor,
                                  f"deduped[{dump}]")
        kept = _restore(read_jsonl_folder_ordered(work / KEPT))
        removed_minhash = _restore(read_jsonl_folder_ordered(work / REMOVED))
    tables = _tables(rows, exact, kept, removed_minhash)
    with writer.part(0) as part:
        for name, table in tables.items():
            part.write_table(name, table)
        for path in sorted((work / INDEX).glob(f"bucket_*/{INDEX_NAME}_*.minhash.index")):
            part.put_file(str(path), f"{INDEX_PREFIX}/{path.parent.name}/{path.name}")
        part.count(documents_in=len(rows), documents=tables[DOCUMENTS].num_rows,
                   tokens_in=sum(r["tokens"] for r in rows), tokens=sum(tables[DOCUMENTS].column("tokens").to_pylist()),
                   removed_exact=len(exact), removed_minhash=len(removed_minhash))
    manifest = writer.commit(stats={**_stats(tables, filtered, config, time.time() - started), "candidate_pairs": pair_counts})
    shutil.rmtree(work, ignore_errors=True)
    log.info("deduped %s: %d of %d documents kept (%d exact, %d near duplicates removed)", dump,
             tables[DOCUMENTS].num_rows, len(rows), len(exact), len(removed_minhash))
    return StepResult(manifest, reused=False)


def crawled_chunks(store: Store, dump: str, chunks: list[str]) -> list[str]:
    """The chunks of ``dump`` the crawl indexed (a chunk without crawl files never gets a raw_crawl version)."""
    return [chunk for chunk in chunks if store.current(RAW_CRAWL, {"dump": dump, "chunk": chunk}) is not None]


def _earlier_index(store: Store, dump: str, config: DedupConfig) -> Manifest:
    manifest = store.require_current(ASSET, dump_partition(dump))
    theirs = {key: manifest.config.get(key) for key in config.minhash_settings}
    if theirs != config.minhash_settings:
        raise DedupConfigError(f"cannot dedup against {manifest.short}: its MinHash settings {theirs} differ from "
                               f"{config.minhash_settings}; re-materialize deduped[{dump}] with the same settings")
    return manifest


def _fetch_index(store: Store, manifest: Manifest, index_dir: Path, name: str) -> None:
    base = store.version_dir(manifest.asset, manifest.partition, manifest.version)
    for entry in manifest.files_under(INDEX_PREFIX):
        bucket, filename = entry.path.split("/")[-2:]
        target = index_dir / bucket / filename.replace(f"{INDEX_NAME}_", f"{name}_", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(store.get(f"{base}/{entry.path}"))


def _write_inputs(folder: Path, unique: list[tuple[int, dict]], rows: list[dict], filtered: list[Manifest]) -> int:
    """One JSONL file per chunk (datatrove gives file i to task i); returns the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    by_chunk: dict[str, list[str]] = {}
    boundaries, start = [], 0
    for manifest in filtered:
        count = manifest.counts.get("documents", 0)
        boundaries.append((start, start + count, manifest.partition))
        start += count
    for index, row in unique:
        chunk = next(label for lo, hi, label in boundaries if lo <= index < hi).replace("/", "_").replace("=", "-")
        meta = {ROW: {k: v for k, v in row.items() if k != "text"}, ORDER: index}
        by_chunk.setdefault(chunk, []).append(json.dumps({"id": row["id"], "text": row["text"], "metadata": meta}))
    for i, (chunk, lines) in enumerate(sorted(by_chunk.items())):
        with gzip.open(folder / f"{i:05d}_{chunk}.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return len(by_chunk)


def read_jsonl_folder_ordered(folder: Path) -> list[dict]:
    rows = read_jsonl_folder(folder)
    rows.sort(key=lambda row: row["metadata"][ORDER])
    return rows


def _restore(rows: list[dict]) -> list[dict]:
    """Documents back in the table's shape, the cluster id and size merged into their metadata."""
    restored = []
    for row in rows:
        meta = row["metadata"]
        doc = dict(meta[ROW], text=row.get("text", ""))
        extra = json.loads(doc.get("metadata") or "{}")
        extra.update(minhash_cluster_id=meta.get("minhash_cluster_id", -1), minhash_cluster_size=meta.get("minhash_cluster_size", 1))
        doc["metadata"] = json.dumps(extra, sort_keys=True)
        restored.append(doc)
    return restored


def _tables(rows: list[dict], exact: dict[int, int], kept: list[dict], removed: list[dict]) -> dict[str, pa.Table]:
    cluster_of = lambda doc: int(json.loads(doc["metadata"]).get("minhash_cluster_id", -1))  # noqa: E731
    kept_by_cluster = {cluster_of(doc): doc["id"] for doc in kept if cluster_of(doc) >= 0}
    removed_by_cluster = Counter(cluster_of(doc) for doc in removed)
    exact_rows = [dict(rows[i], reason="exact_duplicate", duplicate_of=rows[j]["id"], cluster_id=-1) for i, j in sorted(exact.items())]
    minhash_rows = []
    for doc in removed:
        cluster = cluster_of(doc)
        kept_id = kept_by_cluster.get(cluster)
        minhash_rows.append(dict(doc, reason="near_duplicate" if kept_id else "earlier_dump", duplicate_of=kept_id or "", cluster_id=cluster))
    sizes = Counter({cluster: count for cluster, count in removed_by_cluster.items()})
    clusters = [{"cluster_id": c, "size": sizes[c] + (1 if c in kept_by_cluster else 0), "kept_id": kept_by_cluster.get(c, ""),
                 "removed": sizes[c]} for c in sorted(set(sizes) | set(kept_by_cluster))]
    return {
        DOCUMENTS: pa.Table.from_pylist(kept, schema=DOCUMENT_SCHEMA),
        "removed/exact": pa.Table.from_pylist(exact_rows, schema=REMOVED_SCHEMA),
        "removed/minhash": pa.Table.from_pylist(minhash_rows, schema=REMOVED_SCHEMA),
        "clusters": pa.Table.from_pylist(clusters, schema=CLUSTER_SCHEMA),
    }


def _stats(tables: dict[str, pa.Table], filtered: list[Manifest], config: DedupConfig, seconds: float) -> dict:
    removed = tables["removed/minhash"]
    reasons = Counter(removed.column("reason").to_pylist()) if removed.num_rows else Counter()
    pairs = []
    docs = {row["id"]: row for row in tables[DOCUMENTS].to_pylist()}
    for row in removed.slice(0, 3).to_pylist() + tables["removed/exact"].slice(0, 2).to_pylist():
        pairs.append({"removed_id": row["id"], "removed_url": row["url"], "reason": row["reason"], "kept_id": row["duplicate_of"],
                      "kept_url": docs.get(row["duplicate_of"], {}).get("url", ""), "text": row["text"][:300]})
    return {
        "chunks": {m.partition: {"version": m.version, "documents": m.counts.get("documents", 0)} for m in filtered},
        "removed": {"exact_duplicate": tables["removed/exact"].num_rows, **dict(reasons)},
        "clusters": tables["clusters"].num_rows,
        "against_dumps": list(config.against_dumps),
        "samples": pairs,
        "seconds": round(seconds, 2),
    }
