"""The versioned store: ``<root>/<asset>/<partition path>/<version>/`` on any fsspec filesystem.

Only versions with a ``_manifest.json`` exist for readers. Each partition also keeps a small
``_current.json`` naming the version its last materialization produced or reused, so
downstream steps read what the upstream last materialized, even when that is an older version.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from factory.faults import crash_point
from factory.store import tables
from factory.store.filesystem import TMP_SUFFIX, StorageOptions, is_local, open_filesystem, protocol_of, write_atomic
from factory.store.manifest import MANIFEST_NAME, InputRef, Manifest
from factory.store.partitions import Partition, check_value, partition_label, partition_path

log = logging.getLogger(__name__)
CURRENT_NAME = "_current.json"


class VersionNotFoundError(LookupError):
    """No committed version where one was expected."""


class Store:
    def __init__(self, root: str, options: StorageOptions | None = None):
        self.root_uri = root.rstrip("/")
        self.options = options or StorageOptions()
        self.fs, self.root = open_filesystem(self.root_uri, self.options)
        self.is_local = is_local(self.fs)

    # -- paths ---------------------------------------------------------------------------
    def partition_dir(self, asset: str, partition: Partition) -> str:
        return f"{self.root}/{check_value(asset, 'asset name')}/{partition_path(partition)}"

    def version_dir(self, asset: str, partition: Partition, version: str) -> str:
        return f"{self.partition_dir(asset, partition)}/{check_value(version, 'version')}"

    def uri(self, path: str) -> str:
        return path if self.is_local else self.fs.unstrip_protocol(path)

    def folder(self, path: str) -> str | tuple[str, dict[str, Any]]:
        """``path`` as a datatrove DataFolder spec: a local path, or a URI with this store's credentials,
        so datatrove tasks on any machine read and write the store directly."""
        if self.is_local:
            return path
        uri = self.uri(path)
        return uri, self.options.for_protocol(protocol_of(uri))

    # -- raw file operations -------------------------------------------------------------
    def put(self, path: str, data: bytes) -> None:
        if self.is_local:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(path, data)

    def put_atomic(self, path: str, data: bytes, crash_at: str | None = None) -> None:
        write_atomic(self.fs, path, data, crash_at)

    def remove_leftovers(self, folder: str) -> int:
        """Delete what writes that never finished left under ``folder``: temporary files of a local store (an S3
        PUT leaves none). Called when a version commits, when no task of it can still be writing."""
        if not self.is_local:
            return 0
        leftovers = set(self.glob(f"{folder}/*{TMP_SUFFIX}")) | set(self.glob(f"{folder}/**/*{TMP_SUFFIX}"))
        for path in leftovers:
            self.fs.rm_file(path)
        return len(leftovers)

    def get(self, path: str) -> bytes:
        return self.fs.cat_file(path)

    def exists(self, path: str) -> bool:
        return self.fs.exists(path)

    def glob(self, pattern: str) -> list[str]:
        return sorted(self.fs.glob(pattern))

    # -- versions ------------------------------------------------------------------------
    def commit_manifest(self, manifest: Manifest) -> None:
        path = f"{self.version_dir(manifest.asset, manifest.partition, manifest.version)}/{MANIFEST_NAME}"
        self.put_atomic(path, manifest.to_json().encode(), crash_at="manifest_written")
        crash_point("manifest_committed")
        self.set_current(manifest)

    def set_current(self, manifest: Manifest) -> None:
        pointer = {"version": manifest.version, "content_hash": manifest.content_hash}
        self.put_atomic(f"{self.partition_dir(manifest.asset, manifest.partition)}/{CURRENT_NAME}", json.dumps(pointer).encode(),
                        crash_at="current_written")

    def read_manifest(self, asset: str, partition: Partition, version: str) -> Manifest | None:
        path = f"{self.version_dir(asset, partition, version)}/{MANIFEST_NAME}"
        try:
            return Manifest.from_json(self.get(path).decode())
        except FileNotFoundError:
            return None

    def versions(self, asset: str, partition: Partition) -> list[Manifest]:
        """Every committed version of a partition, oldest first."""
        manifests = [Manifest.from_json(self.get(p).decode()) for p in self.glob(f"{self.partition_dir(asset, partition)}/*/{MANIFEST_NAME}")]
        return sorted(manifests, key=lambda m: m.timings.get("committed_at", ""))

    def current(self, asset: str, partition: Partition) -> Manifest | None:
        """The version the partition's last materialization produced or reused."""
        try:
            pointer = json.loads(self.get(f"{self.partition_dir(asset, partition)}/{CURRENT_NAME}"))
        except FileNotFoundError:
            return None
        return self.read_manifest(asset, partition, pointer["version"])

    def require_current(self, asset: str, partition: Partition) -> Manifest:
        manifest = self.current(asset, partition)
        if manifest is None:
            what, which = (asset, "") if partition is None else (f"{asset}[{partition_label(partition)}]", " for that partition")
            raise VersionNotFoundError(f"no committed version of {what} in {self.root_uri}: materialize {asset}{which} first")
        return manifest

    def partitions(self, asset: str) -> list[str]:
        """Labels of the partitions of ``asset`` that have a current version."""
        base = f"{self.root}/{check_value(asset, 'asset name')}/"
        return sorted(p[len(base):].rsplit("/", 1)[0] for p in self.glob(f"{base}**/{CURRENT_NAME}"))

    # -- reading data --------------------------------------------------------------------
    def read_table(self, manifest: Manifest, name: str = "documents") -> pa.Table:
        """All files of one named table of a committed version, concatenated."""
        entries = manifest.files_under(name)
        base = self.version_dir(manifest.asset, manifest.partition, manifest.version)
        parts = [tables.decode(self.get(f"{base}/{entry.path}"), entry.path) for entry in entries]
        if not parts:
            return pa.table({})
        return pa.concat_tables(parts, promote_options="default")

    def iter_batches(self, manifest: Manifest, name: str = "documents", columns: Sequence[str] | None = None,
                     batch_size: int = 1024) -> Iterator[pa.Table]:
        """A table of a committed version in record batches of at most ``batch_size`` rows, one shard open at
        a time: memory is bounded by the batch, not the table (``columns`` that a shard lacks are skipped)."""
        import pyarrow.parquet as pq

        base = self.version_dir(manifest.asset, manifest.partition, manifest.version)
        for entry in manifest.files_under(name):
            path = f"{base}/{entry.path}"
            if not entry.path.endswith(".parquet"):
                table = tables.decode(self.get(path), entry.path)
                yield table.select([c for c in columns if c in table.column_names]) if columns else table
                continue
            with self.fs.open(path, "rb") as handle:
                parquet = pq.ParquetFile(handle)
                present = [c for c in columns if c in parquet.schema_arrow.names] if columns else None
                for batch in parquet.iter_batches(batch_size=batch_size, columns=present):
                    yield pa.Table.from_batches([batch])

    def local_path(self, manifest: Manifest, relpath: str, cache_dir: str) -> str:
        """A local copy of one file of a version (the file itself for a local store)."""
        path = f"{self.version_dir(manifest.asset, manifest.partition, manifest.version)}/{relpath}"
        if self.is_local:
            return path
        target = f"{cache_dir}/{manifest.asset}/{manifest.version}/{relpath}"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.fs.get_file(path, target)
        return target

    def input_ref(self, manifest: Manifest) -> InputRef:
        return InputRef(manifest.asset, manifest.partition, manifest.version, manifest.uri, manifest.content_hash)
