"""The versioned store, on a local folder and on a real S3 endpoint (moto)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from factory.steps import reuse_committed
from factory.store import InputRef, Store, UnsafePartitionKeyError, parse_partition, partition_path
from factory.store.manifest import MANIFEST_NAME
from factory.store.writer import open_writer

PARTITION = {"dump": "CC-MAIN-2024-18", "chunk": "003"}


def make_writer(store: Store, config=None, inputs=(), operational=None):
    return open_writer(store, "docs", PARTITION, code_version="1", config=config or {"min_words": 50}, inputs=inputs, operational=operational)


def write_one(store: Store, rows=None, **kwargs):
    writer = make_writer(store, **kwargs)
    with writer.part(0) as part:
        part.write_table("documents", rows or [{"id": "a", "text": "hello"}, {"id": "b", "text": "world"}])
        part.count(documents=2)
    return writer.commit()


def test_committed_version_has_manifest_with_files_counts_and_packages(store):
    manifest = write_one(store)
    assert manifest.counts == {"documents": 2}
    assert [f.path for f in manifest.files] == ["documents/part-00000.parquet"]
    assert manifest.files[0].rows == 2 and len(manifest.files[0].sha256) == 64
    assert "pyarrow" in manifest.packages
    assert store.current("docs", PARTITION) == manifest
    assert store.read_table(manifest).column("text").to_pylist() == ["hello", "world"]
    on_disk = json.loads(store.get(f"{store.version_dir('docs', PARTITION, manifest.version)}/{MANIFEST_NAME}"))
    assert on_disk["partition"] == "dump=CC-MAIN-2024-18/chunk=003"
    assert on_disk["content_hash"] == manifest.content_hash


def test_interrupted_write_leaves_no_visible_version(store):
    writer = make_writer(store)
    with pytest.raises(RuntimeError):
        with writer.part(0) as part:
            part.write_table("documents", [{"id": "a", "text": "x"}])
            raise RuntimeError("worker killed before the part marker")
    assert writer.committed is None
    assert store.versions("docs", PARTITION) == []
    assert store.current("docs", PARTITION) is None
    # A committed part without a manifest is still invisible.
    with writer.part(0) as part:
        part.write_table("documents", [{"id": "a", "text": "x"}])
    assert store.versions("docs", PARTITION) == []


def test_rerun_of_unchanged_partition_reuses_committed_version(store):
    first = write_one(store)
    writer = make_writer(store, operational={"workers": 8})  # operational settings are not versioned
    assert writer.version == first.version
    reused = reuse_committed(store, writer)
    assert reused is not None and reused.reused and reused.manifest == first
    assert len(store.versions("docs", PARTITION)) == 1


def test_config_or_input_change_makes_a_new_version(store):
    first = write_one(store)
    assert make_writer(store, config={"min_words": 60}).version != first.version
    upstream = InputRef("raw", "x", "v2", "uri")
    assert make_writer(store, inputs=[upstream]).version != first.version


def test_current_follows_the_last_materialization_even_to_an_older_version(store):
    old = write_one(store)
    new = write_one(store, config={"min_words": 60})
    assert store.current("docs", PARTITION).version == new.version
    reuse_committed(store, make_writer(store))
    assert store.current("docs", PARTITION).version == old.version
    assert [m.version for m in store.versions("docs", PARTITION)] == [old.version, new.version]


def test_resume_skips_committed_parts_and_commits_all(store):
    writer = make_writer(store)
    for index in range(2):
        with writer.part(index) as part:
            part.write_table("documents", [{"id": str(index), "text": f"part {index}"}])
            part.count(documents=1)
    # The run dies here. A new run of the same version sees the two parts and writes the rest.
    rerun = make_writer(store)
    done = rerun.committed_parts()
    assert sorted(done) == [0, 1]
    written = []
    for index in range(4):
        if index in done:
            continue
        with rerun.part(index) as part:
            part.write_table("documents", [{"id": str(index), "text": f"part {index}"}])
            part.count(documents=1)
        written.append(index)
    manifest = rerun.commit()
    assert written == [2, 3]
    assert manifest.parts == 4 and manifest.counts == {"documents": 4}
    assert store.read_table(manifest).column("id").to_pylist() == ["0", "1", "2", "3"]


def test_jsonl_tables_and_empty_typed_tables_round_trip(store):
    writer = make_writer(store)
    schema = pa.schema([("id", pa.string())])
    with writer.part(0) as part:
        part.write_table("documents", [{"id": "a", "text": "é"}], fmt="jsonl")
        part.write_table("removed/url_filter", schema.empty_table())
    manifest = writer.commit()
    assert manifest.files[0].path.endswith(".jsonl.gz")
    assert store.read_table(manifest).column("text").to_pylist() == ["é"]
    assert store.read_table(manifest, "removed/url_filter").num_rows == 0


@pytest.mark.parametrize("bad", ["../x", "/abs", "", "..", "a/../../b", ".hidden", "x\\y"])
def test_partition_keys_that_would_escape_the_store_are_rejected(store, bad):
    with pytest.raises(UnsafePartitionKeyError, match="not allowed|empty|name=value"):
        open_writer(store, "docs", bad, code_version="1", config={})
    with pytest.raises(UnsafePartitionKeyError):
        open_writer(store, "docs", {"dump": bad or "..", "chunk": "000"}, code_version="1", config={})


def test_partition_paths_parse_back():
    assert partition_path(PARTITION) == "dump=CC-MAIN-2024-18/chunk=003"
    assert parse_partition("dump=CC-MAIN-2024-18/chunk=003") == PARTITION
    assert parse_partition("dump=CC-MAIN-2024-18,chunk=003") == PARTITION
    assert parse_partition("olmo_c4") == "olmo_c4"
    with pytest.raises(UnsafePartitionKeyError):
        parse_partition("dump=../../etc")
