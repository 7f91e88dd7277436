"""The synthetic stage of `factory demo`: what the recipe and generation sensors would do, in process.

Demo sizes on a 2-core CPU: two recipes (FAQ, tutorial) on one dump (the one whose source has
the most documents), ``DEMO_MAX_DOCUMENTS`` source pages each, ``DEMO_MAX_TOKENS`` per output,
with the real vLLM backend. Each recipe's run generates behind Dagster Pipes in a worker process
with its own engine, which exits with it, so the memory is back before the training stages.
"""

import logging

from dagster import build_sensor_context

from factory.documents import DOCUMENTS, dump_partition
from factory.store import Store

log = logging.getLogger(__name__)
DEMO_RECIPES = ["finephrase_faq", "finephrase_tutorial"]
# Measured here (vLLM, 2 cores shared with other work): 24 pages x 224 tokens took 216 s (FAQ) and
# 256 s (tutorial) at 18-21 tok/s; 16 x 192 in one chunk of 16 (vLLM batches it) halves that.
DEMO_MAX_DOCUMENTS = 16
DEMO_MAX_TOKENS = 192
DEMO_SETTINGS = {
    "recipes": DEMO_RECIPES, "max_documents": DEMO_MAX_DOCUMENTS, "chunk_size": 16, "max_tokens": DEMO_MAX_TOKENS,
    # At this length most tutorials are cut off: keep them up to their last full sentence (counted as trimmed).
    "truncated": "trim",
}


def demo_dump(store: Store, source_asset: str, dumps: list[str]) -> str | None:
    """The dump whose current source version holds the most documents."""
    sizes = {}
    for dump in dumps:
        manifest = store.current(source_asset, dump_partition(dump))
        if manifest is not None:
            sizes[dump] = sum(entry.rows or 0 for entry in manifest.files_under(DOCUMENTS))
    return max(sizes, key=sizes.get) if sizes else None


def run_synthetic_stage(ctx, run_job) -> None:
    from assets.synthetic import recipes
    from assets.synthetic_sensors import recipe_sensor, synthetic_sensor
    from resources import StoreResource
    from resources.generator import close_engines
    from resources.synthetic import SyntheticSettingsResource

    added = recipe_sensor(build_sensor_context(instance=ctx.instance))
    for request in getattr(added, "dynamic_partitions_requests", None) or []:
        ctx.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    settings_resource = SyntheticSettingsResource(**DEMO_SETTINGS)
    store = StoreResource()
    dump = demo_dump(store.get(), settings_resource.source_asset, ctx.instance.get_dynamic_partitions("dumps"))
    if dump is None:
        log.warning("synthetic stage skipped: no dump has a %s version", settings_resource.source_asset)
        return
    result = synthetic_sensor(build_sensor_context(
        instance=ctx.instance, resources={"store": store, "synthetic_settings": settings_resource},
    ))
    run_config = {"resources": {"synthetic_settings": {"config": DEMO_SETTINGS}}}
    try:
        for run in getattr(result, "run_requests", None) or []:
            if run.tags["factory/dump"] == dump and run.tags["factory/recipe"] in ctx.instance.get_dynamic_partitions(recipes.name):
                run_job(ctx, "synthetic_job", run.partition_key, tags=run.tags, run_config=run_config)
    finally:
        close_engines()
