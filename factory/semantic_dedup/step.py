"""The ``semantic_deduped`` step: a dump's ``deduped`` (or ``edu_filtered``) documents, SemDeDup-ed.

The version names the current version of the input asset's dump partition as its input, and the
embedding model's identity in its config, so a new model, input or setting makes a new version.
It holds ``documents`` (kept; metadata gains ``semantic_cluster_id``) and ``removed/semantic``
(reason ``semantic_duplicate`` with ``duplicate_of`` and ``similarity``, or ``prototypical``).

The stages run as datatrove executors whose tasks read the input shards from the store and write
into this version's folder (``factory.semantic_dedup.pipeline``); the driver reads part markers,
one row per cluster and a few sampled rows, commits, and deletes the scratch.
"""

from __future__ import annotations

import logging
import time

from factory.curation.executors import ExecutorSpec, run_stages, stage_totals
from factory.dedup.inputs import document_shards
from factory.documents import DOCUMENTS, dump_partition
from factory.semantic_dedup.config import SemanticDedupConfig
from factory.semantic_dedup.outputs import REMOVED_SEMANTIC
from factory.semantic_dedup.pipeline import SemanticLayout, bucket_count, build_stages
from factory.semantic_dedup.report import cluster_stats, removed_samples
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionWriter
from factory.store.task_layout import WORK
from factory.store.writer import LOGS_DIR

log = logging.getLogger(__name__)
STEP = Step("semantic_deduped", code_version="1",
            libraries=("torch", "transformers", "tokenizers", "scikit-learn", "numpy", "datatrove"))
ASSET = STEP.asset


def semantic_dedup_dump(store: Store, dump: str, config: SemanticDedupConfig, executor: ExecutorSpec | None = None,
                        run_id: str | None = None) -> StepResult:
    executor = executor or ExecutorSpec()
    plan = plan_dump(store, dump, config)
    source = plan.inputs[0]

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        shards = document_shards(store, [source])
        documents_in = source.counts.get("documents", 0)
        layout = SemanticLayout(root=store.folder(store.root), paths=tuple(shards), version=writer.folder,
                                logs=writer.logs_folder(), buckets=bucket_count(documents_in, config))
        if shards:
            stages = build_stages(layout, config, executor, f"semantic_deduped-{dump}", executor.runs_in_process(documents_in))
            run_stages(stages, f"semantic_deduped[{dump}]")
        manifest = _commit(store, writer, source, layout, shards, config, time.time() - started)
        if store.exists(f"{writer.dir}/{WORK}"):
            store.fs.rm(f"{writer.dir}/{WORK}", recursive=True)  # embeddings, centroids, buckets of a committed version
        log.info("semantic_deduped %s: %d of %d documents kept (%d near-duplicates, %d prototypical removed)", dump,
                 manifest.counts["documents"], manifest.counts["documents_in"], manifest.counts["removed_semantic"],
                 manifest.counts["removed_prototypical"])
        return manifest

    return run_step(store, plan, build, operational={**executor.operational(), **config.operational()}, run_id=run_id)


def plan_dump(store: Store, dump: str, config: SemanticDedupConfig) -> StepPlan:
    """The version: the input asset's current version of the dump, the settings and the embedding model's identity."""
    from factory.models.embeddings import Embedder

    source = store.require_current(config.input_asset, dump_partition(dump))
    identity = Embedder(max_tokens=config.max_tokens).identity()
    return STEP.plan(dump_partition(dump), {**config.versioned(), "embedder": identity}, inputs=[source])


def _commit(store: Store, writer: VersionWriter, source: Manifest, layout: SemanticLayout, shards: list[str],
            config: SemanticDedupConfig, seconds: float) -> Manifest:
    summaries = writer.table_summaries()
    kept, removed = summaries.get(DOCUMENTS, {}), summaries.get(REMOVED_SEMANTIC, {})
    reasons = removed.get("reasons", {})
    counts = {
        "documents_in": source.counts.get("documents", 0), "documents": kept.get("rows", 0),
        "removed_semantic": reasons.get("semantic_duplicate", 0),
        "removed_prototypical": reasons.get("prototypical", 0),
        "tokens_in": source.counts.get("tokens", 0), "tokens": kept.get("tokens", 0),
    }
    work = f"{writer.dir}/{WORK}"
    kmeans = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/semantic_kmeans")
    stats = {
        "input": {"asset": source.asset, "version": source.version, "documents": counts["documents_in"]},
        "threshold": config.threshold, "prune_prototypical": config.prune_prototypical,
        "kmeans": {"clusters_fitted": int(kmeans.get("clusters", 0)), "sampled": int(kmeans.get("sampled", 0)),
                   "cluster_tasks": layout.buckets},
        "clusters": cluster_stats(store, work, layout.scratch),
        "samples": removed_samples(store, work, layout.scratch, shards),
        "seconds": round(seconds, 2),
    }
    return writer.commit(counts=counts, stats=stats)
