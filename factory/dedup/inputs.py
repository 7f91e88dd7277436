"""The input of a ``deduped`` version: every document shard of its ``filtered`` versions, as one list.

The paths are relative to the store root, in chunk and part order, so every task on every machine
reads the same shards in the same order: task ``i`` of a per-shard stage reads shard ``i``, and
that index is the ``file_id`` of MinHash's signature pairs.
"""

from __future__ import annotations

from factory.documents import DOCUMENTS
from factory.store import Manifest, Store


def document_shards(store: Store, filtered: list[Manifest]) -> list[str]:
    """Paths of the document shards, relative to the store root, in chunk and part order."""
    paths = []
    for manifest in filtered:
        base = store.version_dir(manifest.asset, manifest.partition, manifest.version)[len(store.root) + 1:]
        paths.extend(f"{base}/{entry.path}" for entry in manifest.files_under(DOCUMENTS))
    return paths
