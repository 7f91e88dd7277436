"""Staleness Dagster cannot see: current versions built from inputs that are no longer current.

Dagster marks an asset stale only along partition mappings it can follow; across an all-partitions
fan-in (a dump's chunks into `deduped`, many sources into a mix, every mix into the leaderboard) it
does not. The store's manifests record the exact input versions, so each check compares them with
the partitions' current pointers, for every partition of its asset. The checks run with each
materialization of their asset and on demand (`staleness_job`, hourly `staleness_schedule`, or
"Execute checks" in the UI); `factory lineage` marks the same nodes.
"""

from __future__ import annotations

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    MetadataValue,
    ScheduleDefinition,
    asset_check,
    define_asset_job,
)

from factory.audit.index import StoreIndex
from factory.audit.staleness import superseded_inputs
from factory.store import Store
from resources import StoreResource

CHECKED_ASSETS = ("mixed", "proxy_model", "proxy_eval", "leaderboard")
CHECK_NAME = "inputs_current"


def stale_partitions(store: Store, asset: str) -> dict[str, list[str]]:
    """Each partition of ``asset`` whose current version was built, directly or further up, from a superseded version."""
    index = StoreIndex(store)
    found = {}
    for partition in store.partitions(asset):
        manifest = store.current(asset, partition)
        if manifest is not None and (superseded := superseded_inputs(index, manifest)):
            found[partition] = [item.describe() for item in superseded]
    return found


def inputs_current_check(asset: str) -> AssetChecksDefinition:
    @asset_check(asset=asset, name=CHECK_NAME, blocking=False,
                 description="every partition's current version was built from the current versions of its inputs, "
                             "all the way up (Dagster cannot see this across all-partitions fan-ins)")
    def _check(store: StoreResource) -> AssetCheckResult:
        stale = stale_partitions(store.get(), asset)
        summary = "; ".join(f"{partition}: {len(items)} superseded input(s), e.g. {items[0]}" for partition, items in stale.items())
        return AssetCheckResult(
            passed=not stale, severity=AssetCheckSeverity.WARN,
            description=(f"rebuild {len(stale)} partition(s): {summary}" if stale
                         else "every current version was built from current inputs"),
            metadata={"stale_partitions": MetadataValue.json(stale)},
        )

    return _check


STALENESS_CHECKS = [inputs_current_check(asset) for asset in CHECKED_ASSETS]
staleness_job = define_asset_job(
    "staleness_job", selection=AssetSelection.checks(*STALENESS_CHECKS),
    description="Re-run the inputs_current checks of mixed, proxy_model, proxy_eval and leaderboard.",
)
staleness_schedule = ScheduleDefinition(job=staleness_job, cron_schedule="0 * * * *",
                                        default_status=DefaultScheduleStatus.RUNNING)
