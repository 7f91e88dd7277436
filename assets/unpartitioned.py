"""Unpartitioned steps (the classifiers, the contamination index, the leaderboard): each is one job and the one sensor
that requests it, both made from the assets it materializes.

The sensor requests the job when the planner finds one of those assets outdated (a setting, the code, a library or an
input changed) and none waits for an input outside the job, keyed by the versions it will make, so a setting edited
in ``factory.yaml`` reaches the daemon and ``make demo`` alike and a current asset is never requested.
"""

from __future__ import annotations

from dagster import AssetSelection, DefaultSensorStatus, SensorEvaluationContext, SensorResult, define_asset_job, sensor

from assets.planner import PLANNER_RESOURCES, Planner
from assets.requests import outdated, request_for, skip


def unpartitioned_step(name: str, assets: list[str], description: str, interval_s: int = 120,
                       default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING):
    """``<name>_job`` materializing ``assets`` and ``<name>_sensor`` requesting it when one of them is outdated (off by
    default for a step that may need the GPU, as the GPU sensors are)."""
    job = define_asset_job(f"{name}_job", selection=AssetSelection.assets(*assets), description=description)

    @sensor(name=f"{name}_sensor", job=job, minimum_interval_seconds=interval_s, default_status=default_status,
            required_resource_keys=PLANNER_RESOURCES, description=f"Requests {job.name} when {' or '.join(assets)} "
                                                                    "would make a new version (a setting, the code, an input).")
    def requests_when_outdated(context: SensorEvaluationContext, **resources):
        planner = Planner.from_context(context)
        if statuses := outdated(planner, assets, None):
            return SensorResult(run_requests=[request_for(statuses, None, job_name=job.name)])
        return skip(planner, f"{', '.join(assets)}: current, or waiting for an input")

    return job, requests_when_outdated
