"""raw_crawl materialized through Dagster, the crawl sensor, and lineage from the store alone."""

from __future__ import annotations

import json
import shutil

import pytest
from dagster import DagsterInstance, MultiPartitionKey, SkipReason, build_sensor_context, materialize
from typer.testing import CliRunner

from assets.cli import app
from assets.crawl import raw_crawl
from assets.sensors import crawl_sensor
from factory import settings
from factory.crawl import index
from factory.crawl.sources import chunk_key, chunk_keys, chunk_of
from factory.store import Store
from resources import CrawlResource, StoreResource
from support.sensors import sensor_resources


def c4_partition() -> MultiPartitionKey:
    chunk = chunk_key(chunk_of("c4-sample.00000-of-00001.json.gz", settings.chunk_count()))
    return MultiPartitionKey({"dump": "olmo_c4", "chunk": chunk})


def test_definitions_load():
    from assets.definitions import defs

    assert defs.resolve_job_def("crawl_job") is not None
    assert defs.resolve_assets_def("raw_crawl") is not None


def test_raw_crawl_materializes_then_reuses_its_version(store_root, web_data):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", ["olmo_c4"])
    resources = {"store": StoreResource(root=store_root), "crawl": CrawlResource(source=str(web_data))}
    versions, files_read = [], []
    for _ in range(2):
        result = materialize([raw_crawl], partition_key=c4_partition(), instance=instance, resources=resources)
        [event] = result.get_asset_materialization_events()
        metadata = event.event_specific_data.materialization.metadata
        versions.append((metadata["store_version"].value, metadata["reused_committed_version"].value))
        files_read.append(metadata["files_read"].value)
        tags = event.event_specific_data.materialization.tags
        assert tags["dagster/data_version"] == metadata["content_hash"].value
    assert versions[0][0] == versions[1][0]
    assert [reused for _, reused in versions] == [False, True]
    assert files_read == [1, 0]  # the rerun decided from the listing alone
    manifest = Store(store_root).current("raw_crawl", {"dump": "olmo_c4", "chunk": c4_partition().keys_by_dimension["chunk"]})
    assert manifest.counts["records"] == 1000
    assert manifest.sources[0].url.endswith("c4-sample.00000-of-00001.json.gz")
    assert manifest.run_id and manifest.code_version == index.STEP.code_version


def test_listing_mode_is_a_crawl_resource_setting_and_part_of_the_version(tmp_path, web_data):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", ["olmo_c4"])
    root = str(tmp_path / "store")
    partition = {"dump": "olmo_c4", "chunk": c4_partition().keys_by_dimension["chunk"]}
    versions = {}
    for mode in ("listing", "full"):
        resources = {"store": StoreResource(root=root), "crawl": CrawlResource(source=str(web_data), index_mode=mode)}
        materialize([raw_crawl], partition_key=c4_partition(), instance=instance, resources=resources)
        manifest = Store(root).current("raw_crawl", partition)
        versions[mode] = manifest.version
        assert manifest.config["index_mode"] == mode
    listing = Store(root).read_manifest("raw_crawl", partition, versions["listing"])
    assert versions["listing"] != versions["full"]
    assert [s.records for s in listing.sources] == [None] and listing.sources[0].checksum.startswith("mtime:")


def test_crawl_sensor_adds_partitions_once_and_requests_every_chunk_of_a_new_dump_then_only_changed_chunks(tmp_path, web_data):
    """Every chunk of a new dump is requested, those without files too (each commits an empty version instead of
    showing as never materialized); afterwards only chunks whose file list changed, emptied ones included."""
    crawl_dir = tmp_path / "crawl"
    (crawl_dir / "CC-A").mkdir(parents=True)
    shutil.copy(web_data / "dolma" / "sample-0000.warc.gz", crawl_dir / "CC-A" / "a.warc.gz")
    instance = DagsterInstance.ephemeral()
    resources = sensor_resources(crawl=CrawlResource(source=str(crawl_dir)), store=StoreResource(root=str(tmp_path / "store")))
    every_chunk = chunk_keys(settings.chunk_count())

    def requested(result) -> set[tuple[str, str]]:
        return {(r.partition_key.keys_by_dimension["dump"], r.partition_key.keys_by_dimension["chunk"]) for r in result.run_requests}

    first = crawl_sensor(build_sensor_context(instance=instance, resources=resources))
    [add] = first.dynamic_partitions_requests
    assert list(add.partition_keys) == ["CC-A"] and requested(first) == {("CC-A", chunk) for chunk in every_chunk}

    again = crawl_sensor(build_sensor_context(instance=instance, cursor=first.cursor, resources=resources))
    assert isinstance(again, SkipReason)

    shutil.copy(web_data / "dolma" / "sample-0001.warc.gz", crawl_dir / "CC-A" / "b.warc.gz")
    (crawl_dir / "CC-B").mkdir()
    shutil.copy(web_data / "resiliparse" / "warcfile.warc.gz", crawl_dir / "CC-B" / "c.warc.gz")
    grown = crawl_sensor(build_sensor_context(instance=instance, cursor=first.cursor, resources=resources))
    [add] = grown.dynamic_partitions_requests
    assert list(add.partition_keys) == ["CC-B"]
    b_chunk = chunk_key(chunk_of("b.warc.gz", settings.chunk_count()))
    assert requested(grown) == {("CC-A", b_chunk)} | {("CC-B", chunk) for chunk in every_chunk}
    assert len({r.run_key for r in first.run_requests + grown.run_requests}) == 2 * len(every_chunk) + 1

    (crawl_dir / "CC-A" / "b.warc.gz").unlink()  # its chunk is requested again, to commit what it holds now
    shrunk = crawl_sensor(build_sensor_context(instance=instance, cursor=grown.cursor, resources=resources))
    assert requested(shrunk) == {("CC-A", b_chunk)}


def test_lineage_names_the_warc_files_of_a_chunk(tmp_path, web_data):
    root = str(tmp_path / "store")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", ["whirlwind"])
    chunk = chunk_key(chunk_of("whirlwind.warc.gz", settings.chunk_count()))
    resources = {"store": StoreResource(root=root), "crawl": CrawlResource(source=str(web_data))}
    materialize([raw_crawl], partition_key=MultiPartitionKey({"dump": "whirlwind", "chunk": chunk}), instance=instance, resources=resources)

    runner = CliRunner()
    result = runner.invoke(app, ["lineage", "raw_crawl", f"dump=whirlwind/chunk={chunk}", "--json", "--store", root])
    assert result.exit_code == 0, result.output
    tree = json.loads(result.output)
    assert tree["asset"] == "raw_crawl" and tree["partition"] == f"dump=whirlwind/chunk={chunk}"
    assert [s["url"].rsplit("/", 1)[-1] for s in tree["sources"]] == ["whirlwind.warc.gz"]
    assert tree["sources"][0]["checksum"].startswith("sha256:")

    printed = runner.invoke(app, ["lineage", "raw_crawl", f"dump=whirlwind/chunk={chunk}", "--store", root])
    assert "whirlwind.warc.gz" in printed.output and f"dump=whirlwind/chunk={chunk}" in printed.output
    missing = runner.invoke(app, ["lineage", "raw_crawl", "dump=nope/chunk=000", "--store", root])
    assert missing.exit_code == 1 and "no committed version" in missing.output


def test_demo_without_a_crawl_source_says_what_to_point_it_at(monkeypatch):
    monkeypatch.delenv("FACTORY_CRAWL", raising=False)
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2
    assert "FACTORY_CRAWL" in result.output


@pytest.mark.parametrize("bad", ["../x", "/abs"])
def test_lineage_rejects_escaping_partitions(tmp_path, bad):
    result = CliRunner().invoke(app, ["lineage", "raw_crawl", bad, "--store", str(tmp_path)])
    assert result.exit_code == 1 and "not allowed" in result.output


def test_demo_crawl_stage_lands_in_s3(web_data, s3_endpoint, s3_bucket, monkeypatch):
    from assets.definitions import defs
    from assets.demo import DemoContext, run_sensor
    from assets.quality_sensors import categories_sensor
    from assets.sensors import crawl_sensor
    from dagster import instance_for_test

    from assets.sensor_cursors import sensor_cursors

    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    monkeypatch.setenv("FACTORY_STORE", f"s3://{s3_bucket}/factory")
    monkeypatch.setenv("FACTORY_CRAWL", str(web_data / "whirlwind"))
    with instance_for_test() as instance, sensor_cursors(instance) as cursors:
        ctx = DemoContext(defs, instance, cursors)
        run_sensor(ctx, categories_sensor)  # filtered tags with the category classifier: an input
        run_sensor(ctx, crawl_sensor)
    # The crawl job materializes every (dump, chunk) asset, the chunks without files too: the raw index and the filtered text.
    every_chunk = chunk_keys(settings.chunk_count())
    assert sorted(row[0] for row in ctx.report.rows) == sorted(["category_classifier"] + ["filtered", "raw_crawl"] * len(every_chunk))
    store = Store(f"s3://{s3_bucket}/factory")
    assert store.partitions("raw_crawl") == [f"dump=whirlwind/chunk={chunk}" for chunk in every_chunk]
    assert store.partitions("filtered") == store.partitions("raw_crawl")
    with_files = {chunk_key(chunk_of(name, settings.chunk_count())) for name in ["whirlwind.warc.gz", "whirlwind.warc.wet.gz"]}
    for chunk in every_chunk:  # the empty ones hold no file and no document
        files = store.current("raw_crawl", {"dump": "whirlwind", "chunk": chunk}).counts["files"]
        assert (files > 0) == (chunk in with_files), chunk
