"""The README's main job, in process: what the sensors would do, then every stage in order.

The crawl sensor is evaluated against the embedded instance, its dynamic partitions added and
its run requests executed; later stages materialize the per-dump and per-mix assets the same
way. Re-running is cheap: unchanged partitions reuse their committed versions.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dagster import DagsterInstance, Definitions, build_sensor_context

from assets.instance import ensure_dagster_home
from factory import settings

log = logging.getLogger(__name__)


@dataclass
class DemoReport:
    rows: list[tuple[str, str, str, bool, float]] = field(default_factory=list)

    def add(self, asset: str, partition: str, version: str, reused: bool, seconds: float) -> None:
        self.rows.append((asset, partition, version, reused, seconds))


@dataclass
class DemoContext:
    defs: Definitions
    instance: DagsterInstance
    report: DemoReport
    max_files_per_dump: int | None = None


Stage = Callable[[DemoContext], None]
# Dagster's console logger at INFO: asset logs and failures, not every engine event.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_job(ctx: DemoContext, job_name: str, partition_key, tags: dict[str, str] | None = None,
            run_config: dict | None = None) -> None:
    """Execute one partition of a job in process and record what each asset materialized."""
    started = time.time()
    result = ctx.defs.resolve_job_def(job_name).execute_in_process(
        partition_key=partition_key, instance=ctx.instance, tags=tags or {}, run_config={**QUIET_RUN_CONFIG, **(run_config or {})}
    )
    seconds = time.time() - started
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = mat.metadata
        ctx.report.add(
            mat.asset_key.to_user_string(), str(mat.partition), str(meta["store_version"].value),
            bool(meta["reused_committed_version"].value), seconds,
        )


def crawl_stage(ctx: DemoContext) -> None:
    """The crawl sensor's evaluation, applied: new dumps become partitions, each chunk run executes."""
    from assets.sensors import crawl_sensor
    from resources import CrawlResource

    crawl = CrawlResource(max_files_per_dump=ctx.max_files_per_dump)
    sensor_context = build_sensor_context(instance=ctx.instance, resources={"crawl": crawl})
    result = crawl_sensor(sensor_context)
    for request in getattr(result, "dynamic_partitions_requests", None) or []:
        ctx.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    for run in getattr(result, "run_requests", None) or []:
        run_job(ctx, "crawl_job", run.partition_key, tags=run.tags)


def curation_stage(ctx: DemoContext) -> None:
    """`filtered` ran with each crawl chunk; the deduped sensor's evaluation, applied: one run per dump."""
    from assets.curation_sensors import deduped_sensor
    from resources import StoreResource

    result = deduped_sensor(build_sensor_context(instance=ctx.instance, resources={"store": StoreResource()}))
    for run in getattr(result, "run_requests", None) or []:
        run_job(ctx, "deduped_job", run.partition_key, tags=run.tags)


# The demo's curation size: the first 3,000 records of a chunk (the WebOrganizer file is one chunk of
# 10,892 pages) keep the stage at a few minutes on 2 cores and still give ~1.5M tokens after dedup.
DEMO_CURATION_MAX_DOCUMENTS_PER_FILE = "3000"

def synthetic_stage(ctx: DemoContext) -> None:
    """Recipe partitions from the recipe files, then two recipes on one dump with vLLM (sizes in assets.synthetic_demo)."""
    from assets.synthetic_demo import run_synthetic_stage

    run_synthetic_stage(ctx, run_job)


def mix_stage(ctx: DemoContext) -> None:
    """Mix partitions from the recipe files; the demo mixes sampled and tokenized (assets.proxy_demo)."""
    from assets.proxy_demo import run_mix_stage

    run_mix_stage(ctx, run_job)


def proxy_stage(ctx: DemoContext) -> None:
    """The training sensor's requests: one proxy_model + proxy_eval run per new mix version."""
    from assets.proxy_demo import run_proxy_stage

    run_proxy_stage(ctx, run_job)


def leaderboard_stage(ctx: DemoContext) -> None:
    from assets.proxy_demo import run_leaderboard_stage

    run_leaderboard_stage(ctx, run_job)


STAGES: list[tuple[str, Stage]] = [("crawl", crawl_stage), ("curation", curation_stage), ("synthetic", synthetic_stage),
                                   ("mix", mix_stage), ("proxy", proxy_stage), ("leaderboard", leaderboard_stage)]


def run_demo(max_files_per_dump: int | None = None) -> DemoReport:
    settings.set_offline_defaults()
    os.environ.setdefault("FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", DEMO_CURATION_MAX_DOCUMENTS_PER_FILE)
    ensure_dagster_home()
    from assets.definitions import defs

    ctx = DemoContext(defs, DagsterInstance.get(), DemoReport(), max_files_per_dump)
    for name, stage in STAGES:
        started = time.time()
        log.info("stage %s ...", name)
        stage(ctx)
        log.info("stage %s done in %.1f s", name, time.time() - started)
    return ctx.report
