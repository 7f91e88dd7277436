"""Where raw crawl comes from, split into dumps and stable chunks.

Two kinds of source:
- ``commoncrawl``: dumps such as ``CC-MAIN-2024-18``; each dump's WARC list is
  ``<base_url>/crawl-data/<dump>/warc.paths.gz`` (base ``https://data.commoncrawl.org/`` or
  ``s3://commoncrawl/``, or any mirror laid out the same way).
- ``prefix``: local or S3 folders; each subfolder holding crawl files is a dump, and a folder
  that holds crawl files itself is one dump named after it.

A file's chunk is a stable hash of its path inside the dump, mod K: new files never move old
ones, so a chunk's committed versions stay valid when a dump grows.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from factory.crawl.records import file_format, iter_records
from factory.store.filesystem import StorageOptions, open_filesystem
from factory.store.manifest import SourceFile

log = logging.getLogger(__name__)
COMMONCRAWL = "commoncrawl"
PREFIX = "prefix"
DEFAULT_CC_BASE_URL = "https://data.commoncrawl.org/"


class CrawlSourceError(ValueError):
    """A crawl source that is missing, empty or malformed."""


@dataclass(frozen=True)
class CrawlFile:
    dump: str
    relpath: str  # inside the dump: what the chunk hash is computed over
    url: str  # full URI, readable with fsspec
    format: str

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

    def __post_init__(self):
        if self.kind not in (PREFIX, COMMONCRAWL):
            raise CrawlSourceError(f"crawl source kind must be {PREFIX!r} or {COMMONCRAWL!r}, got {self.kind!r}")
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
            if any(e["type"] == "file" and file_format(e["name"]) for e in entries):
                yield root.rstrip("/").rsplit("/", 1)[-1], _join(uri, "")
            for entry in entries:
                if entry["type"] == "directory" and self._has_crawl_files(fs, entry["name"]):
                    name = entry["name"].rstrip("/").rsplit("/", 1)[-1]
                    yield name, _join(uri, name)

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
            for path in fs.find(root):
                fmt = file_format(path)
                if fmt:
                    relpath = path[len(root):].lstrip("/")
                    files.append(CrawlFile(dump, relpath, _join(dump_uri, relpath), fmt))
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
    def describe(self, crawl_file: CrawlFile, count_records: bool = True) -> SourceFile:
        """Size, checksum (ETag where the store gives one, else SHA-256) and record count."""
        fs, path = open_filesystem(crawl_file.url, self.storage)
        info = fs.info(path)
        etag = str(info.get("ETag") or info.get("etag") or "").strip('"')
        digest = hashlib.sha256()
        records = 0
        with fs.open(path, "rb") as handle:
            hashing = _HashingReader(handle, digest)
            if count_records:
                records = sum(1 for _ in iter_records(hashing, crawl_file.format, crawl_file.url))
            hashing.drain()
        checksum = f"etag:{etag}" if etag else f"sha256:{digest.hexdigest()}"
        return SourceFile(crawl_file.url, int(info.get("size") or 0), checksum, records, crawl_file.format)


class _HashingReader:
    """A read-only stream that hashes every byte read through it."""

    def __init__(self, handle, digest):
        self.handle, self.digest = handle, digest

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


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
