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

A file that is read is counted as ``filtered`` will read it (``factory.crawl.records``, at the default
``max_page_bytes``): ``records`` good ones, ``bad_records`` and ``bad_reasons`` (JSON, by reason) the
rest. A file with nothing readable (not gzip, junk from its first byte) does not fail the index: its
``error`` says why, the manifest counts it in ``unreadable_files``, and ``filtered`` refuses the chunk
naming it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from factory.crawl.gzip_members import UnreadableCrawlFile
from factory.crawl.records import BadRecord, iter_records
from factory.crawl.sources import LISTING, CrawlFile, CrawlSource, HashingReader, Listing
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, SourceFile, Store, VersionWriter
from factory.store.filesystem import open_filesystem
from factory.store.partitions import Partition

log = logging.getLogger(__name__)
# code versions: 2: identity from listing fingerprints, index_mode, a fingerprint column, SHA-256 (not ETag) when
# read. 3: bad input counted: bad_records, bad_reasons and error columns; records counts only good records.
STEP = Step("raw_crawl", code_version="3", libraries=("warcio",))
ASSET = STEP.asset
# Typed even when empty: an empty chunk commits an empty file table, so downstream sees "no files".
# ``records`` is null when the file was not read (listing mode): readers must not rely on it.
FILES_SCHEMA = pa.schema([
    ("url", pa.string()), ("size", pa.int64()), ("checksum", pa.string()), ("records", pa.int64()), ("format", pa.string()),
    ("fingerprint", pa.string()),
    ("bad_records", pa.int64()),  # records that cannot be used (null when not read)
    ("bad_reasons", pa.string()),  # JSON {reason: records}
    ("error", pa.string()),  # why the file cannot be read at all; null when it can
])
READ_CHECKSUM_PREFIX = "sha256:"

FileKey = tuple[str, str]  # (url, listing fingerprint): a file's identity without reading it


@dataclass(frozen=True)
class FileHealth:
    """What reading a file found besides its good records: bad ones by reason, or why it cannot be read at all."""

    bad_reasons: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def row(self) -> dict:
        return {"bad_records": sum(self.bad_reasons.values()), "error": self.error,
                "bad_reasons": json.dumps(self.bad_reasons, sort_keys=True)}

    @classmethod
    def from_row(cls, row: dict) -> FileHealth:
        return cls(json.loads(row.get("bad_reasons") or "{}"), row.get("error"))


UNREAD: dict = {"bad_records": None, "bad_reasons": None, "error": None}


@dataclass(frozen=True)
class IndexedFiles:
    """The files of a chunk as indexed (with what reading found, None where not read), and how many were read."""

    sources: list[SourceFile]
    read: int
    copied: int
    health: list[FileHealth | None] = field(default_factory=list)


def plan_chunk(source: CrawlSource, dump: str, chunk: str, chunks: int) -> StepPlan:
    """The version is named by the chunk's listing: URLs and listing fingerprints, no file opened."""
    return _plan(source, dump, chunk, chunks, *_listing(source, dump, chunk, chunks))


def index_chunk(store: Store, source: CrawlSource, dump: str, chunk: str, chunks: int, run_id: str | None = None) -> StepResult:
    files, listings = _listing(source, dump, chunk, chunks)
    plan = _plan(source, dump, chunk, chunks, files, listings)

    def build(writer: VersionWriter) -> Manifest:
        indexed = index_files(store, source, plan.partition, files, listings)
        # The version is named by the listing; the manifest records what indexing found (SHA-256, records).
        writer.sources = indexed.sources
        manifest = _write(writer, indexed)
        log.info("raw_crawl %s/%s: %d files (%d read, %d copied from earlier versions), %s records", dump, chunk,
                 len(indexed.sources), indexed.read, indexed.copied, manifest.counts.get("records", "unknown"))
        return manifest

    return run_step(store, plan, build, run_id=run_id,
                    operational={"max_files_per_dump": source.max_files_per_dump, "io_workers": source.io_workers})


def _listing(source: CrawlSource, dump: str, chunk: str, chunks: int) -> tuple[list[CrawlFile], list[Listing]]:
    files = source.files_in_chunk(dump, chunk, chunks)
    return files, source.fingerprints(files)


def _plan(source: CrawlSource, dump: str, chunk: str, chunks: int, files: Sequence[CrawlFile],
          listings: Sequence[Listing]) -> StepPlan:
    return STEP.plan({"dump": dump, "chunk": chunk},
                     {"chunks": chunks, "source_kind": source.kind, "index_mode": source.index_mode},
                     sources=[source.listed(f, listing) for f, listing in zip(files, listings, strict=True)])


def index_files(store: Store, source: CrawlSource, partition: Partition, files: Sequence[CrawlFile],
                listings: Sequence[Listing]) -> IndexedFiles:
    """Every file as a SourceFile: from the listing (listing mode), else copied when unchanged, else read."""
    if source.index_mode == LISTING:
        listed = [source.listed(f, listing) for f, listing in zip(files, listings, strict=True)]
        return IndexedFiles(listed, read=0, copied=0, health=[None] * len(listed))
    keys = [(f.url, listing.fingerprint) for f, listing in zip(files, listings, strict=True)]
    known = previously_read(store, partition, set(keys))
    missing = [i for i, key in enumerate(keys) if key not in known]
    fresh = _map(source.io_workers, lambda i: read_file(source, files[i], listings[i]), missing)
    by_key = {**known, **{keys[i]: found for i, found in zip(missing, fresh, strict=True)}}
    return IndexedFiles([by_key[key][0] for key in keys], read=len(missing), copied=len(keys) - len(missing),
                        health=[by_key[key][1] for key in keys])


def read_file(source: CrawlSource, crawl_file: CrawlFile, listing: Listing) -> tuple[SourceFile, FileHealth]:
    """Reads the whole file, streaming: size, SHA-256, good records and bad ones by reason. A file that
    cannot be read at all is recorded (``error``), not raised: the index of the rest of the chunk stands."""
    fs, path = open_filesystem(crawl_file.url, source.storage)
    records, reasons, error = 0, Counter(), None
    with fs.open(path, "rb") as handle:
        hashing = HashingReader(handle, hashlib.sha256())
        try:
            for item in iter_records(hashing, crawl_file.format, crawl_file.url, bad_records=True):
                if isinstance(item, BadRecord):
                    reasons[item.reason] += 1
                else:
                    records += 1
        except UnreadableCrawlFile as unreadable:
            error = str(unreadable)
            log.warning("raw_crawl: %s", error)
        hashing.drain()
    if hashing.size != listing.size:
        log.warning("%s changed while indexed (%d bytes listed, %d read): the next run re-reads it",
                    crawl_file.url, listing.size, hashing.size)
    if reasons:
        log.warning("raw_crawl: %s has %d bad records: %s", crawl_file.url, sum(reasons.values()), dict(reasons))
    checksum = f"sha256:{hashing.digest.hexdigest()}"
    described = SourceFile(crawl_file.url, hashing.size, checksum, records, crawl_file.format, listing.fingerprint)
    return described, FileHealth(dict(sorted(reasons.items())), error)


def _map(workers: int, function: Callable, items: Sequence) -> list:
    if workers == 1 or len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))


def previously_read(store: Store, partition: Partition,
                    wanted: Collection[FileKey]) -> dict[FileKey, tuple[SourceFile, FileHealth]]:
    """Files of ``wanted`` that an earlier version of the partition read, newest version first.

    Only rows that were read (SHA-256 checksum, records known) under this code version count, so
    listing-mode rows and rows from an older record counter are read again.
    """
    found: dict[FileKey, tuple[SourceFile, FileHealth]] = {}
    for manifest in _earlier_versions(store, partition):
        if len(found) == len(wanted):
            break
        if manifest.code_version != STEP.code_version:
            continue
        for row in store.read_table(manifest, "files").to_pylist():
            key = (row["url"], row.get("fingerprint") or "")
            if key in wanted and key not in found and _was_read(row):
                described = SourceFile(row["url"], row["size"], row["checksum"], row["records"], row["format"], key[1])
                found[key] = (described, FileHealth.from_row(row))
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
    sources, health = indexed.sources, indexed.health or [None] * len(indexed.sources)
    counts = {"files": len(sources), "bytes": sum(f.size for f in sources)}
    stats = {"files_read": indexed.read, "files_copied": indexed.copied}
    if all(f.records is not None for f in sources):  # listing mode: unknown, so no count rather than a wrong 0
        counts["records"] = sum(f.records for f in sources)
    if all(h is not None for h in health):
        bad = sum((Counter(h.bad_reasons) for h in health), Counter())
        unreadable = [h.error for h in health if h.error]
        counts.update(bad_records=sum(bad.values()), unreadable_files=len(unreadable))
        stats.update({"bad_records": dict(bad.most_common())} if bad else {})
        stats.update({"unreadable_files": unreadable[:20]} if unreadable else {})
    rows = [{**asdict(f), **(h.row() if h is not None else UNREAD)} for f, h in zip(sources, health, strict=True)]
    with writer.part(0) as part:
        part.write_table("files", pa.Table.from_pylist(rows, schema=FILES_SCHEMA))
        part.count(**counts)
    return writer.commit(stats=stats)
