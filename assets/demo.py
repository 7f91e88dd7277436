"""The README's main job, in process: each sensor of the Definitions ticks as the daemon would, in the order data
flows (``assets.definitions.SENSORS``), and its runs execute, until it requests nothing more. There is no list of
stages: a step no sensor requests is not part of the main job.

The demo builds nothing of its own: its resources are the Definitions' (from `factory.yaml`), each
sensor starts from the cursor the instance keeps for it and stores the one it returns, and each
run carries the sensor's name and run key. So after the demo, the UI, the `dagster` CLI and the
daemon's sensors find the same versions committed and the same requests already made: nothing
is computed twice. Re-running is cheap: unchanged partitions reuse their committed versions.
A failed step stops the demo with the step and its error.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from dagster import DagsterInstance, Definitions, RunRequest, SensorDefinition, build_sensor_context
from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from assets.dead_runs import demo_run_tags, reclaim_dead_demo_runs
from assets.instance import ensure_dagster_home
from assets.run_origin import runs_attributed_to_workspace
from assets.sensor_cursors import SensorCursors, sensor_cursors
from factory import settings

log = logging.getLogger(__name__)


class DemoStepError(RuntimeError):
    """A run of the demo failed: which job, which partition, which step, and why."""


@dataclass
class DemoReport:
    rows: list[tuple[str, str, str, bool, float]] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # name, passed, description
    leaderboard: dict = field(default_factory=dict)  # the leaderboard's stats: rows, decisions, known-answer pairs
    stages: list[tuple[str, float]] = field(default_factory=list)  # name, seconds
    counts: list[dict] = field(default_factory=list)  # each row's numeric metadata (documents, tokens, ...)

    def add(self, asset: str, partition: str, version: str, reused: bool, seconds: float) -> None:
        self.rows.append((asset, partition, version, reused, seconds))

    def to_dict(self) -> dict:
        """The run as a results file (``factory demo`` writes it): what each stage took, what each run made."""
        rows = [{"asset": a, "partition": p, "version": v, "reused": r, "run_s": round(s, 1), "counts": counts}
                for (a, p, v, r, s), counts in zip(self.rows, self.counts, strict=True)]
        decisions = self.leaderboard.get("decisions", [])
        return {
            "stages": [{"stage": name, "seconds": round(seconds, 1)} for name, seconds in self.stages],
            "materializations": rows,
            "new_versions": sum(1 for row in rows if not row["reused"]),
            "checks": [{"check": name, "passed": passed, "description": text} for name, passed, text in self.checks],
            "leaderboard": {"rows": self.leaderboard.get("rows", []), "decisions": decisions,
                            "known_answers": self.leaderboard.get("known_answers", []), "note": self.leaderboard.get("note")},
        }


@dataclass
class DemoContext:
    defs: Definitions
    instance: DagsterInstance
    cursors: SensorCursors
    report: DemoReport = field(default_factory=DemoReport)

    def resource(self, key: str):
        return self.defs.resources[key]


# Dagster's console logger at INFO: asset logs and failures, not every engine event.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
MAX_CAUSES = 20  # how deep an error's cause chain is followed (it may loop)
MAX_TICKS = 4  # a sensor's ticks in one stage: one that requests, one that finds everything current


def run_job(ctx: DemoContext, job_name: str, partition_key, tags: dict[str, str] | None = None):
    """Execute one partition of a job in process and record what each asset materialized and what each check found."""
    started = time.time()
    with runs_attributed_to_workspace(ctx.instance) as instance:  # on the UI's timeline, like the daemon's runs
        result = ctx.defs.resolve_job_def(job_name).execute_in_process(
            partition_key=partition_key, instance=instance, tags={**(tags or {}), **demo_run_tags()}, run_config=QUIET_RUN_CONFIG,
            raise_on_error=False,
        )
    if not result.success:
        raise DemoStepError(f"{job_name} for partition {partition_key} failed (run {result.run_id}):\n" + _failures(result))
    seconds = time.time() - started
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = mat.metadata
        ctx.report.add(
            mat.asset_key.to_user_string(), str(mat.partition or "-"), str(meta["store_version"].value),
            bool(meta["reused_committed_version"].value), seconds,
        )
        ctx.report.counts.append({key: value.value for key, value in meta.items() if _is_number(value.value)})
    for check in result.get_asset_check_evaluations():
        ctx.report.checks.append((check.check_name, check.passed, check.description or ""))
    return result


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _failures(result) -> str:
    """Each failed step with its error's message and the innermost cause (a Dagster step error can chain in a
    loop, which made rich's traceback printer spin forever: only messages are printed here)."""
    lines = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        cause, seen = error, {id(error)}
        while cause.cause is not None and id(cause.cause) not in seen and len(seen) < MAX_CAUSES:
            cause = cause.cause
            seen.add(id(cause))
        detail = f" (cause: {cause.cls_name}: {cause.message.strip()})" if cause is not error else ""
        lines.append(f"  step {event.step_key}: {error.cls_name}: {error.message.strip()}{detail}")
    return "\n".join(lines) or "  (no step failed: see the run's logs in the UI)"


def tick(ctx: DemoContext, sensor: SensorDefinition) -> tuple[list[RunRequest], str | None]:
    """One evaluation of ``sensor`` from its stored cursor, its new partitions added; the new cursor is returned,
    to be stored once its runs succeeded (a failed demo then asks again on the next try)."""
    result = _evaluate(ctx.defs.resources, ctx.instance, ctx.cursors, sensor)
    for request in getattr(result, "dynamic_partitions_requests", None) or []:
        ctx.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return list(getattr(result, "run_requests", None) or []), getattr(result, "cursor", None)


def tick_once(resources: dict, instance: DagsterInstance, cursors: SensorCursors, sensor: SensorDefinition) -> list[RunRequest]:
    """What ``sensor`` would request now with ``resources``: evaluated from its stored cursor, nothing added, stored
    or run."""
    return list(getattr(_evaluate(resources, instance, cursors, sensor), "run_requests", None) or [])


def _evaluate(resources: dict, instance: DagsterInstance, cursors: SensorCursors, sensor: SensorDefinition):
    context = build_sensor_context(instance=instance, cursor=cursors.get(sensor.name), sensor_name=sensor.name,
                                   resources=resources)
    return sensor(context)


def run_sensor(ctx: DemoContext, sensor: SensorDefinition) -> None:
    """Tick ``sensor`` and run what it requests, tagged like the daemon's runs, until it requests nothing more (a
    step waiting for another of the same sensor's runs is requested on the next tick). A sensor still requesting
    after ``MAX_TICKS`` ticks asks for what its runs did not make: that is a bug, and the demo stops on it."""
    for _ in range(MAX_TICKS):
        requests, cursor = tick(ctx, sensor)
        for request in requests:
            tags = {**request.tags, SENSOR_NAME_TAG: sensor.name, **({RUN_KEY_TAG: request.run_key} if request.run_key else {})}
            run_job(ctx, request.job_name or sensor.job_name, request.partition_key, tags=tags)
        ctx.cursors.set(sensor.name, cursor)
        if not requests:
            return
    raise DemoStepError(f"{sensor.name} still requests runs after {MAX_TICKS} ticks: "
                        f"{', '.join(str(r.partition_key or r.job_name) for r in requests)}")


def stage_name(sensor: SensorDefinition) -> str:
    return sensor.name.removesuffix("_sensor")


def run_demo(sensors: list[SensorDefinition] | None = None) -> DemoReport:
    """Each of the Definitions' sensors in turn (or ``sensors``), as the daemon would tick them, with their runs in
    process; one stage per sensor. vLLM engines a stage loaded are closed after it."""
    settings.set_offline_defaults()
    ensure_dagster_home()
    from assets.definitions import SENSORS, defs
    from resources.generator import close_engines

    instance = DagsterInstance.get()
    reclaim_dead_demo_runs(instance)  # a killed demo's runs would hold their pool slots forever
    with sensor_cursors(instance) as cursors:
        ctx = DemoContext(defs, instance, cursors)
        for sensor in sensors or SENSORS:
            started = time.time()
            log.info("stage %s ...", stage_name(sensor))
            try:
                run_sensor(ctx, sensor)
            finally:
                close_engines()
            ctx.report.stages.append((stage_name(sensor), time.time() - started))
            log.info("stage %s done in %.1f s", stage_name(sensor), time.time() - started)
        if (leaderboard := ctx.resource("store").get().current("leaderboard", None)) is not None:
            ctx.report.leaderboard = leaderboard.stats
    return ctx.report
