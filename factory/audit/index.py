"""A read-only view of the store's manifests for audits: each manifest read once, a reverse index built once.

Upstream walks read only the manifests they reach (cached). Downstream questions ("what used this
chunk?") need every manifest once: ``scan`` lists the version folders without entering them (a
folder holding ``_manifest.json`` is a version; data files are never listed) and reads the manifests
on a thread pool, so S3 latency overlaps. Nothing here writes.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from factory.store import InputRef, Manifest, Store
from factory.store.manifest import MANIFEST_NAME
from factory.store.store import CURRENT_NAME

log = logging.getLogger(__name__)
VersionKey = tuple[str, str, str]  # (asset, partition label, version)
READ_THREADS = 16
VERSION_MARKERS = {"_parts", "_logs"}


def key_of(item: Manifest | InputRef) -> VersionKey:
    return (item.asset, item.partition, item.version)


def short(key: VersionKey) -> str:
    return f"{key[0]}[{key[1]}]@{key[2]}"


class StoreIndex:
    def __init__(self, store: Store):
        self.store = store
        self._manifests: dict[VersionKey, Manifest | None] = {}
        self._current: dict[tuple[str, str], str | None] = {}
        self._consumers: dict[VersionKey, list[VersionKey]] | None = None
        self._scanned: set[str] = set()
        self.unreadable: dict[str, str] = {}  # manifest path -> error, met while scanning
        self.pointers: set[tuple[str, str]] = set()  # (asset, partition) with a _current.json, met while scanning

    # -- point reads (cached) ------------------------------------------------------------
    def manifest(self, asset: str, partition: str, version: str) -> Manifest | None:
        key = (asset, partition, version)
        if key not in self._manifests:
            self._manifests[key] = self.store.read_manifest(asset, partition, version)
        return self._manifests[key]

    def current_version(self, asset: str, partition: str) -> str | None:
        """The version ``_current.json`` names, or None when the partition has no pointer."""
        key = (asset, partition)
        if key not in self._current:
            try:
                pointer = json.loads(self.store.get(f"{self.store.partition_dir(asset, partition)}/{CURRENT_NAME}"))
                self._current[key] = pointer["version"]
            except FileNotFoundError:
                self._current[key] = None
        return self._current[key]

    def current(self, asset: str, partition: str) -> Manifest | None:
        version = self.current_version(asset, partition)
        return self.manifest(asset, partition, version) if version else None

    def versions(self, asset: str, partition: str) -> list[Manifest]:
        """Every committed version of one partition, oldest first."""
        found = [m for m in self.manifests(asset) if m.partition == partition]
        return sorted(found, key=lambda m: m.timings.get("committed_at", ""))

    # -- whole-store scans ---------------------------------------------------------------
    def manifests(self, asset: str | None = None) -> list[Manifest]:
        """Every committed manifest (of one asset), each read once per index."""
        assets = [asset] if asset else self.assets()
        for name in assets:
            if name not in self._scanned:
                self._read_all(self.version_dirs(name))
                self._scanned.add(name)
        return [m for k, m in self._manifests.items() if m is not None and (asset is None or k[0] == asset)]

    def assets(self) -> list[str]:
        return sorted(_name(p) for p in self._ls_dirs(self.store.root) if not _name(p).startswith("_"))

    def version_dirs(self, asset: str) -> Iterator[str]:
        """Folders holding a ``_manifest.json`` under one asset: partition folders are entered, versions are not."""
        base = f"{self.store.root}/{asset}"
        pending = [base]
        while pending:
            folder = pending.pop()
            entries = self._ls(folder)
            names = {_name(e["name"]) for e in entries}
            if CURRENT_NAME in names:
                self.pointers.add((asset, folder[len(base) + 1:]))
            if MANIFEST_NAME in names:
                yield folder
                continue
            if names & VERSION_MARKERS:  # an uncommitted version: its data folders hold no versions
                continue
            pending.extend(e["name"] for e in entries if e["type"] == "directory" and not _name(e["name"]).startswith("_"))

    def consumers(self, key: VersionKey) -> list[VersionKey]:
        """The versions whose manifests name ``key`` as an input (direct consumers only)."""
        if self._consumers is None:
            reverse: dict[VersionKey, list[VersionKey]] = defaultdict(list)
            for manifest in self.manifests():
                for ref in manifest.inputs:
                    reverse[key_of(ref)].append(key_of(manifest))
            self._consumers = reverse
        return sorted(self._consumers.get(key, []))

    # -- helpers -------------------------------------------------------------------------
    def _read_all(self, folders: Iterator[str]) -> None:
        paths = [f"{folder}/{MANIFEST_NAME}" for folder in folders]
        with ThreadPoolExecutor(READ_THREADS) as pool:
            for manifest in pool.map(self._read_path, paths):
                if manifest is not None:
                    self._manifests[key_of(manifest)] = manifest

    def _read_path(self, path: str) -> Manifest | None:
        try:
            return Manifest.from_json(self.store.get(path).decode())
        except (OSError, ValueError, TypeError) as error:  # verify reports these; audits skip them
            log.warning("skipping unreadable manifest %s: %s", path, error)
            self.unreadable[path] = f"{type(error).__name__}: {error}"
            return None

    def _ls(self, folder: str) -> list[dict]:
        try:
            return self.store.fs.ls(folder, detail=True)
        except FileNotFoundError:
            return []

    def _ls_dirs(self, folder: str) -> list[str]:
        return [e["name"] for e in self._ls(folder) if e["type"] == "directory"]


def _name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]
