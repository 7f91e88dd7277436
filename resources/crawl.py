"""The crawl source as a Dagster resource: where raw crawl comes from and how raw_crawl indexes it.

Dump names come from folder names (or the dump ids of a ``commoncrawl:`` source) and become Dagster
partitions and store folders, so the source this resource hands out refuses a dump whose name is not
a safe partition key (``bad..dump``, a space, a backslash) with the folder named, before the sensor
adds it as a partition or a run lists its files.
"""

from typing import ClassVar

from dataclasses import dataclass, fields
from urllib.parse import urlparse

from pydantic import Field

from factory import settings
from factory.crawl import CrawlSource, CrawlSourceError, parse_source
from factory.crawl.sources import COMMONCRAWL, DEFAULT_CC_BASE_URL, DEFAULT_IO_WORKERS, INDEX_MODES
from factory.store import StorageOptions
from factory.store.filesystem import protocol_of
from factory.store.partitions import UnsafePartitionKeyError, check_value
from resources.checked import CheckedResource


class CrawlResource(CheckedResource):
    """Where raw crawl comes from: `commoncrawl:CC-MAIN-2024-18[,...]` or folders `path[,path...]`."""

    key: ClassVar[str] = "crawl"
    planned: ClassVar[bool] = False

    source: str | None = Field(default=None, description="default: FACTORY_CRAWL")
    base_url: str = Field(default=DEFAULT_CC_BASE_URL, description="Common Crawl base URL or mirror (commoncrawl mode)")
    max_files_per_dump: int | None = Field(default=None, description="cap on files per dump (demo sizes)")
    endpoint_url: str | None = None
    index_mode: str | None = Field(
        default=None,
        description=(
            "how raw_crawl indexes files. 'full': read new or changed files (record count + SHA-256, streamed); "
            "unchanged ones (same size and ETag/mtime) are copied from earlier versions. 'listing': never open a "
            "file; records are null and the checksum is the listing fingerprint (etag:/mtime:). Default (null): "
            "'full' for folder sources, 'listing' for commoncrawl: sources (immutable files, ~100 TB a dump). "
            "Part of the raw_crawl version: changing it makes new versions."
        ),
    )
    io_workers: int = Field(
        default=DEFAULT_IO_WORKERS, ge=1,
        description="parallel file stats (HEAD requests) and reads while indexing; does not change the output",
    )

    def check_config(self) -> None:
        """The source's shape (no listing: that is the sensor's work): known protocols, safe dump ids, a valid mode."""
        if self.index_mode is not None and self.index_mode not in INDEX_MODES:
            raise ValueError(f"index_mode must be one of {list(INDEX_MODES)} or null (the source's default), got {self.index_mode!r}")
        if self.max_files_per_dump is not None and self.max_files_per_dump < 1:
            raise ValueError(f"max_files_per_dump must be >= 1 or null (all files), got {self.max_files_per_dump}")
        if urlparse(self.base_url).scheme not in ("http", "https", "s3"):
            raise ValueError(f"base_url {self.base_url!r} must be an http(s):// or s3:// URL of Common Crawl or a mirror")
        text = self.source or settings.crawl_uri()
        if not text:
            return  # no source yet: the sensor and raw_crawl say so when they need one
        key = "source" if self.source else "FACTORY_CRAWL/crawl_source"
        source = self.get_source()
        if source.kind == COMMONCRAWL:
            for dump in source.dumps:
                check_value(dump, f"{key}: dump id")
        for uri in source.uris:
            _check_protocol(uri, key)

    @property
    def chunks(self) -> int:
        # Read from the environment, like the partitions definition, so both always agree.
        return settings.chunk_count()

    def get_source(self) -> CrawlSource:
        text = self.source or settings.crawl_uri()
        if not text:
            raise CrawlSourceError(
                "no crawl source configured: set FACTORY_CRAWL to a folder of dumps "
                "(e.g. FACTORY_CRAWL=../shared/data/web) or to commoncrawl:CC-MAIN-2024-18"
            )
        source = parse_source(
            text, base_url=self.base_url, max_files_per_dump=self.max_files_per_dump,
            storage=StorageOptions(endpoint_url=self.endpoint_url), index_mode=self.index_mode, io_workers=self.io_workers,
        )
        return SafeDumpsSource(**{f.name: getattr(source, f.name) for f in fields(source)})


@dataclass(frozen=True)
class SafeDumpsSource(CrawlSource):
    """A crawl source whose dump names are checked as partition keys before anyone uses them."""

    def list_dumps(self) -> list[str]:
        dumps = super().list_dumps()
        for dump in dumps:
            try:
                check_value(dump, "dump name")
            except UnsafePartitionKeyError as error:
                raise CrawlSourceError(f"crawl source {','.join(self.uris or self.dumps)}: {error}; rename the dump's "
                                       "folder (it becomes a partition key and a store folder)") from None
        return dumps


def _check_protocol(uri: str, key: str) -> None:
    import fsspec

    protocol = protocol_of(uri)
    try:
        fsspec.get_filesystem_class(protocol)
    except (ValueError, ImportError) as error:
        raise ValueError(f"{key}: crawl folder {uri!r} has the protocol {protocol!r}, which cannot be read here ({error}); "
                         "use a local folder, s3://bucket/prefix or commoncrawl:CC-MAIN-...") from None
