"""Sensors of the proxy stage: recipe files -> `mixes` partitions and `mixed` runs; a new mix
version -> exactly one proxy training + evaluation run on the gpu pool.

The mix sensor keys each request by the recipe's content digest and the source versions it
would read, so an edited recipe or a new upstream version re-mixes, once. The training sensor
keys each request by the `mixed` store version (run_key and cursor), so every new mix version
is trained and evaluated exactly once.
"""

import hashlib
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

from assets.partitions import mixes
from factory.mixing import MixRecipeError
from factory.mixing.plan import source_versions
from resources import StoreResource
from resources.trainer import MixRecipesResource

GPU_TAGS = {"factory/pool": "gpu"}

mix_job = define_asset_job(
    "mix_job", selection=AssetSelection.assets("mixed"),
    description="Sample, shuffle and tokenize one mix into training shards.",
)
proxy_job = define_asset_job(
    "proxy_job", selection=AssetSelection.assets("proxy_model", "proxy_eval"),
    description="Train a proxy model on one mix and evaluate it (GPU pool).",
)
leaderboard_job = define_asset_job(
    "leaderboard_job", selection=AssetSelection.assets("leaderboard"),
    description="Compare every mix's current evaluation, with stderr and lineage.",
)


@sensor(job=mix_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED)
def mix_sensor(context: SensorEvaluationContext, store: StoreResource, mix_recipes: MixRecipesResource):
    """Adds a `mixes` partition per recipe file; one `mixed` run per new recipe content or source versions."""
    recipes = mix_recipes.load()  # a malformed recipe file fails the evaluation with its message
    known = set(context.instance.get_dynamic_partitions(mixes.name))
    new = sorted(set(recipes) - known)
    factory_store = store.get()
    requests, waiting = [], []
    for name, recipe in sorted(recipes.items()):
        try:
            versions = source_versions(factory_store, recipe)
        except MixRecipeError as error:  # sources not built yet: ask again later
            waiting.append(f"{name}: {error}")
            continue
        state = hashlib.sha256(json.dumps([recipe.digest(), versions]).encode()).hexdigest()[:16]
        requests.append(RunRequest(run_key=f"mix:{name}:{state}", partition_key=name, tags={"factory/mix": name, "factory/mix_state": state}))
    for line in waiting:
        context.log.info(f"mix waiting for its sources: {line}")
    if not requests and not new:
        return SkipReason(f"no mix can be built yet ({len(waiting)} waiting for sources)")
    return SensorResult(run_requests=requests, dynamic_partitions_requests=[mixes.build_add_request(new)] if new else [])


@sensor(job=proxy_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.STOPPED)
def training_sensor(context: SensorEvaluationContext, store: StoreResource):
    """One proxy_model + proxy_eval run per new `mixed` version, tagged for the gpu pool."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    factory_store = store.get()
    requests = []
    for mix in sorted(context.instance.get_dynamic_partitions(mixes.name)):
        manifest = factory_store.current("mixed", mix)
        if manifest is None or cursor.get(mix) == manifest.version:
            continue
        cursor[mix] = manifest.version
        requests.append(RunRequest(
            run_key=f"proxy:{mix}:{manifest.version}", partition_key=mix,
            tags={"factory/mix": mix, "factory/mix_version": manifest.version, "factory/mix_tokens": str(manifest.counts.get("tokens", 0)), **GPU_TAGS},
        ))
    if not requests:
        return SkipReason("no mix has a new version since its last training request")
    context.log.info(f"requesting {len(requests)} proxy training runs")
    return SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
