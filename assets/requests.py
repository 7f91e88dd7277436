"""Run requests for outdated partitions: one per version a partition should move to, never two.

The run key names the version the step would make, so the daemon never requests the same version twice
(a failed run is not retried by the sensor: fix the cause, then materialize it, or change what it reads),
and a partition that is current is never requested at all. No cursor is needed to remember what was asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from dagster import RunRequest, SkipReason

from assets.planner import OUTDATED, WAITING, Planner, Status


def outdated(planner: Planner, assets: Iterable[str], label: str | None) -> list[Status]:
    """The statuses of ``assets`` (one job's) for one partition, when at least one of them is outdated and none is
    waiting for an input outside the job; else empty."""
    statuses = [planner.status(asset, label) for asset in assets]
    if not any(s.state == OUTDATED for s in statuses):
        return []
    in_job = {f"{s.asset}[{s.partition}]" for s in statuses}
    if any(s.state == WAITING and not set(s.causes) <= in_job for s in statuses):
        return []
    return statuses


def request_for(statuses: list[Status], partition_key, tags: dict[str, str] | None = None,
                job_name: str | None = None) -> RunRequest:
    """``job_name``: for a sensor that targets several jobs."""
    versions = ":".join(f"{s.asset}@{(s.implied or '')[:16]}" for s in statuses)
    changed = "; ".join(s.describe() for s in statuses if s.state == OUTDATED)
    return RunRequest(run_key=f"{statuses[0].partition}:{versions}", partition_key=partition_key, job_name=job_name,
                      tags={**(tags or {}), "factory/why": changed[:1000]})


def skip(planner: Planner, reason: str) -> SkipReason:
    """``reason``, and why a partition could not be planned, if one could not (e.g. an input never materialized)."""
    blocked = planner.unplannable()
    if blocked:
        reason += f"; {len(blocked)} partition(s) cannot be planned yet, e.g. {blocked[0].describe()}"
    return SkipReason(reason)
