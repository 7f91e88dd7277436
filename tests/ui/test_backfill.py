"""A backfill launched the way the UI launches one (GraphQL `launchPartitionBackfill`) against a running
`dagster dev`: the daemon runs it, it materializes exactly the partitions asked for, and the same
backfill again is the store's no-op (every materialization reuses its committed version)."""

from __future__ import annotations

import time

import pytest
from ui_helpers import ASSET_MATERIALIZATIONS, add_dump, launch_backfill, store_versions, wait_for_backfill

pytestmark = pytest.mark.ui

DUMP = "text"
PARTITIONS = [f"000|{DUMP}", f"001|{DUMP}"]  # every chunk of the dump (FACTORY_CHUNKS=2), as Dagster writes keys
ASSETS = ["raw_crawl", "filtered"]  # crawl_job's selection: what the crawl sensor requests per chunk
BACKFILL_TIMEOUT_S = 300


def materializations_by(ui, backfill: dict) -> dict[tuple[str, str], dict[str, dict]]:
    """(asset, partition) -> metadata entries by label, for every materialization the backfill's runs made."""
    run_ids = {run["runId"] for run in backfill["runs"]}
    found: dict[tuple[str, str], dict[str, dict]] = {}
    for asset in ASSETS:
        data = ui.graphql(ASSET_MATERIALIZATIONS, {"key": {"path": [asset]}, "partitions": PARTITIONS})
        for event in data["assetOrError"]["assetMaterializations"]:
            if event["runId"] in run_ids:
                assert (asset, event["partition"]) not in found, f"{asset} {event['partition']} materialized twice"
                found[(asset, event["partition"])] = {entry["label"]: entry for entry in event["metadataEntries"]}
    return found


def assert_ran_exactly(backfill: dict) -> None:
    assert sorted(run["partition"] for run in backfill["runs"]) == PARTITIONS, backfill["runs"]  # one run each
    assert all(run["status"] == "SUCCESS" for run in backfill["runs"]), backfill["runs"]


def test_backfill_from_the_ui_materializes_its_partitions_and_a_repeat_reuses_them(dagster_ui):
    started = time.time()
    add_dump(dagster_ui, DUMP)  # the UI's "Add a partition" (the crawl sensor would add it for a new dump folder)

    first_id = launch_backfill(dagster_ui, ASSETS, PARTITIONS)
    first = wait_for_backfill(dagster_ui, first_id, BACKFILL_TIMEOUT_S, runs_expected=len(PARTITIONS))
    first_done = time.time()
    assert_ran_exactly(first)
    made = materializations_by(dagster_ui, first)
    assert sorted(made) == sorted((asset, key) for asset in ASSETS for key in PARTITIONS)
    assert not any(meta["reused_committed_version"]["boolValue"] for meta in made.values())
    versions = store_versions(dagster_ui.store_root, ASSETS, PARTITIONS)
    assert sorted((asset, key) for asset, key, _ in versions) == sorted(made)  # one committed version each
    kept = sum(made[("filtered", key)]["count/documents"]["intValue"] for key in PARTITIONS)
    assert kept > 0, "curation should keep some of the 20 English pages"
    extracted = sum(made[("filtered", key)].get("count/documents_in", {}).get("intValue", 0) for key in PARTITIONS)
    assert extracted > 20, "the WARC's HTML pages reached the filters too"

    # The same backfill again: new runs, no new data.
    second_id = launch_backfill(dagster_ui, ASSETS, PARTITIONS)
    second = wait_for_backfill(dagster_ui, second_id, BACKFILL_TIMEOUT_S, runs_expected=len(PARTITIONS))
    assert_ran_exactly(second)
    again = materializations_by(dagster_ui, second)
    assert sorted(again) == sorted(made)
    for key, meta in again.items():
        assert meta["reused_committed_version"]["boolValue"] is True, (key, meta["reused_committed_version"])
        assert meta["store_version"]["text"] == made[key]["store_version"]["text"], key
    assert store_versions(dagster_ui.store_root, ASSETS, PARTITIONS) == versions  # nothing new in the store

    # The daemon's tick that started the repeat's runs has closed the first backfill (the repeat closes on
    # the next tick, up to 30 s later: not waited for).
    first = wait_for_backfill(dagster_ui, first_id, BACKFILL_TIMEOUT_S)
    assert first["status"] == "COMPLETED_SUCCESS", first
    print(f"[ui] backfill {first_id}: its runs done {first_done - started:.0f} s after launch; repeat {second_id}: "
          f"runs done {time.time() - first_done:.0f} s later; {kept} documents kept")
