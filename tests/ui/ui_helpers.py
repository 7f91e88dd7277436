"""GraphQL calls the Dagster UI makes (the same mutations and queries), and the store's view of versions."""

from __future__ import annotations

import time
from pathlib import Path

from factory.store import Store

LOCATION = {"repositoryLocationName": "assets.definitions:defs", "repositoryName": "__repository__"}
# Materialized (with the leaderboard) by tests/ui/seed_instance.py; chunk|dump, as Dagster orders dimensions.
SEEDED_PARTITION = "001|html"

ADD_DYNAMIC_PARTITION = """
mutation($repo: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: $name, partitionKey: $key) {
    __typename ... on PythonError { message } ... on UnauthorizedError { message }
  }
}"""

LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on PartitionKeysNotFoundError { message partitionKeys }
    ... on InvalidSubsetError { message }
    ... on UnauthorizedError { message }
  }
}"""

BACKFILL = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      id status numPartitions error { message }
      runs { runId status tags { key value } }
    }
    ... on PythonError { message }
  }
}"""

ASSET_MATERIALIZATIONS = """
query($key: AssetKeyInput!, $partitions: [String!]) {
  assetOrError(assetKey: $key) {
    ... on Asset {
      assetMaterializations(partitions: $partitions) {
        runId partition tags { key value }
        metadataEntries {
          label
          ... on BoolMetadataEntry { boolValue }
          ... on TextMetadataEntry { text }
          ... on IntMetadataEntry { intValue }
        }
      }
    }
  }
}"""

RUNS = """
query($filter: RunsFilter!) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId status creationTime tags { key value } assetSelection { path } } }
  }
}"""

FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
FINISHED_RUN = {"SUCCESS", "FAILURE", "CANCELED"}


def add_dump(ui, dump: str) -> None:
    """Add a `dumps` partition, as the UI's "Add a partition" does (and as the crawl sensor would)."""
    result = ui.graphql(ADD_DYNAMIC_PARTITION, {"repo": LOCATION, "name": "dumps", "key": dump})["addDynamicPartition"]
    assert result["__typename"] in ("AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError"), result


def launch_backfill(ui, assets: list[str], partitions: list[str]) -> str:
    """The asset launch dialog's mutation: an asset selection and the partition keys picked in it."""
    params = {"assetSelection": [{"path": [asset]} for asset in assets], "partitionNames": partitions}
    result = ui.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert result["__typename"] == "LaunchBackfillSuccess", result
    return result["backfillId"]


def wait_for_backfill(ui, backfill_id: str, timeout_s: float, runs_expected: int | None = None) -> dict:
    """Poll until the daemon has finished the backfill, or (with runs_expected) until that many of its runs
    have finished: the daemon marks a backfill done only on its next tick, up to 30 s later.
    Each run gets its partition key as `partition`."""
    deadline = time.time() + timeout_s
    while True:
        backfill = ui.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        runs_done = all(r["status"] in FINISHED_RUN for r in backfill["runs"])
        if runs_done and (backfill["status"] in FINISHED_BACKFILL
                          or (runs_expected is not None and len(backfill["runs"]) >= runs_expected)):
            for run in backfill["runs"]:
                run["partition"] = next((t["value"] for t in run["tags"] if t["key"] == "dagster/partition"), None)
            return backfill
        if time.time() > deadline:
            raise AssertionError(f"backfill {backfill_id} not finished after {timeout_s:.0f} s: {backfill}\n"
                                 f"dagster dev log:\n{ui.log_tail()}")
        time.sleep(2)


def wait_for_run(ui, run_id: str, timeout_s: float) -> dict:
    deadline = time.time() + timeout_s
    while True:
        (run,) = ui.graphql(RUNS, {"filter": {"runIds": [run_id]}})["runsOrError"]["results"]
        if run["status"] in FINISHED_RUN:
            return run
        if time.time() > deadline:
            raise AssertionError(f"run {run_id} not finished after {timeout_s:.0f} s: {run}\n"
                                 f"dagster dev log:\n{ui.log_tail()}")
        time.sleep(2)


def store_versions(store_root: Path, assets: list[str], partitions: list[str]) -> set[tuple[str, str, str]]:
    """(asset, Dagster partition key, version) of every committed version of these crawl partitions (chunk|dump)."""
    store = Store(str(store_root))
    found = set()
    for asset in assets:
        for key in partitions:
            chunk, dump = key.split("|")
            manifests = store.versions(asset, {"dump": dump, "chunk": chunk})
            found |= {(asset, key, manifest.version) for manifest in manifests}
    return found
