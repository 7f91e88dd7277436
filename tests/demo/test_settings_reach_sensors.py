"""A settings change reaches the sensors: on the shipped demo's store, changing one setting per stage in the settings
file makes the sensors request exactly the partitions whose version that setting changes, and nothing else; what
depends on them waits until they are rebuilt. With the settings as shipped, nothing is stale and nothing is requested:
the sensors' plans agree with what the demo's runs made."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assets.partitions import CrawlPartition
from assets.synthetic import synthetic_key
from factory.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
REPO = Path(__file__).resolve().parents[2]
# One process evaluates every settings file in turn (the settings are read again for each): loading the code
# location once keeps the test to seconds.
SCRIPT = """
import json, os, sys
from assets.cli import stale_report
out = {}
for name, path in json.loads(sys.argv[1]).items():
    os.environ["FACTORY_SETTINGS"] = path
    out[name] = stale_report(requests=True)
print("REPORT" + json.dumps(out, default=str))
"""


def _settings(tmp_path: Path, name: str, edit) -> str:
    """The shipped factory.yaml with its folders made absolute and ``edit`` applied to its mapping."""
    shipped = yaml.safe_load((REPO / "factory.yaml").read_text())
    for key in ("crawl_source", "labelled_data"):
        shipped[key] = ",".join(str((REPO / item).resolve()) for item in shipped[key].split(","))
    edit(shipped)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(shipped))
    return str(path)


def _resource(name: str, **fields):
    def edit(settings: dict) -> None:
        settings["resources"].setdefault(name, {}).update(fields)
    return edit


@pytest.fixture(scope="module")
def reports(shipped_demo, tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("settings")
    mixes = tmp / "mixes"
    shutil.copytree(REPO / "factory/configs/mixes", mixes)
    recipe = yaml.safe_load((mixes / "web-only.yaml").read_text())
    recipe["total_tokens"] = int(recipe["total_tokens"]) + 1000  # one mix's budget
    (mixes / "web-only.yaml").write_text(yaml.safe_dump(recipe))
    files = {
        "shipped": _settings(tmp, "shipped", lambda settings: None),
        "curation": _settings(tmp, "curation", _resource("curation_settings", max_documents_per_file=1999)),
        "quality": _settings(tmp, "quality", _resource("quality_settings", threshold=2.5)),
        "quality_model": _settings(tmp, "quality_model", _resource("quality_settings", heldout_fraction=0.25)),
        "categories": _settings(tmp, "categories", _resource("category_settings", heldout_fraction=0.25)),
        "synthetic": _settings(tmp, "synthetic", _resource("synthetic_settings", max_documents=11)),
        "mix": _settings(tmp, "mix", _resource("mix_recipes", folder=str(mixes))),
        "trainer": _settings(tmp, "trainer", _resource("trainer", train_tokens=290000)),
        "decontamination": _settings(tmp, "decontamination", _resource("decontamination", ngram_size=12)),
    }
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(files)], cwd=REPO, env=shipped_demo.env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.split("REPORT", 1)[1])


def _requested(report: dict) -> dict[str, set[str]]:
    return {name: set(keys) for name, keys in report["requests"].items() if keys}


def _labels(store: Store, asset: str) -> list[dict[str, str]]:
    return [dict(part.split("=", 1) for part in label.split("/")) for label in store.partitions(asset)]


def _store(shipped_demo) -> Store:
    return Store(str(shipped_demo.home / "store"))


def test_as_shipped_nothing_is_stale_and_no_sensor_requests_anything(reports):
    assert reports["shipped"]["stale"] == []
    assert _requested(reports["shipped"]) == {}


def test_a_curation_setting_requests_every_crawled_chunk_and_dedup_waits(reports, shipped_demo):
    store = _store(shipped_demo)
    chunks = {CrawlPartition(keys["dump"], keys["chunk"]).dagster_key for keys in _labels(store, "filtered")}
    assert _requested(reports["curation"]) == {"crawl_sensor": chunks}
    states = {(s["asset"], s["state"]) for s in reports["curation"]["stale"]}
    assert ("filtered", "outdated") in states and ("deduped", "waiting") in states
    assert any("max_documents_per_file: 2000 -> 1999" in s["describe"] for s in reports["curation"]["stale"])


def test_the_quality_threshold_requests_the_scored_dumps_only(reports, shipped_demo):
    scored = {keys["dump"] for keys in _labels(_store(shipped_demo), "edu_filtered")}
    assert _requested(reports["quality"]) == {"quality_sensor": scored}
    assert {s["asset"] for s in reports["quality"]["stale"] if s["state"] == "outdated"} == {"edu_filtered"}


def test_the_category_classifier_is_requested_alone_and_every_tagging_step_waits(reports, shipped_demo):
    assert _requested(reports["categories"]) == {"categories_sensor": {"categories_job"}}
    stale = {(s["asset"], s["partition"], s["state"]) for s in reports["categories"]["stale"]}
    assert ("category_classifier", "all", "outdated") in stale
    store = _store(shipped_demo)
    for asset in ("filtered", "synthetic"):  # both tag every document with the classifier's version
        assert {p for a, p, state in stale if a == asset and state == "waiting"} == set(store.partitions(asset)), asset


def test_the_classifier_holdout_requests_the_quality_model_and_the_scores_wait(reports, shipped_demo):
    assert _requested(reports["quality_model"]) == {"quality_model_sensor": {"quality_model_job"}}
    stale = {(s["asset"], s["partition"], s["state"]) for s in reports["quality_model"]["stale"]}
    assert ("quality_classifier", "all", "outdated") in stale and not any(a == "quality_annotations" for a, _, _ in stale)
    scored = set(_store(shipped_demo).partitions("quality_scores"))
    assert {p for a, p, state in stale if a == "quality_scores" and state == "waiting"} == scored


def test_synthetic_max_documents_requests_the_synthetic_partitions_and_their_mixes_wait(reports, shipped_demo):
    made = {str(synthetic_key(keys["dump"], keys["recipe"])) for keys in _labels(_store(shipped_demo), "synthetic")}
    assert _requested(reports["synthetic"]) == {"synthetic_sensor": made}
    waiting = {s["partition"] for s in reports["synthetic"]["stale"] if s["asset"] == "mixed" and s["state"] == "waiting"}
    assert "web-plus-synthetic" in waiting and "web-only" not in waiting


def test_one_mix_recipe_requests_that_mix_only_and_its_proxy_waits(reports):
    assert _requested(reports["mix"]) == {"mix_sensor": {"web-only"}}
    stale = {(s["asset"], s["partition"], s["state"]) for s in reports["mix"]["stale"]}
    assert ("mixed", "web-only", "outdated") in stale and ("proxy_model", "web-only", "waiting") in stale
    assert ("leaderboard", "all", "waiting") in stale


def test_the_trainer_requests_every_trained_mix_and_the_leaderboard_waits(reports, shipped_demo):
    trained = set(_store(shipped_demo).partitions("proxy_model"))
    assert _requested(reports["trainer"]) == {"training_sensor": trained}
    assert any("proxy.train_tokens: 300000 -> 290000" in s["describe"] for s in reports["trainer"]["stale"])


def test_the_ngram_size_requests_the_contamination_index_and_every_mix_waits(reports, shipped_demo):
    assert _requested(reports["decontamination"]) == {"contamination_sensor": {"contamination_job"}}
    stale = {(s["asset"], s["partition"], s["state"]) for s in reports["decontamination"]["stale"]}
    assert ("contamination_index", "all", "outdated") in stale
    assert {p for a, p, state in stale if a == "mixed" and state == "waiting"} == set(_store(shipped_demo).partitions("mixed"))


def test_every_run_of_the_demo_finds_the_partition_it_made_up_to_date(shipped_demo):
    """Each run's up_to_date check plans the partition the run materialized: what the asset made is what its plan
    names (the runs and the sensors agree on every version)."""
    checks = [check for check in shipped_demo.report["checks"] if check["check"] == "up_to_date"]
    assert len(checks) >= 20, "the demo's runs ran no up_to_date check"
    assert all(check["passed"] for check in checks), [c["description"] for c in checks if not c["passed"]][:3]
