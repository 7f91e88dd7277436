"""The ``quality_scores`` step: an attribute dataset of a dump, one educational score per document.

Dolma keeps ``attributes/`` beside ``documents/``: a new classifier or threshold writes new attributes and
never rewrites the corpus. Task ``i`` reads shard ``i`` of the source version's ``documents`` (``deduped`` by
default), scores it with the ``quality_classifier`` version's model (loaded from the store, so the tasks run
on any machine), and writes ``attributes/part-<i>.parquet``: the same documents, in the same order, as
``id, edu_score, edu_int``. ``edu_filtered`` joins them back by shard and position, checking the ids.
"""

from __future__ import annotations

import logging
import time

from factory.curation.executors import ExecutorSpec, run_to_completion, stage_totals
from factory.dedup.inputs import document_shards
from factory.documents import dump_partition
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionWriter
from factory.store.writer import LOGS_DIR

log = logging.getLogger(__name__)
STEP = Step("quality_scores", code_version="1",
            libraries=("fasttext-numpy2-wheel", "torch", "transformers", "numpy", "datatrove"))
ASSET = STEP.asset
ATTRIBUTES = "attributes"
MODEL_FOLDER = "model"  # inside a quality_classifier version


def score_dump(store: Store, dump: str, classifier: Manifest, source_asset: str = "deduped",
               executor: ExecutorSpec | None = None, run_id: str | None = None) -> StepResult:
    executor = executor or ExecutorSpec()
    plan = plan_scores(store, dump, classifier, source_asset)
    source = plan.inputs[0]

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        shards = document_shards(store, [source])
        if shards:
            _run_scoring(store, shards, model_uri(store, classifier), writer, executor, source.counts.get("documents"), dump)
        from factory.quality.scoring import SCORE_STAT, SCORE_SUM

        totals = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/score")
        histogram = {int(key[len(SCORE_STAT):]): int(value) for key, value in totals.items() if key.startswith(SCORE_STAT)}
        rows = writer.table_summaries().get(ATTRIBUTES, {}).get("rows", 0)
        log.info("quality_scores %s: %d documents scored", dump, rows)
        return writer.commit(
            counts={"documents": rows},
            stats={"score_histogram": {str(score): histogram.get(score, 0) for score in range(6)},
                   "mean_score": round(totals.get(SCORE_SUM, 0.0) / rows, 4) if rows else None,
                   "source": {"asset": source.asset, "version": source.version},
                   "classifier": classifier.version, "seconds": round(time.time() - started, 2)})

    return run_step(store, plan, build, operational=executor.operational(), run_id=run_id)


def plan_scores(store: Store, dump: str, classifier: Manifest, source_asset: str = "deduped") -> StepPlan:
    """The version: the source's current version of the dump and the classifier version."""
    source = store.require_current(source_asset, dump_partition(dump))
    return STEP.plan(dump_partition(dump), {"source_asset": source_asset}, inputs=[source, classifier])


def model_uri(store: Store, classifier: Manifest) -> str:
    """Where the classifier's files are, as a path or URI the tasks can open."""
    return store.uri(f"{store.version_dir(classifier.asset, classifier.partition, classifier.version)}/{MODEL_FOLDER}")


def _run_scoring(store: Store, shards: list[str], model: str, writer, executor: ExecutorSpec, documents: int | None,
                 dump: str) -> None:
    from factory.quality.scoring import ATTRIBUTE_SCHEMA, QualityScorer, attribute_row
    from factory.store.commit_part import ClearPart, CommitPart
    from factory.store.shard_reader import ShardReader
    from factory.store.shard_writer import shard_writer

    pipeline = [ShardReader(store.folder(store.root), shards), ClearPart(writer.folder, [ATTRIBUTES]),
                QualityScorer(model, storage=store.options.resolved()), shard_writer(writer.folder, ATTRIBUTES, ATTRIBUTE_SCHEMA, attribute_row),
                CommitPart(writer.folder, [ATTRIBUTES])]
    stage = executor.build(pipeline, len(shards), writer.logs_folder("score"), job_name=f"quality-scores-{dump}",
                           in_process=executor.runs_in_process(documents))
    run_to_completion(stage, f"quality_scores[{dump}]")
