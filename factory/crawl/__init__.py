from factory.crawl.records import RawRecord, file_format, iter_records
from factory.crawl.sources import CrawlFile, CrawlSource, CrawlSourceError, chunk_keys, parse_source

__all__ = ["CrawlFile", "CrawlSource", "CrawlSourceError", "RawRecord", "chunk_keys", "file_format", "iter_records", "parse_source"]
