"""The README's main job as shipped: `factory demo` with the repository's factory.yaml, on a fresh store, runs crawl to
leaderboard, and a second run is a no-op. If a change to the settings, a recipe or a step makes `make demo` fail on a
fresh clone, this fails first."""

from __future__ import annotations

import json
from itertools import combinations

import pytest

from assets.definitions import SENSORS
from assets.demo import stage_name
from factory.mixing import load_recipes
from factory.store import Store
from factory.store.manifest import MANIFEST_NAME

# The demo runs in the first test's setup and pytest-timeout counts it: the limit is the demo's (conftest's
# SHIPPED_DEMO_TIMEOUT_S) plus the tests' own minutes, not the suite's default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
# What each stage of the demo materializes: every one must show up in the report of a fresh run.
STAGE_ASSETS = {
    "categories": {"category_classifier"}, "crawl": {"raw_crawl", "filtered"}, "deduped": {"deduped"},
    "quality_model": {"quality_annotations", "quality_classifier"}, "quality": {"quality_scores", "edu_filtered"},
    "recipe": set(), "synthetic": {"synthetic"}, "contamination": {"contamination_index"}, "mix": {"mixed"},
    "training": {"proxy_model", "proxy_eval"}, "leaderboard": {"leaderboard"},
}


def _store_versions(store: Store) -> list[str]:
    return sorted(store.glob(f"{store.root}/**/{MANIFEST_NAME}"))


def test_the_main_job_runs_crawl_to_leaderboard_as_shipped(shipped_demo):
    report = shipped_demo.report
    # One stage per sensor, in the Definitions' order: each made what its sensor requests.
    assert [stage["stage"] for stage in report["stages"]] == [stage_name(s) for s in SENSORS] == list(STAGE_ASSETS)
    made = {row["asset"] for row in report["materializations"]}
    for stage, assets in STAGE_ASSETS.items():
        assert assets <= made, f"stage {stage} materialized none of {sorted(assets - made)}"
    assert report["new_versions"] == len(report["materializations"])  # a fresh store: everything was computed

    demo_mixes = sorted(name for name, recipe in load_recipes().items() if recipe.demo)
    for asset in ("mixed", "proxy_model", "proxy_eval"):
        assert sorted(row["partition"] for row in report["materializations"] if row["asset"] == asset) == demo_mixes, asset

    store = Store(shipped_demo.store_root)
    benchmarks = set(store.require_current("contamination_index", None).stats["sources"])
    for mix in demo_mixes:  # every mix was checked against every benchmark and held-out domain, and says what it found
        report = store.require_current("mixed", mix).stats["contamination"]
        assert {row["source"] for row in report["sources"]} == benchmarks and report["removed"] == report["documents"], mix
    leaderboard = store.require_current("leaderboard", None)
    assert leaderboard.files_under("decisions"), "the leaderboard has no decisions table"
    pairs = {frozenset(pair) for pair in combinations(demo_mixes, 2)}
    primary = leaderboard.stats["rows"][0]["primary_metric"]
    decided_pairs = {frozenset((d["a"], d["b"])) for d in leaderboard.stats["decisions"] if d["metric"] == primary}
    assert decided_pairs == pairs  # one decision for every pair of mixes on the primary metric
    text = store.get(f"{store.version_dir('leaderboard', None, leaderboard.version)}/leaderboard.md").decode()
    assert "**Decisions**" in text and all(mix in text for mix in demo_mixes)
    assert "demo finished in" in shipped_demo.output


def test_a_second_run_of_the_main_job_is_a_no_op(shipped_demo, tmp_path):
    store = Store(shipped_demo.store_root)
    before = _store_versions(store)
    again = shipped_demo.run("demo", "--report", str(tmp_path / "again.json"))
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]

    report = json.loads((tmp_path / "again.json").read_text())
    assert report["new_versions"] == 0, [row for row in report["materializations"] if not row["reused"]]
    assert _store_versions(store) == before  # nothing new was committed anywhere in the store


def _nodes(tree: dict):
    yield tree
    for child in tree.get("inputs") or []:
        yield from _nodes(child)


def test_the_demo_store_audits_clean_through_the_cli(shipped_demo):
    """What a user runs after the demo: every committed file re-hashes to its manifest, and the leaderboard's lineage
    reaches every stage down to the crawl files with their checksums."""
    verify = shipped_demo.run("verify")
    assert verify.returncode == 0, (verify.stdout + verify.stderr)[-3000:]
    lineage = shipped_demo.run("lineage", "leaderboard", "--json")
    assert lineage.returncode == 0, lineage.stderr[-3000:]
    nodes = list(_nodes(json.loads(lineage.stdout)))
    assets = {node["asset"] for node in nodes}
    assert set().union(*STAGE_ASSETS.values()) <= assets, assets
    crawl_files = [source for node in nodes if node["asset"] == "raw_crawl" for source in node["sources"]]
    assert crawl_files and all(source["checksum"].startswith("sha256:") for source in crawl_files), crawl_files[:2]


def test_every_demo_run_is_on_the_ui_timeline(shipped_demo):
    """The UI's timeline draws a run only when it knows the run's code location: the demo's in-process runs are
    recorded with the workspace's, like the daemon's."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from assets.run_origin import workspace_repository

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(shipped_demo.home / "dagster"))) as instance:
        runs = instance.get_runs()
    assert len(runs) >= len(shipped_demo.report["materializations"]) // 2, "the demo's runs are not in its instance"
    location = workspace_repository().code_location_origin.location_name
    unplaced = [run.job_name for run in runs
                if run.remote_job_origin is None or run.remote_job_origin.location_name != location]
    assert not unplaced, f"{len(unplaced)} of {len(runs)} demo runs carry no workspace origin, e.g. {unplaced[:3]}"


# Partitions the demo leaves unmaterialized on purpose, which the UI shows grey (missing): `synthetic` is made for the
# (dump, recipe) pairs its settings choose (one of 60 here), `semantic_deduped` is not part of the main job.
NOT_ALL_PARTITIONS = {"synthetic", "semantic_deduped"}


def test_every_partition_of_the_main_job_is_materialized_and_empty_ones_say_so(shipped_demo):
    """What the UI colours: a partition never materialized is grey. Every chunk and dump the demo covers has a version,
    the chunks the crawl gave no file too, and those are marked empty (0 rows), not one more plain green partition."""
    from dagster import AssetKey, DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from assets.definitions import defs

    graph = defs.resolve_asset_graph()
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(shipped_demo.home / "dagster"))) as instance:
        missing = {}
        for key in graph.get_all_asset_keys():
            partitions = graph.get(key).partitions_def
            if partitions is None or key.to_user_string() in NOT_ALL_PARTITIONS:
                continue
            every = set(partitions.get_partition_keys(dynamic_partitions_store=instance))
            if unmade := every - instance.get_materialized_partitions(key):
                missing[key.to_user_string()] = sorted(unmade)[:3]
        assert not missing, f"partitions the UI shows grey after a finished demo: {missing}"

        events = instance.fetch_materializations(AssetKey("filtered"), limit=1000).records
    metadata = [event.asset_materialization.metadata for event in events]
    empty = [m for m in metadata if m["dagster/row_count"].value == 0]
    assert empty, "the shipped crawl has chunks without files: their filtered versions should be empty"
    assert all(m["empty"].value is True for m in empty) and not any(m["empty"].value for m in metadata if m not in empty)
