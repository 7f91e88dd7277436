"""Staleness, one check per planned asset: is every partition's current version the one its step would make now?

Dagster marks an asset stale only along partition mappings it can follow and code versions it is told;
across an all-partitions fan-in (a dump's chunks into `deduped`, many sources into a mix, every mix
into the leaderboard), or after a settings change, it cannot. The planner can: for each partition with
a current version, the version its step would make from the current settings, code, libraries and
input versions. A partition is *outdated* when they differ (the check names each cause: config key
with both values, code version, input, library) and *waiting* when an input is outdated. The checks
run with each materialization of their asset and on demand (`staleness_job`, the hourly
`staleness_schedule`, or "Execute checks" in the UI); the sensors request the same outdated partitions.
"""

from __future__ import annotations

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    MetadataValue,
    MultiPartitionKey,
    ScheduleDefinition,
    asset_check,
    define_asset_job,
)

from assets.planner import CURRENT, PLANNER_RESOURCES, UNPLANNABLE, Planner
from factory.store.partitions import UNPARTITIONED, partition_label

CHECK_NAME = "up_to_date"


def stale_partitions(planner: Planner, asset: str, partitions: list[str] | None = None) -> dict[str, dict]:
    """Each partition of ``asset`` (or of ``partitions``, store labels) whose current version is not the one its step
    would make now: its state (outdated or waiting), the two versions and the causes."""
    found = {}
    for partition in planner.store.partitions(asset) if partitions is None else partitions:
        status = planner.status(asset, None if partition == UNPARTITIONED else partition)
        if status.state not in (CURRENT, UNPLANNABLE):
            found[partition] = {"state": status.state, "current": status.current, "implied": status.implied,
                                "causes": status.causes, "describe": status.describe()}
    return found


def check_result(planner: Planner, asset: str, partitions: list[str] | None = None) -> AssetCheckResult:
    stale = stale_partitions(planner, asset, partitions)
    lines = [item["describe"] for item in stale.values()]
    return AssetCheckResult(
        passed=not stale, severity=AssetCheckSeverity.WARN,
        description=(f"{len(stale)} partition(s) not at the version their step would make now: " + "; ".join(lines[:5])
                     + ("; ..." if len(lines) > 5 else "") if stale
                     else "every current version is the one the step would make now (settings, code, inputs)"),
        metadata={"stale_partitions": MetadataValue.json(stale)},
    )


def up_to_date_check(asset: str) -> AssetChecksDefinition:
    @asset_check(asset=asset, name=CHECK_NAME, blocking=False, required_resource_keys=PLANNER_RESOURCES,
                 description="every partition's current version is the one its step would make now from the current "
                             "settings, code, libraries and input versions (the cause is named when not)")
    def _check(context) -> AssetCheckResult:
        planner = Planner.from_context(context)
        return check_result(planner, asset, run_partitions(context, planner, asset))

    return _check


def run_partitions(context, planner: Planner, asset: str) -> list[str] | None:
    """The store label of the partition a run materialized (checked alone: a check per run over every partition would
    cost O(partitions) per run); None in a run without one (the staleness job, the UI's "Execute"): every partition."""
    if not context.has_partition_key:
        return None
    key = context.partition_key
    if isinstance(key, MultiPartitionKey):  # the store names the dump first: dump=X/chunk=Y, dump=X/recipe=Y
        keys = dict(key.keys_by_dimension)
        return [partition_label({"dump": keys.pop("dump"), **keys} if "dump" in keys else keys)]
    # One dimension: a dump (``dump=X`` in the store) or a mix (``X``).
    return [label for label in (partition_label({"dump": key}), key) if planner.store.current(asset, label)][:1]


CHECKED_ASSETS = tuple(Planner.PLANNED)
STALENESS_CHECKS = [up_to_date_check(asset) for asset in CHECKED_ASSETS]
staleness_job = define_asset_job(
    "staleness_job", selection=AssetSelection.checks(*STALENESS_CHECKS),
    description="Re-run the up_to_date check of every asset the planner plans.",
)
staleness_schedule = ScheduleDefinition(job=staleness_job, cron_schedule="0 * * * *",
                                        default_status=DefaultScheduleStatus.RUNNING)
