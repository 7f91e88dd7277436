"""Where raw crawl comes from, split into dumps and stable chunks.

Two kinds of source:
- ``commoncrawl``: dumps such as ``CC-MAIN-2024-18``; each dump's WARC list is
  ``<base_url>/crawl-data/<dump>/warc.paths.gz`` (base ``https://data.commoncrawl.org/`` or
  ``s3://commoncrawl/``, or any mirror laid out the same way).
- ``prefix``: local or S3 folders; each subfolder holding crawl files is a dump, and a folder
  that holds crawl files itself is one dump named after it (``dump=X`` folders, the store's own
  Hive-style layout, name the dump ``X``).

A file's chunk is a stable hash of its path inside the dump, mod K: new files never move old
ones, so a chunk's committed versions stay valid when a dump grows.

Reading a crawl file (records, SHA-256) costs its whole size; at Common Crawl scale that is
~100 TB. So every file also has a *listing fingerprint*, size plus ETag (S3, HTTP) or size plus
mtime (local), taken from the folder listing or one ``fs.info`` and never from the bytes: it is
what decides whether a file is new or changed, and ``index_mode="listing"`` indexes from it alone.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from factory.crawl.records import file_format
from factory.store.filesystem import StorageOptions, open_filesystem
from factory.store.manifest import SourceFile

log = logging.getLogger(__name__)
COMMONCRAWL = "commoncrawl"
PREFIX = "prefix"
DEFAULT_CC_BASE_URL = "https://data.commoncrawl.org/"
# How raw_crawl indexes a file: "full" reads it (records + SHA-256) when new or changed;
# "listing" never opens it (records unknown, checksum = listing fingerprint).
FULL, LISTING = "full", "listing"
INDEX_MODES = (FULL, LISTING)
DEFAULT_INDEX_MODE = {PREFIX: FULL, COMMONCRAWL: LISTING}  # Common Crawl files are immutable and huge
DEFAULT_IO_WORKERS = 8
_ETAG_KEYS = ("ETag", "etag", "Etag")
_MTIME_KEYS = ("mtime", "LastModified", "last_modified", "Last-Modified", "updated", "modified")


class CrawlSourceError(ValueError):
    """A crawl source that is missing, empty or malformed."""


@dataclass(frozen=True)
class Listing:
    """What the filesystem says about a file without opening it."""

    size: int
    fingerprint: str  # "etag:<etag>;size:<n>" or "mtime:<mtime>;size:<n>": changes when the file does


def listing_from_info(info: Mapping[str, Any]) -> Listing:
    """The listing of a file from an fsspec ``info``/``find(detail=True)`` entry: ETag first, else mtime."""
    size = int(info.get("size") or 0)
    etag = next((str(info[key]).strip('"') for key in _ETAG_KEYS if info.get(key)), "")
    if etag:
        return Listing(size, f"etag:{etag};size:{size}")
    mtime = next((info[key] for key in _MTIME_KEYS if info.get(key) is not None), None)
    if mtime is None:
        log.warning("%s: the filesystem gives neither ETag nor mtime; a rewrite of the same size goes unnoticed",
                    info.get("name", "?"))
        return Listing(size, f"size:{size}")
    return Listing(size, f"mtime:{_timestamp_text(mtime)};size:{size}")


def _timestamp_text(value: Any) -> str:
    """A stable text for an mtime: ISO for datetimes (S3, GCS), full precision for floats (local)."""
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class CrawlFile:
    dump: str
    relpath: str  # inside the dump: what the chunk hash is computed over
    url: str  # full URI, readable with fsspec
    format: str
    # From the folder listing when it gave one (prefix sources); else fetched by CrawlSource.fingerprint.
    listing: Listing | None = field(default=None, compare=False, repr=False)

    def chunk(self, chunks: int) -> str:
        return chunk_key(chunk_of(self.relpath, chunks))


def chunk_of(relpath: str, chunks: int) -> int:
    return int(hashlib.sha256(relpath.encode()).hexdigest()[:8], 16) % chunks


def chunk_key(index: int) -> str:
    return f"{index:03d}"


def chunk_keys(chunks: int) -> list[str]:
    return [chunk_key(i) for i in range(chunks)]


@dataclass(frozen=True)
class CrawlSource:
    """A configured source of raw crawl (see the module docstring for the two kinds)."""

    kind: str = PREFIX
    uris: tuple[str, ...] = ()
    dumps: tuple[str, ...] = ()  # commoncrawl: which dumps; prefix: optional allow-list
    base_url: str = DEFAULT_CC_BASE_URL
    max_files_per_dump: int | None = None
    storage: StorageOptions = field(default_factory=StorageOptions)
    index_mode: str | None = None  # FULL or LISTING; None: DEFAULT_INDEX_MODE of the kind
    io_workers: int = DEFAULT_IO_WORKERS  # parallel stats and reads; operational, does not change output

    def __post_init__(self):
        if self.kind not in (PREFIX, COMMONCRAWL):
            raise CrawlSourceError(f"crawl source kind must be {PREFIX!r} or {COMMONCRAWL!r}, got {self.kind!r}")
        if self.index_mode is None:
            object.__setattr__(self, "index_mode", DEFAULT_INDEX_MODE[self.kind])
        if self.index_mode not in INDEX_MODES:
            raise CrawlSourceError(f"crawl index_mode must be one of {', '.join(INDEX_MODES)}, got {self.index_mode!r}: "
                                   "set the crawl resource's index_mode to one of them, or leave it unset for the default")
        if self.io_workers < 1:
            raise CrawlSourceError(f"crawl io_workers must be at least 1, got {self.io_workers}")
        if self.kind == PREFIX and not self.uris:
            raise CrawlSourceError("a prefix crawl source needs at least one folder (FACTORY_CRAWL=path[,path...])")
        if self.kind == COMMONCRAWL and not self.dumps:
            raise CrawlSourceError("a commoncrawl source needs dump ids, e.g. FACTORY_CRAWL=commoncrawl:CC-MAIN-2024-18")

    # -- discovery -----------------------------------------------------------------------
    def list_dumps(self) -> list[str]:
        if self.kind == COMMONCRAWL:
            return list(self.dumps)
        found = sorted({dump for dump, _ in self._prefix_dump_dirs()})
        return [d for d in found if not self.dumps or d in self.dumps]

    def list_files(self, dump: str) -> list[CrawlFile]:
        files = self._cc_files(dump) if self.kind == COMMONCRAWL else self._prefix_files(dump)
        files.sort(key=lambda f: f.relpath)
        return files[: self.max_files_per_dump] if self.max_files_per_dump else files

    def files_in_chunk(self, dump: str, chunk: str, chunks: int) -> list[CrawlFile]:
        return [f for f in self.list_files(dump) if f.chunk(chunks) == chunk]

    def _prefix_dump_dirs(self) -> Iterator[tuple[str, str]]:
        for uri in self.uris:
            fs, root = open_filesystem(uri, self.storage)
            if not fs.exists(root):
                raise CrawlSourceError(f"crawl folder {uri!r} does not exist: point FACTORY_CRAWL at a folder of dumps")
            entries = fs.ls(root, detail=True)
            if any(e["type"] != "directory" and file_format(e["name"]) for e in entries):  # files and links to them
                yield dump_name(root.rstrip("/").rsplit("/", 1)[-1]), _join(uri, "")
            for entry in entries:
                if entry["type"] == "directory" and self._has_crawl_files(fs, entry["name"]):
                    folder = entry["name"].rstrip("/").rsplit("/", 1)[-1]
                    yield dump_name(folder), _join(uri, folder)

    @staticmethod
    def _has_crawl_files(fs, path: str) -> bool:
        return any(file_format(p) for p in fs.find(path))

    def _prefix_files(self, dump: str) -> list[CrawlFile]:
        dirs = [uri for name, uri in self._prefix_dump_dirs() if name == dump]
        if not dirs:
            raise CrawlSourceError(f"dump {dump!r} not found under {', '.join(self.uris)}")
        files = []
        for dump_uri in dirs:
            fs, root = open_filesystem(dump_uri, self.storage)
            for path, info in fs.find(root, detail=True).items():
                fmt = file_format(path)
                if fmt:
                    relpath = path[len(root):].lstrip("/")
                    if info.get("islink"):  # a listing gives the link's own mtime: fingerprint what it points to
                        info = fs.info(path)
                    files.append(CrawlFile(dump, relpath, _join(dump_uri, relpath), fmt, listing_from_info(info)))
        return files

    def _cc_files(self, dump: str) -> list[CrawlFile]:
        paths_uri = _join(self.base_url, f"crawl-data/{dump}/warc.paths.gz")
        fs, path = open_filesystem(paths_uri, self.storage)
        try:
            listing = gzip.decompress(fs.cat_file(path)).decode().split()
        except FileNotFoundError as error:
            raise CrawlSourceError(f"no WARC list for {dump} at {paths_uri}: check the dump id and base URL") from error
        return [CrawlFile(dump, rel, _join(self.base_url, rel), fmt) for rel in listing if (fmt := file_format(rel))]

    # -- describing files ----------------------------------------------------------------
    def fingerprint(self, crawl_file: CrawlFile) -> Listing:
        """Size and ETag/mtime, from the listing or one ``fs.info`` (a HEAD on S3/HTTP): never opens the file."""
        if crawl_file.listing is not None:
            return crawl_file.listing
        fs, path = open_filesystem(crawl_file.url, self.storage)
        try:
            return listing_from_info({"name": crawl_file.url, **fs.info(path)})
        except FileNotFoundError as error:
            raise CrawlSourceError(f"{crawl_file.url} is listed for dump {crawl_file.dump} but does not exist: "
                                   "check the dump's file list (warc.paths.gz) against the files") from error

    def fingerprints(self, files: Sequence[CrawlFile]) -> list[Listing]:
        """The fingerprints of ``files`` in order, stat-ing in parallel those the listing did not give."""
        if all(crawl_file.listing is not None for crawl_file in files):
            return [crawl_file.listing for crawl_file in files]
        return self._map(self.fingerprint, files)

    def listed(self, crawl_file: CrawlFile, listing: Listing) -> SourceFile:
        """A file as the listing alone knows it: records unknown, the fingerprint as checksum."""
        return SourceFile(crawl_file.url, listing.size, listing.fingerprint, None, crawl_file.format, listing.fingerprint)

    def _map(self, function, items: Sequence) -> list:
        if self.io_workers == 1 or len(items) < 2:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.io_workers, len(items))) as pool:
            return list(pool.map(function, items))


class HashingReader:
    """A read-only stream that hashes every byte read through it."""

    def __init__(self, handle, digest):
        self.handle, self.digest = handle, digest
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def dump_name(folder: str) -> str:
    """The dump a folder holds: its name, less a Hive-style ``dump=`` prefix (the store's own layout)."""
    return folder.removeprefix("dump=")


def _join(base: str, rel: str) -> str:
    return f"{base.rstrip('/')}/{rel}" if rel else base.rstrip("/")


def parse_source(text: str, **options) -> CrawlSource:
    """``commoncrawl:CC-MAIN-2024-18[,CC-MAIN-...]`` or ``path[,path...]`` (local or s3://)."""
    text = text.strip()
    if text.startswith(f"{COMMONCRAWL}:"):
        dumps = tuple(d for d in text.split(":", 1)[1].split(",") if d)
        return CrawlSource(kind=COMMONCRAWL, dumps=dumps, **options)
    uris = tuple(u if "://" in u else os.path.abspath(u) for u in text.split(",") if u)
    return CrawlSource(kind=PREFIX, uris=uris, **options)
