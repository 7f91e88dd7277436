"""Dagster resources: thin, configurable wrappers that hand factory objects to assets."""

from resources.crawl import CrawlResource
from resources.store import StoreResource

__all__ = ["CrawlResource", "StoreResource"]
