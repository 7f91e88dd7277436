"""Writing one dataset version, atomically and resumably.

Protocol: data files first; each part is committed by a small marker in ``_parts/`` written
after its files; the version is committed by ``_manifest.json``, written last. Readers trust
only the manifest, so a crash at any point leaves no visible version, and a rerun skips the
parts whose markers exist (preemption costs at most one part).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa

from factory.faults import crash_point
from factory.store import tables
from factory.store.manifest import FileEntry, InputRef, Manifest, SourceFile
from factory.store.versioning import content_hash
from factory.store.packages import deciding_versions, package_versions
from factory.store.partitions import Partition, partition_label
from factory.store.store import Store
from factory.store.versioning import compute_version


log = logging.getLogger(__name__)
PARTS_DIR = "_parts"
LOGS_DIR = "_logs"


def marker_path(index: int) -> str:
    """A part's marker, relative to the version folder."""
    return f"{PARTS_DIR}/part-{index:05d}.json"


@dataclass
class Part:
    """The files and counts of one part, collected while it is written."""

    writer: VersionWriter
    index: int
    files: list[FileEntry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    def write_table(self, name: str, rows: pa.Table | Sequence[dict[str, Any]], fmt: str = "parquet") -> FileEntry:
        data, num_rows = tables.encode(rows, fmt)
        relpath = f"{name.strip('/')}/part-{self.index:05d}{tables.FORMATS[fmt]}"
        entry = self.writer.put_bytes(relpath, data, rows=num_rows)
        self.files.append(entry)
        return entry

    def put_file(self, local_path: str, relpath: str) -> FileEntry:
        with open(local_path, "rb") as handle:
            return self.put_bytes(relpath, handle.read())

    def put_bytes(self, relpath: str, data: bytes) -> FileEntry:
        entry = self.writer.put_bytes(relpath, data)
        self.files.append(entry)
        return entry

    def count(self, **counts: int) -> None:
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + int(value)


class VersionWriter:
    """Writes the files of ``asset[partition]@version`` and commits them."""

    def __init__(
        self,
        store: Store,
        asset: str,
        partition: str,
        version: str,
        *,
        code_version: str,
        config: dict[str, Any],
        inputs: Sequence[InputRef] = (),
        sources: Sequence[SourceFile] = (),
        operational: dict[str, Any] | None = None,
        run_id: str | None = None,
        libraries: dict[str, str] | None = None,
    ):
        self.store = store
        self.asset, self.partition, self.version = asset, partition, version
        self.code_version, self.config = code_version, config
        self.inputs, self.sources = list(inputs), list(sources)
        self.operational = operational or {}
        self.run_id = run_id
        self.libraries = dict(libraries or {})
        self.dir = store.version_dir(asset, partition, version)
        self.started = time.time()
        self._parts: dict[int, dict[str, Any]] | None = None

    @property
    def folder(self):
        """The version folder as a datatrove DataFolder spec: tasks write their shards straight into it."""
        return self.store.folder(self.dir)

    def logs_folder(self, stage: str = ""):
        """datatrove's logging folder of one stage (logs, stats, completions) inside the version."""
        return self.store.folder(f"{self.dir}/{LOGS_DIR}" + (f"/{stage}" if stage else ""))

    def table_summaries(self) -> dict[str, dict[str, Any]]:
        """Per-table rows, tokens, reasons, languages and categories summed over the committed parts' markers."""
        merged: dict[str, dict[str, Any]] = {}
        counted = ("reasons", "languages", "categories", "category_tokens")
        for marker in self.committed_parts().values():
            for table, summary in marker.get("stats", {}).get("tables", {}).items():
                into = merged.setdefault(table, {"rows": 0, "tokens": 0, **{key: {} for key in counted}})
                into["rows"] += summary.get("rows", 0)
                into["tokens"] += summary.get("tokens", 0)
                for key in counted:
                    for name, count in summary.get(key, {}).items():
                        into[key][name] = into[key].get(name, 0) + count
        return merged

    def committed_files(self, table: str) -> list[str]:
        """Paths of the files of ``table`` in the committed parts, in part order."""
        parts = self.committed_parts()
        prefix = table.rstrip("/") + "/"
        return [f["path"] for i in sorted(parts) for f in parts[i]["files"] if f["path"].startswith(prefix)]

    @property
    def committed(self) -> Manifest | None:
        return self.store.read_manifest(self.asset, self.partition, self.version)

    def put_bytes(self, relpath: str, data: bytes, rows: int | None = None) -> FileEntry:
        self.store.put(f"{self.dir}/{relpath}", data)
        crash_point("file_written")
        return FileEntry(path=relpath, size=len(data), sha256=hashlib.sha256(data).hexdigest(), rows=rows)

    def committed_parts(self, refresh: bool = False) -> dict[int, dict[str, Any]]:
        """Markers of the parts already committed by this or an earlier, interrupted run (read once and kept;
        ``refresh`` after other processes committed parts; writing a part through ``part()`` refreshes too)."""
        if self._parts is not None and not refresh:
            return self._parts
        found = {}
        for path in self.store.glob(f"{self.dir}/{PARTS_DIR}/part-*.json"):
            marker = json.loads(self.store.get(path))
            found[int(marker["index"])] = marker
        self._parts = found
        return found

    @contextmanager
    def part(self, index: int) -> Iterator[Part]:
        """Write one part; its marker is written only if the block finishes without error."""
        part = Part(self, index)
        yield part
        self._parts = None
        marker = {"index": index, "files": [asdict(f) for f in part.files], "counts": part.counts, "stats": part.stats}
        crash_point("part_written")
        self.store.put_atomic(f"{self.dir}/{marker_path(index)}", json.dumps(marker).encode())
        crash_point("part_committed")

    def commit(self, counts: dict[str, int] | None = None, stats: dict[str, Any] | None = None) -> Manifest:
        """Write ``_manifest.json`` over every committed part: the version becomes visible."""
        parts = self.committed_parts()
        files = [FileEntry(**entry) for index in sorted(parts) for entry in parts[index]["files"]]
        total: dict[str, int] = {}
        for index in sorted(parts):
            for key, value in parts[index]["counts"].items():
                total[key] = total.get(key, 0) + value
        total.update(counts or {})
        finished = time.time()
        manifest = Manifest(
            asset=self.asset,
            partition=self.partition,
            version=self.version,
            content_hash=content_hash((f.path, f.sha256) for f in files),
            code_version=self.code_version,
            config=self.config,
            inputs=self.inputs,
            sources=self.sources,
            files=files,
            counts=total,
            uri=self.store.uri(f"{self.dir}"),
            operational=self.operational,
            stats=stats or {},
            timings={
                "started_at": _iso(self.started),
                "committed_at": _iso(finished),
                "wall_s": round(finished - self.started, 3),
            },
            run_id=self.run_id,
            packages=package_versions(),
            libraries=self.libraries,
            parts=len(parts),
        )
        if removed := self.store.remove_leftovers(self.dir):
            log.info("%s: removed %d temporary files left by interrupted writes", manifest.short, removed)
        self.store.commit_manifest(manifest)
        log.info("committed %s (%d files, %s)", manifest.short, len(files), total)
        return manifest


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="milliseconds")


def open_writer(store: Store, asset: str, partition: Partition, *, code_version: str, config: dict[str, Any],
                inputs: Sequence[InputRef] = (), sources: Sequence[SourceFile] = (), libraries: dict[str, str] | None = None,
                **operational_args: Any) -> VersionWriter:
    """A writer for the version that these inputs, code, config and deciding libraries determine (``libraries``:
    default, the installed versions of the registered step's; ``operational_args``: ``operational``, ``run_id``).
    Steps get theirs from ``StepPlan.writer``; this is for writing a version by hand (fixtures, benchmarks)."""
    libraries = deciding_versions(asset) if libraries is None else libraries
    version = compute_version(asset, code_version, config, inputs, sources, libraries)
    return VersionWriter(store, asset, partition_label(partition), version, code_version=code_version, config=config,
                         inputs=inputs, sources=sources, libraries=libraries, **operational_args)
