"""The data factory's domain library: store, lineage, crawl, curation, generation, mixing,
training and evaluation. Nothing here imports Dagster; the `resources` and `assets` packages
wrap these parts for orchestration."""

__version__ = "0.1.0"
