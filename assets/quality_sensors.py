"""Jobs and the sensor of the quality stage.

`categories_job` trains the category classifier (before the crawl: `filtered` tags with it);
`quality_model_job` grades the sample and trains the quality classifier once the dumps are deduplicated;
the quality sensor then requests `quality_scores` + `edu_filtered` for each dump whose source version or
quality classifier changed since its last request.
"""

import json

from dagster import AssetSelection, DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, define_asset_job, sensor

from assets.partitions import dumps
from factory.documents import dump_partition
from factory.quality.classifier_step import ASSET as QUALITY_CLASSIFIER
from resources import StoreResource
from resources.quality import QualitySettingsResource

categories_job = define_asset_job(
    "categories_job", selection=AssetSelection.assets("category_classifier"),
    description="Train the document-category classifier on the labelled WebOrganizer pages.",
)
quality_model_job = define_asset_job(
    "quality_model_job", selection=AssetSelection.assets("quality_annotations", "quality_classifier"),
    description="Grade a sample of documents (LLM or labelled set) and train the educational-value classifier.",
)
quality_job = define_asset_job(
    "quality_job", selection=AssetSelection.assets("quality_scores", "edu_filtered"),
    description="Score one dump's documents and keep those at or above the threshold.",
)


@sensor(job=quality_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.RUNNING)
def quality_sensor(context: SensorEvaluationContext, store: StoreResource, quality_settings: QualitySettingsResource):
    """One scoring run per dump whose source version or classifier changed since its last request."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    factory_store = store.get()
    classifier = factory_store.current(QUALITY_CLASSIFIER, None)
    if classifier is None:
        return SkipReason("no quality_classifier version yet: materialize quality_annotations and quality_classifier")
    requests = []
    for dump in context.instance.get_dynamic_partitions(dumps.name):
        source = factory_store.current(quality_settings.source_asset, dump_partition(dump))
        if source is None or not source.counts.get("documents"):
            continue
        state = f"{source.version}:{classifier.version}"
        if cursor.get(dump) == state:
            continue
        cursor[dump] = state
        requests.append(RunRequest(run_key=f"quality:{dump}:{state}", partition_key=dump, tags={"factory/dump": dump}))
    if not requests:
        return SkipReason("no dump has a new source version or classifier since the last request")
    return SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
