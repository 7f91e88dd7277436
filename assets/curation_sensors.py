"""Re-materializing `deduped` when any chunk of its dump gets a new `filtered` version.

Dagster does not mark a dump-level asset stale across the all-chunks fan-in, so this sensor
fingerprints the current `filtered` versions of every chunk of each dump (from the store's
manifests) and requests one `deduped` run per new fingerprint once every chunk has a version.
"""

import hashlib
import json

from dagster import AssetSelection, DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, define_asset_job, sensor

from assets.partitions import dumps
from factory import settings
from factory.crawl.sources import chunk_keys
from factory.curation import ASSET as FILTERED
from factory.dedup.step import crawled_chunks
from resources import StoreResource

deduped_job = define_asset_job(
    "deduped_job", selection=AssetSelection.assets("deduped"),
    description="Exact and MinHash dedup of every chunk of one dump.",
)


def filtered_fingerprint(store, dump: str, chunks: list[str]) -> str | None:
    """A hash of the current `filtered` versions of every crawled chunk of ``dump``; None while one is missing."""
    versions = []
    chunks = crawled_chunks(store, dump, chunks)
    if not chunks:
        return None
    for chunk in chunks:
        manifest = store.current(FILTERED, {"dump": dump, "chunk": chunk})
        if manifest is None:
            return None
        versions.append(f"{chunk}:{manifest.version}")
    return hashlib.sha256("|".join(versions).encode()).hexdigest()[:16]


@sensor(job=deduped_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.RUNNING)
def deduped_sensor(context: SensorEvaluationContext, store: StoreResource):
    """One deduped run per dump whose chunks' `filtered` versions changed since the last request."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    factory_store, chunks = store.get(), chunk_keys(settings.chunk_count())
    requests = []
    for dump in context.instance.get_dynamic_partitions(dumps.name):
        fingerprint = filtered_fingerprint(factory_store, dump, chunks)
        if fingerprint is None or cursor.get(dump) == fingerprint:
            continue
        cursor[dump] = fingerprint
        requests.append(RunRequest(run_key=f"deduped:{dump}:{fingerprint}", partition_key=dump, tags={"factory/dump": dump}))
    if not requests:
        return SkipReason("no dump has new filtered versions in all of its chunks")
    return SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
