"""Raw crawl: the index of WARC/WET/JSONL files each (dump, chunk) holds."""

from dagster import AssetExecutionContext, MetadataValue

from assets.partitions import crawl_partition, crawl_partitions
from assets.results import materialize_result
from assets.step_asset import step_asset
from factory.crawl import index
from factory.steps import StepResult
from resources import CrawlResource, StoreResource

# A Common Crawl chunk lists thousands of files: the event log gets the first ones, the manifest all.
METADATA_FILES = 100


@step_asset(
    index.STEP,
    partitions_def=crawl_partitions,
    group_name="crawl",
    kinds={"warc", "parquet"},
    description="One row per raw crawl file of a (dump, chunk): URL, size, checksum, record count (null in listing "
        "mode), listing fingerprint. An unchanged listing reuses the committed version without opening files.",
)
def raw_crawl(context: AssetExecutionContext, store: StoreResource, crawl: CrawlResource):
    part = crawl_partition(context.partition_key)
    result = index.index_chunk(store.get(), crawl.get_source(), part.dump, part.chunk, crawl.chunks, run_id=context.run_id)
    sources = result.manifest.sources
    files = [{"url": s.url, "size": s.size, "checksum": s.checksum, "records": s.records} for s in sources[:METADATA_FILES]]
    context.log.info(f"raw_crawl {part.dump}/{part.chunk}: {len(sources)} files (reused={result.reused})")
    return materialize_result(result, files=MetadataValue.json(files), files_total=len(sources),
                              files_read=files_read(result))


def files_read(result: StepResult) -> int:
    """Crawl files this materialization opened: none when it reused a version, else the new or changed ones."""
    return 0 if result.reused else int(result.manifest.stats.get("files_read", 0))
