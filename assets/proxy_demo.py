"""The proxy stages of `factory demo`: what the mix and training sensors would do, in process.

Only recipes marked ``demo: true`` run (two mixes: web-only and web + synthetic), with the
tiny CPU proxy and a per-task limit on the evaluation (FACTORY_EVAL_LIMIT, default 40 here),
so the three stages fit in about six minutes on 2 cores. A demo mix whose sources are missing
(say, no synthetic data was generated) is skipped with its reason; the leaderboard then shows
the mixes that could be built.
"""

import logging
import os

from dagster import build_sensor_context

from resources import StoreResource
from resources.trainer import MixRecipesResource

log = logging.getLogger(__name__)
DEMO_EVAL_LIMIT = "40"


def _apply(ctx, result, job_name: str, run_job) -> list[str]:
    for request in getattr(result, "dynamic_partitions_requests", None) or []:
        ctx.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    done = []
    for run in getattr(result, "run_requests", None) or []:
        try:
            run_job(ctx, job_name, run.partition_key, tags=run.tags)
            done.append(run.partition_key)
        except Exception as error:  # one failed mix must not hide the others: report it and go on
            log.warning("%s for mix %s failed, skipping it: %s", job_name, run.partition_key, error)
    return done


def run_mix_stage(ctx, run_job) -> None:
    from assets.proxy_sensors import mix_sensor

    resources = {"store": StoreResource(), "mix_recipes": MixRecipesResource(only_demo=True)}
    result = mix_sensor(build_sensor_context(instance=ctx.instance, resources=resources))
    built = _apply(ctx, result, "mix_job", run_job)
    log.info("mixes built: %s", built or "none")


def run_proxy_stage(ctx, run_job) -> None:
    from assets.proxy_sensors import training_sensor

    os.environ.setdefault("FACTORY_EVAL_LIMIT", DEMO_EVAL_LIMIT)
    # No daemon keeps the sensor's cursor in the demo: runs already done for a mix version are found by run key.
    result = training_sensor(build_sensor_context(instance=ctx.instance, resources={"store": StoreResource()}))
    demo_mixes = set(MixRecipesResource(only_demo=True).load())
    requests = [r for r in (getattr(result, "run_requests", None) or []) if r.partition_key in demo_mixes]
    for request in requests:
        if _already_ran(ctx, request.run_key):
            log.info("proxy for %s already trained on this mix version (run key %s)", request.partition_key, request.run_key)
            continue
        try:
            run_job(ctx, "proxy_job", request.partition_key, tags={**request.tags, "factory/run_key": request.run_key})
        except Exception as error:
            log.warning("proxy_job for mix %s failed, skipping it: %s", request.partition_key, error)


def _already_ran(ctx, run_key: str) -> bool:
    from dagster import DagsterRunStatus, RunsFilter

    runs = ctx.instance.get_runs(RunsFilter(tags={"factory/run_key": run_key}, statuses=[DagsterRunStatus.SUCCESS]), limit=1)
    return bool(runs)


def run_leaderboard_stage(ctx, run_job) -> None:
    run_job(ctx, "leaderboard_job", None)
