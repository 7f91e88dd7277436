"""Turning a factory StepResult into what Dagster records for a materialization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster import AssetCheckResult, DataVersion, MaterializeResult, MetadataValue

from assets.metadata import store_links
from factory.steps import StepResult


def materialize_result(result: StepResult, check_results: Sequence[AssetCheckResult] = (), **extra: Any) -> MaterializeResult:
    """The content hash becomes the DataVersion; the version's links and counts become metadata;
    checks computed in the asset body ride along."""
    manifest = result.manifest
    metadata: dict[str, Any] = {
        **store_links(manifest),
        "store_version": manifest.version,
        "content_hash": manifest.content_hash,
        "reused_committed_version": result.reused,
        "inputs": MetadataValue.json([{"asset": i.asset, "partition": i.partition, "version": i.version} for i in manifest.inputs]),
    }
    metadata.update({f"count/{key}": value for key, value in manifest.counts.items()})
    if "documents" in manifest.counts:  # the UI shows it on the asset's page: an empty partition reads as 0 rows, not as green
        metadata["dagster/row_count"] = MetadataValue.int(int(manifest.counts["documents"]))
    metadata.update(result.metadata)
    metadata.update(extra)
    return MaterializeResult(data_version=DataVersion(manifest.content_hash), metadata=metadata, check_results=list(check_results))
