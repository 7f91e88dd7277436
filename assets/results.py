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
    metadata.update(row_metadata(manifest.counts))
    metadata.update(result.metadata)
    metadata.update(extra)
    return MaterializeResult(data_version=DataVersion(manifest.content_hash), metadata=metadata, check_results=list(check_results))


ROW_UNITS = ("documents", "files")  # what one row of a dataset version is: a document, or a crawl file (raw_crawl)


def row_metadata(counts: dict) -> dict[str, Any]:
    """How many rows a dataset version holds (the UI shows ``dagster/row_count`` on the asset's page), and ``empty``
    when it holds none: an empty chunk or dump reads as empty, not as one more green partition."""
    unit = next((unit for unit in ROW_UNITS if unit in counts), None)
    if unit is None:
        return {}
    rows = int(counts[unit])
    return {"dagster/row_count": MetadataValue.int(rows), "row": unit.removesuffix("s"), "empty": MetadataValue.bool(rows == 0)}
