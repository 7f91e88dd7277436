"""The ``raw_crawl`` step: which files a (dump, chunk) holds, with sizes, checksums and record counts.

The crawl itself is not copied: the version is an index of the source files. Reading a file
costs its whole size (a Common Crawl dump is ~100 TB), so the work is decided from the listing:

1. The version's identity is the config plus each file's URL and *listing fingerprint* (size
   and ETag or mtime, see ``factory.crawl.sources``). An unchanged chunk is found committed and
   reused without opening a single file.
2. Only when that version is new are files read (``index_mode="full"``), and only the new or
   changed ones: a file whose URL and fingerprint appear in an earlier version of the partition
   (same code version) gets its records and SHA-256 copied from that version's ``files`` table.
3. ``index_mode="listing"`` never opens a file: records are null and the checksum is the
   fingerprint. The mode is part of the config, since it changes the output.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import asdict, dataclass

import pyarrow as pa

from factory.crawl.sources import LISTING, CrawlFile, CrawlSource, Listing
from factory.steps import StepResult, reuse_committed
from factory.store import Manifest, SourceFile, Store, VersionWriter
from factory.store.partitions import Partition

log = logging.getLogger(__name__)
ASSET = "raw_crawl"
# 2: identity from listing fingerprints, index_mode, a fingerprint column, SHA-256 (not ETag) when read.
CODE_VERSION = "2"
# Typed even when empty: an empty chunk commits an empty file table, so downstream sees "no files".
# ``records`` is null when the file was not read (listing mode): readers must not rely on it.
FILES_SCHEMA = pa.schema([
    ("url", pa.string()), ("size", pa.int64()), ("checksum", pa.string()), ("records", pa.int64()), ("format", pa.string()),
    ("fingerprint", pa.string()),
])
READ_CHECKSUM_PREFIX = "sha256:"

FileKey = tuple[str, str]  # (url, listing fingerprint): a file's identity without reading it


@dataclass(frozen=True)
class IndexedFiles:
    """The files of a chunk as indexed, and how many had to be read to get there."""

    sources: list[SourceFile]
    read: int
    copied: int


def index_chunk(store: Store, source: CrawlSource, dump: str, chunk: str, chunks: int, run_id: str | None = None) -> StepResult:
    partition = {"dump": dump, "chunk": chunk}
    files = source.files_in_chunk(dump, chunk, chunks)
    listings = source.fingerprints(files)
    writer = store.writer(
        ASSET,
        partition,
        code_version=CODE_VERSION,
        config={"chunks": chunks, "source_kind": source.kind, "index_mode": source.index_mode},
        sources=[source.listed(f, listing) for f, listing in zip(files, listings, strict=True)],
        operational={"max_files_per_dump": source.max_files_per_dump, "io_workers": source.io_workers},
        run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        log.info("raw_crawl %s/%s: unchanged listing, reusing %s", dump, chunk, reused.manifest.version)
        return reused
    indexed = index_files(store, source, partition, files, listings)
    # The version is named by the listing; the manifest records what indexing found (SHA-256, records).
    writer.sources = indexed.sources
    manifest = _write(writer, indexed)
    log.info("raw_crawl %s/%s: %d files (%d read, %d copied from earlier versions), %s records", dump, chunk,
             len(indexed.sources), indexed.read, indexed.copied, manifest.counts.get("records", "unknown"))
    return StepResult(manifest, reused=False)


def index_files(store: Store, source: CrawlSource, partition: Partition, files: Sequence[CrawlFile],
                listings: Sequence[Listing]) -> IndexedFiles:
    """Every file as a SourceFile: from the listing (listing mode), else copied when unchanged, else read."""
    if source.index_mode == LISTING:
        return IndexedFiles([source.listed(f, listing) for f, listing in zip(files, listings, strict=True)], read=0, copied=0)
    keys = [(f.url, listing.fingerprint) for f, listing in zip(files, listings, strict=True)]
    known = previously_read(store, partition, set(keys))
    missing = [i for i, key in enumerate(keys) if key not in known]
    fresh = source.describe_all([files[i] for i in missing], [listings[i] for i in missing])
    by_key = {**known, **{keys[i]: described for i, described in zip(missing, fresh, strict=True)}}
    return IndexedFiles([by_key[key] for key in keys], read=len(missing), copied=len(keys) - len(missing))


def previously_read(store: Store, partition: Partition, wanted: Collection[FileKey]) -> dict[FileKey, SourceFile]:
    """Files of ``wanted`` that an earlier version of the partition read, newest version first.

    Only rows that were read (SHA-256 checksum, records known) under this code version count, so
    listing-mode rows and rows from an older record counter are read again.
    """
    found: dict[FileKey, SourceFile] = {}
    for manifest in _earlier_versions(store, partition):
        if len(found) == len(wanted):
            break
        if manifest.code_version != CODE_VERSION:
            continue
        for row in store.read_table(manifest, "files").to_pylist():
            key = (row["url"], row.get("fingerprint") or "")
            if key in wanted and key not in found and _was_read(row):
                found[key] = SourceFile(row["url"], row["size"], row["checksum"], row["records"], row["format"], key[1])
    return found


def _earlier_versions(store: Store, partition: Partition) -> Iterator[Manifest]:
    """The current version first (it usually covers every unchanged file), then the rest, newest first."""
    current = store.current(ASSET, partition)
    if current is not None:
        yield current
    for manifest in reversed(store.versions(ASSET, partition)):
        if current is None or manifest.version != current.version:
            yield manifest


def _was_read(row: dict) -> bool:
    return str(row.get("checksum") or "").startswith(READ_CHECKSUM_PREFIX) and row.get("records") is not None


def _write(writer: VersionWriter, indexed: IndexedFiles) -> Manifest:
    sources = indexed.sources
    counts = {"files": len(sources), "bytes": sum(f.size for f in sources)}
    if all(f.records is not None for f in sources):  # listing mode: unknown, so no count rather than a wrong 0
        counts["records"] = sum(f.records for f in sources)
    with writer.part(0) as part:
        part.write_table("files", pa.Table.from_pylist([asdict(f) for f in sources], schema=FILES_SCHEMA))
        part.count(**counts)
    return writer.commit(stats={"files_read": indexed.read, "files_copied": indexed.copied})
