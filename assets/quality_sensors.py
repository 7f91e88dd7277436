"""Jobs and the sensor of the quality stage.

`categories_job` trains the category classifier (before the crawl: `filtered` tags with it);
`quality_model_job` grades the sample and trains the quality classifier once the dumps are deduplicated;
the quality sensor then requests `quality_scores` + `edu_filtered` for each dump whose version of either
would change (a new source or classifier version, the threshold, the code).
"""

from dagster import AssetSelection, DefaultSensorStatus, SensorEvaluationContext, SensorResult, define_asset_job, sensor

from assets.partitions import dumps
from assets.planner import PLANNER_RESOURCES, Planner
from assets.requests import outdated, request_for, skip
from assets.unpartitioned import unpartitioned_step
from factory.documents import dump_partition
from factory.quality.classifier_step import ASSET as QUALITY_CLASSIFIER
from factory.store.partitions import partition_label

categories_job, categories_sensor = unpartitioned_step(
    "categories", ["category_classifier"],
    "Train the document-category classifier on the labelled WebOrganizer pages.",
)
quality_model_job, quality_model_sensor = unpartitioned_step(
    "quality_model", ["quality_annotations", "quality_classifier"],
    "Grade a sample of documents (LLM or labelled set) and train the educational-value classifier.",
    default_status=DefaultSensorStatus.STOPPED,  # annotator llm runs the generator: GPU work
)
quality_job = define_asset_job(
    "quality_job", selection=AssetSelection.assets("quality_scores", "edu_filtered"),
    description="Score one dump's documents and keep those at or above the threshold.",
)


@sensor(job=quality_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.RUNNING,
        required_resource_keys=PLANNER_RESOURCES)
def quality_sensor(context: SensorEvaluationContext, **resources):
    """One scoring run per dump (empty ones too) whose quality_scores or edu_filtered version would change."""
    planner = Planner.from_context(context)
    factory_store, source_asset = planner.store, context.resources.quality_settings.source_asset
    if factory_store.current(QUALITY_CLASSIFIER, None) is None:
        return skip(planner, "no quality_classifier version yet: materialize quality_annotations and quality_classifier")
    requests = []
    for dump in context.instance.get_dynamic_partitions(dumps.name):
        source = factory_store.current(source_asset, dump_partition(dump))
        if source is None:
            continue  # an empty source is scored too: its versions are empty, and marked so, not missing
        if statuses := outdated(planner, ["quality_scores", "edu_filtered"], partition_label(dump_partition(dump))):
            requests.append((source.counts.get("documents", 0), request_for(statuses, dump, {"factory/dump": dump})))
    if not requests:
        return skip(planner, "every dump's quality_scores and edu_filtered versions are current")
    # Smallest dump first: the last run has data, and the UI's asset Overview opens on the latest one.
    return SensorResult(run_requests=[request for _, request in sorted(requests, key=lambda pair: pair[0])])
