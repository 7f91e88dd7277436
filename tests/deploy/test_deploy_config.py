"""deploy/*.yaml are valid instance configs: every section checked against Dagster's schema, and the
cluster's run launcher and compute-log manager against their own classes' schemas."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ENVIRONMENT = {
    "DAGSTER_PG_HOST": "db.internal", "DAGSTER_PG_PORT": "5432", "DAGSTER_PG_DB": "dagster", "DAGSTER_PG_USERNAME": "dagster",
    "DAGSTER_PG_PASSWORD": "secret", "FACTORY_K8S_NAMESPACE": "factory", "FACTORY_IMAGE": "factory:latest",
    "FACTORY_LOG_BUCKET": "factory-logs",
}


@pytest.fixture
def cluster_environment(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("name", ["dagster.yaml", "dagster.postgres.yaml"])
def test_instance_configs_validate_against_dagster_schema(name, cluster_environment):
    from dagster._core.instance.config import dagster_instance_config

    config, _ = dagster_instance_config(str(DEPLOY), config_filename=name)
    assert "postgres_db" in config["storage"]["postgres"]


@pytest.mark.parametrize("section", ["storage", "run_launcher", "compute_logs"])
def test_cluster_classes_import_and_accept_their_config(section, cluster_environment):
    from dagster._config import process_config

    raw = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    if section == "storage":
        module, name, config = "dagster_postgres", "DagsterPostgresStorage", raw["storage"]["postgres"]
    else:
        module, name, config = raw[section]["module"], raw[section]["class"], raw[section]["config"]
    klass = getattr(importlib.import_module(module), name)
    result = process_config(klass.config_type(), config)
    assert result.success, result.errors


def test_cluster_config_limits_gpu_runs_and_reads_secrets_from_the_environment():
    text = (DEPLOY / "dagster.yaml").read_text()
    raw = yaml.safe_load(text)
    assert raw["run_launcher"]["class"] == "K8sRunLauncher" and raw["compute_logs"]["class"] == "S3ComputeLogManager"
    assert {"key": "factory/pool", "value": "gpu", "limit": 16} in raw["concurrency"]["runs"]["tag_concurrency_limits"]
    assert raw["storage"]["postgres"]["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}
