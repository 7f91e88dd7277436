"""Re-materializing `deduped` when the version it would make now differs from its current one.

Dagster does not mark a dump-level asset stale across the all-chunks fan-in; the planner does: a dump
is requested once every crawled chunk's `filtered` version is current and the dump's `deduped` plan
(those versions, the dedup settings, the code) names a version that is not the current one.
"""

from dagster import AssetSelection, DefaultSensorStatus, SensorEvaluationContext, SensorResult, define_asset_job, sensor

from assets.partitions import dumps
from assets.planner import PLANNER_RESOURCES, Planner
from assets.requests import outdated, request_for, skip
from factory import settings
from factory.crawl.sources import chunk_keys
from factory.documents import dump_partition
from factory.store.partitions import partition_label

deduped_job = define_asset_job(
    "deduped_job", selection=AssetSelection.assets("deduped"),
    description="Exact and MinHash dedup of every chunk of one dump.",
)


@sensor(job=deduped_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.RUNNING,
        required_resource_keys=PLANNER_RESOURCES)
def deduped_sensor(context: SensorEvaluationContext, **resources):
    """One deduped run per dump whose deduped version would change (its chunks' filtered versions, its settings)."""
    planner = Planner.from_context(context)
    requests = []
    for dump in context.instance.get_dynamic_partitions(dumps.name):
        if statuses := outdated(planner, ["deduped"], partition_label(dump_partition(dump))):
            requests.append((_filtered_documents(planner.store, dump), request_for(statuses, dump, {"factory/dump": dump})))
    if not requests:
        return skip(planner, "every dump's deduped version is current (or waits for its chunks' filtered versions)")
    # Smallest dump first: the last run has data, and the UI's asset Overview opens on the latest one.
    return SensorResult(run_requests=[request for _, request in sorted(requests, key=lambda pair: pair[0])])


def _filtered_documents(store, dump: str) -> int:
    chunks = (store.current("filtered", {"dump": dump, "chunk": chunk}) for chunk in chunk_keys(settings.chunk_count()))
    return sum(manifest.counts.get("documents", 0) for manifest in chunks if manifest is not None)
