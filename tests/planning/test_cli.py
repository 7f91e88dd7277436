"""`factory plan` end to end: a local warc.paths.gz, a store of measured manifests, JSON and table output, errors."""

from __future__ import annotations

import json

import pytest
from planning_fixtures import write_paths
from typer.testing import CliRunner

from factory.cli import app

H = 3600


def _invoke(*args: str):
    return CliRunner().invoke(app, ["plan", *args])


def test_plan_json_from_a_local_paths_file_and_a_measured_store(measured_store, paths_file):
    result = _invoke("commoncrawl:CC-TEST", "--paths", str(paths_file), "--store", measured_store.root_uri, "--json",
                     "--warc-gb", "0.01", "--nodes", "2", "--cpus-per-node", "8", "--gpus-per-node", "2",
                     "--chunks", "8", "--proxy-config", "test-micro", "--recipes", "finephrase_faq",
                     "--mixes", "web-only")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dump"] == "CC-TEST" and data["files"] == 1000 and len(data["chunks"]["files_per_chunk"]) == 8
    stages = {stage["stage"]: stage for stage in data["stages"]}
    assert stages["filtered"]["tasks"] == {"filter": 1000}
    assert stages["raw_crawl"]["tasks"] == {"index": 8}
    # 1,000 files x 1,000 records/file x 0.4 CPU-s/doc.
    assert stages["filtered"]["cpu_hours"]["value"] == pytest.approx(1000 * 1000 * 0.4 / H)
    assert data["totals"]["wall_hours"]["value"] == pytest.approx(
        data["totals"]["cpu_hours"]["value"] / 16 + data["totals"]["gpu_hours"]["value"] / 4)
    labels = {figure["name"]: figure["label"] for figure in data["costs"]}
    assert labels["bytes_per_record"] == "measured (2 partitions)"
    assert labels["generation_tokens_per_s"] == "measured (1 partition)"
    assert data["targets"] == {"proxy_config": "test-micro", "proxy_params": 26720, "proxy_train_tokens": 10240,
                               "recipes": ["finephrase_faq"], "mixes": ["web-only"]}


def test_plan_table_defaults_to_the_configured_proxy_recipes_and_mixes(tmp_path, paths_file, monkeypatch):
    monkeypatch.delenv("FACTORY_PROXY_CONFIG", raising=False)
    monkeypatch.delenv("FACTORY_MIXES", raising=False)
    monkeypatch.setenv("FACTORY_CHUNKS", "4")
    result = _invoke("commoncrawl:CC-MAIN-2024-18", "--paths", str(paths_file), "--store", str(tmp_path / "empty"))
    assert result.exit_code == 0, result.output
    assert "Plan for CC-MAIN-2024-18" in result.stdout and "Stages" in result.stdout and "Store size" in result.stdout
    data = json.loads(_invoke("commoncrawl:CC-MAIN-2024-18", "--paths", str(paths_file), "--store", str(tmp_path / "e"),
                              "--json").stdout)
    assert data["targets"]["proxy_config"] == "proxy-1.7b" and len(data["targets"]["recipes"]) >= 12
    assert "web-only" in data["targets"]["mixes"] and data["options"]["chunks"] == 4


def test_plan_reads_the_list_from_base_url_without_paths(tmp_path, measured_store):
    write_paths(tmp_path / "mirror" / "crawl-data" / "CC-TEST" / "warc.paths.gz", files=30)
    result = _invoke("commoncrawl:CC-TEST", "--base-url", str(tmp_path / "mirror"), "--store", measured_store.root_uri,
                     "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"] == 30


@pytest.mark.parametrize("args, message", [
    (["commoncrawl:CC-TEST", "--paths", "{tmp}/missing.paths.gz"], "not found: pass --paths a local copy"),
    (["CC-TEST", "--paths", "{tmp}/missing.paths.gz"], "not a Common Crawl source"),
    (["commoncrawl:CC-TEST", "--paths", "{paths}", "--recipes", "no_such_recipe"],
     "unknown recipe(s) ['no_such_recipe']"),
    (["commoncrawl:CC-TEST", "--paths", "{paths}", "--proxy-config", "proxy-9t"], "proxy config 'proxy-9t' not found"),
    (["commoncrawl:CC-TEST", "--paths", "{paths}", "--nodes", "0"], "--nodes must be at least 1"),
])
def test_errors_say_what_failed_and_exit_non_zero(tmp_path, paths_file, args, message):
    args = [a.format(tmp=tmp_path, paths=paths_file) for a in args]
    result = _invoke(*args, "--store", str(tmp_path / "store"))
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
