"""The input of a ``deduped`` version: every document shard of its ``filtered`` versions, as one list.

datatrove's readers take a ``paths_file`` (one path per line, relative to a data folder): the
list is written into the dedup version's folder, relative to the store root, so every task on
every machine reads the same shards in the same order. Task ``i`` of a per-file stage reads line
``i``: that index is the ``file_id`` of MinHash's signature pairs.
"""

from __future__ import annotations

from factory.documents import DOCUMENTS
from factory.store import Manifest, Store, VersionWriter

INPUTS_FILE = "_inputs/documents.txt"


def document_shards(store: Store, filtered: list[Manifest]) -> list[str]:
    """Paths of the document shards, relative to the store root, in chunk and part order."""
    paths = []
    for manifest in filtered:
        base = store.version_dir(manifest.asset, manifest.partition, manifest.version)[len(store.root) + 1:]
        paths.extend(f"{base}/{entry.path}" for entry in manifest.files_under(DOCUMENTS))
    return paths


def write_paths_file(store: Store, writer: VersionWriter, paths: list[str]) -> str:
    """Writes the list (once per version: it only depends on the inputs) and returns its full path."""
    path = f"{writer.dir}/{INPUTS_FILE}"
    store.put_atomic(path, "".join(f"{p}\n" for p in paths).encode())
    return path
