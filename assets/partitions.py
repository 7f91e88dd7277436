"""Partitions of the factory's assets.

Dumps are dynamic (added by the crawl sensor); each dump is split into K static chunks
(FACTORY_CHUNKS, default 4) by a stable hash of file paths, so crawl-level assets are
dump x chunk and dump-level assets fan in over all chunks of a dump.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from dagster import (
    BetaWarning,
    DynamicPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    MultiToSingleDimensionPartitionMapping,
    StaticPartitionsDefinition,
)

from factory import settings
from factory.crawl.sources import chunk_keys

dumps = DynamicPartitionsDefinition(name="dumps")
chunks = StaticPartitionsDefinition(chunk_keys(settings.chunk_count()))
crawl_partitions = MultiPartitionsDefinition({"dump": dumps, "chunk": chunks})


@dataclass(frozen=True)
class CrawlPartition:
    dump: str
    chunk: str

    @property
    def store_key(self) -> dict[str, str]:
        return {"dump": self.dump, "chunk": self.chunk}

    @property
    def dagster_key(self) -> MultiPartitionKey:
        return MultiPartitionKey({"dump": self.dump, "chunk": self.chunk})


def by_dump() -> MultiToSingleDimensionPartitionMapping:
    """Maps a (dump, x) partition to its dump's. Beta in Dagster 1.13, and used on purpose: its warning
    would otherwise repeat in every run and step process that loads the definitions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        return MultiToSingleDimensionPartitionMapping(partition_dimension_name="dump")


def crawl_partition(partition_key) -> CrawlPartition:
    keys = partition_key.keys_by_dimension
    return CrawlPartition(dump=keys["dump"], chunk=keys["chunk"])


# Mix names, added from the mix recipe files (the mix sensor, and `factory demo` in process).
mixes = DynamicPartitionsDefinition(name="mixes")
