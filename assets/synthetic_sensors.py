"""Sensors of the synthetic stage: recipe files -> `recipes` partitions; new source versions ->
one `synthetic` run per (dump, recipe).

The generation sensor requests each (dump, recipe) whose synthetic version would change (the
planner: source and classifier versions, recipe, model, settings, code), keyed by that version,
so it is requested once per version and never twice. Runs carry tags and land on the asset's `gpu` pool,
so GPU work queues instead of overlapping.
"""

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    sensor,
)

from assets.partitions import dumps
from assets.planner import PLANNER_RESOURCES, Planner
from assets.requests import outdated, request_for, skip
from assets.synthetic import recipes, synthetic_key
from factory.generation import load_recipes
from factory.store.partitions import partition_label

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


@sensor(job=synthetic_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.STOPPED,
        required_resource_keys=PLANNER_RESOURCES)
def synthetic_sensor(context: SensorEvaluationContext, **resources):
    """One synthetic run per configured (dump, recipe) whose version would change: a new source or classifier version,
    an edited recipe, the model, the settings (``synthetic_settings``, ``generator``) or the code."""
    planner = Planner.from_context(context)
    settings = context.resources.synthetic_settings
    wanted = set(settings.recipes) if settings.recipes is not None else None
    recipe_files = load_recipes()
    names = [r for r in context.instance.get_dynamic_partitions(recipes.name)
             if r in recipe_files and (wanted is None or r in wanted)]
    requests = []
    for dump in context.instance.get_dynamic_partitions(dumps.name):
        if settings.dumps is not None and dump not in settings.dumps:
            continue
        for name in names:
            if statuses := outdated(planner, ["synthetic"], partition_label({"dump": dump, "recipe": name})):
                requests.append(request_for(statuses, synthetic_key(dump, name), {
                    "factory/dump": dump, "factory/recipe": name, "factory/recipe_version": str(recipe_files[name].version),
                    "factory/pool": "gpu"}))
    if not requests:
        return skip(planner, "every configured (dump, recipe) has its current synthetic version")
    context.log.info(f"requesting {len(requests)} synthetic runs")
    return SensorResult(run_requests=requests)
