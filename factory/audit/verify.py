"""Re-check a store against its manifests: every file's size and SHA-256, every named input, every pointer.

A manifest is the commit record, so anything it names that is absent or different is damage
(a lost object, a truncated copy, a pruned input). Files are hashed in 1 MiB blocks, never read
whole, on a few threads (hashlib releases the GIL), so a store of large shards checks in bounded
memory at disk speed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from factory.audit.index import StoreIndex
from factory.store import Manifest
from factory.store.manifest import FileEntry
from factory.store.store import CURRENT_NAME

BLOCK = 1 << 20
HASH_THREADS = 8


@dataclass(frozen=True)
class Problem:
    kind: str  # missing_file, size_mismatch, checksum_mismatch, missing_input, dangling_current, unreadable_manifest
    version: str  # asset[partition]@version (or asset[partition] for a pointer)
    path: str  # the file, input or pointer concerned
    detail: str

    def describe(self) -> str:
        return f"{self.kind}: {self.version}: {self.path}: {self.detail}"


@dataclass
class VerifyReport:
    versions: int = 0
    files: int = 0
    bytes: int = 0
    problems: list[Problem] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(index: StoreIndex, asset: str | None = None, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check every committed version (of ``asset``); ``progress`` is called with the bytes of each file hashed."""
    manifests = index.manifests(asset)
    report = VerifyReport(versions=len(manifests), problems=[])
    for manifest in manifests:
        report.problems.extend(_missing_inputs(index, manifest))
    report.problems.extend(_dangling_pointers(index, asset))
    report.problems.extend(Problem("unreadable_manifest", "?", path, f"{error}: restore it, or delete the version folder")
                           for path, error in sorted(index.unreadable.items()))
    jobs = [(m, entry) for m in manifests for entry in m.files]
    report.files = len(jobs)
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        for problem, size in pool.map(lambda job: _check_file(index, *job), jobs):
            report.bytes += size
            if problem:
                report.problems.append(problem)
            if progress:
                progress(size)
    return report


def _missing_inputs(index: StoreIndex, manifest: Manifest) -> Iterator[Problem]:
    for ref in manifest.inputs:
        if index.manifest(ref.asset, ref.partition, ref.version) is None:
            yield Problem("missing_input", manifest.short, f"{ref.asset}[{ref.partition}]@{ref.version}",
                          "named as an input but not committed in the store: rebuild it or restore it from a backup")


def _dangling_pointers(index: StoreIndex, asset: str | None) -> Iterator[Problem]:
    for asset, partition in sorted(p for p in index.pointers if asset is None or p[0] == asset):
        version = index.current_version(asset, partition)
        if version and index.manifest(asset, partition, version) is None:
            yield Problem("dangling_current", f"{asset}[{partition}]", f"{CURRENT_NAME} -> {version}",
                          "the current pointer names a version that is not committed: rematerialize the partition")


def _check_file(index: StoreIndex, manifest: Manifest, entry: FileEntry) -> tuple[Problem | None, int]:
    store = index.store
    path = f"{store.version_dir(manifest.asset, manifest.partition, manifest.version)}/{entry.path}"
    try:
        digest, size = file_sha256(store.fs, path)
    except FileNotFoundError:
        return Problem("missing_file", manifest.short, path, f"listed in the manifest ({entry.size:,} bytes) but absent"), 0
    if size != entry.size:
        return Problem("size_mismatch", manifest.short, path, f"{size:,} bytes, the manifest says {entry.size:,}"), size
    if digest != entry.sha256:
        return Problem("checksum_mismatch", manifest.short, path, f"sha256 {digest[:16]}..., the manifest says {entry.sha256[:16]}..."), size
    return None, size


def file_sha256(fs, path: str) -> tuple[str, int]:
    """The SHA-256 and size of a file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with fs.open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def report_dict(report: VerifyReport) -> dict:
    return {"ok": report.ok, "versions": report.versions, "files": report.files, "bytes": report.bytes,
            "problems": [vars(p) for p in report.problems or []]}


def to_json(report: VerifyReport) -> str:
    return json.dumps(report_dict(report), indent=2)
