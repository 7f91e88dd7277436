"""Curation: `filtered` (FineWeb pipeline per crawl chunk) and `deduped` (MinHash per dump), with checks."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    MetadataValue,
)

from assets import metadata
from assets.partitions import by_dump, crawl_partition, crawl_partitions, dumps
from assets.plans import partition_keys, plans
from assets.results import materialize_result
from assets.step_asset import step_asset
from factory import curation, dedup, settings
from factory.crawl.sources import chunk_keys
from factory.curation import report
from factory.curation.drift import check_drift
from factory.curation import step as curation_step
from factory.dedup import step as dedup_step
from factory.steps import StepPlan, StepResult
from resources import StoreResource
from resources.curation import CurationResource
from resources.executor import ExecutorResource


@step_asset(
    curation.STEP,
    partitions_def=crawl_partitions,
    deps=[AssetDep("raw_crawl"), AssetDep("category_classifier")],
    group_name="curation",
    kinds={"datatrove", "parquet"},
    check_specs=[
        AssetCheckSpec("not_empty", asset="filtered", description="documents survive when documents came in"),
        AssetCheckSpec("removal_drift", asset="filtered",
                       description="each filter's removal rate is within the band of the other partitions'"),
    ],
    description="One row per web document of a (dump, chunk) kept by the FineWeb filters; removed/<filter> holds the rest.",
)
def filtered(context: AssetExecutionContext, store: StoreResource, curation_settings: CurationResource,
             executor: ExecutorResource):
    part = crawl_partition(context.partition_key)
    factory_store = store.get()
    result = curation.filter_chunk(
        factory_store, part.dump, part.chunk, curation_settings.get_config(), executor.get_spec(),
        run_id=context.run_id, storage=store.storage_options(), filters=curation_settings.filters,
    )
    manifest = result.manifest
    counts = manifest.counts
    context.log.info(f"filtered {part.dump}/{part.chunk}: {counts.get('documents', 0)} of {counts.get('documents_in', 0)} "
                     f"documents kept (reused={result.reused})")
    if counts.get("bad_records"):
        context.log.warning(f"filtered {part.dump}/{part.chunk}: {counts['bad_records']} bad input records removed "
                            f"(removed/input): {manifest.stats.get('bad_records', {})}")
    drift = check_drift(factory_store, manifest, curation_settings.drift_band, curation_settings.drift_min_documents,
                        curation_settings.drift_min_partitions)
    checks = [
        _not_empty_check("filtered", manifest, AssetCheckSeverity.WARN),
        AssetCheckResult(
            check_name="removal_drift", passed=drift.passed, severity=AssetCheckSeverity.WARN,
            description=("; ".join(f"{k}: {v}" for k, v in drift.drifted.items()) or drift.not_compared or
                         f"within ±{curation_settings.drift_band:.0%} of {drift.compared_partitions} other partitions"),
            metadata={"compared_partitions": drift.compared_partitions, "rates": MetadataValue.json(drift.rates),
                      "baseline": MetadataValue.json(drift.baseline)},
        ),
    ]
    return materialize_result(result, check_results=checks, **_filtered_metadata(manifest))


@plans("filtered")
def plan_filtered(planner, partition: str) -> StepPlan:
    keys = partition_keys(partition)
    return curation_step.plan_chunk(planner.store, keys["dump"], keys["chunk"], planner.resources["curation_settings"].get_config())


@step_asset(
    dedup.STEP,
    partitions_def=dumps,
    deps=[AssetDep("filtered", partition_mapping=by_dump())],
    group_name="curation",
    kinds={"datatrove", "parquet"},
    check_specs=[AssetCheckSpec("not_empty", asset="deduped", description="the dump keeps documents after dedup")],
    description="One row per document of a dump after exact and MinHash dedup (one per cluster); removed/* holds the duplicates.",
)
def deduped(context: AssetExecutionContext, store: StoreResource, curation_settings: CurationResource,
            executor: ExecutorResource):
    dump = context.partition_key
    result: StepResult = dedup.dedup_dump(
        store.get(), dump, chunk_keys(settings.chunk_count()), curation_settings.get_dedup_config(), executor.get_spec(),
        run_id=context.run_id,
    )
    manifest = result.manifest
    stats = manifest.stats
    context.log.info(f"deduped {dump}: {manifest.counts.get('documents', 0)} of {manifest.counts.get('documents_in', 0)} kept")
    removed = stats.get("removed", {})
    display = {
        "removed": metadata.table([{"reason": reason, "documents": count} for reason, count in removed.items()],
                                  [("reason", "string"), ("documents", "int")]),
        "clusters": stats.get("clusters", 0),
        "chunks": MetadataValue.json(stats.get("chunks", {})),
        "duplicate_samples": MetadataValue.md(_duplicate_samples(stats.get("samples", []))),
        **(metadata.category_metadata(stats["categories"]) if stats.get("categories") else {}),
    }
    return materialize_result(result, check_results=[_not_empty_check("deduped", manifest, AssetCheckSeverity.ERROR)], **display)


@plans("deduped")
def plan_deduped(planner, partition: str) -> StepPlan:
    return dedup_step.plan_dump(planner.store, partition_keys(partition)["dump"], chunk_keys(settings.chunk_count()),
                                planner.resources["curation_settings"].get_dedup_config())


# Narrow columns first and the reasons right after the rate: the UI's partition panel cuts off what does not fit.
REMOVAL_COLUMNS = [("filter", "string"), ("removed", "string"), ("reasons", "string"), ("docs_in", "int"),
                   ("docs_removed", "int"), ("tokens_removed", "int")]


def _filtered_metadata(manifest) -> dict:
    stats = manifest.stats
    removals = stats.get("removals", [])
    rows = [{**row, "removed": f"{row['removal_rate']:.1%}",
             "reasons": ", ".join(f"{reason}: {count}" for reason, count in row["reasons"].items())} for row in removals]
    bad = stats.get("bad_records", {})
    return {
        "removal_by_filter": metadata.table(rows, REMOVAL_COLUMNS),
        "bad_records_by_reason": metadata.table([{"reason": reason, "records": count} for reason, count in bad.items()],
                                                [("reason", "string"), ("records", "int")]),
        "removal_rates": metadata.bar_chart({row["filter"]: row["removal_rate"] for row in removals},
                                            "Share of the documents reaching each filter that it removed", "removed",
                                            percent=True),
        "language_mix": MetadataValue.md(report.markdown_mix(stats.get("language_mix", {}))),
        "samples": MetadataValue.md(report.markdown_samples(stats.get("samples", {}))),
        "docs_per_second": stats.get("docs_per_second"),
        **(metadata.category_metadata(stats["categories"], title="Share of the kept documents per category")
           if stats.get("categories") else {}),
        "removed_by_category": metadata.table(_removed_by_category(stats.get("removed_categories", {})),
                                              [("filter", "string"), ("categories", "string")]),
    }


def _removed_by_category(removed: dict) -> list[dict]:
    """What each filter removed, by category (largest first): the quickest look at what a filter is for."""
    rows = []
    for name, summary in removed.items():
        counts = sorted(summary.get("documents", {}).items(), key=lambda item: -item[1])
        rows.append({"filter": name, "categories": ", ".join(f"{category}: {n}" for category, n in counts)})
    return rows


def _not_empty_check(asset_name: str, manifest, severity) -> AssetCheckResult:
    docs_in, docs_out = manifest.counts.get("documents_in", 0), manifest.counts.get("documents", 0)
    return AssetCheckResult(
        check_name="not_empty", asset_key=asset_name, passed=docs_out > 0 or docs_in == 0, severity=severity,
        description=(f"{docs_out} of {docs_in} documents kept" if docs_in else
                     "empty: no document came in, so there was nothing to keep"),
        metadata={"documents_in": docs_in, "documents": docs_out},
    )


def _duplicate_samples(samples: list[dict]) -> str:
    if not samples:
        return "no duplicates removed"
    lines = []
    for item in samples:
        what = ("an earlier dump's document" if item["reason"] == "earlier_dump" else
                f"the kept document of MinHash cluster {item['cluster_id']}" if item["cluster_id"] >= 0 else
                f"the kept document with content key {item['content_key']}")
        lines.append(f"**{item['url'] or item['id']}** ({item['reason']}) duplicates {what}\n")
        lines.extend("> " + line for line in item["text"].splitlines() if line.strip())
        lines.append("")
    return "\n".join(lines)
