"""`filtered` and `deduped` through Dagster: metadata, checks, and the sensor that re-runs `deduped`."""

from __future__ import annotations

import json

from dagster import DagsterInstance, MultiPartitionKey, build_sensor_context, materialize

from assets.crawl import raw_crawl
from assets.curation import deduped, filtered
from assets.curation_sensors import deduped_sensor
from factory import settings
from factory.crawl.sources import chunk_keys
from resources import CrawlResource, StoreResource
from resources.curation import CurationResource
from resources.executor import ExecutorResource
from factory.store import Store
from support.categories import classifier_in
from support.sensors import requested, sensor_resources


def resources(store_root: str, crawl_dir, **curation) -> dict:
    return {"store": StoreResource(root=store_root), "crawl": CrawlResource(source=str(crawl_dir)),
            "curation_settings": CurationResource(**curation), "executor": ExecutorResource(workers=1)}


def test_filtered_and_deduped_materialize_with_tables_checks_and_sensor(tmp_path, crawl_dir):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", ["c4"])
    store_root = str(tmp_path / "store")
    classifier_in(Store(store_root))  # filtered's input (categories_job in the demo)
    filtered_checks = []
    for chunk in chunk_keys(settings.chunk_count()):
        result = materialize([raw_crawl, filtered], partition_key=MultiPartitionKey({"dump": "c4", "chunk": chunk}),
                             resources=resources(store_root, crawl_dir), instance=instance)
        assert result.success
        filtered_checks += [(c.check_name, c.passed) for c in result.get_asset_check_evaluations()]
    assert ("not_empty", True) in filtered_checks and ("removal_drift", True) in filtered_checks
    mats = [m for m in instance.fetch_materializations(filtered.key, limit=10).records]
    # every chunk reports its row count, so the UI shows the chunks without documents as 0 rows
    assert all(m.asset_materialization.metadata["dagster/row_count"].value == m.asset_materialization.metadata["count/documents"].value
               for m in mats)
    with_docs = [m.asset_materialization for m in mats if m.asset_materialization.metadata["count/documents_in"].value > 0]
    assert len(with_docs) == 1
    meta = with_docs[0].metadata
    removal = {record.data["filter"]: record.data for record in meta["removal_by_filter"].records}
    assert "gopher_quality" in removal and removal["extraction"]["docs_in"] == meta["count/documents_in"].value
    assert "| en |" in meta["language_mix"].value
    assert "### kept" in meta["samples"].value

    def tick(**curation):
        return deduped_sensor(build_sensor_context(instance=instance,
                                                   resources=sensor_resources(**resources(store_root, crawl_dir, **curation))))

    assert requested(tick()) == ["c4"]
    result = materialize([deduped], partition_key="c4", resources=resources(store_root, crawl_dir), instance=instance)
    assert result.success
    dedup_meta = result.asset_materializations_for_node("deduped")[0].metadata
    assert dedup_meta["count/documents"].value == 10 and dedup_meta["count/documents_in"].value == 10
    check_results = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in check_results] == [("not_empty", True)]

    # Unchanged chunks: no request. New filtered versions (stricter settings): a request under those settings; under
    # the old ones the chunks' filtered versions are outdated again, so the dedup waits for them.
    assert requested(tick()) == []
    stricter = json.dumps({"curation": {"gopher_quality": {"min_doc_words": 600}}})
    for chunk in chunk_keys(settings.chunk_count()):
        materialize([filtered], partition_key=MultiPartitionKey({"dump": "c4", "chunk": chunk}),
                    resources=resources(store_root, crawl_dir, overrides_json=stricter), instance=instance)
    assert requested(tick(overrides_json=stricter)) == ["c4"]
    assert requested(tick()) == []
