"""The ``deduped`` step: every chunk of a dump's ``filtered`` output, exact- then MinHash-deduplicated.

The version names the current ``filtered`` version of every chunk (and the ``deduped`` versions
of the earlier dumps it is deduplicated against) as inputs. It holds ``documents`` (one per
cluster, with ``content_key`` and ``minhash_cluster_id``/``minhash_cluster_size`` in their
metadata), ``removed/exact``, ``removed/minhash`` (reason ``near_duplicate`` or ``earlier_dump``,
with the cluster id), and ``minhash_index/``: this dump's signature index, which later dumps
can dedup against.

The stages run as datatrove executors whose tasks read the filtered shards from the store and
write into this version's folder (``factory.dedup.pipeline``); the driver writes the input list,
copies earlier dumps' index files (store to store), and commits from the part markers and the
stages' stats, so its memory does not depend on the dump's size.
"""

from __future__ import annotations

import logging
import time

from factory.crawl.index import ASSET as RAW_CRAWL
from factory.categories.counter import category_summary
from factory.curation.executors import ExecutorSpec, run_stages, stage_totals
from factory.curation.step import ASSET as FILTERED
from factory.dedup.config import DedupConfig, DedupConfigError
from factory.dedup.inputs import document_shards
from factory.dedup.outputs import REMOVED_EXACT, REMOVED_MINHASH
from factory.dedup.pipeline import INDEX_NAME, INDEX_PREFIX, WORK, DedupLayout, build_stages
from factory.documents import DOCUMENTS, dump_partition
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionNotFoundError, VersionWriter
from factory.store.sample_rows import first_rows
from factory.store.writer import LOGS_DIR

log = logging.getLogger(__name__)
STEP = Step("deduped", code_version="2", libraries=("datatrove",))  # 2: datatrove exact dedup, stages in the store, no clusters table
ASSET = STEP.asset


def dedup_dump(store: Store, dump: str, chunks: list[str], config: DedupConfig, executor: ExecutorSpec | None = None,
               run_id: str | None = None) -> StepResult:
    executor = executor or ExecutorSpec()
    plan = plan_dump(store, dump, chunks, config)
    filtered = [m for m in plan.inputs if m.asset == FILTERED]
    earlier = [m for m in plan.inputs if m.asset == ASSET]

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        shards = document_shards(store, filtered)
        documents_in = sum(m.counts.get("documents", 0) for m in filtered)
        if shards:
            layout = DedupLayout(root=store.folder(store.root), paths=tuple(shards), version=writer.folder,
                                 logs=writer.logs_folder())
            for i, manifest in enumerate(earlier):
                _copy_index(store, manifest, writer, f"earlier{i}")
            stages = build_stages(layout, config, executor, f"deduped-{dump}", executor.runs_in_process(documents_in))
            run_stages(stages, f"deduped[{dump}]")
        manifest = _commit(store, writer, filtered, config, documents_in, time.time() - started)
        if store.exists(f"{writer.dir}/{WORK}"):
            store.fs.rm(f"{writer.dir}/{WORK}", recursive=True)  # scratch of a committed version: signatures, buckets
        log.info("deduped %s: %d of %d documents kept (%d exact, %d near duplicates removed)", dump,
                 manifest.counts["documents"], documents_in, manifest.counts["removed_exact"],
                 manifest.counts["removed_minhash"])
        return manifest

    return run_step(store, plan, build, operational={**executor.operational(), **config.operational()}, run_id=run_id)


def plan_dump(store: Store, dump: str, chunks: list[str], config: DedupConfig) -> StepPlan:
    """Inputs: the current filtered version of every crawled chunk, and the earlier dumps deduplicated against."""
    crawled = crawled_chunks(store, dump, chunks)
    if not crawled:
        raise VersionNotFoundError(f"no chunk of dump {dump!r} has a raw_crawl version with files in {store.root_uri}: "
                                   "materialize raw_crawl and filtered for its chunks first (or the dump has no files)")
    filtered = [store.require_current(FILTERED, {"dump": dump, "chunk": chunk}) for chunk in crawled]
    earlier = [_earlier_index(store, other, config) for other in config.against_dumps]
    return STEP.plan(dump_partition(dump), config.to_dict(), inputs=filtered + earlier)


def crawled_chunks(store: Store, dump: str, chunks: list[str]) -> list[str]:
    """The chunks of ``dump`` whose crawl index holds files: an empty chunk's version adds nothing to the dump, so it is
    not an input (the crawl commits one for every chunk; one never indexed has none)."""
    indexed = {chunk: store.current(RAW_CRAWL, {"dump": dump, "chunk": chunk}) for chunk in chunks}
    return [chunk for chunk, manifest in indexed.items() if manifest is not None and manifest.counts.get("files", 0) > 0]


def _earlier_index(store: Store, dump: str, config: DedupConfig) -> Manifest:
    manifest = store.require_current(ASSET, dump_partition(dump))
    theirs = {key: manifest.config.get(key) for key in config.minhash_settings}
    if theirs != config.minhash_settings:
        raise DedupConfigError(f"cannot dedup against {manifest.short}: its MinHash settings {theirs} differ from "
                               f"{config.minhash_settings}; re-materialize deduped[{dump}] with the same settings")
    return manifest


def _copy_index(store: Store, manifest: Manifest, writer: VersionWriter, name: str) -> None:
    """An earlier dump's own index files, copied (server-side on S3) beside the one this version builds."""
    base = store.version_dir(manifest.asset, manifest.partition, manifest.version)
    for entry in manifest.files_under(INDEX_PREFIX):
        bucket, filename = entry.path.split("/")[-2:]
        if filename.startswith(f"{INDEX_NAME}_"):
            target = f"{writer.dir}/{INDEX_PREFIX}/{bucket}/{filename.replace(f'{INDEX_NAME}_', f'{name}_', 1)}"
            if store.is_local:
                store.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            store.fs.copy(f"{base}/{entry.path}", target)


def _commit(store: Store, writer: VersionWriter, filtered: list[Manifest], config: DedupConfig, documents_in: int,
            seconds: float) -> Manifest:
    summaries = writer.table_summaries()
    kept, exact, near = (summaries.get(name, {}) for name in (DOCUMENTS, REMOVED_EXACT, REMOVED_MINHASH))
    pairs = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/minhash_pairs")
    clusters = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/minhash_clusters")
    counts = {
        "documents_in": documents_in, "documents": kept.get("rows", 0),
        "tokens_in": sum(m.counts.get("tokens", 0) for m in filtered), "tokens": kept.get("tokens", 0),
        "removed_exact": exact.get("rows", 0), "removed_minhash": near.get("rows", 0),
    }
    samples = [{**row, "text": row["text"][:300]} for table in (REMOVED_MINHASH, REMOVED_EXACT)
               for row in first_rows(store, writer.dir, writer.committed_files(table), 3,
                                     ["id", "url", "reason", "cluster_id", "content_key", "text"])]
    stats = {
        "chunks": {m.partition: {"version": m.version, "documents": m.counts.get("documents", 0)} for m in filtered},
        "removed": {"exact_duplicate": exact.get("rows", 0), **near.get("reasons", {})},
        "clusters": int(clusters.get("clusters", 0)),
        "categories": category_summary(kept),
        "candidate_pairs": {key: int(pairs.get(key, 0)) for key in ("candidates", "rejected", "index_matches")},
        "against_dumps": list(config.against_dumps),
        "samples": samples,
        "seconds": round(seconds, 2),
    }
    return writer.commit(counts=counts, stats=stats)
