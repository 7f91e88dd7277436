"""Sensors: new crawl partitions in, runs requested once each."""


from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from assets.jobs import crawl_job
from assets.partitions import CrawlPartition, dumps
from factory.crawl.discovery import discover, parse_cursor
from resources import CrawlResource


@sensor(job=crawl_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED)
def crawl_sensor(context: SensorEvaluationContext, crawl: CrawlResource):
    """Adds new dumps as partitions and requests a crawl run per new or changed chunk."""
    found = discover(crawl.get_source(), crawl.chunks, parse_cursor(context.cursor))
    if not found.requests and not found.new_dumps:
        return SkipReason("no new dumps or crawl files")
    requests = [
        RunRequest(
            run_key=request.run_key,
            partition_key=CrawlPartition(request.dump, request.chunk).dagster_key,
            tags={"factory/dump": request.dump, "factory/chunk": request.chunk},
        )
        for request in found.requests
    ]
    context.log.info(f"{len(found.new_dumps)} new dumps, {len(requests)} chunk runs")
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[dumps.build_add_request(found.new_dumps)] if found.new_dumps else [],
        cursor=found.cursor_text(),
    )
