"""Jobs that sensors and the demo request."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job


# Every asset partitioned by (dump, chunk): one run per new or changed chunk.
CRAWL_LEVEL_ASSETS = ["raw_crawl", "filtered"]

crawl_job = define_asset_job(
    "crawl_job",
    selection=AssetSelection.assets(*CRAWL_LEVEL_ASSETS),
    description="Index the raw crawl files of one (dump, chunk) and curate them.",
)
