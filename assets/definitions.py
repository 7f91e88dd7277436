"""The factory's Definitions: every asset, job, sensor and resource, merged in one place."""

from __future__ import annotations

from dagster import Definitions, load_assets_from_modules

from assets import crawl
from assets.jobs import crawl_job
from assets.sensors import crawl_sensor
from resources import CrawlResource, StoreResource


def build_resources() -> dict:
    """One set of resource keys; the environment (FACTORY_STORE, FACTORY_CRAWL...) picks local or S3."""
    return {"store": StoreResource(), "crawl": CrawlResource()}


defs = Definitions(
    assets=load_assets_from_modules([crawl]),
    jobs=[crawl_job],
    sensors=[crawl_sensor],
    resources=build_resources(),
)
