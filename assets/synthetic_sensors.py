"""Sensors of the synthetic stage: recipe files -> `recipes` partitions; new source versions ->
one `synthetic` run per (dump, recipe).

The generation sensor keys each request by the source partition's store version and the
recipe's fingerprint, so a (dump, recipe) is requested once per new source version (or edited
recipe) and never twice for the same one. Runs carry tags and land on the asset's `gpu` pool,
so GPU work queues instead of overlapping.
"""

import json

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    sensor,
)

from assets.partitions import dumps
from assets.synthetic import recipes, synthetic_key
from factory.documents import dump_partition
from factory.generation import load_recipes
from resources import StoreResource
from resources.synthetic import SyntheticSettingsResource

synthetic_job = define_asset_job(
    "synthetic_job", selection=AssetSelection.assets("synthetic"),
    description="Rephrase one dump's source documents with one recipe (GPU pool).",
)


@sensor(minimum_interval_seconds=300, default_status=DefaultSensorStatus.RUNNING)
def recipe_sensor(context: SensorEvaluationContext):
    """Adds a `recipes` partition for every recipe file that has none yet."""
    names = sorted(load_recipes())
    known = set(context.instance.get_dynamic_partitions(recipes.name))
    new = [name for name in names if name not in known]
    if not new:
        return SkipReason(f"all {len(names)} recipe files already have partitions")
    context.log.info(f"adding recipe partitions: {new}")
    return SensorResult(dynamic_partitions_requests=[recipes.build_add_request(new)])


@sensor(job=synthetic_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.STOPPED)
def synthetic_sensor(context: SensorEvaluationContext, store: StoreResource, synthetic_settings: SyntheticSettingsResource):
    """One synthetic run per (dump, recipe) whose source partition or recipe changed since its last request."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    factory_store = store.get()
    source_asset = synthetic_settings.source_asset
    wanted = set(synthetic_settings.recipes) if synthetic_settings.recipes is not None else None
    recipe_files = load_recipes()
    recipe_names = [r for r in context.instance.get_dynamic_partitions(recipes.name)
                    if r in recipe_files and (wanted is None or r in wanted)]
    requests = []
    for dump in context.instance.get_dynamic_partitions(dumps.name):
        if synthetic_settings.dumps is not None and dump not in synthetic_settings.dumps:
            continue
        source = factory_store.current(source_asset, dump_partition(dump))
        if source is None:
            continue
        for name in recipe_names:
            recipe = recipe_files[name]
            state = f"{source.version}:{recipe.fingerprint}"
            if cursor.get(f"{dump}/{name}") == state:
                continue
            cursor[f"{dump}/{name}"] = state
            requests.append(RunRequest(
                run_key=f"synthetic:{dump}:{name}:{state}",
                partition_key=synthetic_key(dump, name),
                tags={"factory/dump": dump, "factory/recipe": name, "factory/recipe_version": str(recipe.version),
                      "factory/source": f"{source_asset}@{source.version}", "factory/pool": "gpu"},
            ))
    if not requests:
        return SkipReason(f"no (dump, recipe) with a new {source_asset} version or recipe since the last request")
    context.log.info(f"requesting {len(requests)} synthetic runs")
    return SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
