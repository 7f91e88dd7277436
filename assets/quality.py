"""Quality and categories: what is in the tokens, and which documents teach.

`category_classifier` is trained on the labelled WebOrganizer pages; `filtered` and `synthetic` tag every
document with it, and every dataset shows its category mix. `quality_annotations` grades a sample (an LLM
behind Pipes on the `gpu` pool, or an existing labelled set); `quality_classifier` learns the grades;
`quality_scores[dump]` is an attribute dataset beside the dump's documents; `edu_filtered[dump]` keeps the
documents at or above the threshold, a source for mixes; `semantic_deduped[dump]` drops semantic
near-duplicates (SemDeDup).
"""

import dataclasses

from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from assets import metadata
from assets.partitions import dumps
from assets.plans import partition_keys, plans
from assets.results import materialize_result
from assets.step_asset import step_asset
from factory.categories import step as categories
from factory.quality import annotations_step, classifier_step, edu_filtered_step, scores_step
from factory.semantic_dedup import step as semantic
from factory.steps import StepPlan, StepResult
from resources import StoreResource
from resources.executor import ExecutorResource
from resources.generator import GeneratorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.quality import CategorySettingsResource, QualitySettingsResource, SemanticDedupResource

GROUP = "quality"
CONFUSION_NOTE = "rows: true, columns: predicted"


@step_asset(
    categories.STEP,
    group_name=GROUP,
    kinds={"fasttext", "scikitlearn"},
    description="The document-category classifier (Educational, Advertising, Forum, News, Creative, Boilerplate, "
                "Nonsensical, Other), trained on labelled WebOrganizer pages, with its held-out accuracy.",
)
def category_classifier(context: AssetExecutionContext, store: StoreResource, category_settings: CategorySettingsResource):
    result = categories.build_category_classifier(store.get(), category_settings.get_config(), run_id=context.run_id)
    stats = result.manifest.stats
    heldout = stats["heldout"]
    per_category = [{"category": name, **values} for name, values in heldout.get("per_category", {}).items()]
    return materialize_result(
        result, heldout_accuracy=heldout["accuracy"], heldout_macro_f1=heldout["macro_f1"],
        per_category=metadata.table(per_category, [("category", "string"), ("precision", "float"), ("recall", "float"),
                                                   ("f1", "float"), ("support", "int")]),
        confusion_matrix=MetadataValue.md(_confusion_markdown(heldout.get("confusion_order", []), heldout.get("confusion", []))),
        **metadata.category_metadata({"documents": stats.get("training_categories", {})},
                                     title="Training pages per category (WebOrganizer formats mapped)"),
    )


@plans("category_classifier")
def plan_category_classifier(planner, partition: None) -> StepPlan:
    return categories.plan_classifier(planner.resources["category_settings"].get_config())


@step_asset(
    annotations_step.STEP,
    deps=[AssetDep("deduped", partition_mapping=AllPartitionMapping())],
    pool="gpu",
    group_name=GROUP,
    kinds={"vllm", "parquet"},
    description="One row per graded document: its educational score 0-5 from the LLM annotator (null when unparseable) "
                "or from an existing labelled set, with the raw answer.",
)
def quality_annotations(context: AssetExecutionContext, store: StoreResource, quality_settings: QualitySettingsResource,
                        generator: GeneratorResource, gpu_launcher: GpuLauncherResource):
    config = quality_settings.annotation_config()
    factory_store = store.get()
    if config.annotator == "labelled_set":
        result = annotations_step.annotate_documents(factory_store, config, run_id=context.run_id)
        return materialize_result(result, **_annotation_metadata(result.manifest))
    engine = generator.generator_config()
    extras = {**store.pipes_extras(), "annotation": dataclasses.asdict(config),
              "dumps": context.instance.get_dynamic_partitions("dumps"),
              "generator": {k: v for k, v in dataclasses.asdict(engine).items() if k != "api_key"}}
    reported = gpu_launcher.run(context, "workers.annotate_quality", extras, env=generator.worker_env()).get_materialize_result()
    manifest = factory_store.read_manifest(annotations_step.ASSET, None, str(reported.metadata["store_version"].value))
    return MaterializeResult(data_version=reported.data_version,
                             metadata={**reported.metadata, **_annotation_metadata(manifest)})


@plans("quality_annotations")
def plan_quality_annotations(planner, partition: None) -> StepPlan:
    config = planner.resources["quality_settings"].annotation_config()
    dumps = [label.split("=", 1)[1] for label in planner.store.partitions(config.source_asset)]
    return annotations_step.plan_annotations(planner.store, config, dumps, planner.resources["generator"].generator_config())


@step_asset(
    classifier_step.STEP,
    deps=["quality_annotations"],
    group_name=GROUP,
    kinds={"scikitlearn", "pytorch"},
    description="The educational-value classifier trained on the annotations (MiniLM embeddings + regression head, or "
                "fastText): held-out error, F1 at score >= 3, confusion matrix, AUC on human labels.",
)
def quality_classifier(context: AssetExecutionContext, store: StoreResource, quality_settings: QualitySettingsResource):
    result = classifier_step.train_quality_classifier(store.get(), quality_settings.classifier_config(), run_id=context.run_id)
    stats = result.manifest.stats
    heldout, human = stats.get("heldout", {}), stats.get("human_labels") or {}
    keep = heldout.get("keep_at_3", {})
    return materialize_result(
        result, heldout_documents=heldout.get("scored"), heldout_mse=heldout.get("mse"), heldout_f1_at_3=keep.get("f1"),
        heldout_precision_at_3=keep.get("precision"), heldout_recall_at_3=keep.get("recall"),
        human_labels_auc=human.get("auc"), human_labels_spearman=human.get("spearman"),
        confusion_matrix=MetadataValue.md(_confusion_markdown([str(s) for s in range(6)], heldout.get("confusion", []))),
    )


@plans("quality_classifier")
def plan_quality_classifier(planner, partition: None) -> StepPlan:
    return classifier_step.plan_classifier(planner.store, planner.resources["quality_settings"].classifier_config())


@step_asset(
    scores_step.STEP,
    partitions_def=dumps,
    deps=["deduped", "quality_classifier"],
    group_name=GROUP,
    kinds={"datatrove", "parquet"},
    description="Attributes beside a dump's documents: one row per document (same shards, same order) with its "
                "educational score; a new classifier never rewrites the corpus.",
)
def quality_scores(context: AssetExecutionContext, store: StoreResource, quality_settings: QualitySettingsResource,
                   executor: ExecutorResource):
    factory_store = store.get()
    classifier = factory_store.require_current(classifier_step.ASSET, None)
    result = scores_step.score_dump(factory_store, context.partition_key, classifier, quality_settings.source_asset,
                                    executor.get_spec(), run_id=context.run_id)
    stats = result.manifest.stats
    histogram = stats.get("score_histogram", {})
    total = sum(histogram.values()) or 1
    return materialize_result(
        result, mean_score=stats.get("mean_score"),
        score_histogram=metadata.bar_chart({f"score {s}": n / total for s, n in histogram.items()},
                                           "Share of the documents per rounded educational score", "documents", percent=True),
    )


@plans("quality_scores")
def plan_quality_scores(planner, partition: str) -> StepPlan:
    classifier = planner.store.require_current(classifier_step.ASSET, None)
    return scores_step.plan_scores(planner.store, partition_keys(partition)["dump"], classifier,
                                   planner.resources["quality_settings"].source_asset)


@step_asset(
    edu_filtered_step.STEP,
    partitions_def=dumps,
    deps=["deduped", "quality_scores"],
    group_name=GROUP,
    kinds={"datatrove", "parquet"},
    description="One row per document of a dump whose educational score reaches the threshold; removed/edu_score holds the rest.",
)
def edu_filtered(context: AssetExecutionContext, store: StoreResource, quality_settings: QualitySettingsResource,
                 executor: ExecutorResource):
    result = edu_filtered_step.filter_dump(store.get(), context.partition_key, quality_settings.threshold,
                                           executor.get_spec(), run_id=context.run_id)
    return materialize_result(result, **dataset_category_metadata(result),
                              removed_samples=MetadataValue.json(result.manifest.stats.get("removed_samples", [])))


@plans("edu_filtered")
def plan_edu_filtered(planner, partition: str) -> StepPlan:
    return edu_filtered_step.plan_filter(planner.store, partition_keys(partition)["dump"], planner.resources["quality_settings"].threshold)


@step_asset(
    semantic.STEP,
    partitions_def=dumps,
    deps=["deduped"],
    group_name=GROUP,
    kinds={"datatrove", "parquet"},
    description="One row per document of a dump after semantic dedup (SemDeDup: MiniLM embeddings, k-means, cosine "
                "threshold within clusters); removed/semantic holds the near-duplicates and pruned prototypes.",
)
def semantic_deduped(context: AssetExecutionContext, store: StoreResource, semantic_dedup: SemanticDedupResource,
                     executor: ExecutorResource):
    result = semantic.semantic_dedup_dump(store.get(), context.partition_key, semantic_dedup.get_config(),
                                          executor.get_spec(), run_id=context.run_id)
    stats = result.manifest.stats
    return materialize_result(result, clusters=MetadataValue.json(stats.get("clusters", [])),
                              removed_samples=MetadataValue.json(stats.get("samples", [])))


@plans("semantic_deduped")
def plan_semantic_deduped(planner, partition: str) -> StepPlan:
    return semantic.plan_dump(planner.store, partition_keys(partition)["dump"], planner.resources["semantic_dedup"].get_config())


def dataset_category_metadata(result: StepResult, unit: str = "documents") -> dict:
    """The category table and chart of a dataset version (``stats.categories``, counted by its tasks)."""
    summary = result.manifest.stats.get("categories")
    return metadata.category_metadata(summary, unit) if summary else {}


def _annotation_metadata(manifest) -> dict:
    stats = manifest.stats
    histogram = stats.get("score_histogram", {})
    return {
        "unparseable": manifest.counts.get("unparseable", 0),
        "score_histogram": metadata.bar_chart({f"score {s}": n for s, n in histogram.items()} | {"unparseable": stats.get("unparseable", 0)},
                                              "Annotated documents per score", "documents"),
        "samples": MetadataValue.json(stats.get("samples", [])),
    }


def _confusion_markdown(labels: list[str], matrix: list[list[int]]) -> str:
    if not matrix:
        return "no held-out rows"
    lines = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(str(v) for v in row) + " |" for label, row in zip(labels, matrix, strict=True)]
    return "\n".join(lines) + f"\n\n{CONFUSION_NOTE}"

