"""The demo's crawl and curation stages against a Postgres-backed Dagster instance (deploy/dagster.postgres.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import AssetKey, DagsterInstance, DagsterRunStatus

REPO = Path(__file__).resolve().parents[2]


def test_crawl_and_curation_runs_are_recorded_in_postgres(postgres, tmp_path, web_data, monkeypatch):
    from assets.definitions import defs
    from assets.curation_sensors import deduped_sensor
    from assets.demo import DemoContext, run_sensor
    from assets.quality_sensors import categories_sensor
    from assets.sensors import crawl_sensor
    from assets.sensor_cursors import sensor_cursors

    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("FACTORY_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("FACTORY_CHUNKS", "1")
    crawl = tmp_path / "crawl" / "wget"
    crawl.mkdir(parents=True)
    for name in ("sample-0000.warc.gz", "sample-0001.warc.gz"):
        (crawl / name).symlink_to(web_data / "dolma" / name)
    monkeypatch.setenv("FACTORY_CRAWL", str(crawl.parent))

    instance = DagsterInstance.get()
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    with sensor_cursors(instance) as cursors:  # the sensors' cursors, kept in Postgres like the daemon's
        ctx = DemoContext(defs, instance, cursors)
        for sensor in (categories_sensor, crawl_sensor, deduped_sensor):  # the demo's first stages
            run_sensor(ctx, sensor)
        assert cursors.get("crawl_sensor")  # the crawl's discovery; the other sensors request by version, with no cursor

    runs = instance.get_runs()
    assert {run.job_name for run in runs} >= {"categories_job", "crawl_job", "deduped_job"}
    assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
    assert instance.get_dynamic_partitions("dumps") == ["wget"]
    deduped = instance.get_latest_materialization_event(AssetKey("deduped"))
    assert deduped is not None and deduped.asset_materialization.partition == "wget"
    # A second instance object (another webserver or daemon) sees the same history through the database.
    again = DagsterInstance.from_config(str(home))
    assert len(again.get_runs()) == len(runs)
