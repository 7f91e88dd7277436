"""The demo, the `dagster` CLI and the daemon's sensors share one configuration and one cursor: what the demo
made is a no-op from the others. And a failing demo stops with the step's error instead of hanging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
DUMP = "whirlwind"


@pytest.fixture
def demo_env(tmp_path, web_data):
    """A fresh home, a one-dump crawl and a settings file capping curation, like the README's factory.yaml."""
    crawl = tmp_path / "crawl" / DUMP
    crawl.mkdir(parents=True)
    for name in ("whirlwind.warc.gz", "whirlwind.warc.wet.gz"):
        (crawl / name).symlink_to(web_data / DUMP / name)
    settings_file = tmp_path / "factory.yaml"
    settings_file.write_text(f"crawl_source: {crawl.parent}\nresources:\n  curation_settings:\n    max_documents_per_file: 5\n")
    env = {**os.environ, "FACTORY_HOME": str(tmp_path / "home"), "FACTORY_SETTINGS": str(settings_file),
           "FACTORY_CHUNKS": "1", "DAGSTER_HOME": str(tmp_path / "home" / "dagster")}
    for name in ("FACTORY_STORE", "FACTORY_CRAWL"):
        env.pop(name, None)
    return env


def _python(script: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_a_partition_the_demo_made_is_a_no_op_from_the_cli_and_the_sensor(demo_env):
    demo = _python("""
        from assets.demo import run_demo
        from assets.quality_sensors import categories_sensor
        from assets.sensors import crawl_sensor
        report = run_demo([categories_sensor, crawl_sensor])
        print("ROWS", [row[:4] for row in report.rows])
    """, demo_env)
    assert demo.returncode == 0, demo.stderr[-3000:]

    # The CLI a user would type, in a fresh process that reads only factory.yaml and the instance.
    cli = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "dagster"), "asset", "materialize", "-m", "assets.definitions", "-a", "defs",
         "--select", "raw_crawl,filtered", "--partition", f"000|{DUMP}"],
        cwd=REPO, env=demo_env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr[-3000:]
    check = _python("""
        import json
        from dagster import AssetKey, DagsterInstance, build_sensor_context
        from dagster._core.storage.tags import SENSOR_NAME_TAG
        from assets.definitions import defs
        from assets.sensor_cursors import sensor_cursors
        from assets.sensors import crawl_sensor

        instance = DagsterInstance.get()
        versions = {}
        for asset in ("raw_crawl", "filtered"):
            records = instance.fetch_materializations(AssetKey(asset), limit=10).records
            versions[asset] = [(r.asset_materialization.metadata["store_version"].value,
                                r.asset_materialization.metadata["reused_committed_version"].value) for r in records]
        with sensor_cursors(instance) as cursors:
            cursor = cursors.get("crawl_sensor")
        tick = crawl_sensor(build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources))
        runs = instance.get_runs()
        shown = instance.fetch_materializations(AssetKey("filtered"), limit=1).records[0].asset_materialization.metadata
        display = {"removal_by_filter": type(shown["removal_by_filter"]).__name__,
                   "removal_rates_inline_png": "](data:image/png;base64," in shown["removal_rates"].value}
        print(json.dumps({"versions": versions, "display": display, "tick": type(tick).__name__, "cursor": cursor,
                          "demo_runs_tagged": sum(1 for r in runs if r.tags.get(SENSOR_NAME_TAG) == "crawl_sensor")}))
    """, demo_env)
    assert check.returncode == 0, check.stderr[-3000:]
    state = json.loads(check.stdout.strip().splitlines()[-1])
    for asset, history in state["versions"].items():  # newest first: the CLI's run reused the demo's version
        assert len(history) == 2 and history[0] == [history[1][0], True], (asset, history)
    assert state["cursor"] and DUMP in json.loads(state["cursor"])
    assert state["tick"] == "SkipReason"  # the daemon's sensor would request nothing again
    assert state["demo_runs_tagged"] == 1  # and finds the demo's run under its run key
    # What the UI shows of it: the removal table as a table, the removal rates as a picture.
    assert state["display"] == {"removal_by_filter": "TableMetadataValue", "removal_rates_inline_png": True}


def test_a_bad_setting_stops_the_demo_before_any_run(demo_env, tmp_path):
    settings_file = tmp_path / "broken.yaml"
    settings_file.write_text(f"crawl_source: {tmp_path / 'crawl'}\nresources:\n  curation_settings:\n    extractor: nope\n")
    demo = subprocess.run([os.path.join(os.path.dirname(sys.executable), "factory"), "demo"], cwd=REPO,
                          env={**demo_env, "FACTORY_SETTINGS": str(settings_file)}, capture_output=True, text=True, timeout=240)
    output = demo.stdout + demo.stderr
    assert demo.returncode != 0, output[-3000:]
    assert "resources.curation_settings: extractor must be one of" in output and "'nope'" in output, output[-3000:]
    assert not (Path(demo_env["FACTORY_HOME"]) / "store").exists()  # nothing was written


def test_a_crawl_file_that_cannot_be_read_stops_the_demo_naming_it(demo_env, tmp_path):
    """A step that fails at run time (not a setting): the demo exits 1 within seconds with the job, the partition
    and the file, never a traceback of the orchestrator."""
    crawl = next((tmp_path / "crawl").iterdir())
    (crawl / "junk.warc.gz").write_bytes(bytes(range(256)) * 64)  # not gzip from its first byte
    started = time.time()
    demo = subprocess.run([os.path.join(os.path.dirname(sys.executable), "factory"), "demo"], cwd=REPO, env=demo_env,
                          capture_output=True, text=True, timeout=240)
    output = demo.stdout + demo.stderr
    assert demo.returncode == 1, output[-3000:]
    assert "The demo stopped: crawl_job for partition" in output and "junk.warc.gz" in output, output[-3000:]
    assert "not a gzip file" in output and "Traceback" not in output, output[-3000:]
    assert time.time() - started < 200
