"""The crawl source as a Dagster resource: where raw crawl comes from and how raw_crawl indexes it."""

from dagster import ConfigurableResource
from pydantic import Field

from factory import settings
from factory.crawl import CrawlSource, CrawlSourceError, parse_source
from factory.crawl.sources import DEFAULT_CC_BASE_URL, DEFAULT_IO_WORKERS
from factory.store import StorageOptions


class CrawlResource(ConfigurableResource):
    """Where raw crawl comes from: `commoncrawl:CC-MAIN-2024-18[,...]` or folders `path[,path...]`."""

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
        return parse_source(
            text, base_url=self.base_url, max_files_per_dump=self.max_files_per_dump,
            storage=StorageOptions(endpoint_url=self.endpoint_url), index_mode=self.index_mode, io_workers=self.io_workers,
        )
