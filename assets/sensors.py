"""Sensors: new crawl partitions in, runs requested once each."""


from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, sensor

from assets.jobs import crawl_job
from assets.partitions import CrawlPartition, dumps
from assets.planner import PLANNER_RESOURCES, Planner
from assets.requests import outdated, request_for, skip
from factory import settings
from factory.crawl.discovery import discover, parse_cursor
from factory.crawl.sources import chunk_keys
from factory.store.partitions import partition_label


@sensor(job=crawl_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED,
        required_resource_keys=PLANNER_RESOURCES | {"crawl"})
def crawl_sensor(context: SensorEvaluationContext, **resources):
    """Adds new dumps as partitions and requests a crawl run per new or changed chunk, and per chunk whose
    `filtered` version would change (the curation settings, the category classifier, the code)."""
    crawl = context.resources.crawl
    found = discover(crawl.get_source(), crawl.chunks, parse_cursor(context.cursor))
    requests = [
        RunRequest(
            run_key=request.run_key,
            partition_key=CrawlPartition(request.dump, request.chunk).dagster_key,
            tags={"factory/dump": request.dump, "factory/chunk": request.chunk},
        )
        for request in found.requests
    ]
    discovered = {(r.dump, r.chunk) for r in found.requests}
    planner = Planner.from_context(context)
    requests += _outdated_chunks(planner, context.instance.get_dynamic_partitions(dumps.name), discovered)
    if not requests and not found.new_dumps:
        return skip(planner, "no new dumps or crawl files, and every chunk's filtered version is current")
    context.log.info(f"{len(found.new_dumps)} new dumps, {len(requests)} chunk runs")
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[dumps.build_add_request(found.new_dumps)] if found.new_dumps else [],
        cursor=found.cursor_text(),
    )


def _outdated_chunks(planner: Planner, known_dumps: list[str], discovered: set[tuple[str, str]]) -> list[RunRequest]:
    """Chunks already crawled whose filtered version would change (discovery requests the rest)."""
    requests = []
    for dump in known_dumps:
        for chunk in chunk_keys(settings.chunk_count()):
            if (dump, chunk) in discovered:
                continue
            if statuses := outdated(planner, ["filtered"], partition_label({"dump": dump, "chunk": chunk})):
                requests.append(request_for(statuses, CrawlPartition(dump, chunk).dagster_key,
                                            {"factory/dump": dump, "factory/chunk": chunk}))
    return requests
