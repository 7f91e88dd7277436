"""Sensors of the proxy stage: recipe files -> `mixes` partitions and `mixed` runs; a new mix
version -> exactly one proxy training + evaluation run on the gpu pool.

Both request the partitions whose version would change (the planner: recipe content, source
versions, proxy and evaluation settings, code), keyed by that version: an edited recipe, a new
upstream version or a changed setting is built once, and a current partition is never requested.
"""

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    SensorEvaluationContext,
    SensorResult,
    define_asset_job,
    sensor,
)

from assets.partitions import mixes
from assets.planner import PLANNER_RESOURCES, UNPLANNABLE, WAITING, Planner
from assets.requests import outdated, request_for, skip
from assets.unpartitioned import unpartitioned_step

GPU_TAGS = {"factory/pool": "gpu"}

mix_job = define_asset_job(
    "mix_job", selection=AssetSelection.assets("mixed"),
    description="Sample, shuffle and tokenize one mix into training shards.",
)
contamination_job, contamination_sensor = unpartitioned_step(
    "contamination", ["contamination_index"],
    "Index the n-grams of every benchmark item and held-out document that no mix may hold.",
)
proxy_job = define_asset_job(
    "proxy_job", selection=AssetSelection.assets("proxy_model", "proxy_eval"),
    description="Train a proxy model on one mix and evaluate it (GPU pool).",
)
leaderboard_job, leaderboard_sensor = unpartitioned_step(
    "leaderboard", ["leaderboard"], "Compare every mix's current evaluation, with stderr and lineage.",
)


@sensor(job=mix_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED,
        required_resource_keys=PLANNER_RESOURCES)
def mix_sensor(context: SensorEvaluationContext, **resources):
    """Adds a `mixes` partition per recipe file; one `mixed` run per mix whose version would change (recipe content,
    source versions, tokenizer, held-out set, contamination index, code); while the contamination index is outdated
    (the contamination sensor requests it), every mix waits for it."""
    planner = Planner.from_context(context)
    recipes = context.resources.mix_recipes.load()  # a malformed recipe file fails the evaluation with its message
    new = sorted(set(recipes) - set(context.instance.get_dynamic_partitions(mixes.name)))
    requests, waiting = [], []
    for name in sorted(recipes):
        status = planner.status("mixed", name)
        if status.state in (UNPLANNABLE, WAITING):  # sources not built or not current yet: ask again later
            waiting.append(status.describe())
        elif statuses := outdated(planner, ["mixed"], name):
            requests.append(request_for(statuses, name, {"factory/mix": name, "factory/mix_version": status.implied}))
    for line in waiting:
        context.log.info(f"mix waiting for its sources: {line}")
    if not requests and not new:
        return skip(planner, f"every buildable mix is current ({len(waiting)} waiting for sources)")
    return SensorResult(run_requests=requests, dynamic_partitions_requests=[mixes.build_add_request(new)] if new else [])


@sensor(job=proxy_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.STOPPED,
        required_resource_keys=PLANNER_RESOURCES)
def training_sensor(context: SensorEvaluationContext, **resources):
    """One proxy_model + proxy_eval run per mix whose proxy or evaluation version would change, for the gpu pool."""
    planner = Planner.from_context(context)
    requests = []
    for mix in sorted(context.instance.get_dynamic_partitions(mixes.name)):
        if statuses := outdated(planner, ["proxy_model", "proxy_eval"], mix):
            manifest = planner.store.current("mixed", mix)
            requests.append(request_for(statuses, mix, {
                "factory/mix": mix, "factory/mix_version": manifest.version,
                "factory/mix_tokens": str(manifest.counts.get("tokens", 0)), **GPU_TAGS}))
    if not requests:
        return skip(planner, "every mix's proxy and evaluation are current")
    context.log.info(f"requesting {len(requests)} proxy training runs")
    return SensorResult(run_requests=requests)
