"""Reporting a factory step's result through Pipes: the same facts ``assets.results`` records in process."""

from __future__ import annotations

import logging
from typing import Any

from factory import settings
from factory.steps import StepResult
from factory.store import StorageOptions, Store


def open_store(extras: dict[str, Any]) -> Store:
    """The store the asset named; credentials come from this process's environment, never from the extras."""
    return Store(extras["store_root"], StorageOptions(endpoint_url=extras.get("store_endpoint")))


def prepare() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings.set_offline_defaults()


def report(pipes, result: StepResult, **extra: Any) -> None:
    manifest = result.manifest
    metadata: dict[str, Any] = {
        "manifest": {"raw_value": f"{manifest.uri}/_manifest.json", "type": "path"},
        "store_version": manifest.version,
        "content_hash": manifest.content_hash,
        "reused_committed_version": result.reused,
        "inputs": {"raw_value": [{"asset": i.asset, "partition": i.partition, "version": i.version} for i in manifest.inputs],
                   "type": "json"},
        **{f"count/{key}": value for key, value in manifest.counts.items()},
        **{key: value for key, value in extra.items() if value is not None},
    }
    pipes.report_asset_materialization(metadata=metadata, data_version=manifest.content_hash)
