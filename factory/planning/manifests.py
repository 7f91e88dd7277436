"""Reading what a store measured: the current committed manifest of every partition of an asset.

The plan trusts only committed manifests (their presence is the commit) and only the version
each partition last materialized, so superseded or half-written versions never skew a figure.
Everything here reads manifests alone: no data file is opened, so planning against an S3 store
costs one small GET per partition.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from factory.store import Manifest, Store

log = logging.getLogger(__name__)


def current_manifests(store: Store, asset: str) -> list[Manifest]:
    """The current version of every partition of ``asset`` that has one, in partition order."""
    manifests = []
    for label in store.partitions(asset):
        manifest = store.current(asset, label)
        if manifest is None:
            log.warning("%s[%s]: the current pointer names a version without a manifest; skipped", asset, label)
            continue
        manifests.append(manifest)
    log.debug("%s: %d current manifests in %s", asset, len(manifests), store.root_uri)
    return manifests


def table_bytes(manifest: Manifest, prefix: str) -> int:
    """Bytes of the version's files under ``prefix`` (``documents``, ``removed``)."""
    return sum(entry.size for entry in manifest.files_under(prefix))


def other_bytes(manifest: Manifest, prefixes: Iterable[str]) -> int:
    """Bytes of the version's files outside every one of ``prefixes`` (indexes, cluster tables)."""
    wanted = tuple(prefix.rstrip("/") + "/" for prefix in prefixes)
    return sum(entry.size for entry in manifest.files if not entry.path.startswith(wanted))


def wall_seconds(manifest: Manifest) -> float | None:
    value = (manifest.timings or {}).get("wall_s")
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def count(manifest: Manifest, key: str) -> int | None:
    value = (manifest.counts or {}).get(key)
    return int(value) if isinstance(value, (int, float)) else None


def workers_used(manifest: Manifest, tasks: int | None, documents: int | None = None) -> int:
    """How many cores a datatrove step kept busy, from its ``operational`` record.

    ``executor_workers`` 0 means one per core of the measuring machine, which the manifest does
    not record: this machine's core count stands in for it. A local run below
    ``executor_in_process_below_documents`` (``executor_min_documents_per_task`` in older
    manifests) ran in process on one core; ``documents`` is the step's input size when its manifest
    has no ``documents_in``. Otherwise the parallelism is min(workers, tasks).
    """
    operational = manifest.operational or {}
    documents = count(manifest, "documents_in") if documents is None else documents
    below = operational.get("executor_in_process_below_documents", operational.get("executor_min_documents_per_task"))
    local = operational.get("executor_kind", "local") == "local"
    if local and isinstance(below, int) and documents is not None and documents < below:
        return 1
    workers = operational.get("executor_workers") or 0
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    return max(1, min(workers, tasks) if tasks else workers)
