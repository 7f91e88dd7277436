"""The ``edu_filtered`` step: a dump's documents whose educational score reaches a threshold.

Inputs: the current version of the source (``deduped``) and of ``quality_scores`` for the dump, which must
have scored that same source version. Task ``i`` reads source shard ``i`` and its attribute shard, writes
the kept documents (with ``edu_score`` in their metadata) to ``documents`` and the rest to
``removed/edu_score``, each counted by category, so a mix can use the dump's educational part as a source
and the UI shows what the threshold kept. Changing the threshold rewrites only this step's output.
"""

from __future__ import annotations

import logging
import time

from factory.categories.counter import category_summary
from factory.curation.executors import ExecutorSpec, run_to_completion
from factory.curation.outputs import REMOVED_SCHEMA, removed_adapter, removed_table
from factory.dedup.inputs import document_shards
from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, document_row, dump_partition
from factory.quality.scores_step import ASSET as QUALITY_SCORES
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionNotFoundError, VersionWriter
from factory.store.sample_rows import first_rows

log = logging.getLogger(__name__)
STEP = Step("edu_filtered", code_version="1", libraries=("datatrove",))
ASSET = STEP.asset
FILTER = "edu_score"
TABLES = [DOCUMENTS, removed_table(FILTER)]
SAMPLES = 3


def filter_dump(store: Store, dump: str, threshold: float, executor: ExecutorSpec | None = None,
                run_id: str | None = None) -> StepResult:
    executor = executor or ExecutorSpec()
    plan = plan_filter(store, dump, threshold)
    source, scores = plan.inputs

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        shards = document_shards(store, [source])
        if shards:
            _run_filter(store, shards, scores, threshold, writer, executor, source.counts.get("documents"), dump)
        manifest = _commit(store, writer, source, time.time() - started)
        log.info("edu_filtered %s: %d of %d documents at or above %.2f", dump, manifest.counts["documents"],
                 manifest.counts["documents_in"], threshold)
        return manifest

    return run_step(store, plan, build, operational=executor.operational(), run_id=run_id)


def plan_filter(store: Store, dump: str, threshold: float) -> StepPlan:
    """The version: the threshold, the dump's current scores and the source version they scored."""
    scores = store.require_current(QUALITY_SCORES, dump_partition(dump))
    return STEP.plan(dump_partition(dump), {"threshold": threshold}, inputs=[_scored_source(store, scores), scores])


def _scored_source(store: Store, scores: Manifest) -> Manifest:
    """The source version the scores were computed from; it must still be its asset's current version."""
    source = next(ref for ref in scores.inputs if ref.asset != "quality_classifier")
    current = store.current(source.asset, source.partition)
    if current is None or current.version != source.version:
        raise VersionNotFoundError(
            f"quality_scores[{scores.partition}] scored {source.asset} version {source.version[:12]}, but the current "
            f"version is {current.version[:12] if current else 'none'}: materialize quality_scores for this dump again")
    return current


def _run_filter(store: Store, shards: list[str], scores: Manifest, threshold: float, writer, executor: ExecutorSpec,
                documents: int | None, dump: str) -> None:
    from factory.quality.edu_filter import EduScoreFilter, JoinScores
    from factory.store.commit_part import ClearPart, CommitPart
    from factory.store.shard_reader import ShardReader
    from factory.store.shard_writer import shard_writer

    scores_folder = store.folder(store.version_dir(scores.asset, scores.partition, scores.version))
    removed = shard_writer(writer.folder, removed_table(FILTER), REMOVED_SCHEMA, removed_adapter(FILTER))
    pipeline = [ShardReader(store.folder(store.root), shards), ClearPart(writer.folder, TABLES), JoinScores(scores_folder),
                EduScoreFilter(threshold, exclusion_writer=removed),
                shard_writer(writer.folder, DOCUMENTS, DOCUMENT_SCHEMA, document_row), CommitPart(writer.folder, TABLES, describe_metadata=True)]
    stage = executor.build(pipeline, len(shards), writer.logs_folder("filter"), job_name=f"edu-filtered-{dump}",
                           in_process=executor.runs_in_process(documents))
    run_to_completion(stage, f"edu_filtered[{dump}]")


def _commit(store: Store, writer, source: Manifest, seconds: float) -> Manifest:
    summaries = writer.table_summaries()
    kept, dropped = summaries.get(DOCUMENTS, {}), summaries.get(removed_table(FILTER), {})
    samples = [{**row, "text": row["text"][:300]} for row in
               first_rows(store, writer.dir, writer.committed_files(removed_table(FILTER)), SAMPLES, ["id", "url", "text"])]
    counts = {"documents_in": source.counts.get("documents", 0), "documents": kept.get("rows", 0),
              "removed_edu_score": dropped.get("rows", 0), "tokens_in": source.counts.get("tokens", 0),
              "tokens": kept.get("tokens", 0)}
    stats = {"categories": category_summary(kept), "removed_categories": category_summary(dropped), "removed_samples": samples,
             "seconds": round(seconds, 2)}
    return writer.commit(counts=counts, stats=stats)
