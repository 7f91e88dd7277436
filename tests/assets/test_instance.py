"""The embedded instance a new user gets: runs queued to the machine's cores, GPU pool of one, no welcome dialog."""

from __future__ import annotations

import os

from dagster import DagsterInstance

from assets.instance import MANAGED_MARK, ensure_dagster_home


def test_the_embedded_instance_queues_runs_per_core_and_skips_the_welcome_dialog(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    home = ensure_dagster_home()
    with DagsterInstance.from_config(str(home)) as instance:
        config = instance.get_concurrency_config()
        assert config.run_queue_config.max_concurrent_runs == os.cpu_count()
        assert config.pool_config.default_pool_limit == 1
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1  # a failed sensor run is retried
    assert (home / ".nux" / "nux.yaml").exists()  # what dagster's setNuxSeen mutation writes


def test_a_managed_config_is_upgraded_and_a_users_own_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    config = tmp_path / "dagster" / "dagster.yaml"
    config.parent.mkdir()
    config.write_text(f"{MANAGED_MARK}\ntelemetry:\n  enabled: false\n")  # an older factory's file
    ensure_dagster_home()
    assert "max_concurrent_runs" in config.read_text()
    config.write_text("telemetry:\n  enabled: false\n")  # the user took it over
    ensure_dagster_home()
    assert config.read_text() == "telemetry:\n  enabled: false\n"
