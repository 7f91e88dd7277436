"""Raw crawl: the index of WARC/WET/JSONL files each (dump, chunk) holds."""

from dagster import AssetExecutionContext, MetadataValue, asset

from assets.partitions import crawl_partition, crawl_partitions
from assets.results import materialize_result
from factory.crawl import index
from resources import CrawlResource, StoreResource


@asset(
    partitions_def=crawl_partitions,
    code_version=index.CODE_VERSION,
    group_name="crawl",
    kinds={"warc", "parquet"},
    description="One row per raw crawl file of a (dump, chunk): URL, size, checksum, record count.",
)
def raw_crawl(context: AssetExecutionContext, store: StoreResource, crawl: CrawlResource):
    part = crawl_partition(context.partition_key)
    result = index.index_chunk(store.get(), crawl.get_source(), part.dump, part.chunk, crawl.chunks, run_id=context.run_id)
    files = [{"url": s.url, "size": s.size, "checksum": s.checksum, "records": s.records} for s in result.manifest.sources]
    context.log.info(f"raw_crawl {part.dump}/{part.chunk}: {len(files)} files (reused={result.reused})")
    return materialize_result(result, files=MetadataValue.json(files))
