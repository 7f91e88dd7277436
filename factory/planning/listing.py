"""The file list of the dump being planned: Common Crawl's ``warc.paths.gz``, local or online.

The number of WARC files sets every task count (the factory splits work by files, never by
records), and the paths themselves set how files fall into chunks (the same stable hash as
``factory.crawl.sources``). Offline, ``--paths`` points at a local copy of the list; online it
is read from ``<base_url>/crawl-data/<dump>/warc.paths.gz`` through ``CrawlSource``.
"""

from __future__ import annotations

import gzip
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from factory.crawl.records import WARC, file_format
from factory.crawl.sources import COMMONCRAWL, DEFAULT_CC_BASE_URL, CrawlSource, CrawlSourceError, chunk_of
from factory.store.partitions import UnsafePartitionKeyError, check_value

log = logging.getLogger(__name__)


class PlanInputError(ValueError):
    """A dump id or WARC list the planner cannot use; the message says what to pass instead."""


@dataclass(frozen=True)
class WarcListing:
    """The WARC files of one dump, as relative paths, and where the list was read from."""

    dump: str
    origin: str
    paths: tuple[str, ...]

    @property
    def files(self) -> int:
        return len(self.paths)

    def files_per_chunk(self, chunks: int) -> list[int]:
        """How many files each of ``chunks`` chunks gets (index = chunk number), by the factory's stable hash."""
        counts = Counter(chunk_of(path, chunks) for path in self.paths)
        return [counts.get(index, 0) for index in range(chunks)]


def parse_dump(source: str) -> str:
    """The dump id of ``commoncrawl:CC-MAIN-2024-18`` (one dump per plan)."""
    kind, sep, dumps = source.strip().partition(":")
    if not sep or kind != COMMONCRAWL:
        raise PlanInputError(f"{source!r} is not a Common Crawl source: give one dump as commoncrawl:<dump id>, "
                             "e.g. commoncrawl:CC-MAIN-2024-18")
    names = [d for d in dumps.split(",") if d]
    if len(names) != 1:
        raise PlanInputError(f"{source!r} names {len(names)} dumps: plan one dump at a time, "
                             "e.g. commoncrawl:CC-MAIN-2024-18")
    try:
        return check_value(names[0], "dump id")
    except UnsafePartitionKeyError as error:
        raise PlanInputError(str(error)) from error


def read_paths_file(path: str | Path, dump: str) -> WarcListing:
    """A local ``warc.paths.gz`` (gzipped, one relative WARC path per line; plain text is accepted too)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise PlanInputError(f"WARC list {path} not found: pass --paths a local copy of Common Crawl's "
                             f"crawl-data/{dump}/warc.paths.gz, or leave --paths out to read it online") from error
    except OSError as error:
        raise PlanInputError(f"cannot read the WARC list {path}: {error}") from error
    return _listing(dump, str(path), _decode(data, str(path)))


def fetch_listing(dump: str, base_url: str = DEFAULT_CC_BASE_URL) -> WarcListing:
    """The dump's ``warc.paths.gz`` under ``base_url`` (online, or a mirror), through the factory's crawl source."""
    source = CrawlSource(kind=COMMONCRAWL, dumps=(dump,), base_url=base_url)
    origin = f"{base_url.rstrip('/')}/crawl-data/{dump}/warc.paths.gz"
    try:
        files = source.list_files(dump)
    except CrawlSourceError as error:
        raise PlanInputError(f"{error}; offline, pass --paths a local copy of warc.paths.gz") from error
    except (OSError, ValueError) as error:  # network failures surface as OSError subclasses (aiohttp, fsspec)
        raise PlanInputError(f"could not read {origin} ({type(error).__name__}: {error}): check the network or "
                             "--base-url, or pass --paths a local copy of warc.paths.gz") from error
    return _listing(dump, origin, [f.relpath for f in files])


def _decode(data: bytes, where: str) -> list[str]:
    try:
        text = gzip.decompress(data).decode()
    except gzip.BadGzipFile:
        try:
            text = data.decode()
        except UnicodeDecodeError as error:
            raise PlanInputError(f"{where} is neither gzip nor text: pass Common Crawl's warc.paths.gz") from error
    except (EOFError, UnicodeDecodeError) as error:
        raise PlanInputError(f"{where} is a truncated or corrupt gzip file ({error}): "
                             "download warc.paths.gz again") from error
    return text.split()


def _listing(dump: str, origin: str, lines: list[str]) -> WarcListing:
    warcs = tuple(line for line in lines if file_format(line) == WARC)
    if not warcs:
        other = Counter(file_format(line) or "other" for line in lines)
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(other.items())) or "nothing"
        raise PlanInputError(f"{origin} lists no WARC files (*.warc.gz); it holds {found}: pass the dump's "
                             "warc.paths.gz (not wet.paths.gz or wat.paths.gz)")
    if skipped := len(lines) - len(warcs):
        log.warning("%s: %d lines are not WARC paths and were skipped", origin, skipped)
    log.info("%s: %d WARC files for %s", origin, len(warcs), dump)
    return WarcListing(dump, origin, warcs)
